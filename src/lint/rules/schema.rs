//! Rules `schema`, `unknown-field` and `schema-missing`: every rendered object against the
//! schema of its apiVersion and kind, as the API server would check it.

use super::{Context, Sink};

pub fn check(ctx: &Context, sink: &mut Sink) {
    for o in &ctx.repo.objects {
        let r = o.res;
        let Some(schema) = ctx.schemas.get(r.api_version(), r.kind()) else {
            sink.on(
                "schema-missing",
                *o,
                None,
                format!(
                    "no schema for {} {}: nothing about it was checked (add its CRD or a --schema-location)",
                    r.api_version(),
                    r.kind()
                ),
            );
            continue;
        };
        for v in schema.validate(&r.obj) {
            let rule = if v.unknown { "unknown-field" } else { "schema" };
            let field = (!v.path.is_empty()).then_some(v.path.as_str());
            sink.on(rule, *o, field, v.message);
        }
    }
}
