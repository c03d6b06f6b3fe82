//! Rule `argocd-shared-resource`: one object rendered by two Applications (Argo CD's
//! SharedResourceWarning, found before deploy).

use super::{Context, Sink};
use std::collections::BTreeMap;

pub fn check(ctx: &Context, sink: &mut Sink) {
    type Key = (String, String, String, String);
    let mut owners: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    let mut first: BTreeMap<Key, (&crate::kustomize::resmap::resource::Resource, usize)> =
        BTreeMap::new();
    for (ai, app) in ctx.repo.apps.iter().enumerate() {
        for (r, ns) in ctx.repo.app_objects(app, ctx.built) {
            let key = (
                crate::lint::model::group_of(r.api_version()).to_string(),
                r.kind().to_string(),
                ns,
                r.name().to_string(),
            );
            let list = owners.entry(key.clone()).or_default();
            if !list.contains(&ai) {
                list.push(ai);
            }
            first.entry(key).or_insert((r, ai));
        }
    }
    for (key, apps) in owners {
        if apps.len() < 2 {
            continue;
        }
        let (r, _) = first[&key];
        let names: Vec<String> = apps.iter().map(|&a| ctx.repo.apps[a].id()).collect();
        sink.object(
            "argocd-shared-resource",
            None,
            r,
            None,
            format!(
                "rendered by {} Applications ({}): each sync undoes the other's",
                names.len(),
                names.join(", ")
            ),
        );
    }
}
