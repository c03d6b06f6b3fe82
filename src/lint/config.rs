//! Lint configuration: `.manifesto-lint.yaml` (rules on or off, severities, paths to skip,
//! schema locations, Kubernetes version), read into typed settings. Reads one file; the
//! command line overrides what it sets.

use super::rule::{self, Rule};
use crate::diag::{Diagnostic, Severity};
use crate::yaml::Value;
use std::collections::BTreeMap;
use std::path::Path;

pub const FILE: &str = ".manifesto-lint.yaml";

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Rule name → severity, or `None`: off.
    pub rules: BTreeMap<&'static str, Option<Severity>>,
    /// Globs of paths (relative to the root, '/'-separated) lint passes over.
    pub skip: Vec<String>,
    pub schema_locations: Vec<String>,
    pub kubernetes_version: Option<(u32, u32)>,
    /// The git URL Applications name for this repository (default: the git remote).
    pub repo_urls: Vec<String>,
    /// Namespaces of Argo CD instances that may write only where they are granted rights
    /// (OpenShift GitOps' default instance: `openshift-gitops`).
    pub namespaced_argocd: Vec<String>,
}

impl Config {
    /// The severity a rule reports at, or `None` when it is off.
    pub fn severity(&self, r: &Rule) -> Option<Severity> {
        match self.rules.get(r.name) {
            Some(s) => *s,
            None => Some(r.severity),
        }
    }

    pub fn kube_version(&self) -> (u32, u32) {
        self.kubernetes_version
            .unwrap_or(super::DEFAULT_KUBERNETES_VERSION)
    }

    /// Whether a root-relative path is one of the skipped (a glob matches it or a folder
    /// above it).
    pub fn skipped(&self, rel: &str) -> bool {
        if rel == "." {
            return false;
        }
        self.skip.iter().any(|g| {
            let g = g.trim_end_matches('/');
            glob_match(g, rel)
                || rel
                    .match_indices('/')
                    .any(|(i, _)| glob_match(g, &rel[..i]))
        })
    }

    pub fn namespaced_argocd(&self) -> Vec<String> {
        if self.namespaced_argocd.is_empty() {
            vec!["openshift-gitops".into()]
        } else {
            self.namespaced_argocd.clone()
        }
    }

