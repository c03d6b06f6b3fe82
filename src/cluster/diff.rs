//! Diff stage, pure: desired objects against live ones, object by object. Matches them by
//! group, kind, namespace and name; normalises both (normalize.rs), drops ignored fields
//! (ignore.rs), lays desired over live (compare.rs), and masks Secret values. Objects
//! desired but absent are created; live objects tracked for an Argo CD Application and no
//! longer desired would be pruned. Must not read files or talk to a cluster.

use super::compare::{self, FieldChange};
use super::ignore::Rule;
use super::normalize::{self, ObjectKey};
use crate::yaml::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Create,
    Update,
    Delete,
    Unchanged,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Create => "create",
            Change::Update => "update",
            Change::Delete => "delete",
            Change::Unchanged => "unchanged",
        }
    }
}

/// One object's verdict. `live` and `predicted` are the normalised objects as shown
/// (Secret values masked unless asked otherwise); `fields` the changes counted.
#[derive(Debug, Clone)]
pub struct ObjectDiff {
    pub key: ObjectKey,
    pub api_version: String,
    pub change: Change,
    pub fields: Vec<FieldChange>,
    /// Changes found only in ignored fields (not counted).
    pub ignored: usize,
    pub live: Option<Value>,
    pub predicted: Option<Value>,
}

/// Which live objects belong to the desired set, for pruning: Argo CD's tracking label
/// (`app.kubernetes.io/instance: NAME`) or annotation (`argocd.argoproj.io/tracking-id:
/// NAME:group/kind:namespace/name`).
#[derive(Debug, Clone)]
pub struct Tracking {
    pub app: String,
    pub label: String,
}

impl Tracking {
    pub fn argo(app: &str) -> Tracking {
        Tracking {
            app: app.to_string(),
            label: "app.kubernetes.io/instance".into(),
        }
    }

    pub fn tracks(&self, live: &Value) -> bool {
        let meta = live.get("metadata");
        let label = meta
            .and_then(|m| m.get("labels"))
            .and_then(|l| l.get(&self.label))
            .and_then(Value::as_str);
        let id = meta
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get("argocd.argoproj.io/tracking-id"))
            .and_then(Value::as_str);
        label == Some(self.app.as_str())
            || id.is_some_and(|id| id.split_once(':').is_some_and(|(a, _)| a == self.app))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub rules: Vec<Rule>,
    pub show_secrets: bool,
    /// With it, tracked live objects no longer desired are deletions.
    pub tracking: Option<Tracking>,
    /// The desired objects are the server's answers to a server-side apply dry run (the
    /// object as it would be): compared whole with the live one, every field counts.
    pub server_side: bool,
}

