//! Scaffold, functions area: event-driven functions through a broker (Knative eventing):
//! the environment's Broker, a KafkaSource per topic feeding it, and per function a
//! Knative Service with a Trigger for each topic it takes events from; plus the Knative
//! instances OpenShift Serverless runs them with (bootstrap/serverless). Pure.

use super::*;

/// The CloudEvents extension attribute each KafkaSource stamps on its events, so that a
/// Trigger can select one topic's events (KafkaSource's own `source` attribute holds the
/// namespace, which differs per environment).
const TOPIC_ATTRIBUTE: &str = "kafkatopic";
/// The type KafkaSource gives every event it makes.
const KAFKA_EVENT: &str = "dev.knative.kafka.event";
const BROKER: &str = "default";

pub(super) fn functions(g: &mut Gen) -> Result<(), String> {
    let sol = g.sol;
    let s = &sol.spec;
    if s.functions.is_empty() {
        return Ok(());
    }
    g.uses_functions = true;
    let ops = g.ops.clone();
    let (op, channel) = serving(&ops, "operator.knative.dev", "KnativeServing")?;
    let api = |group: &str, kind: &str| {
        op.api_version_for(channel, group, kind).ok_or_else(|| {
            format!(
                "spec.operators: {} channel {channel} serves no version of {group} {kind}",
                op.name
            )
        })
    };
    // The Knative instances: Serving for the functions, Eventing for Broker and Trigger,
    // KnativeKafka for KafkaSource. Waves, all after the operators (-10): the namespaces
    // (labelled: Argo CD may write the instances there only so), then Serving and
    // Eventing, then KnativeKafka (its webhook refuses it before KnativeEventing exists).
    let instances = [
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "knative-serving",
            "annotations": {WAVE: "-6"},
            "labels": {"argocd.argoproj.io/managed-by": s.gitops.argocd_namespace}}}),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "knative-eventing",
            "annotations": {WAVE: "-6"},
            "labels": {"argocd.argoproj.io/managed-by": s.gitops.argocd_namespace}}}),
        json!({"apiVersion": api("operator.knative.dev", "KnativeServing")?, "kind": "KnativeServing",
            "metadata": {"name": "knative-serving", "namespace": "knative-serving", "annotations": {WAVE: "-5"}}, "spec": {}}),
        json!({"apiVersion": api("operator.knative.dev", "KnativeEventing")?, "kind": "KnativeEventing",
            "metadata": {"name": "knative-eventing", "namespace": "knative-eventing", "annotations": {WAVE: "-5"}}, "spec": {}}),
        json!({"apiVersion": api("operator.serverless.openshift.io", "KnativeKafka")?, "kind": "KnativeKafka",
            "metadata": {"name": "knative-kafka", "namespace": "knative-eventing",
                "annotations": {WAVE: "-4"}},
            // Its CRD requires channel and source (the operator's own example sets both).
            "spec": {"channel": {"enabled": false}, "source": {"enabled": true}}}),
    ];
    g.add(
        "bootstrap/serverless/knative.yaml".into(),
        yaml::to_yaml_stream(instances.iter()),
    );
    g.add_yaml(
        "bootstrap/serverless/kustomization.yaml".into(),
        &kustomization(&["knative.yaml".into()], Map::new()),
    );
    let b = s.event_backbone.as_ref();
    let mut objs: Vec<Value> = vec![
        json!({"apiVersion": "eventing.knative.dev/v1", "kind": "Broker",
        "metadata": {"name": BROKER}}),
    ];
    for t in &s.function_topics() {
        let b = b.ok_or("spec.functions: `from` topics need spec.eventBackbone")?;
        let user = super::users::source_user(t);
        let ca = format!("{}-cluster-ca-cert", b.name);
        objs.push(json!({"apiVersion": "sources.knative.dev/v1", "kind": "KafkaSource",
            "metadata": {"name": user},
            "spec": {
                "bootstrapServers": [mtls_bootstrap_service(b)],
                "topics": [t],
                "consumerGroup": user,
                // mTLS with the KafkaUser's certificate; the cluster CA to trust.
                "net": {"tls": {"enable": true,
                    "cert": {"secretKeyRef": {"name": user, "key": "user.crt"}},
                    "key": {"secretKeyRef": {"name": user, "key": "user.key"}},
                    "caCert": {"secretKeyRef": {"name": ca, "key": "ca.crt"}}}},
                "ceOverrides": {"extensions": {TOPIC_ATTRIBUTE: t}},
                "sink": {"ref": {"apiVersion": "eventing.knative.dev/v1", "kind": "Broker", "name": BROKER}}}}));
    }
    for f in &s.functions {
        let tag = f.tag.clone().unwrap_or_else(|| "latest".into());
        let env: Vec<Value> = f
            .env
            .iter()
            .map(|(k, v)| json!({"name": k, "value": crate::kustomize::resmap::resource::scalar_string(v)}))
            .collect();
        let mut container = json!({"image": format!("{}:{tag}", f.image)});
        if !env.is_empty() {
            container["env"] = Value::Array(env);
        }
        // Reached through the Broker only: no route out of the cluster.
        objs.push(json!({"apiVersion": "serving.knative.dev/v1", "kind": "Service",
            "metadata": {"name": f.name, "labels": {"networking.knative.dev/visibility": "cluster-local"}},
            "spec": {"template": {"spec": {"containers": [container]}}}}));
        let subscriber = json!({"ref": {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": f.name}});
        let user_filter: Map = f
            .filter
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let mut filters: Vec<(String, Map)> = Vec::new();
        for t in &f.from {
            let mut attrs = user_filter.clone();
            attrs.insert("type".into(), json!(KAFKA_EVENT));
            attrs.insert(TOPIC_ATTRIBUTE.into(), json!(t));
            filters.push((
                format!("{}-{}", f.name, crate::names::topic_object_name(t)),
                attrs,
            ));
        }
        if f.from.is_empty() {
            filters.push((f.name.clone(), user_filter));
        }
        for (name, attrs) in filters {
            let mut spec = json!({"broker": BROKER, "subscriber": subscriber});
            if !attrs.is_empty() {
                spec["filter"] = json!({"attributes": attrs});
            }
            objs.push(
                json!({"apiVersion": "eventing.knative.dev/v1", "kind": "Trigger",
                "metadata": {"name": name}, "spec": spec}),
            );
        }
    }
    g.record_kinds(&objs);
    g.add(
        "environments/base/functions/functions.yaml".into(),
        yaml::to_yaml_stream(objs.iter()),
    );
    g.add_yaml(
        "environments/base/functions/kustomization.yaml".into(),
        &kustomization(&["functions.yaml".into()], annotations("5")),
    );
    Ok(())
}
