//! Lint stage, pure: checks one object against one schema as the API server would: types,
//! enums, required fields, bounds and patterns, and fields the schema does not declare
//! (which a structural schema prunes). Two schema dialects: a CRD's structural OpenAPI
//! (x-kubernetes-* extensions) and kubeconform's JSON Schemas ($ref into a definitions
//! file). Hand-written rather than the jsonschema crate because the API server's rules
//! are not JSON Schema's: pruning of undeclared fields, int-or-string, embedded
//! resources, preserve-unknown-fields; and because each finding needs the field path in
//! the engine's form to find its source line. CEL rules (x-kubernetes-validations) are
//! not evaluated.

use crate::yaml::Value;

/// One violation: the field path (`spec.template.spec.containers[0].image`), whether the
/// field is one the schema does not declare, and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub path: String,
    pub unknown: bool,
    pub message: String,
}

pub struct Validator<'s> {
    /// Where `$ref`s point (`…#/$defs/name` or `#/definitions/name`), if anywhere.
    pub defs: Option<&'s Value>,
    /// A CRD's structural schema (undeclared fields are pruned) rather than JSON Schema.
    pub structural: bool,
}

const MAX_DEPTH: usize = 200;

impl<'s> Validator<'s> {
    pub fn validate(&self, schema: &'s Value, obj: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        let mut path = String::new();
        self.node(schema, obj, &mut path, &mut out, 0, true);
        out
    }

