//! Commands: thin wiring from the command line to the library. Each prints its own output.

pub mod build;
pub mod catalog;
pub mod scaffold;
pub mod seal;

/// Prints a unified diff of one file for `--dry-run`; a new file diffs against /dev/null.
pub fn print_diff(path: &str, before: Option<&str>, after: &str) {
    let diff = similar::TextDiff::from_lines(before.unwrap_or(""), after);
    let old = if before.is_some() {
        format!("a/{path}")
    } else {
        "/dev/null".into()
    };
    print!(
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .header(&old, &format!("b/{path}"))
    );
}
