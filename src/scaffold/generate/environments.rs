//! Scaffold, environments area: per-environment overlays (namespace, overrides), sealed
//! secrets and one Argo CD Application per environment and component. Pure: secret values
//! come in through `Options`.

use super::*;

pub(super) fn environments(g: &mut Gen, opts: &Options) -> Result<(), String> {
    let sol = g.sol;
    let s = &sol.spec;
    let ops = g.ops.clone();
    let services = g.services.clone();
    let apps = g.apps.clone();
    let mut warnings = Vec::new();
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
                let group = if b
                    .is_some_and(|b| b.r#type == crate::scaffold::spec::BackboneType::EventStreams)
                {
                    "eventstreams.ibm.com"
                } else {
                    "kafka.strimzi.io"
                };
                let topic = crate::names::topic_object_name(topic);
                patches.push(replace_patch(
                    json!({"group": group, "kind": "KafkaTopic", "name": topic}),
                    "/spec/partitions",
                    json!(n),
                ));
            }
            for (field, values) in [("use", &o.license_use), ("license", &o.license)] {
                for (target, value) in values {
                    let kind = if b.is_some_and(|b| &b.name == target) {
                        "EventStreams"
                    } else {
                        "QueueManager"
                    };
                    patches.push(replace_patch(
                        json!({"kind": kind, "name": target}),
                        &format!("/spec/license/{field}"),
                        json!(value),
                    ));
                }
            }
            for (target, size) in &o.storage {
                if let Some(b) = b.filter(|b| &b.name == target) {
                    let (kind, tname, path) =
                        if b.r#type == crate::scaffold::spec::BackboneType::EventStreams {
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
                    patches.push(replace_patch(
                        json!({"kind": kind, "name": tname}),
                        path,
                        json!(size),
                    ));
                } else {
                    patches.push(replace_patch(
                        json!({"kind": "QueueManager", "name": target}),
                        "/spec/queueManager/storage/queueManager/size",
                        json!(size),
                    ));
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
        if g.uses_functions {
            let mut extra = Map::new();
            extra.insert("namespace".into(), json!(e.namespace));
            // KafkaSource's dispatcher runs in knative-eventing: the bootstrap address must
            // name the environment's namespace (Strimzi's certificate covers that name).
            if let Some(b) = &s.event_backbone {
                let patches: Vec<Value> = s
                    .function_topics()
                    .iter()
                    .map(|t| {
                        let address = format!("{}-kafka-bootstrap.{}.svc:9094", b.name, e.namespace);
                        replace_patch(
                            json!({"group": "sources.knative.dev", "kind": "KafkaSource", "name": super::users::source_user(t)}),
                            "/spec/bootstrapServers/0",
                            json!(address),
                        )
                    })
                    .collect();
                if !patches.is_empty() {
                    extra.insert("patches".into(), Value::Array(patches));
                }
            }
            g.add_yaml(
                format!("environments/{}/functions/kustomization.yaml", e.name),
                &kustomization(&["../../base/functions".into()], extra),
            );
            components.push(("functions", "3"));
        }
        if !s.secrets.is_empty() || !s.pull_secrets.is_empty() {
            let names: Vec<&str> = s
                .secrets
                .iter()
                .map(|x| x.name.as_str())
                .chain(s.pull_secrets.iter().map(|p| p.name.as_str()))
                .collect();
            match opts.cert {
                None => warnings.push(format!(
                    "no sealing certificate: secrets {} left out of environment {} (give --cert or spec.sealing.certificate)",
                    names.join(", "),
                    e.name
                )),
                Some(cert) => {
                    let mut res = Vec::new();
                    let mut sealed = Vec::new();
                    for sec in &s.secrets {
                        let mut string_data = Map::new();
                        for k in &sec.keys {
                            let v = (opts.resolve)(&sec.name, k)?;
                            let text = String::from_utf8(v).map_err(|_| format!("secret {} key {}: value is not UTF-8", sec.name, k.name))?;
                            string_data.insert(k.name.clone(), Value::String(text));
                        }
                        let mut keys: Vec<String> = sec.keys.iter().map(|k| k.name.clone()).collect();
                        keys.sort();
                        sealed.push((sec.name.as_str(), "Opaque", string_data, keys));
                    }
                    for p in &s.pull_secrets {
                        // The password comes in like any secret key's (environment or file).
                        let key = crate::scaffold::spec::SecretKey {
                            name: "password".into(),
                            from_env: p.password_from_env.clone(),
                            from_file: p.password_from_file.clone(),
                            generate: None,
                        };
                        let password = String::from_utf8((opts.resolve)(&p.name, &key)?)
                            .map_err(|_| format!("pull secret {}: password is not UTF-8", p.name))?;
                        let mut string_data = Map::new();
                        string_data.insert(".dockerconfigjson".into(), Value::String(docker_config(&p.registry, &p.username, &password)));
                        sealed.push((p.name.as_str(), "kubernetes.io/dockerconfigjson", string_data, vec![".dockerconfigjson".to_string()]));
                    }
                    for (sname, stype, string_data, keys) in sealed {
                        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": sname, "namespace": e.namespace}, "type": stype, "stringData": string_data});
                        let sealed = seal::seal(&secret, cert, None, SealOptions::default()).map_err(|e| format!("secret {sname}: {e}"))?;
                        g.files.push(File {
                            path: format!("environments/{}/secrets/{sname}.yaml", e.name),
                            content: yaml::to_yaml(&sealed),
                            sealed_keys: Some(keys),
                        });
                        g.kinds.insert(("bitnami.com".into(), "SealedSecret".into()));
                        res.push(format!("{sname}.yaml"));
                    }
                    g.add_yaml(format!("environments/{}/secrets/kustomization.yaml", e.name), &kustomization(&res, annotations("0")));
                    components.push(("secrets", "0"));
                }
            }
        }
        // Each environment is an app of apps of its own: its waves (secrets, services,
        // apps, functions) wait only for its own Applications, so a manual prod that was
        // never synced, or a degraded one, holds back no other environment.
        let mut env_files = Vec::new();
        for (component, wave) in components {
            let file = format!("{component}.yaml");
            let text = application(g, e, component, wave)?;
            g.add(format!("config/argocd/{}/{file}", e.name), text);
            env_files.push(file);
        }
        env_files.sort();
        g.add_yaml(
            format!("config/argocd/{}/kustomization.yaml", e.name),
            &kustomization(&env_files, Map::new()),
        );
        let text = environment_application(g, e)?;
        g.add(format!("config/argocd/{}.yaml", e.name), text);
        app_files.push(format!("{}.yaml", e.name));
    }
    let text = super::argocd::platform_application(g)?;
    g.add("config/argocd/platform.yaml".into(), text);
    app_files.push("platform.yaml".into());
    app_files.sort();
    // The root Application manages itself too (Argo CD leaves an Application's own health
    // out of its health), so a change to it is a commit as well.
    app_files.push("../../bootstrap/root".into());
    g.add_yaml(
        "config/argocd/kustomization.yaml".into(),
        &kustomization(&app_files, Map::new()),
    );

    g.destinations = destinations;
    g.warnings.extend(warnings);
    Ok(())
}

/// An environment's app of apps: always synced automatically (it only holds the
/// environment's Applications, whose own policy is the environment's), at the
/// environment's revision, so promotion moves the Applications' definitions too.
fn environment_application(g: &mut Gen, e: &Environment) -> Result<String, String> {
    let s = &g.sol.spec;
    let c = json!({
        "name": format!("{}-{}", g.sol.metadata.name, e.name),
        "argocd_namespace": s.gitops.argocd_namespace, "wave": "0", "project": g.sol.metadata.name,
        "repo_url": s.gitops.repo_url, "revision": e.revision(&s.gitops),
        "path": format!("config/argocd/{}", e.name),
        "server": "https://kubernetes.default.svc", "namespace": s.gitops.argocd_namespace, "automated": true,
    });
    g.render(
        "application.yaml.j2",
        minijinja::Value::from(minijinja::value::Serde(c)),
    )
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
        "repo_url": s.gitops.repo_url, "revision": e.revision(&s.gitops),
        "path": format!("environments/{}/{component}", e.name),
        "server": e.cluster, "namespace": e.namespace, "automated": e.sync_policy == crate::scaffold::spec::SyncPolicy::Automated,
    });
    g.render(
        "application.yaml.j2",
        minijinja::Value::from(minijinja::value::Serde(c)),
    )
}

/// A kustomization `patches` entry: a JSON patch replacing one field of the target.
fn replace_patch(target: Value, path: &str, value: Value) -> Value {
    let patch = json!([{"op": "replace", "path": path, "value": value}]);
    json!({"target": target, "patch": yaml::to_yaml(&patch)})
}

/// A `.dockerconfigjson` value for one registry, as `oc create secret docker-registry`
/// writes it.
fn docker_config(registry: &str, username: &str, password: &str) -> String {
    use base64::Engine;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    serde_json::to_string(
        &json!({"auths": {registry: {"username": username, "password": password, "auth": auth}}}),
    )
    .expect("a JSON object")
}
