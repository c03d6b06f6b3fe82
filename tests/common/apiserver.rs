//! A loopback Kubernetes API server for tests: TLS with a CA it generates, bearer-token
//! auth, discovery (aggregated or legacy), GET and paginated LIST of the objects a test
//! gives it, server-side apply (dry run or stored; CRDs become served kinds, Established
//! on the second read; a Subscription installs its CSV and the kinds the test names), the
//! service proxy kubeseal reads certificates through, and Status errors (401; 403, 409
//! and 422 for objects named `forbidden-…`, `conflict-…` (unless forced), `invalid-…`; a
//! webhook denial the first time for `webhook-late-…`;
//! 404). It writes a kubeconfig for itself and serves HTTP/1.1, a thread per connection.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub const TOKEN: &str = "test-token-8f2c";

/// A kind the server serves.
#[derive(Clone)]
pub struct Kind {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
}

/// A served kind.
pub fn kind(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
) -> Kind {
    Kind {
        group,
        version,
        kind,
        plural,
        namespaced,
    }
}

pub fn core_kinds() -> Vec<Kind> {
    let k = kind;
    vec![
        k("", "v1", "ConfigMap", "configmaps", true),
        k("", "v1", "Secret", "secrets", true),
        k("", "v1", "Namespace", "namespaces", false),
        k("", "v1", "Service", "services", true),
        k("apps", "v1", "Deployment", "deployments", true),
        k(
            "apiextensions.k8s.io",
            "v1",
            "CustomResourceDefinition",
            "customresourcedefinitions",
            false,
        ),
        k(
            "operators.coreos.com",
            "v1alpha1",
            "Subscription",
            "subscriptions",
            true,
        ),
        k(
            "operators.coreos.com",
            "v1alpha1",
            "ClusterServiceVersion",
            "clusterserviceversions",
            true,
        ),
    ]
}

#[derive(Default)]
pub struct Log {
    pub requests: Vec<String>,
}

pub struct Server {
    pub kubeconfig: PathBuf,
    pub log: Arc<Mutex<Log>>,
    _dir: tempfile::TempDir,
}

pub struct Config {
    pub kinds: Vec<Kind>,
    pub objects: Vec<Value>,
    /// Kinds an applied Subscription makes served (what its operator installs).
    pub installs: Vec<Kind>,
    /// Namespaces an applied Subscription creates (its operator's).
    pub installs_namespaces: Vec<&'static str>,
    /// Objects an applied Subscription's operator creates (the default Argo CD instance).
    pub installs_objects: Vec<Value>,
    /// What the sealed-secrets controller's proxied `/v1/cert.pem` returns.
    pub cert_pem: String,
    /// Serve aggregated discovery (else only the legacy documents).
    pub aggregated: bool,
    /// Largest page a LIST returns, whatever the client's limit.
    pub page: usize,
    /// The token the kubeconfig holds (the server accepts only `TOKEN`).
    pub token: &'static str,
}

impl Server {
    pub fn start(cfg: Config) -> Server {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "manifesto test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .unwrap();
        let cert = params.signed_by(&key, &issuer).unwrap();

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap();
        let tls = Arc::new(tls);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = format!("https://127.0.0.1:{port}");
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        write_kubeconfig(&kubeconfig, &url, &ca_cert.pem(), cfg.token);
        let log = Arc::new(Mutex::new(Log::default()));
        let state = Arc::new(Mutex::new(cfg));
        let log2 = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (tls, state, log) = (tls.clone(), state.clone(), log2.clone());
                std::thread::spawn(move || {
                    let conn = rustls::ServerConnection::new(tls).unwrap();
                    let mut s = rustls::StreamOwned::new(conn, stream);
                    let _ = serve(&mut s, &state, &log);
                });
            }
        });
        Server {
            kubeconfig,
            log,
            _dir: dir,
        }
    }

    pub fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().requests.clone()
    }
}

fn write_kubeconfig(path: &Path, url: &str, ca_pem: &str, token: &str) {
    use base64::Engine as _;
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: loop\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\nusers:\n- name: tester\n  user:\n    token: {token}\ncontexts:\n- name: loop\n  context:\n    cluster: loop\n    user: tester\n    namespace: team\ncurrent-context: loop\n"
    );
    std::fs::write(path, text).unwrap();
}

