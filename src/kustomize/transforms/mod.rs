//! Transform stage: one module per kustomization field, each a function over the resource
//! map. Transforms never read files or print; the build module wires them in kustomize's
//! fixed order.

pub mod annotations;
pub mod generators;
pub mod images;
pub mod labels;
pub mod name_reference;
pub mod namespace;
pub mod patch_json6902;
pub mod patch_strategic;
pub mod prefix_suffix;
pub mod replacements;
pub mod replicas;
pub mod schema;
pub mod selector;
pub mod vars;

use crate::kustomize::error::{Error, Result};
use crate::kustomize::fieldspec::{Create, FieldSpec, apply, split_path};
use crate::kustomize::resmap::resource::Resource;
use crate::yaml::Value;

/// Sets string entries in the maps each field spec names (labels, annotations, selectors).
pub(crate) fn set_map_entries(
    res: &mut Resource,
    specs: &[FieldSpec],
    pairs: &[(String, String)],
) -> Result<()> {
    let gvk = res.gvk();
    let mut keys: Vec<&(String, String)> = pairs.iter().collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    for (k, v) in keys {
        for fs in specs.iter().filter(|fs| fs.matches(&gvk)) {
            let create = fs.create.then_some(Create::Map);
            apply(
                &mut res.obj,
                &split_path(&fs.path),
                create,
                &mut |node| match node {
                    Value::Object(m) => {
                        m.insert(k.clone(), Value::String(v.clone()));
                        Ok(())
                    }
                    Value::Null => {
                        let mut m = crate::yaml::Map::new();
                        m.insert(k.clone(), Value::String(v.clone()));
                        *node = Value::Object(m);
                        Ok(())
                    }
                    _ => Err(format!("field {} is not a map", fs.path)),
                },
            )
            .map_err(|e| Error::Resource {
                id: res_id(res),
                msg: format!("considering field '{}': {e}", fs.path),
            })?;
        }
    }
    Ok(())
}

pub(crate) fn res_id(r: &Resource) -> String {
    r.cur_id().to_string()
}

/// Merges field spec lists, dropping exact repeats (kustomize's `FsSlice.MergeAll`).
pub(crate) fn merge_specs(mut a: Vec<FieldSpec>, b: Vec<FieldSpec>) -> Vec<FieldSpec> {
    for fs in b {
        if !a.iter().any(|x| x.gvk == fs.gvk && x.path == fs.path) {
            a.push(fs);
        }
    }
    a
}
