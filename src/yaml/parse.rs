//! YAML stage: reads YAML text into documents of plain values, with yaml.v3's typing
//! (the reader kustomize uses). Must not know about Kubernetes or touch the filesystem.

use super::resolve::{Dialect, Scalar, resolve_plain, timestamp_rfc3339};
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
    parse_stream(src, false)
}

/// Like `parse_one`, but a repeated mapping key replaces the earlier one instead of
/// failing, as kustomize reads kustomization files.
pub fn parse_one_lenient(src: &str) -> Result<Value, YamlError> {
    read(src, true, Dialect::V3, false).map(|(docs, _)| first_value(docs))
}

/// `parse_one_lenient` with YAML 1.1 typing (`yes`, `on`, `y` are booleans, `0777` octal):
/// kustomize reads kustomization files through sigs.k8s.io/yaml, which types scalars as
/// go-yaml v2 does, before decoding them into Go structs.
pub fn parse_one_lenient_yaml11(src: &str) -> Result<Value, YamlError> {
    read(src, true, Dialect::V2, false).map(|(docs, _)| first_value(docs))
}

/// Parses one document and also returns the line of every mapping key, by field path
/// (`spec.apps[0].image`), so validation errors can point into the file.
pub fn parse_one_with_lines(src: &str) -> Result<(Value, HashMap<String, usize>), YamlError> {
    read(src, false, Dialect::V3, true).map(|(docs, lines)| (first_value(docs), lines))
}

fn parse_stream(src: &str, allow_duplicates: bool) -> Result<Vec<Document>, YamlError> {
    read(src, allow_duplicates, Dialect::V3, false).map(|(docs, _)| docs)
}

/// The first non-empty document's value (null when there is none).
fn first_value(docs: Vec<Document>) -> Value {
    docs.into_iter()
        .map(|d| d.value)
        .find(|v| !v.is_null())
        .unwrap_or(Value::Null)
}

/// Every reading goes through here: byte order marks at line starts dropped, then the
/// main parser; where it refuses a text, libyaml, the parser yaml.v3 was ported from: it
/// reads what kustomize reads (10,000 levels deep where the main parser stops at 255 flow
/// levels; a flow sequence whose `]` is indented less than its items). An error stands
/// only where both refuse, and the main parser's message is kept then (its lines are
/// right for its own reading) unless it was only its depth limit. `lines`: also record the
/// line of every mapping key.
fn read(
    src: &str,
    allow_duplicates: bool,
    dialect: Dialect,
    lines: bool,
) -> Result<(Vec<Document>, HashMap<String, usize>), YamlError> {
    let src = strip_line_boms(src);
    let run = |mut b: Builder<'_>| {
        b.dialect = dialect;
        if lines {
            b.lines = Some(HashMap::new());
        }
        let docs = b.stream()?;
        Ok((docs, b.lines.take().unwrap_or_default()))
    };
    match run(builder(&src, allow_duplicates)) {
        Err(e) => run(deep_builder(&src, allow_duplicates))
            .map_err(|deep: YamlError| if e.message == DEPTH_LIMIT { deep } else { e }),
        ok => ok,
    }
}

/// saphyr-parser's message when flow collections nest deeper than 255.
const DEPTH_LIMIT: &str = "recursion limit exceeded";

fn deep_builder(src: &str, allow_duplicates: bool) -> Builder<'_> {
    let mut b = builder(src, allow_duplicates);
    b.parser = Source::Deep(Box::new(super::libyaml::LibyamlEvents::new(src)));
    // libyaml's marks count bytes, the main parser's characters.
    b.end = src.len();
    b
}

/// Where the builder's events come from.
enum Source<'a> {
    Main(Box<Parser<'a, saphyr_parser::StrInput<'a>>>),
    Deep(Box<super::libyaml::LibyamlEvents<'a>>),
}

impl<'a> Source<'a> {
    fn next_event(
        &mut self,
    ) -> Option<Result<(Event<'a>, saphyr_parser::Span), saphyr_parser::ScanError>> {
        match self {
            Source::Main(p) => p.next_event(),
            Source::Deep(p) => p.next_event(),
        }
    }
}

