//! Operator catalog: the built-in operator data (package, source, install mode, channels,
//! the APIs each channel serves, operand defaults, the source of every fact), local catalog
//! folders that add or replace entries, lookups with suggestions, and the invariants every
//! entry must keep. Never prints; reads files only in `load_dir`.

pub mod bump;
mod data;
pub mod import;
pub mod render;

mod model;

pub use model::{
    Api, Channel, Install, InstallMode, Operand, Operator, Origin, Source, valid_reference,
};

use crate::yaml::{self, Value};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn builtin() -> &'static [Operator] {
    static ALL: OnceLock<Vec<Operator>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<Operator> = data::OPERATORS
            .iter()
            .map(|(f, t)| {
                model::parse(&format!("catalog/operators/{f}"), t, Origin::BuiltIn)
                    .unwrap_or_else(|e| panic!("built-in catalog: {e}"))
            })
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    })
}

/// The catalog in use: the built-in one, or what [`activate`] made of it and local folders.
static ACTIVE: OnceLock<Vec<Operator>> = OnceLock::new();

/// Every operator of the catalog in use, sorted by name. The built-in data is checked by the
/// test suite; a broken built-in file is a build-time bug, so it panics with the file named.
pub fn operators() -> &'static [Operator] {
    ACTIVE.get().map(Vec::as_slice).unwrap_or_else(builtin)
}

