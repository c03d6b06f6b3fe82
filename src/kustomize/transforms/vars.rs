//! Transform stage: `vars` (deprecated in kustomize, still used). At each kustomization the
//! var's object is found among the resources and marked; at the very end, after name
//! references are fixed, each var takes the value at its field path in that object, and
//! `$(NAME)` is replaced in the var-reference fields (resaccumulator.go, refvar.go).
//! Must not read files.

use crate::kustomize::error::{Error, Result};
use crate::kustomize::fieldspec::{FieldSpec, apply, split_path};
use crate::kustomize::resmap::resid::{Gvk, ResId};
use crate::kustomize::resmap::resource::Resource;
use crate::yaml::Value;
use std::collections::BTreeMap;

/// One entry of `vars:`.
#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub name: String,
    pub gvk: Gvk,
    pub obj_name: String,
    pub namespace: String,
    pub field_path: String,
    /// The kustomization file that declares it, for messages.
    pub declared_in: String,
}

impl Var {
    fn describe(&self) -> String {
        format!(
            "{} ({} {} {}, field {})",
            self.name, self.gvk, self.obj_name, self.namespace, self.field_path
        )
    }
}

/// Parses `vars:` entries strictly (name, objref, fieldref), with kustomize's defaults.
pub fn parse(list: &[Value]) -> std::result::Result<Vec<Var>, String> {
    let mut out = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let Value::Object(m) = v else {
            return Err(format!("vars[{i}]: expected a mapping"));
        };
        for k in m.keys() {
            if !matches!(k.as_str(), "name" | "objref" | "fieldref") {
                return Err(format!("vars[{i}]: unknown field {k:?}"));
            }
        }
        let s = |o: &crate::yaml::Map, k: &str| -> std::result::Result<String, String> {
            match o.get(k) {
                None | Some(Value::Null) => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(format!("vars[{i}]: {k} must be a string")),
            }
        };
        let empty = crate::yaml::Map::new();
        let obj = match m.get("objref") {
            Some(Value::Object(o)) => o,
            None | Some(Value::Null) => &empty,
            Some(_) => return Err(format!("vars[{i}]: objref must be a mapping")),
        };
        for k in obj.keys() {
            if !matches!(
                k.as_str(),
                "apiVersion" | "group" | "version" | "kind" | "name" | "namespace"
            ) {
                return Err(format!("vars[{i}].objref: unknown field {k:?}"));
            }
        }
        let mut gvk = Gvk {
            group: s(obj, "group")?,
            version: s(obj, "version")?,
            kind: s(obj, "kind")?,
        };
        // types.Target.GVK: an apiVersion overrides group and version.
        let api = s(obj, "apiVersion")?;
        if !api.is_empty() {
            match api.split_once('/') {
                Some((g, v)) if !v.contains('/') => {
                    gvk.group = g.into();
                    gvk.version = v.into();
                }
                None => gvk.version = api.clone(),
                _ => {}
            }
        }
        let field_path = match m.get("fieldref") {
            Some(Value::Object(f)) => {
                for k in f.keys() {
                    if k != "fieldPath" && k != "fieldpath" {
                        return Err(format!("vars[{i}].fieldref: unknown field {k:?}"));
                    }
                }
                let p = f
                    .get("fieldPath")
                    .or_else(|| f.get("fieldpath"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                p.to_string()
            }
            _ => String::new(),
        };
        out.push(Var {
            name: s(m, "name")?,
            gvk,
            obj_name: s(obj, "name")?,
            namespace: s(obj, "namespace")?,
            field_path: if field_path.is_empty() {
                "metadata.name".into()
            } else {
                field_path
            },
            declared_in: String::new(),
        });
    }
    Ok(out)
}

/// `MergeVars`: marks the one resource each var refers to (by any of its ids) and adds
/// the vars to the set, refusing a name already there.
pub fn merge(resources: &mut [Resource], set: &mut Vec<Var>, incoming: &[Var]) -> Result<()> {
    for v in incoming {
        let target = ResId {
            gvk: v.gvk.clone(),
            name: v.obj_name.clone(),
            namespace: v.namespace.clone(),
        };
        let strict = !target.namespace.is_empty() || target.gvk.is_cluster_scoped();
        let matches = |id: &ResId| {
            if strict {
                id.equals(&target)
            } else {
                id.name == target.name && id.gvk == target.gvk
            }
        };
        let found: Vec<usize> = resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.prev_ids().iter().any(&matches) || matches(&r.cur_id()))
            .map(|(i, _)| i)
            .collect();
        if found.len() > 1 {
            return Err(Error::msg(format!(
                "found {} resId matches for var {} (unable to disambiguate)",
                found.len(),
                v.describe()
            )));
        }
        if let Some(&i) = found.first() {
            resources[i].ref_vars.push(v.name.clone());
        }
    }
    merge_sets(set, incoming)
}

/// `VarSet.MergeSet`: the vars of a sub-kustomization join the parent's; a name may appear
/// once.
pub fn merge_sets(set: &mut Vec<Var>, incoming: &[Var]) -> Result<()> {
    for v in incoming {
        if set.iter().any(|x| x.name == v.name) {
            return Err(Error::msg(format!("var '{}' already encountered", v.name)));
        }
        set.push(v.clone());
    }
    Ok(())
}