    /// Reads `.manifesto-lint.yaml` in `root`, if there is one.
    pub fn load(root: &Path) -> Result<Config, Box<Diagnostic>> {
        let path = root.join(FILE);
        if !path.is_file() {
            return Ok(Config::default());
        }
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Diagnostic::error(format!("cannot read: {e}")).in_file(path.display().to_string())
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// Parses a configuration text; errors name the file, line and field.
    pub fn parse(text: &str, file: &str) -> Result<Config, Box<Diagnostic>> {
        let (v, lines) = crate::yaml::parse_one_with_lines(text).map_err(|e| {
            Diagnostic::error(e.message)
                .in_file(file)
                .at_line(Some(e.line))
        })?;
        let err = |field: &str, msg: String| {
            Box::new(
                Diagnostic::error(msg)
                    .in_file(file)
                    .at_line(lines.get(field).copied())
                    .at_field(field.to_string()),
            )
        };
        let mut c = Config::default();
        let m = match &v {
            Value::Null => return Ok(c),
            Value::Object(m) => m,
            _ => return Err(err("", "must be a mapping".into())),
        };
        let strings = |field: &str, v: &Value| -> Result<Vec<String>, Box<Diagnostic>> {
            match v {
                Value::Array(a) => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| err(field, "must be a list of strings".into()))
                    })
                    .collect(),
                Value::String(s) => Ok(vec![s.clone()]),
                _ => Err(err(field, "must be a list of strings".into())),
            }
        };
        for (k, val) in m {
            match k.as_str() {
                "rules" => {
                    let Value::Object(rs) = val else {
                        return Err(err(
                            "rules",
                            "must map rule names to off, error, warning or info".into(),
                        ));
                    };
                    for (name, s) in rs {
                        let field = format!("rules.{name}");
                        let Some(r) = rule::find(name) else {
                            return Err(err(
                                &field,
                                format!(
                                    "no rule named {name} (manifesto lint --list-rules lists them)"
                                ),
                            ));
                        };
                        let sev = match s {
                            Value::Bool(false) => None,
                            Value::Bool(true) => Some(r.severity),
                            Value::String(s) => match s.as_str() {
                                "off" => None,
                                "on" => Some(r.severity),
                                "error" => Some(Severity::Error),
                                "warning" => Some(Severity::Warning),
                                "info" => Some(Severity::Info),
                                other => {
                                    return Err(err(
                                        &field,
                                        format!(
                                            "{other:?} is not one of off, on, error, warning, info"
                                        ),
                                    ));
                                }
                            },
                            _ => {
                                return Err(err(
                                    &field,
                                    "must be off, on, error, warning or info".into(),
                                ));
                            }
                        };
                        c.rules.insert(r.name, sev);
                    }
                }
                "skip" => c.skip = strings("skip", val)?,
                "schemaLocations" => c.schema_locations = strings("schemaLocations", val)?,
                "repoURL" | "repoURLs" => c.repo_urls = strings(k, val)?,
                "namespacedArgoCD" => c.namespaced_argocd = strings(k, val)?,
                "kubernetesVersion" => {
                    let s = match val {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => String::new(),
                    };
                    c.kubernetes_version = Some(parse_version(&s).ok_or_else(|| {
                        err(
                            "kubernetesVersion",
                            format!("{s:?} is not a Kubernetes version like 1.32"),
                        )
                    })?);
                }
                other => {
                    return Err(err(
                        other,
                        format!(
                            "unknown setting {other:?} (known: rules, skip, schemaLocations, kubernetesVersion, repoURL, namespacedArgoCD)"
                        ),
                    ));
                }
            }
        }
        Ok(c)
    }
}

/// `1.32`, `v1.32`, `1.32.4` → (1, 32).
pub fn parse_version(s: &str) -> Option<(u32, u32)> {
    let s = s.trim().trim_start_matches('v');
    let mut it = s.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    if let Some(patch) = it.next() {
        patch.parse::<u32>().ok()?;
    }
    it.next().is_none().then_some((major, minor))
}

/// Shell-style glob: `*` any run within a path segment, `**` any run across segments,
/// `?` one character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some((b'*', rest)) if rest.first() == Some(&b'*') => {
                let rest = &rest[1..];
                let rest = rest.strip_prefix(b"/").unwrap_or(rest);
                (0..=t.len()).any(|i| go(rest, &t[i..]))
            }
            Some((b'*', rest)) => (0..=t.len())
                .take_while(|&i| i == 0 || t[i - 1] != b'/')
                .any(|i| go(rest, &t[i..])),
            Some((b'?', rest)) => !t.is_empty() && t[0] != b'/' && go(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_setting_and_names_the_line_of_a_bad_one() {
        let c = Config::parse(
            "rules:\n  plaintext-secret: off\n  MF006: error\nskip: [vendor/**]\nkubernetesVersion: '1.29'\n",
            "f",
        )
        .unwrap();
        assert_eq!(c.severity(rule::named("plaintext-secret")), None);
        assert_eq!(
            c.severity(rule::named("dangling-patch")),
            Some(Severity::Error)
        );
        assert_eq!(c.kube_version(), (1, 29));
        assert!(c.skipped("vendor/a/b") && !c.skipped("apps"));
        let e = Config::parse("rules:\n  nosuch: off\n", "f").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("no rule named nosuch"), "{e}");
        let e = Config::parse("kubernetesVersion: one\n", "f").unwrap_err();
        assert!(e.render().starts_with("f:1: kubernetesVersion:"), "{e}");
    }

    #[test]
    fn globs() {
        assert!(glob_match("a/*/c", "a/b/c") && !glob_match("a/*", "a/b/c"));
        assert!(glob_match("**/tmp", "x/y/tmp") && glob_match("**", "x/y"));
        assert!(glob_match("a?c", "abc") && !glob_match("a?c", "a/c"));
    }
}
