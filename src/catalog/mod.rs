//! Operator catalog: the built-in operator data (package, source, install mode, channels,
//! provided APIs), lookups with suggestions, and the invariants the data must keep.
//! Pure library: never prints, never touches the filesystem except through callers.

pub mod bump;
mod data;
pub mod render;

use crate::yaml::{self, Value};
use std::sync::OnceLock;

#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    pub name: String,
    pub csv: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    pub group: String,
    pub version: String,
    pub kinds: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallMode {
    /// The operator watches every namespace (OperatorGroup without target namespaces).
    AllNamespaces,
    /// The operator watches its own namespace only.
    OwnNamespace,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    pub name: String,
    pub display_name: String,
    pub package: String,
    pub csv_prefix: String,
    pub source: String,
    pub source_namespace: String,
    pub install_mode: InstallMode,
    pub namespace: String,
    pub default_channel: String,
    pub channels: Vec<Channel>,
    pub provides: Vec<Api>,
    /// The data file it came from.
    pub file: String,
}

impl Operator {
    pub fn channel(&self, name: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.name == name)
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
}

fn is_semver(s: &str) -> bool {
    let core = s.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

fn parse_operator(file: &str, text: &str) -> Result<Operator, String> {
    let v = yaml::parse_one(text).map_err(|e| format!("catalog/operators/{file}: {e}"))?;
    let s = |k: &str| -> Result<String, String> {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("catalog/operators/{file}: missing field {k}"))
    };
    let package = s("package")?;
    let channels = v
        .get("channels")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("catalog/operators/{file}: missing channels"))?
        .iter()
        .map(|c| Channel {
            name: yaml::str_at(c, &["name"]).to_string(),
            csv: c.get("csv").and_then(Value::as_str).map(str::to_string),
        })
        .collect();
    let provides = v
        .get("provides")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|a| Api {
            group: yaml::str_at(a, &["group"]).to_string(),
            version: yaml::str_at(a, &["version"]).to_string(),
            kinds: a
                .get("kinds")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect(),
        })
        .collect();
    let install_mode = match s("installMode")?.as_str() {
        "AllNamespaces" => InstallMode::AllNamespaces,
        "OwnNamespace" => InstallMode::OwnNamespace,
        other => {
            return Err(format!(
                "catalog/operators/{file}: unknown installMode {other}"
            ));
        }
    };
    Ok(Operator {
        name: s("name")?,
        display_name: s("displayName")?,
        csv_prefix: v
            .get("csvPrefix")
            .and_then(Value::as_str)
            .unwrap_or(&package)
            .to_string(),
        package,
        source: s("source")?,
        source_namespace: s("sourceNamespace")?,
        install_mode,
        namespace: s("namespace")?,
        default_channel: s("defaultChannel")?,
        channels,
        provides,
        file: format!("catalog/operators/{file}"),
    })
}

/// Every built-in operator, sorted by name. The data is checked by the test suite; a
/// broken file is a build-time bug, so it panics with the file named.
pub fn operators() -> &'static [Operator] {
    static ALL: OnceLock<Vec<Operator>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<Operator> = data::OPERATORS
            .iter()
            .map(|(f, t)| parse_operator(f, t).unwrap_or_else(|e| panic!("built-in catalog: {e}")))
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    })
}

/// Built-in CatalogSource objects (file name, object), parsed once per process.
pub fn catalog_sources() -> &'static [(String, Value)] {
    static ALL: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    ALL.get_or_init(|| {
        data::CATALOG_SOURCES
            .iter()
            .map(|(f, t)| {
                (
                    f.to_string(),
                    yaml::parse_one(t).unwrap_or_else(|e| panic!("catalog source {f}: {e}")),
                )
            })
            .collect()
    })
}

/// Whether `source` names one of the built-in CatalogSources.
pub fn is_builtin_source(source: &str) -> bool {
    catalog_sources()
        .iter()
        .any(|(_, cs)| yaml::str_at(cs, &["metadata", "name"]) == source)
}

