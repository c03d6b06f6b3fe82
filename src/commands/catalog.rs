//! `manifesto catalog`: list and show the built-in operators, render a catalog repo, and
//! bump an operator's channel in any catalog repo (dry-run prints the diff).

use super::build::write_atomic;
use anyhow::{Context, Result, bail};
use manifesto::catalog::{self, bump, render};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// List the built-in operators
    List {
        #[arg(short = 'o', long = "output", default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// Show one operator's data
    Show { operator: String },
    /// Write a catalog repo: a base per operator and an overlay per channel
    Render {
        #[arg(short = 'o', long = "out", default_value = "catalog-repo")]
        out: PathBuf,
        /// Only these operators (repeatable); all when absent
        #[arg(long = "operator")]
        operators: Vec<String>,
        #[arg(long, default_value = "cop", value_parser = ["cop", "eda"])]
        layout: String,
        /// Overwrite files that differ from what would be written
        #[arg(long)]
        force: bool,
    },
    /// Move an operator to a channel in a catalog repo (manifesto's, redhat-cop's or eda's layout)
    Bump {
        operator: String,
        channel: String,
        #[arg(long)]
        csv: Option<String>,
        #[arg(long, default_value = ".")]
        repo: PathBuf,
        /// The operator folder, when the repo holds several for the package
        #[arg(long)]
        path: Option<String>,
        #[arg(long)]
        allow_unknown_channel: bool,
        /// Print the diff and write nothing
        #[arg(long)]
        dry_run: bool,
    },
}

pub fn run(cmd: &Cmd) -> Result<i32> {
    match cmd {
        Cmd::List { format } => list(format),
        Cmd::Show { operator } => {
            let op = catalog::find(operator).map_err(anyhow::Error::msg)?;
            println!("{}", show(op));
            Ok(0)
        }
        Cmd::Render {
            out,
            operators,
            layout,
            force,
        } => render_cmd(out, operators, layout, *force),
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

fn list(format: &str) -> Result<i32> {
    let ops = catalog::operators();
    if format == "json" {
        let v: Vec<serde_json::Value> = ops
            .iter()
            .map(|o| {
                serde_json::json!({"name": o.name, "displayName": o.display_name, "package": o.package,
                    "source": o.source, "namespace": o.namespace, "defaultChannel": o.default_channel,
                    "channels": o.channels.iter().map(|c| c.name.clone()).collect::<Vec<_>>()})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(0);
    }
    let w = ops.iter().map(|o| o.name.len()).max().unwrap_or(4).max(4);
    let p = ops
        .iter()
        .map(|o| o.package.len())
        .max()
        .unwrap_or(7)
        .max(7);
    println!(
        "{:w$}  {:p$}  {:16}  DISPLAY NAME",
        "NAME", "PACKAGE", "DEFAULT CHANNEL"
    );
    for o in ops {
        println!(
            "{:w$}  {:p$}  {:16}  {}",
            o.name, o.package, o.default_channel, o.display_name
        );
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

fn render_cmd(out: &Path, names: &[String], layout: &str, force: bool) -> Result<i32> {
    let layout = render::Layout::parse(layout).map_err(anyhow::Error::msg)?;
    let mut ops = Vec::new();
    for n in names {
        ops.push(catalog::find(n).map_err(anyhow::Error::msg)?);
    }
    let files = render::render(&ops, layout);
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
    let mut made = std::collections::HashSet::new();
    let mut written = 0;
    for ((rel, content), old) in files.iter().zip(&existing) {
        if old.as_ref() == Some(content) {
            continue;
        }
        let p = out.join(rel);
        let dir = p.parent().unwrap_or(out).to_path_buf();
        if made.insert(dir.clone()) {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        write_atomic(&p, content)?;
        written += 1;
    }
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
        if let Ok(text) = std::fs::read_to_string(e.path()) {
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
            super::print_diff(&c.path, c.before.as_deref(), &c.after);
        }
        return Ok(0);
    }
    for c in &changes {
        let p = root.join(&c.path);
        std::fs::create_dir_all(p.parent().unwrap_or(root))
            .with_context(|| format!("creating {}", p.display()))?;
        write_atomic(&p, &c.after)?;
        println!(
            "{} {}",
            if c.before.is_some() {
                "changed"
            } else {
                "created"
            },
            c.path
        );
    }
    Ok(0)
}
