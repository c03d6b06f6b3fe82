//! Scaffold: from a validated solution spec, the files of a complete GitOps repo (Argo CD
//! bootstrap, per-environment overlays, operands, apps, sealed secrets). Generation is pure
//! and returns files; the command layer decides what to write.

pub mod generate;
pub mod spec;
pub mod templates;

pub use generate::{Generated, Options, generate};