/// Compares every desired object with its live counterpart in `live` (objects found on
/// the cluster or in a snapshot). Desired objects must have their namespace resolved
/// (empty only for cluster-scoped kinds). The result is sorted by key.
pub fn diff(desired: &[Value], live: &[Value], opts: &Options) -> Vec<ObjectDiff> {
    let live_by_key: BTreeMap<ObjectKey, &Value> =
        live.iter().map(|l| (ObjectKey::of(l), l)).collect();
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for d in desired {
        let key = ObjectKey::of(d);
        seen.insert(key.clone());
        out.push(one(&key, Some(d), live_by_key.get(&key).copied(), opts));
    }
    if let Some(t) = &opts.tracking {
        for (key, l) in &live_by_key {
            if !seen.contains(key) && t.tracks(l) {
                out.push(one(key, None, Some(l), opts));
            }
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

fn one(
    key: &ObjectKey,
    desired: Option<&Value>,
    live: Option<&Value>,
    opts: &Options,
) -> ObjectDiff {
    let rules: Vec<&Rule> = opts.rules.iter().filter(|r| r.matches(key)).collect();
    let api_version = desired
        .or(live)
        .and_then(|v| v.get("apiVersion"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let live_n = live.map(|l| prepared(l, &rules, live, false));
    // A server-side prediction already has the server's defaults.
    let desired_n = desired.map(|d| prepared(d, &rules, live, !opts.server_side));
    let (change, fields, ignored, predicted) = match (&desired_n, &live_n) {
        (Some(d), Some(l)) => {
            // Server-side: compared whole, so what the live object has and the prediction
            // lacks is a removal (the live object serves as what was applied before).
            let last = if opts.server_side {
                Some(l.clone())
            } else {
                live.and_then(normalize::last_applied).map(|mut a| {
                    strip(&mut a, &rules, live);
                    a
                })
            };
            let o = compare::overlay(d, l, last.as_ref());
            // How many changes the ignore rules hid: the same comparison without them.
            let ignored = if rules.is_empty() || opts.server_side {
                0
            } else {
                let rd = prepared(desired.expect("desired is set"), &[], live, true);
                let rl = prepared(live.expect("live is set"), &[], live, false);
                let rlast = live.and_then(normalize::last_applied);
                compare::overlay(&rd, &rl, rlast.as_ref())
                    .changes
                    .len()
                    .saturating_sub(o.changes.len())
            };
            let change = if o.changes.is_empty() {
                Change::Unchanged
            } else {
                Change::Update
            };
            (change, o.changes, ignored, Some(o.predicted))
        }
        (Some(d), None) => (Change::Create, Vec::new(), 0, Some(d.clone())),
        (None, Some(_)) => (Change::Delete, Vec::new(), 0, None),
        (None, None) => unreachable!("an object is desired or live"),
    };
    let mut result = ObjectDiff {
        key: key.clone(),
        api_version,
        change,
        fields,
        ignored,
        live: live_n,
        predicted,
    };
    if !opts.show_secrets {
        mask_secrets(&mut result);
    }
    result
}

/// An object as it is compared: server fields dropped, `stringData` folded, the rules'
/// fields removed (`raw_live`, the live object as read, holds the managed fields), and with
/// `defaults` the server's defaults added.
fn prepared(v: &Value, rules: &[&Rule], raw_live: Option<&Value>, defaults: bool) -> Value {
    let mut v = v.clone();
    normalize::drop_server_fields(&mut v);
    normalize::fold_string_data(&mut v);
    strip(&mut v, rules, raw_live);
    if defaults {
        normalize::add_server_defaults(&mut v);
    }
    v
}

fn strip(v: &mut Value, rules: &[&Rule], raw_live: Option<&Value>) {
    for r in rules {
        r.strip(v, raw_live);
    }
}

/// kubectl diff's masking of a Secret's values: `***` where both sides hold the same
/// value or only one side has the key, `*** (before)` and `*** (after)` where it changes.
/// The last-applied annotation, which holds the values too, is masked whole.
fn mask_secrets(d: &mut ObjectDiff) {
    if !(d.key.group.is_empty() && d.key.kind == "Secret") {
        return;
    }
    let data = |v: &Option<Value>| -> BTreeMap<String, Value> {
        v.as_ref()
            .and_then(|v| v.get("data"))
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    };
    let (before, after) = (data(&d.live), data(&d.predicted));
    let masked = |v: &mut Option<Value>,
                  mine: &BTreeMap<String, Value>,
                  other: &BTreeMap<String, Value>,
                  word: &str| {
        let Some(Value::Object(m)) = v else { return };
        if let Some(Value::Object(dm)) = m.get_mut("data") {
            for (k, x) in dm.iter_mut() {
                let text = match other.get(k) {
                    Some(o) if Some(o) != mine.get(k) => format!("*** ({word})"),
                    _ => "***".to_string(),
                };
                *x = Value::String(text);
            }
        }
        if let Some(Value::Object(ann)) = m
            .get_mut("metadata")
            .and_then(|md| md.get_mut("annotations"))
            && let Some(a) = ann.get_mut(normalize::LAST_APPLIED)
        {
            *a = Value::String("***".into());
        }
    };
    masked(&mut d.live, &before, &after, "before");
    masked(&mut d.predicted, &after, &before, "after");
    for f in &mut d.fields {
        let secret_field = f.path == "data"
            || f.path.starts_with("data.")
            || f.path.contains(normalize::LAST_APPLIED);
        if secret_field {
            let both = f.old.is_some() && f.new.is_some();
            if let Some(o) = &mut f.old {
                *o = Value::String(if both { "*** (before)" } else { "***" }.into());
            }
            if let Some(n) = &mut f.new {
                *n = Value::String(if both { "*** (after)" } else { "***" }.into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secret(data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "n"}, "data": data})
    }

    #[test]
    fn secrets_are_masked_as_kubectl_does() {
        let desired = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "n"},
            "stringData": {"same": "a", "changed": "new"}});
        let mut live = secret(json!({"same": "YQ==", "changed": "b2xk", "liveonly": "eA=="}));
        live["metadata"]["annotations"] =
            json!({normalize::LAST_APPLIED: "{\"data\":{\"changed\":\"b2xk\"}}"});
        let r = diff(&[desired], &[live], &Options::default());
        assert_eq!(r[0].change, Change::Update);
        let text = format!("{:?}", r[0]);
        for secret in ["YQ==", "b2xk", "eA==", "bmV3"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        let l = r[0].live.as_ref().unwrap();
        let p = r[0].predicted.as_ref().unwrap();
        assert_eq!(l["data"]["same"], "***");
        assert_eq!(l["data"]["changed"], "*** (before)");
        assert_eq!(p["data"]["changed"], "*** (after)");
        assert_eq!(r[0].fields[0].old, Some(json!("*** (before)")));
        // With --show-secrets the values are shown.
        let desired = secret(json!({"k": "bmV3"}));
        let r = diff(
            &[desired],
            &[secret(json!({"k": "b2xk"}))],
            &Options {
                show_secrets: true,
                ..Options::default()
            },
        );
        assert_eq!(r[0].fields[0].new, Some(json!("bmV3")));
    }

    #[test]
    fn create_delete_prune_and_unchanged() {
        let cm = |name: &str, app: Option<&str>| {
            let mut v = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "n",
                "uid": "x", "resourceVersion": "7", "creationTimestamp": "2026-01-01T00:00:00Z"}, "data": {"a": "1"}});
            if let Some(a) = app {
                v["metadata"]["labels"] = json!({"app.kubernetes.io/instance": a});
            }
            v
        };
        let desired = vec![cm("kept", None), cm("new", None)];
        let live = vec![
            cm("kept", Some("shop")),
            cm("gone", Some("shop")),
            cm("other", Some("billing")),
        ];
        let opts = Options {
            tracking: Some(Tracking::argo("shop")),
            ..Options::default()
        };
        let r = diff(&desired, &live, &opts);
        let verdicts: Vec<_> = r.iter().map(|d| (d.key.name.as_str(), d.change)).collect();
        assert_eq!(
            verdicts,
            [
                ("gone", Change::Delete),
                ("kept", Change::Unchanged),
                ("new", Change::Create)
            ]
        );
        // Without tracking nothing is pruned.
        assert_eq!(diff(&desired, &live, &Options::default()).len(), 2);
    }

    #[test]
    fn server_side_predictions_compare_whole() {
        let dep = |spec: Value| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "w", "namespace": "n", "resourceVersion": "3", "managedFields": [{"manager": "x"}]}, "spec": spec})
        };
        let opts = Options {
            server_side: true,
            ..Options::default()
        };
        let live = dep(json!({"replicas": 2, "paused": true}));
        let r = diff(
            &[dep(json!({"replicas": 2, "paused": true}))],
            std::slice::from_ref(&live),
            &opts,
        );
        assert_eq!(r[0].change, Change::Unchanged);
        // The server dropped a field manifesto owned: a removal, which a plain diff misses.
        let r = diff(
            &[dep(json!({"replicas": 2}))],
            std::slice::from_ref(&live),
            &opts,
        );
        assert_eq!(
            r[0].fields
                .iter()
                .map(|f| f.path.as_str())
                .collect::<Vec<_>>(),
            ["spec.paused"]
        );
        assert_eq!(
            diff(&[dep(json!({"replicas": 2}))], &[live], &Options::default())[0].change,
            Change::Unchanged
        );
    }

    #[test]
    fn ignored_changes_do_not_count() {
        let dep = |replicas: i64| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "w", "namespace": "n"}, "spec": {"replicas": replicas}})
        };
        let rules = Rule::list_from(
            &json!([{"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}]),
        )
        .unwrap();
        let r = diff(
            &[dep(2)],
            &[dep(5)],
            &Options {
                rules,
                ..Options::default()
            },
        );
        assert_eq!(r[0].change, Change::Unchanged);
        assert_eq!(r[0].ignored, 1);
    }
}
