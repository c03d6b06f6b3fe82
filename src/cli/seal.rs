//! `manifesto seal`: Secret → SealedSecret with the controller's certificate, one raw value,
//! merging into an existing SealedSecret file, and the recovery path (to stdout only).

use anyhow::{Context, Result, bail};
use base64::Engine;
use manifesto::seal::{self, Certificate, Scope, SealOptions};
use manifesto::write::{self, MAX_INPUT};
use manifesto::yaml::{self, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeArg {
    Strict,
    NamespaceWide,
    ClusterWide,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The sealed-secrets controller's certificate (PEM)
    #[arg(long)]
    pub cert: Option<PathBuf>,
    /// The Secret to seal (YAML or JSON); `-` for stdin
    #[arg(short = 'f', long = "file", default_value = "-")]
    pub file: String,
    /// Who may unseal: strict (default; this name in this namespace), namespace-wide or
    /// cluster-wide; overrides the Secret's annotations
    #[arg(long, value_enum)]
    pub scope: Option<ScopeArg>,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Yaml)]
    pub format: Format,
    /// Write the SealedSecret to this file (atomically) instead of stdout
    #[arg(short = 'w', long = "write")]
    pub write: Option<PathBuf>,
    /// Seal a Secret with no data
    #[arg(long)]
    pub allow_empty_data: bool,
    /// Print one sealed value (for hand edits); needs --from-file, and --name/--namespace as the scope requires
    #[arg(long)]
    pub raw: bool,
    /// With --raw: the file holding the value to seal
    #[arg(long, requires = "raw")]
    pub from_file: Option<PathBuf>,
    /// With --raw: the Secret's name (strict scope binds the value to it)
    #[arg(long)]
    pub name: Option<String>,
    /// With --raw: the Secret's namespace (strict and namespace-wide scopes bind to it)
    #[arg(long)]
    pub namespace: Option<String>,
    /// Add or replace the sealed keys of this existing SealedSecret file, keeping the rest
    #[arg(long)]
    pub merge_into: Option<PathBuf>,
    /// Decrypt a SealedSecret to a Secret on stdout (disaster recovery)
    #[arg(long)]
    pub recovery_unseal: bool,
    /// Private key(s) for --recovery-unseal (a PEM file may hold several)
    #[arg(long)]
    pub recovery_private_key: Vec<PathBuf>,
    /// Print the controller's certificate, read from the cluster (as kubeseal --fetch-cert)
    #[arg(long)]
    pub fetch_cert: bool,
    /// The sealed-secrets controller's Service, for --fetch-cert or sealing without --cert
    #[arg(long, default_value = "sealed-secrets-controller")]
    pub controller_name: String,
    /// The sealed-secrets controller's namespace
    #[arg(long, default_value = "kube-system")]
    pub controller_namespace: String,
    #[command(flatten)]
    pub cluster: super::cluster::ClusterArgs,
}

fn read_input(file: &str) -> Result<(Vec<u8>, String)> {
    if file == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut buf)
            .context("reading stdin")?;
        if buf.len() as u64 > MAX_INPUT {
            bail!("<stdin>: over the limit of {MAX_INPUT} bytes");
        }
        Ok((buf, "<stdin>".into()))
    } else {
        Ok((super::read_input(Path::new(file))?, file.to_string()))
    }
}

fn parse_object(bytes: &[u8], origin: &str) -> Result<Value> {
    let text = std::str::from_utf8(bytes).with_context(|| format!("{origin}: not UTF-8"))?;
    if text.trim_start().starts_with('{')
        && let Ok(v) = serde_json::from_str(text)
    {
        return Ok(v);
    }
    // Parse errors name the line, never echo the content.
    yaml::parse_one(text).map_err(|e| anyhow::anyhow!("{origin}: line {}: {}", e.line, e.message))
}

/// The certificate from `--cert`, else from the cluster's controller (as kubeseal).
fn load_cert(a: &Args) -> Result<Certificate> {
    let Some(p) = &a.cert else {
        let pem = fetch_cert(a)?;
        return Certificate::from_pem(pem.as_bytes()).with_context(|| {
            format!(
                "the certificate of {}/{} (from the cluster)",
                a.controller_namespace, a.controller_name
            )
        });
    };
    let pem = super::read_capped(p, super::MAX_PEM)?;
    Certificate::from_pem(&pem).with_context(|| format!("{}", p.display()))
}

fn fetch_cert(a: &Args) -> Result<String> {
    let cluster = super::cluster::connect(&a.cluster)?;
    cluster
        .fetch_sealing_cert(&a.controller_namespace, &a.controller_name)
        .with_context(|| {
            format!(
                "fetching the sealing certificate of {}/{} (--controller-namespace, --controller-name, or --cert FILE)",
                a.controller_namespace, a.controller_name
            )
        })
}