/// Finds an operator by catalog name or OLM package name.
pub fn find(name: &str) -> Result<&'static Operator, String> {
    if let Some(op) = operators()
        .iter()
        .find(|o| o.name == name || o.package == name)
    {
        return Ok(op);
    }
    let mut scored: Vec<(usize, &str)> = operators()
        .iter()
        .flat_map(|o| [o.name.as_str(), o.package.as_str()])
        .map(|n| (distance(name, n), n))
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    let near: Vec<&str> = scored
        .iter()
        .filter(|(d, _)| *d <= 3.max(name.len() / 3))
        .take(3)
        .map(|(_, n)| *n)
        .collect();
    let partial: Vec<&str> = operators()
        .iter()
        .filter(|o| name.len() >= 3 && (o.name.contains(name) || o.package.contains(name)))
        .map(|o| o.name.as_str())
        .collect();
    let mut suggestions: Vec<&str> = near;
    for p in partial {
        if !suggestions.contains(&p) {
            suggestions.push(p);
        }
    }
    if suggestions.is_empty() {
        Err(format!(
            "unknown operator {name:?} (see `manifesto catalog list`)"
        ))
    } else {
        Err(format!(
            "unknown operator {name:?}; did you mean {}?",
            suggestions.join(", ")
        ))
    }
}

/// Levenshtein distance, for suggestions.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = if ca == *cb { 0 } else { 1 };
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The operator whose APIs include this group and kind, if any (for lint and scaffold).
pub fn operator_for_kind(api_version: &str, kind: &str) -> Option<&'static Operator> {
    let group = api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
    operators().iter().find(|o| o.provides_kind(group, kind))
}

/// The catalog sources every OpenShift cluster has.
const OPENSHIFT_SOURCES: [&str; 4] = [
    "redhat-operators",
    "certified-operators",
    "community-operators",
    "redhat-marketplace",
];

/// Problems with the built-in data; empty when every invariant holds.
pub fn check_invariants() -> Vec<String> {
    let mut errs = Vec::new();
    let ops = operators();
    for (i, o) in ops.iter().enumerate() {
        let at = &o.file;
        if ops[..i].iter().any(|p| p.name == o.name) {
            errs.push(format!("{at}: duplicate name {}", o.name));
        }
        if ops[..i].iter().any(|p| p.package == o.package) {
            errs.push(format!("{at}: duplicate package {}", o.package));
        }
        if format!("{}.yaml", o.name) != o.file.rsplit('/').next().unwrap_or("") {
            errs.push(format!("{at}: file name must be <name>.yaml"));
        }
        if o.channel(&o.default_channel).is_none() {
            errs.push(format!(
                "{at}: default channel {} is not among the channels",
                o.default_channel
            ));
        }
        for (j, c) in o.channels.iter().enumerate() {
            if c.name.is_empty() || c.name.contains('/') || c.name.contains(char::is_whitespace) {
                errs.push(format!(
                    "{at}: channel name {:?} cannot be a folder name",
                    c.name
                ));
            }
            if o.channels[..j].iter().any(|d| d.name == c.name) {
                errs.push(format!("{at}: duplicate channel {}", c.name));
            }
            if let Some(csv) = &c.csv
                && !o.csv_belongs(csv)
            {
                errs.push(format!(
                    "{at}: CSV {csv} is not of the form {}.v<semver>",
                    o.csv_prefix
                ));
            }
        }
        if o.provides.is_empty() {
            errs.push(format!("{at}: provides no APIs"));
        }
        for a in &o.provides {
            if a.version.is_empty() || a.kinds.is_empty() {
                errs.push(format!(
                    "{at}: API group {} needs a version and kinds",
                    a.group
                ));
            }
        }
        if !OPENSHIFT_SOURCES.contains(&o.source.as_str()) && !is_builtin_source(&o.source) {
            errs.push(format!("{at}: source {} is neither an OpenShift default catalog nor a built-in CatalogSource", o.source));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_data_keeps_its_invariants() {
        assert_eq!(check_invariants(), Vec::<String>::new());
        assert!(operators().len() >= 22);
    }

    #[test]
    fn every_data_file_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/operators");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let mut embedded: Vec<String> =
            data::OPERATORS.iter().map(|(f, _)| f.to_string()).collect();
        embedded.sort();
        assert_eq!(files, embedded);
    }

    #[test]
    fn lookups_and_suggestions() {
        assert_eq!(find("strimzi-kafka-operator").unwrap().name, "strimzi");
        let e = find("ibm-evenstreams").unwrap_err();
        assert!(e.contains("ibm-eventstreams"), "{e}");
        assert_eq!(
            operator_for_kind("mq.ibm.com/v1beta1", "QueueManager")
                .unwrap()
                .name,
            "ibm-mq"
        );
        let es = find("ibm-eventstreams").unwrap();
        assert!(es.csv_belongs("ibm-eventstreams.v3.7.1"));
        assert!(!es.csv_belongs("ibm-mq.v3.2.0"));
        assert!(!es.csv_belongs("ibm-eventstreams.v3"));
    }
}
