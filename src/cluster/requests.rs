//! Cluster stage, pure: the requests manifesto makes of an API server and how their
//! answers are read (kube-rs's split of kube-core from the client). Discovery, aggregated
//! (`apidiscovery.k8s.io/v2`, two requests) where the server has it and legacy otherwise;
//! LISTs with pagination. Must not send anything (client.rs does).

use crate::yaml::Value;
use std::collections::BTreeMap;

/// The Accept header that asks for aggregated discovery and takes the legacy answer.
pub const AGGREGATED_ACCEPT: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

/// How many objects one LIST page asks for.
pub const PAGE: usize = 500;

/// A kind as the server serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResource {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The plural in URLs (`deployments`).
    pub plural: String,
    pub namespaced: bool,
    /// Whether the server lists it (its verbs include `list`; taken as yes when the
    /// server gives no verbs).
    pub listable: bool,
}

impl ApiResource {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `/api/v1` or `/apis/group/version`.
    pub fn base(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        }
    }

    /// The collection URL, in a namespace or cluster-wide, with a page of `PAGE` and the
    /// continue token of the page before.
    pub fn list_url(&self, namespace: Option<&str>, continue_token: Option<&str>) -> String {
        let mut url = self.base();
        if let Some(ns) = namespace.filter(|_| self.namespaced) {
            url.push_str("/namespaces/");
            url.push_str(&encode(ns));
        }
        url.push('/');
        url.push_str(&self.plural);
        url.push_str(&format!("?limit={PAGE}"));
        if let Some(c) = continue_token {
            url.push_str("&continue=");
            url.push_str(&encode(c));
        }
        url
    }

    /// One object's URL.
    pub fn object_url(&self, namespace: &str, name: &str) -> String {
        let mut url = self.base();
        if self.namespaced {
            url.push_str("/namespaces/");
            url.push_str(&encode(namespace));
        }
        url.push('/');
        url.push_str(&self.plural);
        url.push('/');
        url.push_str(&encode(name));
        url
    }
}

/// Percent-encodes a path segment or query value.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What the server serves: (group, kind) → the resource at the group's preferred version.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    pub by_kind: BTreeMap<(String, String), ApiResource>,
    /// Group-versions that legacy discovery must still read (`/apis/g/v`), preferred first.
    pub pending: Vec<String>,
}

impl Discovery {
    pub fn find(&self, group: &str, kind: &str) -> Option<&ApiResource> {
        self.by_kind.get(&(group.to_string(), kind.to_string()))
    }

    fn add(&mut self, r: ApiResource) {
        self.by_kind
            .entry((r.group.clone(), r.kind.clone()))
            .or_insert(r);
    }
}

/// The items of the list at `key` (none when absent or not a list).
fn list_at<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// Reads an `/api` or `/apis` answer. Aggregated (`APIGroupDiscoveryList`): every
/// resource is in it. Legacy (`APIVersions`, `APIGroupList`): only the group-versions come
/// back, recorded in `pending` for `read_resource_list`.
pub fn read_root(d: &mut Discovery, body: &str) -> Result<(), String> {
    let v: Value =
        serde_json::from_str(body).map_err(|e| format!("discovery answer is not JSON: {e}"))?;
    match v.get("kind").and_then(Value::as_str) {
        Some("APIGroupDiscoveryList") => {
            for g in list_at(&v, "items") {
                let group = crate::yaml::str_at(g, &["metadata", "name"]).to_string();
                // Versions come preferred first; the first to serve a kind wins.
                for ver in list_at(g, "versions") {
                    let version = ver.get("version").and_then(Value::as_str).unwrap_or("");
                    for r in list_at(ver, "resources") {
                        let kind = crate::yaml::str_at(r, &["responseKind", "kind"]);
                        let plural = r.get("resource").and_then(Value::as_str).unwrap_or("");
                        if kind.is_empty() || plural.is_empty() {
                            continue;
                        }
                        d.add(ApiResource {
                            group: group.clone(),
                            version: version.to_string(),
                            kind: kind.to_string(),
                            plural: plural.to_string(),
                            namespaced: r.get("scope").and_then(Value::as_str)
                                == Some("Namespaced"),
                            listable: lists(r),
                        });
                    }
                }
            }
            Ok(())
        }
        Some("APIVersions") => {
            for ver in list_at(&v, "versions") {
                if let Some(s) = ver.as_str() {
                    d.pending.push(s.to_string());
                }
            }
            Ok(())
        }
        Some("APIGroupList") => {
            for g in list_at(&v, "groups") {
                let preferred = crate::yaml::str_at(g, &["preferredVersion", "groupVersion"]);
                if !preferred.is_empty() {
                    d.pending.push(preferred.to_string());
                }
                for ver in list_at(g, "versions") {
                    let gv = ver
                        .get("groupVersion")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    if !gv.is_empty() && gv != preferred {
                        d.pending.push(gv.to_string());
                    }
                }
            }
            Ok(())
        }
        other => Err(format!("unexpected discovery answer (kind {other:?})")),
    }
}

