//! Scaffold, Argo CD area: the bootstrap (operator subscriptions, the Argo CD instance's
//! health checks, the AppProjects, the root Application) and the Application through which
//! Argo CD manages all of that itself afterwards. Pure.

use super::*;

/// Argo CD ships health checks for Strimzi's kinds, Knative Serving's Service, OLM
/// Subscriptions and SealedSecrets (argo-cd resource_customizations/); these it does not.
/// Without the Application one, a wave of child Applications never waits for the last.
const APPLICATION_HEALTH: &str = "hs = {}\nhs.status = \"Progressing\"\nhs.message = \"\"\nif obj.status ~= nil then\n  if obj.status.health ~= nil then\n    hs.status = obj.status.health.status\n    if obj.status.health.message ~= nil then\n      hs.message = obj.status.health.message\n    end\n  end\nend\nreturn hs\n";

/// Health from a `Ready` condition, the convention of Strimzi-based, Apicurio and Knative
/// kinds: True is Healthy; False Degraded (the operator gave up and says why) unless its
/// reason says it is still starting (Apicurio reports Ready=False with reason
/// Initializing while it waits for Kafka); `NotReady=True` is Degraded but while Creating
/// (Strimzi's and Event Streams' failure report, as Argo CD's own Strimzi checks read
/// it); anything else (Unknown, no status yet, a stale observedGeneration) Progressing.
const READY_CONDITION_HEALTH: &str = "hs = {}\nif obj.status ~= nil then\n  if obj.status.observedGeneration ~= nil and obj.metadata.generation ~= nil and obj.status.observedGeneration < obj.metadata.generation then\n    hs.status = \"Progressing\"\n    hs.message = \"Waiting for the operator to see the latest spec\"\n    return hs\n  end\n  if obj.status.conditions ~= nil then\n    for i, c in ipairs(obj.status.conditions) do\n      if c.type == \"NotReady\" and c.status == \"True\" and c.reason ~= \"Creating\" then\n        hs.status = \"Degraded\"\n        hs.message = c.message or c.reason or \"Not ready\"\n        return hs\n      end\n      if c.type == \"Ready\" and c.status == \"True\" then\n        hs.status = \"Healthy\"\n        hs.message = c.message or \"Ready\"\n        return hs\n      end\n      if c.type == \"Ready\" and c.status == \"False\" then\n        if c.reason == \"Initializing\" or c.reason == \"Reconciling\" or c.reason == \"Pending\" or c.reason == \"Creating\" then\n          hs.status = \"Progressing\"\n        else\n          hs.status = \"Degraded\"\n        end\n        hs.message = c.message or c.reason or \"Not ready\"\n        return hs\n      end\n    end\n  end\nend\nhs.status = \"Progressing\"\nhs.message = \"Waiting for the operator\"\nreturn hs\n";

/// Knative's kinds (Broker, Trigger, KafkaSource, KnativeKafka): Ready=True is Healthy;
/// Ready=False is what they report while a dependency is still coming up (KnativeKafka's
/// Deployments, a Trigger's subscriber), so it stays Progressing with the reason in the
/// message, as Argo CD's own KnativeEventing check reads it; an operator's failed install
/// (`InstallSucceeded=False`, reason Error) is Degraded.
const KNATIVE_HEALTH: &str = "hs = {}\nhs.status = \"Progressing\"\nhs.message = \"Waiting for Knative\"\nif obj.status ~= nil and obj.status.conditions ~= nil then\n  for i, c in ipairs(obj.status.conditions) do\n    if c.type == \"InstallSucceeded\" and c.status == \"False\" and c.reason == \"Error\" then\n      hs.status = \"Degraded\"\n      hs.message = c.message or \"Install failed\"\n      return hs\n    end\n    if c.type == \"Ready\" then\n      if c.status == \"True\" then\n        hs.status = \"Healthy\"\n        hs.message = \"Ready\"\n      else\n        hs.message = (c.reason or \"\") .. \" \" .. (c.message or \"\")\n      end\n    end\n  end\nend\nreturn hs\n";

