//! Transform stage: `namePrefix` and `nameSuffix`. Renames objects and records the rename
//! so name references can follow. Must not touch references itself.

use crate::kustomize::error::Result;
use crate::kustomize::fieldspec::{FieldSpec, apply, split_path};
use crate::kustomize::resmap::resid::Gvk;
use crate::kustomize::resmap::resource::Resource;
use crate::yaml::Value;

fn skipped(r: &Resource) -> bool {
    let id = r.org_id();
    let skip = [
        Gvk {
            kind: "CustomResourceDefinition".into(),
            ..Default::default()
        },
        Gvk {
            group: "apiregistration.k8s.io".into(),
            kind: "APIService".into(),
            ..Default::default()
        },
        Gvk {
            kind: "Namespace".into(),
            ..Default::default()
        },
    ];
    skip.iter().any(|s| id.gvk.is_selected_by(s))
}

pub fn apply_prefix_suffix(
    resources: &mut [Resource],
    affix: &str,
    is_prefix: bool,
    specs: &[FieldSpec],
) -> Result<()> {
    if affix.is_empty() {
        return Ok(());
    }
    for r in resources.iter_mut() {
        if skipped(r) {
            continue;
        }
        let org = r.org_id();
        for fs in specs {
            if !org.gvk.is_selected_by(&fs.gvk) {
                continue;
            }
            if fs.path == "metadata/name" {
                if is_prefix {
                    r.prefixes.push(affix.to_string());
                } else {
                    r.suffixes.push(affix.to_string());
                }
                r.store_previous_id();
            }
            if !fs.matches(&r.gvk()) {
                continue;
            }
            apply(&mut r.obj, &split_path(&fs.path), None, &mut |node| {
                if let Value::String(s) = node {
                    *s = if is_prefix {
                        format!("{affix}{s}")
                    } else {
                        format!("{s}{affix}")
                    };
                }
                Ok(())
            })
            .map_err(crate::kustomize::error::Error::Msg)?;
        }
    }
    Ok(())
}
