//! Scaffold, Argo CD area: the bootstrap (operators, AppProject, root Application, health
//! checks). Pure.

use super::*;

pub(super) fn argocd(g: &mut Gen) -> Result<(), String> {
    let sol = g.sol;
    let s = &sol.spec;
    let name = &sol.metadata.name;
    let ctx = |v: &Value| minijinja::Value::from(minijinja::value::Serde(v.clone()));
    let mut destinations = std::mem::take(&mut g.destinations);
    let op_dirs = std::mem::take(&mut g.op_dirs);
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
    Ok(())
}