fn status(code: u16, reason: &str, message: &str) -> (u16, String) {
    (
        code,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code})
        .to_string(),
    )
}

fn serve<S: Read + Write>(s: &mut S, cfg: &Mutex<Config>, log: &Mutex<Log>) -> std::io::Result<()> {
    let mut reader = BufReader::new(s);
    loop {
        let Some(head) = RequestHead::read(&mut reader)? else {
            return Ok(());
        };
        let (method, target) = (head.method.clone(), head.target.clone());
        let length: usize = head.header("content-length").parse().unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        log.lock()
            .unwrap()
            .requests
            .push(format!("{method} {target}"));
        let header = |k: &str| head.header(k);
        let (code, text) = if header("authorization") != format!("Bearer {TOKEN}") {
            status(401, "Unauthorized", "Unauthorized")
        } else {
            let mut cfg = cfg.lock().unwrap();
            if method == "PATCH" {
                apply(&target, header("content-type"), &body, &mut cfg)
            } else {
                route(&method, &target, header("accept"), &mut cfg)
            }
        };
        let reason = match code {
            200 => "OK",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            409 => "Conflict",
            422 => "Unprocessable Entity",
            _ => "Error",
        };
        // Real servers mark aggregated discovery by its content type (kubectl reads it so).
        let ctype = if target.ends_with("cert.pem") && code == 200 {
            "text/plain"
        } else if text.starts_with("{\"apiVersion\":\"apidiscovery.k8s.io/v2\"")
            || text.contains("\"kind\":\"APIGroupDiscoveryList\"")
        {
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        } else {
            "application/json"
        };
        let out = reader.get_mut();
        write!(
            out,
            "HTTP/1.1 {code} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        )?;
        out.flush()?;
    }
}

fn gv(k: &Kind) -> String {
    if k.group.is_empty() {
        k.version.to_string()
    } else {
        format!("{}/{}", k.group, k.version)
    }
}

fn base_of(k: &Kind) -> String {
    if k.group.is_empty() {
        format!("/api/{}", k.version)
    } else {
        format!("/apis/{}", gv(k))
    }
}

/// The kind, namespace and name an object URL names.
fn locate(cfg: &Config, path: &str) -> Option<(Kind, Option<String>, Option<String>)> {
    for k in &cfg.kinds {
        let Some(rest) = path.strip_prefix(&base_of(k)) else {
            continue;
        };
        let segs: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
        let (ns, plural, name) = match segs.as_slice() {
            ["namespaces", ns, p] => (Some(ns.to_string()), *p, None),
            ["namespaces", ns, p, n] => (Some(ns.to_string()), *p, Some(n.to_string())),
            [p] => (None, *p, None),
            [p, n] => (None, *p, Some(n.to_string())),
            _ => continue,
        };
        if plural == k.plural {
            return Some((k.clone(), ns, name));
        }
    }
    None
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// Lays `patch` over `base` (maps merge, everything else is replaced).
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(x) if x.is_object() && v.is_object() => merge(x, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

fn has_prefix(query: &str, prefix: &str) -> bool {
    query.split('&').any(|q| q.starts_with(prefix))
}

fn apply(target: &str, content_type: &str, body: &[u8], cfg: &mut Config) -> (u16, String) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let has = |kv: &str| query.split('&').any(|q| q == kv);
    // Server-side apply (with a field manager); kubectl's strategic and JSON merge patches
    // are taken as a merge too (close enough for timing kubectl diff against this server).
    let known = match content_type.split(';').next().unwrap_or("") {
        "application/apply-patch+yaml" => has_prefix(query, "fieldManager="),
        "application/strategic-merge-patch+json" | "application/merge-patch+json" => true,
        _ => false,
    };
    if !known {
        return status(
            415,
            "UnsupportedMediaType",
            "server-side apply or merge patches only",
        );
    }
    let dry = has("dryRun=All");
    let force = has("force=true");
    let Some((kind, ns, Some(name))) = locate(cfg, path) else {
        return status(
            404,
            "NotFound",
            &format!("the server could not find the requested resource ({path})"),
        );
    };
    let Ok(obj) = serde_json::from_slice::<Value>(body) else {
        return status(400, "BadRequest", "body is not JSON");
    };
    if name.starts_with("forbidden-") {
        return status(
            403,
            "Forbidden",
            &format!(
                "{} \"{name}\" is forbidden: User \"tester\" cannot patch resource",
                kind.plural
            ),
        );
    }
    if name.starts_with("conflict-") && !force {
        return status(
            409,
            "Conflict",
            "Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas",
        );
    }
    // A validating webhook that has not caught up yet: the first apply of an object named
    // `webhook-late-…` is denied, the next ones go through.
    if name.starts_with("webhook-late-") && !dry {
        static DENIED: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let mut denied = DENIED.lock().unwrap();
        let key = format!("{}/{name}", ns.clone().unwrap_or_default());
        if !denied.contains(&key) {
            denied.push(key);
            return status(
                400,
                "BadRequest",
                &format!(
                    "admission webhook \"validating.example.io\" denied the request: {name}: what it depends on is not there yet"
                ),
            );
        }
    }
    if name.starts_with("invalid-") {
        return status(
            422,
            "Invalid",
            &format!("{} \"{name}\" is invalid: spec: Required value", kind.kind),
        );
    }
    if let Some(ns) = &ns {
        let exists = cfg
            .objects
            .iter()
            .any(|o| o["kind"] == "Namespace" && o["metadata"]["name"] == ns.as_str());
        if !exists {
            return status(404, "NotFound", &format!("namespaces \"{ns}\" not found"));
        }
    }
    let same = |o: &Value| {
        o["kind"] == kind.kind
            && o["metadata"]["name"] == name.as_str()
            && (ns.is_none() || o["metadata"]["namespace"] == ns.as_deref().unwrap_or(""))
    };
    let existing = cfg.objects.iter().position(&same);
    let mut merged = existing
        .map(|i| cfg.objects[i].clone())
        .unwrap_or(json!({}));
    let before = merged.clone();
    merge(&mut merged, &obj);
    let m = merged["metadata"].as_object_mut().unwrap();
    m.entry("uid").or_insert(json!(format!("uid-{name}")));
    m.entry("creationTimestamp")
        .or_insert(json!("2026-12-01T00:00:00Z"));
    let rv: u64 = m
        .get("resourceVersion")
        .and_then(|v| v.as_str())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if merged != before {
        merged["metadata"]["resourceVersion"] = json!((rv + 1).to_string());
    }
    if dry {
        return (200, merged.to_string());
    }
    match existing {
        Some(i) => cfg.objects[i] = merged.clone(),
        None => cfg.objects.push(merged.clone()),
    }
    if kind.kind == "CustomResourceDefinition" {
        let spec = &merged["spec"];
        let served = Kind {
            group: leak(spec["group"].as_str().unwrap_or("")),
            version: leak(spec["versions"][0]["name"].as_str().unwrap_or("v1")),
            kind: leak(spec["names"]["kind"].as_str().unwrap_or("")),
            plural: leak(spec["names"]["plural"].as_str().unwrap_or("")),
            namespaced: spec["scope"] == "Namespaced",
        };
        cfg.kinds.push(served);
    }
    if kind.kind == "Subscription" {
        let ns = ns.clone().unwrap_or_default();
        let csv = merged["spec"]["startingCSV"]
            .as_str()
            .map(str::to_string)
            .unwrap_or(format!("{name}.v1.0.0"));
        let i = cfg.objects.iter().position(&same).unwrap();
        cfg.objects[i]["status"] = json!({"installedCSV": csv});
        cfg.objects.push(
            json!({"apiVersion": "operators.coreos.com/v1alpha1", "kind": "ClusterServiceVersion",
            "metadata": {"name": csv, "namespace": ns}, "status": {"phase": "Succeeded"}}),
        );
        let installs = std::mem::take(&mut cfg.installs);
        cfg.kinds.extend(installs);
        for n in std::mem::take(&mut cfg.installs_namespaces) {
            cfg.objects
                .push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}));
        }
        let made = std::mem::take(&mut cfg.installs_objects);
        cfg.objects.extend(made);
    }
    (200, merged.to_string())
}

