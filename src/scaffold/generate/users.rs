//! Scaffold, Kafka users: every KafkaUser the repo needs and its ACLs. Declared users keep
//! their ACLs; an app without a user, a Connect cluster without one, the Apicurio registry
//! and each function's source get a user of their own with exactly what their topics and
//! groups need (the cluster authorizes with simple ACLs: without them nothing may connect).
//! Pure: a function of the spec.

use super::*;
use crate::scaffold::spec::{KafkaAuth, Spec};

#[derive(Clone)]
pub(super) struct KafkaUser {
    pub name: String,
    pub auth: KafkaAuth,
    /// `{type, name, pattern, operations}` each.
    pub acls: Vec<Value>,
}

fn acl(kind: &str, name: &str, operations: &[&str]) -> Value {
    let (name, pattern) = match name.strip_suffix('*') {
        Some(prefix) if !prefix.is_empty() => (prefix, "prefix"),
        _ => (name, "literal"),
    };
    json!({"type": kind, "name": name, "pattern": pattern, "operations": operations})
}

/// The three topics a Connect cluster keeps its state in.
pub(super) fn connect_topics(connect: &str) -> [String; 3] {
    [
        format!("{connect}-offsets"),
        format!("{connect}-configs"),
        format!("{connect}-status"),
    ]
}

/// The Apicurio registry's object name.
pub(super) fn registry_name(sol: &crate::scaffold::spec::Solution) -> Option<String> {
    sol.spec
        .schema_registry
        .as_ref()
        .filter(|r| r.r#type == crate::scaffold::spec::RegistryType::Apicurio)
        .map(|r| {
            r.name
                .clone()
                .unwrap_or_else(|| format!("{}-registry", sol.metadata.name))
        })
}

/// The user a function's KafkaSource of `topic` reads as (mTLS: KafkaSource takes a
/// client certificate from a Secret, but no user name for SCRAM from the KafkaUser's).
pub(super) fn source_user(topic: &str) -> String {
    format!("{}-source", crate::names::topic_object_name(topic))
}

pub(super) fn kafka_users(sol: &crate::scaffold::spec::Solution) -> Vec<KafkaUser> {
    let s: &Spec = &sol.spec;
    let Some(b) = &s.event_backbone else {
        return Vec::new();
    };
    let mut users: Vec<KafkaUser> = b
        .users
        .iter()
        .map(|u| KafkaUser {
            name: u.name.clone(),
            auth: u.authentication,
            acls: u
                .acls
                .iter()
                .flat_map(|a| {
                    let ops: Vec<&str> = a.operations.iter().map(String::as_str).collect();
                    let mut v = Vec::new();
                    if let Some(t) = &a.topic {
                        v.push(acl("topic", t, &ops));
                    }
                    if let Some(gr) = &a.group {
                        v.push(acl("group", gr, &["Read"]));
                    }
                    v
                })
                .collect(),
        })
        .collect();
    let own =
        |name: &str, auth: KafkaAuth, acls: Vec<Value>, users: &mut Vec<KafkaUser>| match users
            .iter_mut()
            .find(|u| u.name == name)
        {
            Some(u) => u.acls.extend(acls),
            None => users.push(KafkaUser {
                name: name.to_string(),
                auth,
                acls,
            }),
        };
    for a in s.apps.iter().filter(|a| a.user.is_none()) {
        let mut acls = Vec::new();
        for t in &a.produces {
            acls.push(acl("topic", t, &["Write", "Describe"]));
        }
        for t in &a.consumes {
            acls.push(acl("topic", t, &["Read", "Describe"]));
        }
        if !a.consumes.is_empty() || a.kafka_streams {
            acls.push(acl("group", a.group(), &["Read"]));
        }
        if a.kafka_streams {
            // Changelog and repartition topics: <application.id>-...
            acls.push(acl(
                "topic",
                &format!("{}-*", a.group()),
                &[
                    "Create",
                    "Read",
                    "Write",
                    "Describe",
                    "DescribeConfigs",
                    "Delete",
                ],
            ));
        }
        own(&a.name, KafkaAuth::ScramSha512, acls, &mut users);
    }
    for c in &b.connect_clusters {
        // Connect's own group and state topics (it creates them), its connectors' consumer
        // groups (`connect-<connector>`), and each connector's topics.
        let mut acls = vec![acl("group", &c.name, &["Read"])];
        for t in connect_topics(&c.name) {
            acls.push(acl(
                "topic",
                &t,
                &["Read", "Write", "Create", "Describe", "DescribeConfigs"],
            ));
        }
        let mut sinks = false;
        for k in b.connectors.iter().filter(|k| k.connect_cluster == c.name) {
            if let Some(t) = k.config_str("topic") {
                acls.push(acl("topic", &t, &["Write", "Describe"]));
            }
            if k.config.contains_key("topics") {
                sinks = true;
                for t in k.sink_topics() {
                    acls.push(acl("topic", &t, &["Read", "Describe"]));
                }
            }
        }
        if sinks {
            acls.push(acl("group", "connect-*", &["Read"]));
        }
        own(c.kafka_user(), KafkaAuth::ScramSha512, acls, &mut users);
    }
    if let Some(r) = registry_name(sol) {
        // KafkaSQL keeps the registry in its journal topic (it creates it) and reads it
        // back in groups named apicurio-registry-<id> (Apicurio's KafkaSQL examples).
        let acls = vec![
            acl(
                "topic",
                "kafkasql-journal",
                &["Read", "Write", "Describe", "Create"],
            ),
            acl("group", "apicurio-registry-*", &["Read"]),
        ];
        own(&r, KafkaAuth::ScramSha512, acls, &mut users);
    }
    for t in s.function_topics() {
        let name = source_user(t);
        let acls = vec![
            acl("topic", t, &["Read", "Describe"]),
            acl("group", &name, &["Read"]),
        ];
        own(&name, KafkaAuth::Tls, acls, &mut users);
    }
    users
}
