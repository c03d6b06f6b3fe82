//! Transform stage: `replacements`. Copies a value from a source field into target fields.
//! Must not read files (replacement files are read by the caller).

use super::selector::select;
use crate::kustomize::error::{Error, Result};
use crate::kustomize::resmap::resid::Gvk;
use crate::kustomize::resmap::resource::Resource;
use crate::kustomize::types::Selector;
use crate::yaml::{Map, Value};

fn sel_from(v: &Value) -> Selector {
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    Selector {
        gvk: Gvk {
            group: s("group"),
            version: s("version"),
            kind: s("kind"),
        },
        name: s("name"),
        namespace: s("namespace"),
        label_selector: s("labelSelector"),
        annotation_selector: s("annotationSelector"),
    }
}

/// Splits a replacement field path on `.`, keeping `[a=b]` selectors whole.
pub(crate) fn field_path(p: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0;
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&'.') {
            cur.push('.');
            chars.next();
            continue;
        }
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '.' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

pub(crate) fn lookup<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    let Some((head, rest)) = path.split_first() else {
        return Some(v);
    };
    if let Some(inner) = head.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        // `[a.b/c]` without `=` is a key that holds dots (an annotation name).
        let Some((k, val)) = inner.split_once('=') else {
            return lookup(v.get(inner)?, rest);
        };
        let item = v.as_array()?.iter().find(|x| {
            x.get(k)
                .map(crate::kustomize::resmap::resource::scalar_string)
                .as_deref()
                == Some(val)
        })?;
        return lookup(item, rest);
    }
    if let Ok(i) = head.parse::<usize>()
        && let Some(a) = v.as_array()
    {
        return lookup(a.get(i)?, rest);
    }
    lookup(v.get(head.as_str())?, rest)
}

/// kustomize copies only the text into an existing scalar, keeping the target's type
/// (a string stays a string); collections are replaced whole.
fn assign(target: &mut Value, src: &Value) {
    let text = match src {
        Value::Object(_) | Value::Array(_) => {
            *target = src.clone();
            return;
        }
        other => crate::kustomize::resmap::resource::scalar_string(other),
    };
    *target = match target {
        Value::String(_) => Value::String(text),
        Value::Number(_) | Value::Bool(_) => match crate::yaml::parse_one(&text) {
            Ok(v @ (Value::Number(_) | Value::Bool(_))) => v,
            _ => Value::String(text),
        },
        Value::Object(_) | Value::Array(_) | Value::Null => src.clone(),
    };
}

fn set_path(
    v: &mut Value,
    path: &[String],
    val: &Value,
    create: bool,
) -> std::result::Result<(), String> {
    let Some((head, rest)) = path.split_first() else {
        assign(v, val);
        return Ok(());
    };
    if let Some(inner) = head.strip_prefix('[').and_then(|h| h.strip_suffix(']'))
        && inner.contains('=')
    {
        let (k, want) = inner.split_once('=').ok_or("bad selector")?;
        let Some(items) = v.as_array_mut() else {
            return Ok(());
        };
        let mut found = false;
        for it in items.iter_mut() {
            if it
                .get(k)
                .map(crate::kustomize::resmap::resource::scalar_string)
                .as_deref()
                == Some(want)
            {
                found = true;
                set_path(it, rest, val, create)?;
            }
        }
        if !found && create {
            // kyaml's create appends the element the selector names.
            let mut m = Map::new();
            m.insert(k.to_string(), Value::String(want.to_string()));
            items.push(Value::Object(m));
            let last = items.last_mut().expect("just pushed");
            set_path(last, rest, val, create)?;
        }
        return Ok(());
    }
    if head == "*" {
        if let Some(items) = v.as_array_mut() {
            for it in items {
                set_path(it, rest, val, create)?;
            }
        }
        return Ok(());
    }
    if let Value::Array(items) = v
        && let Ok(i) = head.parse::<usize>()
    {
        return match items.get_mut(i) {
            Some(it) => set_path(it, rest, val, create),
            None => Ok(()),
        };
    }
    let head = match head.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(inner) => inner.to_string(),
        None => head.clone(),
    };
    let Value::Object(m) = v else { return Ok(()) };
    if !m.contains_key(head.as_str()) {
        if !create {
            return Err(format!(
                "unable to find field {head:?} in replacement target"
            ));
        }
        // A created leaf is a string scalar (or whatever collection the source is).
        // A `[k=v]` step next makes this a list.
        let fresh = if rest.is_empty() && !val.is_object() && !val.is_array() {
            Value::String(String::new())
        } else if rest
            .first()
            .is_some_and(|n| n.starts_with('[') && n.contains('='))
        {
            Value::Array(Vec::new())
        } else {
            Value::Object(Map::new())
        };
        m.insert(head.clone(), fresh);
    }
    set_path(
        m.get_mut(head.as_str()).expect("present"),
        rest,
        val,
        create,
    )
}

