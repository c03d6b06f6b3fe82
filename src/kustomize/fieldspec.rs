//! Transform stage helper: kustomize field specs (which kinds, which path) and the walk that
//! finds or creates the fields they name. Must not know which transform is calling.

use crate::kustomize::resmap::resid::Gvk;
use crate::yaml::{Map, Value};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSpec {
    pub gvk: Gvk,
    pub path: String,
    pub create: bool,
}

/// One row of the built-in tables: table, referred group/version/kind (name references
/// only), group, version, kind, path, create.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
);

/// The built-in tables (kustomize v5.5.0's `builtinpluginconsts`), from the reviewed file
/// `builtin/fieldspecs.tsv` turned into static rows by `build.rs`. They are stored in the
/// order kustomize's sort and first merge leave them, so that start-up only copies them:
/// the tests `stored_tables_are_sorted` and `first_merge_keeps_the_stored_tables` hold that.
const ROWS: &[Row] = include!(concat!(env!("OUT_DIR"), "/fieldspecs.rs"));

impl FieldSpec {
    /// Reads a field spec strictly, as a kustomization's `fields:` holds one.
    pub fn from_value(v: &Value) -> Result<FieldSpec, String> {
        let Value::Object(m) = v else {
            return Err("a field spec must be a mapping".into());
        };
        for k in m.keys() {
            if !matches!(k.as_str(), "group" | "version" | "kind" | "path" | "create") {
                return Err(format!("unknown field {k:?} in field spec"));
            }
        }
        Ok(FieldSpec::from_map(m))
    }

    /// Reads a field spec as kustomize reads plugin configs: unknown keys (a `name`) are
    /// passed over.
    pub fn from_map(m: &crate::yaml::Map) -> FieldSpec {
        let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        FieldSpec {
            gvk: Gvk {
                group: s("group"),
                version: s("version"),
                kind: s("kind"),
            },
            path: s("path"),
            create: m.get("create").and_then(Value::as_bool).unwrap_or(false),
        }
    }

    /// Does this spec apply to an object of the given gvk (exact group/version/kind match
    /// on every field the spec sets)?
    pub fn matches(&self, gvk: &Gvk) -> bool {
        gvk.is_selected_by(&self.gvk)
    }
}

/// The built-in field specs of one table (`commonlabels`, `namespace`, `images`, ...).
pub fn builtin(table: &str) -> Vec<FieldSpec> {
    builtin_rows(table).map(|(_, fs)| fs).collect()
}

/// Rows of a built-in table with their referred kind (name references only).
pub fn builtin_rows(table: &str) -> impl Iterator<Item = (&'static str, FieldSpec)> + '_ {
    ROWS.iter().filter(move |r| r.0 == table).map(
        |&(_, referred, group, version, kind, path, create)| {
            let fs = FieldSpec {
                gvk: Gvk {
                    group: group.into(),
                    version: version.into(),
                    kind: kind.into(),
                },
                path: path.into(),
                create,
            };
            (referred, fs)
        },
    )
}

/// Splits a field path on `/`, keeping `\/` as a literal slash.
pub fn split_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&'/') {
            cur.push('/');
            chars.next();
        } else if c == '/' {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out
}

/// What to make when a missing field is created at the end of a path.
#[derive(Clone, Copy, PartialEq)]
pub enum Create {
    Map,
    Scalar,
}

