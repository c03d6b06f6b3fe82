//! Lint stage: where schemas come from, in kubeconform's order of trust made ours: CRDs
//! the repository renders itself, then `--schema-location` entries (a folder of CRD
//! files, a folder or URL template in kubeconform's layout, the kubernetes-validate
//! package's folder), then the cluster's own OpenAPI (given by the caller). Schemas are
//! loaded on first use and kept. Reads files and, for URL templates, HTTP (cached in a
//! folder); never writes anything but that cache.

pub mod validate;

use crate::diag::Diagnostic;
use crate::yaml::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A CRD rendered by the repository.
    Repository,
    /// A `--schema-location` entry.
    Location(String),
    /// The cluster's OpenAPI.
    Cluster,
}

#[derive(Debug)]
pub struct Schema {
    pub root: Value,
    /// The definitions file `$ref`s point into (kubeconform's non-standalone layouts).
    pub defs: Option<Arc<Value>>,
    /// A CRD's structural schema (undeclared fields are pruned).
    pub structural: bool,
    pub origin: Origin,
}

impl Schema {
    pub fn validate(&self, obj: &Value) -> Vec<validate::Violation> {
        validate::Validator {
            defs: self.defs.as_deref(),
            structural: self.structural,
        }
        .validate(&self.root, obj)
    }
}

/// A location template (kubeconform's `{{.ResourceKind}}…` variables), a file path or URL.
#[derive(Debug, Clone)]
struct Template {
    text: String,
    label: String,
}

type Key = (String, String, String);

#[derive(Debug, Default)]
pub struct Store {
    known: HashMap<Key, Arc<Schema>>,
    templates: Vec<Template>,
    kube_version: (u32, u32),
    cache_dir: Option<PathBuf>,
    offline: bool,
    loaded: Mutex<HashMap<String, Option<Arc<Schema>>>>,
    defs: Mutex<HashMap<PathBuf, Option<Arc<Value>>>>,
}

/// (group, version, kind) of an apiVersion and kind.
pub fn key(api_version: &str, kind: &str) -> Key {
    let (g, v) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    (g.to_string(), v.to_string(), kind.to_string())
}

impl Store {
    pub fn new(kube_version: (u32, u32), cache_dir: Option<PathBuf>, offline: bool) -> Store {
        Store {
            kube_version,
            cache_dir,
            offline,
            ..Store::default()
        }
    }

    /// Takes the schemas of `other` that this store does not have (a later source never
    /// replaces an earlier one).
    pub fn merge(&mut self, other: Store) {
        for (k, s) in other.known {
            self.known.entry(k).or_insert(s);
        }
        self.templates.extend(other.templates);
    }

    pub fn insert(&mut self, api_version: &str, kind: &str, schema: Schema) {
        self.known
            .entry(key(api_version, kind))
            .or_insert_with(|| Arc::new(schema));
    }

