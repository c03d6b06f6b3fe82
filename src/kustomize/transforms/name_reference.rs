//! Transform stage: name references. After renames (prefix, suffix, hash, namespace), every
//! field that refers to a ConfigMap, Secret, ServiceAccount, Service, Role, ... by name is
//! updated to the referred object's new name. Must not rename the referred objects.

use crate::kustomize::error::{Error, Result};
use crate::kustomize::fieldspec::{FieldSpec, apply as walk, split_path};
use crate::kustomize::resmap::resid::{Gvk, ResId};
use crate::kustomize::resmap::resource::Resource;
use crate::yaml::Value;
use std::cell::RefCell;
use std::collections::HashMap;

struct BackRef {
    referred: Gvk,
    referrers: Vec<FieldSpec>,
}

pub fn fix(resources: &mut [Resource], name_refs: &[(Gvk, Vec<FieldSpec>)]) -> Result<()> {
    let refs: Vec<BackRef> = name_refs
        .iter()
        .map(|(g, fs)| BackRef {
            referred: g.clone(),
            referrers: fs.clone(),
        })
        .collect();
    // (referrer index, field spec, referred gvk), in table order.
    let mut work: Vec<(usize, FieldSpec, Gvk)> = Vec::new();
    let orgs: Vec<ResId> = resources.iter().map(Resource::org_id).collect();
    for b in &refs {
        for fs in &b.referrers {
            for (i, org) in orgs.iter().enumerate() {
                if org.gvk.is_selected_by(&fs.gvk) {
                    work.push((i, fs.clone(), b.referred.clone()));
                }
            }
        }
    }
    if work.is_empty() {
        return Ok(());
    }
    work.sort_by_key(|w| w.0);
    let snapshot: Vec<Resource> = resources.to_vec();
    let prev: Vec<Vec<ResId>> = snapshot.iter().map(Resource::prev_ids).collect();
    // Indexes made once, so each reference is resolved by looking up the objects that ever
    // had its name, not by scanning every object (the cost stays linear in the objects).
    let cur: Vec<ResId> = snapshot.iter().map(Resource::cur_id).collect();
    let org_ns: Vec<String> = snapshot.iter().map(|r| r.org_id().namespace).collect();
    let mut by_old_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, ids) in prev.iter().enumerate() {
        let mut names: Vec<&str> = ids.iter().map(|id| id.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        for n in names {
            by_old_name.entry(n.to_string()).or_default().push(i);
        }
    }
    let memo = RefCell::new(HashMap::new());
    let mut current: Option<(usize, Resource, Scope)> = None;
    for (i, fs, target) in work {
        if current.as_ref().is_none_or(|(c, _, _)| *c != i) {
            current = Some((i, resources[i].clone(), Scope::of(&resources[i])));
        }
        let (_, referrer, scope) = current.as_ref().expect("set above");
        let ctx = Ctx {
            referrer,
            target: &target,
            path: &fs.path,
            all: &snapshot,
            prev: &prev,
            cur: &cur,
            org_ns: &org_ns,
            by_old_name: &by_old_name,
            scope,
            memo: &memo,
        };
        let mut obj = std::mem::take(&mut resources[i].obj);
        let res = walk(&mut obj, &split_path(&fs.path), None, &mut |node| {
            ctx.set(node)
        });
        resources[i].obj = obj;
        res.map_err(|e| Error::Resource {
            id: referrer.cur_id().to_string(),
            msg: format!("updating name reference in '{}' field: {e}", fs.path),
        })?;
    }
    Ok(())
}

/// Which objects a referrer may refer to (kustomize's `couldBeReferencedBy`): any object
/// when the referrer is cluster-scoped; otherwise cluster-scoped ones, those in its
/// namespace and, for role bindings, those in a subject's namespace.
/// What a scope's answers depend on: the referrer's namespace, whether it is
/// cluster-scoped, its subjects' namespaces.
type ScopeKey = (String, bool, Vec<String>);

struct Scope {
    rid: ResId,
    binding_ns: Vec<String>,
}

impl Scope {
    fn of(referrer: &Resource) -> Scope {
        let rid = referrer.cur_id();
        let mut binding_ns: Vec<String> = Vec::new();
        if matches!(rid.gvk.kind.as_str(), "RoleBinding" | "ClusterRoleBinding") {
            for s in referrer
                .obj
                .get("subjects")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(ns) = s.get("namespace").and_then(Value::as_str) {
                    binding_ns.push(ns.to_string());
                }
            }
        }
        Scope { rid, binding_ns }
    }

    fn allows(&self, id: &ResId, namespace: &str) -> bool {
        self.rid.gvk.is_cluster_scoped()
            || id.gvk.is_cluster_scoped()
            || id.ns_equals(&self.rid)
            || self.binding_ns.iter().any(|n| n == namespace)
    }

    /// A key for what `allows` depends on, to memoise per-scope answers.
    fn key(&self) -> ScopeKey {
        (
            self.rid.effective_namespace().to_string(),
            self.rid.gvk.is_cluster_scoped(),
            self.binding_ns.clone(),
        )
    }
}