fn delimit(cur: &Value, src: &Value, opts: Option<&Value>, source_side: bool) -> Value {
    let Some(o) = opts else { return src.clone() };
    let delim = o.get("delimiter").and_then(Value::as_str).unwrap_or("");
    let idx = o.get("index").and_then(Value::as_i64).unwrap_or(0);
    if delim.is_empty() {
        return src.clone();
    }
    if source_side {
        let s = crate::kustomize::resmap::resource::scalar_string(src);
        let parts: Vec<&str> = s.split(delim).collect();
        return parts
            .get(idx as usize)
            .map(|p| Value::String(p.to_string()))
            .unwrap_or(src.clone());
    }
    let s = crate::kustomize::resmap::resource::scalar_string(cur);
    let mut parts: Vec<String> = s.split(delim).map(String::from).collect();
    let v = crate::kustomize::resmap::resource::scalar_string(src);
    if idx < 0 {
        parts.insert(0, v);
    } else if (idx as usize) >= parts.len() {
        parts.push(v);
    } else {
        parts[idx as usize] = v;
    }
    Value::String(parts.join(delim))
}

pub fn apply(resources: &mut [Resource], replacements: &[Value], file: &str) -> Result<()> {
    for rep in replacements {
        let err = |m: String| Error::Kustomization {
            file: file.to_string(),
            msg: format!("replacements: {m}"),
        };
        let source = rep
            .get("source")
            .ok_or_else(|| err("missing source".into()))?;
        let src_sel = sel_from(source);
        let found = select(resources, &src_sel)?;
        if found.len() != 1 {
            return Err(err(format!(
                "expected exactly one source, found {}",
                found.len()
            )));
        }
        let fp = source
            .get("fieldPath")
            .and_then(Value::as_str)
            .unwrap_or("metadata.name");
        let src_obj = &resources[found[0]].obj;
        let value = lookup(src_obj, &field_path(fp))
            .ok_or_else(|| err(format!("source field {fp:?} not found")))?
            .clone();
        let value = delimit(&Value::Null, &value, source.get("options"), true);
        for t in rep
            .get("targets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let sel = t.get("select").map(sel_from).unwrap_or_default();
            let mut idx = select(resources, &sel)?;
            for rj in t
                .get("reject")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let rejected = select(resources, &sel_from(rj))?;
                idx.retain(|i| !rejected.contains(i));
            }
            let opts = t.get("options");
            let create = opts
                .and_then(|o| o.get("create"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            for i in idx {
                for fp in t
                    .get("fieldPaths")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let path = field_path(fp.as_str().unwrap_or(""));
                    let cur = lookup(&resources[i].obj, &path)
                        .cloned()
                        .unwrap_or(Value::Null);
                    let v = delimit(&cur, &value, opts, false);
                    set_path(&mut resources[i].obj, &path, &v, create).map_err(|m| {
                        Error::Resource {
                            id: resources[i].cur_id().to_string(),
                            msg: m,
                        }
                    })?;
                }
            }
        }
    }
    Ok(())
}
