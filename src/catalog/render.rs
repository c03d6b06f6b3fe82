//! Catalog rendering: the built-in operators as a Kustomize catalog repo, one base per
//! operator and one overlay per channel, in the `cop` (redhat-cop/gitops-catalog) or `eda`
//! (eda-gitops-catalog, with a "current version" pointer) layout. Returns files; writes none.

use super::{InstallMode, Operator};
use crate::yaml::{self, Value};
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Cop,
    Eda,
}

impl Layout {
    pub fn parse(s: &str) -> Result<Layout, String> {
        match s {
            "cop" => Ok(Layout::Cop),
            "eda" => Ok(Layout::Eda),
            other => Err(format!("unknown layout {other:?} (cop or eda)")),
        }
    }
}

/// A file to write: path relative to the repo root, and its content.
pub type File = (String, String);

const KUSTOMIZE_API: &str = "kustomize.config.k8s.io/v1beta1";

pub fn subscription(op: &Operator, channel: &str) -> Value {
    json!({
        "apiVersion": "operators.coreos.com/v1alpha1",
        "kind": "Subscription",
        "metadata": {"name": op.package, "namespace": op.namespace},
        "spec": {
            "channel": channel,
            "installPlanApproval": "Automatic",
            "name": op.package,
            "source": op.source,
            "sourceNamespace": op.source_namespace,
        }
    })
}

/// Operators outside `openshift-operators` need their namespace and an OperatorGroup.
fn needs_own_namespace(op: &Operator) -> bool {
    op.namespace != "openshift-operators"
}

fn operator_group(op: &Operator) -> Value {
    let spec = match op.install_mode {
        InstallMode::OwnNamespace => json!({"targetNamespaces": [op.namespace]}),
        InstallMode::AllNamespaces => json!({}),
    };
    json!({
        "apiVersion": "operators.coreos.com/v1",
        "kind": "OperatorGroup",
        "metadata": {"name": op.namespace, "namespace": op.namespace},
        "spec": spec,
    })
}

fn kustomization(resources: &[&str], patches: Option<Value>) -> Value {
    let mut k =
        json!({"apiVersion": KUSTOMIZE_API, "kind": "Kustomization", "resources": resources});
    if let Some(p) = patches {
        k["patches"] = p;
    }
    k
}

/// The JSON patch an overlay applies to pin a channel (and a starting CSV).
pub fn channel_patch(channel: &str, csv: Option<&str>) -> Value {
    let mut ops = vec![json!({"op": "replace", "path": "/spec/channel", "value": channel})];
    if let Some(csv) = csv {
        ops.push(json!({"op": "add", "path": "/spec/startingCSV", "value": csv}));
    }
    Value::Array(ops)
}

/// The overlay for one channel: its kustomization and patch file.
pub fn overlay_files(op: &Operator, dir: &str, channel: &str, csv: Option<&str>) -> Vec<File> {
    let patches = json!([{
        "path": "patch-channel.yaml",
        "target": {"group": "operators.coreos.com", "kind": "Subscription", "name": op.package},
    }]);
    vec![
        (
            format!("{dir}/kustomization.yaml"),
            yaml::to_yaml(&kustomization(&["../../base"], Some(patches))),
        ),
        (
            format!("{dir}/patch-channel.yaml"),
            yaml::to_yaml(&channel_patch(channel, csv)),
        ),
    ]
}

/// A manifest entry: the base holds its namespace; each channel's overlay adds the release
/// manifest by URL (a kustomize remote resource), moves it into the namespace and applies
/// the entry's patches.
fn manifest_files(op: &Operator, root: &str, patches: &[Value]) -> Vec<File> {
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": op.namespace}});
    let mut files = vec![
        (format!("{root}/base/namespace.yaml"), yaml::to_yaml(&ns)),
        (
            format!("{root}/base/kustomization.yaml"),
            yaml::to_yaml(&kustomization(&["namespace.yaml"], None)),
        ),
    ];
    for ch in &op.channels {
        let url = op.manifest_url(&ch.name).unwrap_or_default();
        let mut k = kustomization(&["../../base", url.as_str()], None);
        k.as_object_mut()
            .expect("object")
            .insert("namespace".into(), json!(op.namespace));
        if !patches.is_empty() {
            k["patches"] = Value::Array(patches.to_vec());
        }
        files.push((
            format!("{root}/overlays/{}/kustomization.yaml", ch.name),
            yaml::to_yaml(&k),
        ));
    }
    files
}

pub fn operator_files(op: &Operator, layout: Layout) -> Vec<File> {
    let root = format!("{}/operator", op.name);
    if let super::Install::Manifest { patches, .. } = &op.install {
        let mut files = manifest_files(op, &root, patches);
        if layout == Layout::Eda {
            let current = kustomization(&[op.default_channel.as_str()], None);
            files.push((
                format!("{root}/overlays/kustomization.yaml"),
                yaml::to_yaml(&current),
            ));
        }
        return files;
    }
    let mut files = Vec::new();
    let mut base_res = Vec::new();
    if needs_own_namespace(op) {
        let ns =
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": op.namespace}});
        files.push((format!("{root}/base/namespace.yaml"), yaml::to_yaml(&ns)));
        files.push((
            format!("{root}/base/operator-group.yaml"),
            yaml::to_yaml(&operator_group(op)),
        ));
        base_res.extend(["namespace.yaml", "operator-group.yaml"]);
    }
    base_res.push("subscription.yaml");
    files.push((
        format!("{root}/base/subscription.yaml"),
        yaml::to_yaml(&subscription(op, &op.default_channel)),
    ));
    files.push((
        format!("{root}/base/kustomization.yaml"),
        yaml::to_yaml(&kustomization(&base_res, None)),
    ));
    for ch in &op.channels {
        let csv = if layout == Layout::Eda {
            ch.csv.as_deref()
        } else {
            None
        };
        files.extend(overlay_files(
            op,
            &format!("{root}/overlays/{}", ch.name),
            &ch.name,
            csv,
        ));
    }
    if layout == Layout::Eda {
        let current = kustomization(&[op.default_channel.as_str()], None);
        files.push((
            format!("{root}/overlays/kustomization.yaml"),
            yaml::to_yaml(&current),
        ));
    }
    files
}

/// The whole catalog repo for the chosen operators (all when `only` is empty).
pub fn render(only: &[&Operator], layout: Layout) -> Vec<File> {
    let ops: Vec<&Operator> = if only.is_empty() {
        super::operators().iter().collect()
    } else {
        only.to_vec()
    };
    let mut files = Vec::new();
    for op in &ops {
        files.extend(operator_files(op, layout));
    }
    for (file, cs) in super::catalog_sources() {
        let name = yaml::str_at(cs, &["metadata", "name"]).to_string();
        if !ops.iter().any(|o| o.source == name) {
            continue;
        }
        let dir = format!("catalog-sources/{name}");
        files.push((format!("{dir}/{file}"), yaml::to_yaml(cs)));
        files.push((
            format!("{dir}/kustomization.yaml"),
            yaml::to_yaml(&kustomization(&[file.as_str()], None)),
        ));
    }
    files.sort();
    files
}
