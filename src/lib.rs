//! manifesto: GitOps tooling for event-driven solutions on Kubernetes.
//! The library never prints and never touches the network.

pub mod catalog;
pub mod kustomize;
pub mod names;
pub mod scaffold;
pub mod seal;
pub mod write;
pub mod yaml;

pub use kustomize::{BuildOptions, Error, Rendered, Reorder, build};