/// Whether a discovered resource can be listed.
fn lists(r: &Value) -> bool {
    match r.get("verbs").and_then(Value::as_array) {
        Some(v) => v.iter().any(|x| x.as_str() == Some("list")),
        None => true,
    }
}

/// Kinds a prune scan passes over: made by controllers and never in git (events, leases,
/// endpoints), so reading them would only cost time.
pub fn prune_scan_skips(r: &ApiResource) -> bool {
    matches!(
        (r.group.as_str(), r.kind.as_str()),
        ("", "Event")
            | ("events.k8s.io", "Event")
            | ("", "Endpoints")
            | ("discovery.k8s.io", "EndpointSlice")
            | ("coordination.k8s.io", "Lease")
            | ("", "Pod")
            | ("metrics.k8s.io", _)
            | ("apps", "ReplicaSet")
            | ("apps", "ControllerRevision")
            | ("", "ComponentStatus")
    )
}

/// The URL of a legacy group-version document.
pub fn group_version_url(gv: &str) -> String {
    if gv.contains('/') {
        format!("/apis/{gv}")
    } else {
        format!("/api/{gv}")
    }
}

/// Reads an `APIResourceList` (legacy discovery of one group-version); subresources
/// (`deployments/scale`) are passed over.
pub fn read_resource_list(d: &mut Discovery, body: &str) -> Result<(), String> {
    let v: Value =
        serde_json::from_str(body).map_err(|e| format!("discovery answer is not JSON: {e}"))?;
    let gv = v.get("groupVersion").and_then(Value::as_str).unwrap_or("");
    let (group, version) = match gv.split_once('/') {
        Some((g, ver)) => (g.to_string(), ver.to_string()),
        None => (String::new(), gv.to_string()),
    };
    for r in list_at(&v, "resources") {
        let plural = r.get("name").and_then(Value::as_str).unwrap_or("");
        let kind = r.get("kind").and_then(Value::as_str).unwrap_or("");
        if plural.contains('/') || plural.is_empty() || kind.is_empty() {
            continue;
        }
        d.add(ApiResource {
            group: group.clone(),
            version: version.clone(),
            kind: kind.to_string(),
            plural: plural.to_string(),
            namespaced: r
                .get("namespaced")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            listable: lists(r),
        });
    }
    Ok(())
}

/// One LIST page: its items (each given the list's apiVersion and kind, which the server
/// leaves off) and the continue token, if there are more.
pub fn read_list_page(body: &str, r: &ApiResource) -> Result<(Vec<Value>, Option<String>), String> {
    let v: Value =
        serde_json::from_str(body).map_err(|e| format!("LIST answer is not JSON: {e}"))?;
    let mut items = Vec::new();
    for mut it in v
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        if let Some(m) = it.as_object_mut() {
            m.entry("apiVersion")
                .or_insert_with(|| Value::String(r.api_version()));
            m.entry("kind")
                .or_insert_with(|| Value::String(r.kind.clone()));
        }
        items.push(it);
    }
    let token = crate::yaml::str_at(&v, &["metadata", "continue"]);
    Ok((items, (!token.is_empty()).then(|| token.to_string())))
}

/// The field manager manifesto applies as (server-side apply).
pub const FIELD_MANAGER: &str = "manifesto";

/// The content type of a server-side apply request.
pub const APPLY_CONTENT_TYPE: &str = "application/apply-patch+yaml";

impl ApiResource {
    /// The server-side apply URL of an object: field manager `manifesto`, `force` to take
    /// fields other managers own, `dry_run` to change nothing (`dryRun=All`).
    pub fn apply_url(&self, namespace: &str, name: &str, force: bool, dry_run: bool) -> String {
        let mut url = self.object_url(namespace, name);
        url.push_str("?fieldManager=");
        url.push_str(FIELD_MANAGER);
        if force {
            url.push_str("&force=true");
        }
        if dry_run {
            url.push_str("&dryRun=All");
        }
        url
    }
}

/// Whether a CustomResourceDefinition's status says it is Established (served).
pub fn crd_established(crd: &Value) -> bool {
    condition_true(crd, "Established")
}

