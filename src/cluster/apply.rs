//! Cluster stage: server-side apply of a set of objects in the order a fresh cluster
//! needs. Namespaces and CRDs first, the rest by Argo CD sync wave; each CRD is waited for
//! until Established before its custom resources; with `wait`, a Subscription is waited
//! for until its CSV Succeeded; objects whose kind or namespace is not there yet (an
//! operator still installing) are retried until they are, or until the deadline; objects
//! annotated `manifesto.dev/apply-when-exists` are applied only once their operator has
//! created them, and the objects of later waves wait with them. Talks to the cluster only
//! through client.rs; reports progress through a callback and never prints.

use super::client::{Cluster, ClusterError};
use super::normalize::ObjectKey;
use super::requests::{self, Discovery};
use super::scope::Scopes;
use crate::yaml::Value;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Take fields other managers own (`--force-conflicts`).
    pub force_conflicts: bool,
    /// Ask the server what would happen, change nothing (`--dry-run=server`).
    pub dry_run: bool,
    /// Wait for each Subscription's CSV to succeed.
    pub wait: bool,
    /// Wait for kinds and namespaces that are not there yet (an operator installs them).
    pub wait_for_kinds: bool,
    pub timeout: Duration,
    pub poll: Duration,
    /// Namespace for namespaced objects that have none.
    pub namespace: Option<String>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            force_conflicts: false,
            dry_run: false,
            wait: false,
            wait_for_kinds: false,
            timeout: Duration::from_secs(300),
            poll: Duration::from_secs(2),
            namespace: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Configured,
    Unchanged,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Configured => "configured",
            Outcome::Unchanged => "unchanged",
        }
    }
}

impl From<ClusterError> for ApplyError {
    fn from(e: ClusterError) -> Self {
        ApplyError::Cluster(Box::new(e))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("{key}: {source}{hint}")]
    Object {
        key: String,
        // Boxed: errors are rare and the status text is large.
        source: Box<ClusterError>,
        hint: &'static str,
    },
    #[error(transparent)]
    Cluster(Box<ClusterError>),
    #[error("gave up after {secs} s, still waiting for: {waiting}")]
    Timeout { secs: u64, waiting: String },
    #[error("{0}")]
    Refused(String),
}

/// What was applied, in order.
#[derive(Debug, Default)]
pub struct Applied {
    pub objects: Vec<(ObjectKey, Outcome)>,
}

/// Where an object goes in the order: Namespaces, then CRDs, then the rest.
fn phase(obj: &Value) -> u8 {
    match obj.get("kind").and_then(Value::as_str) {
        Some("Namespace") => 0,
        Some("CustomResourceDefinition") => 1,
        _ => 2,
    }
}

/// The annotation scaffold puts on objects an operator creates and the repo amends.
pub const APPLY_WHEN_EXISTS: &str = "manifesto.dev/apply-when-exists";

fn applies_when_exists(obj: &Value) -> bool {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(APPLY_WHEN_EXISTS))
        .and_then(Value::as_str)
        == Some("true")
}

/// An object's Argo CD sync wave (0 when it has none or Argo CD could not read it).
fn wave(obj: &Value) -> i64 {
    obj.pointer("/metadata/annotations/argocd.argoproj.io~1sync-wave")
        .and_then(Value::as_str)
        .and_then(|w| w.trim().parse().ok())
        .unwrap_or(0)
}

fn webhook_denied(e: &ClusterError) -> bool {
    matches!(e, ClusterError::Status { message, .. } if message.starts_with("admission webhook") && message.contains("denied the request"))
}

fn not_found_namespace(e: &ClusterError) -> bool {
    matches!(e, ClusterError::Status { code: 404, message, .. } if message.starts_with("namespaces "))
}

fn comparable(v: &Value) -> Value {
    let mut v = v.clone();
    super::normalize::drop_server_fields(&mut v);
    v
}

