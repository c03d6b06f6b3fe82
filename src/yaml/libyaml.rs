//! YAML stage: a second event source for the reader, built on libyaml (the C parser that
//! yaml.v3 was ported from), used only for documents the main parser refuses for depth:
//! saphyr-parser counts flow levels in a u8 and stops at 255, where yaml.v3 allows 10,000.
//! Must not know about Kubernetes; yields the main parser's event type so one builder
//! reads both.

use saphyr_parser::{Event, Marker, ScalarStyle, ScanError, Span, Tag};
use std::borrow::Cow;
use std::collections::HashMap;

thread_local! {
    /// Set while libyaml-safer runs on this thread, so the panic hook stays silent.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, turning a panic inside it into `None` without printing the panic message
/// (a panic hook installed once stays silent on the thread that is inside `f`, and
/// defers to the previous hook everywhere else).
fn quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok();
    QUIET.with(|q| q.set(false));
    out
}

/// yaml.v3's limit on nesting (`max_flow_level` and `max_indents` in its parser).
pub const MAX_DEPTH: usize = 10_000;

pub struct LibyamlEvents<'a> {
    parser: libyaml_safer::Parser<std::io::Chain<&'a [u8], &'static [u8]>>,
    anchors: HashMap<String, usize>,
    depth: usize,
    done: bool,
    /// Where the last event ended (for an error libyaml-safer could not report itself).
    last: Marker,
}

impl<'a> LibyamlEvents<'a> {
    pub fn new(src: &'a str) -> LibyamlEvents<'a> {
        let mut parser = libyaml_safer::Parser::new();
        // libyaml-safer 0.3 panics on a backslash that is the very last byte of the input
        // (inside a double-quoted scalar it looks one character past the end). A line
        // break after it gives libyaml's own "unexpected end of stream" instead; this
        // reader is only used for texts the main parser refused, so nothing valid changes.
        let tail: &'static [u8] = if src.ends_with('\\') { b"\n" } else { b"" };
        parser.set_input(std::io::Read::chain(src.as_bytes(), tail));
        LibyamlEvents {
            parser,
            anchors: HashMap::new(),
            depth: 0,
            done: false,
            last: Marker::new(0, 1, 0),
        }
    }

    fn anchor(&mut self, name: Option<String>) -> usize {
        match name {
            None => 0,
            Some(n) => {
                // A re-used anchor name shadows the earlier one, as in yaml.v3.
                let id = self.anchors.len() + 1;
                self.anchors.insert(n, id);
                id
            }
        }
    }

    pub fn next_event(&mut self) -> Option<Result<(Event<'a>, Span), ScanError>> {
        if self.done {
            return None;
        }
        let parsed = quietly(|| self.parser.parse());
        let ev = match parsed {
            Some(Ok(ev)) => ev,
            Some(Err(e)) => {
                self.done = true;
                let m = e.problem_mark().unwrap_or_default();
                return Some(Err(ScanError::new(marker(&m), e.problem().to_string())));
            }
            None => {
                // libyaml-safer 0.3 panics (instead of reporting) on some texts that end
                // in the middle of a token; that is libyaml's "unexpected end of stream".
                self.done = true;
                return Some(Err(ScanError::new(
                    self.last,
                    "found unexpected end of stream".into(),
                )));
            }
        };
        let span = Span::new(marker(&ev.start_mark), marker(&ev.end_mark));
        self.last = span.end;
        use libyaml_safer::EventData as D;
        let out = match ev.data {
            D::StreamStart { .. } => Event::StreamStart,
            D::StreamEnd => {
                self.done = true;
                Event::StreamEnd
            }
            D::DocumentStart { implicit, .. } => {
                self.anchors.clear();
                Event::DocumentStart(!implicit)
            }
            D::DocumentEnd { .. } => Event::DocumentEnd,
            D::Alias { anchor } => match self.anchors.get(&anchor) {
                Some(id) => Event::Alias(*id),
                None => {
                    self.done = true;
                    return Some(Err(ScanError::new(span.start, "unknown anchor".into())));
                }
            },
            D::Scalar {
                anchor,
                tag,
                value,
                style,
                ..
            } => {
                let id = self.anchor(anchor);
                let style = match style {
                    libyaml_safer::ScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                    libyaml_safer::ScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                    libyaml_safer::ScalarStyle::Literal => ScalarStyle::Literal,
                    libyaml_safer::ScalarStyle::Folded => ScalarStyle::Folded,
                    _ => ScalarStyle::Plain,
                };
                Event::Scalar(Cow::Owned(value), style, id, tag.map(to_tag))
            }
            D::SequenceStart { anchor, tag, .. } | D::MappingStart { anchor, tag, .. }
                if self.depth >= MAX_DEPTH =>
            {
                let _ = (anchor, tag);
                self.done = true;
                return Some(Err(ScanError::new(
                    span.start,
                    format!("exceeded max depth of {MAX_DEPTH}"),
                )));
            }
            D::SequenceStart { anchor, tag, .. } => {
                self.depth += 1;
                Event::SequenceStart(self.anchor(anchor), tag.map(to_tag))
            }
            D::MappingStart { anchor, tag, .. } => {
                self.depth += 1;
                Event::MappingStart(self.anchor(anchor), tag.map(to_tag))
            }
            D::SequenceEnd => {
                self.depth = self.depth.saturating_sub(1);
                Event::SequenceEnd
            }
            D::MappingEnd => {
                self.depth = self.depth.saturating_sub(1);
                Event::MappingEnd
            }
        };
        Some(Ok((out, span)))
    }
}

fn marker(m: &libyaml_safer::Mark) -> Marker {
    // libyaml counts lines from 0; the main parser, and every message, from 1.
    Marker::new(m.index as usize, m.line as usize + 1, m.column as usize)
}

/// libyaml hands over resolved tags (`tag:yaml.org,2002:int`); split them the way the main
/// parser does, so core-schema tags are recognised alike.
fn to_tag<'a>(t: String) -> Cow<'a, Tag> {
    const CORE: &str = "tag:yaml.org,2002:";
    let (handle, suffix) = match t.strip_prefix(CORE) {
        Some(s) => (CORE.to_string(), s.to_string()),
        None => match t.rfind('!') {
            Some(i) => (t[..=i].to_string(), t[i + 1..].to_string()),
            None => (String::new(), t),
        },
    };
    Cow::Owned(Tag { handle, suffix })
}
