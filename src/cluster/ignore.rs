//! Diff stage, pure: Argo CD's `ignoreDifferences` rules. A rule picks objects (group,
//! kind, name, namespace; `*` globs) and fields (`jsonPointers`, `jqPathExpressions`, and
//! the fields `managedFieldsManagers` own); those fields are removed from both sides before
//! comparing, as Argo CD's normaliser does. Must not read files (the caller hands over the
//! parsed rules).
//!
//! jq: Argo CD runs `del(EXPR)` with gojq. The path subset read here is what these rules
//! are written with: `.a.b`, `."a.b"`, `.["a"]`, `.a[]`, `.a[2]`, and `| select(.k == V)`
//! (or `!=`, on a path below the item, V a string, number, boolean or null). Anything else
//! is refused with the expression in the message, never half-applied.

use super::normalize::ObjectKey;
use crate::yaml::Value;

/// One `ignoreDifferences` entry.
#[derive(Debug, Clone, Default)]
pub struct Rule {
    pub group: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub json_pointers: Vec<String>,
    pub jq: Vec<JqPath>,
    pub managers: Vec<String>,
}

/// A parsed jq path expression.
#[derive(Debug, Clone, PartialEq)]
pub struct JqPath {
    pub text: String,
    steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    Each,
    Select {
        path: Vec<String>,
        equal: bool,
        value: Value,
    },
}

fn glob(pattern: &str, text: &str) -> bool {
    if pattern.is_empty() || pattern == "*" {
        return true;
    }
    match pattern.split_once('*') {
        None => pattern == text,
        Some((pre, rest)) => {
            text.starts_with(pre)
                && (0..=text.len() - pre.len()).any(|i| {
                    text.is_char_boundary(pre.len() + i) && glob(rest, &text[pre.len() + i..])
                })
        }
    }
}

impl Rule {
    /// Reads rules from a list in Argo CD's shape (an Application's
    /// `spec.ignoreDifferences`, or a file holding such a list).
    pub fn list_from(v: &Value) -> Result<Vec<Rule>, String> {
        let Value::Array(items) = v else {
            return Err("ignoreDifferences must be a list".into());
        };
        items
            .iter()
            .enumerate()
            .map(|(i, it)| Rule::from_value(it).map_err(|e| format!("ignoreDifferences[{i}]: {e}")))
            .collect()
    }

    fn from_value(v: &Value) -> Result<Rule, String> {
        let Value::Object(m) = v else {
            return Err("each rule is a mapping".into());
        };
        let s = |k: &str| -> Result<String, String> {
            match m.get(k) {
                None | Some(Value::Null) => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(format!("{k} must be a string")),
            }
        };
        let list = |k: &str| -> Result<Vec<String>, String> {
            match m.get(k) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_string)
                            .ok_or(format!("{k} holds strings"))
                    })
                    .collect(),
                Some(_) => Err(format!("{k} must be a list")),
            }
        };
        for k in m.keys() {
            if !matches!(
                k.as_str(),
                "group"
                    | "kind"
                    | "name"
                    | "namespace"
                    | "jsonPointers"
                    | "jqPathExpressions"
                    | "managedFieldsManagers"
            ) {
                return Err(format!("unknown field {k:?}"));
            }
        }
        let kind = s("kind")?;
        if kind.is_empty() {
            return Err("kind is required".into());
        }
        Ok(Rule {
            group: s("group")?,
            kind,
            name: s("name")?,
            namespace: s("namespace")?,
            json_pointers: list("jsonPointers")?,
            jq: list("jqPathExpressions")?
                .iter()
                .map(|e| JqPath::parse(e))
                .collect::<Result<_, _>>()?,
            managers: list("managedFieldsManagers")?,
        })
    }

    pub fn matches(&self, key: &ObjectKey) -> bool {
        glob(&self.group, &key.group)
            && glob(&self.kind, &key.kind)
            && (self.name.is_empty() || self.name == key.name)
            && (self.namespace.is_empty() || self.namespace == key.namespace)
    }

    /// Removes the rule's fields from an object. `live` (for managed fields) is the live
    /// object before normalisation.
    pub fn strip(&self, obj: &mut Value, live: Option<&Value>) {
        for p in &self.json_pointers {
            remove_pointer(obj, p);
        }
        for j in &self.jq {
            j.delete(obj);
        }
        if !self.managers.is_empty()
            && let Some(live) = live
        {
            for owned in owned_fields(live, &self.managers) {
                remove_owned(obj, &owned);
            }
        }
    }
}

