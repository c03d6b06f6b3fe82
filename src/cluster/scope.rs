//! Diff stage, pure: which kinds are cluster-scoped, and the namespace a desired object
//! without one lands in (kubectl's: `-n`, else the context's namespace, else `default`).
//! Knows the built-in kinds and the CRDs it is shown; discovery adds what a cluster serves.
//! Must not talk to a cluster.

use crate::kustomize::resmap::resid::Gvk;
use crate::yaml::{Map, Value};
use std::collections::BTreeMap;

/// The (group, kind) a CustomResourceDefinition defines, if `obj` is one.
pub fn crd_kind(obj: &Value) -> Option<(String, String)> {
    if obj.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition") {
        return None;
    }
    let s = obj.get("spec")?;
    Some((
        s.get("group")?.as_str()?.to_string(),
        s.get("names")?.get("kind")?.as_str()?.to_string(),
    ))
}

/// (group, kind) → cluster-scoped?
#[derive(Debug, Clone, Default)]
pub struct Scopes {
    known: BTreeMap<(String, String), bool>,
}

impl Scopes {
    /// Learns the scope of every CRD among `objects`.
    pub fn learn_crds<'a>(&mut self, objects: impl IntoIterator<Item = &'a Value>) {
        for o in objects {
            if let Some((group, kind)) = crd_kind(o) {
                let scope = o
                    .get("spec")
                    .and_then(|s| s.get("scope"))
                    .and_then(Value::as_str);
                self.set(&group, &kind, scope == Some("Cluster"));
            }
        }
    }

    /// Learns the scope of every kind a server serves.
    pub fn learn_discovery(&mut self, disc: &super::requests::Discovery) {
        for r in disc.by_kind.values() {
            self.set(&r.group, &r.kind, !r.namespaced);
        }
    }

    pub fn set(&mut self, group: &str, kind: &str, cluster: bool) {
        self.known
            .insert((group.to_string(), kind.to_string()), cluster);
    }

    /// Whether a kind is cluster-scoped: learnt, else kustomize's built-in list; a kind
    /// known to neither is taken to be namespaced, as kubectl does without discovery.
    pub fn is_cluster_scoped(&self, api_version: &str, kind: &str) -> bool {
        let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
        if let Some(c) = self.known.get(&(group.to_string(), kind.to_string())) {
            return *c;
        }
        Gvk::from_api_version(api_version, kind).is_cluster_scoped()
    }

    /// Gives every namespaced object without a namespace `default_ns`, and takes the
    /// namespace off cluster-scoped ones (the server ignores it).
    pub fn resolve(&self, objects: &mut [Value], default_ns: &str) {
        for o in objects {
            let api = o
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let kind = o
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let cluster = self.is_cluster_scoped(&api, &kind);
            let Some(Value::Object(meta)) = o.get_mut("metadata") else {
                continue;
            };
            if cluster {
                meta.remove("namespace");
            } else if meta
                .get("namespace")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                meta.insert("namespace".into(), Value::String(default_ns.to_string()));
            }
        }
    }
}

/// An empty mapping, for callers building objects.
pub fn empty() -> Value {
    Value::Object(Map::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn namespaces_resolve_by_scope() {
        let mut s = Scopes::default();
        s.learn_crds(&[json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "things.x.io"}, "spec": {"group": "x.io", "scope": "Cluster", "names": {"kind": "Thing"}}})]);
        let mut objs = vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n", "namespace": "x"}}),
            json!({"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {"name": "t"}}),
            json!({"apiVersion": "y.io/v1", "kind": "Other", "metadata": {"name": "o", "namespace": "keep"}}),
        ];
        s.resolve(&mut objs, "team");
        assert_eq!(objs[0]["metadata"]["namespace"], "team");
        assert!(objs[1]["metadata"].get("namespace").is_none());
        assert!(objs[2]["metadata"].get("namespace").is_none());
        assert_eq!(objs[3]["metadata"]["namespace"], "keep");
    }
}
