//! Cluster flags shared by the commands that reach a cluster (kubectl's names), and the
//! reading of the live objects a diff compares with.

use anyhow::{Result, bail};
use manifesto::cluster::client::{Cluster, ConnectOptions};
use manifesto::cluster::normalize::ObjectKey;
use manifesto::cluster::requests::{self, ApiResource, Discovery};
use manifesto::cluster::scope::Scopes;
use manifesto::yaml::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args, Debug, Clone)]
pub struct ClusterArgs {
    /// kubeconfig file [default: $KUBECONFIG (a list), else ~/.kube/config, else in-cluster]
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context [default: its current context]
    #[arg(long)]
    pub context: Option<String>,
    /// Time allowed for each request, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub request_timeout: u64,
}

pub fn connect(args: &ClusterArgs) -> Result<Cluster> {
    Ok(Cluster::connect(&ConnectOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        timeout: Some(Duration::from_secs(args.request_timeout.max(1))),
        concurrency: 8,
    })?)
}

/// A cluster connection with what discovery found, and the live objects read.
pub struct Live {
    pub cluster: Cluster,
    pub discovery: Discovery,
    pub objects: Vec<Value>,
}

/// Reads from the cluster the live objects of every kind and namespace `desired` holds
/// (one LIST per kind and namespace), after giving namespaced objects without one the
/// namespace `-n`, the Application's, or the context's. Kinds the server does not serve
/// are fine when their CRD is desired too (their objects are creations). With
/// `prune_scan` (an Application's diff), every listable namespaced kind is read in those
/// namespaces too, so that tracked objects of kinds no longer desired are found (kinds
/// controllers make, such as Events and Pods, are passed over; cluster-scoped objects are
/// looked for among the cluster-scoped kinds desired).
pub fn live_for(
    args: &ClusterArgs,
    namespace: Option<&str>,
    desired: &mut [Value],
    app_namespace: Option<&str>,
    scopes: &mut Scopes,
    prune_scan: bool,
) -> Result<Live> {
    let cluster = connect(args)?;
    let groups: BTreeSet<String> = desired.iter().map(|o| ObjectKey::of(o).group).collect();
    // A prune scan needs every group; a diff only the desired ones.
    let groups: Vec<String> = if prune_scan {
        Vec::new()
    } else {
        groups.into_iter().collect()
    };
    let disc = cluster.discover(&groups)?;
    scopes.learn_discovery(&disc);
    let ns = namespace
        .or(app_namespace)
        .unwrap_or(cluster.default_namespace())
        .to_string();
    scopes.resolve(desired, &ns);
    let mut wanted: BTreeSet<(String, String, Option<String>)> = BTreeSet::new();
    let mut resources: Vec<(ApiResource, Option<String>)> = Vec::new();
    let desired_crds: BTreeSet<(String, String)> = desired
        .iter()
        .filter_map(manifesto::cluster::scope::crd_kind)
        .collect();
    for o in desired.iter() {
        let key = ObjectKey::of(o);
        match disc.find(&key.group, &key.kind) {
            Some(r) => {
                let ns = r.namespaced.then(|| key.namespace.clone());
                if wanted.insert((key.group.clone(), key.kind.clone(), ns.clone())) {
                    resources.push((r.clone(), ns));
                }
            }
            None if desired_crds.contains(&(key.group.clone(), key.kind.clone())) => {}
            None => bail!(
                "{}: the server has no kind {} in API group {:?} (and no CustomResourceDefinition for it is desired)",
                key,
                key.kind,
                key.group
            ),
        }
    }
    if prune_scan {
        let namespaces: BTreeSet<String> = wanted
            .iter()
            .filter_map(|(_, _, ns)| ns.clone())
            .chain(std::iter::once(ns.clone()))
            .collect();
        for r in disc.by_kind.values() {
            if !r.namespaced || !r.listable || requests::prune_scan_skips(r) {
                continue;
            }
            for n in &namespaces {
                if wanted.insert((r.group.clone(), r.kind.clone(), Some(n.clone()))) {
                    resources.push((r.clone(), Some(n.clone())));
                }
            }
        }
    }
    let objects = cluster.list(&resources)?;
    Ok(Live {
        cluster,
        discovery: disc,
        objects,
    })
}
