//! Catalog data model: an operator entry as its reviewed YAML file says it (package, source,
//! install mode, channels, the APIs each channel range serves, operand defaults, and the
//! public source behind every one of those facts), parsed with Go-like strictness (unknown
//! fields refused). Pure: parses text it is given; never reads files.

use crate::yaml::{self, Value};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    pub name: String,
    /// The channel's head CSV, where a source states it.
    pub csv: Option<String>,
    /// For a moving channel (`stable`, `latest`): the versioned channel it leads to now.
    pub follows: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    pub group: String,
    pub version: String,
    pub kinds: Vec<String>,
    /// First and last channel (by name, in the file's oldest-first order) serving it.
    pub since: Option<String>,
    pub until: Option<String>,
}

impl Api {
    pub fn api_version(&self) -> String {
        format!("{}/{}", self.group, self.version)
    }
}

/// Defaults a channel's operands need (IBM products: product version, license id and use).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Operand {
    pub channel: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub license: Option<String>,
    #[serde(default, rename = "use")]
    pub license_use: Option<String>,
    #[serde(default)]
    pub kafka_version: Option<String>,
    /// The operand runs Kafka on KRaft with node pools (no ZooKeeper).
    #[serde(default)]
    pub kraft: bool,
}

/// Where a fact comes from: a document address or a repository file at a commit.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    #[serde(rename = "ref")]
    pub reference: String,
    /// The facts it backs: `package`, `source`, `installMode`, `defaultChannel`,
    /// `channel NAME`, `csv NAME`, `follows NAME`, `api GROUP/VERSION`, `operand CHANNEL`,
    /// `manifest`.
    pub backs: Vec<String>,
    /// What it states, in the reviewer's words.
    pub says: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum InstallMode {
    /// The operator watches every namespace (OperatorGroup without target namespaces).
    AllNamespaces,
    /// The operator watches its own namespace only.
    OwnNamespace,
}

/// How an entry is installed.
#[derive(Debug, Clone, PartialEq)]
pub enum Install {
    /// An OLM Subscription (with an OperatorGroup outside `openshift-operators`).
    Olm,
    /// An upstream release manifest, as a kustomize remote resource: `url` holds
    /// `{channel}`, which each channel (a release tag) fills in; `patches` are kustomize
    /// `patches` entries applied to it (e.g. what OpenShift's restricted SCC needs).
    Manifest { url: String, patches: Vec<Value> },
}

