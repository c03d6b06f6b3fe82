//! Rule `plaintext-secret`: a Secret with data committed to git (written as a manifest or
//! generated from files in the repository). Values never appear in the message.

use super::{Context, Sink};
use crate::yaml::Value;

pub fn check(ctx: &Context, sink: &mut Sink) {
    for o in ctx.repo.kind("", "Secret") {
        let r = o.res;
        let filled = |k: &str| {
            r.obj
                .get(k)
                .and_then(Value::as_object)
                .is_some_and(|m| !m.is_empty())
        };
        let field = if filled("stringData") {
            "stringData"
        } else if filled("data") {
            "data"
        } else {
            continue;
        };
        if crate::yaml::str_at(&r.obj, &["type"]) == "kubernetes.io/service-account-token" {
            continue;
        }
        let how = if r.line == 0 {
            "is generated from files in the repository"
        } else {
            "is committed"
        };
        sink.on(
            "plaintext-secret",
            o,
            Some(field),
            format!("{how} with its values readable by anyone who can read the repository (base64 is not encryption): seal it (manifesto seal) or keep it out of git"),
        );
    }
}