/// RFC 6901: `/spec/replicas`, `~1` for `/`, `~0` for `~`.
fn remove_pointer(obj: &mut Value, pointer: &str) {
    let Some(rest) = pointer.strip_prefix('/') else {
        return;
    };
    let parts: Vec<String> = rest
        .split('/')
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect();
    let (last, parents) = parts.split_last().expect("split gives one part at least");
    let mut cur = obj;
    for p in parents {
        cur = match cur {
            Value::Object(m) => match m.get_mut(p) {
                Some(v) => v,
                None => return,
            },
            Value::Array(a) => match p.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
    }
    match cur {
        Value::Object(m) => {
            m.remove(last);
        }
        Value::Array(a) => {
            if let Ok(i) = last.parse::<usize>()
                && i < a.len()
            {
                a.remove(i);
            }
        }
        _ => {}
    }
}

impl JqPath {
    pub fn parse(text: &str) -> Result<JqPath, String> {
        let refuse = |why: &str| {
            format!(
                "jqPathExpressions {text:?}: {why} (supported: .a.b, .\"a.b\", .[\"a\"], .a[], .a[N], | select(.k == V))"
            )
        };
        let mut steps = Vec::new();
        for (n, segment) in text.split('|').enumerate() {
            let seg = segment.trim();
            if let Some(inner) = seg
                .strip_prefix("select(")
                .and_then(|s| s.strip_suffix(')'))
            {
                if n == 0 {
                    return Err(refuse("select must follow a path"));
                }
                let (lhs, rhs, equal) = if let Some((l, r)) = inner.split_once("==") {
                    (l, r, true)
                } else if let Some((l, r)) = inner.split_once("!=") {
                    (l, r, false)
                } else {
                    return Err(refuse("select needs == or !="));
                };
                let path = match parse_path(lhs.trim()).map_err(|e| refuse(&e))?.as_slice() {
                    p if p.iter().all(|s| matches!(s, Step::Key(_))) => p
                        .iter()
                        .map(|s| match s {
                            Step::Key(k) => k.clone(),
                            _ => unreachable!(),
                        })
                        .collect(),
                    _ => return Err(refuse("select compares a field path")),
                };
                let value: Value = serde_json::from_str(rhs.trim())
                    .map_err(|_| refuse("select compares with a JSON literal"))?;
                if value.is_object() || value.is_array() {
                    return Err(refuse("select compares with a scalar"));
                }
                steps.push(Step::Select { path, equal, value });
            } else {
                steps.extend(parse_path(seg).map_err(|e| refuse(&e))?);
            }
        }
        if steps.is_empty() {
            return Err(refuse("empty path"));
        }
        Ok(JqPath {
            text: text.to_string(),
            steps,
        })
    }

    /// `del(EXPR)`.
    pub fn delete(&self, obj: &mut Value) {
        delete_at(obj, &self.steps);
    }
}

fn parse_path(s: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() != Some(&b'.') {
        return Err("a path starts with .".into());
    }
    while i < b.len() {
        match b[i] {
            b'.' => {
                i += 1;
                if i < b.len() && b[i] == b'"' {
                    let end = s[i + 1..].find('"').ok_or("unclosed quote")? + i + 1;
                    steps.push(Step::Key(s[i + 1..end].to_string()));
                    i = end + 1;
                } else if i < b.len() && b[i] == b'[' {
                    continue;
                } else {
                    let start = i;
                    while i < b.len()
                        && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-')
                    {
                        i += 1;
                    }
                    if start == i {
                        if i == b.len() && steps.is_empty() {
                            return Err("the whole object cannot be ignored".into());
                        }
                        return Err(format!("unexpected {:?}", &s[start..]));
                    }
                    steps.push(Step::Key(s[start..i].to_string()));
                }
            }
            b'[' => {
                let end = s[i..].find(']').ok_or("unclosed [")? + i;
                let inner = s[i + 1..end].trim();
                if inner.is_empty() {
                    steps.push(Step::Each);
                } else if let Some(q) = inner.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
                    steps.push(Step::Key(q.to_string()));
                } else {
                    steps.push(Step::Index(
                        inner.parse().map_err(|_| format!("bad index [{inner}]"))?,
                    ));
                }
                i = end + 1;
            }
            c => return Err(format!("unexpected {:?}", c as char)),
        }
    }
    Ok(steps)
}

