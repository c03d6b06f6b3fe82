//! `manifesto build`: renders a kustomization to stdout, a file, or one file per resource.

use anyhow::{Context, Result, bail};
use manifesto::kustomize::load::LoadRestrictor;
use manifesto::kustomize::load::fs::RealFs;
use manifesto::kustomize::load::remote::Settings;
use manifesto::kustomize::target::{BuildOptions, Reorder, build};
use manifesto::{write, yaml};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReorderArg {
    /// kustomize's kind order (Namespaces and CRDs first, webhooks last)
    Legacy,
    /// the order the resources were read in
    None,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[clap(rename_all = "verbatim")]
pub enum RestrictorArg {
    /// only files in or below the kustomization's folder (symlinks resolved first)
    #[value(alias = "rootOnly")]
    LoadRestrictionsRootOnly,
    /// any file
    #[value(alias = "none")]
    LoadRestrictionsNone,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Directory holding a kustomization.yaml
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Resource order
    #[arg(long, value_enum, default_value_t = ReorderArg::Legacy)]
    pub reorder: ReorderArg,
    /// Whether files outside the kustomization's folder may be read
    #[arg(long, value_enum, default_value_t = RestrictorArg::LoadRestrictionsRootOnly)]
    pub load_restrictor: RestrictorArg,
    /// Write to this file, or into this existing directory one file per resource
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Build remote bases (git URLs, http files) from the cache only; never fetch
    #[arg(long)]
    pub offline: bool,
    /// Cache for remote bases [default: $MANIFESTO_CACHE_DIR, $XDG_CACHE_HOME/manifesto or ~/.cache/manifesto]
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<i32> {
    let opts = BuildOptions {
        reorder: match args.reorder {
            ReorderArg::None => Reorder::None,
            ReorderArg::Legacy => Reorder::Legacy,
        },
        load_restrictor: match args.load_restrictor {
            RestrictorArg::LoadRestrictionsNone => LoadRestrictor::None,
            RestrictorArg::LoadRestrictionsRootOnly => LoadRestrictor::RootOnly,
        },
        remote: Settings {
            cache_dir: args.cache_dir.clone(),
            offline: args.offline,
        },
        record_origins: false,
    };
    // Library errors name the file at fault; add the folder only where one does not.
    let rendered = build(&RealFs, &args.dir, &opts).map_err(|e| {
        let text = e.to_string();
        let dir = manifesto::kustomize::load::fs::clean(&args.dir)
            .display()
            .to_string();
        if text.contains(&dir) {
            anyhow::Error::from(e)
        } else {
            anyhow::Error::from(e).context(format!("building {dir}"))
        }
    })?;
    for w in &rendered.warnings {
        eprintln!("{w}");
    }
    match &args.output {
        None => {
            let out = rendered.to_yaml();
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(out.as_bytes())
                .context("writing to stdout")?;
        }
        Some(p) if p.is_dir() => {
            let mut plan = write::Plan::new(p);
            // kustomize's names: group_version_kind_name.yaml, lower-cased, prefixed with the
            // namespace only when the namespaced objects span several namespaces.
            let namespaces: std::collections::BTreeSet<String> = rendered
                .resources
                .iter()
                .map(|r| r.cur_id())
                .filter(|id| !id.gvk.is_cluster_scoped())
                .map(|id| id.effective_namespace().to_string())
                .collect();
            for r in &rendered.resources {
                let id = r.cur_id();
                let gvk = &id.gvk;
                let parts: Vec<&str> =
                    [gvk.group.as_str(), gvk.version.as_str(), gvk.kind.as_str()]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect();
                let mut name = format!("{}_{}.yaml", parts.join("_"), r.name()).to_lowercase();
                if namespaces.len() > 1 && !gvk.is_cluster_scoped() {
                    name = format!("{}_{name}", id.effective_namespace().to_lowercase());
                }
                plan.add(&name, yaml::to_yaml(&r.obj))
                    .with_context(|| format!("resource {}", id))?;
            }
            plan.commit()?;
        }
        Some(p) => {
            if p.to_string_lossy().ends_with('/') {
                bail!("output directory {} does not exist", p.display());
            }
            write::write_file(p, rendered.to_yaml().as_bytes())?;
        }
    }
    Ok(0)
}
