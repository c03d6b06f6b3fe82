//! Scaffolded repos read as the cluster would treat them: one test per defect of issue 13
//! (each failed on the scaffold before it), over the built-in examples and variants,
//! every environment rendered the way Argo CD renders it.

mod common;

use common::apiserver::{Config, Server, TOKEN, core_kinds};
use common::{manifesto_in, repo_root, test_cert};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// A scaffolded repo: its folder and every object each Application renders.
struct Repo {
    dir: PathBuf,
    /// (Application name, its objects), the platform and root ones included.
    apps: Vec<(String, Vec<Value>)>,
}

impl Repo {
    fn objects(&self) -> impl Iterator<Item = &Value> {
        self.apps.iter().flat_map(|(_, o)| o.iter())
    }
    fn kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.objects().filter(move |o| o["kind"] == kind)
    }
    fn file(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

fn yaml_docs(text: &str) -> Vec<Value> {
    manifesto::yaml::parse_documents(text)
        .unwrap()
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect()
}

/// Scaffolds `spec` (an example name or spec text) with the test certificate and renders
/// every Application's path.
fn scaffold(name: &str, spec: Option<&str>) -> Repo {
    let dir = std::env::temp_dir().join(format!("manifesto-deploys-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cert = test_cert();
    let out = match spec {
        None => manifesto_in(
            &dir,
            &[
                "scaffold",
                "--example",
                name,
                "--out",
                "repo",
                "--cert",
                &cert,
            ],
        ),
        Some(text) => {
            std::fs::write(dir.join("solution.yaml"), text).unwrap();
            manifesto_in(&dir, &["scaffold", "--out", "repo", "--cert", &cert])
        }
    };
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let root = dir.join("repo");
    let cache = dir.join("cache");
    common::seed_remote_cache(&cache, &root);
    // From the root Application down, as Argo CD finds them.
    let mut queue: Vec<Value> = yaml_docs(&common::manifesto_build_offline(
        &root.join("bootstrap/root"),
        &cache,
    ));
    let mut apps: Vec<(String, Vec<Value>)> = Vec::new();
    while let Some(a) = queue.pop() {
        let n = a["metadata"]["name"].as_str().unwrap().to_string();
        if apps.iter().any(|(x, _)| *x == n) {
            continue;
        }
        let path = a["spec"]["source"]["path"].as_str().unwrap();
        let objects = yaml_docs(&common::manifesto_build_offline(&root.join(path), &cache));
        queue.extend(
            objects
                .iter()
                .filter(|o| o["kind"] == "Application")
                .cloned(),
        );
        apps.push((n, objects));
    }
    Repo { dir: root, apps }
}

fn realtime() -> &'static Repo {
    static R: OnceLock<Repo> = OnceLock::new();
    R.get_or_init(|| scaffold("realtime-inventory", None))
}
fn minimal() -> &'static Repo {
    static R: OnceLock<Repo> = OnceLock::new();
    R.get_or_init(|| scaffold("minimal", None))
}
fn functions() -> &'static Repo {
    static R: OnceLock<Repo> = OnceLock::new();
    R.get_or_init(|| scaffold("event-functions", None))
}

const EXAMPLES: [&str; 3] = ["realtime-inventory", "minimal", "event-functions"];

fn all() -> [&'static Repo; 3] {
    [realtime(), minimal(), functions()]
}

