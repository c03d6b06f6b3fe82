//! Lint stage: which text wrote a field of a rendered object — the last patch that set it,
//! else the object's own document. Pure: reads the patches the engine recorded on the
//! object (`Resource::patched_by`), never a file.
//!
//! Why after the fact rather than tracking every field's origin through the build: the
//! renderer stays as fast as it is, and a finding needs the origin of one field, not all.

use crate::kustomize::resmap::resource::{PatchBody, PatchedBy, Resource};
use crate::yaml::Value;

/// One step of a field path: a mapping key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Where to point a finding on `field` of `r`: (file, line its document starts on, field
/// path in that document's own coordinates). `None`: no patch wrote it (the base did).
pub fn patch_origin(r: &Resource, field: &str) -> Option<(String, usize, String)> {
    if r.patched_by.is_empty() {
        return None;
    }
    let segs = segments(&r.obj, field)?;
    r.patched_by.iter().rev().find_map(|by| {
        let inner = wrote(by, &r.obj, &segs)?;
        // An inline patch: the kustomization's field that holds it (a kustomization
        // field's record already names its own field).
        let field = match (&by.body, &by.entry) {
            (PatchBody::Fields(_), _) | (_, None) => inner,
            (_, Some(entry)) => entry.clone(),
        };
        Some((by.file.clone(), by.line.max(1), field))
    })
}

/// The path of `field` to look up in the object's own document when no patch wrote it.
/// A patch may have reordered a list (a strategic merge puts patched items first), so
/// every list item with a `name` is named (`containers[name=web]`) rather than numbered;
/// `resolve` turns that back into the document's own index. Unpatched: `field` itself.
pub fn base_path(r: &Resource, field: &str) -> Option<String> {
    if r.patched_by.is_empty() {
        return None;
    }
    let segs = segments(&r.obj, field)?;
    let mut cur = &r.obj;
    let mut s = String::new();
    for seg in &segs {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
                cur = &cur[k.as_str()];
            }
            Seg::Index(i) => {
                cur = &cur[*i];
                match cur.get("name").and_then(Value::as_str) {
                    Some(n) if !n.contains(']') => s.push_str(&format!("[name={n}]")),
                    _ => s.push_str(&format!("[{i}]")),
                }
            }
        }
    }
    Some(s)
}

/// `path` with every `[name=X]` replaced by the index of the item named X in `doc`, as far
/// as `doc` has it: the longest prefix that resolves (the rest was never written there).
pub fn resolve(doc: &Value, path: &str) -> String {
    show(&walk(doc, path).0)
}

/// Splits `field` (`spec.template.metadata.annotations.a.b/c[0]`) along the rendered object,
/// so that keys holding dots are read whole. `None` unless the object has all of it.
fn segments(obj: &Value, field: &str) -> Option<Vec<Seg>> {
    let (segs, whole) = walk(obj, field);
    whole.then_some(segs)
}

/// Follows `path` (keys, `[N]` and `[name=X]` items) through `doc`: the steps of the longest
/// prefix `doc` has, and whether that was all of the path. A key is the longest one the
/// path continues past with `.`, `[` or its end, so keys holding dots are read whole.
fn walk(doc: &Value, path: &str) -> (Vec<Seg>, bool) {
    let mut out = Vec::new();
    let mut cur = doc;
    let mut rest = path;
    while !rest.is_empty() {
        let (seg, next, tail) = if let Some(r) = rest.strip_prefix('[') {
            let Some(end) = r.find(']') else { break };
            let Some(items) = cur.as_array() else { break };
            let inner = &r[..end];
            let i = match inner.strip_prefix("name=") {
                Some(n) => items
                    .iter()
                    .position(|e| e.get("name").and_then(Value::as_str) == Some(n)),
                None => inner.parse().ok().filter(|&i: &usize| i < items.len()),
            };
            let Some(i) = i else { break };
            (Seg::Index(i), &items[i], &r[end + 1..])
        } else {
            let Some(map) = cur.as_object() else { break };
            let Some(key) = map
                .keys()
                .filter(|k| {
                    rest.strip_prefix(k.as_str())
                        .is_some_and(|t| t.is_empty() || t.starts_with('.') || t.starts_with('['))
                })
                .max_by_key(|k| k.len())
            else {
                break;
            };
            (Seg::Key(key.clone()), &map[key], &rest[key.len()..])
        };
        out.push(seg);
        cur = next;
        rest = tail.strip_prefix('.').unwrap_or(tail);
    }
    (out, rest.is_empty())
}

