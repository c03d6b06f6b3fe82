//! Scaffold generation: the files of the solution's GitOps repo. Every YAML file goes
//! through the engine's writer, so the repo is in kustomize's own style and re-renders
//! byte-identically. Pure: secret values come in through `Options`, nothing is written.

mod apps;
mod argocd;
mod environments;
mod functions;
mod operators;
mod readme;
mod services;
mod users;

use super::spec::{Environment, Solution};
use super::templates;
use crate::catalog::{self, render::Layout};
use crate::seal::{self, Certificate, SealOptions};
use crate::yaml::{self, Map, Value};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;

const KUSTOMIZE_API: &str = "kustomize.config.k8s.io/v1beta1";
const WAVE: &str = "argocd.argoproj.io/sync-wave";

/// One generated file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub path: String,
    pub content: String,
    /// For SealedSecrets: the sealed keys, so an existing file sealed for the same
    /// certificate can be kept instead of re-sealed.
    pub sealed_keys: Option<Vec<String>>,
}

/// Resolves a secret key's value: (secret name, key) to bytes, or an error naming both.
pub type Resolve<'a> = &'a dyn Fn(&str, &super::spec::SecretKey) -> Result<Vec<u8>, String>;

pub struct Options<'a> {
    pub templates: Option<&'a Path>,
    pub cert: Option<&'a Certificate>,
    /// Resolves a secret key's value (environment variable or file); generated keys are
    /// made here. Errors name the secret and key.
    pub resolve: Resolve<'a>,
}

#[derive(Debug, Default)]
pub struct Generated {
    pub files: Vec<File>,
    pub warnings: Vec<String>,
}

struct Gen<'a> {
    sol: &'a Solution,
    env: minijinja::Environment<'static>,
    files: Vec<File>,
    /// (apiGroup, kind) of every namespaced object generated, for the AppProject.
    kinds: BTreeSet<(String, String)>,
    /// The operators chosen and their channels (operators area).
    ops: Vec<(&'static catalog::Operator, String)>,
    /// Bootstrap folders of the operators and catalog sources (operators area).
    op_dirs: Vec<String>,
    /// Base service folders and app names written (services and apps areas).
    services: Vec<String>,
    apps: Vec<String>,
    /// AppProject destinations, one per environment (environments area).
    destinations: Vec<Value>,
    warnings: Vec<String>,
    /// Every KafkaUser the repo needs (services writes them, apps connect as them).
    users: Vec<users::KafkaUser>,
    /// Functions are rendered: the Knative instances are part of the platform.
    uses_functions: bool,
}

fn kustomization(resources: &[String], extra: Map) -> Value {
    let mut k = Map::new();
    k.insert("apiVersion".into(), json!(KUSTOMIZE_API));
    k.insert("kind".into(), json!("Kustomization"));
    k.insert("resources".into(), json!(resources));
    for (key, v) in extra {
        k.insert(key, v);
    }
    Value::Object(k)
}

fn annotations(wave: &str) -> Map {
    let mut m = Map::new();
    m.insert("commonAnnotations".into(), json!({ WAVE: wave }));
    m
}

