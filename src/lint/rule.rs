//! Lint rules' identity: a stable id, a name, a default severity, a one-line description
//! and a help text for each. Pure data; the checks themselves live in `rules/`.

use crate::diag::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable id (`MF0xx`): never reused, never renumbered, so suppressions and SARIF
    /// baselines keep working across releases.
    pub id: &'static str,
    /// The name used in configuration and inline comments.
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub help: &'static str,
}

macro_rules! rules {
    ($($id:literal $name:literal $sev:ident $summary:literal $help:literal;)*) => {
        /// Every rule, in id order.
        pub const RULES: &[Rule] = &[$(Rule {
            id: $id,
            name: $name,
            severity: Severity::$sev,
            summary: $summary,
            help: $help,
        }),*];
    };
}

rules! {
    "MF001" "build" Error
        "every kustomization builds"
        "The folder does not render with kustomize's rules: Argo CD would show a ComparisonError and sync nothing. The message is the build's own diagnostic, with the file and line at fault.";
    "MF002" "schema" Error
        "every object matches its schema: types, enums, required fields"
        "The API server would refuse the object. Schemas come from CRDs rendered by the repository itself, then --schema-location entries (kubeconform's layout or CRD files), then the cluster (--kube-context).";
    "MF003" "unknown-field" Warning
        "no field the schema does not declare"
        "A structural schema prunes fields it does not declare, and strict field validation refuses them: the setting never reaches the operator. Usually a typo or a field of another API version.";
    "MF004" "schema-missing" Warning
        "every kind has a schema to check it against"
        "No CRD in the repository and no --schema-location entry knows this apiVersion and kind, so nothing about it was checked. Add the CRD's location (a folder of CRDs works) or turn the rule off for the kind's files.";
    "MF005" "deprecated-api" Warning
        "no apiVersion deprecated or removed at the target Kubernetes version"
        "Removed versions are refused by the API server of --kubernetes-version (an error); deprecated ones still work but will be removed (a warning). The replacement is named; the table is src/lint/data/deprecated.tsv with the Kubernetes deprecation guide as its source.";
    "MF006" "dangling-patch" Warning
        "every patch target selects something"
        "kustomize applies a patch whose target selects no resource silently (kustomize issues #4379, #5093): the change the patch was written for never happens. Usually a renamed resource or a target written before a namePrefix.";
    "MF010" "argocd-path" Error
        "every Application's source path exists and builds"
        "Argo CD would report a ComparisonError for the Application. Applications are read from every rendered tree; a source counts as this repository's when its repoURL matches the git remote (or `repoURL` in .manifesto-lint.yaml), or when the remote is unknown.";
    "MF011" "argocd-shared-resource" Error
        "no object is rendered by two Applications"
        "Two Applications that own one object fight over it (Argo CD's SharedResourceWarning): each sync undoes the other, and pruning one deletes the other's object.";
    "MF012" "argocd-sync-wave" Error
        "sync-wave annotations are integers"
        "Argo CD reads argocd.argoproj.io/sync-wave with strconv.Atoi and treats anything else as wave 0, silently breaking the intended order.";
    "MF013" "argocd-crd-order" Error
        "custom resources sync after the operator that provides their CRD"
        "A custom resource in the same Application as the Subscription that installs its CRD, or in an Application of an earlier or equal wave, fails Argo CD's dry run (the CRD does not exist yet) unless it carries the SkipDryRunOnMissingResource=true sync option.";
    "MF014" "argocd-project" Error
        "each AppProject permits what its Applications render"
        "Argo CD refuses to sync an object whose kind, namespace or source repository the Application's AppProject does not permit (cluster-scoped kinds need clusterResourceWhitelist).";
    "MF015" "argocd-namespace-rights" Error
        "Argo CD may write into every destination namespace"
        "A namespace-scoped Argo CD instance (OpenShift GitOps' default) manages only namespaces labelled argocd.argoproj.io/managed-by=<its namespace>, or where a RoleBinding grants its application controller rights. Without either, every sync is forbidden.";
    "MF020" "strimzi-cluster" Error
        "KafkaTopics, KafkaUsers and KafkaConnectors name a cluster the repository defines"
        "The strimzi.io/cluster label must name a Kafka or EventStreams (a KafkaConnect for connectors) in the same namespace; otherwise no operator reconciles the object.";
    "MF021" "strimzi-authorization" Error
        "KafkaUsers with ACLs belong to a cluster with authorization"
        "The user operator refuses ACLs when the Kafka cluster has no authorization configured: the user Secret is never created, and everything that mounts it fails.";
    "MF022" "strimzi-connect-tls" Error
        "KafkaConnect uses TLS where the listener it points at is TLS"
        "A KafkaConnect whose bootstrapServers name a TLS listener but which has no spec.tls cannot connect (the handshake fails).";
    "MF023" "strimzi-topic-replicas" Error
        "topic replicas do not exceed the broker count"
        "A topic cannot have more replicas than the cluster has brokers; the topic operator reports it NotReady and producers fail.";
    "MF024" "missing-reference" Error
        "referenced Secrets, ConfigMaps and ServiceAccounts are created by the repository"
        "A workload that references a Secret, ConfigMap or ServiceAccount nothing creates will not start. SealedSecrets, KafkaUsers (their credentials Secret) and Strimzi's CA Secrets count as creating their Secret; optional references are not checked.";
    "MF025" "plaintext-secret" Error
        "no plaintext Secret is committed to git"
        "A Secret's data is only base64-encoded: anyone with read access to the repository has the value. Seal it (manifesto seal) or generate it outside git.";
    "MF026" "olm-channel" Error
        "OLM Subscriptions use a channel manifesto's catalog knows"
        "A Subscription to a channel the package does not offer never installs. The catalog is manifesto's built-in operator catalog.";
    "MF027" "olm-target-namespaces" Error
        "custom resources live where their operator watches"
        "An OperatorGroup's targetNamespaces bound what the operator reconciles: custom resources in other namespaces are never acted on. A namespace with a Subscription also needs exactly one OperatorGroup.";
    "MF028" "olm-api-version" Error
        "custom resources use an apiVersion their operator's channel serves"
        "An operator channel serves a range of API versions (Strimzi 1.x serves kafka.strimzi.io/v1 only, Event Streams 13.0 eventstreams.ibm.com/v1 only): an object in another version is refused by the API server once that channel is installed. The ranges are those of manifesto's catalog for the channel the repository's Subscription names.";
    "MF030" "invalid-suppression" Warning
        "inline suppressions name a rule and a reason"
        "`# manifesto-lint: ignore RULE reason` needs a known rule name or id and a reason, so a reviewer can tell why a finding was accepted.";
}

/// The rule with this id or name.
pub fn find(key: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == key || r.name == key)
}

/// The rule with this name; a misspelt name in the code is a bug, caught by the tests.
pub fn named(name: &str) -> &'static Rule {
    find(name).unwrap_or_else(|| panic!("no lint rule named {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.id), "{} twice", r.id);
            assert!(seen.insert(r.name), "{} twice", r.name);
            assert!(r.id.len() == 5 && r.id.starts_with("MF"), "{}", r.id);
            assert!(
                r.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()),
                "{}",
                r.name
            );
            assert!(!r.summary.ends_with('.') && !r.help.is_empty());
        }
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort();
        assert_eq!(ids, RULES.iter().map(|r| r.id).collect::<Vec<_>>());
    }
}
