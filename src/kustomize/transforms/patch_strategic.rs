//! Transform stage: strategic merge patches (`patchesStrategicMerge`, and `patches` entries
//! that are objects). Lists of built-in kinds merge by the merge keys the Kubernetes API
//! declares (`builtin/mergekeys.tsv`), in kyaml's walk order with its quirks; lists of other
//! kinds are replaced, as kustomize does. Must not pick targets or read files.

use crate::kustomize::error::{Error, Result};
use crate::kustomize::resmap::resource::{Resource, scalar_string};
use crate::yaml::{Map, Value, is_null_or_empty};

use super::schema::{KindLists, ListMode};
use std::sync::Arc;

/// The schema knowledge for one object: its kind's merging lists, if the schema in use
/// has the kind (kustomize replaces every list of a kind it has no schema for).
struct Schema {
    lists: Option<Arc<KindLists>>,
}

impl Schema {
    fn for_object(obj: &Value) -> Schema {
        let api = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        Schema {
            lists: super::schema::lists_for(api, kind),
        }
    }

    fn list_mode(&self, path: &[String]) -> ListMode {
        let Some(lists) = &self.lists else {
            return ListMode::Replace;
        };
        lists
            .get(path.join(".").as_str())
            .cloned()
            .unwrap_or(ListMode::Replace)
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
            // A destination that is the patch's own node loses its directive when read.
            d.remove("$patch");
            // kyaml walks every field of both sides: a keyed list the patch does not
            // touch is still merged with itself (duplicates joined).
            let untouched: Vec<String> = d
                .keys()
                .filter(|k| !p.contains_key(k.as_str()))
                .cloned()
                .collect();
            for k in untouched {
                if let Some(v) = d.get_mut(k.as_str()) {
                    path.push(k.clone());
                    let taken = std::mem::take(v);
                    *v = normalize(taken, schema, path)?;
                    path.pop();
                }
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
        // A field only the patch has: walked alone, so its keyed lists merge with
        // themselves with their directives in force (a later `$patch: delete` element
        // removes an earlier one with the same key).
        (None, Value::Object(p)) => match directive(p) {
            // kyaml's Merger makes the patch's own node the destination of a field only
            // the patch has, and merges the patch into it.
            Some("delete") => Ok(None),
            Some("replace") => Ok(fresh(patch)),
            _ => merge(Some(Value::Object(without_directive(p))), patch, schema, path),
        },
        (None, Value::Array(p)) => match schema.list_mode(path) {
            ListMode::Keys(keys)
                if !p.iter().any(|x| {
                    matches!(x, Value::Object(m) if directive(m) == Some("replace") && m.len() == 1)
                }) =>
            {
                // The patch's list is its own destination: elements the walk never
                // reaches keep their directives, as kubectl prints them.
                Ok(Some(associative(p.to_vec(), p, &keys, schema, path)?))
            }
            ListMode::Primitive => Ok(fresh(patch).map(|v| match v {
                Value::Array(a) => Value::Array(distinct(a)),
                other => other,
            })),
            _ => Ok(fresh(patch)),
        },
        (_, other) => Ok(fresh(other)),
    }
}

/// A mapping without its `$patch` key (kyaml removes the directive from the node it reads).
fn without_directive(m: &Map) -> Map {
    let mut out = m.clone();
    out.remove("$patch");
    out
}

/// One side of a merge walked alone, as kyaml walks a field only one side has: keyed lists
/// merged with themselves (kyaml's associative merge joins elements with equal keys),
/// primitive merge lists without repeats; everything else as it is.
fn normalize(
    v: Value,
    schema: &Schema,
    path: &mut Vec<String>,
) -> std::result::Result<Value, String> {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                path.push(k.clone());
                let x = normalize(x, schema, path)?;
                path.pop();
                out.insert(k, x);
            }
            Ok(Value::Object(out))
        }
        Value::Array(a) => match schema.list_mode(path) {
            ListMode::Replace => Ok(Value::Array(a)),
            ListMode::Primitive => Ok(Value::Array(distinct(a))),
            ListMode::Keys(keys) => associative(a, &[], &keys, schema, path),
        },
        other => Ok(other),
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
        ListMode::Primitive => Ok(Value::Array(distinct(patch.iter().cloned().chain(dest)))),
        ListMode::Keys(keys) => associative(dest, patch, &keys, schema, path),
    }
}

