//! `manifesto apply` and `manifesto bootstrap`: server-side apply (field manager
//! `manifesto`) of a kustomization or manifests, Namespaces and CRDs first, with progress
//! on stdout. `bootstrap REPO` applies a scaffolded repo's `bootstrap/` and waits for what
//! its operators install, so a fresh cluster ends with a syncing root Application.

use anyhow::{Context, Result, bail};
use manifesto::cluster::apply::{ApplyOptions, apply_all};
use manifesto::yaml::Value;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DryRun {
    /// apply for real
    None,
    /// ask the API server what would happen; change nothing
    Server,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A kustomization folder to render and apply
    pub dir: Option<PathBuf>,
    /// Manifests to apply instead (a file, a folder of them, or - for stdin)
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// --dry-run=server asks the server what would change, and changes nothing
    #[arg(long, value_enum, default_value_t = DryRun::None, num_args = 0..=1, default_missing_value = "server", require_equals = true)]
    pub dry_run: DryRun,
    /// Take fields that other field managers own
    #[arg(long)]
    pub force_conflicts: bool,
    /// Wait for each OLM Subscription until its ClusterServiceVersion has Succeeded
    #[arg(long)]
    pub wait: bool,
    /// Seconds to wait in all (CRDs Established, CSVs, kinds an operator installs)
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
    /// Namespace for objects that have none [default: the context's]
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub cluster: super::cluster::ClusterArgs,
}

#[derive(clap::Args, Debug)]
pub struct BootstrapArgs {
    /// A repo made by `manifesto scaffold` (its bootstrap/ folder is applied)
    #[arg(default_value = ".")]
    pub repo: PathBuf,
    /// --dry-run=server asks the server what would change, and changes nothing
    #[arg(long, value_enum, default_value_t = DryRun::None, num_args = 0..=1, default_missing_value = "server", require_equals = true)]
    pub dry_run: DryRun,
    /// Take fields that other field managers own
    #[arg(long)]
    pub force_conflicts: bool,
    /// Seconds to wait in all for operators to install what the rest needs
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    pub timeout: u64,
    #[command(flatten)]
    pub cluster: super::cluster::ClusterArgs,
}

fn run_apply(
    objects: Vec<Value>,
    cluster: &super::cluster::ClusterArgs,
    opts: ApplyOptions,
) -> Result<i32> {
    let cluster = super::cluster::connect(cluster)?;
    let mut out = std::io::stdout().lock();
    let mut failed_write = None;
    apply_all(&cluster, objects, &opts, &mut |line| {
        if failed_write.is_none()
            && let Err(e) = writeln!(out, "{line}").and_then(|_| out.flush())
        {
            failed_write = Some(e);
        }
    })?;
    if let Some(e) = failed_write {
        return Err(anyhow::Error::from(e).context("writing to stdout"));
    }
    Ok(0)
}

pub fn run(a: &Args) -> Result<i32> {
    if a.dir.is_some() && !a.files.is_empty() {
        bail!("give a folder or -f FILE, not both");
    }
    let objects = super::diff::objects(a.dir.as_deref(), &a.files)?;
    run_apply(
        objects,
        &a.cluster,
        ApplyOptions {
            force_conflicts: a.force_conflicts,
            dry_run: a.dry_run == DryRun::Server,
            wait: a.wait,
            wait_for_kinds: false,
            timeout: Duration::from_secs(a.timeout),
            namespace: a.namespace.clone(),
            ..ApplyOptions::default()
        },
    )
}

pub fn bootstrap(a: &BootstrapArgs) -> Result<i32> {
    let dir = a.repo.join("bootstrap");
    if !dir.is_dir() {
        bail!(
            "{}: no bootstrap/ folder (is {} a repo made by `manifesto scaffold`?)",
            dir.display(),
            a.repo.display()
        );
    }
    let objects =
        super::diff::render(&dir).with_context(|| format!("bootstrapping {}", a.repo.display()))?;
    run_apply(
        objects,
        &a.cluster,
        ApplyOptions {
            force_conflicts: a.force_conflicts,
            dry_run: a.dry_run == DryRun::Server,
            wait: true,
            wait_for_kinds: true,
            timeout: Duration::from_secs(a.timeout),
            ..ApplyOptions::default()
        },
    )
}
