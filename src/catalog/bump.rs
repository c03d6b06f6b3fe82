//! `catalog bump` planning: moves an operator to a new channel in a catalog repo of either
//! layout (ours, redhat-cop's, eda's), finding it by its Subscription's `spec.name`. Edits
//! are line-level so comments, order, quoting and blank lines elsewhere survive byte for
//! byte. Plans changes over an in-memory view of the repo; writes nothing.

use super::Operator;
use crate::yaml::{self, Value};
use std::collections::BTreeMap;

/// One file the bump creates or changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub path: String,
    pub before: Option<String>,
    pub after: String,
}

pub struct Request<'a> {
    pub op: &'a Operator,
    pub channel: &'a str,
    pub csv: Option<&'a str>,
    pub allow_unknown_channel: bool,
    /// Which operator folder to use when the repo holds several.
    pub path: Option<&'a str>,
}

/// Text files of a repo, by path relative to its root (`/`-separated).
pub type Repo = BTreeMap<String, String>;

fn dir_of(p: &str) -> &str {
    p.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

fn is_kustomization(p: &str) -> bool {
    matches!(
        p.rsplit('/').next(),
        Some("kustomization.yaml" | "kustomization.yml" | "Kustomization")
    )
}

/// Operator folders (`X` with `X/base/...` holding the Subscription and `X/overlays`).
fn operator_dirs(repo: &Repo, package: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for (path, text) in repo {
        if !text.contains(package) || !(path.ends_with(".yaml") || path.ends_with(".yml")) {
            continue;
        }
        let docs = yaml::parse_documents(text)
            .map_err(|e| format!("{path}: line {}: {}", e.line, e.message))?;
        let is_sub = docs.iter().any(|d| {
            yaml::str_at(&d.value, &["kind"]) == "Subscription"
                && yaml::str_at(&d.value, &["apiVersion"]).starts_with("operators.coreos.com/")
                && yaml::str_at(&d.value, &["spec", "name"]) == package
        });
        if !is_sub {
            continue;
        }
        let d = dir_of(path);
        let Some(op_dir) = d
            .strip_suffix("/base")
            .or(if d == "base" { Some("") } else { None })
        else {
            continue;
        };
        let overlays = if op_dir.is_empty() {
            "overlays/".to_string()
        } else {
            format!("{op_dir}/overlays/")
        };
        if repo.keys().any(|k| k.starts_with(&overlays)) && !out.iter().any(|o| o == op_dir) {
            out.push(op_dir.to_string());
        }
    }
    Ok(out)
}

/// A scalar value set by a patch: the line it sits on and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub line: usize,
    pub value: String,
}

fn scalar_after_colon(line: &str) -> Option<&str> {
    let (_, rest) = line.split_once(':')?;
    let v = rest.split(" #").next().unwrap_or("").trim();
    Some(v)
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    if v.len() >= 2
        && ((v.starts_with('\'') && v.ends_with('\'')) || (v.starts_with('"') && v.ends_with('"')))
    {
        v[1..v.len() - 1].to_string()
    } else {
        v.to_string()
    }
}

