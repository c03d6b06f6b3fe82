//! Built-in catalog data: the reviewed files under catalog/, embedded in the binary.
//! Must not be edited by hand without the files (a test checks the two agree).

pub const OPERATORS: &[(&str, &str)] = &[
    (
        "apicurio-registry.yaml",
        include_str!("../../catalog/operators/apicurio-registry.yaml"),
    ),
    (
        "cert-manager.yaml",
        include_str!("../../catalog/operators/cert-manager.yaml"),
    ),
    (
        "ibm-apiconnect.yaml",
        include_str!("../../catalog/operators/ibm-apiconnect.yaml"),
    ),
    (
        "ibm-eventendpointmanagement.yaml",
        include_str!("../../catalog/operators/ibm-eventendpointmanagement.yaml"),
    ),
    (
        "ibm-eventstreams.yaml",
        include_str!("../../catalog/operators/ibm-eventstreams.yaml"),
    ),
    (
        "ibm-integration-platform-navigator.yaml",
        include_str!("../../catalog/operators/ibm-integration-platform-navigator.yaml"),
    ),
    (
        "ibm-mq.yaml",
        include_str!("../../catalog/operators/ibm-mq.yaml"),
    ),
    (
        "openshift-gitops.yaml",
        include_str!("../../catalog/operators/openshift-gitops.yaml"),
    ),
    (
        "openshift-pipelines.yaml",
        include_str!("../../catalog/operators/openshift-pipelines.yaml"),
    ),
    (
        "openshift-serverless.yaml",
        include_str!("../../catalog/operators/openshift-serverless.yaml"),
    ),
    (
        "sealed-secrets.yaml",
        include_str!("../../catalog/operators/sealed-secrets.yaml"),
    ),
    (
        "strimzi.yaml",
        include_str!("../../catalog/operators/strimzi.yaml"),
    ),
];

pub const CATALOG_SOURCES: &[(&str, &str)] = &[(
    "ibm-operator-catalog.yaml",
    include_str!("../../catalog/catalog-sources/ibm-operator-catalog.yaml"),
)];
