//! `manifesto init`, `schema` and `scaffold`: starter specs, the spec's JSON Schema, and
//! writing the solution repo safely (atomic writes, a state file of what was generated,
//! edited files kept unless --force, SealedSecrets kept when still valid, --dry-run diff).

use anyhow::{Context, Result, bail};
use manifesto::scaffold::{self, generate::File, spec};
use manifesto::seal::Certificate;
use manifesto::write;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "realtime-inventory",
        include_str!("../../templates/examples/realtime-inventory.yaml"),
    ),
    (
        "minimal",
        include_str!("../../templates/examples/minimal.yaml"),
    ),
    (
        "event-functions",
        include_str!("../../templates/examples/event-functions.yaml"),
    ),
];

const STATE_FILE: &str = ".manifesto-scaffold.json";

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Example {
    /// Event Streams, MQ, Kafka Connect, schema registry, three apps, three environments
    RealtimeInventory,
    /// a Strimzi Kafka cluster, one topic, one app
    Minimal,
    /// Strimzi, Apicurio, an mTLS user, Knative functions through a broker
    EventFunctions,
}

impl Example {
    fn text(self) -> &'static str {
        let name = match self {
            Example::RealtimeInventory => "realtime-inventory",
            Example::Minimal => "minimal",
            Example::EventFunctions => "event-functions",
        };
        EXAMPLES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .expect("embedded")
    }
}

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// Where to write the starter spec (solution.schema.json goes beside it)
    #[arg(short = 'o', long = "output", default_value = "solution.yaml")]
    pub output: PathBuf,
    /// The example to start from
    #[arg(long, value_enum, default_value_t = Example::RealtimeInventory)]
    pub example: Example,
    /// Overwrite an existing spec file
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::Args, Debug)]
pub struct ScaffoldArgs {
    /// The solution spec
    #[arg(
        short = 'f',
        long = "file",
        default_value = "solution.yaml",
        conflicts_with = "example"
    )]
    pub file: PathBuf,
    /// Use a built-in example spec instead of a file
    #[arg(long, value_enum)]
    pub example: Option<Example>,
    /// The folder to write the solution repo into
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
    /// Sealed-secrets controller certificate; without it secrets are left out
    #[arg(long)]
    pub cert: Option<PathBuf>,
    /// Templates that replace the built-in ones (same file names)
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// Print the diff of what would change and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Overwrite files edited since the last scaffold
    #[arg(long)]
    pub force: bool,
    /// Seal secrets again even where the existing SealedSecret is still valid
    #[arg(long)]
    pub reseal: bool,
}

pub fn init(a: &InitArgs) -> Result<i32> {
    let text = a.example.text();
    if a.output.exists() && !a.force {
        bail!("{} exists; use --force to overwrite it", a.output.display());
    }
    write::write_file(&a.output, text.as_bytes())?;
    let schema = a.output.with_file_name("solution.schema.json");
    if !schema.exists() {
        write::write_file(&schema, spec::SCHEMA.as_bytes())?;
    }
    eprintln!(
        "wrote {} (and {} for editors)",
        a.output.display(),
        schema.display()
    );
    Ok(0)
}

pub fn schema() -> Result<i32> {
    super::out!("{}", spec::SCHEMA)?;
    Ok(0)
}

fn sha(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct State {
    #[serde(default)]
    cert_fingerprint: String,
    #[serde(default)]
    files: BTreeMap<String, String>,
}

fn random_value(len: usize) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let mut b = [0u8; 64];
        OsRng.fill_bytes(&mut b);
        // Rejection sampling keeps the alphabet uniform.
        out.extend(
            b.iter()
                .filter(|&&x| (x as usize) < 256 - 256 % ALPHABET.len())
                .map(|&x| ALPHABET[x as usize % ALPHABET.len()]),
        );
    }
    out.truncate(len);
    out
}

