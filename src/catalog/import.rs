//! Catalog import and check, pure part: a cluster's `PackageManifest` (OLM's package
//! server, `packages.operators.coreos.com/v1`) turned into a catalog entry, and compared
//! with one. Never reaches the cluster: the command line reads the objects and passes them.

use super::Operator;
use crate::yaml::{self, Value};
use serde_json::json;
use std::cmp::Ordering;

/// The API group/version a PackageManifest serves as.
pub const GROUP: &str = "packages.operators.coreos.com";
pub const VERSION: &str = "v1";

fn s<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    yaml::str_at(v, path)
}

/// Channel names in version order: digits compare as numbers (`v3.10` after `v3.9`).
pub fn version_order(a: &str, b: &str) -> Ordering {
    let split = |x: &str| -> Vec<(bool, String)> {
        let mut parts: Vec<(bool, String)> = Vec::new();
        for c in x.chars() {
            let d = c.is_ascii_digit();
            match parts.last_mut() {
                Some((pd, p)) if *pd == d => p.push(c),
                _ => parts.push((d, c.to_string())),
            }
        }
        parts
    };
    let (pa, pb) = (split(a), split(b));
    for (x, y) in pa.iter().zip(&pb) {
        let o = match (x.0, y.0) {
            (true, true) => {
                let (nx, ny) = (x.1.trim_start_matches('0'), y.1.trim_start_matches('0'));
                nx.len().cmp(&ny.len()).then_with(|| nx.cmp(ny))
            }
            _ => x.1.cmp(&y.1),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    pa.len().cmp(&pb.len())
}

struct PmChannel<'a> {
    name: &'a str,
    csv: &'a str,
    desc: &'a Value,
}

fn channels(pm: &Value) -> Vec<PmChannel<'_>> {
    pm["status"]["channels"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| PmChannel {
            name: s(c, &["name"]),
            csv: s(c, &["currentCSV"]),
            desc: &c["currentCSVDesc"],
        })
        .filter(|c| !c.name.is_empty())
        .collect()
}

/// `(group, version, kind)` of each CRD a CSV description owns.
fn owned(desc: &Value) -> Vec<(String, String, String)> {
    desc["customresourcedefinitions"]["owned"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let group = s(c, &["name"]).split_once('.')?.1.to_string();
            Some((
                group,
                s(c, &["version"]).to_string(),
                s(c, &["kind"]).to_string(),
            ))
        })
        .collect()
}

fn supports(desc: &Value, mode: &str) -> bool {
    desc["installModes"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|m| s(m, &["type"]) == mode && m["supported"].as_bool() == Some(true))
}

