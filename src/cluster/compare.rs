//! Diff stage, pure: what applying the desired object would change on the live one, as
//! Argo CD's default diff decides it. The desired object is laid over the live one: only
//! fields the desired object sets are compared; maps merge; lists the Kubernetes API
//! merges are matched item by item on their merge keys, in any order; other lists are
//! compared whole. With the live object's `last-applied-configuration`, fields applied
//! before and no longer desired are removals (a three-way diff). Scalars compare as values
//! (values.rs). Must not normalise (normalize.rs) nor do I/O.

use super::values::{self, Field};
use crate::kustomize::transforms::schema::{self, KindLists, ListMode};
use crate::yaml::{Map, Value};
use std::sync::Arc;

/// One field that would change: its path (`spec.template.spec.containers[name=web].image`),
/// the live value (`None`: absent) and the value after applying (`None`: removed).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// The live object as it would be after applying the desired one, and the changes.
#[derive(Debug, Clone)]
pub struct Overlay {
    pub predicted: Value,
    pub changes: Vec<FieldChange>,
}

/// Lays `desired` over `live` (both normalised), with `last` the live object's
/// last-applied configuration if it has one.
pub fn overlay(desired: &Value, live: &Value, last: Option<&Value>) -> Overlay {
    let api = desired
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind = desired.get("kind").and_then(Value::as_str).unwrap_or("");
    let mut w = Walk {
        lists: schema::lists_for(api, kind),
        changes: Vec::new(),
        schema_path: Vec::new(),
        shown: Vec::new(),
    };
    // The version is the server's to choose (it serves the object at every version).
    let mut desired = desired.clone();
    if let (Some(d), Some(l)) = (desired.as_object_mut(), live.get("apiVersion")) {
        d.insert("apiVersion".into(), l.clone());
    }
    let predicted = w
        .value(&desired, Some(live), last, Field::Plain)
        .unwrap_or(Value::Null);
    Overlay {
        predicted,
        changes: w.changes,
    }
}

struct Walk {
    lists: Option<Arc<KindLists>>,
    changes: Vec<FieldChange>,
    /// Map keys only (`spec.template.spec.containers`): how the schema names a list.
    schema_path: Vec<String>,
    /// Keys and list items (`containers[name=web]`): how a change is shown.
    shown: Vec<String>,
}

/// The kind of value under a map key, for comparing scalars (values.rs).
fn field_of(parent: Option<&str>, key: &str, path: &[String]) -> Field {
    const QUANTITY_PARENTS: &[&str] = &[
        "limits",
        "requests",
        "capacity",
        "allocatable",
        "hard",
        "used",
        "overhead",
        "max",
        "min",
        "default",
        "defaultRequest",
        "maxLimitRequestRatio",
    ];
    const OPAQUE: &[&str] = &[
        "data",
        "stringData",
        "binaryData",
        "labels",
        "annotations",
        "env",
        "args",
        "command",
    ];
    if path.iter().any(|s| OPAQUE.contains(&s.as_str())) || OPAQUE.contains(&key) {
        Field::Opaque
    } else if parent.is_some_and(|p| QUANTITY_PARENTS.contains(&p))
        || matches!(key, "sizeLimit" | "storage")
    {
        Field::Quantity
    } else {
        Field::Plain
    }
}

/// A value with its `null`s removed, as a strategic merge patch would add it.
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k.clone(), without_nulls(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// Equal as values, for lists that are compared whole.
fn same_deep(a: &Value, b: &Value, field: Field) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let x: Vec<_> = x.iter().filter(|(_, v)| !v.is_null()).collect();
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.get(k.as_str())
                        .is_some_and(|w| same_deep(v, w, field_of(None, k, &[])))
                })
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_deep(v, w, field))
        }
        _ => values::same(a, b, field),
    }
}

