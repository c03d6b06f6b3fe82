//! Rule `build`: every kustomization builds; the finding is the engine's own diagnostic.
//! Where that names a file that is not there (a missing resource, a remote URL), the
//! finding points at the line of the kustomization that names it instead.

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
        let at = match &d.file {
            Some(f) if std::path::Path::new(f).is_file() => At::File {
                file: f.clone(),
                line: d.line,
            },
            named => {
                let kfile = crate::lint::kustomization_file(&ctx.root.join(&b.dir));
                match kfile {
                    Some(k) => {
                        let line = named.as_deref().and_then(|n| line_naming(&k, n));
                        At::File {
                            file: k.display().to_string(),
                            line,
                        }
                    }
                    None => At::Nowhere,
                }
            }
        };
        sink.push(Raw {
            rule: "build",
            at,
            resource: d.resource.clone(),
            field_shown: None,
            message,
            folders: vec![i],
            escalate: false,
        });
    }
}

/// The first line of the kustomization file that names `what` (a URL as written, or a
/// missing file by its name).
fn line_naming(kfile: &std::path::Path, what: &str) -> Option<usize> {
    let text = std::fs::read_to_string(kfile).ok()?;
    let name = what.rsplit('/').next().unwrap_or(what);
    text.lines()
        .position(|l| l.contains(what))
        .or_else(|| {
            text.lines()
                .position(|l| !name.is_empty() && l.contains(name))
        })
        .map(|i| i + 1)
}
