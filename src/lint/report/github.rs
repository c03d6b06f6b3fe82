//! GitHub Actions workflow commands: `::error file=…,line=…,title=…::message`, escaped as
//! the Actions toolkit escapes them (@actions/core command.ts: data `%` `\r` `\n`;
//! properties also `:` `,`). GitHub shows 10 annotations of each type per step; past
//! that, one summary line says how many were left out.

use crate::diag::Severity;
use crate::lint::Report;

const LIMIT: usize = 10;

fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let mut shown = [0usize; 3];
    let mut left = [0usize; 3];
    for f in report.active() {
        let (i, cmd) = match f.diag.severity {
            Severity::Error => (0, "error"),
            Severity::Warning => (1, "warning"),
            Severity::Info => (2, "notice"),
        };
        if shown[i] == LIMIT {
            left[i] += 1;
            continue;
        }
        shown[i] += 1;
        let mut props = Vec::new();
        if let Some(file) = &f.diag.file {
            props.push(format!("file={}", property(file)));
            if let Some(l) = f.diag.line.filter(|&l| l > 0) {
                props.push(format!("line={l}"));
            }
        }
        props.push(format!(
            "title={}",
            property(&format!("{} {}", f.rule().id, f.rule().name))
        ));
        let mut msg = String::new();
        for part in [&f.diag.resource, &f.diag.field].into_iter().flatten() {
            msg.push_str(part);
            msg.push_str(": ");
        }
        msg.push_str(&f.diag.message);
        out.push_str(&format!("::{cmd} {}::{}\n", props.join(","), data(&msg)));
    }
    if left.iter().any(|&n| n > 0) {
        out.push_str(&format!(
            "manifesto lint: {} error(s), {} warning(s) and {} notice(s) more than GitHub annotates (10 of each type per step); the text or SARIF report lists all\n",
            left[0], left[1], left[2]
        ));
    }
    out.push_str(&super::summary(report));
    out.push('\n');
    out
}
