//! JUnit XML output as GitLab and Jenkins read it: one testsuite, one testcase per
//! kustomization and rule (classname the folder, name the rule), failed by the findings
//! of that rule in that folder's render. Repository-wide findings (no folder) sit under
//! the classname `(repository)`. The `file` attribute is left out: the Jenkins schema
//! refuses it; the file and line are in the failure text.

use crate::lint::Report;

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => o.push('?'),
            c => o.push(c),
        }
    }
    o
}

pub fn render(report: &Report) -> String {
    let mut classes: Vec<String> = report.folders.clone();
    let mut repo_level = false;
    for f in report.active() {
        if f.kustomizations.is_empty() {
            repo_level = true;
        }
    }
    if repo_level {
        classes.push("(repository)".into());
    }
    let mut cases = String::new();
    let (mut tests, mut failures) = (0, 0);
    for class in &classes {
        for rule in &report.rules {
            tests += 1;
            let hits: Vec<_> = report
                .active()
                .filter(|f| f.diag.rule == Some(rule.name))
                .filter(|f| {
                    if class == "(repository)" {
                        f.kustomizations.is_empty()
                    } else {
                        f.kustomizations.contains(class)
                    }
                })
                .collect();
            cases.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{} {}\" time=\"0\"",
                esc(class),
                rule.id,
                rule.name
            ));
            if hits.is_empty() {
                cases.push_str("/>\n");
                continue;
            }
            failures += 1;
            let body: Vec<String> = hits.iter().map(|f| esc(&f.diag.render())).collect();
            cases.push_str(&format!(
                ">\n      <failure message=\"{} finding(s)\" type=\"{}\">{}</failure>\n    </testcase>\n",
                hits.len(),
                rule.name,
                body.join("\n")
            ));
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"manifesto lint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">\n  <testsuite name=\"manifesto lint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0\">\n{cases}  </testsuite>\n</testsuites>\n"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_carry() {
        assert_eq!(
            super::esc("<a href=\"x\">&'\u{1}\n"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;?\n"
        );
    }
}