impl Gen<'_> {
    /// One folder of base services: a file per item rendered from its template, and a
    /// kustomization carrying the folder's sync wave. An empty list writes nothing.
    fn service_folder(
        &mut self,
        services: &mut Vec<String>,
        folder: &str,
        wave: &str,
        items: Vec<(String, &str, Value)>,
    ) -> Result<(), String> {
        if items.is_empty() {
            return Ok(());
        }
        let mut res = Vec::new();
        for (name, template, c) in items {
            let text = self.render(template, minijinja::Value::from(minijinja::value::Serde(c)))?;
            self.add(
                format!("environments/base/services/{folder}/{name}.yaml"),
                text,
            );
            res.push(format!("{name}.yaml"));
        }
        self.add_yaml(
            format!("environments/base/services/{folder}/kustomization.yaml"),
            &kustomization(&res, annotations(wave)),
        );
        services.push(folder.to_string());
        Ok(())
    }

    fn add(&mut self, path: String, content: String) {
        self.files.push(File {
            path,
            content,
            sealed_keys: None,
        });
    }

    fn add_yaml(&mut self, path: String, v: &Value) {
        self.add(path, yaml::to_yaml(v));
    }

    /// Renders a template into objects, in the engine's YAML style.
    fn render(&mut self, template: &str, ctx: minijinja::Value) -> Result<String, String> {
        let text = self
            .env
            .get_template(template)
            .and_then(|t| t.render(ctx))
            .map_err(|e| format!("template {template}: {e:#}"))?;
        let docs = yaml::parse_documents(&text)
            .map_err(|e| format!("template {template} made invalid YAML: {e}"))?;
        let objs: Vec<Value> = docs
            .into_iter()
            .map(|d| d.value)
            .filter(|v| !v.is_null())
            .collect();
        self.record_kinds(&objs);
        Ok(yaml::to_yaml_stream(objs.iter()))
    }

    /// Notes the (apiGroup, kind) of objects generated, for the AppProject and the health
    /// checks.
    fn record_kinds(&mut self, objs: &[Value]) {
        for o in objs {
            let api = yaml::str_at(o, &["apiVersion"]);
            let group = api.split_once('/').map(|(g, _)| g).unwrap_or("");
            self.kinds
                .insert((group.to_string(), yaml::str_at(o, &["kind"]).to_string()));
        }
    }
}

/// The chosen operator (and its channel) that serves a kind; the spec checks guarantee one.
fn serving<'a>(
    ops: &'a [(&'static catalog::Operator, String)],
    group: &str,
    kind: &str,
) -> Result<(&'static catalog::Operator, &'a str), String> {
    ops.iter()
        .find(|(o, _)| o.provides_kind(group, kind))
        .map(|(o, c)| (*o, c.as_str()))
        .ok_or_else(|| format!("spec.operators: no operator serving {group} {kind}"))
}

/// A spec value, else the catalog's operand default for the channel in use, else an error
/// at the spec field `at` saying where to set it.
fn spec_or_default(
    given: &Option<String>,
    default: Option<&String>,
    at: &str,
    op: &catalog::Operator,
    channel: &str,
) -> Result<String, String> {
    given.clone().or_else(|| default.cloned()).ok_or_else(|| {
        format!(
            "{at}: the catalog has no default for {} channel {channel}; set it in the spec",
            op.name
        )
    })
}

/// The bootstrap address of the listener SCRAM users connect to (TLS, port 9093).
fn bootstrap_service(b: &super::spec::EventBackbone) -> String {
    format!("{}-kafka-bootstrap:9093", b.name)
}

/// The bootstrap address of the listener mTLS users connect to (port 9094).
fn mtls_bootstrap_service(b: &super::spec::EventBackbone) -> String {
    format!("{}-kafka-bootstrap:9094", b.name)
}

pub fn generate(sol: &Solution, opts: &Options) -> Result<Generated, String> {
    let mut g = Gen {
        sol,
        env: templates::environment(opts.templates)?,
        files: Vec::new(),
        kinds: BTreeSet::new(),
        ops: Vec::new(),
        op_dirs: Vec::new(),
        services: Vec::new(),
        apps: Vec::new(),
        destinations: Vec::new(),
        warnings: Vec::new(),
        users: users::kafka_users(sol),
        uses_functions: false,
    };
    // The areas in order: each reads what the earlier ones recorded in `g`.
    operators::operators(&mut g)?;
    services::services(&mut g)?;
    apps::apps(&mut g)?;
    functions::functions(&mut g)?;
    environments::environments(&mut g, opts)?;
    argocd::argocd(&mut g)?;
    let readme = readme::readme(sol, &g.ops);
    g.add("README.md".into(), readme);
    let mut files = g.files;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Generated {
        files,
        warnings: g.warnings,
    })
}