fn condition_true(obj: &Value, kind: &str) -> bool {
    obj.get("status")
        .map(|s| {
            list_at(s, "conditions").any(|c| {
                c.get("type").and_then(Value::as_str) == Some(kind)
                    && c.get("status").and_then(Value::as_str) == Some("True")
            })
        })
        .unwrap_or(false)
}

/// The CSV an OLM Subscription installed, once it has one.
pub fn installed_csv(subscription: &Value) -> Option<&str> {
    subscription
        .get("status")?
        .get("installedCSV")?
        .as_str()
        .filter(|s| !s.is_empty())
}

/// A ClusterServiceVersion's phase (`Succeeded` when the operator runs).
pub fn csv_phase(csv: &Value) -> &str {
    crate::yaml::str_at(csv, &["status", "phase"])
}

/// kubeseal's path to the controller's certificate: through the API server's proxy to the
/// controller's Service, on the Service's first port.
pub fn cert_proxy_url(namespace: &str, service: &str, port_name: &str) -> String {
    format!(
        "/api/v1/namespaces/{}/services/http:{}:{}/proxy/v1/cert.pem",
        encode(namespace),
        encode(service),
        encode(port_name)
    )
}

/// A Service's URL.
pub fn service_url(namespace: &str, service: &str) -> String {
    format!(
        "/api/v1/namespaces/{}/services/{}",
        encode(namespace),
        encode(service)
    )
}

/// The name of a Service's first port (kubeseal proxies to it).
pub fn first_port_name(service: &Value) -> Option<String> {
    let port = service.get("spec")?.get("ports")?.get(0)?;
    Some(
        port.get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    )
}