fn wave(o: &Value) -> i64 {
    o["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        .as_str()
        .map(|w| w.parse().unwrap())
        .unwrap_or(0)
}

fn ns(o: &Value) -> &str {
    o["metadata"]["namespace"].as_str().unwrap_or("")
}
fn name(o: &Value) -> &str {
    o["metadata"]["name"].as_str().unwrap_or("")
}
fn group(o: &Value) -> &str {
    o["apiVersion"]
        .as_str()
        .unwrap()
        .rsplit_once('/')
        .map(|(g, _)| g)
        .unwrap_or("")
}

/// Defect 1: Argo CD may write every object its Applications render: the namespace is labelled
/// (or created with the label), the kind is one OpenShift GitOps' default instance may
/// write everywhere, or the repo grants it (CRDs; SealedSecrets aggregated into `admin`).
#[test]
fn argo_cd_may_write_everything_it_syncs() {
    let everywhere = [
        "operators.coreos.com",
        "rbac.authorization.k8s.io",
        "operator.openshift.io",
    ];
    for repo in all() {
        let labelled: Vec<&str> = repo
            .kind("Namespace")
            .filter(|n| {
                n["metadata"]["labels"]["argocd.argoproj.io/managed-by"] == "openshift-gitops"
            })
            .map(name)
            .collect();
        let apps: Vec<Value> = repo.kind("Application").cloned().collect();
        for (app, objects) in &repo.apps {
            let a = apps.iter().find(|x| name(x) == app).unwrap();
            let dest = a["spec"]["destination"]["namespace"].as_str().unwrap();
            let meta = a["spec"]["syncPolicy"]["managedNamespaceMetadata"]["labels"]["argocd.argoproj.io/managed-by"]
                == "openshift-gitops";
            for o in objects {
                let kind = o["kind"].as_str().unwrap();
                if [
                    "Namespace",
                    "CustomResourceDefinition",
                    "ClusterRole",
                    "ClusterRoleBinding",
                ]
                .contains(&kind)
                    || everywhere.contains(&group(o))
                {
                    continue;
                }
                let n = if ns(o).is_empty() { dest } else { ns(o) };
                assert!(
                    n == "openshift-gitops" || labelled.contains(&n) || meta && n == dest,
                    "{}: {app} writes {kind} {n}/{} where Argo CD has no rights",
                    repo.dir.display(),
                    name(o)
                );
            }
            if objects
                .iter()
                .any(|o| o["kind"] == "CustomResourceDefinition")
            {
                assert!(
                    repo.kind("ClusterRoleBinding").any(|b| {
                        b["subjects"][0]["name"] == "openshift-gitops-argocd-application-controller"
                            && repo.kind("ClusterRole").any(|r| {
                                name(r) == b["roleRef"]["name"]
                                    && r["rules"][0]["resources"][0] == "customresourcedefinitions"
                            })
                    }),
                    "{app} syncs CRDs the default instance may not write"
                );
            }
        }
        if repo.kind("SealedSecret").next().is_some() {
            assert!(
                repo.kind("ClusterRole").any(|r| {
                    r["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-admin"]
                        == "true"
                        && r["rules"][0]["apiGroups"][0] == "bitnami.com"
                }),
                "SealedSecrets are aggregated into no role the GitOps operator copies"
            );
        }
    }
}

/// Defect 2: The Event Streams schema registry is an object in the API.
#[test]
fn event_streams_registry_is_an_object() {
    let es = realtime().kind("EventStreams").next().unwrap();
    assert!(es["spec"]["apicurioRegistry"].is_object(), "{es:#}");
}

/// Defect 3: IBM's images pull with ibm-entitlement-key, sealed into every namespace that runs
/// an IBM operand; a spec without it is refused.
#[test]
fn ibm_operands_have_their_pull_secret() {
    let repo = realtime();
    let sealed: Vec<&Value> = repo
        .kind("SealedSecret")
        .filter(|s| name(s) == "ibm-entitlement-key")
        .collect();
    for o in repo.kind("EventStreams").chain(repo.kind("QueueManager")) {
        let s = sealed
            .iter()
            .find(|s| ns(s) == ns(o))
            .unwrap_or_else(|| panic!("no ibm-entitlement-key in {}", ns(o)));
        assert_eq!(
            s["spec"]["template"]["type"],
            "kubernetes.io/dockerconfigjson"
        );
        assert!(s["spec"]["encryptedData"][".dockerconfigjson"].is_string());
    }
    for q in repo.kind("QueueManager") {
        assert_eq!(
            q["spec"]["imagePullSecrets"][0]["name"],
            "ibm-entitlement-key"
        );
    }
    let spec = include_str!("../templates/examples/realtime-inventory.yaml");
    let i = spec.find("  # IBM's images are entitled").unwrap();
    common::Test::new()
        .file("solution.yaml", &spec[..i])
        .args(&["scaffold", "--out", "repo"])
        .run()
        .status(2)
        .stderr_has("pull secret `ibm-entitlement-key`");
}

/// Every ACL of `user` (a KafkaUser), as (resource type, name, pattern, operations).
fn acls(user: &Value) -> Vec<(String, String, String, Vec<String>)> {
    user["spec"]["authorization"]["acls"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            (
                a["resource"]["type"].as_str().unwrap().to_string(),
                a["resource"]["name"].as_str().unwrap().to_string(),
                a["resource"]["patternType"].as_str().unwrap().to_string(),
                a["operations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

/// Whether `user` may do `op` on the resource (type, name), as simple authorization
/// decides it.
fn allows(user: &Value, kind: &str, res: &str, op: &str) -> bool {
    acls(user).iter().any(|(t, n, p, ops)| {
        t == kind
            && (n == "*"
                || if p == "prefix" {
                    res.starts_with(n.as_str())
                } else {
                    n == res
                })
            && ops.iter().any(|o| o == op || o == "All")
    })
}

fn user<'a>(repo: &'a Repo, namespace: &str, n: &str) -> &'a Value {
    repo.kind("KafkaUser")
        .find(|u| ns(u) == namespace && name(u) == n)
        .unwrap_or_else(|| panic!("no KafkaUser {namespace}/{n}"))
}

fn env_of<'a>(container: &'a Value, cms: &'a [&Value], var: &str) -> Option<&'a Value> {
    container["env"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["name"] == var)
        .or_else(|| {
            container["envFrom"]
                .as_array()
                .into_iter()
                .flatten()
                .find_map(|f| {
                    let cm = f["configMapRef"]["name"].as_str()?;
                    cms.iter()
                        .find(|c| name(c) == cm)
                        .and_then(|c| c["data"].get(var))
                })
        })
}

/// Defect 4 and 9: Every app connects to an authenticating TLS listener as a KafkaUser that
/// exists and is authorized for its topics and group, with protocol, credentials from
/// the user's Secret and the cluster CA as truststore; the cluster authorizes.
#[test]
fn apps_connect_authenticated_and_authorized() {
    for (repo, spec) in all().iter().zip(EXAMPLES) {
        let text = std::fs::read_to_string(repo.dir.join("solution.yaml")).unwrap();
        let sol: Value = serde_json::to_value(&yaml_docs(&text)[0]).unwrap();
        for k in repo.kind("Kafka").chain(repo.kind("EventStreams")) {
            let kafka = if k["kind"] == "Kafka" {
                &k["spec"]["kafka"]
            } else {
                &k["spec"]["strimziOverrides"]["kafka"]
            };
            assert_eq!(kafka["authorization"]["type"], "simple", "{spec}");
            for l in kafka["listeners"].as_array().unwrap() {
                assert!(
                    l["tls"] == true && l["authentication"].is_object(),
                    "{spec}: open listener {l}"
                );
            }
        }
        let app_objects = repo
            .apps
            .iter()
            .filter(|(n, _)| n.ends_with("-apps"))
            .flat_map(|(_, o)| o.iter());
        let mut seen = 0;
        for d in app_objects.filter(|o| o["kind"] == "Deployment") {
            seen += 1;
            let namespace = ns(d);
            let cms: Vec<&Value> = repo
                .kind("ConfigMap")
                .filter(|c| ns(c) == namespace)
                .collect();
            let c = &d["spec"]["template"]["spec"]["containers"][0];
            let app = sol["spec"]["apps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["name"] == name(d))
                .unwrap();
            let get = |v: &str| {
                env_of(c, &cms, v).unwrap_or_else(|| panic!("{spec} {}: no {v}", name(d)))
            };
            let servers = get("KAFKA_BOOTSTRAP_SERVERS").as_str().unwrap();
            let port: u32 = servers.rsplit(':').next().unwrap().parse().unwrap();
            let u = user(repo, namespace, app["user"].as_str().unwrap_or(name(d)));
            let auth = u["spec"]["authentication"]["type"].as_str().unwrap();
            let listener_auth = repo
                .kind("Kafka")
                .map(|k| &k["spec"]["kafka"])
                .chain(
                    repo.kind("EventStreams")
                        .map(|k| &k["spec"]["strimziOverrides"]["kafka"]),
                )
                .find(|_| true)
                .and_then(|k| {
                    k["listeners"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|l| l["port"] == port)
                        .map(|l| l["authentication"]["type"].as_str().unwrap().to_string())
                })
                .unwrap_or_else(|| panic!("{spec}: no listener on {port}"));
            assert_eq!(
                listener_auth,
                auth,
                "{spec} {}: user and listener disagree",
                name(d)
            );
            let protocol = get("KAFKA_SECURITY_PROTOCOL").as_str().unwrap();
            if auth == "tls" {
                assert_eq!(protocol, "SSL");
                assert_eq!(
                    get("KAFKA_SSL_KEYSTORE_PASSWORD")["valueFrom"]["secretKeyRef"]["name"],
                    name(u)
                );
            } else {
                assert_eq!(protocol, "SASL_SSL");
                assert_eq!(get("KAFKA_SASL_MECHANISM"), "SCRAM-SHA-512");
                let jaas = &get("KAFKA_SASL_JAAS_CONFIG")["valueFrom"]["secretKeyRef"];
                assert_eq!(
                    (jaas["name"].as_str(), jaas["key"].as_str()),
                    (Some(name(u)), Some("sasl.jaas.config"))
                );
            }
            let volumes = d["spec"]["template"]["spec"]["volumes"].as_array().unwrap();
            assert!(
                volumes.iter().any(|v| v["secret"]["secretName"]
                    .as_str()
                    .is_some_and(|s| s.ends_with("-cluster-ca-cert"))),
                "{spec} {}: no truststore",
                name(d)
            );
            for t in app["produces"].as_array().into_iter().flatten() {
                assert!(
                    allows(u, "topic", t.as_str().unwrap(), "Write"),
                    "{spec} {}: may not write {t}",
                    name(d)
                );
            }
            for t in app["consumes"].as_array().into_iter().flatten() {
                assert!(
                    allows(u, "topic", t.as_str().unwrap(), "Read"),
                    "{spec} {}: may not read {t}",
                    name(d)
                );
                let g = get("KAFKA_GROUP_ID").as_str().unwrap();
                assert!(
                    allows(u, "group", g, "Read"),
                    "{spec} {}: may not join {g}",
                    name(d)
                );
            }
        }
        assert!(seen > 0, "{spec}: no app Deployments");
        // A topic's replicas fit the cluster.
        let brokers = repo
            .kind("KafkaNodePool")
            .map(|p| p["spec"]["replicas"].as_u64().unwrap())
            .chain(repo.kind("EventStreams").map(|e| {
                e["spec"]["strimziOverrides"]["nodePools"][0]["replicas"]
                    .as_u64()
                    .or(e["spec"]["strimziOverrides"]["kafka"]["replicas"].as_u64())
                    .unwrap()
            }))
            .min()
            .unwrap();
        for t in repo.kind("KafkaTopic") {
            assert!(
                t["spec"]["replicas"].as_u64().unwrap() <= brokers,
                "{spec}: {t}"
            );
        }
    }
}

/// Defect 5: Kafka Connect: the TLS listener with the cluster CA, an image that holds the
/// connector's plugin (built into an ImageStream that exists), and a user authorized for
/// Connect's group and state topics and its connectors' topics.
#[test]
fn kafka_connect_has_tls_plugins_and_acls() {
    let repo = realtime();
    for c in repo.kind("KafkaConnect") {
        let namespace = ns(c);
        assert_eq!(
            c["spec"]["tls"]["trustedCertificates"][0]["secretName"],
            "es-demo-cluster-ca-cert"
        );
        let build = &c["spec"]["build"];
        assert_eq!(build["output"]["type"], "imagestream");
        let stream = build["output"]["image"]
            .as_str()
            .unwrap()
            .split(':')
            .next()
            .unwrap();
        assert!(
            repo.kind("ImageStream")
                .any(|i| ns(i) == namespace && name(i) == stream),
            "no ImageStream {stream} in {namespace}"
        );
        assert!(
            build["plugins"][0]["artifacts"][0]["url"]
                .as_str()
                .unwrap()
                .contains("kafka-connect-mq-source")
        );
        let u = user(
            repo,
            namespace,
            c["spec"]["authentication"]["username"].as_str().unwrap(),
        );
        let cfg = &c["spec"]["config"];
        assert!(allows(
            u,
            "group",
            cfg["group.id"].as_str().unwrap(),
            "Read"
        ));
        for t in [
            "offset.storage.topic",
            "config.storage.topic",
            "status.storage.topic",
        ] {
            let topic = cfg[t].as_str().unwrap();
            for op in ["Read", "Write", "Create", "Describe"] {
                assert!(allows(u, "topic", topic, op), "{t} {topic} {op}");
            }
        }
        for k in repo.kind("KafkaConnector").filter(|k| ns(k) == namespace) {
            if let Some(t) = k["spec"]["config"]["topic"].as_str() {
                assert!(allows(u, "topic", t, "Write"), "{t}");
            }
        }
    }
    // A connector class that no image holds is refused.
    let spec = include_str!("../templates/examples/realtime-inventory.yaml");
    let i = spec
        .find("        # Strimzi builds the Connect image")
        .unwrap();
    let j = spec.find("    connectors:").unwrap();
    let broken = format!("{}{}", &spec[..i], &spec[j..]);
    common::Test::new()
        .file("solution.yaml", &broken)
        .args(&["scaffold", "--out", "repo"])
        .run()
        .status(2)
        .stderr_has("is not in the Kafka Connect image");
}

/// Defect 6: MQ: clients of the declared channel get the app identity with authorities on the
/// queue, everything else is blocked; connector credentials come from a mounted Secret;
/// no secret is sealed that nothing reads.
#[test]
fn mq_admits_the_app_identity_only() {
    let repo = realtime();
    for q in repo.kind("QueueManager") {
        let cm = repo
            .kind("ConfigMap")
            .find(|c| {
                ns(c) == ns(q)
                    && name(c) == q["spec"]["queueManager"]["mqsc"][0]["configMap"]["name"]
            })
            .unwrap();
        let mqsc = cm["data"]["qm-warehouse.mqsc"].as_str().unwrap();
        for want in [
            "SET CHLAUTH('*') TYPE(ADDRESSMAP) ADDRESS('*') USERSRC(NOACCESS)",
            "SET CHLAUTH('DEV.APP.SVRCONN') TYPE(ADDRESSMAP) ADDRESS('*') USERSRC(MAP) MCAUSER('app')",
            "SET AUTHREC PRINCIPAL('app') OBJTYPE(QMGR) AUTHADD(CONNECT,INQ)",
            "SET AUTHREC PROFILE('ITEMS') PRINCIPAL('app') OBJTYPE(QUEUE) AUTHADD(BROWSE,GET,INQ,PUT)",
        ] {
            assert!(mqsc.contains(want), "missing {want:?} in\n{mqsc}");
        }
        assert!(!mqsc.contains("CHLAUTH(DISABLED)"), "{mqsc}");
        let ini = &q["spec"]["queueManager"]["ini"][0]["configMap"];
        let ini_cm = repo
            .kind("ConfigMap")
            .find(|c| ns(c) == ns(q) && name(c) == ini["name"])
            .unwrap();
        let key = ini["items"][0].as_str().unwrap();
        assert!(
            ini_cm["data"][key]
                .as_str()
                .unwrap()
                .contains("SecurityPolicy=UserExternal")
        );
    }
    // Every sealed secret is read by something: a pod, a Connect cluster, the operators
    // that pull IBM's images.
    for s in repo.kind("SealedSecret") {
        let n = name(s);
        let read = n == "ibm-entitlement-key"
            || repo.objects().any(|o| {
                o["kind"] != "SealedSecret"
                    && ns(o) == ns(s)
                    && o.to_string().contains(&format!("\"{n}\""))
            });
        assert!(read, "secret {n} is read by nothing");
    }
    // A connector with credentials reads them from the Secret mounted into Connect.
    let spec = include_str!("../templates/examples/realtime-inventory.yaml")
        .replace(
            "          value.converter: org.apache.kafka.connect.storage.StringConverter\n",
            "          value.converter: org.apache.kafka.connect.storage.StringConverter\n        credentials:\n          secret: mq-credentials\n",
        )
        .replace(
            "  pullSecrets:",
            "  secrets:\n    - name: mq-credentials\n      keys:\n        - name: username\n          generate: 12\n        - name: password\n          generate: 24\n  pullSecrets:",
        );
    let r = scaffold("mq-credentials", Some(&spec));
    let k = r.kind("KafkaConnector").next().unwrap();
    assert_eq!(
        k["spec"]["config"]["mq.password"],
        "${directory:/mnt/mq-credentials:password}"
    );
    let c = r.kind("KafkaConnect").next().unwrap();
    assert_eq!(
        c["spec"]["template"]["pod"]["volumes"][0]["secret"]["secretName"],
        "mq-credentials"
    );
    assert_eq!(
        c["spec"]["template"]["connectContainer"]["volumeMounts"][0]["mountPath"],
        "/mnt/mq-credentials"
    );
    assert_eq!(
        c["spec"]["config"]["config.providers.directory.class"],
        "org.apache.kafka.common.config.provider.DirectoryConfigProvider"
    );
}

/// Defect 7: Operators whose operands live in the solution's namespaces watch all namespaces.
#[test]
fn operators_watch_the_solution_namespaces() {
    for repo in all() {
        for og in repo.kind("OperatorGroup") {
            let targets = og["spec"]["targetNamespaces"].as_array();
            assert!(targets.is_none_or(|t| t.is_empty()), "{og:#}");
        }
    }
}

/// Defect 8: The Sealed Secrets controller runs where the README fetches its certificate, and
/// Argo CD manages it.
#[test]
fn the_sealed_secrets_controller_runs() {
    let repo = realtime();
    let platform = &repo
        .apps
        .iter()
        .find(|(n, _)| n == "rt-inventory-platform")
        .unwrap()
        .1;
    assert!(
        platform.iter().any(|o| o["kind"] == "Deployment"
            && name(o) == "sealed-secrets-controller"
            && ns(o) == "sealed-secrets"),
        "no controller Deployment in the platform Application"
    );
    assert!(
        repo.file("README.md")
            .contains("--controller-namespace sealed-secrets")
    );
}

/// Defect 9 (the registry): Apicurio's KafkaSQL storage authenticates with its own user over TLS.
#[test]
fn apicurio_connects_with_scram_over_tls() {
    let repo = functions();
    for r in repo.kind("ApicurioRegistry") {
        let k = &r["spec"]["configuration"]["kafkasql"];
        assert!(k["bootstrapServers"].as_str().unwrap().ends_with(":9093"));
        let scram = &k["security"]["scram"];
        assert_eq!(scram["truststoreSecretName"], "kafka-cluster-ca-cert");
        let u = user(repo, ns(r), scram["user"].as_str().unwrap());
        assert_eq!(scram["passwordSecretName"], name(u));
        assert!(allows(u, "topic", "kafkasql-journal", "Write"));
        assert!(allows(u, "group", "apicurio-registry-0", "Read"));
        // It starts once its user's Secret exists: a later wave than the users.
        assert!(
            wave(r) > wave(u),
            "registry wave {} vs user {}",
            wave(r),
            wave(u)
        );
    }
}

/// Defect 10: Health checks are in the ArgoCD resource (its operator rewrites argocd-cm), there
/// is one for Applications (waves of child Applications wait), and a custom resource
/// whose operator reports Ready=False is Degraded.
#[test]
fn health_checks_live_in_the_argocd_resource() {
    for repo in all() {
        assert!(repo.kind("ConfigMap").all(|c| name(c) != "argocd-cm"));
        let cr = repo.kind("ArgoCD").next().expect("an ArgoCD resource");
        assert_eq!((name(cr), ns(cr)), ("openshift-gitops", "openshift-gitops"));
        let checks = cr["spec"]["resourceHealthChecks"].as_array().unwrap();
        let app = checks
            .iter()
            .find(|c| c["group"] == "argoproj.io" && c["kind"] == "Application")
            .unwrap();
        assert!(
            app["check"]
                .as_str()
                .unwrap()
                .contains("obj.status.health.status")
        );
        // The operators' kinds (not Knative's, which report Ready=False while starting).
        for c in checks.iter().filter(|c| {
            c["check"].as_str().unwrap().contains("c.type == \"Ready\"")
                && !c["group"].as_str().unwrap().contains("knative")
                && c["group"] != "operator.serverless.openshift.io"
        }) {
            assert!(
                c["check"]
                    .as_str()
                    .unwrap()
                    .contains("else\n          hs.status = \"Degraded\""),
                "{c:#}"
            );
        }
    }
    // Strimzi-based kinds report failure as NotReady=True (Argo CD's own Strimzi checks).
    let checks = realtime().kind("ArgoCD").next().unwrap()["spec"]["resourceHealthChecks"].clone();
    let topic = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["group"] == "eventstreams.ibm.com" && c["kind"] == "KafkaTopic")
        .unwrap();
    assert!(topic["check"].as_str().unwrap().contains("c.type == \"NotReady\" and c.status == \"True\" and c.reason ~= \"Creating\" then\n        hs.status = \"Degraded\""));
    // Catalogs answer before the Subscriptions that install from them start.
    assert!(
        checks
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "CatalogSource")
    );
    let platform = &realtime()
        .apps
        .iter()
        .find(|(n, _)| n == "rt-inventory-platform")
        .unwrap()
        .1;
    let sources: Vec<i64> = platform
        .iter()
        .filter(|o| o["kind"] == "CatalogSource")
        .map(wave)
        .collect();
    let subs: Vec<i64> = platform
        .iter()
        .filter(|o| o["kind"] == "Subscription")
        .map(wave)
        .collect();
    assert!(
        !sources.is_empty() && sources.iter().max() < subs.iter().min(),
        "{sources:?} {subs:?}"
    );
    for k in ["EventStreams", "QueueManager", "KafkaTopic"] {
        assert!(
            checks.as_array().unwrap().iter().any(|c| c["kind"] == k),
            "{k}"
        );
    }
}

/// Defect 11: On a fresh cluster `manifesto bootstrap` applies the bootstrap in order (operator,
/// then the instance's health checks once the operator made the instance, then projects
/// and the root Application); the README's `oc` steps name folders that exist; afterwards
/// Argo CD manages bootstrap/ itself.
#[test]
fn bootstrap_works_on_a_fresh_cluster_and_is_then_managed_by_argo_cd() {
    let repo = minimal();
    let k = common::apiserver::kind;
    let mut kinds = core_kinds();
    kinds.push(k(
        "operators.coreos.com",
        "v1",
        "OperatorGroup",
        "operatorgroups",
        true,
    ));
    let s = Server::start(Config {
        kinds,
        objects: vec![
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}),
        ],
        installs: vec![
            k("argoproj.io", "v1beta1", "ArgoCD", "argocds", true),
            k("argoproj.io", "v1alpha1", "AppProject", "appprojects", true),
            k(
                "argoproj.io",
                "v1alpha1",
                "Application",
                "applications",
                true,
            ),
        ],
        installs_namespaces: vec!["openshift-gitops"],
        installs_objects: vec![
            json!({"apiVersion": "argoproj.io/v1beta1", "kind": "ArgoCD",
            "metadata": {"name": "openshift-gitops", "namespace": "openshift-gitops"},
            "spec": {"server": {"route": {"enabled": true}}}}),
        ],
        cert_pem: String::new(),
        aggregated: true,
        page: 500,
        token: TOKEN,
    });
    let out = Command::new(env!("CARGO_BIN_EXE_manifesto"))
        .args(["bootstrap", ".", "--timeout", "30", "--kubeconfig"])
        .arg(&s.kubeconfig)
        .current_dir(&repo.dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in\n{text}"))
    };
    assert!(
        line(
            "Subscription.operators.coreos.com openshift-gitops-operator/openshift-gitops-operator created"
        ) < line("ArgoCD.argoproj.io openshift-gitops/openshift-gitops configured")
    );
    assert!(
        line("ArgoCD.argoproj.io openshift-gitops/openshift-gitops configured")
            < line("Application.argoproj.io openshift-gitops/minimal-root created")
    );
    let log = s.log.lock().unwrap().requests.join("\n");
    assert!(log.contains("argocds/openshift-gitops"), "{log}");
    // The README's oc steps.
    let readme = repo.file("README.md");
    for l in readme
        .lines()
        .filter_map(|l| l.trim().strip_prefix("oc apply -k "))
    {
        assert!(
            repo.dir.join(l).join("kustomization.yaml").is_file(),
            "README applies {l}"
        );
    }
    // The platform Application syncs bootstrap/ (operators and Argo CD's own config).
    let platform = repo
        .kind("Application")
        .find(|a| name(a) == "minimal-platform")
        .unwrap();
    assert_eq!(platform["spec"]["source"]["path"], "bootstrap/platform");
    assert_eq!(platform["spec"]["syncPolicy"]["automated"]["prune"], false);
    let objects = &repo
        .apps
        .iter()
        .find(|(n, _)| n == "minimal-platform")
        .unwrap()
        .1;
    for want in ["Subscription", "ArgoCD", "AppProject"] {
        assert!(
            objects.iter().any(|o| o["kind"] == want),
            "platform lacks {want}"
        );
    }
    // The root manages itself and the platform, never the reverse (each would wait for
    // the other's health).
    assert!(
        objects.iter().all(|o| o["kind"] != "Application"),
        "the platform syncs an Application"
    );
    let root = &repo
        .apps
        .iter()
        .find(|(n, _)| n == "minimal-root")
        .unwrap()
        .1;
    for want in ["minimal-root", "minimal-platform", "minimal-dev"] {
        assert!(
            root.iter()
                .any(|o| o["kind"] == "Application" && name(o) == want),
            "root lacks {want}"
        );
    }
}