/// Reads the operator files of a local catalog folder (`DIR/operators/*.yaml`), sorted.
/// A folder without `operators/` holds none. This is the catalog's one filesystem read.
pub fn load_dir(dir: &Path) -> Result<Vec<Operator>, String> {
    let ops_dir = dir.join("operators");
    if !ops_dir.is_dir() {
        return Err(format!(
            "{}: no operators/ folder (a local catalog holds operators/<name>.yaml)",
            dir.display()
        ));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&ops_dir)
        .map_err(|e| format!("{}: {e}", ops_dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml") && p.is_file())
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let bytes = crate::write::read_regular(&f, crate::write::MAX_INPUT)
            .map_err(|e| format!("{}: {e}", f.display()))?;
        let text =
            String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8 text", f.display()))?;
        out.push(model::parse(
            &f.display().to_string(),
            &text,
            Origin::Local,
        )?);
    }
    Ok(out)
}

/// Parses one local entry and checks it as [`activate`] would (with the built-in entries
/// beside it, so a clash of package names is found too).
pub fn load_entry(file: &str, text: &str) -> Result<Operator, String> {
    let op = model::parse(file, text, Origin::Local)?;
    merged(vec![op.clone()])?;
    Ok(op)
}

/// The built-in catalog with local entries added; a local entry replaces the built-in one of
/// the same name. Every local entry must keep the same invariants as the built-in data.
pub fn merged(local: Vec<Operator>) -> Result<Vec<Operator>, String> {
    let mut all: Vec<Operator> = builtin().to_vec();
    for op in local {
        match all.iter_mut().find(|o| o.name == op.name) {
            Some(slot) => *slot = op,
            None => all.push(op),
        }
    }
    all.sort_by(|a, b| a.name.cmp(&b.name));
    // The built-in entries are checked by the test suite; report only the local ones.
    let errs = check_where(&all, |o| o.origin == Origin::Local);
    if errs.is_empty() {
        Ok(all)
    } else {
        Err(errs.join("\n"))
    }
}

/// Makes the built-in catalog plus these local folders the catalog in use, for the rest of
/// the process. Called once by the command line before a command runs; later calls (and
/// calls after the catalog was first read) keep the first.
pub fn activate(dirs: &[PathBuf]) -> Result<(), String> {
    if dirs.is_empty() {
        return Ok(());
    }
    let mut local = Vec::new();
    for d in dirs {
        local.extend(load_dir(d)?);
    }
    let all = merged(local)?;
    let _ = ACTIVE.set(all);
    Ok(())
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
        .find(|o| o.name == name || (o.is_olm() && o.package == name))
    {
        return Ok(op);
    }
    let mut scored: Vec<(usize, &str)> = operators()
        .iter()
        .flat_map(|o| [o.name.as_str(), o.package.as_str()])
        .filter(|n| !n.is_empty())
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
        .filter(|o| {
            name.len() >= 3 && (o.name.contains(name) || (o.is_olm() && o.package.contains(name)))
        })
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

/// Problems with the catalog in use; empty when every invariant holds.
pub fn check_invariants() -> Vec<String> {
    check(operators())
}

/// The invariants of a catalog: names, channels, CSVs, API ranges, operand defaults, and
/// a source behind every fact (see catalog/README.md).
pub fn check(ops: &[Operator]) -> Vec<String> {
    check_where(ops, |_| true)
}

fn check_where(ops: &[Operator], only: impl Fn(&Operator) -> bool) -> Vec<String> {
    let mut errs = Vec::new();
    for (i, o) in ops.iter().enumerate() {
        if !only(o) {
            continue;
        }
        let at = &o.file;
        if ops[..i].iter().any(|p| p.name == o.name) {
            errs.push(format!("{at}: duplicate name {}", o.name));
        }
        if o.is_olm()
            && ops
                .iter()
                .enumerate()
                .any(|(k, p)| k != i && p.is_olm() && p.package == o.package)
        {
            errs.push(format!("{at}: duplicate package {}", o.package));
        }
        let stem = o.file.rsplit('/').next().unwrap_or("");
        if format!("{}.yaml", o.name) != stem && format!("{}.yml", o.name) != stem {
            errs.push(format!("{at}: file name must be <name>.yaml"));
        }
        if o.channel(&o.default_channel).is_none() {
            errs.push(format!(
                "{at}: default channel {} is not among the channels",
                o.default_channel
            ));
        }
        if o.channels.is_empty() {
            errs.push(format!("{at}: lists no channels"));
        }
        for (j, c) in o.channels.iter().enumerate() {
            if let Err(e) = crate::names::olm_channel(&c.name) {
                errs.push(format!("{at}: channel {:?}: {e}", c.name));
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
            if let Some(f) = &c.follows {
                match o.channel(f) {
                    None => errs.push(format!(
                        "{at}: channel {} follows {f}, which is not among the channels",
                        c.name
                    )),
                    Some(t) if t.follows.is_some() => errs.push(format!(
                        "{at}: channel {} follows {f}, itself a moving channel",
                        c.name
                    )),
                    _ => {}
                }
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
            for c in [&a.since, &a.until].into_iter().flatten() {
                if o.channel(c).is_none() {
                    errs.push(format!(
                        "{at}: API {}: channel {c} is not among the channels",
                        a.api_version()
                    ));
                }
            }
        }
        for d in &o.operands {
            if o.channel(&d.channel).is_none() {
                errs.push(format!(
                    "{at}: operand defaults for channel {}, which is not among the channels",
                    d.channel
                ));
            }
        }
        match &o.install {
            Install::Olm => {
                let known_source =
                    OPENSHIFT_SOURCES.contains(&o.source.as_str()) || is_builtin_source(&o.source);
                if o.origin == Origin::BuiltIn && !known_source {
                    errs.push(format!("{at}: source {} is neither an OpenShift default catalog nor a built-in CatalogSource", o.source));
                }
                if crate::names::dns_subdomain(&o.package).is_err() {
                    errs.push(format!("{at}: package {:?} is not a valid name", o.package));
                }
            }
            Install::Manifest { url, .. } => {
                if !url.starts_with("https://") || !url.contains("{channel}") {
                    errs.push(format!(
                        "{at}: manifest url must be an https:// address holding {{channel}}"
                    ));
                }
            }
        }
        let facts = o.facts();
        for s in &o.sources {
            // A local entry may cite the cluster it was imported from; the built-in data
            // only public sources a reviewer can read.
            let from_cluster = o.origin == Origin::Local
                && s.reference
                    .strip_prefix("cluster:")
                    .is_some_and(|r| r.split('/').count() == 2 && !r.contains(char::is_whitespace));
            if !valid_reference(&s.reference) && !from_cluster {
                errs.push(format!(
                    "{at}: source {:?} is neither an https:// address nor github:OWNER/REPO@COMMIT:PATH",
                    s.reference
                ));
            }
            if s.says.trim().is_empty() {
                errs.push(format!("{at}: source {} says nothing", s.reference));
            }
            if s.backs.is_empty() {
                errs.push(format!("{at}: source {} backs no fact", s.reference));
            }
            for b in &s.backs {
                if !facts.contains(b) {
                    errs.push(format!(
                        "{at}: source {} backs {b:?}, which is not a fact of this entry",
                        s.reference
                    ));
                }
            }
        }
        for f in &facts {
            if !o.sources.iter().any(|s| s.backs.contains(f)) {
                errs.push(format!("{at}: no source backs {f:?}"));
            }
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
        // What scaffold and lint rely on is there.
        for name in [
            "ibm-eventstreams",
            "ibm-mq",
            "strimzi",
            "apicurio-registry",
            "sealed-secrets",
            "openshift-gitops",
            "openshift-serverless",
        ] {
            assert!(find(name).is_ok(), "{name}");
        }
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
        // Each kind gets the apiVersion its channel serves.
        let strimzi = find("strimzi").unwrap();
        assert_eq!(
            strimzi
                .api_version_for("stable", "kafka.strimzi.io", "Kafka")
                .as_deref(),
            Some("kafka.strimzi.io/v1beta2")
        );
        assert_eq!(
            strimzi
                .api_version_for("strimzi-1.x", "kafka.strimzi.io", "Kafka")
                .as_deref(),
            Some("kafka.strimzi.io/v1")
        );
        assert!(
            strimzi
                .operand("stable")
                .is_some_and(|o| o.kafka_version.is_some())
        );
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
