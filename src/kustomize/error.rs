//! Errors of the render library: typed, each naming the file or resource at fault.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{file}: {msg}")]
    Kustomization { file: String, msg: String },
    #[error("not supported yet: {field} ({file})")]
    NotSupported { field: String, file: String },
    #[error("{}: line {line}: {msg}", file.display())]
    Yaml {
        file: PathBuf,
        line: usize,
        msg: String,
    },
    #[error("{}: {msg}", file.display())]
    Load { file: PathBuf, msg: String },
    #[error("{id}: {msg}")]
    Resource { id: String, msg: String },
    #[error("{0}")]
    Msg(String),
}

impl Error {
    pub fn msg(m: impl Into<String>) -> Error {
        Error::Msg(m.into())
    }
}

pub type Result<T> = std::result::Result<T, Error>;
