//! Transform stage: `namespace`. Sets metadata.namespace on namespaced objects, the
//! namespace of ServiceAccount subjects named "default" in (Cluster)RoleBindings, and the
//! other built-in namespace fields. Must not rename anything else.

use crate::kustomize::error::{Error, Result};
use crate::kustomize::fieldspec::{Create, FieldSpec, apply, split_path};
use crate::kustomize::resmap::resource::Resource;
use crate::yaml::Value;

pub fn apply_namespace(resources: &mut [Resource], ns: &str, specs: &[FieldSpec]) -> Result<()> {
    if ns.is_empty() {
        return Ok(());
    }
    // Current ids by kustomize's equality (gvk, name, effective namespace), counted, so the
    // clash check after each object is a lookup instead of a scan of all of them.
    let key = |r: &Resource| r.cur_id().equality_key();
    let mut counts: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
    for r in resources.iter() {
        *counts.entry(key(r)).or_default() += 1;
    }
    for r in resources.iter_mut() {
        if let Some(c) = counts.get_mut(&key(r)) {
            *c -= 1;
        }
        r.store_previous_id();
        let gvk = r.gvk();
        let set = &mut |node: &mut Value| {
            *node = Value::String(ns.to_string());
            Ok(())
        };
        if !gvk.is_cluster_scoped() {
            apply(
                &mut r.obj,
                &split_path("metadata/namespace"),
                Some(Create::Scalar),
                set,
            )
            .map_err(|e| err(r, e))?;
        }
        let is_binding = gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding";
        if is_binding && let Some(Value::Array(subjects)) = r.obj.get_mut("subjects") {
            for s in subjects.iter_mut() {
                if let Value::Object(m) = s
                    && m.get("name").and_then(Value::as_str) == Some("default")
                {
                    m.insert("namespace".into(), Value::String(ns.to_string()));
                }
            }
        }
        for fs in specs {
            if fs.path == "metadata/namespace" || !fs.matches(&gvk) {
                continue;
            }
            if r.api_version() != "v1" && fs.path == "metadata/name" {
                continue;
            }
            if is_binding && fs.path == "subjects/namespace" {
                continue;
            }
            let create = fs.create.then_some(Create::Scalar);
            apply(&mut r.obj, &split_path(&fs.path), create, set).map_err(|e| err(r, e))?;
        }
        let id = r.cur_id();
        let clashes = {
            let c = counts.entry(key(r)).or_default();
            *c += 1;
            *c
        };
        if clashes != 1 {
            return Err(Error::Resource {
                id: id.to_string(),
                msg: "namespace transformation produces ID conflict".into(),
            });
        }
    }
    Ok(())
}

fn err(r: &Resource, e: String) -> Error {
    Error::Resource {
        id: r.cur_id().to_string(),
        msg: format!("namespace transformation failed: {e}"),
    }
}