/// OLM's CatalogSource: Healthy once its registry answers; until then Progressing, so the
/// Subscriptions of a later wave do not start against a catalog that is not there yet.
const CATALOG_SOURCE_HEALTH: &str = "hs = {}\nif obj.status ~= nil and obj.status.connectionState ~= nil and obj.status.connectionState.lastObservedState ~= nil then\n  if obj.status.connectionState.lastObservedState == \"READY\" then\n    hs.status = \"Healthy\"\n  else\n    hs.status = \"Progressing\"\n  end\n  hs.message = obj.status.connectionState.lastObservedState\n  return hs\nend\nhs.status = \"Progressing\"\nhs.message = \"Waiting for the catalog\"\nreturn hs\n";

/// Health from `status.phase`: `ready` is Healthy, Failed Degraded, others Progressing.
fn phase_health(ready: &str) -> String {
    format!(
        "hs = {{}}\nif obj.status ~= nil and obj.status.phase ~= nil then\n  if obj.status.phase == \"{ready}\" then\n    hs.status = \"Healthy\"\n  elseif obj.status.phase == \"Failed\" then\n    hs.status = \"Degraded\"\n  else\n    hs.status = \"Progressing\"\n  end\n  hs.message = obj.status.phase\n  return hs\nend\nhs.status = \"Progressing\"\nhs.message = \"Waiting for the operator\"\nreturn hs\n"
    )
}

