//! JSON output: every finding (suppressed ones flagged with their reason), the rules
//! that ran and the summary counts; stable key order.

use crate::lint::Report;
use serde_json::json;

pub fn render(report: &Report) -> String {
    use crate::diag::Severity::*;
    let findings: Vec<_> = report
        .findings
        .iter()
        .map(|f| {
            let mut v = serde_json::to_value(f).expect("findings serialise");
            v["ruleId"] = json!(f.rule().id);
            v
        })
        .collect();
    let v = json!({
        "version": 1,
        "summary": {
            "kustomizations": report.folders.len(),
            "errors": report.count(Error),
            "warnings": report.count(Warning),
            "info": report.count(Info),
            "suppressed": report.findings.len() - report.active().count(),
        },
        "rules": report.rules.iter().map(|r| json!({"id": r.id, "name": r.name, "severity": r.severity})).collect::<Vec<_>>(),
        "findings": findings,
    });
    let mut s = serde_json::to_string_pretty(&v).expect("json serialises");
    s.push('\n');
    s
}