fn item_label(item: &Value, keys: &[String]) -> String {
    keys.iter()
        .filter_map(|k| Some(format!("{k}={}", scalar_text(item.get(k)?))))
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether two list items are the same element: equal on every merge key (absent on both
/// counts as equal).
fn same_item(a: &Value, b: &Value, keys: &[String]) -> bool {
    keys.iter().all(|k| match (a.get(k), b.get(k)) {
        (None, None) => true,
        (Some(x), Some(y)) => values::same(x, y, Field::Plain),
        _ => false,
    })
}

impl Walk {
    fn record(&mut self, old: Option<&Value>, new: Option<&Value>) {
        self.changes.push(FieldChange {
            path: self.shown_path(),
            old: old.cloned(),
            new: new.cloned(),
        });
    }

    fn shown_path(&self) -> String {
        let mut s = String::new();
        for seg in &self.shown {
            if !seg.starts_with('[') && !s.is_empty() {
                s.push('.');
            }
            s.push_str(seg);
        }
        s
    }

    fn list_mode(&self) -> ListMode {
        match &self.lists {
            Some(l) => l
                .get(self.schema_path.join(".").as_str())
                .cloned()
                .unwrap_or(ListMode::Replace),
            None => ListMode::Replace,
        }
    }

    /// The value after applying `desired` where `live` is (`None`: absent); `None` back:
    /// the field is absent after applying.
    fn value(
        &mut self,
        desired: &Value,
        live: Option<&Value>,
        last: Option<&Value>,
        field: Field,
    ) -> Option<Value> {
        match desired {
            Value::Null => {
                if let Some(l) = live.filter(|l| !l.is_null()) {
                    self.record(Some(l), None);
                }
                None
            }
            Value::Object(dm) => match live {
                Some(Value::Object(lm)) => Some(Value::Object(self.map(dm, lm, last))),
                // An empty mapping where nothing is: the server stores nothing either.
                None if dm.is_empty() => None,
                _ => {
                    let new = without_nulls(desired);
                    self.record(live, Some(&new));
                    Some(new)
                }
            },
            Value::Array(da) => match (self.list_mode(), live) {
                (ListMode::Keys(keys), Some(Value::Array(la)))
                    if da.iter().chain(la).all(Value::is_object) =>
                {
                    Some(Value::Array(self.keyed(da, la, last, &keys)))
                }
                (ListMode::Primitive, Some(Value::Array(la))) => {
                    Some(Value::Array(self.primitive(da, la, last)))
                }
                (_, Some(l)) if same_deep(desired, l, field) => Some(l.clone()),
                // An empty list where nothing is: the server stores nothing either.
                (_, None) if da.is_empty() => None,
                _ => {
                    let new = without_nulls(desired);
                    self.record(live, Some(&new));
                    Some(new)
                }
            },
            scalar => match live {
                Some(l) if values::same(scalar, l, field) => Some(l.clone()),
                _ => {
                    self.record(live, Some(scalar));
                    Some(scalar.clone())
                }
            },
        }
    }

    fn map(&mut self, dm: &Map, lm: &Map, last: Option<&Value>) -> Map {
        let mut out = lm.clone();
        let parent = self.schema_path.last().cloned();
        for (k, dv) in dm {
            let field = field_of(parent.as_deref(), k, &self.schema_path);
            self.schema_path.push(k.clone());
            self.shown.push(k.clone());
            let before = last.and_then(|l| l.get(k));
            match self.value(dv, lm.get(k), before, field) {
                Some(v) => {
                    out.insert(k.clone(), v);
                }
                None => {
                    out.remove(k);
                }
            }
            self.shown.pop();
            self.schema_path.pop();
        }
        // Applied before, no longer desired: removed (three-way).
        if let Some(Value::Object(am)) = last {
            for k in am.keys() {
                if !dm.contains_key(k)
                    && let Some(l) = lm.get(k)
                {
                    self.shown.push(k.clone());
                    self.record(Some(l), None);
                    self.shown.pop();
                    out.remove(k);
                }
            }
        }
        out
    }

    fn keyed(
        &mut self,
        da: &[Value],
        la: &[Value],
        last: Option<&Value>,
        keys: &[String],
    ) -> Vec<Value> {
        let mut out: Vec<Value> = la.to_vec();
        let last_items: &[Value] = match last {
            Some(Value::Array(a)) => a,
            _ => &[],
        };
        for d in da {
            self.shown.push(format!("[{}]", item_label(d, keys)));
            let before = last_items.iter().find(|a| same_item(a, d, keys));
            match out.iter().position(|l| same_item(l, d, keys)) {
                Some(i) => {
                    if let Some(v) = self.value(d, Some(&la[i]), before, Field::Plain) {
                        out[i] = v;
                    }
                }
                None => {
                    let new = without_nulls(d);
                    self.record(None, Some(&new));
                    out.push(new);
                }
            }
            self.shown.pop();
        }
        for a in last_items {
            if da.iter().any(|d| same_item(d, a, keys)) {
                continue;
            }
            if let Some(i) = out.iter().position(|l| same_item(l, a, keys)) {
                self.shown.push(format!("[{}]", item_label(a, keys)));
                self.record(Some(&out[i].clone()), None);
                self.shown.pop();
                out.remove(i);
            }
        }
        out
    }

    fn primitive(&mut self, da: &[Value], la: &[Value], last: Option<&Value>) -> Vec<Value> {
        let mut out: Vec<Value> = la.to_vec();
        for d in da {
            if !out.contains(d) {
                self.shown.push(format!("[{}]", scalar_text(d)));
                self.record(None, Some(d));
                self.shown.pop();
                out.push(d.clone());
            }
        }
        if let Some(Value::Array(before)) = last {
            for a in before {
                if !da.contains(a)
                    && let Some(i) = out.iter().position(|l| l == a)
                {
                    self.shown.push(format!("[{}]", scalar_text(a)));
                    self.record(Some(a), None);
                    self.shown.pop();
                    out.remove(i);
                }
            }
        }
        out
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "app"}, "spec": spec})
    }

    fn paths(o: &Overlay) -> Vec<&str> {
        o.changes.iter().map(|c| c.path.as_str()).collect()
    }

    #[test]
    fn fields_only_the_server_sets_are_not_differences() {
        let desired = deployment(json!({"replicas": 2, "template": {"spec": {"containers": [
            {"name": "web", "image": "web:1", "resources": {"limits": {"cpu": "1000m", "memory": "1Gi"}}}]}}}));
        let live = deployment(json!({"replicas": 2, "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600, "template": {"spec": {"dnsPolicy": "ClusterFirst",
            "containers": [{"name": "web", "image": "web:1", "imagePullPolicy": "IfNotPresent",
            "terminationMessagePath": "/dev/termination-log",
            "resources": {"limits": {"cpu": "1", "memory": "1024Mi"}}}]}}}));
        let o = overlay(&desired, &live, None);
        assert!(o.changes.is_empty(), "{:?}", o.changes);
        assert_eq!(o.predicted, live);
    }

    #[test]
    fn merge_keyed_lists_match_in_any_order() {
        let desired = deployment(json!({"template": {"spec": {"containers": [
            {"name": "a", "image": "a:2"}, {"name": "b", "image": "b:1"}]}}}));
        let live = deployment(json!({"template": {"spec": {"containers": [
            {"name": "b", "image": "b:1"}, {"name": "a", "image": "a:1"},
            {"name": "sidecar", "image": "s:1"}]}}}));
        let o = overlay(&desired, &live, None);
        assert_eq!(paths(&o), ["spec.template.spec.containers[name=a].image"]);
        assert_eq!(o.changes[0].old, Some(json!("a:1")));
        assert_eq!(o.changes[0].new, Some(json!("a:2")));
        // An injected sidecar stays (a strategic merge keeps it).
        assert_eq!(
            o.predicted["spec"]["template"]["spec"]["containers"][2]["name"],
            "sidecar"
        );
    }

    #[test]
    fn lists_without_merge_keys_compare_whole() {
        let desired = deployment(json!({"template": {"spec": {"containers": [
            {"name": "a", "args": ["--x", "--y"]}]}}}));
        let live = deployment(json!({"template": {"spec": {"containers": [
            {"name": "a", "args": ["--y", "--x"]}]}}}));
        let o = overlay(&desired, &live, None);
        assert_eq!(paths(&o), ["spec.template.spec.containers[name=a].args"]);
        // A custom resource has no schema here: its lists are compared whole.
        let cr = |replicas: Value| {
            json!({"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaTopic",
            "metadata": {"name": "t"}, "spec": {"config": {"retention.ms": replicas}, "x": [1, 2]}})
        };
        assert!(
            overlay(&cr(json!(7200000)), &cr(json!(7200000.0)), None)
                .changes
                .is_empty()
        );
    }

    #[test]
    fn three_way_removes_what_was_applied_and_is_no_longer_desired() {
        let desired = deployment(json!({"replicas": 2, "template": {"spec": {"containers": [
            {"name": "a", "image": "a:1"}]}}}));
        let last = deployment(
            json!({"replicas": 2, "paused": true, "template": {"spec": {"containers": [
            {"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}]},
            {"name": "old", "image": "o:1"}]}}}),
        );
        let live = deployment(
            json!({"replicas": 2, "paused": true, "revisionHistoryLimit": 10,
            "template": {"spec": {"containers": [
            {"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}]},
            {"name": "old", "image": "o:1"}, {"name": "injected", "image": "i:1"}]}}}),
        );
        let o = overlay(&desired, &live, Some(&last));
        let mut p = paths(&o);
        p.sort();
        assert_eq!(
            p,
            [
                "spec.paused",
                "spec.template.spec.containers[name=a].env",
                "spec.template.spec.containers[name=old]"
            ]
        );
        let names: Vec<_> = o.predicted["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["a", "injected"]);
        assert_eq!(o.predicted["spec"]["revisionHistoryLimit"], 10);
    }

    #[test]
    fn data_is_compared_as_written_and_nulls_remove() {
        let cm = |data: Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data});
        let o = overlay(&cm(json!({"t": "1h"})), &cm(json!({"t": "60m"})), None);
        assert_eq!(paths(&o), ["data.t"]);
        let o = overlay(
            &cm(json!({"a": null, "b": "x"})),
            &cm(json!({"a": "1", "b": "x"})),
            None,
        );
        assert_eq!(paths(&o), ["data.a"]);
        assert_eq!(o.changes[0].new, None);
        assert!(o.predicted["data"].get("a").is_none());
    }

    #[test]
    fn openshift_additions_are_not_differences_unless_desired() {
        let route = |host: Option<&str>| {
            let mut r = json!({"apiVersion": "route.openshift.io/v1", "kind": "Route", "metadata": {"name": "web"},
                "spec": {"to": {"kind": "Service", "name": "web"}, "tls": {"termination": "edge"}}});
            if let Some(h) = host {
                r["spec"]["host"] = json!(h);
            }
            r
        };
        let live = route(Some("web-shop.apps.example.com"));
        assert!(overlay(&route(None), &live, None).changes.is_empty());
        assert_eq!(
            paths(&overlay(&route(Some("web.example.com")), &live, None)),
            ["spec.host"]
        );
        let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "app"}});
        let live_sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "app"},
            "secrets": [{"name": "app-dockercfg-x"}], "imagePullSecrets": [{"name": "app-dockercfg-x"}]});
        assert!(overlay(&sa, &live_sa, None).changes.is_empty());
        let hook = |ca: Option<&str>| {
            let mut cc = json!({"service": {"name": "hook", "namespace": "n", "path": "/v"}});
            if let Some(c) = ca {
                cc["caBundle"] = json!(c);
            }
            json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
                "metadata": {"name": "v"}, "webhooks": [{"name": "v.example.com", "clientConfig": cc,
                "admissionReviewVersions": ["v1"], "sideEffects": "None"}]})
        };
        assert!(
            overlay(&hook(None), &hook(Some("LS0tLS1CRUdJTi...")), None)
                .changes
                .is_empty()
        );
    }

    #[test]
    fn added_fields_and_items_are_differences() {
        let desired = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
            "spec": {"ports": [{"port": 80, "protocol": "TCP"}, {"port": 443, "protocol": "TCP"}],
            "selector": {"app": "s"}}});
        let live = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
            "spec": {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
            "clusterIP": "10.0.0.1", "type": "ClusterIP"}});
        let o = overlay(&desired, &live, None);
        let mut p = paths(&o);
        p.sort();
        assert_eq!(p, ["spec.ports[port=443,protocol=TCP]", "spec.selector"]);
    }
}
