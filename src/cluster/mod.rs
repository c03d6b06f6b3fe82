//! The cluster side of manifesto: diffing desired objects against live ones, and (in
//! `client`) the only code that talks to a Kubernetes API server. Everything but the
//! client is pure: normalising, comparing, ignore rules, reports, snapshots.

pub mod apply;
pub mod client;
pub mod compare;
pub mod diff;
pub mod ignore;
pub mod normalize;
pub mod report;
pub mod requests;
pub mod scope;
pub mod snapshot;
pub mod values;
