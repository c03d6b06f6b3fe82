//! manifesto: GitOps tooling for event-driven solutions on Kubernetes.
//! The library never prints; it reaches the network only to fetch remote kustomize bases
//! (`kustomize::load::remote`).

pub mod catalog;
pub mod cluster;
pub mod diag;
pub mod kustomize;
pub mod lint;
pub mod names;
pub mod scaffold;
pub mod seal;
pub mod write;
pub mod yaml;

pub use kustomize::{BuildOptions, Error, Rendered, Reorder, build};
