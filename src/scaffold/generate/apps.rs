//! Scaffold, apps area: one base folder per app (ConfigMap, Deployment, Service). Pure.

use super::*;

pub(super) fn apps(g: &mut Gen) -> Result<(), String> {
    let sol = g.sol;
    let s = &sol.spec;
    let ctx = |v: &Value| minijinja::Value::from(minijinja::value::Serde(v.clone()));
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

    g.apps = apps;
    Ok(())
}