pub fn run(a: &ScaffoldArgs) -> Result<i32> {
    let (text, origin, base_dir) = match &a.example {
        Some(ex) => {
            let name = clap::ValueEnum::to_possible_value(ex)
                .map(|v| v.get_name().to_string())
                .unwrap_or_default();
            (
                ex.text().to_string(),
                format!("<example {name}>"),
                PathBuf::from("."),
            )
        }
        None => {
            if !a.file.exists() {
                bail!(
                    "{}: no solution spec here; write a starter one with `manifesto init`, or try `manifesto scaffold --example realtime-inventory --out DIR`",
                    a.file.display()
                );
            }
            let t = super::read_text(&a.file)?;
            let dir = a
                .file
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf();
            (t, a.file.display().to_string(), dir)
        }
    };
    let (files, fingerprint, sol) = generate_from(
        &text,
        &origin,
        &base_dir,
        a.cert.as_deref(),
        a.templates.as_deref(),
    )?;
    let opts = ApplyOptions {
        dry_run: a.dry_run,
        force: a.force,
        reseal: a.reseal,
        keep_unlisted: false,
    };
    // The repo gets its spec, so that later scaffold and bump runs in it have their source
    // of truth: the example, or a spec kept elsewhere. An existing spec is the user's:
    // kept. A spec naming files relative to itself stays where it is (copied, its paths
    // would point elsewhere), and the user is told.
    let extra = if a.out.join("solution.yaml").exists() {
        Vec::new()
    } else if a.example.is_some() || !sol.names_files() {
        vec![("solution.yaml".to_string(), text.clone())]
    } else {
        eprintln!(
            "warning: {origin} names files relative to itself: not copied into {} (keep the spec there as solution.yaml for `catalog bump`)",
            a.out.display()
        );
        Vec::new()
    };
    apply(&a.out, files, &fingerprint, &opts, extra)
}

/// How [`apply`] writes.
pub struct ApplyOptions {
    pub dry_run: bool,
    pub force: bool,
    pub reseal: bool,
    /// Keep the state of files generated before but not this time (a bump regenerating
    /// without the certificate leaves the SealedSecrets as they are, still tracked).
    pub keep_unlisted: bool,
}

/// Parses a spec's text and generates the repo's files; `origin` names the spec in errors,
/// `base_dir` is where its relative paths (certificate, secret files) start. Returns the
/// files, the certificate's fingerprint (empty without one) and the parsed spec.
pub fn generate_from(
    text: &str,
    origin: &str,
    base_dir: &Path,
    cert: Option<&Path>,
    templates: Option<&Path>,
) -> Result<(Vec<File>, String, spec::Solution)> {
    let sol = match spec::parse(text) {
        Ok(s) => s,
        Err(diags) => {
            let lines: Vec<String> = diags
                .iter()
                .map(|d| d.clone().in_file(origin.to_string()).render())
                .collect();
            bail!(
                "{} problem(s) in the solution spec:\n{}",
                diags.len(),
                lines.join("\n")
            );
        }
    };
    let cert_path = cert.map(Path::to_path_buf).or_else(|| {
        sol.spec
            .sealing
            .certificate
            .as_ref()
            .map(|c| base_dir.join(c))
    });
    let (cert, fingerprint) = match &cert_path {
        Some(p) => {
            let pem = super::read_capped(p, super::MAX_PEM)?;
            (
                Some(Certificate::from_pem(&pem).with_context(|| p.display().to_string())?),
                sha(&String::from_utf8_lossy(&pem)),
            )
        }
        None => (None, String::new()),
    };
    let resolve = |secret: &str, k: &spec::SecretKey| -> Result<Vec<u8>, String> {
        if let Some(var) = &k.from_env {
            return std::env::var(var).map(String::into_bytes).map_err(|_| {
                format!(
                    "secret {secret} key {}: environment variable {var} is not set",
                    k.name
                )
            });
        }
        if let Some(f) = &k.from_file {
            return manifesto::write::read_regular(&base_dir.join(f), super::MAX_PEM)
                .map_err(|e| format!("secret {secret} key {}: cannot read {f}: {e}", k.name));
        }
        Ok(random_value(k.generate.unwrap_or(24) as usize))
    };
    let opts = scaffold::Options {
        templates,
        cert: cert.as_ref(),
        resolve: &resolve,
    };
    let generated = scaffold::generate(&sol, &opts).map_err(anyhow::Error::msg)?;
    for w in &generated.warnings {
        eprintln!("warning: {w}");
    }
    Ok((generated.files, fingerprint, sol))
}

/// Whether `dir` is a repo `scaffold` wrote (it holds the state file).
pub fn is_scaffolded(dir: &Path) -> bool {
    dir.join(STATE_FILE).is_file()
}

/// Names that may sit in a folder before its first scaffold: the spec, its schema and the
/// files a fresh git repo holds.
fn expected_before_scaffold(name: &str) -> bool {
    // `solution*` covers the spec (any name init gives it) and solution.schema.json.
    name.starts_with("solution")
        || matches!(
            name,
            ".git"
                | ".gitignore"
                | ".gitattributes"
                | "LICENSE"
                | "README.md"
                | ".github"
                | ".gitlab-ci.yml"
        )
}

