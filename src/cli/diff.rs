//! `manifesto diff`: desired objects (a kustomization, manifests, or an Argo CD
//! Application's source) against a cluster or an offline snapshot. Exit codes as kubectl
//! diff: 0 no differences, 1 differences, 2 an error.

use anyhow::{Context, Result, bail};
use manifesto::cluster::diff::{self, Change, Options, Tracking};
use manifesto::cluster::ignore::Rule;
use manifesto::cluster::scope::Scopes;
use manifesto::cluster::{report, snapshot};
use manifesto::kustomize::load::fs::RealFs;
use manifesto::kustomize::target::{BuildOptions, build};
use manifesto::yaml::Value;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// a unified diff per object that changes
    Text,
    /// one entry per object: change type and field changes
    Json,
    /// a summary table and folded diffs, for a pull-request comment
    Markdown,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A kustomization folder to render and compare
    pub dir: Option<PathBuf>,
    /// Manifests to compare instead of a folder (a file, a folder of them, or - for stdin)
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// An Argo CD Application: its source.path is rendered from --repo and compared in its
    /// destination namespace, honouring its ignoreDifferences; objects it tracks that are
    /// no longer desired are reported as deletions (would be pruned)
    #[arg(long, value_name = "FILE")]
    pub app: Option<PathBuf>,
    /// A folder of Argo CD Applications (app of apps): each is diffed as with --app
    #[arg(long, value_name = "DIR", conflicts_with = "app")]
    pub apps: Option<PathBuf>,
    /// The local checkout an Application's source.path is relative to
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// Compare against an offline snapshot (kubectl get -o yaml|json output, manifests,
    /// or a folder of them) instead of a cluster
    #[arg(long, value_name = "PATH")]
    pub live: Option<PathBuf>,
    /// Argo CD ignoreDifferences rules (a YAML list) to honour
    #[arg(long, value_name = "FILE")]
    pub ignore: Option<PathBuf>,
    /// Namespace for objects that have none [default: the context's, else default]
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Print a table of create / update / delete / unchanged per kind instead of diffs
    #[arg(long)]
    pub summary: bool,
    /// Output format
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Text)]
    pub output: Format,
    /// Colour the diff
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Show Secret values (masked as kubectl does otherwise)
    #[arg(long)]
    pub show_secrets: bool,
    /// Predict with a server-side apply dry run (field manager manifesto), as
    /// `kubectl diff --server-side`, and compare the whole prediction with the live object
    #[arg(long, conflicts_with = "live")]
    pub server_side: bool,
    /// With --server-side: take fields other field managers own
    #[arg(long, requires = "server_side")]
    pub force_conflicts: bool,
    /// Exit 1 when there are differences (as kubectl diff); false: exit 0
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub exit_code: bool,
    #[command(flatten)]
    pub cluster: super::cluster::ClusterArgs,
}

/// What is desired: objects, rules from an Application, and what tracks them.
struct Desired {
    objects: Vec<Value>,
    rules: Vec<Rule>,
    namespace: Option<String>,
    tracking: Option<Tracking>,
}

pub fn render(dir: &Path) -> Result<Vec<Value>> {
    let rendered = build(&RealFs, dir, &BuildOptions::default())
        .map_err(anyhow::Error::from)
        .with_context(|| format!("rendering {}", dir.display()))?;
    for w in &rendered.warnings {
        eprintln!("{w}");
    }
    Ok(rendered.resources.into_iter().map(|r| r.obj).collect())
}

pub fn read_objects(path: &Path) -> Result<Vec<Value>> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text)
            .context("reading stdin")?;
        return snapshot::objects_from_text(&text, Path::new("<stdin>"))
            .map_err(|d| anyhow::anyhow!("{d}"));
    }
    if !path.exists() {
        bail!("{}: no such file or folder", path.display());
    }
    snapshot::objects_from_path(path).map_err(|d| anyhow::anyhow!("{d}"))
}

/// The objects of a kustomization folder (rendered; `.` by default), or of manifests
/// (`-f`) when any are named.
pub fn objects(dir: Option<&Path>, files: &[PathBuf]) -> Result<Vec<Value>> {
    if files.is_empty() {
        return render(dir.unwrap_or(Path::new(".")));
    }
    let mut out = Vec::new();
    for f in files {
        out.extend(read_objects(f)?);
    }
    Ok(out)
}

/// The manifest files (`*.yaml`, `*.yml`, `*.json`) directly in a folder, in name order.
fn manifest_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && snapshot::is_manifest(p))
        .collect();
    files.sort();
    Ok(files)
}

