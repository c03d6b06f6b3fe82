//! Transform stage: `commonAnnotations`. Must not touch labels or names.

use super::set_map_entries;
use crate::kustomize::error::Result;
use crate::kustomize::fieldspec::FieldSpec;
use crate::kustomize::resmap::resource::Resource;

pub fn common_annotations(
    resources: &mut [Resource],
    pairs: &[(String, String)],
    specs: &[FieldSpec],
) -> Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    for r in resources.iter_mut() {
        set_map_entries(r, specs, pairs)?;
    }
    Ok(())
}
