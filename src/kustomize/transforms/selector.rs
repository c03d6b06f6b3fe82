//! Transform stage helper: which resources a patch or replacement target selects
//! (anchored regexes for gvk/name/namespace, Kubernetes label and annotation selectors).
//! Must not modify resources.

use crate::kustomize::error::{Error, Result};
use crate::kustomize::resmap::resource::Resource;
use crate::kustomize::types::Selector;
use regex::Regex;

/// A selector field: anything (empty), a literal (no regex syntax: compared as text, the
/// common case), or an anchored regex.
enum Pattern {
    Any,
    Literal(String),
    Re(Regex),
}

fn anchored(p: &str) -> Result<Pattern> {
    if p.is_empty() {
        return Ok(Pattern::Any);
    }
    if !p.contains([
        '\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$',
    ]) {
        return Ok(Pattern::Literal(p.to_string()));
    }
    // Compiling a pattern costs far more than matching it, and the same targets come back
    // in every overlay: compiled patterns are kept per thread (a bounded cache).
    thread_local! {
        static COMPILED: std::cell::RefCell<std::collections::HashMap<String, Regex>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    if let Some(re) = COMPILED.with(|c| c.borrow().get(p).cloned()) {
        return Ok(Pattern::Re(re));
    }
    let re = Regex::new(&format!("^(?:{p})$"))
        .map_err(|e| Error::msg(format!("invalid selector pattern {p:?}: {e}")))?;
    COMPILED.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= 4096 {
            c.clear();
        }
        c.insert(p.to_string(), re.clone());
    });
    Ok(Pattern::Re(re))
}

fn matches(p: &Pattern, s: &str) -> bool {
    match p {
        Pattern::Any => true,
        Pattern::Literal(l) => l == s,
        Pattern::Re(r) => r.is_match(s),
    }
}

/// Indices of the resources the selector picks, in map order.
pub fn select(resources: &[Resource], s: &Selector) -> Result<Vec<usize>> {
    let (g, v, k) = (
        anchored(&s.gvk.group)?,
        anchored(&s.gvk.version)?,
        anchored(&s.gvk.kind)?,
    );
    let (name, ns) = (anchored(&s.name)?, anchored(&s.namespace)?);
    let labels = parse_selector(&s.label_selector)?;
    let annos = parse_selector(&s.annotation_selector)?;
    let mut out = Vec::new();
    for (i, r) in resources.iter().enumerate() {
        let (cur, org) = (r.cur_id(), r.org_id());
        if !matches(&ns, org.effective_namespace()) && !matches(&ns, cur.effective_namespace()) {
            continue;
        }
        if !matches(&name, &org.name) && !matches(&name, &cur.name) {
            continue;
        }
        let gvk = r.gvk();
        if !matches(&g, &gvk.group) || !matches(&v, &gvk.version) || !matches(&k, &gvk.kind) {
            continue;
        }
        if !labels_match(&labels, &r.string_map("labels"))
            || !labels_match(&annos, &r.string_map("annotations"))
        {
            continue;
        }
        out.push(i);
    }
    Ok(out)
}

