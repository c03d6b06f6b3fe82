//! Scaffold generation: the files of the solution's GitOps repo. Every YAML file goes
//! through the engine's writer, so the repo is in kustomize's own style and re-renders
//! byte-identically. Pure: secret values come in through `Options`, nothing is written.

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
        for o in &objs {
            let api = yaml::str_at(o, &["apiVersion"]);
            let group = api
                .split_once('/')
                .map(|(g, _)| g)
                .unwrap_or("")
                .to_string();
            self.kinds
                .insert((group, yaml::str_at(o, &["kind"]).to_string()));
        }
        Ok(yaml::to_yaml_stream(objs.iter()))
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

fn bootstrap_service(b: &super::spec::EventBackbone) -> String {
    format!("{}-kafka-bootstrap:9093", b.name)
}

fn health_lua(phase: Option<&str>) -> String {
    match phase {
        Some(ready) => format!(
            "hs = {{}}\nif obj.status ~= nil and obj.status.phase ~= nil then\n  if obj.status.phase == \"{ready}\" then\n    hs.status = \"Healthy\"\n  elseif obj.status.phase == \"Failed\" then\n    hs.status = \"Degraded\"\n  else\n    hs.status = \"Progressing\"\n  end\n  hs.message = obj.status.phase\n  return hs\nend\nhs.status = \"Progressing\"\nhs.message = \"Waiting for the operator\"\nreturn hs\n"
        ),
        None => "hs = {}\nif obj.status ~= nil and obj.status.conditions ~= nil then\n  for i, c in ipairs(obj.status.conditions) do\n    if c.type == \"Ready\" and c.status == \"True\" then\n      hs.status = \"Healthy\"\n      hs.message = \"Ready\"\n      return hs\n    end\n    if c.type == \"NotReady\" or (c.type == \"Ready\" and c.status == \"False\") then\n      hs.status = \"Progressing\"\n      hs.message = c.message\n      return hs\n    end\n  end\nend\nhs.status = \"Progressing\"\nhs.message = \"Waiting for the operator\"\nreturn hs\n".into(),
    }
}

