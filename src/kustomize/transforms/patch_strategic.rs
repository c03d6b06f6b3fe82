//! Transform stage: strategic merge patches (`patchesStrategicMerge`, and `patches` entries
//! that are objects). Lists of built-in kinds merge by their Kubernetes merge keys; lists of
//! other kinds are replaced, as kustomize does. Must not pick targets.

use crate::kustomize::error::{Error, Result};
use crate::kustomize::resmap::resource::Resource;
use crate::yaml::{Map, Value};

/// How a list at some path merges.
#[derive(Debug, Clone, PartialEq)]
enum ListMode {
    Replace,
    Keys(Vec<&'static str>),
    Primitive,
}

const BUILTIN_GROUPS: &[&str] = &[
    "",
    "apps",
    "batch",
    "extensions",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "autoscaling",
    "storage.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "certificates.k8s.io",
    "node.k8s.io",
    "discovery.k8s.io",
    "apiregistration.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
];

/// The schema knowledge for one object: which kind, and where its pod spec lives.
struct Schema {
    known: bool,
    kind: String,
    pod_spec: Option<&'static [&'static str]>,
}

impl Schema {
    fn for_object(obj: &Value) -> Schema {
        let api = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = obj
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let group = api.split_once('/').map(|(g, _)| g).unwrap_or("");
        let known = api.contains('/') && BUILTIN_GROUPS.contains(&group)
            || !api.contains('/') && api == "v1";
        // Workloads of the API versions in kustomize's built-in schema (Kubernetes 1.21);
        // older versions of these kinds have no schema there, so their lists are replaced.
        let pod_spec: Option<&'static [&'static str]> = match (api, kind.as_str()) {
            ("v1", "Pod") => Some(&["spec"]),
            ("v1", "PodTemplate") => Some(&["template", "spec"]),
            ("apps/v1", "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet")
            | ("batch/v1", "Job")
            | ("v1", "ReplicationController") => Some(&["spec", "template", "spec"]),
            ("batch/v1" | "batch/v1beta1", "CronJob") => {
                Some(&["spec", "jobTemplate", "spec", "template", "spec"])
            }
            _ => None,
        };
        Schema {
            known,
            kind,
            pod_spec,
        }
    }

    fn list_mode(&self, path: &[String]) -> ListMode {
        if !self.known {
            return ListMode::Replace;
        }
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        match p.as_slice() {
            ["metadata", "finalizers"] => return ListMode::Primitive,
            ["metadata", "ownerReferences"] => return ListMode::Keys(vec!["uid"]),
            ["spec", "ports"] if self.kind == "Service" => {
                return ListMode::Keys(vec!["port", "protocol"]);
            }
            ["secrets"] if self.kind == "ServiceAccount" => return ListMode::Keys(vec!["name"]),
            ["webhooks"] if self.kind.ends_with("WebhookConfiguration") => {
                return ListMode::Keys(vec!["name"]);
            }
            _ => {}
        }
        let Some(ps) = self.pod_spec else {
            return ListMode::Replace;
        };
        if p.len() <= ps.len() || p[..ps.len()] != *ps {
            return ListMode::Replace;
        }
        match &p[ps.len()..] {
            [
                "containers"
                | "initContainers"
                | "ephemeralContainers"
                | "volumes"
                | "imagePullSecrets"
                | "resourceClaims"
                | "schedulingGates",
            ] => ListMode::Keys(vec!["name"]),
            ["hostAliases"] => ListMode::Keys(vec!["ip"]),
            ["topologySpreadConstraints"] => {
                ListMode::Keys(vec!["topologyKey", "whenUnsatisfiable"])
            }
            [
                "containers" | "initContainers" | "ephemeralContainers",
                "ports",
            ] => ListMode::Keys(vec!["containerPort", "protocol"]),
            [
                "containers" | "initContainers" | "ephemeralContainers",
                "env",
            ] => ListMode::Keys(vec!["name"]),
            [
                "containers" | "initContainers" | "ephemeralContainers",
                "volumeMounts",
            ] => ListMode::Keys(vec!["mountPath"]),
            [
                "containers" | "initContainers" | "ephemeralContainers",
                "volumeDevices",
            ] => ListMode::Keys(vec!["devicePath"]),
            _ => ListMode::Replace,
        }
    }
}

/// Applies `patch` to the resource in place.
pub fn apply(r: &mut Resource, patch: &Resource) -> Result<()> {
    let (name, ns, kind) = (
        r.name().to_string(),
        r.namespace().to_string(),
        r.kind().to_string(),
    );
    if patch.allow_name_change || patch.allow_kind_change {
        r.store_previous_id();
    }
    let schema = Schema::for_object(&r.obj);
    let dest = std::mem::take(&mut r.obj);
    let merged =
        merge(Some(dest), &patch.obj, &schema, &mut Vec::new()).map_err(|e| Error::Resource {
            id: r.cur_id().to_string(),
            msg: e,
        })?;
    let Some(merged) = merged else {
        // `$patch: delete` at the top removes the whole object.
        r.obj = Value::Object(Map::new());
        return Ok(());
    };
    r.obj = merged;
    if !patch.allow_name_change && r.name() != name {
        r.set_name(&name);
    }
    if r.namespace() != ns {
        r.set_namespace(&ns);
    }
    if !patch.allow_kind_change
        && r.kind() != kind
        && let Some(m) = r.obj.as_object_mut()
    {
        m.insert("kind".into(), Value::String(kind));
    }
    Ok(())
}

fn directive(m: &Map) -> Option<&str> {
    m.get("$patch").and_then(Value::as_str)
}

