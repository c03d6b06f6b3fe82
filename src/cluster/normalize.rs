//! Diff stage, pure: brings a desired and a live object to the form they are compared in.
//! Server-owned fields go, Secret `stringData` becomes `data`, and defaults the API server
//! adds inside lists that are compared whole are added to the desired side. Must not
//! compare (compare.rs does) nor do I/O.

use crate::yaml::{Map, Value};
use base64::Engine as _;

/// The annotation `kubectl apply` (client-side) keeps the applied configuration in.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Who an object is: API group, kind, namespace (empty: cluster-scoped) and name. The
/// version is left out: the server serves an object at every version of its group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    pub fn of(obj: &Value) -> ObjectKey {
        let api = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let group = match api.rsplit_once('/') {
            Some((g, _)) => g.to_string(),
            None => String::new(),
        };
        let meta = |k: &str| {
            obj.get("metadata")
                .and_then(|m| m.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        ObjectKey {
            group,
            kind: obj
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            namespace: meta("namespace"),
            name: meta("name"),
        }
    }
}

impl ObjectKey {
    /// `Kind.group` (`Kind` for the core group), as kubectl names a kind.
    pub fn group_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let gk = self.group_kind();
        if self.namespace.is_empty() {
            write!(f, "{gk}/{}", self.name)
        } else {
            write!(f, "{gk} {}/{}", self.namespace, self.name)
        }
    }
}

/// Removes what the server owns and a client never sets: `status` and the server's
/// metadata (uid, resourceVersion, generation, creationTimestamp, selfLink, managedFields).
pub fn drop_server_fields(obj: &mut Value) {
    let Some(m) = obj.as_object_mut() else {
        return;
    };
    m.remove("status");
    if let Some(Value::Object(meta)) = m.get_mut("metadata") {
        for k in [
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "selfLink",
            "managedFields",
        ] {
            meta.remove(k);
        }
    }
}

/// A Secret's `stringData` folded into `data` (base64), as the API server stores it.
pub fn fold_string_data(obj: &mut Value) {
    let is_secret = obj.get("kind").and_then(Value::as_str) == Some("Secret")
        && obj.get("apiVersion").and_then(Value::as_str) == Some("v1");
    let Some(m) = obj.as_object_mut().filter(|_| is_secret) else {
        return;
    };
    let Some(Value::Object(sd)) = m.remove("stringData") else {
        return;
    };
    let data = m.entry("data").or_insert_with(|| Value::Object(Map::new()));
    if !data.is_object() {
        *data = Value::Object(Map::new());
    }
    let data = data.as_object_mut().expect("data is a mapping");
    for (k, v) in sd {
        let encoded = match v {
            Value::String(s) => Value::String(base64::engine::general_purpose::STANDARD.encode(s)),
            other => other,
        };
        data.insert(k, encoded);
    }
}

/// The object `kubectl apply` last applied, from the live object's annotation.
pub fn last_applied(live: &Value) -> Option<Value> {
    let text = live
        .get("metadata")?
        .get("annotations")?
        .get(LAST_APPLIED)?
        .as_str()?;
    let mut v: Value = serde_json::from_str(text).ok()?;
    drop_server_fields(&mut v);
    fold_string_data(&mut v);
    Some(v)
}

/// Adds to the desired object the defaults the API server fills in inside lists that are
/// compared whole or matched by a key that includes the defaulted field: `protocol: TCP`
/// on container, Service, Endpoints and NetworkPolicy ports (Kubernetes API defaults).
pub fn add_server_defaults(obj: &mut Value) {
    let kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    fn ports(list: Option<&mut Value>) {
        if let Some(Value::Array(items)) = list {
            for p in items {
                if let Value::Object(pm) = p {
                    pm.entry("protocol")
                        .or_insert_with(|| Value::String("TCP".into()));
                }
            }
        }
    }
    fn pod_spec(spec: Option<&mut Value>) {
        let Some(Value::Object(s)) = spec else {
            return;
        };
        for list in ["containers", "initContainers", "ephemeralContainers"] {
            if let Some(Value::Array(cs)) = s.get_mut(list) {
                for c in cs {
                    ports(c.get_mut("ports"));
                }
            }
        }
    }
    let spec = obj.get_mut("spec");
    match kind.as_str() {
        "Pod" => pod_spec(spec),
        "Service" => {
            if let Some(s) = spec {
                ports(s.get_mut("ports"));
            }
        }
        "NetworkPolicy" => {
            if let Some(Value::Object(s)) = spec {
                for dir in ["ingress", "egress"] {
                    if let Some(Value::Array(rules)) = s.get_mut(dir) {
                        for r in rules {
                            ports(r.get_mut("ports"));
                        }
                    }
                }
            }
        }
        "Endpoints" => {
            if let Some(Value::Array(subsets)) = obj.get_mut("subsets") {
                for s in subsets {
                    ports(s.get_mut("ports"));
                }
            }
        }
        "CronJob" => {
            let t = spec
                .and_then(|s| s.get_mut("jobTemplate"))
                .and_then(|j| j.get_mut("spec"))
                .and_then(|s| s.get_mut("template"))
                .and_then(|t| t.get_mut("spec"));
            pod_spec(t);
        }
        // Every other workload keeps its pod template at spec.template.spec.
        _ => pod_spec(
            spec.and_then(|s| s.get_mut("template"))
                .and_then(|t| t.get_mut("spec")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_fields_go_and_string_data_folds() {
        let mut s = json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s", "uid": "u", "resourceVersion": "1", "managedFields": []},
            "stringData": {"password": "hunter2"}, "data": {"a": "YQ=="}, "status": {}});
        drop_server_fields(&mut s);
        fold_string_data(&mut s);
        assert_eq!(
            s,
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                "data": {"a": "YQ==", "password": "aHVudGVyMg=="}})
        );
    }

    #[test]
    fn ports_get_the_tcp_default() {
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template":
            {"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80},
            {"containerPort": 53, "protocol": "UDP"}]}]}}}});
        add_server_defaults(&mut d);
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["ports"],
            json!([{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 53, "protocol": "UDP"}])
        );
        let mut np =
            json!({"kind": "NetworkPolicy", "spec": {"ingress": [{"ports": [{"port": 80}]}]}});
        add_server_defaults(&mut np);
        assert_eq!(np["spec"]["ingress"][0]["ports"][0]["protocol"], "TCP");
    }

    #[test]
    fn keys_leave_out_the_version() {
        let k = ObjectKey::of(&json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "w", "namespace": "n"}}));
        assert_eq!(k.to_string(), "Deployment.apps n/w");
        assert_eq!(k.group, "apps");
    }
}
