//! Rule `olm-channel`: an OLM Subscription to a channel manifesto's catalog does not list
//! for its package.

use super::{Context, Sink};

pub fn check(ctx: &Context, sink: &mut Sink) {
    for o in ctx.repo.kind("operators.coreos.com", "Subscription") {
        let pkg = crate::yaml::str_at(&o.res.obj, &["spec", "name"]);
        let channel = crate::yaml::str_at(&o.res.obj, &["spec", "channel"]);
        if channel.is_empty() {
            continue;
        }
        let Some(op) = crate::catalog::operators()
            .iter()
            .find(|op| op.package == pkg)
        else {
            continue;
        };
        if op.channel(channel).is_some() {
            continue;
        }
        let mut names: Vec<&str> = op.channels.iter().map(|c| c.name.as_str()).collect();
        names.sort_by_key(|n| crate::catalog::distance(n, channel));
        names.truncate(3);
        sink.on(
            "olm-channel",
            o,
            Some("spec.channel"),
            format!(
                "package {pkg} has no channel {channel:?} in manifesto's catalog (closest: {}): the Subscription never installs",
                names.join(", ")
            ),
        );
    }
}