/// Where a patch file (or a kustomization with an inline patch) sets `field` of the
/// Subscription spec: a JSON patch op on `/spec/<field>`, or a `<field>:` key.
pub fn find_setting(text: &str, field: &str) -> Option<Setting> {
    let lines: Vec<&str> = text.lines().collect();
    let json_path = format!("/spec/{field}");
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start().trim_start_matches("- ");
        if t.starts_with("path:") && unquote(scalar_after_colon(t).unwrap_or("")) == json_path {
            // The op's `value:` is within the same list item, before or after `path:`.
            let indent = l.len() - l.trim_start().len();
            let item_start = (0..=i)
                .rev()
                .find(|&j| {
                    lines[j].trim_start().starts_with("- ")
                        && lines[j].len() - lines[j].trim_start().len() <= indent
                })
                .unwrap_or(i);
            let mut j = item_start;
            while j < lines.len() {
                if j > item_start && lines[j].trim_start().starts_with("- ") {
                    let ind = lines[j].len() - lines[j].trim_start().len();
                    if ind <= lines[item_start].len() - lines[item_start].trim_start().len() {
                        break;
                    }
                }
                let tj = lines[j].trim_start().trim_start_matches("- ");
                if tj.starts_with("value:") {
                    return Some(Setting {
                        line: j,
                        value: unquote(scalar_after_colon(tj).unwrap_or("")),
                    });
                }
                j += 1;
            }
        }
    }
    let key = format!("{field}:");
    lines.iter().enumerate().find_map(|(i, l)| {
        let t = l.trim_start();
        (t.starts_with(&key)).then(|| Setting {
            line: i,
            value: unquote(scalar_after_colon(t).unwrap_or("")),
        })
    })
}

/// Replaces the scalar on one line, keeping indentation, key, quoting style and comment.
pub fn replace_line_value(text: &str, line: usize, new: &str) -> String {
    let mut out = String::with_capacity(text.len() + new.len());
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i != line {
            out.push_str(l);
            continue;
        }
        let (body, eol) = match l.strip_suffix("\r\n") {
            Some(b) => (b, "\r\n"),
            None => match l.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (l, ""),
            },
        };
        let colon = body.find(':').unwrap_or(body.len());
        let (head, rest) = body.split_at((colon + 1).min(body.len()));
        let lead_ws = &rest[..rest.len() - rest.trim_start().len()];
        let after = rest.trim_start();
        let (old, comment) = match after.find(" #") {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        let old_trim = old.trim_end();
        let trail = &old[old_trim.len()..];
        let quoted = if old_trim.starts_with('\'') {
            format!("'{}'", new.replace('\'', "''"))
        } else if old_trim.starts_with('"') {
            format!("\"{}\"", new.replace('\\', "\\\\").replace('"', "\\\""))
        } else if crate::yaml::resolve::resolve_plain(new, crate::yaml::resolve::Dialect::V3)
            != crate::yaml::resolve::Scalar::Str
        {
            format!("'{new}'")
        } else {
            new.to_string()
        };
        let sep = if lead_ws.is_empty() { " " } else { lead_ws };
        out.push_str(&format!("{head}{sep}{quoted}{trail}{comment}{eol}"));
    }
    out
}

fn overlay_names(repo: &Repo, overlays: &str) -> Vec<String> {
    let mut names: Vec<String> = repo
        .keys()
        .filter_map(|k| k.strip_prefix(overlays))
        .filter_map(|rest| rest.split_once('/'))
        .filter(|(name, file)| !file.contains('/') && is_kustomization(file) && !name.is_empty())
        .map(|(name, _)| name.to_string())
        .collect();
    names.dedup();
    names
}

fn overlay_channel(repo: &Repo, dir: &str, field: &str) -> Option<(String, Setting)> {
    repo.iter()
        .filter(|(k, _)| dir_of(k) == dir)
        .find_map(|(k, t)| find_setting(t, field).map(|s| (k.clone(), s)))
}

/// Natural "closeness" of an existing overlay to the new channel: shared prefix first, then
/// the later version.
fn nearest<'a>(names: &'a [String], channel: &str) -> Option<&'a String> {
    let prefix = |a: &str| {
        a.chars()
            .zip(channel.chars())
            .take_while(|(x, y)| x == y)
            .count()
    };
    names.iter().max_by(|a, b| {
        prefix(a)
            .cmp(&prefix(b))
            .then_with(|| crate::yaml::emit::key_less(a, b))
    })
}

