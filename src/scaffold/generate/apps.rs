//! Scaffold, apps area: one base folder per app (ConfigMap, Deployment, Service, Route),
//! wired to Kafka: bootstrap address, protocol, credentials from its KafkaUser's Secret and
//! the cluster CA as truststore. Pure.

use super::*;
use crate::scaffold::spec::KafkaAuth;

pub(super) fn apps(g: &mut Gen) -> Result<(), String> {
    let sol = g.sol;
    let s = &sol.spec;
    let ctx = |v: &Value| minijinja::Value::from(minijinja::value::Serde(v.clone()));
    let users = g.users.clone();
    let mut apps = Vec::new();
    for a in &s.apps {
        // Kafka client settings under the names Kafka clients read from the environment
        // (Quarkus maps KAFKA_SECURITY_PROTOCOL to kafka.security.protocol, and so on);
        // README's "App settings" lists them.
        let mut config = Map::new();
        let mut kafka = Value::Null;
        if let Some(b) = &s.event_backbone {
            let user = a.kafka_user();
            let tls = users
                .iter()
                .find(|u| u.name == user)
                .is_some_and(|u| u.auth == KafkaAuth::Tls);
            let bootstrap = if tls {
                mtls_bootstrap_service(b)
            } else {
                bootstrap_service(b)
            };
            config.insert("KAFKA_BOOTSTRAP_SERVERS".into(), json!(bootstrap));
            config.insert(
                "KAFKA_SECURITY_PROTOCOL".into(),
                json!(if tls { "SSL" } else { "SASL_SSL" }),
            );
            if !tls {
                config.insert("KAFKA_SASL_MECHANISM".into(), json!("SCRAM-SHA-512"));
                config.insert("KAFKA_USER".into(), json!(user));
            }
            config.insert(
                "KAFKA_SSL_TRUSTSTORE_LOCATION".into(),
                json!("/etc/kafka/ca/ca.p12"),
            );
            config.insert("KAFKA_SSL_TRUSTSTORE_TYPE".into(), json!("PKCS12"));
            if tls {
                config.insert(
                    "KAFKA_SSL_KEYSTORE_LOCATION".into(),
                    json!("/etc/kafka/user/user.p12"),
                );
                config.insert("KAFKA_SSL_KEYSTORE_TYPE".into(), json!("PKCS12"));
            }
            if !a.consumes.is_empty() {
                config.insert("KAFKA_GROUP_ID".into(), json!(a.group()));
            }
            kafka = json!({"user": user, "tls": tls, "ca_secret": format!("{}-cluster-ca-cert", b.name)});
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
        let c = json!({"a": {"name": a.name, "image": a.image, "replicas": a.replicas, "ports": a.ports, "route": a.route}, "tag": tag, "config": config, "kafka": kafka});
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
