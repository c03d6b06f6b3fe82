//! Lint stage: turns "this object, this field" into the file and line the user wrote it
//! on, and reads the inline `# manifesto-lint: ignore RULE reason` comments there. Reads
//! source files (each once, and only those with findings); never writes.

use super::rule::{self, Rule};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Default)]
pub struct Locator {
    files: HashMap<PathBuf, Option<Source>>,
}

struct Source {
    lines: Vec<String>,
    /// (first line, last line) of each YAML document, 1-based.
    docs: Vec<(usize, usize)>,
    /// Per document, parsed when first asked: its value (to resolve `[name=X]` items) and
    /// field path → line.
    keys: HashMap<usize, (serde_json::Value, HashMap<String, usize>)>,
}

impl Source {
    fn read(path: &Path) -> Option<Source> {
        let text = std::fs::read_to_string(path).ok()?;
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut docs = Vec::new();
        let mut start = 1;
        for (i, l) in lines.iter().enumerate() {
            let n = i + 1;
            if is_separator(l) {
                if n > start {
                    docs.push((start, n - 1));
                }
                start = n + 1;
            }
        }
        docs.push((start, lines.len().max(start)));
        Some(Source {
            lines,
            docs,
            keys: HashMap::new(),
        })
    }

    fn doc_of(&self, line: usize) -> usize {
        self.docs
            .iter()
            .rposition(|&(s, _)| s <= line.max(1))
            .unwrap_or(0)
    }

    fn keys(&mut self, doc: usize) -> &(serde_json::Value, HashMap<String, usize>) {
        let (s, e) = self.docs[doc];
        let lines = &self.lines;
        self.keys.entry(doc).or_insert_with(|| {
            let text = lines[s - 1..e.min(lines.len())].join("\n");
            crate::yaml::parse_one_with_lines(&text)
                .map(|(v, m)| (v, m.into_iter().map(|(k, l)| (k, l + s - 1)).collect()))
                .unwrap_or_default()
        })
    }
}

fn is_separator(l: &str) -> bool {
    l == "---" || l.starts_with("--- ") || l.starts_with("---\t")
}

/// A suppression comment on a line: (rule as written, reason).
fn marker(line: &str) -> Option<(String, String)> {
    let i = line.find("manifesto-lint:")?;
    let before = line[..i].trim_end();
    if !before.ends_with('#') {
        return None;
    }
    let rest = line[i + "manifesto-lint:".len()..].trim();
    let rest = rest.strip_prefix("ignore")?;
    let mut parts = rest.trim().splitn(2, char::is_whitespace);
    let rule = parts.next().unwrap_or("").to_string();
    let reason = parts.next().unwrap_or("").trim().to_string();
    Some((rule, reason))
}

impl Locator {
    fn source(&mut self, file: &Path) -> Option<&mut Source> {
        self.files
            .entry(file.to_path_buf())
            .or_insert_with(|| Source::read(file))
            .as_mut()
    }

    /// The line of `field` (a path like `spec.containers[0].image`) in the document that
    /// starts at `doc_line`: the field itself, else its nearest written parent, else the
    /// document's first line. `doc_line` 0 (a generated object): the file's first line.
    pub fn line(&mut self, file: &Path, doc_line: usize, field: Option<&str>) -> Option<usize> {
        let src = self.source(file)?;
        if doc_line == 0 {
            return Some(1);
        }
        let doc = src.doc_of(doc_line);
        let Some(field) = field else {
            return Some(doc_line);
        };
        let (value, keys) = src.keys(doc);
        let mut path = if field.contains("[name=") {
            super::attribute::resolve(value, field)
        } else {
            field.to_string()
        };
        loop {
            if let Some(&l) = keys.get(&path) {
                return Some(l);
            }
            // A list item has no key of its own: its first written field stands for it.
            if path.ends_with(']') {
                let prefix = format!("{path}.");
                if let Some(l) = keys
                    .iter()
                    .filter(|(k, _)| k.starts_with(&prefix))
                    .map(|(_, l)| *l)
                    .min()
                {
                    return Some(l);
                }
            }
            match path.rfind(['.', '[']) {
                Some(i) => path.truncate(i),
                None => return Some(doc_line),
            }
        }
    }

    /// The reason of a suppression of `rule` on `line` or anywhere in the document around
    /// it, if there is one.
    pub fn suppression(&mut self, file: &Path, line: usize, r: &Rule) -> Option<String> {
        let src = self.source(file)?;
        let matches = |l: &str| {
            marker(l)
                .filter(|(name, reason)| (name == r.name || name == r.id) && !reason.is_empty())
        };
        if let Some((_, reason)) = src.lines.get(line.wrapping_sub(1)).and_then(|l| matches(l)) {
            return Some(reason);
        }
        let (s, e) = src.docs[src.doc_of(line)];
        (s..=e.min(src.lines.len()))
            .filter_map(|n| src.lines.get(n - 1))
            .filter(|l| l.trim_start().starts_with('#'))
            .find_map(|l| matches(l))
            .map(|(_, reason)| reason)
    }

    /// Suppression comments, in the files read, that name no known rule or give no reason.
    pub fn bad_suppressions(&self) -> Vec<(String, usize, String)> {
        let mut out = Vec::new();
        let mut files: Vec<_> = self.files.iter().collect();
        files.sort_by(|a, b| a.0.cmp(b.0));
        for (path, src) in files {
            let Some(src) = src else { continue };
            for (i, l) in src.lines.iter().enumerate() {
                let Some((name, reason)) = marker(l) else {
                    continue;
                };
                let msg = if rule::find(&name).is_none() {
                    format!(
                        "suppression names no rule: {name:?} (manifesto lint --list-rules lists them)"
                    )
                } else if reason.is_empty() {
                    format!("suppression of {name} gives no reason")
                } else {
                    continue;
                };
                out.push((path.display().to_string(), i + 1, msg));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_field_in_its_document_and_the_suppressions_around_it() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.yaml");
        std::fs::write(
            &f,
            "kind: A\nmetadata:\n  name: a\n---\n# manifesto-lint: ignore plaintext-secret test data\nkind: B\nmetadata:\n  name: b\nspec:\n  x:\n    y: 1 # manifesto-lint: ignore MF002 known\n  z: 2  # manifesto-lint: ignore nosuch because\n",
        )
        .unwrap();
        let mut l = Locator::default();
        assert_eq!(l.line(&f, 1, Some("metadata.name")), Some(3));
        assert_eq!(l.line(&f, 5, Some("metadata.name")), Some(8));
        assert_eq!(l.line(&f, 5, Some("spec.x.y")), Some(11));
        assert_eq!(l.line(&f, 5, Some("spec.x.w[3].v")), Some(10));
        assert_eq!(l.line(&f, 5, None), Some(5));
        let ps = rule::named("plaintext-secret");
        assert_eq!(l.suppression(&f, 6, ps).as_deref(), Some("test data"));
        assert_eq!(l.suppression(&f, 2, ps), None);
        assert_eq!(
            l.suppression(&f, 11, rule::named("schema")).as_deref(),
            Some("known")
        );
        assert_eq!(l.suppression(&f, 12, rule::named("schema")), None);
        let bad = l.bad_suppressions();
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].1, 12);
    }
}