fn show(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// The path inside the patch's document at which it wrote the field, if it did.
fn wrote(by: &PatchedBy, obj: &Value, segs: &[Seg]) -> Option<String> {
    match &by.body {
        PatchBody::Fields(set) => {
            let path = show(segs);
            set.iter()
                .rev()
                .find(|(rendered, _)| *rendered == path)
                .map(|(_, entry)| entry.clone())
        }
        PatchBody::Strategic(patch) => strategic(obj, patch, segs).map(|p| show(&p)),
        PatchBody::Json(ops) => ops.iter().rev().find_map(|(i, pointer)| {
            let tokens = pointer_tokens(pointer);
            let covers = tokens.len() <= segs.len()
                && tokens.iter().zip(segs).all(|(t, s)| match s {
                    Seg::Key(k) => t == k,
                    Seg::Index(n) => t.parse::<usize>().ok() == Some(*n),
                });
            covers.then(|| {
                let mut p = vec![Seg::Index(*i), Seg::Key("value".into())];
                p.extend_from_slice(&segs[tokens.len()..]);
                show(&p)
            })
        }),
    }
}

/// RFC 6901 tokens of a JSON pointer (`~1` is `/`, `~0` is `~`).
fn pointer_tokens(p: &str) -> Vec<String> {
    p.split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Follows `segs` through the rendered object and the strategic-merge patch together: a
/// list element of the patch stands for the rendered one with the same `name` (the merge
/// key of containers, ports, volumes, env…), or the same scalar. `None` where the patch
/// does not reach the field.
fn strategic(obj: &Value, patch: &Value, segs: &[Seg]) -> Option<Vec<Seg>> {
    let mut out = Vec::with_capacity(segs.len());
    let (mut cur, mut p) = (obj, patch);
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                let next = p.as_object()?.get(k)?;
                cur = cur.as_object()?.get(k)?;
                p = next;
                out.push(seg.clone());
            }
            Seg::Index(i) => {
                let elem = cur.as_array()?.get(*i)?;
                let items = p.as_array()?;
                let j = match elem.get("name") {
                    Some(name) => items.iter().position(|e| e.get("name") == Some(name))?,
                    None if !elem.is_object() && !elem.is_array() => {
                        items.iter().position(|e| e == elem)?
                    }
                    None => return None,
                };
                cur = elem;
                p = &items[j];
                out.push(Seg::Index(j));
            }
        }
    }
    // A directive (`$patch: delete`) writes nothing a finding could be about.
    (!p.as_object().is_some_and(|m| m.contains_key("$patch"))).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn res(obj: Value, patches: Vec<PatchedBy>) -> Resource {
        let mut r = Resource::new(obj, "base/deploy.yaml");
        r.line = 1;
        r.patched_by = patches.into_iter().map(Arc::new).collect();
        r
    }

    fn sm(file: &str, v: Value) -> PatchedBy {
        PatchedBy {
            file: file.into(),
            line: 3,
            entry: None,
            body: PatchBody::Strategic(v),
        }
    }

    #[test]
    fn the_last_patch_that_wrote_a_field_owns_it() {
        let obj = serde_json::json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [
            {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:2"}]}}}});
        let p1 = sm("p1.yaml", serde_json::json!({"spec": {"replicas": 2}}));
        let p2 = sm(
            "p2.yaml",
            serde_json::json!({"spec": {"template": {"spec": {"containers": [
                {"name": "b", "image": "b:2"}]}}}}),
        );
        let json = PatchedBy {
            file: "k/kustomization.yaml".into(),
            line: 0,
            entry: Some("patches[2].patch".into()),
            body: PatchBody::Json(vec![(0, "/spec/replicas".into())]),
        };
        let r = res(obj, vec![p1.clone(), p2.clone()]);
        assert_eq!(
            patch_origin(&r, "spec.replicas"),
            Some(("p1.yaml".into(), 3, "spec.replicas".into()))
        );
        // Container b is the patch's first element.
        assert_eq!(
            patch_origin(&r, "spec.template.spec.containers[1].image"),
            Some((
                "p2.yaml".into(),
                3,
                "spec.template.spec.containers[0].image".into()
            ))
        );
        // Container a's image came from the base.
        assert_eq!(
            patch_origin(&r, "spec.template.spec.containers[0].image"),
            None
        );
        let r = res(r.obj.clone(), vec![p1, p2, json]);
        assert_eq!(
            patch_origin(&r, "spec.replicas"),
            Some(("k/kustomization.yaml".into(), 1, "patches[2].patch".into()))
        );
    }

    #[test]
    fn base_fields_are_named_so_a_reordered_list_still_finds_them() {
        let obj = serde_json::json!({"spec": {"containers": [{"name": "b"}, {"name": "a", "ports": [{"containerPort": "http"}]}]}});
        let p = sm(
            "p.yaml",
            serde_json::json!({"spec": {"containers": [{"name": "b"}]}}),
        );
        let r = res(obj, vec![p]);
        let named = base_path(&r, "spec.containers[1].ports[0].containerPort").unwrap();
        assert_eq!(named, "spec.containers[name=a].ports[0].containerPort");
        let base = serde_json::json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": "http"}]}, {"name": "b"}]}});
        assert_eq!(
            resolve(&base, &named),
            "spec.containers[0].ports[0].containerPort"
        );
        // What the base never had resolves as far as it goes.
        assert_eq!(
            resolve(&base, "spec.containers[name=c].image"),
            "spec.containers"
        );
    }

    #[test]
    fn dotted_keys_and_json_pointer_escapes() {
        let obj =
            serde_json::json!({"metadata": {"annotations": {"argocd.argoproj.io/sync-wave": "x"}}});
        let by = PatchedBy {
            file: "ops.yaml".into(),
            line: 1,
            entry: None,
            body: PatchBody::Json(vec![
                (0, "/spec".into()),
                (
                    1,
                    "/metadata/annotations/argocd.argoproj.io~1sync-wave".into(),
                ),
            ]),
        };
        let r = res(obj, vec![by]);
        assert_eq!(
            patch_origin(&r, "metadata.annotations.argocd.argoproj.io/sync-wave"),
            Some(("ops.yaml".into(), 1, "[1].value".into()))
        );
        assert_eq!(patch_origin(&r, "metadata.name"), None);
    }
}
