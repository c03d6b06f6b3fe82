//! The solution spec (`solution.yaml`): its JSON Schema, validation that reports every
//! problem at once with file, line and field path, and the typed form scaffold uses.
//! Pure: reads no files (the caller passes the text), never prints.

use crate::catalog;
use crate::yaml::{self, Value};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

pub const SCHEMA: &str = include_str!("solution.schema.json");

/// A problem in a spec: line and field path (the caller adds the file).
pub use crate::diag::Diagnostic;

fn problem(line: Option<usize>, path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(message).at_line(line).at_field(path)
}

fn main_branch() -> String {
    "main".into()
}
fn argocd_ns() -> String {
    "openshift-gitops".into()
}
fn in_cluster() -> String {
    "https://kubernetes.default.svc".into()
}
fn three() -> u32 {
    3
}
fn one() -> u32 {
    1
}
fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
pub struct Solution {
    pub metadata: Metadata,
    pub spec: Spec,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    pub gitops: Gitops,
    #[serde(default)]
    pub catalog: Catalog,
    pub environments: Vec<Environment>,
    #[serde(default)]
    pub overrides: BTreeMap<String, Overrides>,
    #[serde(default)]
    pub operators: Vec<OperatorRef>,
    pub event_backbone: Option<EventBackbone>,
    #[serde(default)]
    pub queue_managers: Vec<QueueManager>,
    pub schema_registry: Option<SchemaRegistry>,
    #[serde(default)]
    pub apps: Vec<App>,
    #[serde(default)]
    pub secrets: Vec<Secret>,
    #[serde(default)]
    pub sealing: Sealing,
    #[serde(default)]
    pub pull_secrets: Vec<PullSecret>,
    #[serde(default)]
    pub functions: Vec<Function>,
}

/// An event-driven function: a Knative Service with a Trigger on the environment's
/// Broker; `from` topics reach the Broker through a KafkaSource each.
#[derive(Debug, Clone, Deserialize)]
pub struct Function {
    pub name: String,
    pub image: String,
    pub tag: Option<String>,
    #[serde(default)]
    pub from: Vec<String>,
    #[serde(default)]
    pub filter: BTreeMap<String, String>,
    #[serde(default)]
    pub env: BTreeMap<String, Value>,
}

/// An image pull secret (`kubernetes.io/dockerconfigjson`), sealed into every environment.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullSecret {
    pub name: String,
    pub registry: String,
    pub username: String,
    pub password_from_env: Option<String>,
    pub password_from_file: Option<String>,
}

/// How a Kafka user authenticates: the listener it uses and what its Secret holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum KafkaAuth {
    #[default]
    #[serde(rename = "scram-sha-512")]
    ScramSha512,
    #[serde(rename = "tls")]
    Tls,
}

impl KafkaAuth {
    pub fn as_str(self) -> &'static str {
        match self {
            KafkaAuth::ScramSha512 => "scram-sha-512",
            KafkaAuth::Tls => "tls",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gitops {
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    #[serde(default = "main_branch")]
    pub revision: String,
    #[serde(default = "argocd_ns")]
    pub argocd_namespace: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Catalog {
    #[serde(default = "yes")]
    pub builtin: bool,
    pub url: Option<String>,
    pub r#ref: Option<String>,
}

impl Default for Catalog {
    fn default() -> Catalog {
        Catalog {
            builtin: true,
            url: None,
            r#ref: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    pub name: String,
    pub namespace: String,
    #[serde(default = "in_cluster")]
    pub cluster: String,
    #[serde(default)]
    pub sync_policy: SyncPolicy,
    /// The git revision this environment's Applications track (default: the gitops
    /// revision). Pinning prod to a tag makes promotion a reviewed change of this field.
    pub revision: Option<String>,
}

/// How Argo CD syncs an environment: by itself (and self-heals), or when a person presses
/// sync.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncPolicy {
    #[default]
    Automated,
    Manual,
}

impl SyncPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncPolicy::Automated => "automated",
            SyncPolicy::Manual => "manual",
        }
    }
}

/// The Kafka the solution runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackboneType {
    /// IBM Event Streams (eventstreams.ibm.com).
    EventStreams,
    /// Strimzi (kafka.strimzi.io).
    Strimzi,
}

impl BackboneType {
    pub fn display(self) -> &'static str {
        match self {
            BackboneType::EventStreams => "IBM Event Streams",
            BackboneType::Strimzi => "Strimzi",
        }
    }
}

/// The schema registry: Apicurio's operator, or the one Event Streams runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegistryType {
    Apicurio,
    EventStreams,
}

