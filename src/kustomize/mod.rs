//! The render engine, a pipeline like kustomize's: load (`load/`: roots, restrictions,
//! files) → resource map (`resmap/`: objects and their ids) → transforms (`transforms/`,
//! one file per field, in the order `target.rs` lists) → emit (`crate::yaml`'s writer).
//! `types/` is the kustomization file's model. Nothing here writes files or prints.

pub mod error;
pub mod fieldspec;
pub mod load;
pub mod resmap;
pub mod target;
pub mod transforms;
pub mod types;

pub use error::Error;
pub use target::{BuildOptions, Rendered, Reorder, build};
