//! Resource map stage: one Kubernetes object plus the bookkeeping kustomize keeps beside it
//! (previous ids, name prefixes and suffixes, generator options). Must not read files.

use crate::kustomize::resmap::resid::{Gvk, ResId};
use crate::yaml::{Map, Value, str_at};
use std::sync::Arc;

/// How a generated object meets an existing one with the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behavior {
    #[default]
    Create,
    Merge,
    Replace,
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub obj: Value,
    /// (kind, name, namespace) as they were before each rename, oldest first.
    pub prev: Vec<(String, String, String)>,
    pub prefixes: Vec<String>,
    pub suffixes: Vec<String>,
    pub needs_hash: bool,
    pub behavior: Behavior,
    pub allow_name_change: bool,
    pub allow_kind_change: bool,
    /// Where the object came from, for error messages.
    pub source: String,
    /// The line its document starts on in `source` (0: generated, no line of its own),
    /// so lint can point a finding at the text the user wrote.
    pub line: usize,
    /// Names of the vars that take their value from this object.
    pub ref_vars: Vec<String>,
    /// The patches that changed the object, in the order applied. The build never reads
    /// it: lint points a finding on a field a patch wrote at the patch, not at the base.
    /// Shared: one patch applied to thousands of objects is one allocation.
    pub patched_by: Vec<Arc<PatchedBy>>,
}

/// One patch applied to an object, and where it was written.
#[derive(Debug, Clone)]
pub struct PatchedBy {
    /// The patch's own file, or the kustomization that holds it inline.
    pub file: String,
    /// The line the patch's document starts on in `file`; 0 for an inline patch.
    pub line: usize,
    /// An inline patch: the kustomization field that holds it (`patches[2].patch`).
    pub entry: Option<String>,
    pub body: PatchBody,
}

#[derive(Debug, Clone)]
pub enum PatchBody {
    Strategic(Value),
    /// The JSON pointer of every operation that writes a value (add, replace, copy, move),
    /// with the operation's index in the list.
    Json(Vec<(usize, String)>),
    /// A kustomization field that sets fields of its own (`namespace`, `commonLabels`,
    /// `replicas`…): (rendered field path, the kustomization field that set it).
    Fields(Vec<(String, String)>),
}

impl Resource {
    pub fn new(obj: Value, source: impl Into<String>) -> Resource {
        Resource {
            obj,
            prev: Vec::new(),
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            needs_hash: false,
            behavior: Behavior::Create,
            allow_name_change: false,
            allow_kind_change: false,
            source: source.into(),
            line: 0,
            ref_vars: Vec::new(),
            patched_by: Vec::new(),
        }
    }

    pub fn kind(&self) -> &str {
        str_at(&self.obj, &["kind"])
    }
    pub fn api_version(&self) -> &str {
        str_at(&self.obj, &["apiVersion"])
    }
    pub fn name(&self) -> &str {
        str_at(&self.obj, &["metadata", "name"])
    }
    pub fn namespace(&self) -> &str {
        str_at(&self.obj, &["metadata", "namespace"])
    }
    pub fn gvk(&self) -> Gvk {
        Gvk::from_api_version(self.api_version(), self.kind())
    }

    pub fn cur_id(&self) -> ResId {
        ResId {
            gvk: self.gvk(),
            name: self.name().into(),
            namespace: self.namespace().into(),
        }
    }

    pub fn prev_ids(&self) -> Vec<ResId> {
        let gvk = self.gvk();
        self.prev
            .iter()
            .map(|(k, n, ns)| ResId {
                gvk: Gvk {
                    kind: k.clone(),
                    ..gvk.clone()
                },
                name: n.clone(),
                namespace: ns.clone(),
            })
            .collect()
    }

    pub fn org_id(&self) -> ResId {
        self.prev_ids()
            .into_iter()
            .next()
            .unwrap_or_else(|| self.cur_id())
    }

    /// The current id and every previous one.
    pub fn all_ids(&self) -> Vec<ResId> {
        let mut v = vec![self.cur_id()];
        v.extend(self.prev_ids());
        v
    }

    pub fn store_previous_id(&mut self) {
        let id = self.cur_id();
        let ns = id.effective_namespace().to_string();
        self.prev.push((id.gvk.kind, id.name, ns));
    }

    pub fn metadata_mut(&mut self) -> &mut Map {
        let obj = self.obj.as_object_mut().expect("resources are mappings");
        let md = obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !md.is_object() {
            *md = Value::Object(Map::new());
        }
        md.as_object_mut()
            .expect("metadata was just made a mapping")
    }

    pub fn set_name(&mut self, name: &str) {
        self.metadata_mut()
            .insert("name".into(), Value::String(name.into()));
    }

    pub fn set_namespace(&mut self, ns: &str) {
        if ns.is_empty() {
            self.metadata_mut().remove("namespace");
        } else {
            self.metadata_mut()
                .insert("namespace".into(), Value::String(ns.into()));
        }
    }

    /// A metadata string map (labels or annotations) read as strings, the way kyaml reads it.
    pub fn string_map(&self, field: &str) -> Vec<(String, String)> {
        match self.obj.get("metadata").and_then(|m| m.get(field)) {
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| (k.clone(), scalar_string(v)))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Replaces a metadata string map; an empty map removes the field, as kyaml does.
    pub fn set_string_map(&mut self, field: &str, pairs: Vec<(String, String)>) {
        let md = self.metadata_mut();
        md.remove(field);
        if pairs.is_empty() {
            return;
        }
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert(k, Value::String(v));
        }
        md.insert(field.into(), Value::Object(m));
    }

    pub fn prefixes_suffixes_equal(&self, o: &Resource, allow_empty: bool) -> bool {
        if allow_empty {
            let pe = self.prefixes.is_empty() || o.prefixes.is_empty();
            let se = self.suffixes.is_empty() || o.suffixes.is_empty();
            (pe || same_ending(&self.prefixes, &o.prefixes))
                && (se || same_ending(&self.suffixes, &o.suffixes))
        } else {
            same_ending(&self.prefixes, &o.prefixes) && same_ending(&self.suffixes, &o.suffixes)
        }
    }
}

/// True when the shorter slice is the tail of the longer one; an empty slice only
/// matches another empty one.
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    long[long.len() - short.len()..] == *short
}

/// The text of a scalar as kyaml hands it out for a string field.
pub fn scalar_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Number(n) => crate::yaml::emit::number_text(n),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}
