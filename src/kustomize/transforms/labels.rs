//! Transform stage: `commonLabels` and `labels`. Must not touch names or namespaces.

use super::{merge_specs, set_map_entries};
use crate::kustomize::error::Result;
use crate::kustomize::fieldspec::{FieldSpec, TransformerConfig};
use crate::kustomize::resmap::resource::Resource;
use crate::kustomize::types::Label;

pub fn common_labels(
    resources: &mut [Resource],
    pairs: &[(String, String)],
    cfg: &TransformerConfig,
) -> Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    let specs = cfg.specs("commonlabels");
    for r in resources.iter_mut() {
        set_map_entries(r, specs, pairs)?;
    }
    Ok(())
}

pub fn labels(resources: &mut [Resource], label: &Label, cfg: &TransformerConfig) -> Result<()> {
    let specs = if label.include_selectors {
        merge_specs(label.fields.clone(), cfg.specs("commonlabels").to_vec())
    } else {
        let mut s = label.fields.clone();
        if label.include_templates {
            s = merge_specs(s, cfg.specs("templatelabels").to_vec());
        }
        merge_specs(
            s,
            vec![FieldSpec {
                path: "metadata/labels".into(),
                create: true,
                ..Default::default()
            }],
        )
    };
    for r in resources.iter_mut() {
        set_map_entries(r, &specs, &label.pairs)?;
    }
    Ok(())
}
