//! The `manifesto` binary: parses the command line, runs one command, maps errors to exit
//! codes (0 ok, 1 differences or findings, 2 errors). Prints errors as `{:#}`.

mod commands;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "manifesto",
    version,
    about = "GitOps repos for event-driven solutions: render, catalog, scaffold, seal"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a solution's GitOps repo from solution.yaml (or a built-in example)
    Scaffold(commands::scaffold::ScaffoldArgs),
    /// Write a commented starter solution.yaml
    Init(commands::scaffold::InitArgs),
    /// Print the JSON Schema of solution.yaml
    Schema,
    /// Render a kustomization directory, byte-for-byte as kustomize v5.5.0
    Build(commands::build::Args),
    /// The built-in operator catalog: list, show, render, bump
    #[command(subcommand)]
    Catalog(commands::catalog::Cmd),
    /// Seal a Secret for the Bitnami sealed-secrets controller (kubeseal-compatible)
    Seal(commands::seal::Args),
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let result = match &cli.command {
        Command::Build(a) => commands::build::run(a),
        Command::Seal(a) => commands::seal::run(a),
        Command::Catalog(c) => commands::catalog::run(c),
        Command::Scaffold(a) => commands::scaffold::run(a),
        Command::Init(a) => commands::scaffold::init(a),
        Command::Schema => commands::scaffold::schema(),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("Error: {e:#}");
            std::process::exit(2);
        }
    }
}