pub fn plan(repo: &Repo, req: &Request) -> Result<Vec<Change>, String> {
    let op = req.op;
    if op.channel(req.channel).is_none() && !req.allow_unknown_channel {
        let known: Vec<&str> = op.channels.iter().map(|c| c.name.as_str()).collect();
        return Err(format!(
            "channel {:?} is not a known channel of {} ({}); use --allow-unknown-channel to bump anyway",
            req.channel,
            op.name,
            known.join(", ")
        ));
    }
    if let super::Install::Manifest { url, .. } = &op.install {
        return plan_manifest(repo, req, url);
    }
    if let Some(csv) = req.csv
        && !op.csv_belongs(csv)
    {
        return Err(format!(
            "CSV {csv} does not belong to package {} (expected {}.v<semver>)",
            op.package, op.csv_prefix
        ));
    }
    let csv = req
        .csv
        .map(str::to_string)
        .or_else(|| op.channel(req.channel).and_then(|c| c.csv.clone()));
    let overlays = one_dir(
        operator_dirs(repo, &op.package)?,
        req.path,
        &format!("a Subscription for {}", op.package),
        &format!(
            "no Subscription for package {} (with base/ and overlays/ folders) in this repo",
            op.package
        ),
    )?;
    let names = overlay_names(repo, &overlays);
    let mut changes: Vec<Change> = Vec::new();
    let existing = names
        .iter()
        .find(|n| *n == req.channel)
        .cloned()
        .or_else(|| {
            names
                .iter()
                .find(|n| {
                    overlay_channel(repo, &format!("{overlays}{n}"), "channel")
                        .is_some_and(|(_, s)| s.value == req.channel)
                })
                .cloned()
        });
    let target = match existing {
        Some(name) => {
            let dir = format!("{overlays}{name}");
            if let Some((file, s)) = overlay_channel(repo, &dir, "channel")
                && s.value != req.channel
            {
                let text = &repo[&file];
                changes.push(Change {
                    path: file.clone(),
                    before: Some(text.clone()),
                    after: replace_line_value(text, s.line, req.channel),
                });
            }
            if let (Some(csv), Some((file, s))) =
                (csv.as_deref(), overlay_channel(repo, &dir, "startingCSV"))
                && s.value != csv
            {
                let before = changes
                    .iter()
                    .find(|c| c.path == file)
                    .map(|c| c.after.clone())
                    .unwrap_or_else(|| repo[&file].clone());
                let after = replace_line_value(&before, s.line, csv);
                changes.retain(|c| c.path != file);
                changes.push(Change {
                    path: file.clone(),
                    before: Some(repo[&file].clone()),
                    after,
                });
            }
            name
        }
        None => {
            let with_channel: Vec<String> = names
                .iter()
                .filter(|n| overlay_channel(repo, &format!("{overlays}{n}"), "channel").is_some())
                .cloned()
                .collect();
            let Some(src) = nearest(&with_channel, req.channel) else {
                return Err(format!(
                    "no overlay under {overlays} sets the channel; nothing to copy from"
                ));
            };
            let src_dir = format!("{overlays}{src}");
            let new_dir = format!("{overlays}{}", req.channel);
            for (k, text) in repo
                .iter()
                .filter(|(k, _)| k.starts_with(&format!("{src_dir}/")))
            {
                let mut t = text.clone();
                if let Some(s) = find_setting(&t, "channel") {
                    t = replace_line_value(&t, s.line, req.channel);
                }
                if let Some(s) = find_setting(&t, "startingCSV") {
                    let Some(csv) = csv.as_deref() else {
                        return Err(format!(
                            "{k} pins startingCSV {}; give --csv for channel {} (the catalog knows no CSV for it)",
                            s.value, req.channel
                        ));
                    };
                    t = replace_line_value(&t, s.line, csv);
                }
                let path = format!("{new_dir}/{}", &k[src_dir.len() + 1..]);
                changes.push(Change {
                    path,
                    before: None,
                    after: t,
                });
            }
            req.channel.to_string()
        }
    };
    finish(repo, req, &overlays, &names, &target, changes)
}