fn has_kustomization(dir: &Path) -> bool {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .any(|f| dir.join(f).is_file())
}

fn from_app_file(file: &Path, repo: &Path) -> Result<Desired> {
    let text = super::read_text(file)?;
    let app = manifesto::yaml::parse::parse_one_lenient(&text)
        .map_err(|e| anyhow::anyhow!("{}:{}: {}", file.display(), e.line, e.message))?;
    if app.get("kind").and_then(Value::as_str) != Some("Application") {
        bail!(
            "{}: not an Argo CD Application (kind: Application)",
            file.display()
        );
    }
    from_app(&app, file, repo)
}

/// Every Argo CD Application of a folder (app of apps): its kustomization rendered if it
/// has one, else its manifests read; other objects are passed over.
fn from_apps_dir(dir: &Path, repo: &Path) -> Result<Vec<Desired>> {
    let is_app = |o: &Value| {
        o.get("kind").and_then(Value::as_str) == Some("Application")
            && o.get("apiVersion")
                .and_then(Value::as_str)
                .is_some_and(|a| a.starts_with("argoproj.io/"))
    };
    let mut apps: Vec<(Value, PathBuf)> = Vec::new();
    if has_kustomization(dir) {
        for o in render(dir)? {
            if is_app(&o) {
                apps.push((o, dir.to_path_buf()));
            }
        }
    } else {
        for f in manifest_files(dir)? {
            for o in read_objects(&f)? {
                if is_app(&o) {
                    apps.push((o, f.clone()));
                }
            }
        }
    }
    if apps.is_empty() {
        bail!("{}: no Argo CD Application in it", dir.display());
    }
    apps.iter()
        .map(|(app, file)| from_app(app, file, repo))
        .collect()
}

