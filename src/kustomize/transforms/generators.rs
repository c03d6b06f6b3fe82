//! Transform stage: `configMapGenerator`, `secretGenerator`, `generatorOptions`, and the
//! content-hash name suffix exactly as kustomize computes it. Reading the generator's
//! source files is done by the caller through the loader; this module never touches disk.

use crate::kustomize::error::{Error, Result};
use crate::kustomize::resmap::resource::{Behavior, Resource};
use crate::kustomize::types::{GeneratorArgs, GeneratorOptions};
use crate::yaml::{Map, Value};
use base64::Engine;
use sha2::{Digest, Sha256};

/// Key/value sources resolved to text by the caller, in kustomize's order
/// (env files, then literals, then files).
pub struct Sources {
    pub pairs: Vec<(String, Vec<u8>)>,
}

/// Parses an env file into pairs, as kustomize does.
pub fn env_pairs(content: &[u8], file: &str) -> Result<Vec<(String, Vec<u8>)>> {
    let text = std::str::from_utf8(content)
        .map_err(|_| Error::msg(format!("{file}: has invalid utf8 bytes")))?;
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = if i == 0 {
            line.trim_start_matches('\u{FEFF}')
        } else {
            line
        };
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // kustomize v5 takes any key here (it no longer validates them) and drops an empty one.
        let (k, v) = line.split_once('=').unwrap_or((line, ""));
        if k.is_empty() {
            continue;
        }
        out.push((k.to_string(), v.as_bytes().to_vec()));
    }
    Ok(out)
}

/// `key=value` with surrounding quotes on the value removed.
pub fn literal_pair(s: &str) -> Result<(String, Vec<u8>)> {
    let Some((k, v)) = s.split_once('=').filter(|(k, _)| !k.is_empty()) else {
        // The literal itself is not shown: its value may be a secret.
        return Err(Error::msg(
            "invalid literal source (it is not key=value, or the key is empty)",
        ));
    };
    let b = v.as_bytes();
    let v = if b.len() >= 2 && b[0] == b[b.len() - 1] && (b[0] == b'"' || b[0] == b'\'') {
        &v[1..v.len() - 1]
    } else {
        v
    };
    Ok((k.to_string(), v.as_bytes().to_vec()))
}

/// `[key=]path`: the key defaults to the file's base name.
pub fn file_source(s: &str) -> Result<(String, String)> {
    match s.matches('=').count() {
        0 => Ok((s.rsplit('/').next().unwrap_or(s).to_string(), s.to_string())),
        1 if s.starts_with('=') => Err(Error::msg(format!(
            "missing key name for file path in source {s:?}"
        ))),
        1 if s.ends_with('=') => Err(Error::msg(format!(
            "missing file path for key name in source {s:?}"
        ))),
        1 => {
            let (k, p) = s.split_once('=').expect("one separator");
            Ok((k.to_string(), p.to_string()))
        }
        _ => Err(Error::msg(format!(
            "source {s:?} key name or file path contains '='"
        ))),
    }
}

/// Global options are defaults that the generator's own options override.
pub fn merged_options(
    local: &Option<GeneratorOptions>,
    global: &Option<GeneratorOptions>,
) -> GeneratorOptions {
    let mut o = local.clone().unwrap_or_default();
    if let Some(g) = global {
        for (k, v) in &g.labels {
            if !o.labels.iter().any(|(lk, _)| lk == k) {
                o.labels.push((k.clone(), v.clone()));
            }
        }
        for (k, v) in &g.annotations {
            if !o.annotations.iter().any(|(lk, _)| lk == k) {
                o.annotations.push((k.clone(), v.clone()));
            }
        }
        o.disable_name_suffix_hash |= g.disable_name_suffix_hash;
        o.immutable |= g.immutable;
    }
    o
}

