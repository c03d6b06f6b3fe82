//! Resource map stage: one object with kustomize's bookkeeping (`resource`) and its
//! identity (`resid`). Must not read files.

pub mod resid;
pub mod resource;
