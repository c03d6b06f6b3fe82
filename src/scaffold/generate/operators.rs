//! Scaffold, operators area: the catalog rendered into the repo and one bootstrap folder per
//! operator subscription. Pure: returns files through `Gen`.

use super::*;

pub(super) fn operators(g: &mut Gen) -> Result<(), String> {
    let sol = g.sol;
    let s = &sol.spec;
    let mut ops = Vec::new();
    for o in &s.operators {
        let op = catalog::find(&o.name)?;
        ops.push((
            op,
            o.channel
                .clone()
                .unwrap_or_else(|| op.default_channel.clone()),
        ));
    }
    let mut op_dirs = Vec::new();
    if s.catalog.builtin {
        let chosen: Vec<&catalog::Operator> = ops.iter().map(|(o, _)| *o).collect();
        for (path, content) in catalog::render::render(&chosen, Layout::Cop) {
            g.add(format!("catalog/{path}"), content);
        }
    }
    for (op, channel) in &ops {
        let src = if s.catalog.builtin {
            format!("../../../catalog/{}/operator/overlays/{channel}", op.name)
        } else {
            let url = s.catalog.url.clone().unwrap_or_default();
            let r = s.catalog.r#ref.clone().unwrap_or_else(|| "main".into());
            format!("{url}//{}/operator/overlays/{channel}?ref={r}", op.name)
        };
        let mut extra = annotations("-10");
        if matches!(op.install, catalog::Install::Manifest { .. }) {
            // A release manifest runs its controller in its own namespace: Argo CD may
            // manage its Deployment there only once the namespace carries this label.
            let patch = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": op.namespace,
                "labels": {"argocd.argoproj.io/managed-by": s.gitops.argocd_namespace}}});
            extra.insert("patches".into(), json!([{"patch": yaml::to_yaml(&patch)}]));
        }
        g.add_yaml(
            format!("bootstrap/operators/{}/kustomization.yaml", op.name),
            &kustomization(&[src], extra),
        );
        op_dirs.push(format!("operators/{}", op.name));
    }
    if s.catalog.builtin {
        let sources: BTreeSet<String> = ops
            .iter()
            .filter(|(o, _)| catalog::is_builtin_source(&o.source))
            .map(|(o, _)| format!("../catalog/catalog-sources/{}", o.source))
            .collect();
        op_dirs.splice(0..0, sources);
    }

    g.ops = ops;
    g.op_dirs = op_dirs;
    Ok(())
}
