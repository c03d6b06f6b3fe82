//! Rule `argocd-namespace-rights`: an Application of a namespace-scoped Argo CD instance
//! (OpenShift GitOps' default one) that writes into a namespace the instance has no
//! rights in: no `argocd.argoproj.io/managed-by` label on the Namespace (or through
//! `managedNamespaceMetadata`) and no RoleBinding in the repository for its service
//! accounts.

use super::{Context, Sink, at, label};
use crate::yaml::Value;
use std::collections::BTreeSet;

const MANAGED_BY: &str = "argocd.argoproj.io/managed-by";

pub fn check(ctx: &Context, sink: &mut Sink) {
    let repo = ctx.repo;
    let scoped = ctx.config.namespaced_argocd();
    for app in &repo.apps {
        let argo = app.namespace.as_str();
        if !scoped.iter().any(|s| s == argo) {
            continue;
        }
        let mut targets = BTreeSet::new();
        if !app.dest_namespace.is_empty() {
            targets.insert(app.dest_namespace.clone());
        }
        for (_, ns) in repo.app_objects(app, ctx.built) {
            if !ns.is_empty() {
                targets.insert(ns);
            }
        }
        let managed_meta = at(
            &app.obj.res.obj,
            &[
                "spec",
                "syncPolicy",
                "managedNamespaceMetadata",
                "labels",
                MANAGED_BY,
            ],
        )
        .and_then(Value::as_str)
            == Some(argo);
        for ns in targets {
            if ns == argo {
                continue;
            }
            let labelled = repo
                .kind("", "Namespace")
                .any(|n| n.res.name() == ns && label(n.res, MANAGED_BY) == Some(argo));
            let via_meta = managed_meta && ns == app.dest_namespace;
            let bound = |kind: &str, in_ns: bool| {
                repo.kind("rbac.authorization.k8s.io", kind).any(|b| {
                    (!in_ns || b.res.namespace() == ns)
                        && b.res
                            .obj
                            .get("subjects")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .any(|s| {
                                crate::yaml::str_at(s, &["kind"]) == "ServiceAccount"
                                    && crate::yaml::str_at(s, &["namespace"]) == argo
                            })
                })
            };
            if labelled
                || via_meta
                || bound("RoleBinding", true)
                || bound("ClusterRoleBinding", false)
            {
                continue;
            }
            sink.on(
                "argocd-namespace-rights",
                app.obj,
                Some("spec.destination.namespace"),
                format!(
                    "Argo CD in {argo} has no rights in namespace {ns:?}: label the Namespace {MANAGED_BY}: {argo} (or set syncPolicy.managedNamespaceMetadata), or bind a Role there to its application controller"
                ),
            );
        }
    }
}
