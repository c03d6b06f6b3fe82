//! The tests' loopback API server as a program, for `benches/diff.sh`: serves N
//! Deployments and N ConfigMaps in namespace `bench` (and writes the desired manifests and
//! a snapshot of them), prints its kubeconfig's path, and runs until stdin closes.
//!
//!     cargo run --release --example loopback_apiserver -- 500 OUTDIR

#[path = "../tests/common/apiserver.rs"]
#[allow(dead_code)]
mod apiserver;

use serde_json::json;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(500);
    let out = std::path::PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let mut objects =
        vec![json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}})];
    let mut desired = String::new();
    for i in 0..n {
        let dep = |replicas: u32| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": format!("app-{i}"), "namespace": "bench"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": format!("app-{i}")}},
              "template": {"metadata": {"labels": {"app": format!("app-{i}")}}, "spec": {"containers": [
                {"name": "app", "image": format!("registry.example.com/app:{i}"), "ports": [{"containerPort": 8080}],
                 "env": [{"name": "CONFIG", "value": format!("cfg-{i}")}],
                 "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}}]}}}})
        };
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("cfg-{i}"), "namespace": "bench"},
            "data": {"application.properties": format!("server.port=8080\napp.id={i}\n")}});
        // Every tenth Deployment drifted on the cluster.
        let mut live = dep(if i % 10 == 0 { 1 } else { 2 });
        live["metadata"]["uid"] = json!(format!("uid-{i}"));
        live["metadata"]["resourceVersion"] = json!("7");
        live["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] =
            json!("IfNotPresent");
        live["spec"]["template"]["spec"]["containers"][0]["ports"][0]["protocol"] = json!("TCP");
        live["status"] = json!({"replicas": 2, "readyReplicas": 2});
        objects.push(live);
        objects.push(cm.clone());
        desired.push_str("---\n");
        desired.push_str(&serde_json::to_string(&dep(2)).unwrap());
        desired.push_str("\n---\n");
        desired.push_str(&serde_json::to_string(&cm).unwrap());
        desired.push('\n');
    }
    std::fs::create_dir_all(out.join("desired")).unwrap();
    std::fs::write(out.join("desired/all.yaml"), desired).unwrap();
    std::fs::write(
        out.join("desired/kustomization.yaml"),
        "resources: [all.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        out.join("snapshot.json"),
        serde_json::to_string(&json!({"apiVersion": "v1", "kind": "List", "items": objects}))
            .unwrap(),
    )
    .unwrap();
    let s = apiserver::Server::start(apiserver::Config {
        kinds: apiserver::core_kinds(),
        objects,
        installs: Vec::new(),
        installs_namespaces: Vec::new(),
        installs_objects: vec![],
        cert_pem: String::new(),
        aggregated: true,
        page: 500,
        token: apiserver::TOKEN,
    });
    std::fs::copy(&s.kubeconfig, out.join("kubeconfig")).unwrap();
    println!("{}", out.join("kubeconfig").display());
    let mut sink = String::new();
    let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut sink);
}