/// Decides file by file what to write, refuses to clobber edited files, then writes all of
/// it (and the state file) as one plan, so a run killed at any point is finished by the next.
/// `extra` files (path, content) are written in the same plan but are not generated ones
/// (`catalog bump` passes the edited spec).
pub fn apply(
    out: &Path,
    files: Vec<File>,
    fingerprint: &str,
    a: &ApplyOptions,
    extra: Vec<(String, String)>,
) -> Result<i32> {
    super::finish_interrupted(out, a.dry_run, "scaffold")?;
    let state_path = out.join(STATE_FILE);
    if !state_path.exists() && out.is_dir() && !a.force {
        let mut foreign: Vec<String> = std::fs::read_dir(out)
            .with_context(|| format!("reading {}", out.display()))?
            .flatten()
            // Folders that hold no file (left by an interrupted first run) are no one's work.
            .filter(|e| {
                !e.path().is_dir()
                    || walkdir::WalkDir::new(e.path())
                        .into_iter()
                        .flatten()
                        .any(|f| !f.file_type().is_dir())
            })
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !expected_before_scaffold(n) && !n.ends_with(write::TEMP_SUFFIX))
            // A local catalog (catalog/operators/) is the user's input to the scaffold.
            .filter(|n| !(n == "catalog" && out.join("catalog/operators").is_dir()))
            .collect();
        foreign.sort();
        if !foreign.is_empty() {
            let shown: Vec<&str> = foreign.iter().take(5).map(String::as_str).collect();
            bail!(
                "{}: the folder is not empty and was not made by manifesto scaffold (it holds {}{}); choose an empty --out, or use --force to mix the generated files in",
                out.display(),
                shown.join(", "),
                if foreign.len() > 5 { ", ..." } else { "" }
            );
        }
    }
    let state: State = std::fs::read_to_string(&state_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let mut writes: Vec<(String, Option<String>, String)> = Vec::new();
    let mut conflicts = Vec::new();
    let mut recorded = BTreeMap::new();
    for f in files {
        let path = write::safe_join(out, &f.path)?;
        let existing = std::fs::read_to_string(&path).ok();
        let ours = existing
            .as_ref()
            .is_some_and(|e| state.files.get(&f.path) == Some(&sha(e)));
        let mut content = f.content;
        // A SealedSecret we wrote, unedited, for the same certificate and keys stays as it is:
        // sealing is randomised, and its values were generated only once.
        if let (Some(keys), Some(e)) = (&f.sealed_keys, &existing) {
            let same_keys = manifesto::yaml::parse_one(e).ok().is_some_and(|v| {
                let mut have: Vec<String> = v["spec"]["encryptedData"]
                    .as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                have.sort();
                &have == keys
            });
            if ours && same_keys && state.cert_fingerprint == fingerprint && !a.reseal {
                content = e.clone();
            }
        }
        match &existing {
            Some(e) if *e == content => {}
            Some(_) if !ours && !a.force => conflicts.push(f.path.clone()),
            _ => writes.push((f.path.clone(), existing.clone(), content.clone())),
        }
        recorded.insert(f.path, sha(&content));
    }
    if a.keep_unlisted {
        for (path, hash) in &state.files {
            if !recorded.contains_key(path) && write::safe_join(out, path)?.is_file() {
                recorded.insert(path.clone(), hash.clone());
            }
        }
    }
    let generated_writes = writes.len();
    for (path, content) in extra {
        let existing = std::fs::read_to_string(write::safe_join(out, &path)?).ok();
        if existing.as_deref() != Some(content.as_str()) {
            writes.push((path, existing, content));
        }
    }
    if !conflicts.is_empty() {
        bail!(
            "{} file(s) were edited since the last scaffold (or were not written by it); kept as they are, nothing written. Use --force to overwrite:\n  {}",
            conflicts.len(),
            conflicts.join("\n  ")
        );
    }
    let state_json = serde_json::to_string_pretty(&serde_json::json!({
        "generatedBy": "manifesto scaffold",
        "certFingerprint": fingerprint,
        "files": recorded,
    }))? + "\n";
    let state_changes =
        std::fs::read_to_string(&state_path).ok().as_deref() != Some(state_json.as_str());
    if a.dry_run {
        for (path, before, after) in &writes {
            super::print_diff(path, before.as_deref(), after)?;
        }
        eprintln!("{} file(s) would change", writes.len());
        // Exit 1 means differences, as for diff: a real run would write something.
        return Ok(if writes.is_empty() && !state_changes {
            0
        } else {
            1
        });
    }
    let mut plan = write::Plan::new(out);
    for (path, _, content) in &writes {
        plan.add(path, content.as_bytes())?;
    }
    if state_changes {
        plan.add(STATE_FILE, state_json.as_bytes())?;
    }
    plan.commit()?;
    eprintln!(
        "{} file(s) written, {} unchanged, in {}",
        writes.len(),
        recorded.len().saturating_sub(generated_writes),
        out.display()
    );
    Ok(0)
}