    /// Learns the schema of every served version of every CRD among `objects`.
    pub fn learn_crds<'a>(&mut self, objects: impl IntoIterator<Item = &'a Value>, origin: Origin) {
        for o in objects {
            if o.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition")
                || !o
                    .get("apiVersion")
                    .and_then(Value::as_str)
                    .is_some_and(|a| a.starts_with("apiextensions.k8s.io/"))
            {
                continue;
            }
            let Some(spec) = o.get("spec") else { continue };
            let group = crate::yaml::str_at(spec, &["group"]);
            let kind = crate::yaml::str_at(spec, &["names", "kind"]);
            let top = spec
                .get("validation")
                .and_then(|v| v.get("openAPIV3Schema"));
            for v in spec
                .get("versions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if v.get("served").and_then(Value::as_bool) == Some(false) {
                    continue;
                }
                let name = crate::yaml::str_at(v, &["name"]);
                let schema = v
                    .get("schema")
                    .and_then(|s| s.get("openAPIV3Schema"))
                    .or(top)
                    .cloned()
                    .unwrap_or_else(|| serde_json::json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}));
                let api = if group.is_empty() {
                    name.to_string()
                } else {
                    format!("{group}/{name}")
                };
                self.insert(
                    &api,
                    kind,
                    Schema {
                        root: schema,
                        defs: None,
                        structural: true,
                        origin: origin.clone(),
                    },
                );
            }
        }
    }

    /// Learns every kind of one OpenAPI v3 group-version document of a cluster.
    pub fn learn_openapi_v3(&mut self, doc: Value) {
        let doc = Arc::new(doc);
        for (api, kind, name) in crate::cluster::requests::read_openapi_kinds(&doc) {
            let pointer = name.replace('~', "~0").replace('/', "~1");
            self.insert(
                &api,
                &kind,
                Schema {
                    root: serde_json::json!({"$ref": format!("#/components/schemas/{pointer}")}),
                    defs: Some(Arc::clone(&doc)),
                    structural: true,
                    origin: Origin::Cluster,
                },
            );
        }
    }

    /// Adds a `--schema-location` entry: a URL or path template, or a folder (of CRD
    /// files and/or kubeconform's JSON layout; the kubernetes-validate package's
    /// `kubernetes-json-schema` folder picks the subfolder of the Kubernetes version).
    pub fn add_location(&mut self, loc: &str, base: &Path) -> Result<(), Box<Diagnostic>> {
        if loc == "default" {
            self.templates.push(Template {
                text: "https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/{{.NormalizedKubernetesVersion}}-standalone{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json".into(),
                label: loc.into(),
            });
            return Ok(());
        }
        if loc.starts_with("http://") || loc.starts_with("https://") || loc.contains("{{") {
            self.templates.push(Template {
                text: loc.to_string(),
                label: loc.to_string(),
            });
            return Ok(());
        }
        let dir = base.join(loc);
        if !dir.exists() {
            return Err(Box::new(
                Diagnostic::error(format!(
                    "schema location {loc} does not exist (a folder, a path or URL template, or `default`)"
                ))
                .in_file(dir.display().to_string()),
            ));
        }
        if dir.is_file() {
            self.learn_crd_file(&dir, loc);
            return Ok(());
        }
        let (maj, min) = self.kube_version;
        let mut json_dir = dir.clone();
        for sub in [
            format!("v{maj}.{min}.0-local-strict"),
            format!("v{maj}.{min}.0-standalone-strict"),
        ] {
            if dir.join(&sub).is_dir() {
                json_dir = dir.join(sub);
                break;
            }
        }
        let mut has_json = false;
        for e in walkdir::WalkDir::new(&dir)
            .sort_by_file_name()
            .max_depth(8)
            .into_iter()
            .flatten()
        {
            let p = e.path();
            if !e.file_type().is_file() {
                continue;
            }
            match p.extension().and_then(|x| x.to_str()) {
                Some("yaml" | "yml") => self.learn_crd_file(p, loc),
                Some("json") if p.parent() == Some(json_dir.as_path()) => has_json = true,
                _ => {}
            }
        }
        if has_json {
            self.templates.push(Template {
                text: format!(
                    "{}/{{{{.ResourceKind}}}}{{{{.KindSuffix}}}}.json",
                    json_dir.display()
                ),
                label: loc.to_string(),
            });
        }
        Ok(())
    }

    fn learn_crd_file(&mut self, p: &Path, label: &str) {
        let Ok(text) = std::fs::read_to_string(p) else {
            return;
        };
        if !text.contains("CustomResourceDefinition") {
            return;
        }
        if let Ok(docs) = crate::yaml::parse_documents(&text) {
            self.learn_crds(
                docs.iter().map(|d| &d.value),
                Origin::Location(label.to_string()),
            );
        }
    }

    /// The schema of an apiVersion and kind, if any source has one.
    pub fn get(&self, api_version: &str, kind: &str) -> Option<Arc<Schema>> {
        let k = key(api_version, kind);
        if let Some(s) = self.known.get(&k) {
            return Some(Arc::clone(s));
        }
        for t in &self.templates {
            let loc = expand(&t.text, api_version, kind, self.kube_version);
            if let Some(s) = self.load(&loc, &t.label) {
                return Some(s);
            }
        }
        None
    }

    fn load(&self, loc: &str, label: &str) -> Option<Arc<Schema>> {
        if let Some(s) = self.loaded.lock().ok()?.get(loc) {
            return s.clone();
        }
        let text = if loc.starts_with("http://") || loc.starts_with("https://") {
            self.fetch(loc)
        } else {
            std::fs::read_to_string(loc).ok()
        };
        let schema = text
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .map(|root| {
                let defs = root_refs_file(&root).and_then(|name| {
                    let p = Path::new(loc).parent()?.join(name);
                    self.defs_file(&p)
                });
                Arc::new(Schema {
                    root,
                    defs,
                    structural: false,
                    origin: Origin::Location(label.to_string()),
                })
            });
        self.loaded
            .lock()
            .ok()?
            .insert(loc.to_string(), schema.clone());
        schema
    }

    fn defs_file(&self, p: &Path) -> Option<Arc<Value>> {
        let mut m = self.defs.lock().ok()?;
        m.entry(p.to_path_buf())
            .or_insert_with(|| {
                std::fs::read(p)
                    .ok()
                    .and_then(|b| serde_json::from_slice(&b).ok())
                    .map(Arc::new)
            })
            .clone()
    }

    /// A URL's schema: from the cache folder, else fetched (unless offline) and cached.
    fn fetch(&self, url: &str) -> Option<String> {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(url.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let name = format!("{hex}.json");
        let cached = self.cache_dir.as_ref().map(|d| d.join(&name));
        if let Some(p) = &cached
            && let Ok(t) = std::fs::read_to_string(p)
        {
            return Some(t);
        }
        if self.offline {
            return None;
        }
        let mut resp = ureq::get(url).call().ok()?;
        let text = resp.body_mut().read_to_string().ok()?;
        serde_json::from_str::<Value>(&text).ok()?;
        if let Some(p) = &cached
            && std::fs::create_dir_all(p.parent()?).is_ok()
        {
            let _ = crate::write::write_file(p, text.as_bytes());
        }
        Some(text)
    }
}