/// The overlays folder of the one operator folder among `dirs` (narrowed by `--path`);
/// `what` names what the folders hold, `none` is the error when no folder does.
fn one_dir(
    mut dirs: Vec<String>,
    path: Option<&str>,
    what: &str,
    none: &str,
) -> Result<String, String> {
    if let Some(p) = path {
        let p = p.trim_end_matches('/');
        dirs.retain(|d| d == p || d.trim_end_matches("/operator") == p);
    }
    let op_dir = match dirs.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(format!(
                "{none}{}",
                path.map(|p| format!(" under {p}")).unwrap_or_default()
            ));
        }
        many => {
            return Err(format!(
                "several folders hold {what}: {}; choose one with --path",
                many.join(", ")
            ));
        }
    };
    Ok(if op_dir.is_empty() {
        "overlays/".to_string()
    } else {
        format!("{op_dir}/overlays/")
    })
}

/// The changes every bump ends with: the eda layout's "current version" pointer and the
/// solution spec's channel.
fn finish(
    repo: &Repo,
    req: &Request,
    overlays: &str,
    names: &[String],
    target: &str,
    mut changes: Vec<Change>,
) -> Result<Vec<Change>, String> {
    let op = req.op;
    // The "current version" pointer of the eda layout.
    let pointer = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .map(|f| format!("{overlays}{f}"))
        .find(|p| repo.contains_key(p));
    if let Some(p) = pointer {
        let text = &repo[&p];
        let mut after = text.clone();
        for (i, l) in text.lines().enumerate() {
            let t = l.trim_start();
            let Some(item) = t.strip_prefix("- ") else {
                continue;
            };
            let v = unquote(item.split(" #").next().unwrap_or("").trim());
            let bare = v.trim_start_matches("./").trim_end_matches('/');
            if names.iter().any(|n| n == bare) && bare != target {
                let new = v.replace(bare, target);
                after = replace_list_item(&after, i, &new);
            }
        }
        if after != *text {
            changes.push(Change {
                path: p.clone(),
                before: Some(text.clone()),
                after,
            });
        }
    }
    if let Some(text) = repo.get("solution.yaml")
        && let Some(after) = bump_solution(text, op, req.channel)
    {
        changes.push(Change {
            path: "solution.yaml".into(),
            before: Some(text.clone()),
            after,
        });
    }
    Ok(changes)
}