    fn resolve(&self, mut s: &'s Value, root: &'s Value) -> &'s Value {
        let walk = |base: &'s Value, frag: &str| -> Option<&'s Value> {
            let mut cur = base;
            for part in frag
                .trim_start_matches('/')
                .split('/')
                .filter(|p| !p.is_empty())
            {
                cur = cur.get(part.replace("~1", "/").replace("~0", "~"))?;
            }
            Some(cur)
        };
        for _ in 0..32 {
            let Some(r) = s.get("$ref").and_then(Value::as_str) else {
                return s;
            };
            let Some((file, frag)) = r.split_once('#') else {
                return s;
            };
            // `#/…` is this document's, or, inside the definitions file, that file's.
            let found = if file.is_empty() {
                walk(root, frag).or_else(|| self.defs.and_then(|d| walk(d, frag)))
            } else {
                self.defs.and_then(|d| walk(d, frag))
            };
            match found {
                Some(n) => s = n,
                None => return &Value::Null,
            }
        }
        s
    }

    fn node(
        &self,
        schema: &'s Value,
        v: &Value,
        path: &mut String,
        out: &mut Vec<Violation>,
        depth: usize,
        top: bool,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let s = self.resolve(schema, schema);
        let Value::Object(sm) = s else { return };
        if v.is_null() {
            // null is what `field:` with no value reads as; the API server drops it.
            return;
        }
        let flag = |k: &str| sm.get(k).and_then(Value::as_bool).unwrap_or(false);
        if flag("x-kubernetes-int-or-string") {
            if !(v.is_string() || v.is_i64() || v.is_u64()) {
                self.push(
                    out,
                    path,
                    format!("must be an integer or a string, not {}", type_name(v)),
                );
            }
            return;
        }
        if let Some(t) = sm.get("type")
            && !type_ok(t, v)
        {
            self.push(
                out,
                path,
                format!("must be {}, not {}", type_text(t), type_name(v)),
            );
            return;
        }
        if let Some(Value::Array(e)) = sm.get("enum")
            && !e.iter().any(|x| x == v || (x.is_null() && v.is_null()))
        {
            let list: Vec<String> = e.iter().filter(|x| !x.is_null()).map(short).collect();
            self.push(
                out,
                path,
                format!("must be one of {}, not {}", list.join(", "), short(v)),
            );
        }
        self.bounds(sm, v, path, out);
        for sub in sm
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.node(sub, v, path, out, depth + 1, top);
        }
        for key in ["anyOf", "oneOf"] {
            // oneOf is read as anyOf: the core schemas' IntOrString is
            // oneOf[string|null, integer|null], which null would match twice.
            if let Some(subs) = sm.get(key).and_then(Value::as_array) {
                let fits = subs.iter().any(|sub| {
                    let mut o = Vec::new();
                    self.node(sub, v, &mut path.clone(), &mut o, depth + 1, top);
                    o.iter().all(|x| x.unknown)
                });
                if !fits && !subs.is_empty() {
                    self.push(
                        out,
                        path,
                        format!("matches none of the {} allowed shapes", subs.len()),
                    );
                }
            }
        }
        match v {
            Value::Object(m) => self.object(sm, m, path, out, depth, top),
            Value::Array(items) => {
                if let Some(is) = sm.get("items") {
                    for (i, it) in items.iter().enumerate() {
                        let len = path.len();
                        path.push_str(&format!("[{i}]"));
                        self.node(is, it, path, out, depth + 1, false);
                        path.truncate(len);
                    }
                }
            }
            _ => {}
        }
    }

    fn object(
        &self,
        sm: &'s serde_json::Map<String, Value>,
        m: &serde_json::Map<String, Value>,
        path: &mut String,
        out: &mut Vec<Violation>,
        depth: usize,
        top: bool,
    ) {
        let props = sm.get("properties").and_then(Value::as_object);
        if let Some(Value::Array(req)) = sm.get("required") {
            for r in req.iter().filter_map(Value::as_str) {
                if !m.contains_key(r) {
                    self.push(out, path, format!("required field {r:?} is missing"));
                }
            }
        }
        let preserve = sm
            .get("x-kubernetes-preserve-unknown-fields")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let embedded = top
            || sm
                .get("x-kubernetes-embedded-resource")
                .and_then(Value::as_bool)
                .unwrap_or(false);
        let extra = sm.get("additionalProperties");
        for (k, val) in m {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(k);
            if let Some(ps) = props.and_then(|p| p.get(k)) {
                // The API server owns metadata of custom resources (ObjectMeta's rules),
                // whatever the CRD's schema says of it.
                if !(self.structural && embedded && k == "metadata") {
                    self.node(ps, val, path, out, depth + 1, false);
                }
            } else if embedded
                && self.structural
                && matches!(k.as_str(), "apiVersion" | "kind" | "metadata")
            {
            } else {
                match extra {
                    Some(Value::Bool(false)) => self.unknown(out, path, k),
                    Some(s @ Value::Object(_)) => self.node(s, val, path, out, depth + 1, false),
                    Some(_) => {}
                    None if self.structural
                        && !preserve
                        && (props.is_some()
                            || sm.get("type").and_then(Value::as_str) == Some("object")) =>
                    {
                        self.unknown(out, path, k)
                    }
                    None => {}
                }
            }
            path.truncate(len);
        }
    }

    fn bounds(
        &self,
        sm: &serde_json::Map<String, Value>,
        v: &Value,
        path: &str,
        out: &mut Vec<Violation>,
    ) {
        let num = |k: &str| sm.get(k).and_then(Value::as_f64);
        match v {
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(0.0);
                if let Some(min) = num("minimum")
                    && (x < min
                        || (x == min && sm.get("exclusiveMinimum") == Some(&Value::Bool(true))))
                {
                    self.push(out, path, format!("must be at least {min}, not {n}"));
                }
                if let Some(max) = num("maximum")
                    && (x > max
                        || (x == max && sm.get("exclusiveMaximum") == Some(&Value::Bool(true))))
                {
                    self.push(out, path, format!("must be at most {max}, not {n}"));
                }
            }
            Value::String(s) => {
                let len = s.chars().count() as f64;
                for m in [
                    count(&num, "minLength", len, "characters"),
                    count(&num, "maxLength", len, "characters"),
                ]
                .into_iter()
                .flatten()
                {
                    self.push(out, path, m);
                }
                if let Some(p) = sm.get("pattern").and_then(Value::as_str)
                    && let Some(re) = pattern(p)
                    && !re.is_match(s)
                {
                    self.push(
                        out,
                        path,
                        format!("{} does not match the pattern {p}", short(v)),
                    );
                }
            }
            Value::Array(a) => {
                let n = a.len() as f64;
                for m in [
                    count(&num, "minItems", n, "items"),
                    count(&num, "maxItems", n, "items"),
                ]
                .into_iter()
                .flatten()
                {
                    self.push(out, path, m);
                }
            }
            _ => {}
        }
    }

    fn push(&self, out: &mut Vec<Violation>, path: &str, message: String) {
        out.push(Violation {
            path: path.to_string(),
            unknown: false,
            message,
        });
    }

    fn unknown(&self, out: &mut Vec<Violation>, path: &str, key: &str) {
        out.push(Violation {
            path: path.to_string(),
            unknown: true,
            message: format!("unknown field {key:?}"),
        });
    }
}

/// A `min…` / `max…` bound on a length or an item count, broken: its message.
fn count(num: &dyn Fn(&str) -> Option<f64>, key: &str, n: f64, what: &str) -> Option<String> {
    let m = num(key)?;
    let (bad, word) = if key.starts_with("min") {
        (n < m, "at least")
    } else {
        (n > m, "at most")
    };
    bad.then(|| format!("must have {word} {m} {what}"))
}

