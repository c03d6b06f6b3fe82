//! Lint data: the apiVersions Kubernetes deprecated or removed (`data/deprecated.tsv`) and
//! the Kubernetes minor of each OpenShift release (`data/openshift.tsv`), both reviewed
//! tables with their sources. Pure lookups; reads nothing at run time.

const DEPRECATED: &str = include_str!("data/deprecated.tsv");
const OPENSHIFT: &str = include_str!("data/openshift.tsv");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub deprecated_in: Option<(u32, u32)>,
    pub removed_in: (u32, u32),
    pub replacement: Option<&'static str>,
}

fn minor(s: &str) -> Option<(u32, u32)> {
    super::config::parse_version(s)
}

fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').collect())
}

pub fn entries() -> &'static [Entry] {
    static TABLE: std::sync::OnceLock<Vec<Entry>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        rows(DEPRECATED)
            .map(|c| Entry {
                api_version: c[0],
                kind: c[1],
                deprecated_in: minor(c[2]),
                removed_in: minor(c[3]).expect("the table's removals are versions"),
                replacement: (c[4] != "-").then_some(c[4]),
            })
            .collect()
    })
}

/// What the table says of an apiVersion and kind at a Kubernetes version: removed
/// (`Err`), deprecated (`Ok(Some)`), or fine.
pub fn status(api_version: &str, kind: &str, at: (u32, u32)) -> Option<(bool, Entry)> {
    let e = entries()
        .iter()
        .find(|e| e.api_version == api_version && e.kind == kind)?
        .clone();
    if at >= e.removed_in {
        Some((true, e))
    } else if e.deprecated_in.is_some_and(|d| at >= d) {
        Some((false, e))
    } else {
        None
    }
}

/// The Kubernetes minor an OpenShift release (`4.16`) uses.
pub fn openshift(release: &str) -> Option<(u32, u32)> {
    let r = minor(release)?;
    rows(OPENSHIFT)
        .find(|c| minor(c[0]) == Some(r))
        .and_then(|c| minor(c[1]))
}

/// The OpenShift release that uses a Kubernetes minor, for messages.
pub fn openshift_for(k: (u32, u32)) -> Option<&'static str> {
    rows(OPENSHIFT)
        .find(|c| minor(c[1]) == Some(k))
        .map(|c| c[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_unique_sourced_and_consistent() {
        let mut prev: Option<(&str, &str)> = None;
        for c in rows(DEPRECATED) {
            assert_eq!(c.len(), 6, "{c:?}");
            assert!(c[5].starts_with("https://"), "no source: {c:?}");
            let key = (c[0], c[1]);
            assert!(prev.is_none_or(|p| p < key), "not sorted or twice: {key:?}");
            prev = Some(key);
        }
        for e in entries() {
            if let Some(d) = e.deprecated_in {
                assert!(d < e.removed_in, "{e:?}");
            }
            if let Some(r) = e.replacement {
                assert!(r.contains('/') && r != e.api_version, "{e:?}");
            }
        }
        for c in rows(OPENSHIFT) {
            assert!(c[2].starts_with("https://"), "{c:?}");
        }
        assert_eq!(openshift("4.16"), Some((1, 29)));
        assert_eq!(openshift_for((1, 32)), Some("4.19"));
    }

    #[test]
    fn removed_deprecated_or_fine() {
        let (removed, e) = status("batch/v1beta1", "CronJob", (1, 25)).unwrap();
        assert!(removed && e.replacement == Some("batch/v1"));
        let (removed, _) = status("batch/v1beta1", "CronJob", (1, 22)).unwrap();
        assert!(!removed);
        assert!(status("batch/v1beta1", "CronJob", (1, 20)).is_none());
        assert!(status("batch/v1", "CronJob", (1, 32)).is_none());
    }
}
