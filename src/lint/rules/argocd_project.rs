//! Rule `argocd-project`: an AppProject that does not permit a source repository,
//! destination, namespace or kind its Applications render (Argo CD refuses the sync).

use super::{Context, Sink, allowed, at};
use crate::lint::model::group_of;
use crate::yaml::Value;

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Whether a (group, kind) matches a list of `{group, kind}` entries (globs).
fn listed(list: Option<&Value>, group: &str, kind: &str) -> bool {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|e| {
            let g = crate::yaml::str_at(e, &["group"]);
            let k = crate::yaml::str_at(e, &["kind"]);
            super::glob(
                if g.is_empty() && e.get("group").is_none() {
                    "*"
                } else {
                    g
                },
                group,
            ) && super::glob(k, kind)
        })
}

pub fn check(ctx: &Context, sink: &mut Sink) {
    let repo = ctx.repo;
    let projects: Vec<_> = repo.kind("argoproj.io", "AppProject").collect();
    for app in &repo.apps {
        let name = if app.project.is_empty() {
            "default"
        } else {
            &app.project
        };
        let found = projects
            .iter()
            .find(|p| p.res.name() == name && p.res.namespace() == app.namespace)
            .or_else(|| projects.iter().find(|p| p.res.name() == name));
        let Some(project) = found else {
            if name != "default" {
                sink.on(
                    "argocd-project",
                    app.obj,
                    Some("spec.project"),
                    format!("AppProject {name:?} is not defined in the repository: Argo CD refuses the Application"),
                );
            }
            continue;
        };
        let spec = project.res.obj.get("spec").cloned().unwrap_or(Value::Null);
        let repos = strings(spec.get("sourceRepos"));
        for s in &app.sources {
            if !s.repo_url.is_empty() && !allowed(repos.iter().copied(), &s.repo_url) {
                sink.on(
                    "argocd-project",
                    app.obj,
                    Some("spec.source.repoURL"),
                    format!(
                        "AppProject {name} does not permit source repository {}",
                        s.repo_url
                    ),
                );
            }
        }
        let dests: Vec<&Value> = spec
            .get("destinations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        let dest_ok = |ns: &str| {
            dests.iter().any(|d| {
                let server = crate::yaml::str_at(d, &["server"]);
                let dname = crate::yaml::str_at(d, &["name"]);
                let cluster = (!app.dest_server.is_empty()
                    && !server.is_empty()
                    && super::glob(server, &app.dest_server))
                    || (!app.dest_name.is_empty()
                        && !dname.is_empty()
                        && super::glob(dname, &app.dest_name));
                let nsp = crate::yaml::str_at(d, &["namespace"]);
                cluster && allowed([nsp], ns)
            })
        };
        if !dest_ok(&app.dest_namespace) {
            sink.on(
                "argocd-project",
                app.obj,
                Some("spec.destination"),
                format!(
                    "AppProject {name} does not permit destination {} namespace {:?}",
                    if app.dest_server.is_empty() {
                        &app.dest_name
                    } else {
                        &app.dest_server
                    },
                    app.dest_namespace
                ),
            );
        }
        for (r, ns) in repo.app_objects(app, ctx.built) {
            let group = group_of(r.api_version());
            let kind = r.kind();
            let cluster = repo.scopes.is_cluster_scoped(r.api_version(), kind);
            let why = if cluster {
                if !listed(spec.get("clusterResourceWhitelist"), group, kind)
                    || listed(spec.get("clusterResourceBlacklist"), group, kind)
                {
                    Some(format!(
                        "cluster-scoped kind {kind} is not in its clusterResourceWhitelist"
                    ))
                } else {
                    None
                }
            } else if listed(spec.get("namespaceResourceBlacklist"), group, kind)
                || (at(&spec, &["namespaceResourceWhitelist"]).is_some()
                    && !listed(spec.get("namespaceResourceWhitelist"), group, kind))
            {
                Some(format!(
                    "kind {kind} is not permitted by its namespace resource lists"
                ))
            } else if !ns.is_empty() && ns != app.dest_namespace && !dest_ok(&ns) {
                Some(format!("namespace {ns:?} is not among its destinations"))
            } else {
                None
            };
            if let Some(why) = why {
                sink.object(
                    "argocd-project",
                    None,
                    r,
                    None,
                    format!(
                        "{} may not sync this object: AppProject {name}: {why}",
                        app.id()
                    ),
                );
            }
        }
    }
}