fn from_app(app: &Value, file: &Path, repo: &Path) -> Result<Desired> {
    let name = manifesto::yaml::str_at(app, &["metadata", "name"]).to_string();
    let spec = app.get("spec").cloned().unwrap_or(Value::Null);
    let source = spec
        .get("source")
        .or_else(|| spec.get("sources").and_then(|s| s.get(0)))
        .cloned()
        .unwrap_or(Value::Null);
    let path = source.get("path").and_then(Value::as_str).unwrap_or("");
    if source.get("chart").is_some() || source.get("helm").is_some() && path.is_empty() {
        bail!(
            "{}: Helm sources are not rendered (nothing is shelled out to); use `helm template … | manifesto diff -f -`",
            file.display()
        );
    }
    let dir = repo.join(path);
    let objects = if has_kustomization(&dir) {
        render(&dir)?
    } else if dir.is_dir() {
        let recurse = source
            .get("directory")
            .and_then(|d| d.get("recurse"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if recurse {
            read_objects(&dir)?
        } else {
            let mut out = Vec::new();
            for f in manifest_files(&dir)? {
                out.extend(read_objects(&f)?);
            }
            out
        }
    } else {
        bail!(
            "{}: source.path {path:?} is not a folder under {}",
            file.display(),
            repo.display()
        );
    };
    let rules = match spec.get("ignoreDifferences") {
        Some(v) => Rule::list_from(v).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?,
        None => Vec::new(),
    };
    let namespace = spec
        .get("destination")
        .and_then(|d| d.get("namespace"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    Ok(Desired {
        objects,
        rules,
        namespace,
        tracking: (!name.is_empty()).then(|| Tracking::argo(&name)),
    })
}

fn desired(args: &Args) -> Result<Vec<Desired>> {
    let sources = args.dir.is_some() as u8
        + !args.files.is_empty() as u8
        + args.app.is_some() as u8
        + args.apps.is_some() as u8;
    if sources > 1 {
        bail!("give one of a folder, -f FILE, --app FILE or --apps DIR");
    }
    if let Some(app) = &args.app {
        return Ok(vec![from_app_file(app, &args.repo)?]);
    }
    if let Some(dir) = &args.apps {
        return from_apps_dir(dir, &args.repo);
    }
    let objects = objects(args.dir.as_deref(), &args.files)?;
    Ok(vec![Desired {
        objects,
        rules: Vec::new(),
        namespace: None,
        tracking: None,
    }])
}

pub fn run(args: &Args) -> Result<i32> {
    let mut extra_rules = Vec::new();
    if let Some(f) = &args.ignore {
        let text = super::read_text(f)?;
        let v = manifesto::yaml::parse::parse_one_lenient(&text)
            .map_err(|e| anyhow::anyhow!("{}:{}: {}", f.display(), e.line, e.message))?;
        extra_rules = Rule::list_from(&v).map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
    }
    let snapshot = match &args.live {
        Some(p) => Some(read_objects(p)?),
        None => None,
    };
    let mut diffs = Vec::new();
    // One Application (or the one folder) at a time: each has its namespace, rules and
    // tracking.
    for mut want in desired(args)? {
        want.rules.extend(extra_rules.iter().cloned());
        diffs.extend(diff_one(args, want, snapshot.as_deref())?);
    }
    let differs = diffs.iter().any(|d| d.change != Change::Unchanged);
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut code = i32::from(differs && args.exit_code);
    let text = match (args.summary, args.output) {
        (true, Format::Text) => report::summary(&diffs),
        (_, Format::Json) => report::json(&diffs),
        (_, Format::Markdown) => report::markdown(&diffs),
        (false, Format::Text) => {
            if let Some(prog) = std::env::var_os("KUBECTL_EXTERNAL_DIFF").filter(|p| !p.is_empty())
            {
                let status = external_diff(&prog.to_string_lossy(), &diffs)?;
                // kubectl passes the program's own status on (1 for differences).
                return Ok(if args.exit_code { status } else { 0 });
            }
            diffs
                .iter()
                .map(|d| report::unified(d, color))
                .collect::<String>()
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .context("writing to stdout")?;
    out.flush().context("writing to stdout")?;
    if !args.exit_code {
        code = 0;
    }
    Ok(code)
}

fn diff_one(
    args: &Args,
    mut want: Desired,
    snapshot: Option<&[Value]>,
) -> Result<Vec<diff::ObjectDiff>> {
    let mut scopes = Scopes::default();
    scopes.learn_crds(&want.objects);
    let live = match snapshot {
        Some(live) => {
            scopes.learn_crds(live);
            let ns = args
                .namespace
                .clone()
                .or(want.namespace.clone())
                .unwrap_or_else(|| "default".into());
            scopes.resolve(&mut want.objects, &ns);
            live.to_vec()
        }
        None => {
            let live = super::cluster::live_for(
                &args.cluster,
                args.namespace.as_deref(),
                &mut want.objects,
                want.namespace.as_deref(),
                &mut scopes,
                want.tracking.is_some(),
            )?;
            if args.server_side {
                want.objects = predict(&live, &want.objects, args.force_conflicts)?;
            }
            live.objects
        }
    };
    let opts = Options {
        rules: want.rules,
        show_secrets: args.show_secrets,
        tracking: want.tracking,
        server_side: args.server_side,
    };
    Ok(diff::diff(&want.objects, &live, &opts))
}

/// The server's answer to a server-side apply dry run of each desired object; objects of
/// kinds not served yet (their CRD is desired too) stay as desired: they are creations.
fn predict(live: &super::cluster::Live, desired: &[Value], force: bool) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(desired.len());
    for d in desired {
        let key = manifesto::cluster::normalize::ObjectKey::of(d);
        match live.discovery.find(&key.group, &key.kind) {
            Some(r) => out.push(
                live.cluster
                    .apply(r, d, force, true)
                    .with_context(|| format!("{key}: server-side apply dry run"))?,
            ),
            None => out.push(d.clone()),
        }
    }
    Ok(out)
}

/// KUBECTL_EXTERNAL_DIFF: the program (split into words as a shell would) gets two
/// folders, the live and the predicted objects one file each, Secret values masked.
fn external_diff(command: &str, diffs: &[diff::ObjectDiff]) -> Result<i32> {
    let words = shell_words::split(command)
        .map_err(|e| anyhow::anyhow!("KUBECTL_EXTERNAL_DIFF {command:?}: {e}"))?;
    let Some((prog, extra)) = words.split_first() else {
        bail!("KUBECTL_EXTERNAL_DIFF is empty");
    };
    let tmp = tempfile::Builder::new()
        .prefix("manifesto-diff-")
        .tempdir()
        .context("creating a temporary folder")?;
    let (live_dir, merged_dir) = (tmp.path().join("LIVE"), tmp.path().join("MERGED"));
    std::fs::create_dir(&live_dir)?;
    std::fs::create_dir(&merged_dir)?;
    for d in diffs {
        let (a, b) = report::texts(d);
        let name = report::file_name(d);
        std::fs::write(live_dir.join(&name), a)?;
        std::fs::write(merged_dir.join(&name), b)?;
    }
    let status = std::process::Command::new(prog)
        .args(extra)
        .arg(&live_dir)
        .arg(&merged_dir)
        .status()
        .with_context(|| format!("running KUBECTL_EXTERNAL_DIFF program {prog:?}"))?;
    Ok(status.code().unwrap_or(2))
}
