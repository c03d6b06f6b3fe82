//! Diff stage, pure: turns object verdicts into what `manifesto diff` prints: unified
//! diffs (coloured or plain), a summary by kind, JSON, Markdown for a pull request. Must
//! not print (cli/diff.rs does) and never sees unmasked Secret values unless the user
//! asked for them (diff.rs masks before this).

use super::diff::{Change, ObjectDiff};
use crate::yaml::{Value, emit};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// kubectl diff's file name for an object: `group.version.Kind.namespace.name`.
pub fn file_name(d: &ObjectDiff) -> String {
    let gv = d.api_version.replace('/', ".");
    let mut s = format!("{gv}.{}", d.key.kind);
    if !d.key.namespace.is_empty() {
        s.push('.');
        s.push_str(&d.key.namespace);
    }
    s.push('.');
    s.push_str(&d.key.name);
    s
}

fn yaml_of(v: &Option<Value>) -> String {
    match v {
        Some(v) => emit::to_yaml(v),
        None => String::new(),
    }
}

/// The live and predicted objects as YAML text (empty where absent).
pub fn texts(d: &ObjectDiff) -> (String, String) {
    (yaml_of(&d.live), yaml_of(&d.predicted))
}

/// A unified diff of one object (empty when nothing changes).
pub fn unified(d: &ObjectDiff, color: bool) -> String {
    if d.change == Change::Unchanged {
        return String::new();
    }
    let (a, b) = texts(d);
    let name = file_name(d);
    let diff = similar::TextDiff::from_lines(&a, &b);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("live/{name}"), &format!("desired/{name}"))
        .to_string();
    if !color {
        return text;
    }
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let code = if line.starts_with("---") || line.starts_with("+++") {
            "1"
        } else if line.starts_with('-') {
            "31"
        } else if line.starts_with('+') {
            "32"
        } else if line.starts_with("@@") {
            "36"
        } else {
            ""
        };
        if code.is_empty() {
            out.push_str(line);
        } else {
            let body = line.strip_suffix('\n').unwrap_or(line);
            let _ = write!(out, "\x1b[{code}m{body}\x1b[0m");
            if line.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    out
}

/// Counts by kind: create, update, delete, unchanged.
pub fn counts(diffs: &[ObjectDiff]) -> BTreeMap<String, [usize; 4]> {
    let mut by: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    for d in diffs {
        by.entry(d.key.group_kind()).or_default()[d.change as usize] += 1;
    }
    by
}

/// The summary table (`--summary`).
pub fn summary(diffs: &[ObjectDiff]) -> String {
    let by = counts(diffs);
    let width = by.keys().map(String::len).max().unwrap_or(4).max(5);
    let mut out = format!(
        "{:<width$}  {:>6}  {:>6}  {:>6}  {:>9}\n",
        "KIND", "CREATE", "UPDATE", "DELETE", "UNCHANGED"
    );
    let mut total = [0usize; 4];
    for (kind, c) in &by {
        let _ = writeln!(
            out,
            "{kind:<width$}  {:>6}  {:>6}  {:>6}  {:>9}",
            c[0], c[1], c[2], c[3]
        );
        for i in 0..4 {
            total[i] += c[i];
        }
    }
    let _ = writeln!(
        out,
        "{:<width$}  {:>6}  {:>6}  {:>6}  {:>9}",
        "total", total[0], total[1], total[2], total[3]
    );
    out
}

/// `-o json`: one entry per object, with its field changes.
pub fn json(diffs: &[ObjectDiff]) -> String {
    let items: Vec<Value> = diffs
        .iter()
        .map(|d| {
            serde_json::json!({
                "apiVersion": d.api_version,
                "kind": d.key.kind,
                "namespace": d.key.namespace,
                "name": d.key.name,
                "change": d.change.as_str(),
                "ignoredChanges": d.ignored,
                "fields": d.fields.iter().map(|f| serde_json::json!({
                    "path": f.path,
                    "old": f.old,
                    "new": f.new,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&serde_json::json!({ "objects": items }))
        .expect("values serialise");
    s.push('\n');
    s
}

/// `-o markdown`: a summary table and one folded diff per changed object.
pub fn markdown(diffs: &[ObjectDiff]) -> String {
    let changed = diffs
        .iter()
        .filter(|d| d.change != Change::Unchanged)
        .count();
    let mut out = format!(
        "### manifesto diff: {changed} of {} objects change\n\n",
        diffs.len()
    );
    out.push_str("| kind | create | update | delete | unchanged |\n|---|---:|---:|---:|---:|\n");
    for (kind, c) in counts(diffs) {
        let _ = writeln!(
            out,
            "| {kind} | {} | {} | {} | {} |",
            c[0], c[1], c[2], c[3]
        );
    }
    for d in diffs.iter().filter(|d| d.change != Change::Unchanged) {
        let body = unified(d, false).replace("```", "` ` `");
        let _ = write!(
            out,
            "\n<details><summary>{} <code>{}</code></summary>\n\n```diff\n{body}```\n\n</details>\n",
            d.change.as_str(),
            d.key
        );
    }
    out
}
