//! Commands: thin wiring from the command line to the library. Each prints its own output.

pub mod build;
pub mod catalog;
pub mod scaffold;
pub mod seal;
