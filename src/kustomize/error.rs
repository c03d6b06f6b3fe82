//! Errors of the render library: typed, each naming the file or resource at fault. They
//! print as the `Diagnostic` they become (`crate::diag`), the one report type of all stages.

use crate::diag::Diagnostic;
use std::path::PathBuf;

#[derive(Debug)]
pub enum Error {
    /// A kustomization (or plugin config) file is at fault.
    Kustomization {
        file: String,
        msg: String,
    },
    /// A field the engine does not render yet.
    NotSupported {
        field: String,
        file: String,
    },
    /// A file does not parse as YAML, at this line.
    Yaml {
        file: PathBuf,
        line: usize,
        msg: String,
    },
    /// A file cannot be read (missing, outside the root, not UTF-8...).
    Load {
        file: PathBuf,
        msg: String,
    },
    /// An object is at fault (by its id).
    Resource {
        id: String,
        msg: String,
    },
    Msg(String),
}

impl Error {
    pub fn msg(m: impl Into<String>) -> Error {
        Error::Msg(m.into())
    }

    /// This error as a diagnostic: file, line and object where known.
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            Error::Kustomization { file, msg } => {
                Diagnostic::error(msg.clone()).in_file(file.clone())
            }
            Error::NotSupported { field, file } => {
                Diagnostic::error(format!("not supported yet: {field}")).in_file(file.clone())
            }
            Error::Yaml { file, line, msg } => Diagnostic::error(msg.clone())
                .in_file(file.display().to_string())
                .at_line(Some(*line)),
            Error::Load { file, msg } => {
                Diagnostic::error(msg.clone()).in_file(file.display().to_string())
            }
            Error::Resource { id, msg } => Diagnostic::error(msg.clone()).for_resource(id.clone()),
            Error::Msg(msg) => Diagnostic::error(msg.clone()),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.diagnostic().fmt(f)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