/// Walks `path` in `obj` (sequences are walked element by element) and calls `set` on
/// each field found; with `create`, missing fields are made on the way.
pub fn apply<F>(
    obj: &mut Value,
    path: &[String],
    create: Option<Create>,
    set: &mut F,
) -> Result<(), String>
where
    F: FnMut(&mut Value) -> Result<(), String>,
{
    if path.is_empty() {
        return set(obj);
    }
    match obj {
        Value::Null => Ok(()),
        Value::Array(items) => {
            for it in items {
                apply(it, path, create, set)?;
            }
            Ok(())
        }
        Value::Object(m) => {
            let (name, is_seq) = match path[0].strip_suffix("[]") {
                Some(n) => (n, true),
                None => (path[0].as_str(), false),
            };
            if name.is_empty() {
                return Err("cannot set or create an empty field name".into());
            }
            let create_here = match create {
                Some(kind) if !is_seq => Some(if path.len() <= 1 { kind } else { Create::Map }),
                _ => None,
            };
            if !m.contains_key(name) {
                match create_here {
                    None => return Ok(()),
                    Some(Create::Map) => {
                        m.insert(name.to_string(), Value::Object(Map::new()));
                    }
                    Some(Create::Scalar) => {
                        m.insert(name.to_string(), Value::Null);
                    }
                }
            }
            let field = m.get_mut(name).expect("present or just created");
            if field.is_null() {
                match create_here {
                    Some(Create::Map) => *field = Value::Object(Map::new()),
                    Some(Create::Scalar) => {}
                    None => return Ok(()),
                }
            }
            apply(field, &path[1..], create, set)
        }
        _ => Err("expected sequence or mapping node".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn creates_missing_maps_and_walks_sequences() {
        let mut v = json!({"spec": {"containers": [{"image": "a"}, {"image": "b"}]}});
        let path = split_path("spec/containers[]/image");
        apply(&mut v, &path, None, &mut |f| {
            *f = json!("x");
            Ok(())
        })
        .unwrap();
        assert_eq!(
            v,
            json!({"spec": {"containers": [{"image": "x"}, {"image": "x"}]}})
        );
        let mut v = json!({"metadata": {}});
        apply(
            &mut v,
            &split_path("metadata/labels"),
            Some(Create::Map),
            &mut |f| {
                f.as_object_mut().unwrap().insert("a".into(), json!("b"));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(v, json!({"metadata": {"labels": {"a": "b"}}}));
    }

    #[test]
    fn escaped_slash_stays_in_the_name() {
        assert_eq!(
            split_path("metadata/annotations/a.io\\/b"),
            vec!["metadata", "annotations", "a.io/b"]
        );
    }

    #[test]
    fn builtin_tables_load() {
        assert!(
            builtin("commonlabels")
                .iter()
                .any(|f| f.path == "spec/selector/matchLabels")
        );
        assert!(builtin_rows("namereference").count() > 100);
    }

    #[test]
    fn stored_tables_are_sorted() {
        let stored = TransformerConfig::builtin_ref();
        let mut sorted = stored.clone();
        sorted.sort();
        assert_eq!(
            &sorted, stored,
            "fieldspecs.tsv must be stored in kustomize's sort order"
        );
    }

    #[test]
    fn first_merge_keeps_the_stored_tables() {
        let stored = TransformerConfig::builtin_ref();
        let mut merged = TransformerConfig::default();
        merged.merge_slow(stored).unwrap();
        merged.custom = false;
        assert_eq!(
            &merged, stored,
            "the first merge must leave the stored tables as they are"
        );
    }
}

/// Tables of a transformer configuration that hold plain field-spec lists, by the key a
/// `configurations:` file uses and the built-in table's name.
const FS_TABLES: &[(&str, &str)] = &[
    ("namePrefix", "nameprefix"),
    ("nameSuffix", "namesuffix"),
    ("namespace", "namespace"),
    ("commonLabels", "commonlabels"),
    ("labels", "labels"),
    ("templateLabels", "templatelabels"),
    ("commonAnnotations", "commonannotations"),
    ("varReference", "varreference"),
    ("images", "images"),
    ("replicas", "replicas"),
];

/// kustomize's TransformerConfig: which fields each built-in transformer touches, the
/// built-in tables merged with a kustomization's `configurations:` files and with those
/// of the kustomizations below it (builtinconfig/transformerconfig.go).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransformerConfig {
    /// Whether anything beyond the built-in tables was merged in (merging the built-in
    /// configuration into itself, as every kustomization does, is then skipped).
    custom: bool,
    /// Shared until changed: every kustomization starts from the same built-in tables.
    tables: std::sync::Arc<std::collections::BTreeMap<&'static str, Vec<FieldSpec>>>,
    /// Referred kind → the fields that name an object of that kind.
    pub name_refs: std::sync::Arc<Vec<(Gvk, Vec<FieldSpec>)>>,
}

impl TransformerConfig {
    /// The built-in configuration (parsed once per process).
    pub fn builtin() -> TransformerConfig {
        Self::builtin_ref().clone()
    }

    /// The built-in configuration, shared.
    pub fn builtin_ref() -> &'static TransformerConfig {
        static CFG: std::sync::OnceLock<TransformerConfig> = std::sync::OnceLock::new();
        CFG.get_or_init(|| {
            let mut c = TransformerConfig::default();
            for (_, t) in FS_TABLES {
                std::sync::Arc::make_mut(&mut c.tables).insert(t, builtin(t));
            }
            for (referred, fs) in builtin_rows("namereference") {
                let mut it = referred.splitn(3, '/');
                let gvk = Gvk {
                    group: it.next().unwrap_or("").into(),
                    version: it.next().unwrap_or("").into(),
                    kind: it.next().unwrap_or("").into(),
                };
                match std::sync::Arc::make_mut(&mut c.name_refs)
                    .iter_mut()
                    .find(|(g, _)| *g == gvk)
                {
                    Some((_, v)) => v.push(fs),
                    None => std::sync::Arc::make_mut(&mut c.name_refs).push((gvk, vec![fs])),
                }
            }
            // kustomize sorts its default configuration as it reads it; the stored tables
            // are in that order already (see TABLES).
            c
        })
    }

    /// The field specs of one table (`namespace`, `commonlabels`, ...).
    pub fn specs(&self, table: &str) -> &[FieldSpec] {
        self.tables.get(table).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Reads a `configurations:` file (strict, as kustomize's UnmarshalStrict).
    pub fn from_value(v: &Value) -> Result<TransformerConfig, String> {
        let mut c = TransformerConfig {
            custom: true,
            ..TransformerConfig::default()
        };
        let m = match v {
            Value::Null => return Ok(c),
            Value::Object(m) => m,
            _ => return Err("a transformer configuration must be a mapping".into()),
        };
        let list = |key: &str, x: &Value| -> Result<Vec<FieldSpec>, String> {
            match x {
                Value::Null => Ok(Vec::new()),
                Value::Array(items) => items
                    .iter()
                    .map(FieldSpec::from_value)
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("{key}: {e}")),
                _ => Err(format!("{key}: expected a list of field specs")),
            }
        };
        for (k, x) in m {
            if let Some((_, t)) = FS_TABLES.iter().find(|(key, _)| key == k) {
                let specs = list(k, x)?;
                let merged = merge_all(Vec::new(), specs).map_err(|e| format!("{k}: {e}"))?;
                std::sync::Arc::make_mut(&mut c.tables).insert(t, merged);
            } else if k == "nameReference" {
                let items = match x {
                    Value::Null => Vec::new(),
                    Value::Array(a) => a.clone(),
                    _ => return Err("nameReference: expected a list".into()),
                };
                for it in &items {
                    let Value::Object(im) = it else {
                        return Err("nameReference: each entry is a mapping".into());
                    };
                    let s = |f: &str| im.get(f).and_then(Value::as_str).unwrap_or("").to_string();
                    for f in im.keys() {
                        if !matches!(f.as_str(), "group" | "version" | "kind" | "fieldSpecs") {
                            return Err(format!("nameReference: unknown field {f:?}"));
                        }
                    }
                    let gvk = Gvk {
                        group: s("group"),
                        version: s("version"),
                        kind: s("kind"),
                    };
                    let specs = list(
                        "nameReference.fieldSpecs",
                        im.get("fieldSpecs").unwrap_or(&Value::Null),
                    )?;
                    c.merge_name_ref(gvk, specs)?;
                }
            } else {
                return Err(format!(
                    "unknown field {k:?} in a transformer configuration"
                ));
            }
        }
        c.sort();
        Ok(c)
    }

    /// kustomize's `LoadConfigFromCRDs` (accumulator/loadconfigfromcrds.go): a `crds:` file
    /// is a map of OpenAPI definitions (JSON, or YAML); in the definitions that look like
    /// Kubernetes types (kind, apiVersion and metadata properties), a property marked
    /// `x-kubernetes-annotation`, `x-kubernetes-label-selector` or `x-kubernetes-identity`
    /// becomes a field of the annotation, label or prefix transformer, and one with
    /// `x-kubernetes-object-ref-api-version` and `-kind` a name reference to that kind
    /// (through `x-kubernetes-object-ref-name-key`, default `name`). `$ref` properties are
    /// followed.
    pub fn from_crd_definitions(v: &Value) -> Result<TransformerConfig, String> {
        let mut c = TransformerConfig {
            custom: true,
            ..TransformerConfig::default()
        };
        let Value::Object(defs) = v else {
            return Err("expected a map of OpenAPI definitions".into());
        };
        // encoding/json matches the `Schema` key case-insensitively.
        fn schema_of(d: &Value) -> Option<&crate::yaml::Map> {
            d.as_object()?
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("schema"))
                .and_then(|(_, s)| s.as_object())
        }
        let props_of = |name: &str| -> Option<&crate::yaml::Map> {
            schema_of(defs.get(name)?)?.get("properties")?.as_object()
        };
        for name in defs.keys() {
            let Some(props) = props_of(name) else {
                continue;
            };
            if !["kind", "apiVersion", "metadata"]
                .iter()
                .all(|k| props.contains_key(*k))
            {
                continue;
            }
            let gvk = Gvk {
                kind: name.rsplit('.').next().unwrap_or(name).to_string(),
                ..Gvk::default()
            };
            let mut stack = vec![(name.clone(), Vec::<String>::new())];
            while let Some((type_name, path)) = stack.pop() {
                // A recursive type would never end (kustomize does not end either).
                if path.len() > 64 {
                    return Err(format!(
                        "{name}: definitions nest too deep (a cycle of $ref?)"
                    ));
                }
                let Some(props) = props_of(&type_name) else {
                    continue;
                };
                for (prop, p) in props {
                    let ext = |k: &str| p.get(k).and_then(Value::as_str);
                    let mut at = path.clone();
                    at.push(prop.clone());
                    let fs = |segments: &[String]| FieldSpec {
                        gvk: gvk.clone(),
                        path: segments.join("/"),
                        create: false,
                    };
                    if ext("x-kubernetes-annotation").is_some() {
                        c.add_spec("commonannotations", fs(&at))?;
                    }
                    if ext("x-kubernetes-label-selector").is_some() {
                        c.add_spec("commonlabels", fs(&at))?;
                    }
                    if ext("x-kubernetes-identity").is_some() {
                        c.add_spec("nameprefix", fs(&at))?;
                    }
                    if let (Some(version), Some(kind)) = (
                        ext("x-kubernetes-object-ref-api-version"),
                        ext("x-kubernetes-object-ref-kind"),
                    ) {
                        let key = ext("x-kubernetes-object-ref-name-key").unwrap_or("name");
                        let mut with_key = at.clone();
                        with_key.push(key.to_string());
                        let referred = Gvk {
                            version: version.to_string(),
                            kind: kind.to_string(),
                            ..Gvk::default()
                        };
                        c.merge_name_ref(referred, vec![fs(&with_key)])?;
                    }
                    if let Some(r) = p.get("$ref").and_then(Value::as_str)
                        && !r.is_empty()
                    {
                        stack.push((r.to_string(), at));
                    }
                }
            }
        }
        c.sort();
        Ok(c)
    }

    /// Adds one field spec to a table (kustomize's `Add…FieldSpec`: merged, not repeated).
    fn add_spec(&mut self, table: &'static str, fs: FieldSpec) -> Result<(), String> {
        let list = std::sync::Arc::make_mut(&mut self.tables)
            .entry(table)
            .or_default();
        *list = merge_all(std::mem::take(list), vec![fs])?;
        Ok(())
    }

    fn merge_name_ref(&mut self, gvk: Gvk, specs: Vec<FieldSpec>) -> Result<(), String> {
        match std::sync::Arc::make_mut(&mut self.name_refs)
            .iter_mut()
            .find(|(g, _)| *g == gvk)
        {
            Some((_, v)) => {
                *v = merge_all(std::mem::take(v), specs)?;
            }
            None => std::sync::Arc::make_mut(&mut self.name_refs).push((gvk, specs)),
        }
        Ok(())
    }

    /// kustomize's `Merge`: field specs already present (same kinds, same path) are kept
    /// once, a clash on `create` is an error; then every list is sorted by kind.
    pub fn merge(&mut self, other: &TransformerConfig) -> Result<(), String> {
        let empty = |c: &TransformerConfig| c.tables.is_empty() && c.name_refs.is_empty();
        if empty(other) {
            return Ok(());
        }
        if empty(self) && !other.custom {
            // The first merge of the built-in configuration: kustomize's MergeAll into an
            // empty configuration drops specs that an earlier one already selects, and the
            // stored tables have none (see TABLES), so it is the built-in one itself.
            *self = TransformerConfig::builtin();
            return Ok(());
        }
        if !empty(self) && !self.custom && !other.custom {
            // The built-in configuration met again: merging changes nothing. (The first
            // merge into an empty one is not skipped: kustomize's MergeAll drops specs that
            // a sorted earlier one already selects, and so must this.)
            return Ok(());
        }
        self.merge_slow(other)
    }

    fn merge_slow(&mut self, other: &TransformerConfig) -> Result<(), String> {
        self.custom |= other.custom;
        for (t, specs) in other.tables.iter() {
            let mine = std::sync::Arc::make_mut(&mut self.tables)
                .entry(t)
                .or_default();
            *mine = merge_all(std::mem::take(mine), specs.clone())?;
        }
        for (gvk, specs) in other.name_refs.iter() {
            self.merge_name_ref(gvk.clone(), specs.clone())?;
        }
        self.sort();
        Ok(())
    }

    fn sort(&mut self) {
        // Go's sort.Sort by Gvk.IsLessThan (kind order, then group_version_kind); a stable
        // sort here keeps equal kinds in the order they came.
        for v in std::sync::Arc::make_mut(&mut self.tables).values_mut() {
            v.sort_by_cached_key(|f| f.gvk.sort_key());
        }
        std::sync::Arc::make_mut(&mut self.name_refs).sort_by_cached_key(|(g, _)| g.sort_key());
    }
}

/// `FsSlice.MergeAll`: append what is not there yet (`effectivelyEquals`: the existing
/// spec's kinds selected by the incoming one's, same path).
fn merge_all(mut a: Vec<FieldSpec>, b: Vec<FieldSpec>) -> Result<Vec<FieldSpec>, String> {
    // Exact repeats (the common case: built-in tables met again) by hash, before the scan
    // for specs whose kinds select one another.
    let exact: std::collections::HashSet<(Gvk, String, bool)> = a
        .iter()
        .map(|f| (f.gvk.clone(), f.path.clone(), f.create))
        .collect();
    for fs in b {
        if exact.contains(&(fs.gvk.clone(), fs.path.clone(), fs.create)) {
            continue;
        }
        match a
            .iter()
            .find(|x| x.gvk.is_selected_by(&fs.gvk) && x.path == fs.path)
        {
            Some(x) if x.create != fs.create => {
                return Err(format!("conflicting fieldspecs for path {:?}", fs.path));
            }
            Some(_) => {}
            None => a.push(fs),
        }
    }
    Ok(a)
}
