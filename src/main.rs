//! The `manifesto` binary: parses the command line, runs one command, maps errors to exit
//! codes (0 ok, 1 differences or findings, 2 errors). Prints errors as `{:#}`.

mod cli;

use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "manifesto",
    version,
    about = "GitOps repos for event-driven solutions: render, catalog, scaffold, seal"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// A local catalog folder (DIR/operators/<name>.yaml) adding or replacing built-in
    /// entries; repeatable. A repo's own catalog/operators/ is used without it.
    #[arg(long = "catalog", global = true, value_name = "DIR")]
    catalog: Vec<std::path::PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a solution's GitOps repo from solution.yaml (or a built-in example)
    Scaffold(cli::scaffold::ScaffoldArgs),
    /// Write a commented starter solution.yaml
    Init(cli::scaffold::InitArgs),
    /// Print the JSON Schema of solution.yaml
    Schema,
    /// Render a kustomization directory, byte-for-byte as kustomize v5.5.0
    Build(cli::build::Args),
    /// Compare desired objects with a cluster or an offline snapshot (exit 1: differences)
    Diff(cli::diff::Args),
    /// Lint a repository: build every kustomization, check schemas, Argo CD and Kafka wiring (exit 1: findings)
    Lint(cli::lint::Args),
    /// Server-side apply a kustomization or manifests (Namespaces and CRDs first)
    Apply(cli::apply::Args),
    /// Apply a scaffolded repo's bootstrap/ and wait until its operators are installed
    Bootstrap(cli::apply::BootstrapArgs),
    /// The built-in operator catalog: list, show, render, bump
    #[command(subcommand)]
    Catalog(cli::catalog::Cmd),
    /// Seal a Secret for the Bitnami sealed-secrets controller (kubeseal-compatible)
    Seal(cli::seal::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(cli::docs::CompletionsArgs),
    /// Print the man page (roff), or write one page per command into a folder
    Man(cli::docs::ManArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // The command runs on one thread while main waits: one malloc arena is enough, and
    // not creating a second one saves a fifth of a small build's time. Lint builds on a
    // thread per core, which would all queue on that one arena's lock (glibc fixes the
    // arena limit when the first thread allocates, so this is decided here).
    if !matches!(cli.command, Command::Lint(_)) {
        // SAFETY: mallopt only sets an allocator parameter; called before any other thread.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
    }
    // The reader, transforms and writer recurse once per nesting level, and kustomize
    // accepts documents 10,000 levels deep: run on a thread with room for that.
    let cli = std::sync::Arc::new(cli);
    let on_thread = std::sync::Arc::clone(&cli);
    let result = match std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || run(&on_thread))
    {
        Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
        // Where the address space cannot be reserved (strict overcommit), run here with
        // the main thread's stack: only the very deepest documents need more.
        Err(_) => run(&cli),
    };
    finish(result)
}

/// The local catalog folders for this command: `--catalog` ones, then the `catalog/`
/// folder of the repo the command works on when it holds `operators/`.
fn catalog_dirs(cli: &Cli) -> Vec<std::path::PathBuf> {
    use std::path::{Path, PathBuf};
    let roots: Vec<PathBuf> = match &cli.command {
        Command::Scaffold(a) => vec![
            a.file
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf(),
            a.out.clone(),
        ],
        Command::Lint(a) => vec![a.path.clone()],
        Command::Catalog(c) => vec![c.repo().to_path_buf()],
        _ => Vec::new(),
    };
    let mut dirs = cli.catalog.clone();
    for r in roots {
        let own = r.join("catalog");
        let canon = |p: &Path| std::fs::canonicalize(p).ok();
        if own.join("operators").is_dir() && !dirs.iter().any(|d| canon(d) == canon(&own)) {
            dirs.push(own);
        }
    }
    dirs
}

fn run(cli: &Cli) -> anyhow::Result<i32> {
    if !matches!(cli.command, Command::Build(_)) {
        manifesto::catalog::activate(&catalog_dirs(cli)).map_err(anyhow::Error::msg)?;
    }
    match &cli.command {
        Command::Build(a) => cli::build::run(a),
        Command::Diff(a) => cli::diff::run(a),
        Command::Lint(a) => cli::lint::run(a),
        Command::Apply(a) => cli::apply::run(a),
        Command::Bootstrap(a) => cli::apply::bootstrap(a),
        Command::Seal(a) => cli::seal::run(a),
        Command::Catalog(c) => cli::catalog::run(c),
        Command::Scaffold(a) => cli::scaffold::run(a),
        Command::Init(a) => cli::scaffold::init(a),
        Command::Schema => cli::scaffold::schema(),
        Command::Completions(a) => cli::docs::completions(a, Cli::command()),
        Command::Man(a) => cli::docs::man(a, Cli::command()),
    }
}

fn finish(result: anyhow::Result<i32>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        // A reader that went away (`manifesto build | head -1`) is not an error: stop
        // quietly with 0, as ripgrep does.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command and every argument says what it is for in `--help`.
    #[test]
    fn every_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for a in cmd.get_arguments() {
                let id = a.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                if a.get_help().is_none() && a.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() {
                    missing.push(format!("{path} {} (command)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "manifesto", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:#?}");
        Cli::command().debug_assert();
    }
}
