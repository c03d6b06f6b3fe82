//! Transform stage: JSON 6902 patches (`patchesJson6902`, and `patches` entries that are
//! operation lists). Applied in-process with the json-patch crate. Must not pick targets.

use crate::kustomize::error::{Error, Result};
use crate::kustomize::resmap::resource::Resource;
use crate::yaml::{self, Value};

/// Parses patch text: a JSON array as is, otherwise YAML holding a list of operations.
pub fn parse(text: &str) -> std::result::Result<json_patch::Patch, String> {
    let t = text.trim_start();
    if t.is_empty() {
        return Err("empty json patch operations".into());
    }
    let v: Value = if t.starts_with('[') {
        serde_json::from_str(t).or_else(|_| yaml::parse_one(t).map_err(|e| e.to_string()))?
    } else {
        yaml::parse_one(t).map_err(|e| e.to_string())?
    };
    if !v.is_array() {
        return Err("a JSON patch must be a list of operations".into());
    }
    serde_json::from_value(v).map_err(|e| e.to_string())
}

/// What a lint finding needs of a parsed patch: the pointer of each operation that writes.
pub fn written_paths(patch: &json_patch::Patch) -> Vec<(usize, String)> {
    use json_patch::PatchOperation as Op;
    patch
        .0
        .iter()
        .enumerate()
        .filter_map(|(i, op)| match op {
            Op::Add(o) => Some((i, o.path.to_string())),
            Op::Replace(o) => Some((i, o.path.to_string())),
            Op::Copy(o) => Some((i, o.path.to_string())),
            Op::Move(o) => Some((i, o.path.to_string())),
            _ => None,
        })
        .collect()
}

pub fn apply(r: &mut Resource, patch: &json_patch::Patch) -> Result<()> {
    r.store_previous_id();
    for op in &patch.0 {
        // kustomize's JSON patch library lets `replace` create a missing object key.
        let op = match op {
            json_patch::PatchOperation::Replace(rep) if missing_object_key(&r.obj, &rep.path) => {
                json_patch::PatchOperation::Add(json_patch::AddOperation {
                    path: rep.path.clone(),
                    value: rep.value.clone(),
                })
            }
            other => other.clone(),
        };
        json_patch::patch(&mut r.obj, std::slice::from_ref(&op)).map_err(|e| Error::Resource {
            id: r.cur_id().to_string(),
            msg: format!("applying JSON 6902 patch: {e}"),
        })?;
    }
    if !r.obj.is_object() {
        return Err(Error::Resource {
            id: r.source.clone(),
            msg: "a JSON 6902 patch turned the object into something that is not a mapping".into(),
        });
    }
    Ok(())
}

fn missing_object_key(doc: &Value, path: &jsonptr::Pointer) -> bool {
    let Some((parent, last)) = path.split_back() else {
        return false;
    };
    match parent.resolve(doc) {
        Ok(Value::Object(m)) => !m.contains_key(last.decoded().as_ref()),
        _ => false,
    }
}