/// Where an entry was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    BuiltIn,
    /// A local catalog folder (the user's `catalog/operators/` or `--catalog DIR`).
    Local,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    pub name: String,
    pub display_name: String,
    /// OLM package (Subscription `spec.name`); empty for a manifest entry.
    pub package: String,
    pub csv_prefix: String,
    pub source: String,
    pub source_namespace: String,
    pub install_mode: InstallMode,
    pub install: Install,
    pub namespace: String,
    pub default_channel: String,
    /// Oldest first; moving channels last.
    pub channels: Vec<Channel>,
    pub provides: Vec<Api>,
    pub operands: Vec<Operand>,
    pub sources: Vec<Source>,
    pub notes: Option<String>,
    /// The data file it came from.
    pub file: String,
    pub origin: Origin,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ChannelFile {
    name: String,
    #[serde(default)]
    csv: Option<String>,
    #[serde(default)]
    follows: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ApiFile {
    group: String,
    version: String,
    kinds: Vec<String>,
    #[serde(default)]
    since: Option<String>,
    #[serde(default)]
    until: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ManifestFile {
    url: String,
    #[serde(default)]
    patches: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OperatorFile {
    name: String,
    display_name: String,
    #[serde(default)]
    package: Option<String>,
    #[serde(default)]
    csv_prefix: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    source_namespace: Option<String>,
    #[serde(default)]
    install_mode: Option<InstallMode>,
    #[serde(default)]
    manifest: Option<ManifestFile>,
    namespace: String,
    default_channel: String,
    channels: Vec<ChannelFile>,
    provides: Vec<ApiFile>,
    #[serde(default)]
    operands: Vec<Operand>,
    sources: Vec<Source>,
    /// Reviewer's notes: what surprised, what was left out and why.
    #[serde(default)]
    notes: Option<String>,
}

/// Parses one operator file; `file` names it in errors.
pub fn parse(file: &str, text: &str, origin: Origin) -> Result<Operator, String> {
    let v = yaml::parse_one(text).map_err(|e| format!("{file}: {e}"))?;
    let f: OperatorFile = serde_json::from_value(v).map_err(|e| format!("{file}: {e}"))?;
    let (install, package, source) = match f.manifest {
        Some(m) => {
            if f.package.is_some() || f.source.is_some() || f.csv_prefix.is_some() {
                return Err(format!(
                    "{file}: a manifest entry has no package, csvPrefix or source (those are OLM's)"
                ));
            }
            (
                Install::Manifest {
                    url: m.url,
                    patches: m.patches,
                },
                String::new(),
                String::new(),
            )
        }
        None => (
            Install::Olm,
            f.package
                .ok_or_else(|| format!("{file}: missing field `package` (or `manifest`)"))?,
            f.source
                .ok_or_else(|| format!("{file}: missing field `source`"))?,
        ),
    };
    Ok(Operator {
        name: f.name,
        display_name: f.display_name,
        csv_prefix: f.csv_prefix.unwrap_or_else(|| package.clone()),
        package,
        source,
        source_namespace: f
            .source_namespace
            .unwrap_or_else(|| "openshift-marketplace".into()),
        install_mode: f.install_mode.unwrap_or(InstallMode::AllNamespaces),
        install,
        namespace: f.namespace,
        default_channel: f.default_channel,
        channels: f
            .channels
            .into_iter()
            .map(|c| Channel {
                name: c.name,
                csv: c.csv,
                follows: c.follows,
            })
            .collect(),
        provides: f
            .provides
            .into_iter()
            .map(|a| Api {
                group: a.group,
                version: a.version,
                kinds: a.kinds,
                since: a.since,
                until: a.until,
            })
            .collect(),
        operands: f.operands,
        sources: f.sources,
        notes: f.notes,
        file: file.to_string(),
        origin,
    })
}

impl Operator {
    pub fn channel(&self, name: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.name == name)
    }

    pub fn is_olm(&self) -> bool {
        self.install == Install::Olm
    }

    /// A CSV name belongs to this package when it reads `<prefix>.v<semver>`.
    pub fn csv_belongs(&self, csv: &str) -> bool {
        csv.strip_prefix(&format!("{}.v", self.csv_prefix))
            .is_some_and(is_semver)
    }

    pub fn provides_kind(&self, group: &str, kind: &str) -> bool {
        self.provides
            .iter()
            .any(|a| a.group == group && a.kinds.iter().any(|k| k == kind))
    }

    /// The versioned channel a channel stands for: the one a moving channel follows, else
    /// itself. (The invariants keep `follows` one step deep; the bound guards loops.)
    fn leads_to<'c>(&'c self, channel: &'c str) -> &'c str {
        let mut name = channel;
        for _ in 0..self.channels.len() {
            match self.channel(name).and_then(|c| c.follows.as_deref()) {
                Some(f) => name = f,
                None => break,
            }
        }
        name
    }

    /// The position of a channel in version order: a moving channel counts as the one it
    /// follows; an unknown channel (bumped with `--allow-unknown-channel`) as the newest.
    fn rank(&self, channel: &str) -> usize {
        let name = self.leads_to(channel);
        self.channels
            .iter()
            .position(|c| c.name == name)
            .unwrap_or(self.channels.len())
    }

    /// The APIs served on a channel, in the file's order of preference.
    pub fn apis_on(&self, channel: &str) -> impl Iterator<Item = &Api> {
        let r = self.rank(channel);
        self.provides.iter().filter(move |a| {
            a.since.as_deref().is_none_or(|s| self.rank(s) <= r)
                && a.until.as_deref().is_none_or(|u| r <= self.rank(u))
        })
    }

    /// The `apiVersion` to write a kind in on a channel: the first the file lists for it.
    pub fn api_version_for(&self, channel: &str, group: &str, kind: &str) -> Option<String> {
        self.apis_on(channel)
            .find(|a| a.group == group && a.kinds.iter().any(|k| k == kind))
            .map(Api::api_version)
    }

    /// The operand defaults for a channel (a moving channel's are those it follows, unless
    /// it has its own).
    pub fn operand(&self, channel: &str) -> Option<&Operand> {
        let of = |name: &str| self.operands.iter().find(|o| o.channel == name);
        of(channel).or_else(|| of(self.leads_to(channel)))
    }

    /// The remote resource a manifest entry installs for a channel (a release tag).
    pub fn manifest_url(&self, channel: &str) -> Option<String> {
        match &self.install {
            Install::Manifest { url, .. } => Some(url.replace("{channel}", channel)),
            Install::Olm => None,
        }
    }

    /// Every fact the entry states, as the keys a source's `backs` names.
    pub fn facts(&self) -> Vec<String> {
        // `defaultChannel` is manifesto's choice of starting channel, not a claim about the
        // package: its source is its channel's.
        let mut f = Vec::new();
        match self.install {
            Install::Olm => f.extend(["package", "source", "installMode"].map(String::from)),
            Install::Manifest { .. } => f.push("manifest".into()),
        }
        for c in &self.channels {
            f.push(format!("channel {}", c.name));
            if c.csv.is_some() {
                f.push(format!("csv {}", c.name));
            }
            if c.follows.is_some() {
                f.push(format!("follows {}", c.name));
            }
        }
        for a in &self.provides {
            f.push(format!("api {}", a.api_version()));
        }
        for o in &self.operands {
            f.push(format!("operand {}", o.channel));
        }
        f
    }
}

pub(crate) fn is_semver(s: &str) -> bool {
    let core = s.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// A source reference is an `https://` address or `github:OWNER/REPO@COMMIT:PATH` with a
/// commit of 7 to 40 hex digits (a branch name is not a source: it moves).
pub fn valid_reference(r: &str) -> bool {
    if let Some(rest) = r.strip_prefix("https://") {
        return rest.contains('.') && !rest.contains(char::is_whitespace);
    }
    let Some(rest) = r.strip_prefix("github:") else {
        return false;
    };
    let Some((repo, rest)) = rest.split_once('@') else {
        return false;
    };
    let Some((commit, path)) = rest.split_once(':') else {
        return false;
    };
    repo.split('/').count() == 2
        && !repo.split('/').any(str::is_empty)
        && (7..=40).contains(&commit.len())
        && commit.chars().all(|c| c.is_ascii_hexdigit())
        && !path.is_empty()
}
