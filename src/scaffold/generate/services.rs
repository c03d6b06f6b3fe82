//! Scaffold, services area: the event backbone, topics, users, Kafka Connect, connectors,
//! queue managers and the schema registry, as base folders with their sync waves. Pure.

use super::*;
use crate::scaffold::spec::KafkaAuth;

pub(super) fn services(g: &mut Gen) -> Result<(), String> {
    let sol = g.sol;
    let s = &sol.spec;
    let ops = g.ops.clone();
    let mut services: Vec<String> = Vec::new();
    if let Some(b) = &s.event_backbone {
        let es = b.r#type == crate::scaffold::spec::BackboneType::EventStreams;
        let (group, label) = if es {
            ("eventstreams.ibm.com", "eventstreams.ibm.com/cluster")
        } else {
            ("kafka.strimzi.io", "strimzi.io/cluster")
        };
        let storage = b.storage.clone().unwrap_or_else(|| "10Gi".into());
        let registry = s
            .schema_registry
            .as_ref()
            .is_some_and(|r| r.r#type == crate::scaffold::spec::RegistryType::EventStreams);
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
        let users = g.users.clone();
        let mtls = users.iter().any(|u| u.auth == KafkaAuth::Tls);
        let used = [
            (main_kind, true),
            ("KafkaNodePool", !es),
            ("KafkaTopic", !b.topics.is_empty()),
            ("KafkaUser", !users.is_empty()),
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
            json!({"b": bb, "storage": storage, "registry": registry, "api": api, "mtls": mtls, "external": b.external}),
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
        let users = users
            .iter()
            .map(|u| {
                (
                    u.name.clone(),
                    "user.yaml.j2",
                    common(
                        "u",
                        json!({"name": u.name, "authentication": u.auth.as_str(), "acls": u.acls}),
                    ),
                )
            })
            .collect();
        g.service_folder(&mut services, "users", "2", users)?;
        let connect = b
            .connect_clusters
            .iter()
            .map(|cc| {
                let user = cc.kafka_user();
                let [offsets, configs, status] = super::users::connect_topics(&cc.name);
                // Secrets connectors read credentials from, mounted at /mnt/<secret>.
                let mut secrets: Vec<&str> = b
                    .connectors
                    .iter()
                    .filter(|k| k.connect_cluster == cc.name)
                    .filter_map(|k| k.credentials.as_ref().map(|c| c.secret.as_str()))
                    .collect();
                secrets.sort();
                secrets.dedup();
                let mut c = common("c", json!({"name": cc.name, "replicas": cc.replicas, "image": cc.image, "user": user,
                    "offsets": offsets, "configs": configs, "status": status, "secrets": secrets, "plugins": cc.plugins,
                    "v1": api.get("KafkaConnect").and_then(Value::as_str) == Some("kafka.strimzi.io/v1")}));
                c["bootstrap"] = json!(bootstrap_service(b));
                c["replication"] = json!(b.replicas.min(3));
                (cc.name.clone(), "connect.yaml.j2", c)
            })
            .collect();
        // Connect clusters that build their image push it into an ImageStream first.
        let images = b
            .connect_clusters
            .iter()
            .filter(|c| !c.plugins.is_empty())
            .map(|c| {
                (
                    c.name.clone(),
                    "imagestream.yaml.j2",
                    json!({"name": c.name}),
                )
            })
            .collect();
        g.service_folder(&mut services, "images", "1", images)?;
        g.service_folder(&mut services, "connect", "2", connect)?;
        let connectors = b
            .connectors
            .iter()
            .map(|k| {
                let mut config = k.config.clone();
                if let Some(cr) = &k.credentials {
                    // Read from the mounted Secret when the task starts: no value is in git.
                    let dir = format!("/mnt/{}", cr.secret);
                    config.insert("mq.user.name".into(), json!(format!("${{directory:{dir}:{}}}", cr.username_key)));
                    config.insert("mq.password".into(), json!(format!("${{directory:{dir}:{}}}", cr.password_key)));
                }
                let item = json!({"name": k.name, "connect_cluster": k.connect_cluster, "class": k.class, "tasks_max": k.tasks_max, "config": config});
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
            let mqsc = mqsc(q);
            let c = json!({"q": {"name": q.name, "version": version, "license": license, "use": license_use, "availability": q.availability},
                "storage": q.storage.clone().unwrap_or_else(|| "2Gi".into()), "mqsc": mqsc, "api": api,
                "pull_secrets": s.pull_secrets.iter().map(|p| p.name.clone()).collect::<Vec<_>>()});
            Ok((q.name.clone(), "queuemanager.yaml.j2", c))
        })
        .collect::<Result<Vec<_>, String>>()?;
    g.service_folder(&mut services, "mq", "1", qms)?;
    if let Some(r) = s
        .schema_registry
        .as_ref()
        .filter(|r| r.r#type == crate::scaffold::spec::RegistryType::Apicurio)
    {
        let _ = r;
        let rname = super::users::registry_name(sol).expect("an Apicurio registry");
        let b = s
            .event_backbone
            .as_ref()
            .ok_or("spec.schemaRegistry: Apicurio's KafkaSQL storage needs spec.eventBackbone")?;
        let item = vec![(
            "registry".to_string(),
            "registry.yaml.j2",
            json!({"name": rname, "bootstrap": bootstrap_service(b), "cluster": b.name}),
        )];
        // After the users (wave 2): KafkaSQL starts only once its KafkaUser's Secret exists.
        g.service_folder(&mut services, "registry", "3", item)?;
    }
    if !services.is_empty() {
        g.add_yaml(
            "environments/base/services/kustomization.yaml".into(),
            &kustomization(&services, Map::new()),
        );
    }

    g.services = services;
    Ok(())
}

/// A queue manager's MQSC: its queues and channels, then who may connect. Clients have no
/// OS users in the container, so the queue manager authorizes external identities
/// (`SecurityPolicy=UserExternal` in its qm.ini): every client of a declared channel runs
/// as the app identity with exactly the authorities on the declared queues, and a
/// back-stop rule blocks every other channel. `development` also turns channel and
/// connection authentication off.
fn mqsc(q: &crate::scaffold::spec::QueueManager) -> String {
    use crate::scaffold::spec::MqSecurityMode;
    let user = &q.security.app_user;
    let mut m = String::new();
    for queue in &q.queues {
        m.push_str(&format!(
            "DEFINE QLOCAL('{}') MAXDEPTH({}) REPLACE\n",
            queue.name,
            queue.max_depth.unwrap_or(5000)
        ));
    }
    for ch in &q.channels {
        m.push_str(&format!(
            "DEFINE CHANNEL('{}') CHLTYPE(SVRCONN) TRPTYPE(TCP) MCAUSER('{user}') REPLACE\n",
            ch.name
        ));
    }
    match q.security.mode {
        MqSecurityMode::App => {
            m.push_str("* Channel authentication: only the declared channels admit clients, as the app identity.\n");
            m.push_str("SET CHLAUTH('*') TYPE(ADDRESSMAP) ADDRESS('*') USERSRC(NOACCESS) DESCR('Back-stop: no other channel admits clients') ACTION(REPLACE)\n");
            for ch in &q.channels {
                m.push_str(&format!(
                    "SET CHLAUTH('{}') TYPE(ADDRESSMAP) ADDRESS('*') USERSRC(MAP) MCAUSER('{user}') DESCR('Clients run as the app identity') ACTION(REPLACE)\n",
                    ch.name
                ));
            }
            // No password can be checked without OS users or LDAP: the identity is the
            // channel's, so a client's user id and password must not be required.
            m.push_str("ALTER QMGR CONNAUTH(' ')\n");
        }
        MqSecurityMode::Development => {
            m.push_str("* DEVELOPMENT MODE: channel and connection authentication are off. Test queue managers only.\n");
            m.push_str("ALTER QMGR CHLAUTH(DISABLED) CONNAUTH(' ')\n");
        }
    }
    m.push_str("REFRESH SECURITY TYPE(CONNAUTH)\n");
    m.push_str(&format!(
        "SET AUTHREC PRINCIPAL('{user}') OBJTYPE(QMGR) AUTHADD(CONNECT,INQ)\n"
    ));
    for queue in &q.queues {
        m.push_str(&format!(
            "SET AUTHREC PROFILE('{}') PRINCIPAL('{user}') OBJTYPE(QUEUE) AUTHADD(BROWSE,GET,INQ,PUT)\n",
            queue.name
        ));
    }
    m
}