pub fn generate(
    args: &GeneratorArgs,
    src: Sources,
    opts: &GeneratorOptions,
    secret: bool,
    origin: &str,
) -> Result<Resource> {
    if args.name.is_empty() {
        return Err(Error::msg(format!(
            "{origin}: a configmap must have a name"
        )));
    }
    let kind = if secret { "Secret" } else { "ConfigMap" };
    let mut md = Map::new();
    md.insert("name".into(), Value::String(args.name.clone()));
    if !args.namespace.is_empty() {
        md.insert("namespace".into(), Value::String(args.namespace.clone()));
    }
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), Value::String("v1".into()));
    obj.insert("kind".into(), Value::String(kind.into()));
    obj.insert("metadata".into(), Value::Object(md));
    if secret {
        let t = if args.secret_type.is_empty() {
            "Opaque"
        } else {
            &args.secret_type
        };
        obj.insert("type".into(), Value::String(t.into()));
    }
    let mut seen = std::collections::HashSet::new();
    let mut data = Map::new();
    let mut binary = Map::new();
    let mut sorted = src.pairs;
    for (k, _) in &sorted {
        if !seen.insert(k.clone()) {
            return Err(Error::msg(format!(
                "{origin}: {} {} illegally repeats the key `{k}`",
                kind.to_lowercase(),
                args.name
            )));
        }
    }
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (k, v) in sorted {
        if secret {
            data.insert(k, Value::String(encode_base64_lines(&v)));
        } else {
            match String::from_utf8(v) {
                Ok(s) => {
                    data.insert(k, Value::String(s));
                }
                Err(e) => {
                    binary.insert(k, Value::String(encode_base64_lines(e.as_bytes())));
                }
            }
        }
    }
    if secret || !data.is_empty() {
        obj.insert("data".into(), Value::Object(data));
    }
    if !binary.is_empty() {
        obj.insert("binaryData".into(), Value::Object(binary));
    }
    let mut r = Resource::new(Value::Object(obj), origin.to_string());
    let mut labels: Vec<(String, String)> = opts.labels.clone();
    labels.sort();
    let mut annos: Vec<(String, String)> = opts.annotations.clone();
    annos.sort();
    if !labels.is_empty() {
        r.set_string_map("labels", labels);
    }
    if !annos.is_empty() {
        r.set_string_map("annotations", annos);
    }
    if opts.immutable {
        r.obj
            .as_object_mut()
            .expect("mapping")
            .insert("immutable".into(), Value::Bool(true));
    }
    r.needs_hash = !opts.disable_name_suffix_hash;
    r.behavior = match args.behavior.as_str() {
        "" | "create" => Behavior::Create,
        "merge" => Behavior::Merge,
        "replace" => Behavior::Replace,
        // kustomize treats any other value as create.
        _ => Behavior::Create,
    };
    Ok(r)
}

/// Base64 as kustomize writes generated data: lines of 70 characters, each ending in a
/// line break once the text is 70 characters or longer.
pub fn encode_base64_lines(data: &[u8]) -> String {
    let enc = base64::engine::general_purpose::STANDARD.encode(data);
    if enc.len() < 70 {
        return enc;
    }
    let mut out = String::with_capacity(enc.len() + enc.len() / 70 + 1);
    for chunk in enc.as_bytes().chunks(70) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out
}

/// Adds a generated object to the map, honouring its behavior against an existing one.
/// kustomize's origin annotation (buildMetadata: originAnnotations).
pub const ORIGIN: &str = "config.kubernetes.io/origin";