/// Compiled patterns, kept per thread: the same few patterns recur on every object.
fn pattern(p: &str) -> Option<regex::Regex> {
    thread_local! {
        static CACHE: std::cell::RefCell<std::collections::HashMap<String, Option<regex::Regex>>> = Default::default();
    }
    CACHE.with(|c| {
        c.borrow_mut()
            .entry(p.to_string())
            // An ECMA pattern the regex crate cannot read (look-around) is not checked.
            .or_insert_with(|| regex::Regex::new(p).ok())
            .clone()
    })
}

fn type_ok(t: &Value, v: &Value) -> bool {
    match t {
        Value::String(s) => one_type_ok(s, v),
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .any(|s| one_type_ok(s, v)),
        _ => true,
    }
}

fn one_type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "number" => v.is_number(),
        "null" => v.is_null(),
        _ => true,
    }
}

fn type_text(t: &Value) -> String {
    match t {
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| *s != "null")
            .collect::<Vec<_>>()
            .join(" or "),
        Value::String(s) => s.clone(),
        _ => "?".into(),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value in a message: short scalars as JSON, anything else by its type.
fn short(v: &Value) -> String {
    match v {
        Value::String(s) if s.chars().count() <= 60 => format!("{s:?}"),
        Value::Bool(_) | Value::Number(_) => v.to_string(),
        _ => type_name(v).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(structural: bool, schema: Value, obj: Value) -> Vec<(String, bool)> {
        Validator {
            defs: None,
            structural,
        }
        .validate(&schema, &obj)
        .into_iter()
        .map(|v| (format!("{}: {}", v.path, v.message), v.unknown))
        .collect()
    }

    #[test]
    fn structural_schemas_as_the_api_server_reads_them() {
        let s = json!({"type": "object", "properties": {
        "spec": {"type": "object", "required": ["replicas"], "properties": {
            "replicas": {"type": "integer", "minimum": 1},
            "port": {"x-kubernetes-int-or-string": true},
            "mode": {"type": "string", "enum": ["a", "b"]},
            "config": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "items": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}
        }}}});
        let ok = check(
            true,
            s.clone(),
            json!({"apiVersion": "x/v1", "kind": "K", "metadata": {"name": "a", "x": 1},
            "spec": {"replicas": 2, "port": "http", "config": {"any": {"thing": 1}}, "items": [{"name": "n"}], "mode": null}}),
        );
        assert!(ok.is_empty(), "{ok:?}");
        let bad = check(
            true,
            s,
            json!({"kind": "K", "spec": {"replicas": 0, "port": true, "mode": "c", "items": [{"nme": "n"}], "extra": 1}}),
        );
        assert_eq!(
            bad,
            vec![
                (
                    "spec.replicas: must be at least 1, not 0".to_string(),
                    false
                ),
                (
                    "spec.port: must be an integer or a string, not boolean".into(),
                    false
                ),
                (
                    "spec.mode: must be one of \"a\", \"b\", not \"c\"".into(),
                    false
                ),
                ("spec.items[0].nme: unknown field \"nme\"".into(), true),
                ("spec.extra: unknown field \"extra\"".into(), true),
            ]
        );
        let missing = check(
            true,
            json!({"type": "object", "properties": {"spec": {"type": "object", "required": ["replicas"]}}}),
            json!({"spec": {}}),
        );
        assert_eq!(
            missing,
            vec![(
                "spec: required field \"replicas\" is missing".to_string(),
                false
            )]
        );
    }

    #[test]
    fn json_schemas_with_refs_and_closed_objects() {
        let defs = json!({"$defs": {"Spec": {"type": ["object", "null"], "additionalProperties": false, "properties": {
            "port": {"$ref": "/api/_definitions.json#/$defs/IntOrString"}, "n": {"type": ["integer", "null"]}}},
            "IntOrString": {"oneOf": [{"type": ["string", "null"]}, {"type": ["integer", "null"]}]}}});
        let s = json!({"type": "object", "properties": {"spec": {"$ref": "/api/_definitions.json#/$defs/Spec"}}});
        let v = Validator {
            defs: Some(&defs),
            structural: false,
        };
        assert!(
            v.validate(&s, &json!({"spec": {"port": 80, "n": 1}}))
                .is_empty()
        );
        assert!(
            v.validate(&s, &json!({"spec": {"port": "http"}}))
                .is_empty()
        );
        let bad: Vec<String> = v
            .validate(&s, &json!({"spec": {"port": [1], "n": "x", "q": 1}}))
            .into_iter()
            .map(|v| format!("{}: {}", v.path, v.message))
            .collect();
        assert_eq!(
            bad,
            vec![
                "spec.port: matches none of the 2 allowed shapes",
                "spec.n: must be integer, not string",
                "spec.q: unknown field \"q\""
            ]
        );
    }
}
