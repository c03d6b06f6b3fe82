//! SARIF 2.1.0 output as GitHub code scanning reads it: the rules with their short and
//! full descriptions and help, results with ruleId, level, message and a physical
//! location (root-relative URI, startLine ≥ 1). Suppressed findings carry a SARIF
//! suppression, so they stay visible but do not alert.

use crate::diag::Severity;
use crate::lint::{RULES, Report};
use serde_json::{Value, json};

pub fn render(report: &Report) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.help},
                "help": {"text": r.help},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"tags": ["kubernetes", "gitops"]},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let rule = f.rule();
            let mut text = String::new();
            for part in [&f.diag.resource, &f.diag.field].into_iter().flatten() {
                text.push_str(part);
                text.push_str(": ");
            }
            text.push_str(&f.diag.message);
            let mut r = json!({
                "ruleId": rule.id,
                "ruleIndex": RULES.iter().position(|x| x.id == rule.id),
                "level": level(f.diag.severity),
                "message": {"text": text},
            });
            if let Some(file) = &f.diag.file {
                r["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": {"uri": file, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.diag.line.unwrap_or(1).max(1)},
                    }
                }]);
            }
            if let Some(reason) = &f.suppressed {
                r["suppressions"] = json!([{"kind": "inSource", "justification": reason}]);
            }
            r
        })
        .collect();
    let v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "manifesto",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&v).expect("sarif serialises");
    s.push('\n');
    s
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}
