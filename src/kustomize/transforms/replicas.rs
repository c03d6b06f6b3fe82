//! Transform stage: `replicas`. Sets spec.replicas on the named workloads. Must not touch
//! other fields.

use crate::kustomize::error::{Error, Result};
use crate::kustomize::fieldspec::{Create, FieldSpec, apply, split_path};
use crate::kustomize::resmap::resource::Resource;
use crate::yaml::Value;

pub fn apply_replicas(
    resources: &mut [Resource],
    replicas: &[(String, i64)],
    specs: &[FieldSpec],
) -> Result<()> {
    if replicas.is_empty() {
        return Ok(());
    }
    for (name, count) in replicas {
        let mut found = false;
        for fs in specs {
            for r in resources.iter_mut() {
                // Any current or previous id with this name and the spec's kind.
                let selected = r
                    .all_ids()
                    .iter()
                    .any(|id| &id.name == name && id.gvk.is_selected_by(&fs.gvk));
                if !selected {
                    continue;
                }
                found = true;
                if !fs.matches(&r.gvk()) {
                    continue;
                }
                apply(
                    &mut r.obj,
                    &split_path(&fs.path),
                    fs.create.then_some(Create::Scalar),
                    &mut |n| {
                        *n = Value::from(*count);
                        Ok(())
                    },
                )
                .map_err(Error::Msg)?;
            }
        }
        if !found {
            let kinds: Vec<&str> = specs.iter().map(|f| f.gvk.kind.as_str()).collect();
            return Err(Error::msg(format!(
                "replicas: resource with name {name} does not match a config with the following kinds {kinds:?}"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sets_count_by_name_and_refuses_unknown_names() {
        let mut rs = vec![Resource::new(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {}}),
            "t",
        )];
        apply_replicas(
            &mut rs,
            &[("web".into(), 3)],
            &crate::kustomize::fieldspec::builtin("replicas"),
        )
        .unwrap();
        assert_eq!(rs[0].obj["spec"]["replicas"], 3);
        assert!(
            apply_replicas(
                &mut rs,
                &[("nope".into(), 1)],
                &crate::kustomize::fieldspec::builtin("replicas")
            )
            .is_err()
        );
    }
}
