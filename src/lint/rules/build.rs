//! Rule `build`: every kustomization builds; the finding is the engine's own diagnostic.

use super::{At, Context, Raw, Sink};

pub fn check(ctx: &Context, sink: &mut Sink) {
    for (i, b) in ctx.built.iter().enumerate() {
        let Err(d) = &b.rendered else { continue };
        // Messages name files by absolute path; the report's are relative to the root.
        let root = format!("{}/", ctx.root.display());
        let mut message = d.message.replace(&root, "");
        if let Some(f) = &d.field {
            message = format!("{f}: {message}");
        }
        sink.push(Raw {
            rule: "build",
            at: match &d.file {
                Some(f) => At::File {
                    file: f.clone(),
                    line: d.line,
                },
                None => At::Nowhere,
            },
            resource: d.resource.clone(),
            field_shown: None,
            message,
            folders: vec![i],
            escalate: false,
        });
    }
}
