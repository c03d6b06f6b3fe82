//! Rule `olm-target-namespaces`: a Subscription's namespace needs exactly one
//! OperatorGroup, and custom resources of the operator must live in the namespaces that
//! OperatorGroup targets.

use super::{Context, Sink, at};
use crate::yaml::Value;
use std::collections::BTreeSet;

/// OpenShift's namespace whose `global-operators` OperatorGroup targets every namespace.
const GLOBAL: &str = "openshift-operators";

/// Groups whose objects something other than the installed operator reconciles in every
/// namespace, whatever its OperatorGroup targets: cert-manager's controller (an operand
/// deployed cluster-wide), and OpenShift's own monitoring stack (ServiceMonitors and
/// PodMonitors in user namespaces).
const CLUSTER_WIDE_OPERANDS: [&str; 3] = [
    "cert-manager.io",
    "acme.cert-manager.io",
    "monitoring.coreos.com",
];

/// Where one install of a package watches: every namespace, or these.
enum Watch {
    All,
    Only(Vec<String>),
}

pub fn check(ctx: &Context, sink: &mut Sink) {
    let repo = ctx.repo;
    let mut done = BTreeSet::new();
    // package → every install's watch (a catalog repository holds alternatives).
    let mut watches: std::collections::BTreeMap<String, Vec<(Watch, String, String)>> =
        Default::default();
    for sub in repo.kind("operators.coreos.com", "Subscription") {
        let ns = sub.res.namespace();
        let pkg = crate::yaml::str_at(&sub.res.obj, &["spec", "name"]);
        if ns == GLOBAL {
            watches.entry(pkg.to_string()).or_default().push((
                Watch::All,
                String::new(),
                ns.to_string(),
            ));
            continue;
        }
        if ns.is_empty() || !done.insert((ns.to_string(), pkg.to_string())) {
            continue;
        }
        // A catalog repository holds alternatives (two operators' folders may each bring
        // an OperatorGroup for one namespace): count those the Subscription's own
        // folder renders, else any the repository has.
        let in_ns = |same_folder: bool| {
            let mut gs: Vec<_> = repo
                .kind("operators.coreos.com", "OperatorGroup")
                .filter(|g| g.res.namespace() == ns && (!same_folder || g.folder == sub.folder))
                .collect();
            gs.sort_by(|a, b| a.res.name().cmp(b.res.name()));
            gs.dedup_by(|a, b| a.res.name() == b.res.name());
            gs
        };
        let mut groups = in_ns(true);
        if groups.is_empty() {
            groups = in_ns(false);
            groups.truncate(1);
        }
        match groups.len() {
            0 => {
                sink.on(
                    "olm-target-namespaces",
                    sub,
                    None,
                    format!("namespace {ns} has no OperatorGroup in the repository: OLM does not install the Subscription"),
                );
                continue;
            }
            1 => {}
            n => {
                sink.on(
                    "olm-target-namespaces",
                    sub,
                    None,
                    format!("namespace {ns} has {n} OperatorGroups: OLM refuses to install with more than one"),
                );
                continue;
            }
        }
        let g = groups[0];
        let targets = at(&g.res.obj, &["spec", "targetNamespaces"]).and_then(Value::as_array);
        let watch = match targets {
            Some(t) if at(&g.res.obj, &["spec", "selector"]).is_none() => Watch::Only(
                t.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            ),
            _ => Watch::All,
        };
        watches.entry(pkg.to_string()).or_default().push((
            watch,
            g.res.name().to_string(),
            ns.to_string(),
        ));
    }
    for (pkg, installs) in &watches {
        let Some(op) = crate::catalog::operators()
            .iter()
            .find(|op| op.package == *pkg)
        else {
            continue;
        };
        for api in op
            .provides
            .iter()
            .filter(|a| !CLUSTER_WIDE_OPERANDS.contains(&a.group.as_str()))
        {
            for kind in &api.kinds {
                for cr in repo.kind(&api.group, kind) {
                    let cns = cr.res.namespace();
                    let covered = cns.is_empty()
                        || installs.iter().any(|(w, _, _)| match w {
                            Watch::All => true,
                            Watch::Only(t) => t.iter().any(|x| x == cns),
                        });
                    if covered {
                        continue;
                    }
                    let scopes: Vec<String> = installs
                        .iter()
                        .map(|(w, g, ns)| match w {
                            Watch::Only(t) => {
                                format!("OperatorGroup {g} in {ns} targets {}", t.join(", "))
                            }
                            Watch::All => format!("{ns} watches all"),
                        })
                        .collect();
                    sink.on(
                        "olm-target-namespaces",
                        cr,
                        None,
                        format!(
                            "lives in {cns}, where no install of the {pkg} operator watches ({}): nothing reconciles it",
                            scopes.join("; ")
                        ),
                    );
                }
            }
        }
    }
}