impl Environment {
    pub fn revision<'a>(&'a self, gitops: &'a Gitops) -> &'a str {
        self.revision.as_deref().unwrap_or(&gitops.revision)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Overrides {
    #[serde(default)]
    pub replicas: BTreeMap<String, u32>,
    #[serde(default)]
    pub partitions: BTreeMap<String, u32>,
    #[serde(default)]
    pub storage: BTreeMap<String, String>,
    #[serde(default)]
    pub image_tags: BTreeMap<String, String>,
    /// Per Event Streams or queue manager: the license `use` here (prod: Production).
    #[serde(default)]
    pub license_use: BTreeMap<String, String>,
    /// Per Event Streams or queue manager: the license id here (MQ's differs by use).
    #[serde(default)]
    pub license: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OperatorRef {
    pub name: String,
    pub channel: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventBackbone {
    pub r#type: BackboneType,
    pub name: String,
    pub version: Option<String>,
    pub license: Option<String>,
    pub r#use: Option<String>,
    pub kafka_version: Option<String>,
    #[serde(default = "three")]
    pub replicas: u32,
    pub storage: Option<String>,
    /// A listener outside the cluster: an OpenShift Route (TLS passthrough, port 443),
    /// SCRAM users.
    #[serde(default)]
    pub external: bool,
    #[serde(default)]
    pub topics: Vec<Topic>,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub connect_clusters: Vec<ConnectCluster>,
    #[serde(default)]
    pub connectors: Vec<Connector>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Topic {
    pub name: String,
    #[serde(default = "one")]
    pub partitions: u32,
    /// `None`: three, or the broker count when the cluster has fewer.
    pub replicas: Option<u32>,
    #[serde(default)]
    pub config: BTreeMap<String, Value>,
}

impl Topic {
    /// The replicas the topic gets on a cluster of `brokers` brokers.
    pub fn replicas_on(&self, brokers: u32) -> u32 {
        self.replicas.unwrap_or(brokers.min(3))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub name: String,
    #[serde(default)]
    pub authentication: KafkaAuth,
    #[serde(default)]
    pub acls: Vec<Acl>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Acl {
    pub topic: Option<String>,
    pub group: Option<String>,
    pub operations: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ConnectCluster {
    pub name: String,
    #[serde(default = "one")]
    pub replicas: u32,
    pub image: Option<String>,
    pub user: Option<String>,
    /// Connector plugins Strimzi builds into the Connect image.
    #[serde(default)]
    pub plugins: Vec<Plugin>,
}

impl ConnectCluster {
    /// The Kafka user it connects as: the one it names, else its own.
    pub fn kafka_user(&self) -> &str {
        self.user.as_deref().unwrap_or(&self.name)
    }
}

/// A plugin as Strimzi's `spec.build.plugins` takes it (serialized as is).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct Plugin {
    pub name: String,
    pub artifacts: Vec<Artifact>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    pub r#type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha512sum: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A Secret whose keys a connector reads as credentials (mounted into the Connect pods,
/// read through Kafka's directory config provider: no value is in the connector).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    pub secret: String,
    #[serde(default = "username_key")]
    pub username_key: String,
    #[serde(default = "password_key")]
    pub password_key: String,
}

fn username_key() -> String {
    "username".into()
}
fn password_key() -> String {
    "password".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connector {
    pub name: String,
    pub connect_cluster: String,
    pub class: String,
    #[serde(default = "one")]
    pub tasks_max: u32,
    #[serde(default)]
    pub config: BTreeMap<String, Value>,
    /// For MQ connectors: the Secret holding the queue manager's app identity.
    pub credentials: Option<Credentials>,
}

impl Connector {
    /// A config value as text.
    pub fn config_str(&self, key: &str) -> Option<String> {
        self.config
            .get(key)
            .map(crate::kustomize::resmap::resource::scalar_string)
    }

    /// The topics a sink connector reads (`topics`, comma-separated).
    pub fn sink_topics(&self) -> Vec<String> {
        self.config_str("topics")
            .map(|ts| {
                ts.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueManager {
    pub name: String,
    pub version: Option<String>,
    pub license: Option<String>,
    pub r#use: Option<String>,
    pub availability: Option<String>,
    pub storage: Option<String>,
    #[serde(default)]
    pub queues: Vec<Queue>,
    #[serde(default)]
    pub channels: Vec<MqChannel>,
    #[serde(default)]
    pub security: MqSecurity,
}

/// How clients are let in: `app` (channel authentication rules map every client of the
/// declared channels to one app identity with the authorities it needs; everything else
/// is blocked) or `development` (channel and connection authentication off: a test
/// queue manager only, said so in its MQSC).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MqSecurityMode {
    #[default]
    App,
    Development,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MqSecurity {
    #[serde(default)]
    pub mode: MqSecurityMode,
    #[serde(default = "app_user")]
    pub app_user: String,
}

impl Default for MqSecurity {
    fn default() -> MqSecurity {
        MqSecurity {
            mode: MqSecurityMode::App,
            app_user: app_user(),
        }
    }
}

fn app_user() -> String {
    "app".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Queue {
    pub name: String,
    pub max_depth: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MqChannel {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SchemaRegistry {
    pub r#type: RegistryType,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    pub name: String,
    pub image: String,
    pub tag: Option<String>,
    #[serde(default = "one")]
    pub replicas: u32,
    #[serde(default)]
    pub ports: Vec<u32>,
    #[serde(default)]
    pub env: BTreeMap<String, Value>,
    #[serde(default)]
    pub produces: Vec<String>,
    #[serde(default)]
    pub consumes: Vec<String>,
    /// A declared Kafka user; without one the app gets a user of its own, named after it,
    /// with the ACLs its topics need.
    pub user: Option<String>,
    /// The consumer group it reads in (default: its name).
    pub group: Option<String>,
    /// An OpenShift Route (TLS edge) to its first port.
    #[serde(default)]
    pub route: bool,
    /// A Kafka Streams app: its group is its application.id, and it creates and uses
    /// internal topics named after it (changelogs, repartitions).
    #[serde(default)]
    pub kafka_streams: bool,
}

impl App {
    pub fn group(&self) -> &str {
        self.group.as_deref().unwrap_or(&self.name)
    }
    /// The Kafka user it connects as.
    pub fn kafka_user(&self) -> &str {
        self.user.as_deref().unwrap_or(&self.name)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Secret {
    pub name: String,
    pub keys: Vec<SecretKey>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretKey {
    pub name: String,
    pub from_env: Option<String>,
    pub from_file: Option<String>,
    pub generate: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Sealing {
    pub certificate: Option<String>,
}

impl Spec {
    /// The topics functions take events from, each once, sorted: one KafkaSource each.
    pub fn function_topics(&self) -> Vec<&str> {
        let mut topics: Vec<&str> = self
            .functions
            .iter()
            .flat_map(|f| f.from.iter().map(String::as_str))
            .collect();
        topics.sort();
        topics.dedup();
        topics
    }
}

impl Solution {
    /// Whether the spec names files relative to itself: a certificate or secret files.
    pub fn names_files(&self) -> bool {
        let s = &self.spec;
        s.sealing.certificate.is_some()
            || s.secrets
                .iter()
                .any(|x| x.keys.iter().any(|k| k.from_file.is_some()))
            || s.pull_secrets
                .iter()
                .any(|p| p.password_from_file.is_some())
    }

    /// The operator a backbone, MQ or registry needs, by catalog name.
    pub fn required_operators(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        if let Some(b) = &self.spec.event_backbone {
            let op = if b.r#type == BackboneType::EventStreams {
                "ibm-eventstreams"
            } else {
                "strimzi"
            };
            v.push((op, "spec.eventBackbone".to_string()));
        }
        if !self.spec.queue_managers.is_empty() {
            v.push(("ibm-mq", "spec.queueManagers".to_string()));
        }
        if self
            .spec
            .schema_registry
            .as_ref()
            .is_some_and(|r| r.r#type == RegistryType::Apicurio)
        {
            v.push(("apicurio-registry", "spec.schemaRegistry".to_string()));
        }
        // Argo CD itself: OpenShift GitOps' default instance lives in openshift-gitops, and
        // a fresh cluster gets it from the bootstrap.
        if self.spec.gitops.argocd_namespace == "openshift-gitops" {
            v.push(("openshift-gitops", "spec.gitops".to_string()));
        }
        // Sealed secrets are unsealed only where the controller runs.
        if !self.spec.secrets.is_empty() {
            v.push(("sealed-secrets", "spec.secrets".to_string()));
        } else if !self.spec.pull_secrets.is_empty() {
            v.push(("sealed-secrets", "spec.pullSecrets".to_string()));
        }
        if !self.spec.functions.is_empty() {
            v.push(("openshift-serverless", "spec.functions".to_string()));
        }
        v
    }
}

struct Validator<'a> {
    root: &'a Value,
    lines: &'a HashMap<String, usize>,
    out: Vec<Diagnostic>,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl Validator<'_> {
    fn line_of(&self, path: &str) -> Option<usize> {
        let mut p = path.to_string();
        loop {
            if let Some(l) = self.lines.get(&p) {
                return Some(*l);
            }
            match p.rfind(['.', '[']) {
                Some(i) => p.truncate(i),
                None => return None,
            }
        }
    }

    fn report(&mut self, path: &str, message: String) {
        let line = self.line_of(path);
        self.out.push(problem(
            line,
            if path.is_empty() {
                "(top)".to_string()
            } else {
                path.to_string()
            },
            message,
        ));
    }

    fn check(&mut self, v: &Value, schema: &Value, path: &str) {
        let schema = match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.trim_start_matches("#/$defs/");
                self.root["$defs"].get(name).unwrap_or(&Value::Null)
            }
            None => schema,
        };
        let schema = schema.clone();
        if let Some(t) = schema.get("type") {
            let actual = type_name(v);
            let ok = |t: &str| t == actual || (t == "number" && actual == "integer");
            let fits = match t {
                Value::String(s) => ok(s),
                Value::Array(a) => a.iter().filter_map(Value::as_str).any(ok),
                _ => true,
            };
            if !fits {
                let want = match t {
                    Value::Array(a) => a
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" or "),
                    other => other.as_str().unwrap_or("").to_string(),
                };
                self.report(path, format!("expected {want}, found {actual}"));
                return;
            }
        }
        if let Some(Value::Array(allowed)) = schema.get("enum")
            && !allowed.contains(v)
        {
            let names: Vec<String> = allowed
                .iter()
                .map(|a| a.as_str().unwrap_or("").to_string())
                .collect();
            self.report(path, format!("{} is not one of {}", v, names.join(", ")));
        }
        if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_i64), v.as_i64())
            && n < min
        {
            self.report(path, format!("must be at least {min}"));
        }
        // Every integer field is a u32 at most, so one too large is named here, with its
        // line, rather than failing later in decoding.
        let max = schema
            .get("maximum")
            .and_then(Value::as_u64)
            .unwrap_or(u32::MAX as u64);
        if schema.get("type").and_then(Value::as_str) == Some("integer")
            && v.as_u64().is_some_and(|n| n > max)
        {
            self.report(path, format!("must be at most {max}"));
        }
        if let (Some(p), Some(s)) = (schema.get("pattern").and_then(Value::as_str), v.as_str())
            && !regex::Regex::new(p).is_ok_and(|re| re.is_match(s))
        {
            self.report(
                path,
                format!("{s:?} must be a DNS-1123 label (lower-case letters, digits, '-')"),
            );
        }
        match v {
            Value::Object(m) => {
                let props = schema.get("properties").and_then(Value::as_object);
                for req in schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let r = req.as_str().unwrap_or("");
                    if !m.contains_key(r) {
                        self.report(path, format!("missing required field `{r}`"));
                    }
                }
                for (k, x) in m {
                    let child = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    if let Some(ps) = props.and_then(|p| p.get(k)) {
                        self.check(x, ps, &child);
                    } else if let Some(extra) =
                        schema.get("additionalProperties").filter(|a| a.is_object())
                    {
                        self.check(x, extra, &child);
                    } else if props.is_some()
                        || schema.get("additionalProperties") == Some(&Value::Bool(false))
                    {
                        let names: Vec<&String> =
                            props.map(|p| p.keys().collect()).unwrap_or_default();
                        let near = names.iter().map(|n| (catalog::distance(k, n), *n)).min();
                        let hint = match near {
                            Some((dist, n)) if dist <= 3 => format!(" (did you mean `{n}`?)"),
                            _ => format!(
                                " (valid: {})",
                                names
                                    .iter()
                                    .map(|s| s.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        };
                        self.report(&child, format!("unknown field `{k}`{hint}"));
                    }
                }
            }
            Value::Array(a) => {
                if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                    && (a.len() as u64) < min
                {
                    self.report(path, format!("needs at least {min} item(s)"));
                }
                if let Some(items) = schema.get("items") {
                    for (i, x) in a.iter().enumerate() {
                        self.check(x, items, &format!("{path}[{i}]"));
                    }
                }
            }
            _ => {}
        }
    }
}

/// Validates spec text and returns the typed solution, or every problem found.
pub fn parse(text: &str) -> Result<Solution, Vec<Diagnostic>> {
    let (value, lines) = yaml::parse_one_with_lines(text)
        .map_err(|e| vec![problem(Some(e.line), "(yaml)", e.message)])?;
    let schema: Value = serde_json::from_str(SCHEMA).expect("embedded schema is JSON");
    let mut v = Validator {
        root: &schema,
        lines: &lines,
        out: Vec::new(),
    };
    v.check(&value, &schema, "");
    if !v.out.is_empty() {
        return Err(v.out);
    }
    let sol: Solution =
        serde_json::from_value(value).map_err(|e| vec![problem(None, "(spec)", e.to_string())])?;
    let mut refs = names(&sol);
    refs.extend(references(&sol));
    if !refs.is_empty() {
        return Err(refs
            .into_iter()
            .map(|(path, message)| {
                let line = v.line_of(&path);
                problem(line, path, message)
            })
            .collect());
    }
    Ok(sol)
}

/// Every name that becomes an object name, a file name, a topic or MQSC text, checked by
/// the rule of the object it names (lengths include the suffixes the operators add).
fn names(sol: &Solution) -> Vec<(String, String)> {
    use crate::names::*;
    let s = &sol.spec;
    let mut out = Vec::new();
    let mut check = |path: String, r: Result<(), String>| {
        if let Err(e) = r {
            out.push((path, e));
        }
    };
    // Argo CD's tracking label holds `<solution>-<env>-<component>`: a label value, 63 at most.
    let longest_env = s
        .environments
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0);
    check(
        "metadata.name".into(),
        dns_label(
            &sol.metadata.name,
            63usize.saturating_sub(longest_env + "--services".len()),
        ),
    );
    for (i, e) in s.environments.iter().enumerate() {
        check(
            format!("spec.environments[{i}].name"),
            dns_label(&e.name, 40),
        );
        check(
            format!("spec.environments[{i}].namespace"),
            dns_label(&e.namespace, 63),
        );
    }
    for (i, o) in s.operators.iter().enumerate() {
        if let Some(ch) = &o.channel {
            check(format!("spec.operators[{i}].channel"), olm_channel(ch));
        }
    }
    if let Some(b) = &s.event_backbone {
        // Strimzi and Event Streams name Services `<cluster>-kafka-bootstrap`.
        check(
            "spec.eventBackbone.name".into(),
            dns1035_label(&b.name, 63 - "-kafka-bootstrap".len()),
        );
        for (i, t) in b.topics.iter().enumerate() {
            check(
                format!("spec.eventBackbone.topics[{i}].name"),
                kafka_topic(&t.name),
            );
        }
        let objects: Vec<String> = b
            .topics
            .iter()
            .map(|t| topic_object_name(&t.name))
            .collect();
        for (i, o) in objects.iter().enumerate() {
            if objects[..i].contains(o) {
                check(
                    format!("spec.eventBackbone.topics[{i}].name"),
                    Err(format!(
                        "its object name `{o}` is the same as an earlier topic's"
                    )),
                );
            }
        }
        for (i, u) in b.users.iter().enumerate() {
            // A user's name is its Secret's name and, for TLS users, the certificate's CN (64).
            check(
                format!("spec.eventBackbone.users[{i}].name"),
                dns_label(&u.name, 63),
            );
        }
        for (i, c) in b.connect_clusters.iter().enumerate() {
            // Strimzi names the REST Service `<name>-connect-api`.
            check(
                format!("spec.eventBackbone.connectClusters[{i}].name"),
                dns1035_label(&c.name, 63 - "-connect-api".len()),
            );
        }
        for (i, c) in b.connectors.iter().enumerate() {
            check(
                format!("spec.eventBackbone.connectors[{i}].name"),
                dns_subdomain(&c.name),
            );
        }
    }
    for (i, q) in s.queue_managers.iter().enumerate() {
        // The queue manager's MQ name is derived from it and is at most 48 characters.
        check(
            format!("spec.queueManagers[{i}].name"),
            dns1035_label(&q.name, 48),
        );
        for (j, x) in q.queues.iter().enumerate() {
            check(
                format!("spec.queueManagers[{i}].queues[{j}].name"),
                mq_object(&x.name, 48),
            );
        }
        for (j, c) in q.channels.iter().enumerate() {
            check(
                format!("spec.queueManagers[{i}].channels[{j}].name"),
                mq_object(&c.name, 20),
            );
        }
    }
    for (i, a) in s.apps.iter().enumerate() {
        // An app is a Deployment and a Service of the same name, and `<name>-config`.
        check(
            format!("spec.apps[{i}].name"),
            dns1035_label(&a.name, 63 - "-config".len()),
        );
        check(format!("spec.apps[{i}].image"), image_repository(&a.image));
        if let Some(t) = &a.tag {
            check(format!("spec.apps[{i}].tag"), image_tag(t));
        }
    }
    for (env, o) in &s.overrides {
        for (app, t) in &o.image_tags {
            check(
                format!("spec.overrides.{env}.imageTags.{app}"),
                image_tag(t),
            );
        }
    }
    for (i, sec) in s.secrets.iter().enumerate() {
        check(format!("spec.secrets[{i}].name"), dns_subdomain(&sec.name));
        for (j, k) in sec.keys.iter().enumerate() {
            check(
                format!("spec.secrets[{i}].keys[{j}].name"),
                config_key(&k.name),
            );
            if let Some(n) = k.generate
                && !(8..=4096).contains(&n)
            {
                check(
                    format!("spec.secrets[{i}].keys[{j}].generate"),
                    Err("a generated value is 8 to 4096 characters".into()),
                );
            }
        }
    }
    out
}

/// Cross-references: every name used must be declared, and every operator known.
fn references(sol: &Solution) -> Vec<(String, String)> {
    let s = &sol.spec;
    let mut out = Vec::new();
    let envs: Vec<&str> = s.environments.iter().map(|e| e.name.as_str()).collect();
    let topics: Vec<&str> = s
        .event_backbone
        .iter()
        .flat_map(|b| b.topics.iter().map(|t| t.name.as_str()))
        .collect();
    let users: Vec<&str> = s
        .event_backbone
        .iter()
        .flat_map(|b| b.users.iter().map(|u| u.name.as_str()))
        .collect();
    let apps: Vec<&str> = s.apps.iter().map(|a| a.name.as_str()).collect();
    let dupes = |names: &[&str], what: &str, path: &str, out: &mut Vec<(String, String)>| {
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                out.push((
                    format!("{path}[{i}].name"),
                    format!("duplicate {what} `{n}`"),
                ));
            }
        }
    };
    dupes(&envs, "environment", "spec.environments", &mut out);
    dupes(&topics, "topic", "spec.eventBackbone.topics", &mut out);
    dupes(&apps, "app", "spec.apps", &mut out);
    if let Some(b) = &s.event_backbone {
        for (i, t) in b.topics.iter().enumerate() {
            if let Some(r) = t.replicas.filter(|&r| r > b.replicas) {
                out.push((
                    format!("spec.eventBackbone.topics[{i}].replicas"),
                    format!(
                        "{r} replicas on a cluster of {} broker(s): the topic operator refuses it",
                        b.replicas
                    ),
                ));
            }
        }
    }
    for (i, op) in s.operators.iter().enumerate() {
        match catalog::find(&op.name) {
            Err(e) => out.push((format!("spec.operators[{i}].name"), e)),
            Ok(known) => {
                if let Some(ch) = &op.channel
                    && known.channel(ch).is_none()
                {
                    let list: Vec<&str> = known.channels.iter().map(|c| c.name.as_str()).collect();
                    out.push((
                        format!("spec.operators[{i}].channel"),
                        format!(
                            "channel `{ch}` is not known for {} ({})",
                            known.name,
                            list.join(", ")
                        ),
                    ));
                }
            }
        }
    }
    for (op, at) in sol.required_operators() {
        if !s
            .operators
            .iter()
            .any(|o| catalog::find(&o.name).is_ok_and(|k| k.name == op))
        {
            out.push((at, format!("needs operator `{op}` in spec.operators")));
        }
    }
    for (env, o) in &s.overrides {
        let at = format!("spec.overrides.{env}");
        if !envs.contains(&env.as_str()) {
            out.push((
                at.clone(),
                format!("environment `{env}` is not declared in spec.environments"),
            ));
        }
        for app in o.replicas.keys().chain(o.image_tags.keys()) {
            if !apps.contains(&app.as_str()) {
                out.push((
                    at.clone(),
                    format!("app `{app}` is not declared in spec.apps"),
                ));
            }
        }
        for t in o.partitions.keys() {
            if !topics.contains(&t.as_str()) {
                out.push((
                    at.clone(),
                    format!("topic `{t}` is not declared in spec.eventBackbone.topics"),
                ));
            }
        }
        for n in o.license_use.keys() {
            // An MQ license id names its use (IBM's licence table: one id for Production,
            // another for NonProduction): changing the use alone makes a wrong pair.
            if s.queue_managers.iter().any(|q| &q.name == n) && !o.license.contains_key(n) {
                out.push((
                    format!("{at}.licenseUse.{n}"),
                    format!("an MQ license id is for one use: give the id for this use in {at}.license.{n} too"),
                ));
            }
        }
        for n in o.license_use.keys().chain(o.license.keys()) {
            if s.event_backbone
                .as_ref()
                .is_some_and(|b| &b.name == n && b.r#type == BackboneType::Strimzi)
            {
                out.push((
                    format!("{at}.licenseUse.{n}"),
                    "a Strimzi Kafka has no license to set".into(),
                ));
            }
        }
        for n in o
            .storage
            .keys()
            .chain(o.license_use.keys())
            .chain(o.license.keys())
        {
            let known = s.event_backbone.as_ref().is_some_and(|b| &b.name == n)
                || s.queue_managers.iter().any(|q| &q.name == n);
            if !known {
                out.push((
                    at.clone(),
                    format!("`{n}` is neither the event backbone nor a queue manager"),
                ));
            }
        }
    }
    if let Some(b) = &s.event_backbone {
        let clusters: Vec<&str> = b.connect_clusters.iter().map(|c| c.name.as_str()).collect();
        for (i, c) in b.connectors.iter().enumerate() {
            if !clusters.contains(&c.connect_cluster.as_str()) {
                out.push((format!("spec.eventBackbone.connectors[{i}].connectCluster"), format!("connect cluster `{}` is not declared in spec.eventBackbone.connectClusters", c.connect_cluster)));
            }
        }
        for (i, c) in b.connect_clusters.iter().enumerate() {
            if let Some(u) = &c.user
                && !users.contains(&u.as_str())
            {
                out.push((
                    format!("spec.eventBackbone.connectClusters[{i}].user"),
                    format!("user `{u}` is not declared"),
                ));
            }
        }
        for (i, u) in b.users.iter().enumerate() {
            for (j, a) in u.acls.iter().enumerate() {
                if let Some(t) = &a.topic
                    && t != "*"
                    && !topics.contains(&t.as_str())
                {
                    out.push((
                        format!("spec.eventBackbone.users[{i}].acls[{j}].topic"),
                        format!("topic `{t}` is not declared"),
                    ));
                }
            }
        }
    }
    for (i, a) in s.apps.iter().enumerate() {
        for (field, list) in [("produces", &a.produces), ("consumes", &a.consumes)] {
            for (j, t) in list.iter().enumerate() {
                if !topics.contains(&t.as_str()) {
                    out.push((
                        format!("spec.apps[{i}].{field}[{j}]"),
                        format!("topic `{t}` is not declared in spec.eventBackbone.topics"),
                    ));
                }
            }
        }
        if let Some(u) = &a.user
            && !users.contains(&u.as_str())
        {
            out.push((
                format!("spec.apps[{i}].user"),
                format!("user `{u}` is not declared"),
            ));
        }
        if (!a.produces.is_empty() || !a.consumes.is_empty()) && s.event_backbone.is_none() {
            out.push((
                format!("spec.apps[{i}]"),
                "uses topics but spec.eventBackbone is missing".into(),
            ));
        }
    }
    semantics(s, &users, &topics, &mut out);
    for (i, sec) in s.secrets.iter().enumerate() {
        for (j, k) in sec.keys.iter().enumerate() {
            let n = [
                k.from_env.is_some(),
                k.from_file.is_some(),
                k.generate.is_some(),
            ]
            .iter()
            .filter(|b| **b)
            .count();
            if n != 1 {
                out.push((
                    format!("spec.secrets[{i}].keys[{j}]"),
                    "needs exactly one of fromEnv, fromFile, generate".into(),
                ));
            }
        }
    }
    if !s.catalog.builtin && s.catalog.url.is_none() {
        out.push((
            "spec.catalog".into(),
            "a non-built-in catalog needs `url`".into(),
        ));
    }
    out
}

/// What the spec must say for the repo to deploy and run, beyond names that resolve: each
/// message says what would fail on the cluster.
fn semantics(s: &Spec, users: &[&str], topics: &[&str], out: &mut Vec<(String, String)>) {
    // IBM's operand images are entitled: the operators pull them with this secret, from
    // the instance's namespace (Event Streams and MQ documentation: ibm-entitlement-key).
    let ibm = s
        .event_backbone
        .as_ref()
        .is_some_and(|b| b.r#type == BackboneType::EventStreams)
        || !s.queue_managers.is_empty();
    if ibm
        && !s
            .pull_secrets
            .iter()
            .any(|p| p.name == "ibm-entitlement-key")
    {
        let at = if s.queue_managers.is_empty() {
            "spec.eventBackbone"
        } else {
            "spec.queueManagers"
        };
        out.push((
            at.into(),
            "IBM's images need the pull secret `ibm-entitlement-key` in every environment: add it to spec.pullSecrets (registry cp.icr.io, username cp, the entitlement key from passwordFromEnv)".into(),
        ));
    }
    for (i, p) in s.pull_secrets.iter().enumerate() {
        if p.password_from_env.is_some() == p.password_from_file.is_some() {
            out.push((
                format!("spec.pullSecrets[{i}]"),
                "needs exactly one of passwordFromEnv, passwordFromFile".into(),
            ));
        }
    }
    let secret_keys = |name: &str| -> Option<Vec<&str>> {
        s.secrets
            .iter()
            .find(|x| x.name == name)
            .map(|x| x.keys.iter().map(|k| k.name.as_str()).collect())
    };
    if let Some(b) = &s.event_backbone {
        for (i, c) in b.connect_clusters.iter().enumerate() {
            if c.image.is_some() && !c.plugins.is_empty() {
                out.push((
                    format!("spec.eventBackbone.connectClusters[{i}]"),
                    "give either image (one with the connector plugins in it) or plugins (Strimzi builds the image), not both".into(),
                ));
            }
            if c.user.is_none() && users.contains(&c.name.as_str()) {
                out.push((
                    format!("spec.eventBackbone.connectClusters[{i}].user"),
                    format!("the cluster gets a KafkaUser `{}` of its own, but a declared user has that name: set user: {}", c.name, c.name),
                ));
            }
        }
        for (i, k) in b.connectors.iter().enumerate() {
            let builtin = k.class.starts_with("org.apache.kafka.connect.");
            let cluster = b
                .connect_clusters
                .iter()
                .find(|c| c.name == k.connect_cluster);
            if !builtin && cluster.is_some_and(|c| c.image.is_none() && c.plugins.is_empty()) {
                out.push((
                    format!("spec.eventBackbone.connectors[{i}].class"),
                    format!("`{}` is not in the Kafka Connect image: give connect cluster `{}` the plugin that has it (plugins, or an image)", k.class, k.connect_cluster),
                ));
            }
            if let Some(cr) = &k.credentials {
                match secret_keys(&cr.secret) {
                    None => out.push((
                        format!("spec.eventBackbone.connectors[{i}].credentials.secret"),
                        format!("secret `{}` is not declared in spec.secrets", cr.secret),
                    )),
                    Some(keys) => {
                        for key in [&cr.username_key, &cr.password_key] {
                            if !keys.contains(&key.as_str()) {
                                out.push((
                                    format!("spec.eventBackbone.connectors[{i}].credentials"),
                                    format!("secret `{}` has no key `{key}`", cr.secret),
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    for (i, a) in s.apps.iter().enumerate() {
        if a.user.is_none() && users.contains(&a.name.as_str()) {
            out.push((
                format!("spec.apps[{i}].user"),
                format!("the app gets a KafkaUser `{}` of its own, but a declared user has that name: set user: {}", a.name, a.name),
            ));
        }
        if a.route && a.ports.is_empty() {
            out.push((
                format!("spec.apps[{i}].route"),
                "a Route needs a port to send traffic to: add ports".into(),
            ));
        }
    }
    let names: Vec<&str> = s.apps.iter().map(|a| a.name.as_str()).collect();
    for (i, f) in s.functions.iter().enumerate() {
        if names.contains(&f.name.as_str()) {
            out.push((
                format!("spec.functions[{i}].name"),
                format!(
                    "`{}` is also an app: a function's Service would clash with it",
                    f.name
                ),
            ));
        }
        for (j, t) in f.from.iter().enumerate() {
            if !topics.contains(&t.as_str()) {
                out.push((
                    format!("spec.functions[{i}].from[{j}]"),
                    format!("topic `{t}` is not declared in spec.eventBackbone.topics"),
                ));
            }
        }
        if let Some(t) = &f.tag
            && let Err(e) = crate::names::image_tag(t)
        {
            out.push((format!("spec.functions[{i}].tag"), e));
        }
        if let Err(e) = crate::names::image_repository(&f.image) {
            out.push((format!("spec.functions[{i}].image"), e));
        }
        for k in f.filter.keys() {
            // CloudEvents attribute names: lower-case letters and digits.
            if k.is_empty()
                || !k
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            {
                out.push((
                    format!("spec.functions[{i}].filter.{k}"),
                    "a CloudEvents attribute name is lower-case letters and digits".into(),
                ));
            }
        }
    }
}
