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

/// Reads an `/api` or `/apis` answer. Aggregated (`APIGroupDiscoveryList`): every
/// resource is in it. Legacy (`APIVersions`, `APIGroupList`): only the group-versions come
/// back, recorded in `pending` for `read_resource_list`.
pub fn read_root(d: &mut Discovery, body: &str) -> Result<(), String> {
    let v: Value =
        serde_json::from_str(body).map_err(|e| format!("discovery answer is not JSON: {e}"))?;
    match v.get("kind").and_then(Value::as_str) {
        Some("APIGroupDiscoveryList") => {
            for g in v
                .get("items")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let group = crate::yaml::str_at(g, &["metadata", "name"]).to_string();
                // Versions come preferred first; the first to serve a kind wins.
                for ver in g
                    .get("versions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let version = ver.get("version").and_then(Value::as_str).unwrap_or("");
                    for r in ver
                        .get("resources")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
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
                        });
                    }
                }
            }
            Ok(())
        }
        Some("APIVersions") => {
            for ver in v
                .get("versions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(s) = ver.as_str() {
                    d.pending.push(s.to_string());
                }
            }
            Ok(())
        }
        Some("APIGroupList") => {
            for g in v
                .get("groups")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let preferred = crate::yaml::str_at(g, &["preferredVersion", "groupVersion"]);
                if !preferred.is_empty() {
                    d.pending.push(preferred.to_string());
                }
                for ver in g
                    .get("versions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
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
    for r in v
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
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

/// Whether a failed request is worth another try: throttled (429) or a server error.
pub fn retryable(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// The wait before retry `attempt` (0-based): 200 ms doubling, at most 3.2 s.
pub fn backoff(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_millis(200u64 << attempt.min(4))
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
    }

    #[test]
    fn list_pages_carry_kind_and_token() {
        let r = ApiResource {
            group: "".into(),
            version: "v1".into(),
            kind: "ConfigMap".into(),
            plural: "configmaps".into(),
            namespaced: true,
        };
        let (items, token) = read_list_page(r#"{"kind":"ConfigMapList","metadata":{"continue":"tok"},"items":[{"metadata":{"name":"a"}}]}"#, &r).unwrap();
        assert_eq!(items[0]["kind"], "ConfigMap");
        assert_eq!(items[0]["apiVersion"], "v1");
        assert_eq!(token.as_deref(), Some("tok"));
        assert!(retryable(429) && retryable(503) && !retryable(404));
        assert_eq!(backoff(0).as_millis(), 200);
        assert_eq!(backoff(9).as_millis(), 3200);
    }
}