/// OpenAPI v3 as the API server publishes it for custom resources: an index of
/// group-versions (`/openapi/v3`), and per group-version the CRD's schema under
/// `components.schemas` with `x-kubernetes-group-version-kind`.
fn openapi_v3(path: &str, cfg: &Config) -> Option<(u16, String)> {
    let crds: Vec<(String, String, String, Value)> = cfg
        .objects
        .iter()
        .filter(|o| o["kind"] == "CustomResourceDefinition")
        .flat_map(|o| {
            let group = o["spec"]["group"].as_str().unwrap_or("").to_string();
            let kind = o["spec"]["names"]["kind"]
                .as_str()
                .unwrap_or("")
                .to_string();
            o["spec"]["versions"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |v| {
                    (
                        group.clone(),
                        v["name"].as_str().unwrap_or("").to_string(),
                        kind.clone(),
                        v["schema"]["openAPIV3Schema"].clone(),
                    )
                })
        })
        .collect();
    if path == "/openapi/v3" {
        let mut paths = serde_json::Map::new();
        for (g, v, _, _) in &crds {
            paths.insert(
                format!("apis/{g}/{v}"),
                json!({"serverRelativeURL": format!("/openapi/v3/apis/{g}/{v}?hash=0123")}),
            );
        }
        return Some((200, json!({"paths": paths}).to_string()));
    }
    let gvpath = path.strip_prefix("/openapi/v3/apis/")?;
    let mut schemas = serde_json::Map::new();
    for (g, v, k, schema) in &crds {
        if gvpath == format!("{g}/{v}") {
            let mut s = schema.clone();
            s["x-kubernetes-group-version-kind"] = json!([{"group": g, "version": v, "kind": k}]);
            let rev: Vec<&str> = g.split('.').rev().collect();
            schemas.insert(format!("{}.{v}.{k}", rev.join(".")), s);
        }
    }
    if schemas.is_empty() {
        return Some(status(404, "NotFound", "no such group-version"));
    }
    Some((
        200,
        json!({"openapi": "3.0.0", "components": {"schemas": schemas}}).to_string(),
    ))
}