/// A catalog entry (the YAML of `operators/<name>.yaml`) made from a PackageManifest.
/// Channels come oldest first; a channel whose name holds no digit and whose head is
/// another channel's is a moving one that `follows` it. Every fact is backed by the
/// PackageManifest itself, cited as `cluster:NAMESPACE/PACKAGE`.
pub fn entry_from(pm: &Value, name: &str, namespace: &str) -> Result<String, String> {
    let package = s(pm, &["status", "packageName"]);
    let package = if package.is_empty() {
        s(pm, &["metadata", "name"])
    } else {
        package
    };
    if package.is_empty() {
        return Err("the PackageManifest names no package".into());
    }
    let chans = channels(pm);
    if chans.is_empty() {
        return Err(format!(
            "package {package}: the PackageManifest lists no channels"
        ));
    }
    // A channel follows another with the same head and a more specific name (more digit
    // groups): `stable` and `strimzi-1.x` lead to `strimzi-0.51.x` and `strimzi-1.2.x`.
    let groups = |n: &str| {
        n.split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .count()
    };
    let moving = |c: &PmChannel| -> Option<String> {
        chans
            .iter()
            .filter(|o| {
                o.name != c.name
                    && !c.csv.is_empty()
                    && o.csv == c.csv
                    && groups(o.name) > groups(c.name)
            })
            .max_by(|a, b| {
                groups(a.name)
                    .cmp(&groups(b.name))
                    .then(version_order(a.name, b.name))
            })
            .map(|o| o.name.to_string())
    };
    let mut versioned: Vec<&PmChannel> = chans.iter().filter(|c| moving(c).is_none()).collect();
    versioned.sort_by(|a, b| version_order(a.name, b.name));
    let mut aliases: Vec<&PmChannel> = chans.iter().filter(|c| moving(c).is_some()).collect();
    aliases.sort_by(|a, b| a.name.cmp(b.name));
    let ordered: Vec<&PmChannel> = versioned.iter().chain(aliases.iter()).copied().collect();
    let csv_prefix = ordered
        .iter()
        .find_map(|c| c.csv.split_once(".v").map(|(p, _)| p.to_string()))
        .unwrap_or_else(|| package.to_string());
    let channel_list: Vec<Value> = ordered
        .iter()
        .map(|c| {
            let mut v = json!({"name": c.name});
            if !c.csv.is_empty() {
                v["csv"] = json!(c.csv);
            }
            if let Some(f) = moving(c) {
                v["follows"] = json!(f);
            }
            v
        })
        .collect();
    // Which versioned channels serve each API; ranges over the version order.
    let mut apis: Vec<(String, String, Vec<String>, Vec<usize>)> = Vec::new();
    for (i, c) in versioned.iter().enumerate() {
        for (g, v, k) in owned(c.desc) {
            match apis.iter_mut().find(|a| a.0 == g && a.1 == v) {
                Some(a) => {
                    if !a.2.contains(&k) {
                        a.2.push(k);
                    }
                    if !a.3.contains(&i) {
                        a.3.push(i);
                    }
                }
                None => apis.push((g, v, vec![k], vec![i])),
            }
        }
    }
    if apis.is_empty() {
        return Err(format!(
            "package {package}: no channel's CSV owns a CRD; write its `provides` by hand"
        ));
    }
    let last = versioned.len().saturating_sub(1);
    let provides: Vec<Value> = apis
        .iter()
        .map(|(g, v, kinds, at)| {
            let mut a = json!({"group": g, "version": v, "kinds": kinds});
            let (lo, hi) = (
                at.iter().min().copied().unwrap_or(0),
                at.iter().max().copied().unwrap_or(0),
            );
            if lo > 0 {
                a["since"] = json!(versioned[lo].name);
            }
            if hi < last {
                a["until"] = json!(versioned[hi].name);
            }
            a
        })
        .collect();
    let default = match s(pm, &["status", "defaultChannel"]) {
        "" if chans.len() == 1 => chans[0].name,
        "" => return Err(format!("package {package}: no default channel")),
        d => d,
    };
    let head = chans
        .iter()
        .find(|c| c.name == default)
        .map(|c| c.desc)
        .unwrap_or(&Value::Null);
    let all_ns = supports(head, "AllNamespaces");
    let mode = if all_ns {
        "AllNamespaces"
    } else {
        "OwnNamespace"
    };
    let namespace = if all_ns && namespace.is_empty() {
        "openshift-operators".to_string()
    } else if namespace.is_empty() {
        package.to_string()
    } else {
        namespace.to_string()
    };
    let display = match s(head, &["displayName"]) {
        "" => package,
        d => d,
    };
    let mut backs: Vec<String> = vec!["package".into(), "source".into(), "installMode".into()];
    for c in &ordered {
        backs.push(format!("channel {}", c.name));
        if !c.csv.is_empty() {
            backs.push(format!("csv {}", c.name));
        }
        if moving(c).is_some() {
            backs.push(format!("follows {}", c.name));
        }
    }
    for (g, v, _, _) in &apis {
        backs.push(format!("api {g}/{v}"));
    }
    let ns = match s(pm, &["status", "catalogSourceNamespace"]) {
        "" => "openshift-marketplace",
        n => n,
    };
    let mut entry = json!({
        "name": name,
        "displayName": display,
        "package": package,
    });
    if csv_prefix != package {
        entry["csvPrefix"] = json!(csv_prefix);
    }
    let src = s(pm, &["status", "catalogSource"]);
    entry["source"] = json!(src);
    entry["sourceNamespace"] = json!(ns);
    entry["installMode"] = json!(mode);
    entry["namespace"] = json!(namespace);
    entry["defaultChannel"] = json!(default);
    entry["channels"] = Value::Array(channel_list);
    entry["provides"] = Value::Array(provides);
    entry["sources"] = json!([{
        "ref": format!("cluster:{ns}/{package}"),
        "backs": backs,
        "says": format!("the PackageManifest {package} of CatalogSource {src} (written by manifesto catalog import); review before relying on it"),
    }]);
    // Field by field, so the file reads in the catalog's order (the writer sorts keys).
    let mut text = String::new();
    for (k, v) in entry.as_object().expect("object") {
        let mut one = serde_json::Map::new();
        one.insert(k.clone(), v.clone());
        text.push_str(&yaml::to_yaml(&Value::Object(one)));
    }
    Ok(text)
}

/// How a catalog entry differs from the cluster's PackageManifest of its package.
pub fn compare(op: &Operator, pm: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let chans = channels(pm);
    let offered: Vec<&str> = chans.iter().map(|c| c.name).collect();
    for c in &op.channels {
        match chans.iter().find(|p| p.name == c.name) {
            None => out.push(format!(
                "channel {} is not offered by the cluster ({})",
                c.name,
                offered.join(", ")
            )),
            Some(p) => {
                if let Some(csv) = &c.csv
                    && !p.csv.is_empty()
                    && *csv != p.csv
                {
                    out.push(format!(
                        "channel {}: the catalog's CSV {csv} is not current; the cluster's head is {}",
                        c.name, p.csv
                    ));
                }
            }
        }
    }
    let default = s(pm, &["status", "defaultChannel"]);
    if !default.is_empty() && default != op.default_channel {
        out.push(format!(
            "default channel is {default} on the cluster, {} in the catalog",
            op.default_channel
        ));
    }
    let src = s(pm, &["status", "catalogSource"]);
    if !src.is_empty() && src != op.source {
        out.push(format!(
            "the cluster offers it from CatalogSource {src}, the catalog subscribes from {}",
            op.source
        ));
    }
    out
}

/// How a Subscription's channel and starting CSV compare with the cluster's offer.
pub fn compare_subscription(channel: &str, starting_csv: &str, pm: &Value) -> Vec<String> {
    let chans = channels(pm);
    let pkg = s(pm, &["status", "packageName"]);
    let mut out = Vec::new();
    if channel.is_empty() {
        return out;
    }
    match chans.iter().find(|c| c.name == channel) {
        None => out.push(format!(
            "package {pkg} has no channel {channel} on the cluster ({})",
            chans.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
        )),
        Some(c) => {
            if !starting_csv.is_empty() && !c.csv.is_empty() && starting_csv != c.csv {
                out.push(format!(
                    "startingCSV {starting_csv} is not the head of channel {channel} (the cluster's is {})",
                    c.csv
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_sort_by_number() {
        let mut v = vec!["v3.10", "v3.9", "v3.2-sc2", "v13.0", "v12.0"];
        v.sort_by(|a, b| version_order(a, b));
        assert_eq!(v, ["v3.2-sc2", "v3.9", "v3.10", "v12.0", "v13.0"]);
    }
}