pub fn absorb(resources: &mut Vec<Resource>, mut res: Resource) -> Result<()> {
    let id = res.cur_id();
    let matches: Vec<usize> = (0..resources.len())
        .filter(|&i| resources[i].all_ids().iter().any(|x| x.equals(&id)))
        .collect();
    match (matches.as_slice(), res.behavior) {
        ([], Behavior::Create) => {
            resources.push(res);
            Ok(())
        }
        ([], _) => Err(Error::Resource {
            id: id.to_string(),
            msg: "does not exist; cannot merge or replace".into(),
        }),
        ([i], Behavior::Merge | Behavior::Replace) => {
            let old = &resources[*i];
            let mut labels = old.string_map("labels");
            for (k, v) in res.string_map("labels") {
                upsert(&mut labels, k, v);
            }
            let mut annos = old.string_map("annotations");
            for (k, v) in res.string_map("annotations") {
                // A merge keeps where the object was first configured; a replace takes
                // the new origin.
                if k == ORIGIN
                    && res.behavior == Behavior::Merge
                    && annos.iter().any(|(x, _)| x == ORIGIN)
                {
                    continue;
                }
                upsert(&mut annos, k, v);
            }
            res.set_string_map("labels", labels);
            res.set_string_map("annotations", annos);
            res.set_name(old.name());
            res.set_namespace(old.namespace());
            res.prev = old.prev.clone();
            res.prefixes = old.prefixes.clone();
            res.suffixes = old.suffixes.clone();
            // Build bookkeeping comes from the old object; the hash only survives if both ask.
            res.needs_hash = res.needs_hash && old.needs_hash;
            if res.behavior == Behavior::Merge {
                for field in ["data", "binaryData"] {
                    let mut merged = old
                        .obj
                        .get(field)
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    if let Some(new) = res.obj.get(field).and_then(Value::as_object) {
                        for (k, v) in new {
                            merged.insert(k.clone(), v.clone());
                        }
                    }
                    let obj = res.obj.as_object_mut().expect("mapping");
                    if merged.is_empty() {
                        obj.remove(field);
                    } else {
                        obj.insert(field.into(), Value::Object(merged));
                    }
                }
            }
            resources[*i] = res;
            Ok(())
        }
        ([_], Behavior::Create) => Err(Error::Resource {
            id: id.to_string(),
            msg: "already exists; behavior must be merge or replace".into(),
        }),
        _ => Err(Error::Resource {
            id: id.to_string(),
            msg: "found multiple objects that could accept the merge".into(),
        }),
    }
}

fn upsert(v: &mut Vec<(String, String)>, k: String, val: String) {
    match v.iter_mut().find(|(x, _)| *x == k) {
        Some(e) => e.1 = val,
        None => v.push((k, val)),
    }
}

/// Go's encoding/json string escaping (HTML-safe, as `json.Marshal` does it).
fn go_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `json.Marshal` of a decoded YAML value: maps with sorted keys.
fn go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => go_json_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_string(k, out);
                out.push(':');
                go_json(&m[k.as_str()], out);
            }
            out.push('}');
        }
    }
}

/// The 10-character content hash kustomize appends to generated names.
pub fn hash(r: &Resource) -> String {
    let mut m = Map::new();
    let get = |f: &str| {
        r.obj
            .get(f)
            .cloned()
            .unwrap_or(Value::String(String::new()))
    };
    m.insert("kind".into(), Value::String(r.kind().into()));
    // kustomize looks the name up as one field called "metadata/name", which never
    // exists, so the name it hashes is always empty.
    m.insert("name".into(), Value::String(String::new()));
    m.insert("data".into(), get("data"));
    if r.kind() == "Secret" {
        m.insert("type".into(), get("type"));
        if let Some(sd) = r.obj.get("stringData").filter(|v| v.is_object()) {
            m.insert("stringData".into(), sd.clone());
        }
    } else if let Some(bd) = r.obj.get("binaryData").filter(|v| v.is_object()) {
        m.insert("binaryData".into(), bd.clone());
    }
    if r.kind() != "Secret" && r.kind() != "ConfigMap" {
        m = r.obj.as_object().cloned().unwrap_or_default();
    }
    let mut text = String::new();
    go_json(&Value::Object(m), &mut text);
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex[..10]
        .chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

/// Appends the content hash to every generated object that asks for one.
pub fn add_hashes(resources: &mut [Resource]) {
    for r in resources.iter_mut().filter(|r| r.needs_hash) {
        let h = hash(r);
        r.store_previous_id();
        let name = format!("{}-{h}", r.name());
        r.set_name(&name);
    }
}