fn route(method: &str, target: &str, accept: &str, cfg: &mut Config) -> (u16, String) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let q = |k: &str| {
        query.split('&').find_map(|kv| {
            kv.split_once('=')
                .filter(|(a, _)| *a == k)
                .map(|(_, v)| v.to_string())
        })
    };
    if method != "GET" {
        return status(405, "MethodNotAllowed", "only GET and PATCH here");
    }
    if path.ends_with("/proxy/v1/cert.pem") {
        let want = "/api/v1/namespaces/kube-system/services/http:sealed-secrets-controller:http/proxy/v1/cert.pem";
        return if path == want {
            (200, cfg.cert_pem.clone())
        } else {
            status(404, "NotFound", "no such service proxy")
        };
    }
    let aggregated = cfg.aggregated && accept.contains("as=APIGroupDiscoveryList");
    if let Some(answer) = openapi_v3(path, cfg) {
        return answer;
    }
    match path {
        "/api" | "/apis" if aggregated => {
            let core = path == "/api";
            let mut groups: Vec<&str> = cfg
                .kinds
                .iter()
                .filter(|k| k.group.is_empty() == core)
                .map(|k| k.group)
                .collect();
            groups.sort();
            groups.dedup();
            // Each version of a group with its kinds (OLM's group serves v1 and v1alpha1),
            // in the order the kinds were named.
            let items: Vec<Value> = groups.iter().map(|g| {
                let kinds: Vec<&Kind> = cfg.kinds.iter().filter(|k| k.group == *g).collect();
                let mut versions: Vec<&str> = kinds.iter().map(|k| k.version).collect();
                versions.dedup();
                let versions: Vec<Value> = versions.iter().map(|v| {
                    let res: Vec<Value> = kinds.iter().filter(|k| k.version == *v).map(|k| json!({
                        "resource": k.plural, "responseKind": {"group": k.group, "version": k.version, "kind": k.kind},
                        "scope": if k.namespaced { "Namespaced" } else { "Cluster" }, "verbs": ["get", "list"]})).collect();
                    json!({"version": v, "resources": res})
                }).collect();
                json!({"metadata": {"name": g}, "versions": versions})
            }).collect();
            (200, json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "items": items}).to_string())
        }
        "/api" => (
            200,
            json!({"kind": "APIVersions", "versions": ["v1"]}).to_string(),
        ),
        "/apis" => {
            let mut groups: Vec<&Kind> = cfg.kinds.iter().filter(|k| !k.group.is_empty()).collect();
            groups.sort_by_key(|k| k.group);
            groups.dedup_by(|a, b| a.group == b.group);
            let list: Vec<Value> = groups
                .iter()
                .map(|k| {
                    json!({"name": k.group,
                "versions": [{"groupVersion": gv(k), "version": k.version}],
                "preferredVersion": {"groupVersion": gv(k), "version": k.version}})
                })
                .collect();
            (
                200,
                json!({"kind": "APIGroupList", "groups": list}).to_string(),
            )
        }
        _ => {
            // A group-version document?
            let docs: Vec<&Kind> = cfg
                .kinds
                .iter()
                .filter(|k| {
                    path == if k.group.is_empty() {
                        format!("/api/{}", k.version)
                    } else {
                        format!("/apis/{}", gv(k))
                    }
                })
                .collect();
            if !docs.is_empty() {
                let res: Vec<Value> = docs.iter().map(|k| json!({"name": k.plural, "namespaced": k.namespaced, "kind": k.kind, "verbs": ["get", "list"]})).collect();
                return (200, json!({"kind": "APIResourceList", "groupVersion": gv(docs[0]), "resources": res}).to_string());
            }
            for k in &cfg.kinds {
                let base = if k.group.is_empty() {
                    format!("/api/{}", k.version)
                } else {
                    format!("/apis/{}", gv(k))
                };
                let Some(rest) = path.strip_prefix(&base) else {
                    continue;
                };
                let segs: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
                let (ns, plural, name) = match segs.as_slice() {
                    ["namespaces", ns, p] => (Some(*ns), *p, None),
                    ["namespaces", ns, p, n] => (Some(*ns), *p, Some(*n)),
                    [p] => (None, *p, None),
                    [p, n] => (None, *p, Some(*n)),
                    _ => continue,
                };
                if plural != k.plural {
                    continue;
                }
                let mine: Vec<&Value> = cfg
                    .objects
                    .iter()
                    .filter(|o| {
                        o["kind"] == k.kind
                            && o["apiVersion"] == gv(k)
                            && ns.is_none_or(|ns| o["metadata"]["namespace"] == ns)
                    })
                    .collect();
                if let Some(n) = name {
                    let found = mine
                        .iter()
                        .find(|o| o["metadata"]["name"] == n)
                        .map(|o| (*o).clone());
                    return match found {
                        Some(o) => {
                            let text = o.to_string();
                            // A CRD is Established from its second read on.
                            if k.kind == "CustomResourceDefinition"
                                && o["status"].is_null()
                                && let Some(s) = cfg
                                    .objects
                                    .iter_mut()
                                    .find(|x| x["kind"] == k.kind && x["metadata"]["name"] == n)
                            {
                                s["status"] = json!({"conditions": [{"type": "Established", "status": "True"}]});
                            }
                            (200, text)
                        }
                        None => status(404, "NotFound", &format!("{} \"{n}\" not found", k.plural)),
                    };
                }
                let limit: usize = q("limit")
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(usize::MAX)
                    .min(cfg.page);
                let start: usize = q("continue").and_then(|c| c.parse().ok()).unwrap_or(0);
                let page: Vec<Value> = mine
                    .iter()
                    .skip(start)
                    .take(limit)
                    .map(|o| {
                        let mut o = (*o).clone();
                        let m = o.as_object_mut().unwrap();
                        m.remove("apiVersion");
                        m.remove("kind");
                        o
                    })
                    .collect();
                let next = start + page.len();
                let cont = if next < mine.len() {
                    next.to_string()
                } else {
                    String::new()
                };
                return (
                    200,
                    json!({"kind": format!("{}List", k.kind), "apiVersion": gv(k),
                    "metadata": {"resourceVersion": "100", "continue": cont}, "items": page})
                    .to_string(),
                );
            }
            status(
                404,
                "NotFound",
                &format!("the server could not find the requested resource ({path})"),
            )
        }
    }
}

/// The head of one HTTP/1.1 request: method, target, headers (names lower-cased).
pub struct RequestHead {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl RequestHead {
    /// Reads a request line and its headers; `None` when the peer closed the connection.
    pub fn read(reader: &mut impl BufRead) -> std::io::Result<Option<RequestHead>> {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("/").to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            reader.read_line(&mut h)?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        Ok(Some(RequestHead {
            method,
            target,
            headers,
        }))
    }

    /// A header's value, or "".
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}
