//! Build step, not part of any run: links the `manifesto` binary as a non-PIE executable,
//! and turns the built-in field-spec tables (a reviewed TSV file) into static Rust data.
//!
//! Non-PIE: a position-independent executable spends most of a short run's start-up
//! applying ~37,000 relative relocations, copying ~175 pages of relocated read-only data
//! (each a page fault). A fixed-address executable has them resolved at link time. Only the
//! binary is affected (not tests, examples or the library).
//!
//! Tables: parsing the TSV at run time cost a third of a small build's instructions
//! (splitting 300 lines); as static rows, start-up only builds the owned specs.
use std::fmt::Write as _;

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");

    let tsv = "src/kustomize/builtin/fieldspecs.tsv";
    println!("cargo:rerun-if-changed={tsv}");
    let text = std::fs::read_to_string(tsv).unwrap_or_else(|e| panic!("{tsv}: {e}"));
    let mut out = String::from("&[\n");
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let c: Vec<&str> = line.split('\t').collect();
        assert!(
            c.len() == 7,
            "{tsv}:{}: expected 7 tab-separated columns, found {}",
            n + 1,
            c.len()
        );
        let d = |s: &str| if s == "-" { "" } else { s }.to_string();
        assert!(
            matches!(c[6], "create" | "-"),
            "{tsv}:{}: the create column is `create` or `-`",
            n + 1
        );
        writeln!(
            out,
            "    ({:?}, {:?}, {:?}, {:?}, {:?}, {:?}, {}),",
            c[0],
            c[1],
            d(c[2]),
            d(c[3]),
            d(c[4]),
            c[5],
            c[6] == "create"
        )
        .unwrap();
    }
    out.push_str("]\n");
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("fieldspecs.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}