/// Applies `objects` in order, reporting each step through `progress`.
pub fn apply_all(
    cluster: &Cluster,
    mut objects: Vec<Value>,
    opts: &ApplyOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<Applied, ApplyError> {
    let deadline = Instant::now() + opts.timeout;
    let mut disc = cluster.discover(&[])?;
    // Set when the server may serve new kinds (a CRD Established, an operator installed,
    // a wait for kinds): discovery runs again the next time a kind is not found.
    let mut stale = false;
    let mut scopes = Scopes::default();
    scopes.learn_crds(&objects);
    scopes.learn_discovery(&disc);
    let ns = opts
        .namespace
        .clone()
        .unwrap_or_else(|| cluster.default_namespace().to_string());
    scopes.resolve(&mut objects, &ns);
    // Argo CD's sync waves order the rest, as Argo CD would apply them.
    objects.sort_by_key(|o| (phase(o), wave(o)));
    let crd_kinds: Vec<(String, String)> =
        objects.iter().filter_map(super::scope::crd_kind).collect();
    let namespaces: Vec<String> = objects
        .iter()
        .filter(|o| phase(o) == 0)
        .map(|o| crate::yaml::str_at(o, &["metadata", "name"]).to_string())
        .collect();
    let mut done = Applied::default();
    let mut pending: Vec<Value> = objects;
    loop {
        let mut waiting: Vec<(Value, String)> = Vec::new();
        let mut progressed = false;
        // Set by an object waiting for its operator to create it: the later sync waves
        // wait too (the root Application must not sync before the instance has its
        // health checks).
        let mut barrier: Option<(i64, String)> = None;
        for obj in std::mem::take(&mut pending) {
            let key = ObjectKey::of(&obj);
            if let Some((w, b)) = &barrier
                && wave(&obj) > *w
            {
                let why = format!("{key} (after {b})");
                waiting.push((obj, why));
                continue;
            }
            if stale && disc.find(&key.group, &key.kind).is_none() {
                disc = cluster.discover(&[])?;
                stale = false;
            }
            let Some(r) = disc.find(&key.group, &key.kind).cloned() else {
                let crd_desired = crd_kinds.contains(&(key.group.clone(), key.kind.clone()));
                if opts.dry_run && crd_desired {
                    progress(&format!(
                        "{key}: would be created with its CustomResourceDefinition (server dry run)"
                    ));
                    done.objects.push((key, Outcome::Created));
                    continue;
                }
                if crd_desired || opts.wait_for_kinds {
                    waiting.push((obj, format!("{key} (kind not served yet)")));
                    continue;
                }
                return Err(ApplyError::Refused(format!(
                    "{key}: the server has no kind {} in API group {:?} (and no CustomResourceDefinition for it is applied)",
                    key.kind, key.group
                )));
            };
            let before = cluster
                .get_object(&r, &key.namespace, &key.name)
                .map_err(|e| object_error(&key, e))?;
            // An object its operator creates (the default Argo CD instance) is only amended:
            // applying it first would make a bare instance the operator then leaves alone.
            if before.is_none() && applies_when_exists(&obj) {
                if opts.dry_run {
                    progress(&format!(
                        "{key}: would be applied once its operator has created it (server dry run)"
                    ));
                    done.objects.push((key, Outcome::Configured));
                } else {
                    barrier = Some((wave(&obj), key.to_string()));
                    waiting.push((obj, format!("{key} (its operator has not created it yet)")));
                }
                continue;
            }
            let after = match cluster.apply(&r, &obj, opts.force_conflicts, opts.dry_run) {
                Ok(a) => a,
                Err(e)
                    if not_found_namespace(&e)
                        && (opts.wait_for_kinds
                            || opts.dry_run && namespaces.contains(&key.namespace)) =>
                {
                    if opts.dry_run {
                        progress(&format!(
                            "{key}: would be created with its Namespace (server dry run)"
                        ));
                        done.objects.push((key, Outcome::Created));
                    } else {
                        waiting.push((
                            obj,
                            format!("{key} (namespace {} not there yet)", key.namespace),
                        ));
                    }
                    continue;
                }
                // An operator's webhook that refuses an object for what it has not seen yet
                // (KnativeKafka before its informer has the KnativeEventing applied just
                // before): retried until the deadline, as for a kind not served yet.
                Err(e) if opts.wait_for_kinds && webhook_denied(&e) => {
                    let why = match &e {
                        ClusterError::Status { message, .. } => message.clone(),
                        _ => String::new(),
                    };
                    waiting.push((obj, format!("{key} ({why})")));
                    continue;
                }
                Err(e) => return Err(object_error(&key, e)),
            };
            let outcome = match &before {
                None => Outcome::Created,
                Some(b) if comparable(b) == comparable(&after) => Outcome::Unchanged,
                Some(_) => Outcome::Configured,
            };
            let suffix = if opts.dry_run {
                " (server dry run)"
            } else {
                ""
            };
            progress(&format!("{key} {}{suffix}", outcome.as_str()));
            progressed = true;
            if !opts.dry_run && phase(&obj) == 1 {
                wait_until(
                    deadline,
                    opts.poll,
                    progress,
                    &format!("{key} to be Established"),
                    || {
                        Ok(cluster
                            .get_object(&r, "", &key.name)?
                            .is_some_and(|c| requests::crd_established(&c)))
                    },
                )?;
                stale = true;
            }
            if !opts.dry_run
                && opts.wait
                && key.kind == "Subscription"
                && key.group == "operators.coreos.com"
            {
                wait_for_csv(cluster, &disc, &key, deadline, opts.poll, progress)?;
                stale = true;
            }
            done.objects.push((key, outcome));
        }
        if waiting.is_empty() {
            return Ok(done);
        }
        if Instant::now() >= deadline {
            return Err(ApplyError::Timeout {
                secs: opts.timeout.as_secs(),
                waiting: waiting
                    .iter()
                    .map(|(_, w)| w.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        if !progressed {
            progress(&format!("waiting for {}", waiting[0].1));
            std::thread::sleep(opts.poll);
        }
        stale = true;
        pending = waiting.into_iter().map(|(o, _)| o).collect();
    }
}

fn object_error(key: &ObjectKey, e: ClusterError) -> ApplyError {
    let hint = match &e {
        ClusterError::Status { code: 409, .. } => {
            " (another field manager owns these fields: --force-conflicts takes them)"
        }
        ClusterError::Status { code: 403, .. } => {
            " (the credentials in use may not change this object)"
        }
        _ => "",
    };
    ApplyError::Object {
        key: key.to_string(),
        source: Box::new(e),
        hint,
    }
}

fn wait_until(
    deadline: Instant,
    poll: Duration,
    progress: &mut dyn FnMut(&str),
    what: &str,
    mut ready: impl FnMut() -> Result<bool, ClusterError>,
) -> Result<(), ApplyError> {
    let mut told = false;
    loop {
        if ready()? {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(ApplyError::Timeout {
                secs: 0,
                waiting: what.to_string(),
            });
        }
        if !told {
            progress(&format!("waiting for {what}"));
            told = true;
        }
        std::thread::sleep(poll);
    }
}

fn wait_for_csv(
    cluster: &Cluster,
    disc: &Discovery,
    sub: &ObjectKey,
    deadline: Instant,
    poll: Duration,
    progress: &mut dyn FnMut(&str),
) -> Result<(), ApplyError> {
    let subs = disc
        .find("operators.coreos.com", "Subscription")
        .cloned()
        .ok_or_else(|| ApplyError::Refused("the server serves no Subscriptions".into()))?;
    let mut csv_name = String::new();
    wait_until(
        deadline,
        poll,
        progress,
        &format!("{sub} to install a CSV"),
        || {
            let s = cluster.get_object(&subs, &sub.namespace, &sub.name)?;
            match s.as_ref().and_then(requests::installed_csv) {
                Some(c) => {
                    csv_name = c.to_string();
                    Ok(true)
                }
                None => Ok(false),
            }
        },
    )?;
    let csvs = disc
        .find("operators.coreos.com", "ClusterServiceVersion")
        .cloned()
        .ok_or_else(|| ApplyError::Refused("the server serves no ClusterServiceVersions".into()))?;
    let mut phase = String::new();
    wait_until(
        deadline,
        poll,
        progress,
        &format!(
            "ClusterServiceVersion {}/{csv_name} to succeed",
            sub.namespace
        ),
        || {
            let c = cluster.get_object(&csvs, &sub.namespace, &csv_name)?;
            phase = c
                .as_ref()
                .map(|c| requests::csv_phase(c).to_string())
                .unwrap_or_default();
            if phase == "Failed" {
                return Err(ClusterError::Answer(format!(
                    "ClusterServiceVersion {}/{csv_name} failed",
                    sub.namespace
                )));
            }
            Ok(phase == "Succeeded")
        },
    )?;
    progress(&format!(
        "ClusterServiceVersion {}/{csv_name} succeeded",
        sub.namespace
    ));
    Ok(())
}
