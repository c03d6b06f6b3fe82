//! Rules `strimzi-cluster`, `strimzi-authorization`, `strimzi-connect-tls` and
//! `strimzi-topic-replicas`: Strimzi's (and Event Streams') custom resources against the
//! cluster they name, as the cluster, user and topic operators would treat them.

use super::{Context, Sink, at, label, same_ns};
use crate::lint::model::Obj;
use crate::yaml::Value;

const CLUSTER: &str = "strimzi.io/cluster";

/// The label naming an object's cluster: Event Streams' kinds use their own group's.
fn cluster_label(group: &str) -> &'static str {
    if group == "eventstreams.ibm.com" {
        "eventstreams.ibm.com/cluster"
    } else {
        CLUSTER
    }
}

/// A Kafka cluster the repository defines: a Strimzi `Kafka` or an `EventStreams`
/// (whose Kafka settings sit under `spec.strimziOverrides`).
struct Cluster<'a> {
    obj: Obj<'a>,
    kafka: Option<&'a Value>,
}

fn clusters<'a>(ctx: &Context<'a>) -> Vec<Cluster<'a>> {
    let mut out: Vec<Cluster> = ctx
        .repo
        .kind("kafka.strimzi.io", "Kafka")
        .map(|o| Cluster {
            obj: o,
            kafka: at(&o.res.obj, &["spec", "kafka"]),
        })
        .collect();
    out.extend(
        ctx.repo
            .kind("eventstreams.ibm.com", "EventStreams")
            .map(|o| Cluster {
                obj: o,
                kafka: at(&o.res.obj, &["spec", "strimziOverrides", "kafka"]),
            }),
    );
    out
}

fn find<'c, 'a>(cs: &'c [Cluster<'a>], name: &str, ns: &str) -> Option<&'c Cluster<'a>> {
    cs.iter()
        .find(|c| c.obj.res.name() == name && c.obj.res.namespace() == ns)
        .or_else(|| {
            cs.iter()
                .find(|c| c.obj.res.name() == name && same_ns(c.obj.res.namespace(), ns))
        })
}

/// Brokers of a cluster: its broker node pools' replicas when it has node pools, else
/// `spec.kafka.replicas`; `None` when the repository does not say.
fn brokers(ctx: &Context, c: &Cluster) -> Option<i64> {
    let name = c.obj.res.name();
    let ns = c.obj.res.namespace();
    let mut pools: Vec<(String, i64)> = Vec::new();
    for p in ctx.repo.kind("kafka.strimzi.io", "KafkaNodePool") {
        if label(p.res, CLUSTER) == Some(name) && same_ns(p.res.namespace(), ns) {
            let broker = at(&p.res.obj, &["spec", "roles"])
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|x| x == "broker"));
            if broker {
                let n = at(&p.res.obj, &["spec", "replicas"])
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                let key = p.res.name().to_string();
                if !pools.iter().any(|(k, _)| *k == key) {
                    pools.push((key, n));
                }
            }
        }
    }
    for p in at(&c.obj.res.obj, &["spec", "strimziOverrides", "nodePools"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if p.get("roles")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|x| x == "broker"))
        {
            let n = p.get("replicas").and_then(Value::as_i64).unwrap_or(0);
            pools.push((crate::yaml::str_at(p, &["name"]).to_string(), n));
        }
    }
    if !pools.is_empty() {
        return Some(pools.iter().map(|(_, n)| n).sum());
    }
    c.kafka
        .and_then(|k| k.get("replicas"))
        .and_then(Value::as_i64)
}

