//! Load stage: the kustomization file, read strictly (unknown fields are refused, as
//! kustomize does). Must not resolve paths or read other files.

use crate::kustomize::error::Error;
use crate::kustomize::fieldspec::FieldSpec;
use crate::kustomize::resmap::resid::Gvk;
use crate::yaml::{Map, Value};

/// The Go type of each top-level field, for encoding/json's shape errors: a mapping where
/// kustomize wants a list is refused, not dropped.
fn check_shapes(m: &Map, r: &Reader) -> Result<(), Error> {
    const LISTS: &[(&str, &str)] = &[
        ("resources", "[]string"),
        ("bases", "[]string"),
        ("components", "[]string"),
        ("crds", "[]string"),
        ("configurations", "[]string"),
        ("generators", "[]string"),
        ("transformers", "[]string"),
        ("validators", "[]string"),
        ("patchesStrategicMerge", "[]types.PatchStrategicMerge"),
        ("images", "[]types.Image"),
        ("replicas", "[]types.Replica"),
        ("labels", "[]types.Label"),
        ("patches", "[]types.Patch"),
        ("patchesJson6902", "[]types.Patch"),
        ("configMapGenerator", "[]types.ConfigMapArgs"),
        ("secretGenerator", "[]types.SecretArgs"),
        ("replacements", "[]types.ReplacementField"),
        ("vars", "[]types.Var"),
        ("helmCharts", "[]types.HelmChart"),
    ];
    const MAPS: &[&str] = &["commonLabels", "commonAnnotations", "openapi"];
    const STRINGS: &[&str] = &[
        "namespace",
        "namePrefix",
        "nameSuffix",
        "apiVersion",
        "kind",
    ];
    let found = |v: &Value| match v {
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Null => "null",
    };
    for (key, v) in m {
        if v.is_null() {
            continue;
        }
        let want = if let Some((_, t)) = LISTS.iter().find(|(n, _)| n == key) {
            (!v.is_array()).then_some(*t)
        } else if MAPS.contains(&key.as_str()) {
            (!v.is_object()).then_some("map[string]string")
        } else if STRINGS.contains(&key.as_str()) {
            (!v.is_string()).then_some("string")
        } else {
            None
        };
        if let Some(t) = want {
            return Err(r.err(format!(
                "invalid Kustomization: json: cannot unmarshal {} into Go struct field Kustomization.{key} of type {t}",
                found(v)
            )));
        }
    }
    Ok(())
}

/// Every top-level field of a Kustomization, as Go's struct tags spell them.
const FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "openapi",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patches",
    "images",
    "imageTags",
    "replacements",
    "replicas",
    "vars",
    "sortOptions",
    "resources",
    "components",
    "crds",
    "bases",
    "configMapGenerator",
    "secretGenerator",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "generatorOptions",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "buildMetadata",
];

/// The field a key names: an exact match first, else one equal but for ASCII case.
fn canonical_field(key: &str) -> &str {
    if FIELDS.contains(&key) {
        return key;
    }
    FIELDS
        .iter()
        .find(|f| f.eq_ignore_ascii_case(key))
        .copied()
        .unwrap_or(key)
}

/// Fields the later engine issue will implement; refused clearly rather than ignored.
const NOT_YET: &[&str] = &[
    "helmCharts",
    "helmGlobals",
    "helmChartInflationGenerator",
    "validators",
];

#[derive(Debug, Clone, Default)]
pub struct Selector {
    pub gvk: Gvk,
    pub name: String,
    pub namespace: String,
    pub label_selector: String,
    pub annotation_selector: String,
}

#[derive(Debug, Clone, Default)]
pub struct Patch {
    pub path: String,
    pub patch: String,
    pub target: Option<Selector>,
    pub allow_name_change: bool,
    pub allow_kind_change: bool,
}

#[derive(Debug, Clone, Default)]
pub struct GeneratorOptions {
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub disable_name_suffix_hash: bool,
    pub immutable: bool,
}

#[derive(Debug, Clone, Default)]
pub struct GeneratorArgs {
    pub name: String,
    pub namespace: String,
    pub behavior: String,
    pub literals: Vec<String>,
    pub files: Vec<String>,
    pub envs: Vec<String>,
    pub options: Option<GeneratorOptions>,
    pub secret_type: String,
}

#[derive(Debug, Clone, Default)]
pub struct Label {
    pub pairs: Vec<(String, String)>,
    pub include_selectors: bool,
    pub include_templates: bool,
    pub fields: Vec<FieldSpec>,
}

