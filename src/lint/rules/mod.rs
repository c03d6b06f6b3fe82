//! Lint rules, one file each (a few closely related checks share one): each reads the
//! built trees and the repository model and reports raw findings into a `Sink`, located
//! by object and field. Pure over what was loaded, but for `build`, which reads the
//! kustomization file to find the line naming a missing file; no rule reaches the network.

mod argocd_crd_order;
mod argocd_namespace_rights;
mod argocd_path;
mod argocd_project;
mod argocd_shared_resource;
mod argocd_sync_wave;
mod build;
mod dangling_patch;
mod deprecated_api;
mod missing_reference;
mod olm_api_version;
mod olm_channel;
mod olm_target_namespaces;
mod plaintext_secret;
mod schema;
mod strimzi;

use super::Built;
use super::config::Config;
use super::model::{Obj, Repo};
use super::schema::Store;
use crate::kustomize::resmap::resource::Resource;
use crate::yaml::Value;
use std::path::Path;

pub struct Context<'a> {
    pub root: &'a Path,
    pub built: &'a [Built],
    pub repo: &'a Repo<'a>,
    pub schemas: &'a Store,
    pub config: &'a Config,
}

/// Where a raw finding is: an object (its source file, the line its document starts on,
/// and the field), a file and line, or a field of a file's first document.
#[derive(Debug, Clone)]
pub enum At {
    Object {
        source: String,
        line: usize,
        field: Option<String>,
    },
    File {
        file: String,
        line: Option<usize>,
    },
    Field {
        file: String,
        path: String,
    },
    Nowhere,
}

#[derive(Debug, Clone)]
pub struct Raw {
    pub rule: &'static str,
    pub at: At,
    pub resource: Option<String>,
    pub field_shown: Option<String>,
    pub message: String,
    pub folders: Vec<usize>,
    /// Report as an error whatever the rule's default (a removed API, not a deprecated
    /// one), unless the configuration set the rule's severity.
    pub escalate: bool,
}

#[derive(Default)]
pub struct Sink {
    pub raw: Vec<Raw>,
}

impl Sink {
    /// A finding on an object, at a field of it (`None`: the object itself).
    pub fn object(
        &mut self,
        rule: &'static str,
        folder: Option<usize>,
        r: &Resource,
        field: Option<&str>,
        message: String,
    ) {
        // A field a patch wrote is pointed at in the patch, not in the base it changed.
        let at = match field.and_then(|f| super::attribute::patch_origin(r, f)) {
            Some((source, line, inner)) => At::Object {
                source,
                line,
                field: Some(inner),
            },
            None => At::Object {
                source: r.source.clone(),
                line: r.line,
                field: field.map(|f| super::attribute::base_path(r, f).unwrap_or_else(|| f.into())),
            },
        };
        self.raw.push(Raw {
            rule,
            at,
            resource: Some(describe(r)),
            field_shown: field.map(str::to_string),
            message,
            folders: folder.into_iter().collect(),
            escalate: false,
        });
    }

    pub fn on(&mut self, rule: &'static str, o: Obj, field: Option<&str>, message: String) {
        self.object(rule, Some(o.folder), o.res, field, message);
    }

    pub fn push(&mut self, raw: Raw) {
        self.raw.push(raw);
    }
}

/// How findings name an object: `Kind namespace/name`, or `Kind name`.
pub fn describe(r: &Resource) -> String {
    match r.namespace() {
        "" => format!("{} {}", r.kind(), r.name()),
        ns => format!("{} {ns}/{}", r.kind(), r.name()),
    }
}

pub fn run_all(ctx: &Context, sink: &mut Sink) {
    build::check(ctx, sink);
    schema::check(ctx, sink);
    deprecated_api::check(ctx, sink);
    dangling_patch::check(ctx, sink);
    argocd_path::check(ctx, sink);
    argocd_shared_resource::check(ctx, sink);
    argocd_sync_wave::check(ctx, sink);
    argocd_crd_order::check(ctx, sink);
    argocd_project::check(ctx, sink);
    argocd_namespace_rights::check(ctx, sink);
    strimzi::check(ctx, sink);
    missing_reference::check(ctx, sink);
    plaintext_secret::check(ctx, sink);
    olm_channel::check(ctx, sink);
    olm_api_version::check(ctx, sink);
    olm_target_namespaces::check(ctx, sink);
}

/// The value at a path of mapping keys.
pub fn at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |cur, k| cur.get(k))
}

pub fn label<'r>(r: &'r Resource, key: &str) -> Option<&'r str> {
    at(&r.obj, &["metadata", "labels", key]).and_then(Value::as_str)
}

pub fn annotation<'r>(r: &'r Resource, key: &str) -> Option<&'r str> {
    at(&r.obj, &["metadata", "annotations", key]).and_then(Value::as_str)
}

/// Two namespaces are the same where both are known and equal, or where either is not
/// set (a base written without one lands wherever its overlay puts it).
pub fn same_ns(a: &str, b: &str) -> bool {
    a.is_empty() || b.is_empty() || a == b
}

/// Whether the object's sync-options annotation skips the dry run of a missing kind.
pub fn skips_dry_run(r: &Resource) -> bool {
    annotation(r, "argocd.argoproj.io/sync-options").is_some_and(|o| {
        o.split(',')
            .any(|x| x.trim().replace(' ', "") == "SkipDryRunOnMissingResource=true")
    })
}

/// Argo CD's glob (`*` any run, `?` one character), whole string.
pub fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some((b'*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some((b'?', rest)) => !t.is_empty() && go(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// Argo CD's allow-list match with `!` negation: some positive pattern matches and no
/// negated one does.
pub fn allowed<'p>(patterns: impl IntoIterator<Item = &'p str> + Clone, text: &str) -> bool {
    let positive = patterns
        .clone()
        .into_iter()
        .filter(|p| !p.starts_with('!'))
        .any(|p| glob(p, text));
    let negated = patterns
        .into_iter()
        .filter_map(|p| p.strip_prefix('!'))
        .any(|p| glob(p, text));
    positive && !negated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argo_globs() {
        assert!(glob("team-*", "team-a") && !glob("team-*", "other"));
        assert!(allowed(["*", "!kube-*"], "apps") && !allowed(["*", "!kube-*"], "kube-system"));
        assert!(!allowed(["!x"], "y"));
    }
}
