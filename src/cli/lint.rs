//! `manifesto lint`: builds every kustomization of a repository and reports findings in
//! one or more formats; exit 0 (nothing at or above --fail-on), 1 (findings), 2 (lint
//! itself failed).

use anyhow::{Context, Result, bail};
use manifesto::diag::Severity;
use manifesto::kustomize::load::remote::Settings;
use manifesto::kustomize::target::BuildOptions;
use manifesto::lint::report::{self, Format};
use manifesto::lint::{self, Config, RULES};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    /// findings grouped by file (coloured on a terminal)
    Text,
    /// every finding with its rule, location and folders
    Json,
    /// SARIF 2.1.0, for GitHub code scanning
    Sarif,
    /// JUnit XML, one testcase per kustomization and rule (GitLab, Jenkins)
    Junit,
    /// GitHub Actions workflow commands (annotations)
    Github,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Junit => Format::Junit,
            FormatArg::Github => Format::Github,
        }
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// `FORMAT` or `FORMAT=FILE`.
#[derive(Clone, Debug)]
pub struct Target {
    format: FormatArg,
    file: Option<PathBuf>,
}

fn parse_target(s: &str) -> Result<Target, String> {
    use clap::ValueEnum;
    let (f, file) = match s.split_once('=') {
        Some((f, p)) if !p.is_empty() => (f, Some(PathBuf::from(p))),
        Some(_) => return Err(format!("{s:?}: the file after = is empty")),
        None => (s, None),
    };
    let format = FormatArg::from_str(f, true)
        .map_err(|_| format!("{f:?} is not a format (text, json, sarif, junit, github)"))?;
    Ok(Target { format, file })
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Repository or folder to lint
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format, FORMAT or FORMAT=FILE (repeat for several): text, json, sarif, junit, github
    #[arg(short = 'f', long = "format", value_name = "FORMAT[=FILE]", value_parser = parse_target)]
    pub formats: Vec<Target>,
    /// Write the (single) format given without =FILE to this file instead of stdout
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Where schemas are: a folder (CRD files, kubeconform's JSON layout, the kubernetes-validate package's folder), a path or URL template with kubeconform's variables, or `default` (kubeconform's URL); repeatable, tried in order
    #[arg(long, value_name = "LOCATION")]
    pub schema_location: Vec<String>,
    /// Kubernetes version to check against (1.32), or an OpenShift release (openshift-4.19)
    #[arg(long, value_name = "VERSION")]
    pub kubernetes_version: Option<String>,
    /// Configuration file [default: PATH/.manifesto-lint.yaml]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print every rule (id, name, severity, description) and exit
    #[arg(long)]
    pub list_rules: bool,
    /// Parallel builds [default: one per core]
    #[arg(short = 'j', long, default_value_t = 0)]
    pub jobs: usize,
    /// Colour the text output
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Use remote bases and URL schemas from the cache only; never fetch
    #[arg(long)]
    pub offline: bool,
    /// Cache for remote bases and fetched schemas [default: as for build]
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Also take schemas from a cluster's OpenAPI (v3), for kinds no other source has: this kubeconfig context, or the current one when given without a value
    #[arg(long, value_name = "CONTEXT", num_args = 0..=1, default_missing_value = "")]
    pub kube_context: Option<String>,
    /// kubeconfig for --kube-context [default: $KUBECONFIG, else ~/.kube/config]
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
}

fn list_rules() -> Result<i32> {
    for r in RULES {
        let sev = match r.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        super::outln!("{}  {:<24} {:<8} {}", r.id, r.name, sev, r.summary)?;
        super::outln!("       {}", r.help)?;
    }
    Ok(0)
}

