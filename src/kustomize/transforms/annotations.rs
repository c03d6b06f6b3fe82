//! Transform stage: `commonAnnotations`. Must not touch labels or names.

use super::set_map_entries;
use crate::kustomize::error::Result;
use crate::kustomize::fieldspec::builtin;
use crate::kustomize::resmap::resource::Resource;

pub fn common_annotations(resources: &mut [Resource], pairs: &[(String, String)]) -> Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    let specs = builtin("commonannotations");
    for r in resources.iter_mut() {
        set_map_entries(r, &specs, pairs)?;
    }
    Ok(())
}
