//! Commands: thin wiring from the command line to the library, one file per command; each
//! prints its own output. Must not hold logic the library could test.

/// `println!` that returns the write error instead of panicking, so a closed pipe
/// (`manifesto ... | head -1`) ends the command quietly.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($t)*)
    }};
}
/// `print!` likewise.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($t)*)
    }};
}
pub(crate) use {out, outln};

pub mod apply;
pub mod build;
pub mod catalog;
pub mod cluster;
pub mod diff;
pub mod docs;
pub mod lint;
pub mod scaffold;
pub mod seal;

/// Prints a unified diff of one file for `--dry-run`; a new file diffs against /dev/null.
pub fn print_diff(path: &str, before: Option<&str>, after: &str) -> std::io::Result<()> {
    let diff = similar::TextDiff::from_lines(before.unwrap_or(""), after);
    let old = if before.is_some() {
        format!("a/{path}")
    } else {
        "/dev/null".into()
    };
    out!(
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .header(&old, &format!("b/{path}"))
    )
}

/// Reads an input file named on the command line: regular files only (a FIFO or device is
/// refused rather than read forever), at most `cap` bytes.
pub fn read_capped(path: &std::path::Path, cap: u64) -> anyhow::Result<Vec<u8>> {
    manifesto::write::read_regular(path, cap)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// `read_capped` with the general input limit.
pub fn read_input(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    read_capped(path, manifesto::write::MAX_INPUT)
}

/// `read_input` as UTF-8 text.
pub fn read_text(path: &std::path::Path) -> anyhow::Result<String> {
    String::from_utf8(read_input(path)?)
        .map_err(|_| anyhow::anyhow!("{}: is not valid UTF-8", path.display()))
}

/// Certificates and keys are small; a cap keeps `--cert /dev/zero`-like mistakes cheap.
pub const MAX_PEM: u64 = 1024 * 1024;

/// Before a command reads a folder it will write: a real run finishes a write a crash
/// interrupted there (saying so), a dry run only says one is pending (it must not write).
pub fn finish_interrupted(root: &std::path::Path, dry_run: bool, what: &str) -> anyhow::Result<()> {
    if dry_run {
        if manifesto::write::pending(root) {
            eprintln!(
                "note: an interrupted earlier {what} is pending in {}; a run without --dry-run completes it first",
                root.display()
            );
        }
    } else {
        let r = manifesto::write::recover(root)?;
        if r.completed > 0 {
            eprintln!(
                "completed an interrupted earlier {what} ({} file(s))",
                r.completed
            );
        }
    }
    Ok(())
}