fn selected(v: &Value, path: &[String], equal: bool, value: &Value) -> bool {
    let mut cur = Some(v);
    for p in path {
        cur = cur.and_then(|c| c.get(p));
    }
    let is = cur.unwrap_or(&Value::Null) == value;
    is == equal
}

/// Deletes what `steps` select below `obj`.
fn delete_at(obj: &mut Value, steps: &[Step]) {
    let Some((first, rest)) = steps.split_first() else {
        return;
    };
    // A select applies to the value reached so far: keep going only if it matches.
    if let Step::Select { path, equal, value } = first {
        if selected(obj, path, *equal, value) && !rest.is_empty() {
            delete_at(obj, rest);
        }
        return;
    }
    let last = rest.is_empty() || rest.iter().all(|s| matches!(s, Step::Select { .. }));
    match (first, obj) {
        (Step::Key(k), Value::Object(m)) => {
            if last {
                if m.get(k).is_some_and(|v| passes(v, rest)) {
                    m.remove(k);
                }
            } else if let Some(v) = m.get_mut(k) {
                delete_at(v, rest);
            }
        }
        (Step::Index(i), Value::Array(a)) => {
            if last {
                if *i < a.len() && passes(&a[*i], rest) {
                    a.remove(*i);
                }
            } else if let Some(v) = a.get_mut(*i) {
                delete_at(v, rest);
            }
        }
        (Step::Each, Value::Array(a)) => {
            if last {
                a.retain(|v| !passes(v, rest));
            } else {
                for v in a.iter_mut() {
                    delete_at(v, rest);
                }
            }
        }
        (Step::Each, Value::Object(m)) => {
            if last {
                m.retain(|_, v| !passes(v, rest));
            } else {
                for (_, v) in m.iter_mut() {
                    delete_at(v, rest);
                }
            }
        }
        _ => {}
    }
}

/// Whether a value passes the trailing selects of a path.
fn passes(v: &Value, selects: &[Step]) -> bool {
    selects.iter().all(|s| match s {
        Step::Select { path, equal, value } => selected(v, path, *equal, value),
        _ => true,
    })
}

/// One step of a managed-fields path (fieldsV1): a map key, a list item by its keys, a
/// list value.
#[derive(Debug, Clone, PartialEq)]
enum Owned {
    Key(String),
    Item(crate::yaml::Map),
    Value(Value),
}

/// The leaf paths the named managers own in the live object's `managedFields`.
fn owned_fields(live: &Value, managers: &[String]) -> Vec<Vec<Owned>> {
    let mut out = Vec::new();
    let Some(Value::Array(entries)) = live.get("metadata").and_then(|m| m.get("managedFields"))
    else {
        return out;
    };
    for e in entries {
        let manager = e.get("manager").and_then(Value::as_str).unwrap_or("");
        if !managers.iter().any(|m| m == manager) {
            continue;
        }
        if let Some(f) = e.get("fieldsV1") {
            walk_owned(f, &mut Vec::new(), &mut out);
        }
    }
    out
}

fn walk_owned(fields: &Value, at: &mut Vec<Owned>, out: &mut Vec<Vec<Owned>>) {
    let Value::Object(m) = fields else {
        return;
    };
    let leaf = m.is_empty();
    for (k, v) in m {
        let step = if let Some(key) = k.strip_prefix("f:") {
            Owned::Key(key.to_string())
        } else if let Some(keys) = k.strip_prefix("k:") {
            match serde_json::from_str::<Value>(keys) {
                Ok(Value::Object(km)) => Owned::Item(km),
                _ => continue,
            }
        } else if let Some(val) = k.strip_prefix("v:") {
            match serde_json::from_str(val) {
                Ok(v) => Owned::Value(v),
                _ => continue,
            }
        } else {
            // "." (the item's existence) and "i:N" (a position, which changes): neither
            // owns the item's fields, which are listed on their own.
            continue;
        };
        at.push(step);
        walk_owned(v, at, out);
        at.pop();
    }
    if leaf && !at.is_empty() {
        out.push(at.clone());
    }
}