pub fn check(ctx: &Context, sink: &mut Sink) {
    let cs = clusters(ctx);
    let mut connects: Vec<Obj> = ctx.repo.kind("kafka.strimzi.io", "KafkaConnect").collect();
    connects.extend(ctx.repo.kind("eventstreams.ibm.com", "KafkaConnect"));
    for group in ["kafka.strimzi.io", "eventstreams.ibm.com"] {
        for kind in ["KafkaTopic", "KafkaUser"] {
            let key = cluster_label(group);
            for o in ctx.repo.kind(group, kind) {
                let Some(name) = label(o.res, key) else {
                    sink.on(
                        "strimzi-cluster",
                        o,
                        Some("metadata.labels"),
                        format!("has no {key} label: no operator reconciles it"),
                    );
                    continue;
                };
                let Some(c) = find(&cs, name, o.res.namespace()) else {
                    sink.on(
                        "strimzi-cluster",
                        o,
                        Some(&format!("metadata.labels.{key}")),
                        format!("names Kafka cluster {name:?}, which the repository does not define in its namespace"),
                    );
                    continue;
                };
                if kind == "KafkaUser"
                    && at(&o.res.obj, &["spec", "authorization"]).is_some()
                    && c.kafka.and_then(|k| k.get("authorization")).is_none()
                {
                    sink.on(
                        "strimzi-authorization",
                        o,
                        Some("spec.authorization"),
                        format!(
                            "has ACLs but {} {name} has no authorization: the user operator refuses the user and its Secret is never created",
                            c.obj.res.kind()
                        ),
                    );
                }
                if kind == "KafkaTopic"
                    && let Some(want) =
                        at(&o.res.obj, &["spec", "replicas"]).and_then(Value::as_i64)
                    && let Some(have) = brokers(ctx, c)
                    && want > have
                {
                    sink.on(
                        "strimzi-topic-replicas",
                        o,
                        Some("spec.replicas"),
                        format!(
                            "asks for {want} replicas but {} {name} has {have} broker(s)",
                            c.obj.res.kind()
                        ),
                    );
                }
            }
        }
    }
    let connectors = ctx
        .repo
        .kind("kafka.strimzi.io", "KafkaConnector")
        .chain(ctx.repo.kind("eventstreams.ibm.com", "KafkaConnector"));
    for o in connectors {
        let key = cluster_label(o.group());
        match label(o.res, key) {
            None => sink.on(
                "strimzi-cluster",
                o,
                Some("metadata.labels"),
                format!("has no {key} label: no KafkaConnect runs it"),
            ),
            Some(name) => {
                let found = connects
                    .iter()
                    .any(|c| c.res.name() == name && same_ns(c.res.namespace(), o.res.namespace()));
                if !found {
                    sink.on(
                        "strimzi-cluster",
                        o,
                        Some(&format!("metadata.labels.{key}")),
                        format!("names KafkaConnect {name:?}, which the repository does not define in its namespace"),
                    );
                }
            }
        }
    }
    for o in &connects {
        let servers = crate::yaml::str_at(&o.res.obj, &["spec", "bootstrapServers"]);
        let has_tls = at(&o.res.obj, &["spec", "tls"]).is_some_and(|t| !t.is_null());
        for server in servers.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((host, port)) = server.rsplit_once(':') else {
                continue;
            };
            let Ok(port) = port.parse::<i64>() else {
                continue;
            };
            let first = host.split('.').next().unwrap_or("");
            let Some(name) = first.strip_suffix("-kafka-bootstrap") else {
                continue;
            };
            let ns = host.split('.').nth(1).unwrap_or(o.res.namespace());
            let Some(c) = find(&cs, name, ns) else {
                continue;
            };
            let tls_listener = c
                .kafka
                .and_then(|k| k.get("listeners"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|l| l.get("port").and_then(Value::as_i64) == Some(port))
                .is_some_and(|l| l.get("tls").and_then(Value::as_bool) == Some(true));
            if tls_listener && !has_tls {
                sink.on(
                    "strimzi-connect-tls",
                    *o,
                    Some("spec.bootstrapServers"),
                    format!("connects to port {port} of {name}, a TLS listener, but has no spec.tls: the handshake fails"),
                );
            }
        }
    }
}