struct Ctx<'a> {
    referrer: &'a Resource,
    target: &'a Gvk,
    path: &'a str,
    all: &'a [Resource],
    /// Previous ids of every resource in `all`, computed once.
    prev: &'a [Vec<ResId>],
    cur: &'a [ResId],
    org_ns: &'a [String],
    /// Objects by every name they had before their last rename.
    by_old_name: &'a HashMap<String, Vec<usize>>,
    scope: &'a Scope,
    /// (scope, namespace) → whether any object in scope has that original namespace.
    memo: &'a RefCell<HashMap<(ScopeKey, String), bool>>,
}

impl Ctx<'_> {
    /// The objects in scope that had the name `old` before a rename.
    fn named(&self, old: &str) -> Vec<usize> {
        self.by_old_name
            .get(old)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| self.scope.allows(&self.cur[i], self.all[i].namespace()))
            .collect()
    }

    fn set(&self, node: &mut Value) -> std::result::Result<(), String> {
        match node {
            Value::Null => Ok(()),
            Value::String(_) => self.set_scalar(node),
            Value::Object(_) => self.set_mapping(node),
            Value::Array(items) => {
                for it in items.iter_mut() {
                    match it {
                        Value::String(_) => self.set_scalar(it)?,
                        Value::Object(_) => self.set_mapping(it)?,
                        Value::Null => {}
                        _ => return Err("expected either a string or a map of string".into()),
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn set_scalar(&self, node: &mut Value) -> std::result::Result<(), String> {
        let old = node.as_str().unwrap_or("").to_string();
        if let Some(r) = self.select(&old, self.named(&old), false)? {
            let new = self.all[r].name();
            if new != old {
                *node = Value::String(new.to_string());
            }
        }
        Ok(())
    }

    fn set_mapping(&self, node: &mut Value) -> std::result::Result<(), String> {
        let Value::Object(m) = node else {
            return Err("expect a mapping node".into());
        };
        let Some(old) = m.get("name") else {
            return Err("path config error; no 'name' field in node".into());
        };
        let old = crate::kustomize::resmap::resource::scalar_string(old);
        let named = self.named(&old);
        let cands: Vec<usize> = match m
            .get("namespace")
            .map(crate::kustomize::resmap::resource::scalar_string)
        {
            None => named,
            Some(ns) => {
                // Objects are matched by their original namespace when any object in scope
                // has it, otherwise by their current one.
                let key = (self.scope.key(), ns.clone());
                let by_org = *self.memo.borrow_mut().entry(key).or_insert_with(|| {
                    (0..self.all.len()).any(|i| {
                        self.org_ns[i] == ns
                            && self.scope.allows(&self.cur[i], self.all[i].namespace())
                    })
                });
                named
                    .into_iter()
                    .filter(|&i| {
                        if by_org {
                            self.org_ns[i] == ns
                        } else {
                            self.all[i].namespace() == ns
                        }
                    })
                    .collect()
            }
        };
        let Some(r) = self.select(&old, cands, true)? else {
            return Ok(());
        };
        let (name, ns) = (self.all[r].name(), self.all[r].namespace());
        if name == old && ns.is_empty() {
            return Ok(());
        }
        m.insert("name".into(), Value::String(name.into()));
        if !ns.is_empty() {
            m.insert("namespace".into(), Value::String(ns.into()));
        }
        Ok(())
    }

    fn select(
        &self,
        old: &str,
        cands: Vec<usize>,
        with_ns: bool,
    ) -> std::result::Result<Option<usize>, String> {
        let all = self.all;
        let mut c: Vec<usize> = cands
            .into_iter()
            .filter(|&i| {
                let prev = &self.prev[i];
                prev.iter().any(|id| id.name == old)
                    && prev.iter().any(|id| id.gvk.is_selected_by(self.target))
            })
            .collect();
        if self.path.ends_with("roleRef/name")
            && let Some(rr) = self.referrer.obj.get("roleRef")
        {
            let g = rr.get("apiGroup").and_then(Value::as_str);
            let k = rr.get("kind").and_then(Value::as_str);
            if let (Some(g), Some(k)) = (g, k) {
                let sel = Gvk {
                    group: g.into(),
                    version: String::new(),
                    kind: k.into(),
                };
                c.retain(|&i| self.prev[i].iter().any(|id| id.gvk.is_selected_by(&sel)));
            }
        }
        let rid = &self.scope.rid;
        if !rid.gvk.is_cluster_scoped() {
            c.retain(|&i| {
                let id = &self.cur[i];
                id.gvk.is_cluster_scoped() || all[i].kind() == "ServiceAccount" || rid.ns_equals(id)
            });
        }
        if c.len() == 1 {
            return Ok(Some(c[0]));
        }
        c.retain(|&i| all[i].prefixes_suffixes_equal(self.referrer, true));
        if c.len() > 1 {
            c.retain(|&i| all[i].prefixes_suffixes_equal(self.referrer, false));
        }
        match c.len() {
            0 => Ok(None),
            1 => Ok(Some(c[0])),
            _ => {
                let first = &all[c[0]];
                let same = c.iter().all(|&i| {
                    all[i].name() == first.name()
                        && (!with_ns || all[i].namespace() == first.namespace())
                });
                if same {
                    Ok(Some(c[0]))
                } else {
                    let ids: Vec<String> = c.iter().map(|&i| all[i].cur_id().to_string()).collect();
                    Err(format!(
                        "found multiple possible referrals: {}",
                        ids.join(", ")
                    ))
                }
            }
        }
    }
}