pub fn run(args: &Args) -> Result<i32> {
    if args.list_rules {
        return list_rules();
    }
    // Freed memory stays with each worker's arena: trimming it back after every build
    // cost page faults. (main leaves lint the default number of arenas.)
    // SAFETY: mallopt only sets allocator parameters.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TOP_PAD, 16 << 20);
    }
    let mut config = match &args.config {
        Some(f) => {
            let text = super::read_text(f)?;
            Config::parse(&text, &f.display().to_string()).map_err(|d| anyhow::anyhow!("{d}"))?
        }
        None => Config::load(&args.path).map_err(|d| anyhow::anyhow!("{d}"))?,
    };
    // Schema locations in the configuration are relative to the linted folder; the
    // command line's to the working directory.
    let mut locations: Vec<String> = args
        .schema_location
        .iter()
        .map(|l| match l.as_str() {
            "default" => l.clone(),
            l if l.starts_with("http://") || l.starts_with("https://") => l.to_string(),
            l => std::path::absolute(l)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| l.to_string()),
        })
        .collect();
    locations.append(&mut config.schema_locations);
    config.schema_locations = locations;
    if let Some(v) = &args.kubernetes_version {
        let parsed = match v
            .strip_prefix("openshift-")
            .or_else(|| v.strip_prefix("ocp-"))
        {
            Some(os) => lint::deprecated::openshift(os).with_context(|| {
                format!("--kubernetes-version {v}: no OpenShift release {os} in manifesto's table")
            })?,
            None => lint::config::parse_version(v).with_context(|| {
                format!("--kubernetes-version {v}: not a version like 1.32 or openshift-4.19")
            })?,
        };
        config.kubernetes_version = Some(parsed);
    }
    let mut targets = args.formats.clone();
    if targets.is_empty() {
        targets.push(Target {
            format: FormatArg::Text,
            file: None,
        });
    }
    let to_stdout = targets.iter().filter(|t| t.file.is_none()).count();
    if to_stdout > 1 && args.output.is_none() {
        bail!("{to_stdout} formats would go to stdout: give all but one a file (FORMAT=FILE)");
    }
    if to_stdout > 1 {
        bail!("--output names one file, but {to_stdout} formats have none");
    }
    let show_progress = std::io::stderr().is_terminal();
    let bar = show_progress.then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} kustomizations",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        b.set_prefix("building");
        b
    });
    let progress: Option<Box<dyn Fn(usize, usize) + Sync>> = bar.clone().map(|b| {
        Box::new(move |done: usize, total: usize| {
            // Small trees finish before a bar would be read; draw from 50 folders on.
            if total >= 50 {
                b.set_length(total as u64);
                b.set_position(done as u64);
            }
        }) as Box<dyn Fn(usize, usize) + Sync>
    });
    let remote = Settings {
        cache_dir: args.cache_dir.clone(),
        offline: args.offline,
    };
    let schema_cache = remote.cache_root().ok().map(|d| d.join("schemas"));
    let kube_version = config.kube_version();
    let opts = lint::Options {
        config,
        build: BuildOptions {
            remote,
            record_origins: true,
            ..BuildOptions::default()
        },
        jobs: args.jobs,
        progress,
        cluster_schemas: args
            .kube_context
            .as_ref()
            .map(|ctx| cluster_schemas(ctx, args, kube_version)),
        schema_cache,
    };
    let result = lint::lint(&args.path, &opts);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let report = result.map_err(|e| anyhow::anyhow!("{e}"))?;
    for t in &targets {
        let color = t.file.is_none()
            && args.output.is_none()
            && match args.color {
                ColorArg::Always => true,
                ColorArg::Never => false,
                ColorArg::Auto => {
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
        let text = report::render(&report, t.format.into(), color);
        match t.file.as_ref().or(args.output.as_ref()) {
            Some(f) => manifesto::write::write_file(f, text.as_bytes())
                .with_context(|| format!("writing {}", f.display()))?,
            None => super::out!("{text}")?,
        }
    }
    let level = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    Ok(i32::from(report.fails_at(level)))
}

/// Reads the OpenAPI v3 documents of the group-versions asked for from the cluster of a
/// kubeconfig context (connecting once, on first need).
fn cluster_schemas(context: &str, args: &Args, kube_version: (u32, u32)) -> lint::SchemaProvider {
    use manifesto::cluster::client::{Cluster, ConnectOptions};
    use manifesto::cluster::requests;
    let opts = ConnectOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: (!context.is_empty()).then(|| context.to_string()),
        timeout: Some(std::time::Duration::from_secs(30)),
        concurrency: 4,
    };
    Box::new(move |api_versions: &[String]| {
        let cluster = Cluster::connect(&opts).map_err(|e| e.to_string())?;
        let index = cluster
            .get_text(requests::OPENAPI_V3)
            .map_err(|e| e.to_string())?;
        let index = requests::read_openapi_index(&index)?;
        let mut store = lint::schema::Store::new(kube_version, None, true);
        for api in api_versions {
            let want = requests::openapi_path(api);
            let Some((_, url)) = index.iter().find(|(gv, _)| *gv == want) else {
                continue;
            };
            let body = cluster.get_text(url).map_err(|e| e.to_string())?;
            let doc: serde_json::Value =
                serde_json::from_str(&body).map_err(|e| format!("{url}: {e}"))?;
            store.learn_openapi_v3(doc);
        }
        Ok(store)
    })
}