/// A manifest entry: its overlays name the release manifest by URL, the channel (a release
/// tag) inside it. Finds the overlays by that URL, then moves to the channel's overlay or
/// copies the nearest one with the URL's tag replaced.
fn plan_manifest(repo: &Repo, req: &Request, template: &str) -> Result<Vec<Change>, String> {
    if req.csv.is_some() {
        return Err(format!(
            "{} installs from a release manifest: it has no CSV (drop --csv)",
            req.op.name
        ));
    }
    let (prefix, suffix) = template
        .split_once("{channel}")
        .ok_or_else(|| format!("{}: manifest url holds no {{channel}}", req.op.file))?;
    // (overlay folder, its kustomization file, line, tag) for each URL use.
    let mut uses: Vec<(String, String, usize, String)> = Vec::new();
    for (path, text) in repo.iter().filter(|(p, _)| is_kustomization(p)) {
        for (i, l) in text.lines().enumerate() {
            let Some(at) = l.find(prefix) else { continue };
            let rest = &l[at + prefix.len()..];
            let Some(end) = rest.find(suffix) else {
                continue;
            };
            let tag = &rest[..end];
            if !tag.is_empty() && !tag.contains('/') {
                uses.push((dir_of(path).to_string(), path.clone(), i, tag.to_string()));
            }
        }
    }
    let mut op_dirs: Vec<String> = uses
        .iter()
        .filter_map(|(d, _, _, _)| {
            d.rsplit_once("/overlays/")
                .map(|(o, _)| o.to_string())
                .or_else(|| d.strip_prefix("overlays/").map(|_| String::new()))
        })
        .collect();
    op_dirs.sort();
    op_dirs.dedup();
    let overlays = one_dir(
        op_dirs,
        req.path,
        &format!("an overlay installing {}", req.op.name),
        &format!(
            "no overlay in this repo installs {} from {prefix}...{suffix}",
            req.op.name
        ),
    )?;
    let names = overlay_names(repo, &overlays);
    let in_overlays: Vec<&(String, String, usize, String)> = uses
        .iter()
        .filter(|(d, _, _, _)| d.strip_prefix(&overlays).is_some_and(|n| !n.contains('/')))
        .collect();
    let mut changes = Vec::new();
    let existing = in_overlays
        .iter()
        .find(|(_, _, _, tag)| tag == req.channel)
        .map(|(d, _, _, _)| d[overlays.len()..].to_string());
    let target = match existing {
        Some(name) => name,
        None => {
            let with_url: Vec<String> = in_overlays
                .iter()
                .map(|(d, _, _, _)| d[overlays.len()..].to_string())
                .collect();
            let Some(src) = nearest(&with_url, req.channel) else {
                return Err(format!(
                    "no overlay under {overlays} names the release manifest"
                ));
            };
            let src_dir = format!("{overlays}{src}");
            let new_dir = format!("{overlays}{}", req.channel);
            if repo.keys().any(|k| k.starts_with(&format!("{new_dir}/"))) {
                return Err(format!(
                    "{new_dir} exists but does not install {}; move it away or choose --path",
                    req.channel
                ));
            }
            for (k, text) in repo
                .iter()
                .filter(|(k, _)| k.starts_with(&format!("{src_dir}/")))
            {
                let old_tag = in_overlays
                    .iter()
                    .find(|(_, f, _, _)| f == k)
                    .map(|(_, _, _, t)| t.clone());
                let t = match old_tag {
                    Some(tag) => text.replace(
                        &format!("{prefix}{tag}{suffix}"),
                        &format!("{prefix}{}{suffix}", req.channel),
                    ),
                    None => text.clone(),
                };
                changes.push(Change {
                    path: format!("{new_dir}/{}", &k[src_dir.len() + 1..]),
                    before: None,
                    after: t,
                });
            }
            req.channel.to_string()
        }
    };
    finish(repo, req, &overlays, &names, &target, changes)
}

fn replace_list_item(text: &str, line: usize, new: &str) -> String {
    let mut out = String::new();
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i == line {
            let dash = l.find("- ").unwrap_or(0);
            let eol = if l.ends_with("\r\n") {
                "\r\n"
            } else if l.ends_with('\n') {
                "\n"
            } else {
                ""
            };
            let body = l.trim_end_matches(['\r', '\n']);
            let item = &body[dash + 2..];
            let comment = item.find(" #").map(|i| &item[i..]).unwrap_or("");
            let old = item[..item.len() - comment.len()].trim_end();
            let quoted = match old.chars().next() {
                Some('\'') => format!("'{new}'"),
                Some('"') => format!("\"{new}\""),
                _ => new.to_string(),
            };
            out.push_str(&format!("{}- {quoted}{comment}{eol}", &body[..dash]));
        } else {
            out.push_str(l);
        }
    }
    out
}

/// The operator's entry under `spec.operators` (or a top-level `operators`) of a solution
/// spec, by catalog name or OLM package.
fn solution_entry<'v>(v: &'v Value, op: &Operator) -> Option<&'v Value> {
    v.get("spec")
        .and_then(|s| s.get("operators"))
        .or_else(|| v.get("operators"))?
        .as_array()?
        .iter()
        .find(|o| names(yaml::str_at(o, &["name"]), op))
}

/// Whether a solution spec's operator `name` means this operator (catalog name or package).
fn names(n: &str, op: &Operator) -> bool {
    n == op.name || (op.is_olm() && n == op.package)
}

/// Whether a solution spec lists the operator.
pub fn solution_lists(text: &str, op: &Operator) -> bool {
    yaml::parse_one(text)
        .ok()
        .is_some_and(|v| solution_entry(&v, op).is_some())
}

