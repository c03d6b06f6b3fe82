//! Resource map stage: identities of resources (group/version/kind/namespace/name) and the
//! cluster-scope table kustomize uses. Pure data; must not read files or print.

use std::fmt;

const CLUSTER_SCOPED: &str = include_str!("../builtin/cluster_scoped.tsv");

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Gvk {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl Gvk {
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        Gvk {
            group,
            version,
            kind: kind.to_string(),
        }
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// True when every non-empty field of `selector` equals ours.
    /// kyaml's `Gvk.IsLessThan` as a key: the legacy kind order, then the stable string.
    pub fn sort_key(&self) -> (i64, String) {
        (kind_rank(&self.kind), self.stable_sort_string())
    }

    /// `group_version_kind` with `~G`, `~V`, `~K` for empty parts (kyaml's
    /// `stableSortString`, also the legacy sort's `legacyGVKSortString`).
    pub fn stable_sort_string(&self) -> String {
        let or = |s: &str, d: &'static str| {
            if s.is_empty() {
                d.to_string()
            } else {
                s.to_string()
            }
        };
        format!(
            "{}_{}_{}",
            or(&self.group, "~G"),
            or(&self.version, "~V"),
            or(&self.kind, "~K")
        )
    }

    pub fn is_selected_by(&self, selector: &Gvk) -> bool {
        (selector.group.is_empty() || selector.group == self.group)
            && (selector.version.is_empty() || selector.version == self.version)
            && (selector.kind.is_empty() || selector.kind == self.kind)
    }

    /// kustomize's precomputed table, keyed by exact apiVersion and kind; anything else
    /// counts as namespaced.
    pub fn is_cluster_scoped(&self) -> bool {
        static TABLE: std::sync::OnceLock<Vec<(&'static str, &'static str)>> =
            std::sync::OnceLock::new();
        let table = TABLE.get_or_init(|| {
            CLUSTER_SCOPED
                .lines()
                .filter_map(|l| l.split_once('\t'))
                .collect()
        });
        if !table.iter().any(|(_, k)| *k == self.kind) {
            return false;
        }
        let av = self.api_version();
        table.iter().any(|(a, k)| *a == av && *k == self.kind)
    }
}

impl fmt::Display for Gvk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let or = |s: &str, d: &'static str| {
            if s.is_empty() {
                d.to_string()
            } else {
                s.to_string()
            }
        };
        write!(
            f,
            "{}.{}.{}",
            or(&self.kind, "[noKind]"),
            or(&self.version, "[noVer]"),
            or(&self.group, "[noGrp]")
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ResId {
    pub gvk: Gvk,
    pub name: String,
    pub namespace: String,
}

impl ResId {
    pub fn effective_namespace(&self) -> &str {
        if self.gvk.is_cluster_scoped() {
            "_non_namespaceable_"
        } else if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        }
    }

    pub fn ns_equals(&self, o: &ResId) -> bool {
        self.effective_namespace() == o.effective_namespace()
    }

    /// `equals` as a hash key: two ids are equal exactly when their keys are.
    pub fn equality_key(self) -> (Gvk, String, String) {
        let ns = self.effective_namespace().to_string();
        (self.gvk, self.name, ns)
    }

    /// kustomize's `ResId.Equals`: same gvk and name, namespaces equal once "" means default.
    pub fn equals(&self, o: &ResId) -> bool {
        self.gvk == o.gvk && self.name == o.name && self.ns_equals(o)
    }

    pub fn is_selected_by(&self, sel: &ResId) -> bool {
        (sel.name.is_empty() || sel.name == self.name)
            && (sel.namespace.is_empty() || sel.ns_equals(self))
            && self.gvk.is_selected_by(&sel.gvk)
    }
}

impl fmt::Display for ResId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = if self.namespace.is_empty() {
            "[noNs]"
        } else {
            &self.namespace
        };
        write!(f, "{}/{}.{}", self.gvk, self.name, ns)
    }
}

/// kustomize's legacy kind order (kyaml `orderFirst`/`orderLast`, also the defaults of
/// the SortOrderTransformer).
pub const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
pub const ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// kyaml's `typeOrders`: kinds applied first (negative), last (positive), others 0.
pub fn kind_rank(kind: &str) -> i64 {
    kind_rank_in(kind, ORDER_FIRST, ORDER_LAST)
}

/// `kind_rank` for other first and last lists (a kustomization's `sortOptions`).
pub fn kind_rank_in<S: AsRef<str>>(kind: &str, first: &[S], last: &[S]) -> i64 {
    if let Some(i) = first.iter().position(|k| k.as_ref() == kind) {
        return i as i64 - first.len() as i64;
    }
    if let Some(i) = last.iter().position(|k| k.as_ref() == kind) {
        return 1 + i as i64;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_scope_is_by_exact_api_version() {
        assert!(Gvk::from_api_version("v1", "Namespace").is_cluster_scoped());
        assert!(
            Gvk::from_api_version("rbac.authorization.k8s.io/v1", "ClusterRole")
                .is_cluster_scoped()
        );
        assert!(!Gvk::from_api_version("v1", "ConfigMap").is_cluster_scoped());
        assert!(!Gvk::from_api_version("example.com/v1", "Namespace").is_cluster_scoped());
    }

    #[test]
    fn default_namespace_equals_empty() {
        let a = ResId {
            gvk: Gvk::from_api_version("v1", "ConfigMap"),
            name: "x".into(),
            namespace: "".into(),
        };
        let mut b = a.clone();
        b.namespace = "default".into();
        assert!(a.equals(&b));
        b.namespace = "other".into();
        assert!(!a.equals(&b));
    }
}
