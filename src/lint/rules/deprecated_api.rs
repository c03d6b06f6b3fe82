//! Rule `deprecated-api`: apiVersions deprecated or removed at the target Kubernetes
//! version, with the replacement, from the reviewed table of `lint::deprecated`.

use super::{At, Context, Raw, Sink, describe};
use crate::lint::deprecated;

pub fn check(ctx: &Context, sink: &mut Sink) {
    let at = ctx.config.kube_version();
    let k = format!("{}.{}", at.0, at.1);
    let openshift = deprecated::openshift_for(at)
        .map(|o| format!(" (OpenShift {o})"))
        .unwrap_or_default();
    for o in &ctx.repo.objects {
        let r = o.res;
        let Some((removed, e)) = deprecated::status(r.api_version(), r.kind(), at) else {
            continue;
        };
        let instead = match e.replacement {
            Some(x) => format!("use {x}"),
            None => "it has no replacement".into(),
        };
        let message = if removed {
            format!(
                "{} {} is not served since Kubernetes {}.{}; the target is {k}{openshift}: {instead}",
                e.api_version, e.kind, e.removed_in.0, e.removed_in.1
            )
        } else {
            let d = e.deprecated_in.unwrap_or(at);
            format!(
                "{} {} is deprecated since Kubernetes {}.{} and is removed in {}.{}: {instead}",
                e.api_version, e.kind, d.0, d.1, e.removed_in.0, e.removed_in.1
            )
        };
        sink.push(Raw {
            rule: "deprecated-api",
            at: At::Object {
                source: r.source.clone(),
                line: r.line,
                field: Some("apiVersion".into()),
            },
            resource: Some(describe(r)),
            field_shown: Some("apiVersion".into()),
            message,
            folders: vec![o.folder],
            escalate: removed,
        });
    }
}