/// A keyed list merged as kyaml's walker merges it (kyaml/yaml/walk/associative_sequence.go,
/// `walkAssociativeSequence` with kustomize's "prepend"), step by step, quirks included:
/// the key tuples of both lists (patch first), tuples that agree where both are set joined
/// (`mergeValues`), only keys some element sets used (`validateKeys`), each tuple's elements
/// merged, then the original elements appended into the merged ones (`appendListNode`):
/// in place where one key is used, moved to the end where several are.
fn associative(
    mut dest: Vec<Value>,
    patch: &[Value],
    keys: &[String],
    schema: &Schema,
    path: &mut Vec<String>,
) -> std::result::Result<Value, String> {
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut patch: Vec<Value> = patch.to_vec();
    let text = |e: &Value, k: &str| -> Option<String> {
        match e.as_object().and_then(|m| m.get(k)) {
            None | Some(Value::Null) => None,
            Some(Value::Object(_) | Value::Array(_)) => Some(String::new()),
            Some(v) => Some(scalar_string(v)),
        }
    };
    // elementValues: every element's key tuple ("" where unset), patch first, once each.
    let mut values_list: Vec<Vec<String>> = Vec::new();
    for e in patch.iter().chain(dest.iter()) {
        let t: Vec<String> = keys
            .iter()
            .map(|k| text(e, k).unwrap_or_default())
            .collect();
        if !values_list.contains(&t) {
            values_list.push(t);
        }
    }
    // mergeValues: tuples that share a value and do not conflict become one.
    if keys.len() > 1 {
        let n = values_list.len();
        for i in 0..n {
            let v1 = values_list[i].clone();
            for j in 0..n {
                let v2 = values_list[j].clone();
                if let Some(m) = match_values(&v1, &v2) {
                    values_list[i] = m.clone();
                    values_list[j] = m;
                }
            }
        }
    }
    // validateKeys: the keys some tuple sets (all of them when none does).
    let used: Vec<usize> = (0..keys.len())
        .filter(|&i| values_list.iter().any(|t| !t[i].is_empty()))
        .collect();
    let used = if used.is_empty() {
        (0..keys.len()).collect()
    } else {
        used
    };
    let valid_keys: Vec<&str> = used.iter().map(|&i| keys[i]).collect();
    let mut items: Vec<Value> = Vec::new();
    for values in &values_list {
        let valid_values: Vec<String> = used.iter().map(|&i| values[i].clone()).collect();
        // elementValueList: each list's first element matching the tuple's set values.
        let set: Vec<usize> = (0..valid_keys.len())
            .filter(|&i| !valid_values[i].is_empty())
            .collect();
        let set = if set.is_empty() {
            (0..valid_keys.len()).collect()
        } else {
            set
        };
        let matches = |e: &Value| {
            e.is_object()
                && set
                    .iter()
                    .all(|&i| text(e, valid_keys[i]).is_some_and(|t| t == valid_values[i]))
        };
        let di = dest.iter().position(matches);
        let pi = patch.iter().position(matches);
        // Reading an element's directive removes it from the patch: a tuple that comes
        // round again (joined by mergeValues) reads the element without it.
        let walked = pi.map(|p| {
            let e = patch[p].clone();
            if let Value::Object(m) = &mut patch[p] {
                m.remove("$patch");
            }
            e
        });
        let val = match (di, walked) {
            (Some(d), Some(pe)) => {
                // When the destination is the patch's own list, that is the same element.
                if let Some(m) = dest[d].as_object_mut() {
                    m.remove("$patch");
                }
                let merged = merge(Some(dest[d].clone()), &pe, schema, path)?;
                if let Some(m) = &merged {
                    dest[d] = m.clone();
                }
                merged
            }
            (Some(d), None) => {
                let walked = normalize(dest[d].clone(), schema, path)?;
                dest[d] = walked.clone();
                Some(walked)
            }
            (None, Some(pe)) => merge(None, &pe, schema, path)?,
            (None, None) => None,
        };
        if val.as_ref().is_none_or(is_null_or_empty) {
            // ElementSetter without an element: the matching original elements go.
            set_element(&mut dest, None, &valid_keys, &valid_values);
            continue;
        }
        let mut val = val.unwrap_or(Value::Null);
        for (i, k) in valid_keys.iter().enumerate() {
            if text(&val, k).is_none()
                && !valid_values[i].is_empty()
                && let Some(m) = val.as_object_mut()
            {
                m.insert((*k).to_string(), plain_scalar(&valid_values[i]));
                if let Some(d) = di {
                    dest[d] = val.clone();
                }
            }
        }
        set_element(&mut items, Some(val), &valid_keys, &valid_values);
    }
    if values_list.is_empty() {
        return Ok(Value::Array(dest));
    }
    // appendListNode(items, dest): each original element, by its own key values.
    for elem in dest {
        let mut v = Vec::new();
        for k in &valid_keys {
            match text(&elem, k) {
                None => items.push(elem.clone()),
                Some(t) => v.push(t),
            }
        }
        if valid_keys.len() > 1 {
            set_element(&mut items, None, &valid_keys, &v);
        }
        set_element(&mut items, Some(elem), &valid_keys, &v);
    }
    Ok(Value::Array(items))
}

