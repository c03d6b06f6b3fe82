//! `manifesto catalog`: list and show the built-in operators, render a catalog repo, and
//! bump an operator's channel in any catalog repo (dry-run prints the diff).

use anyhow::{Context, Result, bail};
use manifesto::catalog::{self, bump, render};
use manifesto::write;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutArg {
    /// redhat-cop/gitops-catalog's: base + overlays/<channel>
    Cop,
    /// ibm-cloud-architecture's eda-gitops-catalog: also pins startingCSV and a current pointer
    Eda,
}

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// List the built-in operators
    List {
        /// Output format
        #[arg(short = 'o', long = "output", value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Show one operator's data
    Show {
        /// The operator's catalog name or OLM package name (see `catalog list`)
        operator: String,
    },
    /// Write a catalog repo: a base per operator and an overlay per channel
    Render {
        /// The folder to write the catalog repo into
        #[arg(short = 'o', long = "out", default_value = "catalog-repo")]
        out: PathBuf,
        /// Only these operators (repeatable); all when absent
        #[arg(long = "operator")]
        operators: Vec<String>,
        /// Folder layout of the catalog repo
        #[arg(long, value_enum, default_value_t = LayoutArg::Cop)]
        layout: LayoutArg,
        /// Overwrite files that differ from what would be written
        #[arg(long)]
        force: bool,
    },
    /// Move an operator to a channel in a catalog repo (manifesto's, redhat-cop's or eda's layout)
    Bump {
        /// The operator's catalog name or OLM package name
        operator: String,
        /// The OLM channel to move to (e.g. v3.6, stable, amq-streams-2.9.x)
        channel: String,
        /// Pin this CSV as startingCSV (it must belong to the operator's package)
        #[arg(long)]
        csv: Option<String>,
        /// The catalog or solution repo to edit
        #[arg(long, default_value = ".")]
        repo: PathBuf,
        /// The operator folder, when the repo holds several for the package
        #[arg(long)]
        path: Option<String>,
        /// Accept a channel the built-in catalog does not list
        #[arg(long)]
        allow_unknown_channel: bool,
        /// Print the diff and write nothing
        #[arg(long)]
        dry_run: bool,
    },
}

pub fn run(cmd: &Cmd) -> Result<i32> {
    match cmd {
        Cmd::List { format } => list(*format),
        Cmd::Show { operator } => {
            let op = catalog::find(operator).map_err(anyhow::Error::msg)?;
            super::outln!("{}", show(op))?;
            Ok(0)
        }
        Cmd::Render {
            out,
            operators,
            layout,
            force,
        } => render_cmd(out, operators, *layout, *force),
        Cmd::Bump {
            operator,
            channel,
            csv,
            repo,
            path,
            allow_unknown_channel,
            dry_run,
        } => bump_cmd(
            operator,
            channel,
            csv.as_deref(),
            repo,
            path.as_deref(),
            *allow_unknown_channel,
            *dry_run,
        ),
    }
}