/// Strips directives and nulls from a value that lands where nothing was before.
fn fresh(v: &Value) -> Option<Value> {
    match v {
        Value::Object(m) => {
            if directive(m) == Some("delete") {
                return None;
            }
            let mut out = Map::new();
            for (k, x) in m {
                if k == "$patch" || x.is_null() {
                    continue;
                }
                if let Some(y) = fresh(x) {
                    out.insert(k.clone(), y);
                }
            }
            Some(Value::Object(out))
        }
        Value::Array(a) => Some(Value::Array(
            a.iter()
                // A deleted element and a bare `$patch: replace` marker go; an element
                // that only carries `$patch: merge` stays, without it.
                .filter(|x| {
                    !matches!(x, Value::Object(m)
                        if directive(m) == Some("delete") || (directive(m).is_some() && m.len() == 1))
                })
                .filter_map(fresh)
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

fn merge(
    dest: Option<Value>,
    patch: &Value,
    schema: &Schema,
    path: &mut Vec<String>,
) -> std::result::Result<Option<Value>, String> {
    match (dest, patch) {
        (_, Value::Null) => Ok(None),
        (Some(Value::Object(mut d)), Value::Object(p)) => {
            match directive(p) {
                Some("delete") => return Ok(None),
                Some("replace") => return Ok(fresh(patch)),
                _ => {}
            }
            for (k, pv) in p {
                // kyaml honours `$patch` only: `$setElementOrder/...`, `$retainKeys` and
                // `$deleteFromPrimitiveList/...` are copied as ordinary fields, as kubectl
                // kustomize prints them.
                if k == "$patch" {
                    continue;
                }
                path.push(k.clone());
                let merged = merge(
                    d.remove(k.as_str()).map(Some).unwrap_or(None),
                    pv,
                    schema,
                    path,
                )?;
                path.pop();
                if let Some(v) = merged {
                    d.insert(k.clone(), v);
                }
            }
            Ok(Some(Value::Object(d)))
        }
        (Some(Value::Array(d)), Value::Array(p)) => Ok(Some(merge_list(d, p, schema, path)?)),
        (_, other) => Ok(fresh(other)),
    }
}

fn merge_list(
    dest: Vec<Value>,
    patch: &[Value],
    schema: &Schema,
    path: &mut Vec<String>,
) -> std::result::Result<Value, String> {
    if patch
        .iter()
        .any(|x| matches!(x, Value::Object(m) if directive(m) == Some("replace") && m.len() == 1))
    {
        return Ok(fresh(&Value::Array(patch.to_vec())).unwrap_or(Value::Array(Vec::new())));
    }
    match schema.list_mode(path) {
        // A list without a merge key is replaced by the patch's list as written (kyaml
        // copies the node: nulls inside its elements stay).
        ListMode::Replace => Ok(Value::Array(patch.to_vec())),
        // kustomize merges with "prepend": the patch's elements come first, in patch
        // order, then the destination's remaining elements in theirs.
        ListMode::Primitive => {
            let mut out: Vec<Value> = Vec::new();
            for v in patch.iter().chain(dest.iter()) {
                if !out.contains(v) {
                    out.push(v.clone());
                }
            }
            Ok(Value::Array(out))
        }
        ListMode::Keys(keys) => {
            let mut rest: Vec<Option<Value>> = dest.into_iter().map(Some).collect();
            let mut out: Vec<Value> = Vec::new();
            for p in patch {
                let Value::Object(pm) = p else {
                    return Ok(Value::Array(patch.to_vec()));
                };
                let found = rest.iter().position(|d| match d {
                    Some(Value::Object(dm)) => same_element(dm, pm, &keys),
                    _ => false,
                });
                let d = found.and_then(|i| rest[i].take());
                if directive(pm) == Some("delete") {
                    continue;
                }
                if let Some(v) = merge(d, p, schema, path)? {
                    out.push(v);
                }
            }
            out.extend(rest.into_iter().flatten());
            Ok(Value::Array(out))
        }
    }
}

/// Elements match on the first merge key, and on every further key both of them set.
fn same_element(d: &Map, p: &Map, keys: &[&str]) -> bool {
    let Some(first) = p.get(keys[0]) else {
        return false;
    };
    if d.get(keys[0]) != Some(first) {
        return false;
    }
    keys[1..].iter().all(|k| match (d.get(*k), p.get(*k)) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(dest: Value, patch: Value) -> Value {
        let mut r = Resource::new(dest, "t");
        apply(&mut r, &Resource::new(patch, "p")).unwrap();
        r.obj
    }

    #[test]
    fn containers_merge_by_name_and_env_by_name() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x", "env": [{"name": "A", "value": "1"}]}]}}}});
        let p = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "env": [{"name": "B", "value": "2"}]}, {"name": "s", "image": "y"}]}}}});
        let out = run(d, p);
        let cs = &out["spec"]["template"]["spec"]["containers"];
        assert_eq!(cs.as_array().unwrap().len(), 2);
        assert_eq!(cs[0]["image"], "x");
        assert_eq!(cs[0]["env"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn custom_resource_lists_are_replaced() {
        let d = json!({"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {"name": "a"}, "spec": {"items": [{"name": "a"}, {"name": "b"}]}});
        let p = json!({"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {"name": "a"}, "spec": {"items": [{"name": "c"}]}});
        assert_eq!(run(d, p)["spec"]["items"], json!([{"name": "c"}]));
    }

    #[test]
    fn delete_directive_and_null_remove() {
        let d = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "labels": {"x": "1"}},
            "spec": {"volumes": [{"name": "v", "emptyDir": {}}, {"name": "w"}]}});
        let p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "labels": {"x": null}},
            "spec": {"volumes": [{"name": "v", "$patch": "delete"}]}});
        let out = run(d, p);
        assert_eq!(out["spec"]["volumes"], json!([{"name": "w"}]));
        assert_eq!(out["metadata"]["labels"], json!({}));
    }
}