/// Whether a failed request is worth another try: throttled (429) or a server error.
pub fn retryable(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// The wait before retry `attempt` (0-based): 200 ms doubling, at most 3.2 s.
pub fn backoff(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_millis(200u64 << attempt.min(4))
}

/// The API server's OpenAPI v3 index: group-version path (`apis/apps/v1`, `api/v1`) →
/// the URL of its document.
pub const OPENAPI_V3: &str = "/openapi/v3";

pub fn read_openapi_index(body: &str) -> Result<Vec<(String, String)>, String> {
    let v: Value = serde_json::from_str(body).map_err(|e| format!("{OPENAPI_V3}: {e}"))?;
    let paths = v
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{OPENAPI_V3}: no paths"))?;
    Ok(paths
        .iter()
        .filter_map(|(gv, p)| {
            let url = p.get("serverRelativeURL")?.as_str()?;
            Some((gv.clone(), url.to_string()))
        })
        .collect())
}

/// The group-version path an apiVersion's OpenAPI v3 document has in the index.
pub fn openapi_path(api_version: &str) -> String {
    if api_version.contains('/') {
        format!("apis/{api_version}")
    } else {
        format!("api/{api_version}")
    }
}

/// The kinds one OpenAPI v3 group-version document describes: (apiVersion, kind, the
/// name of its schema under `components.schemas`).
pub fn read_openapi_kinds(doc: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return out;
    };
    for (name, s) in schemas {
        for gvk in s
            .get("x-kubernetes-group-version-kind")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let g = gvk.get("group").and_then(Value::as_str).unwrap_or("");
            let v = gvk.get("version").and_then(Value::as_str).unwrap_or("");
            let k = gvk.get("kind").and_then(Value::as_str).unwrap_or("");
            let api = if g.is_empty() {
                v.to_string()
            } else {
                format!("{g}/{v}")
            };
            out.push((api, k.to_string(), name.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregated_discovery_is_read_in_one_answer() {
        let body = r#"{"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","items":[
          {"metadata":{"name":"apps"},"versions":[{"version":"v1","resources":[
            {"resource":"deployments","responseKind":{"group":"apps","version":"v1","kind":"Deployment"},"scope":"Namespaced"}]}]},
          {"metadata":{"name":"rbac.authorization.k8s.io"},"versions":[{"version":"v1","resources":[
            {"resource":"clusterroles","responseKind":{"kind":"ClusterRole"},"scope":"Cluster"}]}]}]}"#;
        let mut d = Discovery::default();
        read_root(&mut d, body).unwrap();
        let dep = d.find("apps", "Deployment").unwrap();
        assert!(dep.namespaced);
        assert_eq!(
            dep.list_url(Some("shop"), None),
            "/apis/apps/v1/namespaces/shop/deployments?limit=500"
        );
        let cr = d.find("rbac.authorization.k8s.io", "ClusterRole").unwrap();
        assert!(!cr.namespaced);
        assert_eq!(
            cr.list_url(Some("shop"), Some("a b")),
            "/apis/rbac.authorization.k8s.io/v1/clusterroles?limit=500&continue=a%20b"
        );
        assert!(d.pending.is_empty());
    }

    #[test]
    fn legacy_discovery_lists_group_versions_then_resources() {
        let mut d = Discovery::default();
        read_root(&mut d, r#"{"kind":"APIVersions","versions":["v1"]}"#).unwrap();
        read_root(&mut d, r#"{"kind":"APIGroupList","groups":[{"name":"apps","versions":[{"groupVersion":"apps/v1"},{"groupVersion":"apps/v1beta1"}],"preferredVersion":{"groupVersion":"apps/v1"}}]}"#).unwrap();
        assert_eq!(d.pending, ["v1", "apps/v1", "apps/v1beta1"]);
        assert_eq!(group_version_url("v1"), "/api/v1");
        read_resource_list(
            &mut d,
            r#"{"kind":"APIResourceList","groupVersion":"v1","resources":[
            {"name":"configmaps","namespaced":true,"kind":"ConfigMap"},
            {"name":"pods/log","namespaced":true,"kind":"Pod"},
            {"name":"namespaces","namespaced":false,"kind":"Namespace"}]}"#,
        )
        .unwrap();
        assert_eq!(
            d.find("", "ConfigMap").unwrap().object_url("n", "a"),
            "/api/v1/namespaces/n/configmaps/a"
        );
        assert!(!d.find("", "Namespace").unwrap().namespaced);
        assert!(d.find("", "Pod").is_none());
        assert!(read_root(&mut d, r#"{"kind":"Status"}"#).is_err());
        read_resource_list(&mut d, r#"{"groupVersion":"authorization.k8s.io/v1","resources":[
            {"name":"selfsubjectaccessreviews","namespaced":false,"kind":"SelfSubjectAccessReview","verbs":["create"]}]}"#).unwrap();
        assert!(
            !d.find("authorization.k8s.io", "SelfSubjectAccessReview")
                .unwrap()
                .listable
        );
        assert!(d.find("", "ConfigMap").unwrap().listable);
    }

    #[test]
    fn list_pages_carry_kind_and_token() {
        let r = ApiResource {
            group: "".into(),
            version: "v1".into(),
            kind: "ConfigMap".into(),
            plural: "configmaps".into(),
            namespaced: true,
            listable: true,
        };
        let (items, token) = read_list_page(r#"{"kind":"ConfigMapList","metadata":{"continue":"tok"},"items":[{"metadata":{"name":"a"}}]}"#, &r).unwrap();
        assert_eq!(items[0]["kind"], "ConfigMap");
        assert_eq!(items[0]["apiVersion"], "v1");
        assert_eq!(token.as_deref(), Some("tok"));
        assert!(retryable(429) && retryable(503) && !retryable(404));
        assert_eq!(backoff(0).as_millis(), 200);
        assert_eq!(backoff(9).as_millis(), 3200);
    }

    #[test]
    fn apply_urls_and_readiness() {
        let r = ApiResource {
            group: "apps".into(),
            version: "v1".into(),
            kind: "Deployment".into(),
            plural: "deployments".into(),
            namespaced: true,
            listable: true,
        };
        assert_eq!(
            r.apply_url("shop", "web", true, true),
            "/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=manifesto&force=true&dryRun=All"
        );
        assert_eq!(
            r.apply_url("shop", "web", false, false),
            "/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=manifesto"
        );
        let crd = serde_json::json!({"status": {"conditions": [{"type": "NamesAccepted", "status": "True"}, {"type": "Established", "status": "True"}]}});
        assert!(crd_established(&crd));
        assert!(!crd_established(
            &serde_json::json!({"status": {"conditions": [{"type": "Established", "status": "False"}]}})
        ));
        assert_eq!(
            installed_csv(&serde_json::json!({"status": {"installedCSV": "x.v1"}})),
            Some("x.v1")
        );
        assert_eq!(installed_csv(&serde_json::json!({"status": {}})), None);
        assert_eq!(
            csv_phase(&serde_json::json!({"status": {"phase": "Succeeded"}})),
            "Succeeded"
        );
        assert_eq!(
            cert_proxy_url("kube-system", "sealed-secrets-controller", "http"),
            "/api/v1/namespaces/kube-system/services/http:sealed-secrets-controller:http/proxy/v1/cert.pem"
        );
        assert_eq!(
            first_port_name(
                &serde_json::json!({"spec": {"ports": [{"name": "http", "port": 8080}]}})
            )
            .as_deref(),
            Some("http")
        );
    }
}
