//! Transform stage: `replicas`. Sets spec.replicas on the named workloads. Must not touch
//! other fields.

use crate::error::Result;
use crate::fieldspec::{Create, apply, builtin, split_path};
use crate::resource::Resource;
use crate::yaml::Value;

pub fn apply_replicas(resources: &mut [Resource], replicas: &[(String, i64)]) -> Result<()> {
    let specs = builtin("replicas");
    for (name, count) in replicas {
        for r in resources.iter_mut() {
            let ids = r.all_ids();
            if !ids.iter().any(|id| &id.name == name) {
                continue;
            }
            let gvk = r.gvk();
            for fs in specs.iter().filter(|fs| fs.matches(&gvk)) {
                apply(
                    &mut r.obj,
                    &split_path(&fs.path),
                    fs.create.then_some(Create::Scalar),
                    &mut |n| {
                        *n = Value::from(*count);
                        Ok(())
                    },
                )
                .map_err(crate::error::Error::Msg)?;
            }
        }
    }
    Ok(())
}
