//! YAML stage: reads YAML text into documents of plain values, with yaml.v3's typing
//! (the reader kustomize uses). Must not know about Kubernetes or touch the filesystem.

use super::resolve::{Dialect, Scalar, resolve_plain};
use super::{Map, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use std::collections::HashMap;

/// A malformed document, with the 1-based line where the reader stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct YamlError {
    pub line: usize,
    pub message: String,
}

/// One document of a YAML stream and the line it starts on.
#[derive(Debug, Clone)]
pub struct Document {
    pub value: Value,
    pub line: usize,
}

/// Parses every document of a stream. Empty documents come back as `Value::Null`.
pub fn parse_documents(src: &str) -> Result<Vec<Document>, YamlError> {
    let mut b = Builder {
        parser: Parser::new_from_str(src),
        anchors: HashMap::new(),
        line: 1,
    };
    let mut docs = Vec::new();
    loop {
        let (ev, line) = b.next()?;
        match ev {
            Event::StreamStart => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                let (first, line) = b.next()?;
                if let Event::DocumentEnd = first {
                    docs.push(Document { value: Value::Null, line });
                    continue;
                }
                let value = b.node(first)?;
                docs.push(Document { value, line });
                b.anchors.clear();
                let (end, line) = b.next()?;
                if !matches!(end, Event::DocumentEnd) {
                    return Err(YamlError { line, message: "expected end of document".into() });
                }
            }
            _ => {
                return Err(YamlError { line, message: "unexpected event".into() });
            }
        }
    }
    Ok(docs)
}

/// Parses a stream that must hold at most one document.
pub fn parse_one(src: &str) -> Result<Value, YamlError> {
    let docs = parse_documents(src)?;
    let mut non_empty = docs.into_iter().filter(|d| !d.value.is_null());
    let first = non_empty.next();
    if let Some(second) = non_empty.next() {
        return Err(YamlError {
            line: second.line,
            message: "expected a single document".into(),
        });
    }
    Ok(first.map(|d| d.value).unwrap_or(Value::Null))
}

struct Builder<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    anchors: HashMap<usize, Value>,
    line: usize,
}

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<(Event<'a>, usize), YamlError> {
        match self.parser.next_event() {
            None => Ok((Event::StreamEnd, self.line)),
            Some(Ok((ev, span))) => {
                self.line = span.start.line();
                Ok((ev, self.line))
            }
            Some(Err(e)) => Err(YamlError {
                line: e.marker().line(),
                message: e.info().to_string(),
            }),
        }
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, YamlError> {
        Err(YamlError { line: self.line, message: message.into() })
    }

    fn node(&mut self, ev: Event<'a>) -> Result<Value, YamlError> {
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let v = self.scalar(&text, style, tag.as_deref())?;
                if anchor > 0 {
                    self.anchors.insert(anchor, v.clone());
                }
                Ok(v)
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                Some(v) => Ok(v.clone()),
                None => self.err("unknown anchor"),
            },
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    let (ev, _) = self.next()?;
                    if let Event::SequenceEnd = ev {
                        break;
                    }
                    items.push(self.node(ev)?);
                }
                let v = Value::Array(items);
                if anchor > 0 {
                    self.anchors.insert(anchor, v.clone());
                }
                Ok(v)
            }
            Event::MappingStart(anchor, _) => {
                let v = self.mapping()?;
                if anchor > 0 {
                    self.anchors.insert(anchor, v.clone());
                }
                Ok(v)
            }
            _ => self.err("unexpected event"),
        }
    }

    fn mapping(&mut self) -> Result<Value, YamlError> {
        let mut map = Map::new();
        let mut key_lines: HashMap<String, usize> = HashMap::new();
        let mut merges: Vec<Value> = Vec::new();
        loop {
            let (ev, line) = self.next()?;
            let key = match ev {
                Event::MappingEnd => break,
                Event::Scalar(ref text, ScalarStyle::Plain, _, None) if text == "<<" => {
                    let (vev, _) = self.next()?;
                    merges.push(self.node(vev)?);
                    continue;
                }
                Event::Scalar(..) | Event::Alias(_) => match self.node(ev)? {
                    Value::String(s) => s,
                    Value::Null => return self.err("mapping key must be a string, found null"),
                    other => {
                        return self.err(format!(
                            "mapping key {other} is not a string (quote it to use it as a key)"
                        ));
                    }
                },
                _ => return self.err("mapping key must be a scalar"),
            };
            if let Some(prev) = key_lines.get(&key) {
                return Err(YamlError {
                    line,
                    message: format!("mapping key {key:?} already defined at line {prev}"),
                });
            }
            key_lines.insert(key.clone(), line);
            let (vev, _) = self.next()?;
            let v = self.node(vev)?;
            map.insert(key, v);
        }
        for m in merges {
            let sources = match m {
                Value::Array(items) => items,
                other => vec![other],
            };
            for src in sources {
                let Value::Object(src) = src else {
                    return self.err("map merge requires map or sequence of maps as the value");
                };
                for (k, v) in src {
                    map.entry(k).or_insert(v);
                }
            }
        }
        Ok(Value::Object(map))
    }

    fn scalar(&self, text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, YamlError> {
        let resolved = match tag {
            None if style == ScalarStyle::Plain => resolve_plain(text, Dialect::V3),
            None => Scalar::Str,
            Some(t) if t.is_yaml_core_schema() => match t.suffix.as_str() {
                "int" | "float" | "bool" | "null" => {
                    let r = resolve_plain(text, Dialect::V3);
                    match (t.suffix.as_str(), &r) {
                        ("int", Scalar::Int(_) | Scalar::Uint(_))
                        | ("float", Scalar::Float(_))
                        | ("bool", Scalar::Bool(_))
                        | ("null", Scalar::Null) => r,
                        ("float", Scalar::Int(i)) => Scalar::Float(*i as f64),
                        _ => {
                            return self.err(format!("cannot decode {text:?} as !!{}", t.suffix));
                        }
                    }
                }
                _ => Scalar::Str,
            },
            Some(_) => Scalar::Str,
        };
        Ok(match resolved {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::from(i),
            Scalar::Uint(u) => Value::from(u),
            Scalar::Float(f) => match serde_json::Number::from_f64(f) {
                Some(n) => Value::Number(n),
                None => return self.err(format!("unsupported value: {text}")),
            },
            Scalar::Str => Value::String(text.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_types_like_yaml_v3() {
        let v = parse_one("a: yes\nb: 010\nc: '1'\nd: ~\ne: 1.50\nf: !!str 3\n").unwrap();
        assert_eq!(v, json!({"a": "yes", "b": 8, "c": "1", "d": null, "e": 1.5, "f": "3"}));
    }

    #[test]
    fn anchors_and_merge_keys() {
        let v = parse_one("x: &a {p: 1, q: 2}\ny:\n  <<: *a\n  q: 3\n").unwrap();
        assert_eq!(v, json!({"x": {"p": 1, "q": 2}, "y": {"q": 3, "p": 1}}));
    }

    #[test]
    fn duplicate_key_is_an_error_with_line() {
        let e = parse_one("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("already defined at line 1"), "{e}");
    }

    #[test]
    fn splits_documents() {
        let d = parse_documents("a: 1\n---\n---\nb: 2\n").unwrap();
        assert_eq!(d.len(), 3);
        assert!(d[1].value.is_null());
        assert_eq!(d[2].line, 4);
    }

    #[test]
    fn syntax_error_has_line() {
        let e = parse_documents("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(e.line >= 2, "{e}");
    }
}
