//! Load stage for diff: reads objects from manifests, `kubectl get -o yaml|json` output
//! (a `List`, expanded), multi-document YAML, or a folder of them (`*.yaml`, `*.yml`,
//! `*.json`, walked in name order). Used for `--live PATH` (an offline snapshot of a
//! cluster) and `-f FILE`. Must not talk to a cluster.

use crate::diag::Diagnostic;
use crate::yaml::{self, Value};
use std::path::{Path, PathBuf};

// Errors are boxed: a Diagnostic is large and errors are rare.

/// Objects read from text, `List`s expanded. `file` names the source in errors.
pub fn objects_from_text(text: &str, file: &Path) -> Result<Vec<Value>, Box<Diagnostic>> {
    // `kubectl get -o json` output: JSON is YAML, but the JSON reader is many times faster
    // on a large snapshot. Anything it refuses goes through the YAML reader (and its errors).
    if text.trim_start().starts_with('{')
        && let Ok(v) = serde_json::from_str::<Value>(text)
    {
        let mut out = Vec::new();
        push_object(v, file, 1, &mut out)?;
        return Ok(out);
    }
    let docs = yaml::parse::parse_documents(text).map_err(|e| {
        Box::new(
            Diagnostic::error(e.message)
                .in_file(file.display().to_string())
                .at_line(Some(e.line)),
        )
    })?;
    let mut out = Vec::new();
    for doc in docs {
        push_object(doc.value, file, doc.line, &mut out)?;
    }
    Ok(out)
}

fn push_object(
    v: Value,
    file: &Path,
    line: usize,
    out: &mut Vec<Value>,
) -> Result<(), Box<Diagnostic>> {
    match v {
        Value::Null => Ok(()),
        Value::Object(m) => {
            let kind = m.get("kind").and_then(Value::as_str).unwrap_or("");
            if kind.ends_with("List") && m.get("items").is_some_and(Value::is_array) {
                let Some(Value::Array(items)) = m.get("items").cloned() else {
                    unreachable!("checked above")
                };
                for it in items {
                    push_object(it, file, line, out)?;
                }
                return Ok(());
            }
            let name = m
                .get("metadata")
                .and_then(|md| md.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            if kind.is_empty() || name.is_empty() || !m.contains_key("apiVersion") {
                return Err(Box::new(
                    Diagnostic::error("an object needs apiVersion, kind and metadata.name")
                        .in_file(file.display().to_string())
                        .at_line(Some(line)),
                ));
            }
            out.push(Value::Object(m));
            Ok(())
        }
        _ => Err(Box::new(
            Diagnostic::error("expected an object (a mapping) or a List")
                .in_file(file.display().to_string())
                .at_line(Some(line)),
        )),
    }
}

/// Whether a file name is a manifest's (`*.yaml`, `*.yml`, `*.json`).
pub fn is_manifest(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Objects from a file or from every manifest in a folder (recursively, in name order).
pub fn objects_from_path(path: &Path) -> Result<Vec<Value>, Box<Diagnostic>> {
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut f: Vec<PathBuf> = walkdir::WalkDir::new(path)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .filter(|p| is_manifest(p))
            .collect();
        f.sort();
        f
    } else {
        vec![path.to_path_buf()]
    };
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| {
            Box::new(
                Diagnostic::error(crate::kustomize::load::io_message(&e))
                    .in_file(f.display().to_string()),
            )
        })?;
        out.extend(objects_from_text(&text, &f)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_documents_are_read() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n---\n{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"b\"}}\n";
        let objs = objects_from_text(text, Path::new("snap.yaml")).unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[1]["metadata"]["name"], "b");
        let e = objects_from_text("a: [\n", Path::new("bad.yaml")).unwrap_err();
        assert_eq!(e.file.as_deref(), Some("bad.yaml"));
        let e = objects_from_text("---\nkind: X\n", Path::new("x.yaml")).unwrap_err();
        assert!(e.message.contains("metadata.name"), "{e:?}");
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn json_snapshots_read_as_yaml_would() {
        let json = r#"{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"n": "1"}}]}"#;
        let fast = objects_from_text(json, Path::new("s.json")).unwrap();
        let docs = crate::yaml::parse::parse_documents(json).unwrap();
        let mut slow = Vec::new();
        push_object(docs[0].value.clone(), Path::new("s.json"), 1, &mut slow).unwrap();
        assert_eq!(fast, slow);
        // YAML flow mappings that are not JSON still read, through the YAML reader.
        let flow = "{apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n";
        assert_eq!(
            objects_from_text(flow, Path::new("f.yaml")).unwrap()[0]["metadata"]["name"],
            "b"
        );
    }
}