/// libyaml (and so yaml.v3) skips a byte order mark at the start of any line between
/// tokens; the parser used here accepts one only at the very start. Drop the others.
fn strip_line_boms(src: &str) -> std::borrow::Cow<'_, str> {
    if !src.contains('\u{FEFF}') {
        return std::borrow::Cow::Borrowed(src);
    }
    let mut out = String::with_capacity(src.len());
    for line in src.split_inclusive('\n') {
        out.push_str(line.strip_prefix('\u{FEFF}').unwrap_or(line));
    }
    std::borrow::Cow::Owned(out)
}

/// yaml.v3's guard against alias bombs (decode.go `allowedAliasRatio`): past 400,000
/// decoded nodes the share that may come from aliases falls from 99 % to 10 % at 4,000,000.
fn allowed_alias_ratio(decoded: u64) -> f64 {
    if decoded <= 400_000 {
        0.99
    } else if decoded >= 4_000_000 {
        0.10
    } else {
        0.99 - 0.89 * ((decoded - 400_000) as f64 / 3_600_000.0)
    }
}

/// Nodes a document may hold once its aliases are expanded: far above any manifest, and a
/// bound on memory even where the alias ratio allows the expansion.
const MAX_NODES: u64 = 50_000_000;

fn builder(src: &str, allow_duplicates: bool) -> Builder<'_> {
    Builder {
        lines: None,
        path: Vec::new(),
        allow_duplicates,
        parser: Source::Main(Box::new(Parser::new_from_str(src))),
        dialect: Dialect::V3,
        src,
        line_starts: Vec::new(),
        at: (1, 0),
        anchors: HashMap::new(),
        decoded: 0,
        aliased: 0,
        line: 1,
        end: src.chars().count(),
        ends_with_break: src.ends_with('\n') || src.ends_with('\r'),
        at_eof: false,
    }
}