/// One requirement of a label selector.
#[derive(Debug, PartialEq)]
pub enum Req {
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// Parses a Kubernetes label selector (`a=b,c!=d,e in (x,y),!f,g`).
pub fn parse_selector(s: &str) -> Result<Vec<Req>> {
    let mut out = Vec::new();
    let mut parts = Vec::new();
    let (mut depth, mut cur) = (0, String::new());
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur);
    if depth != 0 {
        return Err(Error::msg(format!(
            "unable to parse requirement: unbalanced parentheses in {s:?}"
        )));
    }
    for p in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        // Kubernetes' selector parser (labels.Parse) is strict: a set is `(v1, v2)`.
        let set = |rest: &str| -> Result<Vec<String>> {
            let inner = rest
                .trim()
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .filter(|i| !i.contains(['(', ')']))
                .ok_or_else(|| {
                    Error::msg(format!(
                        "unable to parse requirement {p:?}: a set must be (value, ...)"
                    ))
                })?;
            let values: Vec<String> = inner.split(',').map(|x| x.trim().to_string()).collect();
            for v in &values {
                check_value(v)?;
            }
            Ok(values)
        };
        let words: Vec<&str> = p.split_whitespace().collect();
        let req = if let Some(k) = p.strip_prefix('!') {
            check_key(k.trim())?;
            Req::NotExists(k.trim().into())
        } else if let Some((k, v)) = p.split_once("!=") {
            check_key(k.trim())?;
            check_value(v.trim())?;
            Req::Ne(k.trim().into(), v.trim().into())
        } else if let Some((k, v)) = p.split_once("==").or_else(|| p.split_once('=')) {
            check_key(k.trim())?;
            check_value(v.trim())?;
            Req::Eq(k.trim().into(), v.trim().into())
        } else if words.len() >= 2 && (words[1] == "in" || words[1] == "notin") {
            // `p` is trimmed, so it starts with the key; the operator follows after any
            // whitespace (a tab, several spaces). Slice by those words, never by a guessed
            // byte offset (a multi-byte key would be cut inside a character).
            let rest = p[words[0].len()..]
                .trim_start()
                .strip_prefix(words[1])
                .unwrap_or("");
            check_key(words[0])?;
            if words[1] == "in" {
                Req::In(words[0].into(), set(rest)?)
            } else {
                Req::NotIn(words[0].into(), set(rest)?)
            }
        } else if words.len() == 1 {
            check_key(p)?;
            Req::Exists(p.into())
        } else {
            return Err(Error::msg(format!(
                "unable to parse selector requirement {p:?}"
            )));
        };
        out.push(req);
    }
    Ok(out)
}

/// A label name part: at most 63 characters, alphanumeric at both ends, `-_.` inside.
fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
}

/// A label key as Kubernetes validates it: `[prefix/]name`, the prefix a DNS subdomain.
fn check_key(k: &str) -> Result<()> {
    let ok = match k.split_once('/') {
        Some((prefix, name)) => crate::names::dns_subdomain(prefix).is_ok() && is_label_name(name),
        None => is_label_name(k),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::msg(format!(
            "unable to parse requirement: invalid label key {k:?}"
        )))
    }
}

/// A label value: empty, or a label name part.
fn check_value(v: &str) -> Result<()> {
    if v.is_empty() || is_label_name(v) {
        Ok(())
    } else {
        Err(Error::msg(format!(
            "unable to parse requirement: invalid label value {v:?}"
        )))
    }
}

fn labels_match(reqs: &[Req], labels: &[(String, String)]) -> bool {
    let get = |k: &str| {
        labels
            .iter()
            .find(|(lk, _)| lk == k)
            .map(|(_, v)| v.as_str())
    };
    reqs.iter().all(|r| match r {
        Req::Eq(k, v) => get(k) == Some(v),
        Req::Ne(k, v) => get(k) != Some(v),
        Req::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
        Req::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
        Req::Exists(k) => get(k).is_some(),
        Req::NotExists(k) => get(k).is_none(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_selectors_are_refused_as_kubernetes_does() {
        for bad in [
            "app in (web",
            "app in web",
            "app in (a,(b))",
            "a=b c",
            "bad key!=x",
            "a=b/c",
            "-a",
        ] {
            assert!(parse_selector(bad).is_err(), "{bad}");
        }
        for good in [
            "app.kubernetes.io/name=web",
            "a in (x, y)",
            "a=",
            "!a",
            "a==b,c!=D_1",
        ] {
            assert!(parse_selector(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn label_selector_forms() {
        let l = vec![
            ("app".to_string(), "web".to_string()),
            ("tier".to_string(), "fe".to_string()),
        ];
        assert!(labels_match(&parse_selector("app=web").unwrap(), &l));
        assert!(labels_match(
            &parse_selector("app in (web, api),!gone").unwrap(),
            &l
        ));
        assert!(!labels_match(
            &parse_selector("tier notin (fe)").unwrap(),
            &l
        ));
        assert!(!labels_match(&parse_selector("app!=web").unwrap(), &l));
    }
}
