//! Rule `missing-reference`: a workload (or a KafkaConnect) that references a Secret,
//! ConfigMap or ServiceAccount nothing in the repository creates. What creates a Secret:
//! a Secret, a SealedSecret, an ExternalSecret, a cert-manager Certificate, a KafkaUser
//! (its credentials), a Kafka or EventStreams (its CA Secrets), a Service asking
//! OpenShift's service CA for a serving certificate.

use super::{Context, Sink, at, same_ns};
use crate::yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Secret,
    ConfigMap,
    ServiceAccount,
}

/// Names that exist in every namespace without anyone writing them.
fn always_there(kind: Kind, name: &str) -> bool {
    match kind {
        Kind::ConfigMap => matches!(name, "kube-root-ca.crt" | "openshift-service-ca.crt"),
        Kind::ServiceAccount => matches!(name, "default" | "builder" | "deployer" | "pipeline"),
        Kind::Secret => false,
    }
}

struct Refs {
    out: Vec<(Kind, String, String)>,
}

impl Refs {
    fn add(&mut self, kind: Kind, name: Option<&str>, field: String, optional: Option<&Value>) {
        if optional.and_then(Value::as_bool) == Some(true) {
            return;
        }
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            self.out.push((kind, n.to_string(), field));
        }
    }

    fn pod(&mut self, spec: &Value, p: &str) {
        let sa = spec
            .get("serviceAccountName")
            .or_else(|| spec.get("serviceAccount"))
            .and_then(Value::as_str);
        self.add(
            Kind::ServiceAccount,
            sa,
            format!("{p}.serviceAccountName"),
            None,
        );
        for (i, s) in arr(spec.get("imagePullSecrets")).enumerate() {
            self.add(
                Kind::Secret,
                s.get("name").and_then(Value::as_str),
                format!("{p}.imagePullSecrets[{i}].name"),
                None,
            );
        }
        for (i, v) in arr(spec.get("volumes")).enumerate() {
            self.volume(v, &format!("{p}.volumes[{i}]"));
        }
        for list in ["initContainers", "containers"] {
            for (i, c) in arr(spec.get(list)).enumerate() {
                self.env(c, &format!("{p}.{list}[{i}]"));
            }
        }
    }

    fn volume(&mut self, v: &Value, p: &str) {
        if let Some(s) = v.get("secret") {
            self.add(
                Kind::Secret,
                s.get("secretName").and_then(Value::as_str),
                format!("{p}.secret.secretName"),
                s.get("optional"),
            );
        }
        if let Some(c) = v.get("configMap") {
            self.add(
                Kind::ConfigMap,
                c.get("name").and_then(Value::as_str),
                format!("{p}.configMap.name"),
                c.get("optional"),
            );
        }
        for (j, src) in arr(at(v, &["projected", "sources"])).enumerate() {
            if let Some(s) = src.get("secret") {
                self.add(
                    Kind::Secret,
                    s.get("name").and_then(Value::as_str),
                    format!("{p}.projected.sources[{j}].secret.name"),
                    s.get("optional"),
                );
            }
            if let Some(c) = src.get("configMap") {
                self.add(
                    Kind::ConfigMap,
                    c.get("name").and_then(Value::as_str),
                    format!("{p}.projected.sources[{j}].configMap.name"),
                    c.get("optional"),
                );
            }
        }
    }

    fn env(&mut self, c: &Value, p: &str) {
        for (i, e) in arr(c.get("env")).enumerate() {
            if let Some(r) = at(e, &["valueFrom", "secretKeyRef"]) {
                self.add(
                    Kind::Secret,
                    r.get("name").and_then(Value::as_str),
                    format!("{p}.env[{i}].valueFrom.secretKeyRef.name"),
                    r.get("optional"),
                );
            }
            if let Some(r) = at(e, &["valueFrom", "configMapKeyRef"]) {
                self.add(
                    Kind::ConfigMap,
                    r.get("name").and_then(Value::as_str),
                    format!("{p}.env[{i}].valueFrom.configMapKeyRef.name"),
                    r.get("optional"),
                );
            }
        }
        for (i, e) in arr(c.get("envFrom")).enumerate() {
            if let Some(r) = e.get("secretRef") {
                self.add(
                    Kind::Secret,
                    r.get("name").and_then(Value::as_str),
                    format!("{p}.envFrom[{i}].secretRef.name"),
                    r.get("optional"),
                );
            }
            if let Some(r) = e.get("configMapRef") {
                self.add(
                    Kind::ConfigMap,
                    r.get("name").and_then(Value::as_str),
                    format!("{p}.envFrom[{i}].configMapRef.name"),
                    r.get("optional"),
                );
            }
        }
    }
}

fn arr(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    v.and_then(Value::as_array).into_iter().flatten()
}