/// `sortOptions`: kustomize's SortOrderTransformer settings.
#[derive(Debug, Clone, PartialEq)]
pub enum SortOptions {
    Fifo,
    Legacy {
        first: Vec<String>,
        last: Vec<String>,
    },
}

impl SortOptions {
    fn from_value(v: &Value, r: &Reader) -> Result<Option<SortOptions>, Error> {
        if v.is_null() {
            return Ok(None);
        }
        let m = r.object(v, "sortOptions", &["order", "legacySortOptions"])?;
        let order = m
            .get("order")
            .map(|x| r.string(x, "sortOptions.order"))
            .transpose()?;
        let legacy = m.get("legacySortOptions").filter(|x| !x.is_null());
        match order.as_deref().unwrap_or("") {
            "fifo" => {
                if legacy.is_some() {
                    return Err(r.err("the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'"));
                }
                Ok(Some(SortOptions::Fifo))
            }
            "legacy" => {
                let defaults = || -> Vec<String> { Vec::new() };
                match legacy {
                    None => Ok(Some(SortOptions::Legacy {
                        first: crate::kustomize::resmap::resid::ORDER_FIRST
                            .iter()
                            .map(|s| s.to_string())
                            .collect(),
                        last: crate::kustomize::resmap::resid::ORDER_LAST
                            .iter()
                            .map(|s| s.to_string())
                            .collect(),
                    })),
                    Some(l) => {
                        let lm = r.object(
                            l,
                            "sortOptions.legacySortOptions",
                            &["orderFirst", "orderLast"],
                        )?;
                        let list = |k: &str| -> Result<Vec<String>, Error> {
                            lm.get(k)
                                .map(|x| r.list(x, k))
                                .transpose()
                                .map(|o| o.unwrap_or_else(defaults))
                        };
                        Ok(Some(SortOptions::Legacy {
                            first: list("orderFirst")?,
                            last: list("orderLast")?,
                        }))
                    }
                }
            }
            _ => Err(r.err("the field 'sortOptions.order' must be one of [fifo, legacy]")),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Image {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
    pub tag_suffix: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Kustomization {
    pub is_component: bool,
    pub resources: Vec<String>,
    pub components: Vec<String>,
    /// `configurations:` files: transformer configurations (custom field specs).
    pub configurations: Vec<String>,
    /// `crds:` files: OpenAPI definitions whose `x-kubernetes-*` extensions add field specs.
    pub crds: Vec<String>,
    /// `openapi:` (`path`: a custom schema file, or `version`: a built-in schema).
    pub openapi: Vec<(String, String)>,
    pub namespace: String,
    pub name_prefix: String,
    pub name_suffix: String,
    pub common_labels: Vec<(String, String)>,
    pub labels: Vec<Label>,
    pub common_annotations: Vec<(String, String)>,
    pub images: Vec<Image>,
    pub replicas: Vec<(String, i64)>,
    pub patches: Vec<Patch>,
    pub patches_strategic_merge: Vec<String>,
    pub patches_json6902: Vec<Patch>,
    pub config_map_generator: Vec<GeneratorArgs>,
    pub secret_generator: Vec<GeneratorArgs>,
    pub generator_options: Option<GeneratorOptions>,
    pub replacements: Vec<Value>,
    /// `vars:` entries as written (parsed by the vars transform).
    pub vars: Vec<Value>,
    /// Builtin transformer configurations given inline or by file (`transformers`).
    pub transformers: Vec<String>,
    /// `generators:` entries (files or inline configs of builtin generators).
    pub generators: Vec<String>,
    pub sort_options: Option<SortOptions>,
    /// `buildMetadata:` options (only `managedByLabel` is rendered).
    pub build_metadata: Vec<String>,
    pub warnings: Vec<String>,
}

struct Reader<'a> {
    file: &'a str,
}

impl Reader<'_> {
    fn err(&self, msg: impl Into<String>) -> Error {
        Error::Kustomization {
            file: self.file.to_string(),
            msg: msg.into(),
        }
    }

    fn string(&self, v: &Value, field: &str) -> Result<String, Error> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Null => Ok(String::new()),
            // encoding/json: a number or boolean does not go into a string field.
            Value::Number(_) => Err(self.err(format!(
                "invalid Kustomization: json: cannot unmarshal number into Go struct field Kustomization.{field} of type string"
            ))),
            Value::Bool(_) => Err(self.err(format!(
                "invalid Kustomization: json: cannot unmarshal bool into Go struct field Kustomization.{field} of type string (quote the value: YAML 1.1 reads yes, on, y as booleans)"
            ))),
            _ => Err(self.err(format!("field {field}: expected a string"))),
        }
    }