fn list(format: ListFormat) -> Result<i32> {
    let ops = catalog::operators();
    if format == ListFormat::Json {
        let v: Vec<serde_json::Value> = ops
            .iter()
            .map(|o| {
                serde_json::json!({"name": o.name, "displayName": o.display_name, "package": o.package,
                    "source": o.source, "namespace": o.namespace, "defaultChannel": o.default_channel,
                    "channels": o.channels.iter().map(|c| c.name.clone()).collect::<Vec<_>>()})
            })
            .collect();
        super::outln!("{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(0);
    }
    let w = ops.iter().map(|o| o.name.len()).max().unwrap_or(4).max(4);
    let p = ops
        .iter()
        .map(|o| o.package.len())
        .max()
        .unwrap_or(7)
        .max(7);
    super::outln!(
        "{:w$}  {:p$}  {:16}  DISPLAY NAME",
        "NAME",
        "PACKAGE",
        "DEFAULT CHANNEL"
    )?;
    for o in ops {
        super::outln!(
            "{:w$}  {:p$}  {:16}  {}",
            o.name,
            o.package,
            o.default_channel,
            o.display_name
        )?;
    }
    Ok(0)
}

fn show(op: &catalog::Operator) -> String {
    let mut s = format!(
        "name: {}\ndisplay name: {}\npackage: {}\nsource: {} ({})\ninstall: {:?} in {}\ndefault channel: {}\nchannels:\n",
        op.name,
        op.display_name,
        op.package,
        op.source,
        op.source_namespace,
        op.install_mode,
        op.namespace,
        op.default_channel
    );
    for c in &op.channels {
        s.push_str(&format!(
            "  - {}{}\n",
            c.name,
            c.csv
                .as_ref()
                .map(|v| format!(" (latest known CSV {v})"))
                .unwrap_or_default()
        ));
    }
    s.push_str("provides:\n");
    for a in &op.provides {
        s.push_str(&format!(
            "  - {}/{}: {}\n",
            a.group,
            a.version,
            a.kinds.join(", ")
        ));
    }
    s.trim_end().to_string()
}

fn render_cmd(out: &Path, names: &[String], layout: LayoutArg, force: bool) -> Result<i32> {
    let layout = match layout {
        LayoutArg::Cop => render::Layout::Cop,
        LayoutArg::Eda => render::Layout::Eda,
    };
    let mut ops = Vec::new();
    for n in names {
        ops.push(catalog::find(n).map_err(anyhow::Error::msg)?);
    }
    let files = render::render(&ops, layout);
    // Finish an interrupted earlier run first, so what is read below is what it wrote.
    write::recover(out)?;
    // Read what is there once (nothing, for a new output folder), check everything, then write.
    let fresh = !out.exists();
    let existing: Vec<Option<String>> = files
        .iter()
        .map(|(rel, _)| {
            if fresh {
                None
            } else {
                std::fs::read_to_string(out.join(rel)).ok()
            }
        })
        .collect();
    let conflicts: Vec<String> = files
        .iter()
        .zip(&existing)
        .filter(|((_, content), old)| old.as_ref().is_some_and(|o| o != content) && !force)
        .map(|((rel, _), _)| out.join(rel).display().to_string())
        .collect();
    if !conflicts.is_empty() {
        bail!(
            "these files differ from what would be written (edited?); use --force to overwrite:\n  {}",
            conflicts.join("\n  ")
        );
    }
    let mut plan = write::Plan::new(out);
    for ((rel, content), old) in files.iter().zip(&existing) {
        if old.as_ref() != Some(content) {
            plan.add(rel, content.as_bytes())?;
        }
    }
    let written = plan.len();
    plan.commit()?;
    eprintln!(
        "{} files in {} ({written} written)",
        files.len(),
        out.display()
    );
    Ok(0)
}

/// Reads the repo's text files (YAML and kustomizations), skipping VCS and build folders.
fn read_repo(root: &Path) -> Result<bump::Repo> {
    let mut repo = BTreeMap::new();
    for e in walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let n = e.file_name().to_string_lossy();
            !(e.file_type().is_dir() && (n == ".git" || n == "target" || n == "node_modules"))
        })
    {
        let e = e.with_context(|| format!("reading {}", root.display()))?;
        if !e.file_type().is_file() {
            continue;
        }
        let rel = e
            .path()
            .strip_prefix(root)
            .unwrap_or(e.path())
            .to_string_lossy()
            .replace('\\', "/");
        let in_scope = rel.ends_with(".yaml")
            || rel.ends_with(".yml")
            || rel.ends_with("/Kustomization")
            || rel == "Kustomization";
        if !in_scope {
            continue;
        }
        // Unreadable or non-UTF-8 files are not YAML that bump could edit; skip them.
        if let Ok(bytes) = write::read_regular(e.path(), write::MAX_INPUT)
            && let Ok(text) = String::from_utf8(bytes)
        {
            repo.insert(rel, text);
        }
    }
    Ok(repo)
}

fn bump_cmd(
    operator: &str,
    channel: &str,
    csv: Option<&str>,
    root: &Path,
    path: Option<&str>,
    allow_unknown_channel: bool,
    dry_run: bool,
) -> Result<i32> {
    let op = catalog::find(operator).map_err(anyhow::Error::msg)?;
    // The channel becomes a folder name and a YAML value: refuse what could be neither.
    manifesto::names::olm_channel(channel)
        .map_err(|e| anyhow::anyhow!("channel {channel:?}: {e}"))?;
    if let Some(c) = csv {
        manifesto::names::dns_subdomain(c).map_err(|e| anyhow::anyhow!("--csv {c:?}: {e}"))?;
    }
    if !root.is_dir() {
        bail!(
            "{}: not a folder (--repo names the catalog or solution repo)",
            root.display()
        );
    }
    super::finish_interrupted(root, dry_run, "bump")?;
    let repo = read_repo(root)?;
    let req = bump::Request {
        op,
        channel,
        csv,
        allow_unknown_channel,
        path,
    };
    let changes =
        bump::plan(&repo, &req).map_err(|e| anyhow::anyhow!("{}: {e}", root.display()))?;
    if changes.is_empty() {
        eprintln!(
            "{} is already on channel {channel}; nothing to change",
            op.name
        );
        return Ok(0);
    }
    if dry_run {
        for c in &changes {
            super::print_diff(&c.path, c.before.as_deref(), &c.after)?;
        }
        // Exit 1: there are differences (what a real run would change).
        return Ok(1);
    }
    let mut plan = write::Plan::new(root);
    for c in &changes {
        plan.add(&c.path, c.after.as_bytes())?;
    }
    plan.commit()?;
    for c in &changes {
        super::outln!(
            "{} {}",
            if c.before.is_some() {
                "changed"
            } else {
                "created"
            },
            c.path
        )?;
    }
    Ok(0)
}
