//! YAML stage: the reader (yaml.v3 typing) and the writer (kustomize's exact bytes).
//! Must not know about Kubernetes objects or kustomizations.

pub mod emit;
mod libyaml;
pub mod parse;
pub mod resolve;

/// A YAML document held as JSON-shaped data: kustomize itself round-trips every
/// resource through JSON before printing, so nothing richer survives to the output.
pub type Value = serde_json::Value;
pub type Map = serde_json::Map<String, Value>;

pub use emit::{to_yaml, to_yaml_stream};
pub use parse::{
    Document, YamlError, parse_documents, parse_one, parse_one_lenient, parse_one_lenient_yaml11,
    parse_one_with_lines,
};

/// Null or an empty mapping: what kustomize reads as no object (an empty document, a
/// deleted list element).
pub fn is_null_or_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// The string at a path of mapping keys, or "" when missing or not a string.
pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(n) => cur = n,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}