    fn list(&self, v: &Value, field: &str) -> Result<Vec<String>, Error> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::Array(a) => a.iter().map(|x| self.string(x, field)).collect(),
            _ => Err(self.err(format!("field {field}: expected a list of strings"))),
        }
    }

    fn map(&self, v: &Value, field: &str) -> Result<Vec<(String, String)>, Error> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::Object(m) => m
                .iter()
                .map(|(k, x)| Ok((k.clone(), self.string(x, field)?)))
                .collect(),
            _ => Err(self.err(format!("field {field}: expected a map of strings"))),
        }
    }

    fn bool(&self, v: &Value, field: &str) -> Result<bool, Error> {
        match v {
            Value::Bool(b) => Ok(*b),
            Value::Null => Ok(false),
            _ => Err(self.err(format!("field {field}: expected true or false"))),
        }
    }

    fn object<'v>(&self, v: &'v Value, field: &str, allowed: &[&str]) -> Result<&'v Map, Error> {
        let Value::Object(m) = v else {
            return Err(self.err(format!("field {field}: expected a mapping")));
        };
        for k in m.keys() {
            if !allowed.contains(&k.as_str()) {
                return Err(self.err(format!("field {field}: unknown field {k:?}")));
            }
        }
        Ok(m)
    }

    fn selector(&self, v: &Value, field: &str) -> Result<Selector, Error> {
        let allowed = [
            "group",
            "version",
            "kind",
            "name",
            "namespace",
            "labelSelector",
            "annotationSelector",
        ];
        let m = self.object(v, field, &allowed)?;
        let s = |k: &str| -> Result<String, Error> {
            m.get(k)
                .map(|x| self.string(x, field))
                .transpose()
                .map(Option::unwrap_or_default)
        };
        Ok(Selector {
            gvk: Gvk {
                group: s("group")?,
                version: s("version")?,
                kind: s("kind")?,
            },
            name: s("name")?,
            namespace: s("namespace")?,
            label_selector: s("labelSelector")?,
            annotation_selector: s("annotationSelector")?,
        })
    }

    fn patch(&self, v: &Value, field: &str) -> Result<Patch, Error> {
        let m = self.object(v, field, &["path", "patch", "target", "options"])?;
        let mut p = Patch::default();
        if let Some(x) = m.get("path") {
            p.path = self.string(x, field)?;
        }
        if let Some(x) = m.get("patch") {
            p.patch = self.string(x, field)?;
        }
        if let Some(t) = m.get("target").filter(|t| !t.is_null()) {
            p.target = Some(self.selector(t, &format!("{field}.target"))?);
        }
        if let Some(o) = m.get("options").filter(|t| !t.is_null()) {
            let o = self.object(o, field, &["allowNameChange", "allowKindChange"])?;
            if let Some(x) = o.get("allowNameChange") {
                p.allow_name_change = self.bool(x, field)?;
            }
            if let Some(x) = o.get("allowKindChange") {
                p.allow_kind_change = self.bool(x, field)?;
            }
        }
        Ok(p)
    }

    fn options(&self, v: &Value, field: &str) -> Result<Option<GeneratorOptions>, Error> {
        if v.is_null() {
            return Ok(None);
        }
        let m = self.object(
            v,
            field,
            &[
                "labels",
                "annotations",
                "disableNameSuffixHash",
                "immutable",
            ],
        )?;
        let mut o = GeneratorOptions::default();
        if let Some(x) = m.get("labels") {
            o.labels = self.map(x, field)?;
        }
        if let Some(x) = m.get("annotations") {
            o.annotations = self.map(x, field)?;
        }
        if let Some(x) = m.get("disableNameSuffixHash") {
            o.disable_name_suffix_hash = self.bool(x, field)?;
        }
        if let Some(x) = m.get("immutable") {
            o.immutable = self.bool(x, field)?;
        }
        Ok(Some(o))
    }

    fn generator(&self, v: &Value, field: &str, secret: bool) -> Result<GeneratorArgs, Error> {
        let mut allowed = vec![
            "name",
            "namespace",
            "behavior",
            "literals",
            "files",
            "envs",
            "env",
            "options",
        ];
        if secret {
            allowed.push("type");
        }
        let m = self.object(v, field, &allowed)?;
        let mut g = GeneratorArgs::default();
        let mut env = String::new();
        for (k, x) in m {
            match k.as_str() {
                "name" => g.name = self.string(x, field)?,
                "namespace" => g.namespace = self.string(x, field)?,
                "behavior" => g.behavior = self.string(x, field)?,
                "literals" => g.literals = self.list(x, field)?,
                "files" => g.files = self.list(x, field)?,
                "envs" => g.envs.extend(self.list(x, field)?),
                "env" => env = self.string(x, field)?,
                "options" => g.options = self.options(x, field)?,
                "type" => g.secret_type = self.string(x, field)?,
                _ => {}
            }
        }
        if !env.is_empty() {
            g.envs.push(env);
        }
        Ok(g)
    }
}

