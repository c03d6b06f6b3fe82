//! Links the `manifesto` binary as a non-PIE executable: a position-independent one spends
//! most of a short run's start-up applying ~37,000 relative relocations, copying ~175 pages
//! of relocated read-only data (each a page fault). A fixed-address executable has them
//! resolved at link time. Only the binary is affected (not tests, examples or the library).
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
