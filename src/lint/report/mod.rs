//! Lint output: one renderer per format, each a pure function of the report to text
//! (text grouped by file, JSON, SARIF 2.1.0, JUnit XML, GitHub workflow commands).
//! Writing the text somewhere is the command's job.

mod github;
mod json;
mod junit;
mod sarif;
mod text;

use super::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Junit,
    Github,
}

/// Renders a report; `color` only affects `text`.
pub fn render(report: &Report, format: Format, color: bool) -> String {
    match format {
        Format::Text => text::render(report, color),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Junit => junit::render(report),
        Format::Github => github::render(report),
    }
}

/// The counting (unsuppressed) findings' summary line.
pub fn summary(report: &Report) -> String {
    use crate::diag::Severity::*;
    let (e, w, i) = (
        report.count(Error),
        report.count(Warning),
        report.count(Info),
    );
    let suppressed = report.findings.len() - report.active().count();
    let mut s = format!(
        "{} kustomization(s) linted: {e} error(s), {w} warning(s)",
        report.folders.len()
    );
    if i > 0 {
        s.push_str(&format!(", {i} info"));
    }
    if suppressed > 0 {
        s.push_str(&format!(", {suppressed} suppressed"));
    }
    s
}
