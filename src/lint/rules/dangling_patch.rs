//! Rule `dangling-patch`: a `patches` / `patchesJson6902` target that selects nothing
//! (kustomize builds it silently); the engine records each one while it builds.

use super::{At, Context, Raw, Sink};

pub fn check(ctx: &Context, sink: &mut Sink) {
    // A component's patches target what the kustomization using it brings: on its own
    // they select nothing by design.
    for (i, b) in ctx.built.iter().enumerate().filter(|(_, b)| !b.component) {
        let Ok(r) = &b.rendered else { continue };
        for u in &r.unmatched_patches {
            sink.push(Raw {
                rule: "dangling-patch",
                at: At::Field {
                    file: u.kustomization.clone(),
                    path: format!("{}[{}]", u.field, u.index),
                },
                resource: None,
                field_shown: Some(format!("{}[{}]", u.field, u.index)),
                message: format!(
                    "the patch's target ({}) selects no resource: the patch changes nothing",
                    u.target
                ),
                folders: vec![i],
                escalate: false,
            });
        }
    }
}
