//! manifesto: GitOps tooling for event-driven solutions on Kubernetes.
//! The library never prints and never touches the network.

pub mod build;
pub mod catalog;
pub mod error;
pub mod fieldspec;
pub mod fs;
pub mod kustomization;
pub mod load;
pub mod names;
pub mod resid;
pub mod resource;
pub mod scaffold;
pub mod seal;
pub mod transforms;
pub mod write;
pub mod yaml;

pub use build::{BuildOptions, Rendered, Reorder, build};
pub use error::Error;