/// Environments are apps of apps of their own: a prod that syncs by hand (and was never
/// synced, or is degraded) holds back no wave of another environment.
#[test]
fn environments_sync_independently() {
    for repo in all() {
        let root = &repo
            .apps
            .iter()
            .find(|(n, _)| n.ends_with("-root"))
            .unwrap()
            .1;
        for a in root.iter().filter(|o| o["kind"] == "Application") {
            let path = a["spec"]["source"]["path"].as_str().unwrap();
            assert!(
                path == "config/argocd"
                    || path == "bootstrap/platform"
                    || path.starts_with("config/argocd/"),
                "the root syncs {path} directly"
            );
            assert!(a["spec"]["syncPolicy"]["automated"].is_object(), "{a:#}");
        }
    }
}

/// Defect 12: Licenses, versions and revisions: Event Streams' license and use come from the
/// catalog's data for its channel, Strimzi's Kafka version is one its channel supports,
/// and environments track revisions of their own.
#[test]
fn operand_versions_and_revisions_come_from_the_catalog_and_the_spec() {
    let es = realtime().kind("EventStreams").next().unwrap();
    let op = manifesto::catalog::find("ibm-eventstreams").unwrap();
    let d = op.operand("v12.3").unwrap();
    assert_eq!(
        es["spec"]["license"]["license"].as_str(),
        d.license.as_deref()
    );
    assert_eq!(
        es["spec"]["license"]["use"].as_str(),
        d.license_use.as_deref()
    );
    let kafka = minimal().kind("Kafka").next().unwrap();
    let strimzi = manifesto::catalog::find("strimzi").unwrap();
    let d = strimzi.operand(&strimzi.default_channel).unwrap();
    assert_eq!(
        kafka["spec"]["kafka"]["version"].as_str(),
        d.kafka_version.as_deref()
    );
    let apps: Vec<&Value> = realtime().kind("Application").collect();
    let rev = |n: &str| {
        apps.iter().find(|a| name(a) == n).unwrap()["spec"]["source"]["targetRevision"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(rev("rt-inventory-prod-apps"), "release");
    // Production licences in prod: an MQ id goes with its use (IBM's licence table).
    let qm = realtime()
        .kind("QueueManager")
        .find(|q| ns(q) == "rt-inventory-prod")
        .unwrap();
    assert_eq!(qm["spec"]["license"]["use"], "Production");
    assert_eq!(qm["spec"]["license"]["license"], "L-NUUP-23NH8Y");
    let spec = include_str!("../templates/examples/realtime-inventory.yaml")
        .replace("      license: {qm-warehouse: L-NUUP-23NH8Y}\n", "");
    common::Test::new()
        .file("solution.yaml", &spec)
        .args(&["scaffold", "--out", "repo"])
        .run()
        .status(2)
        .stderr_has("an MQ license id is for one use");
    assert_eq!(rev("rt-inventory-dev-apps"), "main");
}

/// Functions: a KafkaSource per topic into the Broker, authenticated with its user's
/// certificate and authorized for its topic and group; a Trigger per function and topic
/// selecting that topic's events and calling the function's Service.
#[test]
fn functions_take_events_from_the_broker() {
    let repo = functions();
    for src in repo.kind("KafkaSource") {
        let spec = &src["spec"];
        assert_eq!(spec["sink"]["ref"]["kind"], "Broker");
        let broker = spec["sink"]["ref"]["name"].as_str().unwrap();
        assert!(
            repo.kind("Broker")
                .any(|b| ns(b) == ns(src) && name(b) == broker)
        );
        let u = user(
            repo,
            ns(src),
            spec["net"]["tls"]["cert"]["secretKeyRef"]["name"]
                .as_str()
                .unwrap(),
        );
        assert_eq!(u["spec"]["authentication"]["type"], "tls");
        // Its dispatcher runs in knative-eventing: the address names the namespace.
        assert_eq!(
            spec["bootstrapServers"][0].as_str().unwrap(),
            format!("kafka-kafka-bootstrap.{}.svc:9094", ns(src))
        );
        let topic = spec["topics"][0].as_str().unwrap();
        assert!(allows(u, "topic", topic, "Read"));
        assert!(allows(
            u,
            "group",
            spec["consumerGroup"].as_str().unwrap(),
            "Read"
        ));
        assert_eq!(spec["ceOverrides"]["extensions"]["kafkatopic"], topic);
    }
    for f in ["ship-order", "notify-customer"] {
        for n in ["order-events-dev", "order-events-prod"] {
            assert!(
                repo.kind("Service")
                    .any(|s| group(s) == "serving.knative.dev" && name(s) == f && ns(s) == n)
            );
            let triggers: Vec<&Value> = repo
                .kind("Trigger")
                .filter(|t| ns(t) == n && t["spec"]["subscriber"]["ref"]["name"] == f)
                .collect();
            assert!(!triggers.is_empty(), "{f} in {n}");
            for t in triggers {
                let topic = t["spec"]["filter"]["attributes"]["kafkatopic"]
                    .as_str()
                    .unwrap();
                assert!(
                    repo.kind("KafkaSource")
                        .any(|s| ns(s) == n && s["spec"]["topics"][0] == topic)
                );
            }
        }
    }
    let readme = repo.file("README.md");
    assert!(readme.contains("```mermaid\nflowchart LR\n"), "{readme}");
    assert!(
        readme.contains("broker -- \"Trigger: orders\" --> fn_ship_order"),
        "{readme}"
    );
    // The Knative instances are part of the platform.
    let kinds: Vec<&str> = repo.kind("KnativeKafka").map(name).collect();
    assert_eq!(kinds, ["knative-kafka"]);
    // Its CRD (serverless-operator's bundle) requires channel and source.
    let kk = repo.kind("KnativeKafka").next().unwrap();
    assert!(
        kk["spec"]["channel"]["enabled"] == false && kk["spec"]["source"]["enabled"] == true,
        "{kk:#}"
    );
    // Knative reports Ready=False while its dependencies start: Progressing, not Degraded.
    let checks = repo.kind("ArgoCD").next().unwrap()["spec"]["resourceHealthChecks"].clone();
    for k in ["KnativeKafka", "Broker", "Trigger", "KafkaSource"] {
        let c = checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == k)
            .unwrap_or_else(|| panic!("no check for {k}"));
        assert!(
            c["check"].as_str().unwrap().matches("Degraded").count()
                == c["check"]
                    .as_str()
                    .unwrap()
                    .matches("InstallSucceeded")
                    .count(),
            "{k}: {c:#}"
        );
    }
    // KnativeKafka's webhook wants KnativeEventing first, which wants its namespace.
    let w = |kind: &str| repo.kind(kind).map(wave).max().unwrap();
    let ns_wave = repo
        .kind("Namespace")
        .filter(|n| name(n) == "knative-eventing")
        .map(wave)
        .max()
        .unwrap();
    assert!(ns_wave < w("KnativeEventing") && w("KnativeEventing") < w("KnativeKafka"));
    let _ = repo_root();
}
