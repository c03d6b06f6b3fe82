//! One problem report for every stage: build errors, spec validation and (later) lint
//! findings are all a `Diagnostic`, so every command prints, counts and serialises them the
//! same way. Pure data: nothing here reads files or prints.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// A problem, located as precisely as the stage that found it can: the file, the line in
/// it, the object (`Kind.version.group/name.namespace`), the field path, and the rule that
/// found it (lint's rule id; `None` for a build or spec error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    pub severity: Severity,
    pub message: String,
}

impl Diagnostic {
    /// An error with only a message.
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: None,
            line: None,
            resource: None,
            field: None,
            rule: None,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Diagnostic {
        self.file = Some(file.into());
        self
    }

    pub fn at_line(mut self, line: Option<usize>) -> Diagnostic {
        self.line = line;
        self
    }

    pub fn for_resource(mut self, id: impl Into<String>) -> Diagnostic {
        self.resource = Some(id.into());
        self
    }

    pub fn at_field(mut self, path: impl Into<String>) -> Diagnostic {
        self.field = Some(path.into());
        self
    }

    /// The one-line form, as compilers print it: `file:line: object: field: message`
    /// (each part only when known), so editors and CI annotations can jump to it.
    pub fn render(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        match (&self.file, self.line) {
            (Some(file), Some(line)) => {
                write!(f, "{file}:{line}")?;
                sep = ": ";
            }
            (Some(file), None) => {
                write!(f, "{file}")?;
                sep = ": ";
            }
            (None, Some(line)) => {
                write!(f, "line {line}")?;
                sep = ": ";
            }
            (None, None) => {}
        }
        for part in [&self.resource, &self.field].into_iter().flatten() {
            write!(f, "{sep}{part}")?;
            sep = ": ";
        }
        write!(f, "{sep}{}", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_known_part_in_order() {
        let d = Diagnostic::error("must be a string")
            .in_file("solution.yaml")
            .at_line(Some(12))
            .at_field("spec.kafka.version");
        assert_eq!(
            d.render(),
            "solution.yaml:12: spec.kafka.version: must be a string"
        );
        let d =
            Diagnostic::error("no resource matches").for_resource("Deployment.v1.apps/web.[noNs]");
        assert_eq!(
            d.render(),
            "Deployment.v1.apps/web.[noNs]: no resource matches"
        );
        assert_eq!(Diagnostic::error("plain").render(), "plain");
        assert_eq!(
            Diagnostic::error("x").in_file("k.yaml").render(),
            "k.yaml: x"
        );
    }

    #[test]
    fn serialises_only_what_is_known() {
        let d = Diagnostic::error("bad").in_file("a.yaml").at_line(Some(3));
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"file":"a.yaml","line":3,"severity":"error","message":"bad"}"#
        );
    }
}
