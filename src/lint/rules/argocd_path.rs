//! Rule `argocd-path`: every Application source in this repository has a path that
//! exists and builds.

use super::{Context, Sink};
use crate::lint::model::Render;

pub fn check(ctx: &Context, sink: &mut Sink) {
    for app in &ctx.repo.apps {
        let single = app.obj.res.obj.pointer("/spec/source").is_some();
        for (i, s) in app.sources.iter().enumerate() {
            let field = match (single, i) {
                (true, 0) => "spec.source.path".to_string(),
                (true, i) => format!("spec.sources[{}].path", i - 1),
                (false, i) => format!("spec.sources[{i}].path"),
            };
            match &s.render {
                Render::Missing(why) => sink.on(
                    "argocd-path",
                    app.obj,
                    Some(&field),
                    format!("source path {why}: Argo CD cannot render the Application"),
                ),
                Render::Folder(f) => {
                    if let Err(d) = &ctx.built[*f].rendered {
                        sink.on(
                            "argocd-path",
                            app.obj,
                            Some(&field),
                            format!(
                                "source path {} does not build ({}): Argo CD reports a ComparisonError",
                                s.path,
                                d.message.lines().next().unwrap_or("")
                            ),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}
