//! Rule `argocd-crd-order`: a custom resource synced in the same Application as, or an
//! Application of a wave not after, the Subscription (or CRD) that provides its kind,
//! without `SkipDryRunOnMissingResource=true`: Argo CD's dry run fails on the missing CRD.

use super::{Context, Sink, skips_dry_run};
use crate::lint::model::group_of;
use std::collections::{BTreeMap, BTreeSet};

pub fn check(ctx: &Context, sink: &mut Sink) {
    let repo = ctx.repo;
    if repo.apps.is_empty() {
        return;
    }
    // (group, kind) → Applications that install it through OLM / that render its CRD.
    let mut by_operator: BTreeMap<(String, String), BTreeSet<usize>> = BTreeMap::new();
    let mut by_crd: BTreeMap<(String, String), BTreeSet<usize>> = BTreeMap::new();
    let mut objects = Vec::new();
    for (ai, app) in repo.apps.iter().enumerate() {
        for (r, ns) in repo.app_objects(app, ctx.built) {
            if r.kind() == "Subscription" && group_of(r.api_version()) == "operators.coreos.com" {
                let pkg = crate::yaml::str_at(&r.obj, &["spec", "name"]);
                if let Some(op) = crate::catalog::operators()
                    .iter()
                    .find(|o| o.package == pkg)
                {
                    for api in &op.provides {
                        for k in &api.kinds {
                            by_operator
                                .entry((api.group.clone(), k.clone()))
                                .or_default()
                                .insert(ai);
                        }
                    }
                }
            }
            if let Some(gk) = crate::cluster::scope::crd_kind(&r.obj) {
                by_crd.entry(gk).or_default().insert(ai);
            }
            objects.push((ai, r, ns));
        }
    }
    for (ai, r, _) in objects {
        let gk = (group_of(r.api_version()).to_string(), r.kind().to_string());
        let app = &repo.apps[ai];
        if skips_dry_run(r) || app.skips_dry_run() {
            continue;
        }
        if let Some(subs) = by_operator.get(&gk) {
            if subs.contains(&ai) {
                sink.object(
                    "argocd-crd-order",
                    None,
                    r,
                    None,
                    format!(
                        "synced by {} together with the Subscription that installs its CRD: the dry run fails before the operator exists (annotate argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true, or move it to a later Application)",
                        app.id()
                    ),
                );
                continue;
            }
            if let Some(&other) = subs.iter().find(|&&s| repo.apps[s].wave >= app.wave) {
                sink.object(
                    "argocd-crd-order",
                    None,
                    r,
                    None,
                    format!(
                        "{} (wave {}) syncs it no later than {} (wave {}), whose Subscription installs its CRD",
                        app.id(),
                        app.wave,
                        repo.apps[other].id(),
                        repo.apps[other].wave
                    ),
                );
                continue;
            }
        }
        if let Some(crds) = by_crd.get(&gk)
            && !crds.contains(&ai)
            && let Some(&other) = crds.iter().find(|&&s| repo.apps[s].wave >= app.wave)
        {
            sink.object(
                "argocd-crd-order",
                None,
                r,
                None,
                format!(
                    "{} (wave {}) syncs it no later than {} (wave {}), which renders its CRD",
                    app.id(),
                    app.wave,
                    repo.apps[other].id(),
                    repo.apps[other].wave
                ),
            );
        }
    }
}