/// How a kind reports its health.
enum Check {
    /// `status.phase`, with the phase that means ready.
    Phase(&'static str),
    /// `Ready` / `NotReady` conditions ([`READY_CONDITION_HEALTH`]).
    Ready,
    /// Knative's conditions ([`KNATIVE_HEALTH`]).
    Knative,
}

/// The health checks the instance needs for the kinds this repo renders. Knative's
/// operator kinds (KnativeServing, KnativeEventing) are not here: Argo CD has its own.
pub(super) fn health_checks(
    kinds: &BTreeSet<(String, String)>,
    catalog_sources: bool,
) -> Vec<Value> {
    let table = [
        (
            "eventstreams.ibm.com",
            "EventStreams",
            Check::Phase("Ready"),
        ),
        ("eventstreams.ibm.com", "KafkaTopic", Check::Ready),
        ("eventstreams.ibm.com", "KafkaUser", Check::Ready),
        ("eventstreams.ibm.com", "KafkaConnect", Check::Ready),
        ("eventstreams.ibm.com", "KafkaConnector", Check::Ready),
        ("mq.ibm.com", "QueueManager", Check::Phase("Running")),
        ("registry.apicur.io", "ApicurioRegistry", Check::Ready),
        ("eventing.knative.dev", "Broker", Check::Knative),
        ("eventing.knative.dev", "Trigger", Check::Knative),
        ("sources.knative.dev", "KafkaSource", Check::Knative),
        (
            "operator.serverless.openshift.io",
            "KnativeKafka",
            Check::Knative,
        ),
    ];
    let mut out =
        vec![json!({"group": "argoproj.io", "kind": "Application", "lua": APPLICATION_HEALTH})];
    if catalog_sources {
        out.push(json!({"group": "operators.coreos.com", "kind": "CatalogSource", "lua": CATALOG_SOURCE_HEALTH}));
    }
    for (grp, k, check) in table {
        if !kinds.contains(&(grp.to_string(), k.to_string())) {
            continue;
        }
        let lua = match check {
            Check::Phase(p) => phase_health(p),
            Check::Ready => READY_CONDITION_HEALTH.to_string(),
            Check::Knative => KNATIVE_HEALTH.to_string(),
        };
        out.push(json!({"group": grp, "kind": k, "lua": lua}));
    }
    out
}

/// The Argo CD instance: OpenShift GitOps' default one is named after its namespace.
fn instance(argocd_ns: &str) -> &str {
    argocd_ns
}

pub(super) fn argocd(g: &mut Gen) -> Result<(), String> {
    let sol = g.sol;
    let s = &sol.spec;
    let name = &sol.metadata.name;
    let ctx = |v: &Value| minijinja::Value::from(minijinja::value::Serde(v.clone()));
    let mut destinations = std::mem::take(&mut g.destinations);
    let op_dirs = std::mem::take(&mut g.op_dirs);
    let argocd_ns = s.gitops.argocd_namespace.clone();
    let in_cluster = "https://kubernetes.default.svc";
    destinations.push(json!({"namespace": argocd_ns, "server": in_cluster}));
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
    let mut platform_kinds = g.kinds.clone();
    if g.uses_functions {
        platform_kinds.insert((
            "operator.serverless.openshift.io".to_string(),
            "KnativeKafka".to_string(),
        ));
    }
    let catalog_sources = op_dirs.iter().any(|d| d.contains("catalog-sources"));
    let health = health_checks(&platform_kinds, catalog_sources);

    // The solution's project: its environments' namespaces and the kinds it renders.
    let project = g.render(
        "appproject.yaml.j2",
        ctx(&json!({"project": name, "argocd_namespace": argocd_ns, "solution": name, "repo_url": s.gitops.repo_url,
            "destinations": destinations, "cluster_kinds": [{"group": "", "kind": "Namespace"}], "namespace_kinds": ns_kinds})),
    )?;
    g.add("bootstrap/argocd/project.yaml".into(), project);

    // The platform project: what bootstrap/ holds (operator namespaces, subscriptions,
    // release manifests with their CRDs and cluster roles, this instance's own objects).
    let platform = format!("{name}-platform");
    let mut platform_dest: BTreeSet<String> =
        g.ops.iter().map(|(o, _)| o.namespace.clone()).collect();
    platform_dest.insert(argocd_ns.clone());
    platform_dest.insert("openshift-marketplace".into());
    platform_dest.insert("openshift-operators".into());
    if g.uses_functions {
        platform_dest.insert("knative-serving".into());
        platform_dest.insert("knative-eventing".into());
    }
    let platform_dest: Vec<Value> = platform_dest
        .iter()
        .map(|n| json!({"namespace": n, "server": in_cluster}))
        .collect();
    let text = g.render(
        "appproject.yaml.j2",
        ctx(&json!({"project": platform, "argocd_namespace": argocd_ns, "solution": name, "repo_url": s.gitops.repo_url,
            "destinations": platform_dest,
            "cluster_kinds": [{"group": "", "kind": "Namespace"}, {"group": "apiextensions.k8s.io", "kind": "CustomResourceDefinition"},
                {"group": "rbac.authorization.k8s.io", "kind": "ClusterRole"}, {"group": "rbac.authorization.k8s.io", "kind": "ClusterRoleBinding"}],
            "namespace_kinds": [{"group": "*", "kind": "*"}]})),
    )?;
    g.add("bootstrap/argocd/platform-project.yaml".into(), text);

    let root = g.render(
        "application.yaml.j2",
        ctx(&json!({"name": format!("{name}-root"), "argocd_namespace": argocd_ns, "wave": "0", "project": name,
            "repo_url": s.gitops.repo_url, "revision": s.gitops.revision, "path": "config/argocd",
            "server": in_cluster, "namespace": argocd_ns, "automated": true})),
    )?;
    g.add("bootstrap/root/root-application.yaml".into(), root);
    g.add_yaml(
        "bootstrap/root/kustomization.yaml".into(),
        &kustomization(&["root-application.yaml".into()], Map::new()),
    );
    let cr = g.render(
        "argocd.yaml.j2",
        ctx(&json!({"name": instance(&argocd_ns), "argocd_namespace": argocd_ns, "kinds": health})),
    )?;
    g.add("bootstrap/argocd/argocd.yaml".into(), cr);
    let mut argocd_res: Vec<String> = vec![
        "argocd.yaml".into(),
        "platform-project.yaml".into(),
        "project.yaml".into(),
    ];
    // Operators installed from release manifests bring CRDs: the default instance may
    // write no CRDs until it is granted that here.
    if g.ops
        .iter()
        .any(|(o, _)| matches!(o.install, catalog::Install::Manifest { .. }))
    {
        let sa = format!("{}-argocd-application-controller", instance(&argocd_ns));
        let role = format!("{name}-argocd-crds");
        let rbac = [
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": role},
                "rules": [{"apiGroups": ["apiextensions.k8s.io"], "resources": ["customresourcedefinitions"], "verbs": ["*"]}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": role},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": argocd_ns}]}),
        ];
        g.add(
            "bootstrap/argocd/crd-rights.yaml".into(),
            yaml::to_yaml_stream(rbac.iter()),
        );
        argocd_res.push("crd-rights.yaml".into());
        argocd_res.sort();
    }
    // SealedSecrets come from a release manifest, whose CRD is aggregated into no role:
    // the namespace Role the GitOps operator copies from `admin` would not let Argo CD
    // write them into the environments' namespaces.
    if g.kinds
        .contains(&("bitnami.com".to_string(), "SealedSecret".to_string()))
        || g.ops
            .iter()
            .any(|(o, _)| o.provides_kind("bitnami.com", "SealedSecret"))
    {
        let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": format!("{name}-sealedsecrets-admin"), "labels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}},
            "rules": [{"apiGroups": ["bitnami.com"], "resources": ["sealedsecrets"], "verbs": ["*"]}]});
        g.add_yaml("bootstrap/argocd/sealedsecrets-admin.yaml".into(), &role);
        argocd_res.push("sealedsecrets-admin.yaml".into());
        argocd_res.sort();
    }
    g.add_yaml(
        "bootstrap/argocd/kustomization.yaml".into(),
        &kustomization(&argocd_res, Map::new()),
    );
    // bootstrap/platform is what the platform Application syncs: everything but the root
    // Application (which manages the platform Application: syncing it from there would
    // make each wait for the other's health).
    let (sources, operators): (Vec<&String>, Vec<&String>) =
        op_dirs.iter().partition(|d| d.contains("catalog-sources"));
    let mut platform: Vec<String> = operators.iter().map(|d| format!("../{d}")).collect();
    if !sources.is_empty() {
        // Catalogs before the Subscriptions that install from them (wave -10).
        let res: Vec<String> = sources.iter().map(|d| format!("../{d}")).collect();
        g.add_yaml(
            "bootstrap/catalog-sources/kustomization.yaml".into(),
            &kustomization(&res, annotations("-20")),
        );
        platform.insert(0, "../catalog-sources".into());
    }
    if g.uses_functions {
        platform.push("../serverless".into());
    }
    platform.push("../argocd".into());
    g.add_yaml(
        "bootstrap/platform/kustomization.yaml".into(),
        &kustomization(&platform, Map::new()),
    );
    g.add_yaml(
        "bootstrap/kustomization.yaml".into(),
        &kustomization(&["platform".into(), "root".into()], Map::new()),
    );
    Ok(())
}

/// The Application through which Argo CD manages bootstrap/platform (operators, their
/// channels, its own health checks and projects): a later `catalog bump` is a commit.
/// Never pruned automatically: removing an operator is a decision, not a side effect.
pub(super) fn platform_application(g: &mut Gen) -> Result<String, String> {
    let s = &g.sol.spec;
    let name = &g.sol.metadata.name;
    let c = json!({"name": format!("{name}-platform"), "argocd_namespace": s.gitops.argocd_namespace, "wave": "-1",
        "project": format!("{name}-platform"), "repo_url": s.gitops.repo_url, "revision": s.gitops.revision,
        "path": "bootstrap/platform", "server": "https://kubernetes.default.svc", "namespace": s.gitops.argocd_namespace,
        "automated": true, "prune": false});
    g.render(
        "application.yaml.j2",
        minijinja::Value::from(minijinja::value::Serde(c)),
    )
}