fn remove_owned(obj: &mut Value, path: &[Owned]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    match (first, obj) {
        (Owned::Key(k), Value::Object(m)) => {
            if rest.is_empty() {
                m.remove(k);
            } else if let Some(v) = m.get_mut(k) {
                remove_owned(v, rest);
            }
        }
        (Owned::Item(keys), Value::Array(a)) => {
            let hit = |v: &Value| keys.iter().all(|(k, kv)| v.get(k) == Some(kv));
            if rest.is_empty() {
                a.retain(|v| !hit(v));
            } else if let Some(v) = a.iter_mut().find(|v| hit(v)) {
                remove_owned(v, rest);
            }
        }
        (Owned::Value(val), Value::Array(a)) if rest.is_empty() => a.retain(|v| v != val),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(v: Value) -> Vec<Rule> {
        Rule::list_from(&v).unwrap()
    }

    #[test]
    fn json_pointers_and_globs() {
        let r = rules(
            json!([{"group": "apps", "kind": "*", "jsonPointers": ["/spec/replicas", "/metadata/annotations/a~1b"]}]),
        );
        let key = ObjectKey {
            group: "apps".into(),
            kind: "Deployment".into(),
            namespace: "n".into(),
            name: "w".into(),
        };
        assert!(r[0].matches(&key));
        assert!(!r[0].matches(&ObjectKey {
            group: "".into(),
            ..key.clone()
        }));
        let mut o = json!({"metadata": {"annotations": {"a/b": "1", "c": "2"}}, "spec": {"replicas": 3, "x": 1}});
        r[0].strip(&mut o, None);
        assert_eq!(
            o,
            json!({"metadata": {"annotations": {"c": "2"}}, "spec": {"x": 1}})
        );
    }

    #[test]
    fn jq_paths_delete_as_del_does() {
        let j =
            JqPath::parse(r#".spec.template.spec.containers[] | select(.name == "istio-proxy")"#)
                .unwrap();
        let mut o = json!({"spec": {"template": {"spec": {"containers": [{"name": "app"}, {"name": "istio-proxy"}]}}}});
        j.delete(&mut o);
        assert_eq!(
            o,
            json!({"spec": {"template": {"spec": {"containers": [{"name": "app"}]}}}})
        );
        let j =
            JqPath::parse(r#".spec.template.spec.containers[] | select(.name == "app") | .image"#)
                .unwrap();
        let mut o = json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "a"}, {"name": "b", "image": "b"}]}}}});
        j.delete(&mut o);
        assert_eq!(
            o,
            json!({"spec": {"template": {"spec": {"containers": [{"name": "app"}, {"name": "b", "image": "b"}]}}}})
        );
        let j = JqPath::parse(r#".metadata.annotations."argocd.argoproj.io/x""#).unwrap();
        let mut o = json!({"metadata": {"annotations": {"argocd.argoproj.io/x": "1"}}});
        j.delete(&mut o);
        assert_eq!(o, json!({"metadata": {"annotations": {}}}));
        for bad in [".a | length", "map(.x)", ".", ".a[foo]"] {
            let e = JqPath::parse(bad).unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
    }

    #[test]
    fn managed_fields_managers_own_fields() {
        let live = json!({"metadata": {"managedFields": [
            {"manager": "kube-controller-manager", "operation": "Update", "fieldsV1":
                {"f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers":
                    {"k:{\"name\":\"app\"}": {".": {}, "f:image": {}}}}}}}},
            {"manager": "argocd-controller", "fieldsV1": {"f:spec": {"f:paused": {}}}}]}});
        let r = rules(
            json!([{"kind": "Deployment", "managedFieldsManagers": ["kube-controller-manager"]}]),
        );
        let mut d = json!({"spec": {"replicas": 3, "paused": false, "template": {"spec": {"containers": [{"name": "app", "image": "x"}, {"name": "b", "image": "y"}]}}}});
        r[0].strip(&mut d, Some(&live));
        assert_eq!(
            d,
            json!({"spec": {"paused": false, "template": {"spec": {"containers": [{"name": "app"}, {"name": "b", "image": "y"}]}}}})
        );
    }

    #[test]
    fn bad_rules_are_refused() {
        assert!(
            Rule::list_from(&json!([{"group": "apps"}]))
                .unwrap_err()
                .contains("kind is required")
        );
        assert!(
            Rule::list_from(&json!([{"kind": "X", "jsonPointer": []}]))
                .unwrap_err()
                .contains("unknown field")
        );
        assert!(Rule::list_from(&json!({"kind": "X"})).is_err());
    }
}
