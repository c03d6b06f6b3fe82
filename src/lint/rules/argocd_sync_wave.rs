//! Rule `argocd-sync-wave`: a sync-wave annotation Argo CD cannot read as an integer.

use super::{Context, Sink};
use crate::lint::model::wave;

pub fn check(ctx: &Context, sink: &mut Sink) {
    for o in &ctx.repo.objects {
        if let Some(Err(text)) = wave(o.res) {
            sink.on(
                "argocd-sync-wave",
                *o,
                Some("metadata.annotations.argocd.argoproj.io/sync-wave"),
                format!("sync-wave {text:?} is not an integer: Argo CD syncs the object in wave 0"),
            );
        }
    }
}
