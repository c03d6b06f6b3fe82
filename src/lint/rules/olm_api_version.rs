//! Rule `olm-api-version`: a custom resource written in an apiVersion that the channel its
//! operator is subscribed on does not serve (the catalog's API ranges per channel).

use super::{Context, Sink};
use std::collections::BTreeMap;

pub fn check(ctx: &Context, sink: &mut Sink) {
    // Package -> the channels the repository subscribes it on.
    let mut channels: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for o in ctx.repo.kind("operators.coreos.com", "Subscription") {
        let pkg = crate::yaml::str_at(&o.res.obj, &["spec", "name"]);
        let channel = crate::yaml::str_at(&o.res.obj, &["spec", "channel"]);
        if !pkg.is_empty() && !channel.is_empty() {
            let v = channels.entry(pkg.to_string()).or_default();
            if !v.iter().any(|c| c == channel) {
                v.push(channel.to_string());
            }
        }
    }
    for (pkg, subscribed) in &channels {
        let Some(op) = crate::catalog::operators()
            .iter()
            .find(|op| op.is_olm() && op.package == *pkg)
        else {
            continue;
        };
        // An unknown channel is olm-channel's finding; nothing is known of what it serves.
        if subscribed.iter().any(|c| op.channel(c).is_none()) {
            continue;
        }
        let mut kinds: Vec<(&str, &str)> = op
            .provides
            .iter()
            .flat_map(|a| a.kinds.iter().map(move |k| (a.group.as_str(), k.as_str())))
            .collect();
        kinds.sort();
        kinds.dedup();
        for (group, kind) in kinds {
            let served: Vec<String> = {
                let mut v: Vec<String> = subscribed
                    .iter()
                    .flat_map(|c| {
                        op.apis_on(c)
                            .filter(|a| a.group == group && a.kinds.iter().any(|k| k == kind))
                            .map(|a| a.api_version())
                    })
                    .collect();
                v.sort();
                v.dedup();
                v
            };
            // The catalog knows no version of the kind on these channels: nothing to say.
            if served.is_empty() {
                continue;
            }
            for o in ctx.repo.kind(group, kind) {
                let have = o.res.api_version();
                if served.iter().any(|s| s == have) {
                    continue;
                }
                let offer = served.join(", ");
                sink.on(
                    "olm-api-version",
                    o,
                    Some("apiVersion"),
                    format!(
                        "{have} {kind}: {} on channel {} serves {offer} (manifesto's catalog): the API server refuses it",
                        op.name,
                        subscribed.join(", ")
                    ),
                );
            }
        }
    }
}
