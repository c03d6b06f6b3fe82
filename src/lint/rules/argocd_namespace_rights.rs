//! Rule `argocd-namespace-rights`: an Application of a namespace-scoped Argo CD instance
//! (OpenShift GitOps' default one) that writes into a namespace the instance has no
//! rights in: no `argocd.argoproj.io/managed-by` label on the Namespace (or through
//! `managedNamespaceMetadata`) and no RoleBinding in the repository for its service
//! accounts. What OpenShift GitOps lets its default instance write in every namespace
//! (OLM's kinds, RBAC, ConfigMaps, ...) needs no rights there.

use super::{Context, Sink, at, label};
use crate::lint::model::group_of;
use crate::yaml::Value;
use std::collections::BTreeSet;

const MANAGED_BY: &str = "argocd.argoproj.io/managed-by";

/// The instance OpenShift GitOps runs for cluster configuration, and what its application
/// controller may write in any namespace: the operator's `policyRulesForClusterConfig`
/// (github:redhat-developer/gitops-operator@81e51c2e:controllers/argocd/openshift/openshift.go,
/// v1.18; the same groups since v1.14).
const CLUSTER_CONFIG_INSTANCE: &str = "openshift-gitops";
const CLUSTER_WIDE_GROUPS: &[&str] = &[
    "operators.coreos.com",
    "operator.openshift.io",
    "user.openshift.io",
    "config.openshift.io",
    "console.openshift.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "machine.openshift.io",
    "machineconfiguration.openshift.io",
];
const CLUSTER_WIDE_CORE: &[&str] = &[
    "Namespace",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "ConfigMap",
];

fn writable_everywhere(argo: &str, r: &crate::kustomize::resmap::resource::Resource) -> bool {
    if argo != CLUSTER_CONFIG_INSTANCE {
        return false;
    }
    let group = group_of(r.api_version());
    if group.is_empty() {
        CLUSTER_WIDE_CORE.contains(&r.kind())
    } else {
        CLUSTER_WIDE_GROUPS.contains(&group)
    }
}

/// Cluster roles whose binding gives the controller the rights of a namespace admin.
const ADMIN_ROLES: &[&str] = &["admin", "cluster-admin", "edit"];

pub fn check(ctx: &Context, sink: &mut Sink) {
    let repo = ctx.repo;
    let scoped = ctx.config.namespaced_argocd();
    for app in &repo.apps {
        let argo = app.namespace.as_str();
        if !scoped.iter().any(|s| s == argo) {
            continue;
        }
        let mut targets = BTreeSet::new();
        let objects = repo.app_objects(app, ctx.built);
        if !app.dest_namespace.is_empty() && objects.is_empty() {
            targets.insert(app.dest_namespace.clone());
        }
        for (r, ns) in objects {
            if !ns.is_empty() && !writable_everywhere(argo, r) {
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
                    (in_ns && b.res.namespace() == ns
                        || !in_ns
                            && ADMIN_ROLES
                                .contains(&crate::yaml::str_at(&b.res.obj, &["roleRef", "name"])))
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