/// Updates `channel:` of the operator's entry under `operators:` in a solution spec, or adds
/// it under the entry's `name:` when the entry had none (it was on the default channel).
/// `None` when the entry is already on the channel or the spec has no entry for it.
pub fn bump_solution(text: &str, op: &Operator, channel: &str) -> Option<String> {
    let v: Value = yaml::parse_one(text).ok()?;
    let entry = solution_entry(&v, op)?;
    let current = match yaml::str_at(entry, &["channel"]) {
        "" => op.default_channel.as_str(),
        c => c,
    };
    if current == channel {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| {
        let t = l.trim_start().trim_start_matches("- ");
        t.starts_with("name:") && { names(&unquote(scalar_after_colon(t).unwrap_or("")), op) }
    })?;
    let item_indent = lines[start]
        .find(|c: char| c != ' ' && c != '-')
        .unwrap_or(0);
    let item_top = (0..=start)
        .rev()
        .find(|&j| lines[j].trim_start().starts_with("- "))?;
    let mut j = item_top;
    while j < lines.len() {
        if j > item_top
            && lines[j].trim_start().starts_with("- ")
            && lines[j].find('-') <= lines[item_top].find('-')
        {
            break;
        }
        let t = lines[j].trim_start().trim_start_matches("- ");
        let ind = lines[j].find(|c: char| c != ' ' && c != '-').unwrap_or(0);
        if t.starts_with("channel:") && ind == item_indent {
            return Some(replace_line_value(text, j, channel));
        }
        j += 1;
    }
    // No `channel:` in the entry: add one after its `name:`, at the same indentation.
    let indent = " ".repeat(item_indent);
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let quoted = replace_line_value("channel: x", 0, channel);
    let mut out = String::with_capacity(text.len() + 32);
    for (i, l) in text.split_inclusive('\n').enumerate() {
        out.push_str(l);
        if i == start {
            if !l.ends_with('\n') {
                out.push_str(eol);
            }
            out.push_str(&format!("{indent}{}{eol}", quoted.trim_end()));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_channel_in_json_patch_and_smp() {
        let jp = "- op: replace\n  path: /spec/channel\n  value: 'stable-2.5' # pinned\n";
        assert_eq!(
            find_setting(jp, "channel"),
            Some(Setting {
                line: 2,
                value: "stable-2.5".into()
            })
        );
        let jp2 = "- op: replace\n  value: x\n  path: \"/spec/channel\"\n";
        assert_eq!(find_setting(jp2, "channel").unwrap().value, "x");
        let smp = "apiVersion: operators.coreos.com/v1alpha1\nkind: Subscription\nspec:\n  channel: v3.5\n";
        assert_eq!(find_setting(smp, "channel").unwrap().line, 3);
    }

    #[test]
    fn value_replacement_keeps_style() {
        let t = "a: 1\n  value: 'stable-2.5' # pinned\nz: 2\n";
        assert_eq!(
            replace_line_value(t, 1, "stable-2.6"),
            "a: 1\n  value: 'stable-2.6' # pinned\nz: 2\n"
        );
        assert_eq!(
            replace_line_value("  channel: v3.5\r\n", 0, "v3.6"),
            "  channel: v3.6\r\n"
        );
        // A channel that would read as a number gets quotes.
        assert_eq!(
            replace_line_value("channel: v5\n", 0, "1.10"),
            "channel: '1.10'\n"
        );
    }

    #[test]
    fn solution_channel_is_updated_in_place() {
        let op = super::super::find("ibm-mq").unwrap();
        let text = "spec:\n  operators:\n    # messaging\n    - name: ibm-mq\n      channel: v3.1   # keep\n    - name: strimzi\n      channel: stable\n";
        let out = bump_solution(text, op, "v3.2-sc2").unwrap();
        assert_eq!(out, text.replace("v3.1   # keep", "v3.2-sc2   # keep"));
    }
}