/// `ResolveVars`: each var's value from its marked resource, then `$(NAME)` replaced in
/// every var-reference field. Returns the names of vars never used (kustomize logs them).
pub fn resolve(
    resources: &mut [Resource],
    set: &[Var],
    specs: &[FieldSpec],
) -> Result<Vec<String>> {
    let mut sorted: Vec<&Var> = set.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut values: BTreeMap<String, Value> = BTreeMap::new();
    for v in sorted {
        let Some(r) = resources.iter().find(|r| r.ref_vars.contains(&v.name)) else {
            return Err(Error::Kustomization {
                file: v.declared_in.clone(),
                msg: format!(
                    "var '{}' cannot be mapped to a field in the set of known resources",
                    v.describe()
                ),
            });
        };
        // kyaml's convertSliceIndex: `containers[0]` is the field, then the index.
        let mut path = Vec::new();
        for seg in super::replacements::field_path(&v.field_path) {
            match seg.strip_suffix(']').and_then(|x| x.rsplit_once('[')) {
                Some((name, idx)) if !idx.is_empty() && idx.chars().all(|c| c.is_ascii_digit()) => {
                    if !name.is_empty() {
                        path.push(name.to_string());
                    }
                    path.push(idx.to_string());
                }
                _ => path.push(seg),
            }
        }
        let Some(value) = super::replacements::lookup(&r.obj, &path) else {
            return Err(Error::Kustomization {
                file: v.declared_in.clone(),
                msg: format!(
                    "field specified in var '{}' not found in corresponding resource",
                    v.describe()
                ),
            });
        };
        values.insert(v.name.clone(), value.clone());
    }
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        for fs in specs.iter().filter(|fs| fs.matches(&gvk)) {
            let id = r.cur_id().to_string();
            apply(&mut r.obj, &split_path(&fs.path), None, &mut |node| {
                replace_in(node, &values, &mut used)
            })
            .map_err(|msg| Error::Resource {
                id: id.clone(),
                msg: format!("var references in '{}': {msg}", fs.path),
            })?;
        }
    }
    Ok(values
        .keys()
        .filter(|k| !used.contains_key(*k))
        .cloned()
        .collect())
}

/// refvar.Filter's `set`: strings, the string values of a map, a list of strings.
fn replace_in(
    node: &mut Value,
    values: &BTreeMap<String, Value>,
    used: &mut BTreeMap<String, usize>,
) -> std::result::Result<(), String> {
    match node {
        Value::String(s) => {
            *node = replace(s, values, used);
            Ok(())
        }
        Value::Object(m) => {
            for v in m.values_mut() {
                if let Value::String(s) = v {
                    *v = replace(s, values, used);
                }
            }
            Ok(())
        }
        Value::Array(items) => {
            for it in items.iter_mut() {
                let Value::String(s) = it else {
                    return Err("invalid value type expect a string".into());
                };
                *it = replace(s, values, used);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// refvar's `DoReplacements`: `$(NAME)` becomes the var's value (keeping its type when it
/// is the whole string), `$$` an escaped `$`; unknown names stay as written.
fn replace(
    input: &str,
    values: &BTreeMap<String, Value>,
    used: &mut BTreeMap<String, usize>,
) -> Value {
    let mut map = |key: &str| -> Option<Value> {
        match values.get(key) {
            Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => {
                *used.entry(key.to_string()).or_default() += 1;
                Some(v.clone())
            }
            _ => None,
        }
    };
    let b = input.as_bytes();
    let mut out = String::new();
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < b.len() {
        if b[cursor] == b'$' && cursor + 1 < b.len() {
            out.push_str(&input[checkpoint..cursor]);
            let rest = &input[cursor + 1..];
            let (read, is_var, advance) = match rest.as_bytes()[0] {
                b'$' => ("$".to_string(), false, 1),
                b'(' => match rest[1..].find(')') {
                    Some(j) => (rest[1..1 + j].to_string(), true, j + 2),
                    None => ("$(".to_string(), false, 1),
                },
                _ => {
                    let c = rest.chars().next().expect("non-empty");
                    (format!("${c}"), false, c.len_utf8())
                }
            };
            if is_var {
                let mapped = map(&read);
                if input == format!("$({read})") {
                    return mapped.unwrap_or_else(|| Value::String(input.to_string()));
                }
                match mapped {
                    Some(v) => out.push_str(&text_of(&v)),
                    None => out.push_str(&format!("$({read})")),
                }
            } else {
                out.push_str(&read);
            }
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    if checkpoint <= input.len() {
        out.push_str(&input[checkpoint.min(input.len())..]);
    }
    Value::String(out)
}

/// Go's `%v` of a var value.
fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => crate::yaml::emit::go_format_g(f),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replacements_keep_type_when_whole_and_escape_dollars() {
        let mut values = BTreeMap::new();
        values.insert("PORT".to_string(), json!(8080));
        values.insert("HOST".to_string(), json!("db"));
        let mut used = BTreeMap::new();
        assert_eq!(replace("$(PORT)", &values, &mut used), json!(8080));
        assert_eq!(
            replace("http://$(HOST):$(PORT)/x", &values, &mut used),
            json!("http://db:8080/x")
        );
        assert_eq!(
            replace("$$(HOST) $(NOPE) $x $", &values, &mut used),
            json!("$(HOST) $(NOPE) $x $")
        );
        assert_eq!(replace("$(HOST", &values, &mut used), json!("$(HOST"));
    }
}