impl Kustomization {
    /// Reads a parsed kustomization document; `file` names it in errors.
    pub fn from_value(v: &Value, file: &str) -> Result<Kustomization, Error> {
        let r = Reader { file };
        let mut k = Kustomization::default();
        let m = match v {
            Value::Null => return Err(r.err("kustomization.yaml is empty")),
            Value::Object(m) => m,
            _ => return Err(r.err("expected a mapping")),
        };
        check_shapes(m, &r)?;
        // kustomize compares the decoded file with an empty Kustomization: a field set to
        // null, "", false or 0 counts as absent, an empty list or mapping does not.
        let zero = |v: &Value| match v {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::Bool(b) => !b,
            Value::Number(n) => n.as_f64() == Some(0.0),
            _ => false,
        };
        if m.iter()
            .all(|(key, v)| matches!(key.as_str(), "apiVersion" | "kind") || zero(v))
        {
            return Err(r.err("kustomization.yaml is empty"));
        }
        let api = m.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        match m.get("kind").and_then(Value::as_str).unwrap_or("") {
            "" | "Kustomization" if !api.is_empty() && api != "kustomize.config.k8s.io/v1beta1" => {
                return Err(r.err(
                    "apiVersion for Kustomization should be kustomize.config.k8s.io/v1beta1",
                ));
            }
            "Component" if !api.is_empty() && api != "kustomize.config.k8s.io/v1alpha1" => {
                return Err(
                    r.err("apiVersion for Component should be kustomize.config.k8s.io/v1alpha1")
                );
            }
            "" | "Kustomization" | "Component" => {}
            _ => return Err(r.err("kind should be Kustomization or Component")),
        }
        for (key, val) in m {
            // encoding/json matches field names regardless of case (`nameprefix:` works).
            let f = canonical_field(key);
            match f {
                "apiVersion" | "metadata" => {}
                "kind" => {
                    let kind = r.string(val, f)?;
                    match kind.as_str() {
                        "" | "Kustomization" => {}
                        "Component" => k.is_component = true,
                        other => return Err(r.err(format!("unknown kind {other:?}"))),
                    }
                }
                "resources" => k.resources.extend(r.list(val, f)?),
                "bases" => {
                    k.warnings.push(
                        "# Warning: 'bases' is deprecated. Please use 'resources' instead. Run 'kustomize edit fix' to update your Kustomization automatically.".into(),
                    );
                    k.resources.extend(r.list(val, f)?);
                }
                "components" => k.components = r.list(val, f)?,
                "configurations" => k.configurations = r.list(val, f)?,
                "crds" => k.crds = r.list(val, f)?,
                "openapi" => k.openapi = r.map(val, f)?,
                "namespace" => k.namespace = r.string(val, f)?,
                "namePrefix" => k.name_prefix = r.string(val, f)?,
                "nameSuffix" => k.name_suffix = r.string(val, f)?,
                "commonLabels" => {
                    k.warnings.push("# Warning: 'commonLabels' is deprecated. Please use 'labels' instead. Run 'kustomize edit fix' to update your Kustomization automatically.".into());
                    k.common_labels = r.map(val, f)?
                }
                "commonAnnotations" => k.common_annotations = r.map(val, f)?,
                "labels" => {
                    for item in val.as_array().into_iter().flatten() {
                        let lm = r.object(
                            item,
                            f,
                            &["pairs", "includeSelectors", "includeTemplates", "fields"],
                        )?;
                        let mut l = Label::default();
                        if let Some(x) = lm.get("pairs") {
                            l.pairs = r.map(x, f)?;
                        }
                        if let Some(x) = lm.get("includeSelectors") {
                            l.include_selectors = r.bool(x, f)?;
                        }
                        if let Some(x) = lm.get("includeTemplates") {
                            l.include_templates = r.bool(x, f)?;
                        }
                        if let Some(Value::Array(fs)) = lm.get("fields") {
                            for fsv in fs {
                                l.fields.push(
                                    FieldSpec::from_value(fsv)
                                        .map_err(|e| r.err(format!("field labels.fields: {e}")))?,
                                );
                            }
                        }
                        k.labels.push(l);
                    }
                }
                "images" => {
                    for item in val.as_array().into_iter().flatten() {
                        let im = r.object(
                            item,
                            f,
                            &["name", "newName", "newTag", "digest", "tagSuffix"],
                        )?;
                        let get = |n: &str| -> Result<Option<String>, Error> {
                            im.get(n)
                                .filter(|x| !x.is_null())
                                .map(|x| r.string(x, f))
                                .transpose()
                        };
                        k.images.push(Image {
                            name: get("name")?.unwrap_or_default(),
                            new_name: get("newName")?,
                            new_tag: get("newTag")?,
                            digest: get("digest")?,
                            tag_suffix: get("tagSuffix")?,
                        });
                    }
                }
                "replicas" => {
                    for item in val.as_array().into_iter().flatten() {
                        let rm = r.object(item, f, &["name", "count"])?;
                        let name = rm
                            .get("name")
                            .map(|x| r.string(x, f))
                            .transpose()?
                            .unwrap_or_default();
                        let count = rm
                            .get("count")
                            .and_then(Value::as_i64)
                            .ok_or_else(|| r.err("field replicas: count must be an integer"))?;
                        k.replicas.push((name, count));
                    }
                }
                "patches" => {
                    for item in val.as_array().into_iter().flatten() {
                        k.patches.push(r.patch(item, f)?);
                    }
                }
                "patchesStrategicMerge" => {
                    k.warnings.push("# Warning: 'patchesStrategicMerge' is deprecated. Please use 'patches' instead. Run 'kustomize edit fix' to update your Kustomization automatically.".into());
                    k.patches_strategic_merge = r.list(val, f)?
                }
                "patchesJson6902" => {
                    k.warnings.push("# Warning: 'patchesJson6902' is deprecated. Please use 'patches' instead. Run 'kustomize edit fix' to update your Kustomization automatically.".into());
                    for item in val.as_array().into_iter().flatten() {
                        let pm = r.object(item, f, &["path", "patch", "target"])?;
                        let mut p = Patch::default();
                        if let Some(x) = pm.get("path") {
                            p.path = r.string(x, f)?;
                        }
                        if let Some(x) = pm.get("patch") {
                            p.patch = r.string(x, f)?;
                        }
                        if let Some(t) = pm.get("target") {
                            p.target = Some(r.selector(t, f)?);
                        }
                        k.patches_json6902.push(p);
                    }
                }
                "configMapGenerator" => {
                    for item in val.as_array().into_iter().flatten() {
                        k.config_map_generator.push(r.generator(item, f, false)?);
                    }
                }
                "secretGenerator" => {
                    for item in val.as_array().into_iter().flatten() {
                        k.secret_generator.push(r.generator(item, f, true)?);
                    }
                }
                "generatorOptions" => k.generator_options = r.options(val, f)?,
                "replacements" => k.replacements = val.as_array().cloned().unwrap_or_default(),
                "vars" => {
                    k.warnings.push("# Warning: 'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] Run 'kustomize edit fix' to update your Kustomization automatically.".into());
                    k.vars = val.as_array().cloned().unwrap_or_default();
                }
                "transformers" => k.transformers = r.list(val, f)?,
                "generators" => k.generators = r.list(val, f)?,
                "sortOptions" => k.sort_options = SortOptions::from_value(val, &r)?,
                "buildMetadata" => {
                    k.build_metadata = r.list(val, f)?;
                    for m in &k.build_metadata {
                        match m.as_str() {
                            "managedByLabel" | "originAnnotations" | "transformerAnnotations" => {}
                            other => {
                                return Err(r.err(format!(
                                    "invalid buildMetadata option: {other:?} (valid: originAnnotations, transformerAnnotations, managedByLabel)"
                                )));
                            }
                        }
                    }
                }
                _ if NOT_YET.contains(&f) => {
                    if !val.is_null() {
                        return Err(Error::NotSupported {
                            field: f.to_string(),
                            file: file.to_string(),
                        });
                    }
                }
                _ => {
                    return Err(r.err(format!("invalid Kustomization: json: unknown field {f:?}")));
                }
            }
        }
        Ok(k)
    }
}
