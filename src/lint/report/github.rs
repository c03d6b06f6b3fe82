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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Diagnostic;
    use crate::lint::Finding;

    fn finding(sev: Severity, file: &str, msg: &str) -> Finding {
        let mut d = Diagnostic::error(msg).in_file(file).at_line(Some(3));
        d.severity = sev;
        d.rule = Some("schema");
        Finding {
            diag: d,
            kustomizations: vec![".".into()],
            suppressed: None,
        }
    }

    #[test]
    fn escapes_as_the_toolkit_and_stops_at_ten_of_a_kind() {
        assert_eq!(data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
        let mut findings: Vec<Finding> = (0..12)
            .map(|i| finding(Severity::Error, "a,b.yaml", &format!("e{i}\nx")))
            .collect();
        findings.push(finding(Severity::Warning, "w.yaml", "w"));
        let report = Report {
            root: "/r".into(),
            findings,
            folders: vec![".".into()],
            rules: vec![crate::lint::rule::named("schema")],
        };
        let out = render(&report);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "::error file=a%2Cb.yaml,line=3,title=MF002 schema::e0%0Ax"
        );
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("::error ")).count(),
            10
        );
        assert_eq!(
            lines[10],
            "::warning file=w.yaml,line=3,title=MF002 schema::w"
        );
        assert!(lines[11].starts_with("manifesto lint: 2 error(s), 0 warning(s) and 0 notice(s) more than GitHub annotates"), "{out}");
    }
}
