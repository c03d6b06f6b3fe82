//! Text output: findings grouped by file, one line each (`line: severity rule: object:
//! field: message`), coloured on a terminal, and a summary line.

use crate::diag::Severity;
use crate::lint::Report;

pub fn render(report: &Report, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    let mut current: Option<Option<&str>> = None;
    for f in report.active() {
        let file = f.diag.file.as_deref();
        if current != Some(file) {
            if current.is_some() {
                out.push('\n');
            }
            out.push_str(&paint("1", file.unwrap_or("(repository)")));
            out.push('\n');
            current = Some(file);
        }
        let sev = match f.diag.severity {
            Severity::Error => paint("31", "error"),
            Severity::Warning => paint("33", "warning"),
            Severity::Info => paint("36", "info"),
        };
        let line = f
            .diag
            .line
            .map(|l| format!("{l:>4}"))
            .unwrap_or_else(|| "   -".into());
        let mut msg = String::new();
        for part in [&f.diag.resource, &f.diag.field].into_iter().flatten() {
            msg.push_str(part);
            msg.push_str(": ");
        }
        msg.push_str(&f.diag.message);
        out.push_str(&format!("{line}  {sev} {}: {msg}\n", f.rule().name));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&super::summary(report));
    out.push('\n');
    out
}