fn render(v: &Value, format: Format) -> String {
    if format == Format::Json {
        let mut s = serde_json::to_string_pretty(v).expect("values serialise");
        s.push('\n');
        s
    } else {
        yaml::to_yaml(v)
    }
}

fn emit(text: &str, write: &Option<PathBuf>) -> Result<()> {
    match write {
        Some(p) => Ok(write::write_file(p, text.as_bytes())?),
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .context("writing to stdout"),
    }
}

pub fn run(a: &Args) -> Result<i32> {
    let scope = a.scope.map(|s| match s {
        ScopeArg::Strict => Scope::Strict,
        ScopeArg::NamespaceWide => Scope::NamespaceWide,
        ScopeArg::ClusterWide => Scope::ClusterWide,
    });
    if a.recovery_unseal {
        if a.write.is_some() {
            bail!(
                "--recovery-unseal prints to stdout only; a plaintext Secret is never written to disk"
            );
        }
        if a.recovery_private_key.is_empty() {
            bail!("--recovery-unseal needs --recovery-private-key KEY.pem");
        }
        let mut keys = Vec::new();
        for p in &a.recovery_private_key {
            let pem = String::from_utf8(super::read_capped(p, super::MAX_PEM)?)
                .map_err(|_| anyhow::anyhow!("{}: is not valid UTF-8", p.display()))?;
            keys.extend(
                seal::private_keys_from_pem(&pem).with_context(|| format!("{}", p.display()))?,
            );
        }
        let (bytes, origin) = read_input(&a.file)?;
        let sealed = parse_object(&bytes, &origin)?;
        let secret = seal::unseal(&sealed, &keys).with_context(|| origin.clone())?;
        std::io::stdout()
            .lock()
            .write_all(render(&secret, a.format).as_bytes())?;
        return Ok(0);
    }
    if a.fetch_cert {
        let pem = fetch_cert(a)?;
        // Checked before printing: what is printed must be usable with --cert.
        Certificate::from_pem(pem.as_bytes()).context("the certificate the controller served")?;
        std::io::stdout()
            .lock()
            .write_all(pem.as_bytes())
            .context("writing to stdout")?;
        return Ok(0);
    }
    let cert = load_cert(a)?;
    let opts = SealOptions {
        allow_empty_data: a.allow_empty_data,
    };
    if a.raw {
        let Some(f) = &a.from_file else {
            bail!("--raw needs --from-file FILE")
        };
        let scope = scope.unwrap_or(Scope::Strict);
        let ns = a.namespace.clone().unwrap_or_default();
        let name = a.name.clone().unwrap_or_default();
        if scope != Scope::ClusterWide && ns.is_empty() {
            bail!("--raw with scope {scope:?} needs --namespace");
        }
        if scope == Scope::Strict && name.is_empty() {
            bail!("--raw with strict scope needs --name");
        }
        let value = super::read_input(f)?;
        let sealed = seal::encrypt(&cert, &seal::label(scope, &ns, &name), &value)?;
        let text = base64::engine::general_purpose::STANDARD.encode(sealed);
        return emit(&text, &a.write).map(|_| 0);
    }
    let (bytes, origin) = read_input(&a.file)?;
    let secret = parse_object(&bytes, &origin)?;
    if let Some(target) = &a.merge_into {
        let text = super::read_text(target)?;
        let mut existing = parse_object(text.as_bytes(), &target.display().to_string())?;
        let keys = seal::merge_into(&mut existing, &secret, &cert, opts)
            .with_context(|| target.display().to_string())?;
        let out = if text.trim_start().starts_with('{') {
            render(&existing, Format::Json)
        } else {
            // Only the merged entries' lines change; comments and order stay as they are.
            let entries: Vec<(String, String)> = keys
                .iter()
                .map(|k| {
                    let v = yaml::str_at(&existing, &["spec", "encryptedData", k]);
                    (k.clone(), v.to_string())
                })
                .collect();
            // The line edit must read back as the merged object; where the file's layout
            // defeats it (flow style, no encryptedData yet), rewrite the whole file.
            match seal::merge_encrypted_text(&text, &entries) {
                Ok(t) if yaml::parse_one(&t).ok().as_ref() == Some(&existing) => t,
                _ => {
                    eprintln!(
                        "warning: {}: could not edit the entries in place; the file is rewritten in manifesto's style",
                        target.display()
                    );
                    yaml::to_yaml(&existing)
                }
            }
        };
        write::write_file(Path::new(target), out.as_bytes())?;
        return Ok(0);
    }
    let sealed = seal::seal(&secret, &cert, scope, opts).with_context(|| origin.clone())?;
    emit(&render(&sealed, a.format), &a.write)?;
    Ok(0)
}