/// Where a kind keeps its pod template.
fn pod_path(group: &str, kind: &str) -> Option<&'static [&'static str]> {
    Some(match (group, kind) {
        ("", "Pod") => &["spec"],
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet")
        | ("batch", "Job")
        | ("", "ReplicationController") => &["spec", "template", "spec"],
        ("apps.openshift.io", "DeploymentConfig") | ("serving.knative.dev", "Service") => {
            &["spec", "template", "spec"]
        }
        ("batch", "CronJob") => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

pub fn check(ctx: &Context, sink: &mut Sink) {
    let repo = ctx.repo;
    // What the repository creates: (kind, name) → namespaces.
    let mut made: BTreeMap<(Kind, String), BTreeSet<String>> = BTreeMap::new();
    let mut add = |k: Kind, name: &str, ns: &str| {
        made.entry((k, name.to_string()))
            .or_default()
            .insert(ns.to_string());
    };
    for o in &repo.objects {
        let r = o.res;
        let ns = r.namespace();
        match (o.group(), r.kind()) {
            ("", "Secret") => add(Kind::Secret, r.name(), ns),
            ("", "ConfigMap") => add(Kind::ConfigMap, r.name(), ns),
            // OpenShift's service CA writes the serving certificate a Service asks for.
            ("", "Service") => {
                for key in [
                    "service.beta.openshift.io/serving-cert-secret-name",
                    "service.alpha.openshift.io/serving-cert-secret-name",
                ] {
                    if let Some(n) = super::annotation(r, key) {
                        add(Kind::Secret, n, ns);
                    }
                }
            }
            ("", "ServiceAccount") => add(Kind::ServiceAccount, r.name(), ns),
            ("bitnami.com", "SealedSecret") => {
                let n = crate::yaml::str_at(&r.obj, &["spec", "template", "metadata", "name"]);
                add(Kind::Secret, if n.is_empty() { r.name() } else { n }, ns);
            }
            ("external-secrets.io", "ExternalSecret") => {
                let n = crate::yaml::str_at(&r.obj, &["spec", "target", "name"]);
                add(Kind::Secret, if n.is_empty() { r.name() } else { n }, ns);
            }
            ("cert-manager.io", "Certificate") => add(
                Kind::Secret,
                crate::yaml::str_at(&r.obj, &["spec", "secretName"]),
                ns,
            ),
            ("kafka.strimzi.io" | "eventstreams.ibm.com", "KafkaUser") => {
                add(Kind::Secret, r.name(), ns)
            }
            ("kafka.strimzi.io", "Kafka") | ("eventstreams.ibm.com", "EventStreams") => {
                for suffix in [
                    "cluster-ca-cert",
                    "clients-ca-cert",
                    "cluster-ca",
                    "clients-ca",
                ] {
                    add(Kind::Secret, &format!("{}-{suffix}", r.name()), ns);
                }
            }
            _ => {}
        }
    }
    for o in &repo.objects {
        let r = o.res;
        let mut refs = Refs { out: Vec::new() };
        if let Some(path) = pod_path(o.group(), r.kind()) {
            if let Some(spec) = at(&r.obj, path) {
                refs.pod(spec, &path.join("."));
            }
        } else if (o.group(), r.kind()) == ("kafka.strimzi.io", "KafkaConnect") {
            let spec = r.obj.get("spec").unwrap_or(&Value::Null);
            if let Some(a) = spec.get("authentication") {
                refs.add(
                    Kind::Secret,
                    at(a, &["passwordSecret", "secretName"]).and_then(Value::as_str),
                    "spec.authentication.passwordSecret.secretName".into(),
                    None,
                );
                refs.add(
                    Kind::Secret,
                    at(a, &["certificateAndKey", "secretName"]).and_then(Value::as_str),
                    "spec.authentication.certificateAndKey.secretName".into(),
                    None,
                );
            }
            for (i, c) in arr(at(spec, &["tls", "trustedCertificates"])).enumerate() {
                refs.add(
                    Kind::Secret,
                    c.get("secretName").and_then(Value::as_str),
                    format!("spec.tls.trustedCertificates[{i}].secretName"),
                    None,
                );
            }
            if let Some(ext) = spec.get("externalConfiguration") {
                refs.env(ext, "spec.externalConfiguration");
                for (i, v) in arr(ext.get("volumes")).enumerate() {
                    refs.volume(v, &format!("spec.externalConfiguration.volumes[{i}]"));
                }
            }
        }
        for (kind, name, field) in refs.out {
            if always_there(kind, &name) {
                continue;
            }
            let exists = made
                .get(&(kind, name.clone()))
                .is_some_and(|nss| nss.iter().any(|ns| same_ns(ns, r.namespace())));
            if !exists {
                sink.on(
                    "missing-reference",
                    *o,
                    Some(&field),
                    format!("references {kind:?} {name:?}, which nothing in the repository creates: the workload will not start"),
                );
            }
        }
    }
}