impl Builder<'_> {
    fn stream(&mut self) -> Result<Vec<Document>, YamlError> {
        let b = self;
        let mut docs = Vec::new();
        loop {
            let (ev, line) = b.next()?;
            match ev {
                Event::StreamStart => {}
                Event::StreamEnd => break,
                Event::DocumentStart(_) => {
                    let (first, line) = b.next()?;
                    if let Event::DocumentEnd = first {
                        docs.push(Document {
                            value: Value::Null,
                            line,
                        });
                        continue;
                    }
                    let value = b.node(first)?;
                    docs.push(Document { value, line });
                    b.anchors.clear();
                    let (end, line) = b.next()?;
                    if !matches!(end, Event::DocumentEnd) {
                        return Err(YamlError {
                            line,
                            message: "expected end of document".into(),
                        });
                    }
                }
                _ => {
                    return Err(YamlError {
                        line,
                        message: "unexpected event".into(),
                    });
                }
            }
        }
        Ok(docs)
    }
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
    parser: Source<'a>,
    /// How plain scalars are typed (yaml.v3 unless a caller asks for YAML 1.1).
    dialect: Dialect,
    src: &'a str,
    /// Byte offset of each line's start, made on first use.
    line_starts: Vec<usize>,
    /// Line (1-based) and column (characters) where the last event started.
    at: (usize, usize),
    /// Anchored values with the number of nodes each holds.
    anchors: HashMap<usize, (Value, u64)>,
    /// Nodes decoded so far, aliases counted as the nodes they expand to, and how many of
    /// them came through aliases: yaml.v3's alias budget.
    decoded: u64,
    aliased: u64,
    line: usize,
    allow_duplicates: bool,
    /// When set, the line of every mapping key by field path.
    lines: Option<HashMap<String, usize>>,
    path: Vec<String>,
    /// Length of the source in characters, to spot a block scalar that ends the text.
    end: usize,
    ends_with_break: bool,
    /// Whether the last event read ends at the end of the text.
    at_eof: bool,
}

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<(Event<'a>, usize), YamlError> {
        match self.parser.next_event() {
            None => Ok((Event::StreamEnd, self.line)),
            Some(Ok((ev, span))) => {
                self.line = span.start.line();
                self.at = (span.start.line(), span.start.col());
                self.at_eof = span.end.index() >= self.end;
                Ok((ev, self.line))
            }
            Some(Err(e)) => Err(YamlError {
                line: e.marker().line(),
                message: e.info().to_string(),
            }),
        }
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, YamlError> {
        Err(YamlError {
            line: self.line,
            message: message.into(),
        })
    }

    fn node(&mut self, ev: Event<'a>) -> Result<Value, YamlError> {
        let start = self.decoded;
        if !matches!(ev, Event::Alias(_)) {
            self.decoded += 1;
        }
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let mut text = text.into_owned();
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                    && self.at_eof
                    && !self.ends_with_break
                    && text.ends_with('\n')
                {
                    // A block scalar's final line break only counts when the text has one.
                    text.pop();
                }
                if style == ScalarStyle::Folded {
                    text = fold_round_trip(&text);
                }
                // kustomize re-sets every object's annotations from their source text at the
                // end, so an annotation value is that text, whatever it would resolve to.
                let v = if self.path.len() == 3
                    && self.path[0] == "metadata"
                    && self.path[1] == "annotations"
                {
                    Value::String(text.clone())
                } else {
                    self.scalar(&text, style, tag.as_deref())?
                };
                if anchor > 0 {
                    self.anchors
                        .insert(anchor, (v.clone(), self.decoded - start));
                }
                Ok(v)
            }
            Event::Alias(id) => {
                let size = match self.anchors.get(&id) {
                    Some((_, n)) => *n,
                    None => return self.err("unknown anchor"),
                };
                // Count before copying, so a bomb stops before it takes the memory.
                self.decoded += size;
                self.aliased += size;
                if (self.aliased > 100
                    && self.decoded > 1000
                    && self.aliased as f64 / self.decoded as f64
                        > allowed_alias_ratio(self.decoded))
                    || self.decoded > MAX_NODES
                {
                    return self.err("document contains excessive aliasing");
                }
                Ok(self.anchors[&id].0.clone())
            }
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    let (ev, _) = self.next()?;
                    if let Event::SequenceEnd = ev {
                        break;
                    }
                    self.path.push(format!("[{}]", items.len()));
                    let item = self.node(ev);
                    self.path.pop();
                    items.push(item?);
                }
                let v = Value::Array(items);
                if anchor > 0 {
                    self.anchors
                        .insert(anchor, (v.clone(), self.decoded - start));
                }
                Ok(v)
            }
            Event::MappingStart(anchor, _) => {
                let flow = self.flow_collection_at(self.at);
                let v = self.mapping(flow)?;
                if anchor > 0 {
                    self.anchors
                        .insert(anchor, (v.clone(), self.decoded - start));
                }
                Ok(v)
            }
            _ => self.err("unexpected event"),
        }
    }

    /// Whether the collection starting at (line, column) is a flow `{...}` one: its text
    /// there, past any tag and anchor, opens with `{`.
    fn flow_collection_at(&mut self, (line, col): (usize, usize)) -> bool {
        if self.line_starts.is_empty() {
            self.line_starts.push(0);
            self.line_starts
                .extend(self.src.match_indices('\n').map(|(i, _)| i + 1));
        }
        let Some(&start) = line.checked_sub(1).and_then(|l| self.line_starts.get(l)) else {
            return false;
        };
        let mut rest = self.src[start..].chars().skip(col).peekable();
        loop {
            match rest.peek() {
                Some('!' | '&') => {
                    while rest.next_if(|c| !c.is_whitespace()).is_some() {}
                    while rest.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
                }
                Some('{') => return true,
                _ => return false,
            }
        }
    }

    /// `flow`: a `{...}` mapping, where an empty value is the empty string to kustomize
    /// (yaml.v3 leaves it untagged, and kyaml prints it as ""), not null as in a block.
    fn mapping(&mut self, flow: bool) -> Result<Value, YamlError> {
        let mut map = Map::new();
        let mut key_lines: HashMap<String, usize> = HashMap::new();
        let mut merges: Vec<Value> = Vec::new();
        loop {
            let (ev, line) = self.next()?;
            let key = match ev {
                Event::MappingEnd => break,
                Event::Scalar(ref text, style, _, None) if text == "<<" => {
                    let (vev, _) = self.next()?;
                    let v = self.node(vev)?;
                    // A plain `<<` merges; kustomize (kyaml's de-anchoring) drops a quoted
                    // `<<` key whatever it holds.
                    if style == ScalarStyle::Plain {
                        merges.push(v);
                    }
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
            if let Some(prev) = key_lines.get(&key).filter(|_| !self.allow_duplicates) {
                return Err(YamlError {
                    line,
                    message: format!("mapping key {key:?} already defined at line {prev}"),
                });
            }
            key_lines.insert(key.clone(), line);
            if let Some(lines) = self.lines.as_mut() {
                let p = join_path(&self.path, &key);
                lines.insert(p, line);
            }
            self.path.push(key.clone());
            let (vev, _) = self.next()?;
            let v = match vev {
                Event::Scalar(ref t, ScalarStyle::Plain, 0, None) if flow && t.is_empty() => {
                    self.decoded += 1;
                    Ok(Value::String(String::new()))
                }
                vev => self.node(vev),
            };
            self.path.pop();
            map.insert(key, v?);
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

    fn scalar(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
    ) -> Result<Value, YamlError> {
        let resolved = match tag {
            None if style == ScalarStyle::Plain => resolve_plain(text, self.dialect),
            None => Scalar::Str,
            Some(t) if t.is_yaml_core_schema() => match t.suffix.as_str() {
                "int" | "float" | "bool" | "null" => {
                    let r = resolve_plain(text, self.dialect);
                    match (t.suffix.as_str(), &r) {
                        ("int", Scalar::Int(_) | Scalar::Uint(_))
                        | ("float", Scalar::Float(_))
                        | ("bool", Scalar::Bool(_))
                        | ("null", Scalar::Null) => r,
                        ("float", Scalar::Int(i)) => Scalar::Float(*i as f64),
                        _ => {
                            // The value itself is never shown: it may be a secret.
                            return self.err(format!(
                                "cannot decode the value as !!{} (it is not one)",
                                t.suffix
                            ));
                        }
                    }
                }
                "binary" => {
                    // yaml.v3 hands decoded bytes over as a string.
                    use base64::Engine;
                    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                    return match base64::engine::general_purpose::STANDARD.decode(compact) {
                        Ok(bytes) => {
                            Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
                        }
                        Err(_) => self.err("cannot decode !!binary value: invalid base64"),
                    };
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
                None => return self.err("unsupported number (NaN or infinity)"),
            },
            Scalar::Timestamp => Value::String(timestamp_rfc3339(text)),
            Scalar::Str => Value::String(text.to_string()),
        })
    }
}

fn join_path(parent: &[String], key: &str) -> String {
    let mut p = String::new();
    for seg in parent {
        if !seg.starts_with('[') && !p.is_empty() {
            p.push('.');
        }
        p.push_str(seg);
    }
    if !p.is_empty() {
        p.push('.');
    }
    p.push_str(key);
    p
}

/// kustomize serialises a folded scalar back to YAML (go-yaml v3's writer) and reads it
/// again before printing; that round trip changes line breaks next to more-indented
/// lines. Reproduce it: write the value the way that writer does, then read it back.
fn fold_round_trip(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let is_break = |c: char| matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}');
    let mut out = String::from("x: >");
    if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
        out.push('2');
    }
    let n = chars.len();
    if n == 0 || !is_break(chars[n - 1]) {
        out.push('-');
    } else if n == 1 || is_break(chars[n - 2]) {
        out.push('+');
    }
    out.push('\n');
    // Go's check looks at the value's first character, not the current one.
    let starts_blankz = chars
        .iter()
        .copied()
        .find(|&c| !is_break(c))
        .is_none_or(|c| c == ' ' || c == '\t');
    let (mut breaks, mut leading_spaces) = (true, true);
    let mut column = 0;
    for &c in &chars {
        if is_break(c) {
            if !breaks && !leading_spaces && c == '\n' && !starts_blankz {
                out.push('\n');
            }
            out.push(c);
            column = 0;
            breaks = true;
        } else {
            if breaks {
                out.push_str("  ");
                column = 2;
                leading_spaces = c == ' ' || c == '\t';
            }
            out.push(c);
            column += 1;
            breaks = false;
        }
    }
    let _ = column;
    match parse_one_raw(&out) {
        Some(v) => v,
        None => value.to_string(),
    }
}

/// Reads `x: <scalar>` and returns the scalar's text, without any round trip.
fn parse_one_raw(src: &str) -> Option<String> {
    let mut p = Parser::new_from_str(src);
    while let Some(Ok((ev, _))) = p.next_event() {
        if let Event::Scalar(t, ScalarStyle::Folded, _, _) = ev {
            return Some(t.into_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_types_like_yaml_v3() {
        let v = parse_one("a: yes\nb: 010\nc: '1'\nd: ~\ne: 1.50\nf: !!str 3\n").unwrap();
        assert_eq!(
            v,
            json!({"a": "yes", "b": 8, "c": "1", "d": null, "e": 1.5, "f": "3"})
        );
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
    fn annotation_values_keep_their_source_text() {
        let v = parse_one(
            "metadata:\n  annotations:\n    a: 0x10\n    b: ~\n    c: 1.50\nspec:\n  a: 0x10\n",
        )
        .unwrap();
        assert_eq!(v["metadata"]["annotations"]["a"], "0x10");
        assert_eq!(v["metadata"]["annotations"]["b"], "~");
        assert_eq!(v["metadata"]["annotations"]["c"], "1.50");
        assert_eq!(v["spec"]["a"], 16);
    }

    #[test]
    fn key_lines_by_path() {
        let (_, lines) =
            parse_one_with_lines("a:\n  b: 1\n  c:\n    - d: 2\n      e: 3\n").unwrap();
        assert_eq!(lines["a.b"], 2);
        assert_eq!(lines["a.c[0].e"], 5);
    }

    #[test]
    fn folded_scalars_round_trip_like_kustomize() {
        let v = parse_one("a: >\n  first\n\n  <settings>\n    <mirrors>\n  end\n").unwrap();
        assert_eq!(v["a"], "first\n<settings>\n\n  <mirrors>\nend\n");
    }

    #[test]
    fn block_scalar_at_end_without_newline_has_none() {
        let v = parse_one("a: |\n  x").unwrap();
        assert_eq!(v["a"], "x");
        let v = parse_one("a: |\n  x\n").unwrap();
        assert_eq!(v["a"], "x\n");
    }

    #[test]
    fn alias_bombs_stop_early() {
        let mut src = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9u8 {
            let (p, c) = ((b'a' + i - 1) as char, (b'a' + i) as char);
            src.push_str(&format!(
                "{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            ));
        }
        let e = parse_documents(&src).unwrap_err();
        assert!(e.message.contains("excessive aliasing"), "{e}");
        // A modest fan-out is fine.
        let v = parse_one("a: &a [1, 2, 3]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n").unwrap();
        assert_eq!(v["c"][2][2][2], 3);
    }

    #[test]
    fn byte_order_marks_at_line_starts_are_skipped() {
        let d = parse_documents("a: 1\n---\n\u{FEFF}b: 2\n").unwrap();
        assert_eq!(d[1].value["b"], 2);
    }

    #[test]
    fn nesting_as_deep_as_yaml_v3_allows() {
        // The reader recurses per level: the binary runs commands on a 512 MiB stack.
        std::thread::Builder::new()
            .stack_size(512 << 20)
            .spawn(nesting_as_deep_as_yaml_v3_allows_inner)
            .unwrap()
            .join()
            .unwrap();
    }

    fn nesting_as_deep_as_yaml_v3_allows_inner() {
        let deep = |n: usize| format!("a: {}1{}\n", "[".repeat(n), "]".repeat(n));
        let v = parse_one(&deep(5000)).unwrap();
        let mut cur = &v["a"];
        for _ in 0..4999 {
            cur = &cur[0];
        }
        assert_eq!(cur[0], 1);
        let e = parse_one(&deep(10_001)).unwrap_err();
        assert!(e.message.contains("exceeded max depth of 10000"), "{e}");
        // Block mappings nest as deep, through the same reader.
        let mut block = String::new();
        for i in 0..300 {
            block.push_str(&format!("{}k:\n", " ".repeat(i)));
        }
        block.push_str(&format!("{}v: 1\n", " ".repeat(300)));
        assert!(parse_one(&block).is_ok());
    }

    #[test]
    fn empty_values_in_flow_mappings_are_empty_strings() {
        let v = parse_one("a: {x, y: }\nb:\n  x:\nc: !!set {p}\nd: [q, {r}]\n").unwrap();
        assert_eq!(v["a"], json!({"x": "", "y": ""}));
        assert_eq!(v["b"]["x"], Value::Null);
        assert_eq!(v["c"]["p"], "");
        assert_eq!(v["d"][1]["r"], "");
    }

    #[test]
    fn syntax_error_has_line() {
        let e = parse_documents("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(e.line >= 2, "{e}");
    }
}