/// The definitions file a schema's `$ref`s name (`/api/_definitions.json#/…` → its name).
fn root_refs_file(root: &Value) -> Option<String> {
    fn find(v: &Value, depth: usize) -> Option<String> {
        if depth > 4 {
            return None;
        }
        match v {
            Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(Value::as_str)
                    && let Some((file, _)) = r.split_once('#')
                    && !file.is_empty()
                {
                    return Some(file.rsplit('/').next()?.to_string());
                }
                m.values().find_map(|x| find(x, depth + 1))
            }
            Value::Array(a) => a.iter().find_map(|x| find(x, depth + 1)),
            _ => None,
        }
    }
    find(root, 0)
}

/// Expands kubeconform's template variables (pkg/registry/registry.go, schemaPath) for
/// an apiVersion and kind: ResourceKind lower-cased; Group the part before `/` (the
/// version itself for core kinds); ResourceAPIVersion the part after; KindSuffix `-`
/// and the group's first label, then `-` and the version, lower-cased; strict always.
pub fn expand(tpl: &str, api_version: &str, kind: &str, kube: (u32, u32)) -> String {
    let parts: Vec<&str> = api_version.split('/').collect();
    let group = parts[0];
    let version = parts[parts.len() - 1];
    let mut suffix = format!("-{}", group.split('.').next().unwrap_or("").to_lowercase());
    if parts.len() > 1 {
        suffix.push_str(&format!("-{}", version.to_lowercase()));
    }
    let vars = [
        (
            "NormalizedKubernetesVersion",
            format!("v{}.{}.0", kube.0, kube.1),
        ),
        ("StrictSuffix", "-strict".into()),
        ("ResourceKind", kind.to_lowercase()),
        ("ResourceAPIVersion", version.to_string()),
        ("Group", group.to_string()),
        ("KindSuffix", suffix),
    ];
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re =
        RE.get_or_init(|| regex::Regex::new(r"\{\{\s*\.(\w+)\s*\}\}").expect("a valid pattern"));
    re.replace_all(tpl, |c: &regex::Captures| {
        vars.iter()
            .find(|(n, _)| *n == &c[1])
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| c[0].to_string())
    })
    .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeconform_template_variables() {
        let t = "{{.NormalizedKubernetesVersion}}{{.StrictSuffix}}/{{ .ResourceKind }}{{.KindSuffix}}.json";
        assert_eq!(
            expand(t, "apps/v1", "Deployment", (1, 32)),
            "v1.32.0-strict/deployment-apps-v1.json"
        );
        assert_eq!(
            expand(t, "v1", "ConfigMap", (1, 29)),
            "v1.29.0-strict/configmap-v1.json"
        );
        assert_eq!(
            expand(
                "{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json",
                "kafka.strimzi.io/v1beta2",
                "KafkaTopic",
                (1, 32)
            ),
            "kafka.strimzi.io/kafkatopic_v1beta2.json"
        );
        assert_eq!(
            expand(
                "{{.KindSuffix}}",
                "rbac.authorization.k8s.io/v1",
                "Role",
                (1, 32)
            ),
            "-rbac-v1"
        );
    }
}