pub fn generate(sol: &Solution, opts: &Options) -> Result<Generated, String> {
    let mut g = Gen {
        sol,
        env: templates::environment(opts.templates)?,
        files: Vec::new(),
        kinds: BTreeSet::new(),
    };
    let s = &sol.spec;
    let name = &sol.metadata.name;
    let mut warnings = Vec::new();
    let ctx = |v: &Value| minijinja::Value::from(minijinja::value::Serde(v.clone()));

    // --- operators and the catalog they come from
    let mut ops = Vec::new();
    for o in &s.operators {
        let op = catalog::find(&o.name)?;
        ops.push((
            op,
            o.channel
                .clone()
                .unwrap_or_else(|| op.default_channel.clone()),
        ));
    }
    let mut op_dirs = Vec::new();
    if s.catalog.builtin {
        let chosen: Vec<&catalog::Operator> = ops.iter().map(|(o, _)| *o).collect();
        for (path, content) in catalog::render::render(&chosen, Layout::Cop) {
            g.add(format!("catalog/{path}"), content);
        }
    }
    for (op, channel) in &ops {
        let src = if s.catalog.builtin {
            format!("../../../catalog/{}/operator/overlays/{channel}", op.name)
        } else {
            let url = s.catalog.url.clone().unwrap_or_default();
            let r = s.catalog.r#ref.clone().unwrap_or_else(|| "main".into());
            format!("{url}//{}/operator/overlays/{channel}?ref={r}", op.name)
        };
        g.add_yaml(
            format!("bootstrap/operators/{}/kustomization.yaml", op.name),
            &kustomization(&[src], annotations("-10")),
        );
        op_dirs.push(format!("operators/{}", op.name));
    }
    if s.catalog.builtin {
        let sources: BTreeSet<String> = ops
            .iter()
            .filter(|(o, _)| catalog::is_builtin_source(&o.source))
            .map(|(o, _)| format!("../catalog/catalog-sources/{}", o.source))
            .collect();
        op_dirs.splice(0..0, sources);
    }

    // --- base services: event backbone, topics, users, connect, connectors, MQ, registry
    let mut services: Vec<String> = Vec::new();
    if let Some(b) = &s.event_backbone {
        let es = b.r#type == "eventstreams";
        let (group, label) = if es {
            ("eventstreams.ibm.com", "eventstreams.ibm.com/cluster")
        } else {
            ("kafka.strimzi.io", "strimzi.io/cluster")
        };
        let storage = b.storage.clone().unwrap_or_else(|| "10Gi".into());
        let registry = s
            .schema_registry
            .as_ref()
            .is_some_and(|r| r.r#type == "eventstreams");
        let main_kind = if es { "EventStreams" } else { "Kafka" };
        let (op, channel) = serving(&ops, group, main_kind)?;
        let mut api = Map::new();
        for kind in [
            main_kind,
            "KafkaNodePool",
            "KafkaTopic",
            "KafkaUser",
            "KafkaConnect",
            "KafkaConnector",
        ] {
            if let Some(v) = op.api_version_for(channel, group, kind) {
                api.insert(kind.into(), json!(v));
            }
        }
        let used = [
            (main_kind, true),
            ("KafkaNodePool", !es),
            ("KafkaTopic", !b.topics.is_empty()),
            ("KafkaUser", !b.users.is_empty()),
            ("KafkaConnect", !b.connect_clusters.is_empty()),
            ("KafkaConnector", !b.connectors.is_empty()),
        ];
        for (kind, needed) in used {
            if needed && !api.contains_key(kind) {
                return Err(format!(
                    "spec.operators: {} channel {channel} serves no version of {group} {kind} (see `manifesto catalog show {}`: its provides ranges)",
                    op.name, op.name
                ));
            }
        }
        let defaults = op.operand(channel);
        let pick = |given: &Option<String>, default: Option<&String>, field: &str| {
            spec_or_default(
                given,
                default,
                &format!("spec.eventBackbone.{field}"),
                op,
                channel,
            )
        };
        // Event Streams picks its Kafka version itself; a Strimzi Kafka names one.
        let bb = if es {
            json!({
                "name": b.name, "replicas": b.replicas,
                "version": pick(&b.version, defaults.and_then(|d| d.version.as_ref()), "version")?,
                "license": pick(&b.license, defaults.and_then(|d| d.license.as_ref()), "license")?,
                "use": pick(&b.r#use, defaults.and_then(|d| d.license_use.as_ref()), "use")?,
                "kraft": defaults.is_some_and(|d| d.kraft),
            })
        } else {
            let kafka_version = pick(
                &b.kafka_version,
                defaults.and_then(|d| d.kafka_version.as_ref()),
                "kafkaVersion",
            )?;
            json!({"name": b.name, "replicas": b.replicas, "kafka_version": kafka_version})
        };
        let template = if es {
            "eventstreams.yaml.j2"
        } else {
            "kafka.yaml.j2"
        };
        let backbone = vec![(
            "backbone".to_string(),
            template,
            json!({"b": bb, "storage": storage, "registry": registry, "api": api}),
        )];
        g.service_folder(&mut services, "backbone", "1", backbone)?;
        let common = |key: &str, item: Value| {
            let mut c = json!({"b": bb, "group": group, "cluster_label": label, "api": api});
            c[key] = item;
            c
        };
        let topics = b
            .topics
            .iter()
            .map(|t| {
                let mut c = common(
                    "t",
                    json!({"name": t.name, "object_name": crate::names::topic_object_name(&t.name), "replicas": t.replicas_on(b.replicas), "config": t.config}),
                );
                c["partitions"] = json!(t.partitions);
                (crate::names::topic_object_name(&t.name), "topic.yaml.j2", c)
            })
            .collect();
        g.service_folder(&mut services, "topics", "2", topics)?;
        let users = b
            .users
            .iter()
            .map(|u| {
                let acls: Vec<Value> = u
                    .acls
                    .iter()
                    .map(
                        |a| json!({"topic": a.topic, "group": a.group, "operations": a.operations}),
                    )
                    .collect();
                (
                    u.name.clone(),
                    "user.yaml.j2",
                    common(
                        "u",
                        json!({"name": u.name, "authentication": u.authentication, "acls": acls}),
                    ),
                )
            })
            .collect();
        g.service_folder(&mut services, "users", "2", users)?;
        let connect = b
            .connect_clusters
            .iter()
            .map(|cc| {
                let mut c = common("c", json!({"name": cc.name, "replicas": cc.replicas, "image": cc.image, "user": cc.user}));
                c["bootstrap"] = json!(bootstrap_service(b));
                c["replication"] = json!(b.replicas.min(3));
                (cc.name.clone(), "connect.yaml.j2", c)
            })
            .collect();
        g.service_folder(&mut services, "connect", "2", connect)?;
        let connectors = b
            .connectors
            .iter()
            .map(|k| {
                let item = json!({"name": k.name, "connect_cluster": k.connect_cluster, "class": k.class, "tasks_max": k.tasks_max, "config": k.config});
                (k.name.clone(), "connector.yaml.j2", common("k", item))
            })
            .collect();
        g.service_folder(&mut services, "connectors", "3", connectors)?;
    }
    let mq = if s.queue_managers.is_empty() {
        None
    } else {
        Some(serving(&ops, "mq.ibm.com", "QueueManager")?)
    };
    let qms = s
        .queue_managers
        .iter()
        .enumerate()
        .map(|(i, q)| -> Result<_, String> {
            let (op, channel) = mq.expect("queue managers need the MQ operator");
            let d = op.operand(channel);
            let pick = |given: &Option<String>, default: Option<&String>, field: &str| {
                spec_or_default(given, default, &format!("spec.queueManagers[{i}].{field}"), op, channel)
            };
            let version = pick(&q.version, d.and_then(|d| d.version.as_ref()), "version")?;
            let license = pick(&q.license, d.and_then(|d| d.license.as_ref()), "license")?;
            let license_use = pick(&q.r#use, d.and_then(|d| d.license_use.as_ref()), "use")?;
            let api = op
                .api_version_for(channel, "mq.ibm.com", "QueueManager")
                .ok_or_else(|| {
                    format!(
                        "spec.operators: {} channel {channel} serves no version of mq.ibm.com QueueManager",
                        op.name
                    )
                })?;
            let mut mqsc = String::new();
            for queue in &q.queues {
                mqsc.push_str(&format!("DEFINE QLOCAL('{}') MAXDEPTH({}) REPLACE\n", queue.name, queue.max_depth.unwrap_or(5000)));
            }
            for ch in &q.channels {
                mqsc.push_str(&format!("DEFINE CHANNEL('{}') CHLTYPE(SVRCONN) TRPTYPE(TCP) REPLACE\n", ch.name));
            }
            let c = json!({"q": {"name": q.name, "version": version, "license": license, "use": license_use, "availability": q.availability},
                "storage": q.storage.clone().unwrap_or_else(|| "2Gi".into()), "mqsc": mqsc, "api": api});
            Ok((q.name.clone(), "queuemanager.yaml.j2", c))
        })
        .collect::<Result<Vec<_>, String>>()?;
    g.service_folder(&mut services, "mq", "1", qms)?;
    if let Some(r) = s
        .schema_registry
        .as_ref()
        .filter(|r| r.r#type == "apicurio")
    {
        let rname = r.name.clone().unwrap_or_else(|| format!("{name}-registry"));
        let bootstrap = s
            .event_backbone
            .as_ref()
            .map(bootstrap_service)
            .unwrap_or_default();
        let item = vec![(
            "registry".to_string(),
            "registry.yaml.j2",
            json!({"name": rname, "bootstrap": bootstrap}),
        )];
        g.service_folder(&mut services, "registry", "1", item)?;
    }
    if !services.is_empty() {
        g.add_yaml(
            "environments/base/services/kustomization.yaml".into(),
            &kustomization(&services, Map::new()),
        );
    }

    // --- base apps
    let mut apps = Vec::new();
    for a in &s.apps {
        let mut config = Map::new();
        if let Some(b) = &s.event_backbone {
            config.insert(
                "KAFKA_BOOTSTRAP_SERVERS".into(),
                json!(bootstrap_service(b)),
            );
        }
        if !a.produces.is_empty() {
            config.insert("PRODUCES_TOPICS".into(), json!(a.produces.join(",")));
        }
        if !a.consumes.is_empty() {
            config.insert("CONSUMES_TOPICS".into(), json!(a.consumes.join(",")));
        }
        for (k, v) in &a.env {
            config.insert(
                k.clone(),
                json!(crate::kustomize::resmap::resource::scalar_string(v)),
            );
        }
        let tag = a.tag.clone().unwrap_or_else(|| "latest".into());
        let c = json!({"a": {"name": a.name, "image": a.image, "replicas": a.replicas, "ports": a.ports, "user": a.user}, "tag": tag, "config": config});
        let text = g.render("app.yaml.j2", ctx(&c))?;
        g.add(
            format!("environments/base/apps/{}/{}.yaml", a.name, a.name),
            text,
        );
        g.add_yaml(
            format!("environments/base/apps/{}/kustomization.yaml", a.name),
            &kustomization(&[format!("{}.yaml", a.name)], annotations("4")),
        );
        apps.push(a.name.clone());
    }
    if !apps.is_empty() {
        g.add_yaml(
            "environments/base/apps/kustomization.yaml".into(),
            &kustomization(&apps, Map::new()),
        );
    }

    // --- per environment overlays, secrets and Argo CD Applications
    let mut app_files = Vec::new();
    let mut destinations = Vec::new();
    for e in &s.environments {
        let o = s.overrides.get(&e.name).cloned().unwrap_or_default();
        destinations.push(json!({"namespace": e.namespace, "server": e.cluster}));
        let mut components: Vec<(&str, &str)> = Vec::new();
        if !services.is_empty() {
            let mut extra = Map::new();
            extra.insert("namespace".into(), json!(e.namespace));
            let mut patches = Vec::new();
            let b = s.event_backbone.as_ref();
            for (topic, n) in &o.partitions {
                let (group, _) = if b.is_some_and(|b| b.r#type == "eventstreams") {
                    ("eventstreams.ibm.com", 0)
                } else {
                    ("kafka.strimzi.io", 0)
                };
                let topic = crate::names::topic_object_name(topic);
                patches.push(json!({"target": {"group": group, "kind": "KafkaTopic", "name": topic},
                    "patch": yaml::to_yaml(&json!([{"op": "replace", "path": "/spec/partitions", "value": n}]))}));
            }
            for (target, size) in &o.storage {
                if let Some(b) = b.filter(|b| &b.name == target) {
                    let (kind, tname, path) = if b.r#type == "eventstreams" {
                        let kraft = serving(&ops, "eventstreams.ibm.com", "EventStreams")
                            .ok()
                            .and_then(|(o, c)| o.operand(c))
                            .is_some_and(|d| d.kraft);
                        (
                            "EventStreams",
                            b.name.clone(),
                            if kraft {
                                "/spec/strimziOverrides/nodePools/0/storage/size"
                            } else {
                                "/spec/strimziOverrides/kafka/storage/size"
                            },
                        )
                    } else {
                        (
                            "KafkaNodePool",
                            format!("{}-dual", b.name),
                            "/spec/storage/volumes/0/size",
                        )
                    };
                    patches.push(json!({"target": {"kind": kind, "name": tname}, "patch": yaml::to_yaml(&json!([{"op": "replace", "path": path, "value": size}]))}));
                } else {
                    patches.push(json!({"target": {"kind": "QueueManager", "name": target},
                        "patch": yaml::to_yaml(&json!([{"op": "replace", "path": "/spec/queueManager/storage/queueManager/size", "value": size}]))}));
                }
            }
            if !patches.is_empty() {
                extra.insert("patches".into(), Value::Array(patches));
            }
            g.add_yaml(
                format!("environments/{}/services/kustomization.yaml", e.name),
                &kustomization(&["../../base/services".into()], extra),
            );
            components.push(("services", "1"));
        }
        if !apps.is_empty() {
            let mut extra = Map::new();
            extra.insert("namespace".into(), json!(e.namespace));
            let images: Vec<Value> = s
                .apps
                .iter()
                .filter_map(|a| {
                    o.image_tags
                        .get(&a.name)
                        .map(|t| json!({"name": a.image, "newTag": t}))
                })
                .collect();
            if !images.is_empty() {
                extra.insert("images".into(), Value::Array(images));
            }
            let replicas: Vec<Value> = o
                .replicas
                .iter()
                .map(|(n, c)| json!({"name": n, "count": c}))
                .collect();
            if !replicas.is_empty() {
                extra.insert("replicas".into(), Value::Array(replicas));
            }
            g.add_yaml(
                format!("environments/{}/apps/kustomization.yaml", e.name),
                &kustomization(&["../../base/apps".into()], extra),
            );
            components.push(("apps", "2"));
        }
        if !s.secrets.is_empty() {
            match opts.cert {
                None => warnings.push(format!(
                    "no sealing certificate: secrets {} left out of environment {} (give --cert or spec.sealing.certificate)",
                    s.secrets.iter().map(|x| x.name.as_str()).collect::<Vec<_>>().join(", "),
                    e.name
                )),
                Some(cert) => {
                    let mut res = Vec::new();
                    for sec in &s.secrets {
                        let mut string_data = Map::new();
                        for k in &sec.keys {
                            let v = (opts.resolve)(&sec.name, k)?;
                            let text = String::from_utf8(v).map_err(|_| format!("secret {} key {}: value is not UTF-8", sec.name, k.name))?;
                            string_data.insert(k.name.clone(), Value::String(text));
                        }
                        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": sec.name, "namespace": e.namespace}, "type": "Opaque", "stringData": string_data});
                        let sealed = seal::seal(&secret, cert, None, SealOptions::default()).map_err(|e| format!("secret {}: {e}", sec.name))?;
                        let mut keys: Vec<String> = sec.keys.iter().map(|k| k.name.clone()).collect();
                        keys.sort();
                        g.files.push(File {
                            path: format!("environments/{}/secrets/{}.yaml", e.name, sec.name),
                            content: yaml::to_yaml(&sealed),
                            sealed_keys: Some(keys),
                        });
                        g.kinds.insert(("bitnami.com".into(), "SealedSecret".into()));
                        res.push(format!("{}.yaml", sec.name));
                    }
                    g.add_yaml(format!("environments/{}/secrets/kustomization.yaml", e.name), &kustomization(&res, annotations("0")));
                    components.push(("secrets", "0"));
                }
            }
        }
        for (component, wave) in components {
            let file = format!("{}-{component}.yaml", e.name);
            let text = application(&mut g, e, component, wave)?;
            g.add(format!("config/argocd/{file}"), text);
            app_files.push(file);
        }
    }
    app_files.sort();
    g.add_yaml(
        "config/argocd/kustomization.yaml".into(),
        &kustomization(&app_files, Map::new()),
    );

    // --- bootstrap: project, root app of apps, health checks
    let argocd_ns = s.gitops.argocd_namespace.clone();
    destinations.push(json!({"namespace": argocd_ns, "server": "https://kubernetes.default.svc"}));
    let mut ns_kinds: Vec<Value> = g
        .kinds
        .iter()
        .map(|(grp, k)| json!({"group": grp, "kind": k}))
        .collect();
    ns_kinds.push(json!({"group": "argoproj.io", "kind": "Application"}));
    ns_kinds.sort_by_key(|v| {
        (
            yaml::str_at(v, &["group"]).to_string(),
            yaml::str_at(v, &["kind"]).to_string(),
        )
    });
    ns_kinds.dedup();
    let project = g.render(
        "appproject.yaml.j2",
        ctx(&json!({"project": name, "argocd_namespace": argocd_ns, "solution": name, "repo_url": s.gitops.repo_url,
            "destinations": destinations, "cluster_kinds": [{"group": "", "kind": "Namespace"}], "namespace_kinds": ns_kinds})),
    )?;
    g.add("bootstrap/argocd/project.yaml".into(), project);
    let root = g.render(
        "application.yaml.j2",
        ctx(&json!({"name": format!("{name}-root"), "argocd_namespace": argocd_ns, "wave": "0", "project": name,
            "repo_url": s.gitops.repo_url, "revision": s.gitops.revision, "path": "config/argocd",
            "server": "https://kubernetes.default.svc", "namespace": argocd_ns, "automated": true})),
    )?;
    g.add("bootstrap/argocd/root-application.yaml".into(), root);
    let health: Vec<Value> = [
        ("eventstreams.ibm.com", "EventStreams", Some("Ready")),
        ("eventstreams.ibm.com", "KafkaTopic", None),
        ("eventstreams.ibm.com", "KafkaUser", None),
        ("eventstreams.ibm.com", "KafkaConnect", None),
        ("eventstreams.ibm.com", "KafkaConnector", None),
        ("kafka.strimzi.io", "Kafka", None),
        ("kafka.strimzi.io", "KafkaTopic", None),
        ("kafka.strimzi.io", "KafkaUser", None),
        ("kafka.strimzi.io", "KafkaConnect", None),
        ("kafka.strimzi.io", "KafkaConnector", None),
        ("mq.ibm.com", "QueueManager", Some("Running")),
        ("registry.apicur.io", "ApicurioRegistry", None),
    ]
    .iter()
    .filter(|(grp, k, _)| g.kinds.contains(&(grp.to_string(), k.to_string())))
    .map(|(grp, k, phase)| json!({"group": grp, "kind": k, "lua": health_lua(*phase)}))
    .collect();
    let cm = g.render(
        "argocd-cm.yaml.j2",
        ctx(&json!({"argocd_namespace": argocd_ns, "kinds": health})),
    )?;
    g.add("bootstrap/argocd/argocd-cm.yaml".into(), cm);
    g.add_yaml(
        "bootstrap/argocd/kustomization.yaml".into(),
        &kustomization(
            &[
                "argocd-cm.yaml".into(),
                "project.yaml".into(),
                "root-application.yaml".into(),
            ],
            Map::new(),
        ),
    );
    let mut boot = op_dirs;
    boot.push("argocd".into());
    g.add_yaml(
        "bootstrap/kustomization.yaml".into(),
        &kustomization(&boot, Map::new()),
    );
    g.add("README.md".into(), readme(sol, &ops));
    let mut files = g.files;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Generated { files, warnings })
}

fn application(
    g: &mut Gen,
    e: &Environment,
    component: &str,
    wave: &str,
) -> Result<String, String> {
    let s = &g.sol.spec;
    let c = json!({
        "name": format!("{}-{}-{component}", g.sol.metadata.name, e.name),
        "argocd_namespace": s.gitops.argocd_namespace, "wave": wave, "project": g.sol.metadata.name,
        "repo_url": s.gitops.repo_url, "revision": s.gitops.revision,
        "path": format!("environments/{}/{component}", e.name),
        "server": e.cluster, "namespace": e.namespace, "automated": e.sync_policy == "automated",
    });
    g.render(
        "application.yaml.j2",
        minijinja::Value::from(minijinja::value::Serde(c)),
    )
}

fn readme(sol: &Solution, ops: &[(&catalog::Operator, String)]) -> String {
    let s = &sol.spec;
    let mut r = format!(
        "# {name}\n\nGenerated by `manifesto scaffold` from `solution.yaml`. Files listed in\n`.manifesto-scaffold.json` are regenerated on the next scaffold run unless you edited them\n(edited files are kept and reported).\n\n## Bootstrap\n\n    oc apply -k bootstrap          # operators, the Argo CD project, the root app of apps\n\nArgo CD then syncs `config/argocd`, one Application per environment and component, in\nsync waves: secrets, then operands (Kafka, MQ, registry), then topics, users and\nconnectors, then apps.\n\n## Layout\n\n    bootstrap/            operator subscriptions, AppProject, root Application, health checks\n    catalog/              the built-in operator catalog for the operators used\n    config/argocd/        Applications per environment and component\n    environments/base/    services (event backbone, topics, users, connect, MQ, registry) and apps\n    environments/<env>/   per-environment overlays and sealed secrets\n\n## Environments\n\n",
        name = sol.metadata.name
    );
    for e in &s.environments {
        r.push_str(&format!(
            "- {}: namespace `{}` on `{}`, sync {}\n",
            e.name, e.namespace, e.cluster, e.sync_policy
        ));
    }
    r.push_str("\n## Operators\n\n");
    for (op, ch) in ops {
        match &op.install {
            catalog::Install::Olm => r.push_str(&format!(
                "- {} (`{}`), channel `{ch}`\n",
                op.display_name, op.package
            )),
            catalog::Install::Manifest { .. } => r.push_str(&format!(
                "- {}, release `{ch}` (its release manifest), in namespace `{}`\n",
                op.display_name, op.namespace
            )),
        }
    }
    if let Some((op, _)) = ops
        .iter()
        .find(|(o, _)| o.provides_kind("bitnami.com", "SealedSecret"))
    {
        r.push_str(&format!(
            "\n## Secrets\n\nSecrets are committed sealed. Once the controller runs, take its certificate and\nscaffold again with it:\n\n    manifesto seal --fetch-cert --controller-namespace {ns} > sealing-cert.pem\n    manifesto scaffold --cert sealing-cert.pem\n",
            ns = op.namespace
        ));
    }
    r
}