/// kyaml's `match` of two key tuples: equal somewhere, and no position set differently.
fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut out = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            out.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else if !x.is_empty() {
            out.push(x.clone());
        } else {
            out.push(y.clone());
        }
    }
    common.then_some(out)
}

/// A primitive merge list's values, each once, in first-seen order.
fn distinct(values: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// kyaml's `ElementSetter` on a list: empty elements dropped; every element whose fields
/// match the values (an empty value: the field is there) replaced by `element`, or removed
/// when there is none; `element` appended when nothing matched.
fn set_element(list: &mut Vec<Value>, element: Option<Value>, keys: &[&str], values: &[String]) {
    let mut out = Vec::with_capacity(list.len() + 1);
    let mut found_any = false;
    for item in list.drain(..) {
        if is_null_or_empty(&item) {
            continue;
        }
        let Some(m) = item.as_object() else {
            out.push(item);
            continue;
        };
        // Keys past the values reuse the last match, as kyaml's loop does.
        let mut last = false;
        let mut found = true;
        for (j, k) in keys.iter().enumerate() {
            if j < values.len() {
                last = match m.get(*k) {
                    None => false,
                    Some(v) => values[j].is_empty() || field_text(v) == values[j],
                };
            }
            if !last {
                found = false;
                break;
            }
        }
        if !found {
            if !values.is_empty() {
                out.push(item);
            }
            continue;
        }
        found_any = true;
        if let Some(e) = &element {
            out.push(e.clone());
        }
    }
    if let Some(e) = element
        && !found_any
    {
        out.push(e);
    }
    *list = out;
}

/// A field's text as a YAML node's value: scalars as written, "" for mappings and lists.
fn field_text(v: &Value) -> String {
    match v {
        Value::Object(_) | Value::Array(_) => String::new(),
        other => scalar_string(other),
    }
}

/// A plain scalar as kyaml's `NewScalarRNode` writes it (untagged: an integer stays one).
fn plain_scalar(s: &str) -> Value {
    match s.parse::<i64>() {
        Ok(n) => Value::from(n),
        Err(_) => Value::String(s.to_string()),
    }
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
