//! YAML to a spanned node tree.
//!
//! serde-saphyr parses; we deserialize every document into our own [`Node`] tree whose
//! nodes keep the byte range of the value they came from, then convert nodes to typed
//! documents by hand (see `schema`), so that one document can report every problem it has
//! and each problem points at the exact value.
//!
//! A file is split into its documents before parsing: YAML forbids a line starting with
//! `---` or `...` inside any content (the spec's `c-forbidden`), so such lines always
//! separate documents. Parsing documents one by one keeps a syntax error in one document
//! from hiding the others, bounds each parser budget by the document's own size, and lets
//! rayon parse the documents of a large file in parallel.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::borrow::Cow;
use std::fmt;

/// A YAML value with its byte range in the file.
///
/// Strings borrow the file's text where it spells them as they are (plain scalars, quoted
/// ones without escapes), so parsing allocates for the tree's shape, not for every scalar:
/// the typed documents share the file's text anyway (`kinds::Converter::shared`), and a copy
/// per scalar, made and dropped, was a tenth of `canopy check`'s CPU at Azure's limits.
/// A node kept past its file's parse (a policy rule) is a `Node<'static>`: see
/// [`Node::into_owned`].
#[derive(Clone, Debug, PartialEq)]
pub struct Node<'a> {
    pub start: u32,
    pub end: u32,
    pub value: Value<'a>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    Seq(Vec<Node<'a>>),
    Map(Vec<Entry<'a>>),
}

/// A mapping entry. Duplicate keys are kept so that the converter can report each one.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry<'a> {
    pub key: Cow<'a, str>,
    pub key_start: u32,
    pub key_end: u32,
    pub value: Node<'a>,
}

impl Node<'_> {
    /// A copy owning its strings, to outlive the text it was parsed from.
    pub fn to_static(&self) -> Node<'static> {
        self.clone().into_owned()
    }

    /// The same tree owning its strings, to outlive the text it was parsed from.
    pub fn into_owned(self) -> Node<'static> {
        Node {
            start: self.start,
            end: self.end,
            value: match self.value {
                Value::Null => Value::Null,
                Value::Bool(b) => Value::Bool(b),
                Value::Int(i) => Value::Int(i),
                Value::Float(f) => Value::Float(f),
                Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
                Value::Seq(items) => Value::Seq(items.into_iter().map(Node::into_owned).collect()),
                Value::Map(entries) => Value::Map(
                    entries
                        .into_iter()
                        .map(|e| Entry {
                            key: Cow::Owned(e.key.into_owned()),
                            key_start: e.key_start,
                            key_end: e.key_end,
                            value: e.value.into_owned(),
                        })
                        .collect(),
                ),
            },
        }
    }

    /// The value as JSON, mapping keys in order: for reports and for comparing with Azure's
    /// JSON. Spans are dropped.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(f) => (*f).into(),
            Value::Str(s) => s.to_string().into(),
            Value::Seq(items) => items.iter().map(Node::to_json).collect(),
            Value::Map(entries) => entries
                .iter()
                .map(|e| (e.key.to_string(), e.value.to_json()))
                .collect(),
        }
    }
}

impl Value<'_> {
    /// The YAML word for this kind of value, for messages such as "expected a string, found a mapping".
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "a number",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// One parsed document. Node offsets are byte offsets in the whole file, not the document.
#[derive(Debug)]
pub struct Document<'a> {
    pub root: Node<'a>,
}

/// A problem the YAML layer found: invalid syntax, or a parser limit hit.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub start: u32,
    pub end: u32,
    pub message: String,
    pub help: Option<String>,
}

/// One document's text within a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub start: usize,
    pub end: usize,
}

/// Splits a file into document chunks at `---` and `...` marker lines.
pub fn split_documents(text: &str) -> Vec<Chunk> {
    let bytes = text.as_bytes();
    let mut split = Splitter::default();
    let mut here = 0;
    while here < bytes.len() {
        let next = memchr::memchr(b'\n', &bytes[here..]).map_or(bytes.len(), |i| here + i + 1);
        // Inside a document's content, only a line that may be a marker or a directive (or
        // begins with a byte order mark) changes anything: the rest are skipped once their
        // line break is found. Reading every line whole was 3-4% of `canopy check`'s CPU at
        // Azure's limits.
        if !split.steady() || matches!(bytes[here], b'-' | b'.' | b'%' | 0xEF) {
            split.line(&text[here..next], here);
        }
        here = next;
    }
    split.finish(text)
}

/// What [`split_documents`] knows after each line.
#[derive(Default)]
struct Splitter {
    chunks: Vec<Chunk>,
    /// Where the current document began.
    start: usize,
    /// Where a run of directive lines (`%YAML`, `%TAG`) began: they belong to the next document.
    directives_from: Option<usize>,
    has_content: bool,
}

impl Splitter {
    /// Whether a line that is not a marker nor a directive would change nothing.
    fn steady(&self) -> bool {
        self.has_content && self.directives_from.is_none()
    }

    /// One line (with its line break) at byte offset `here`.
    fn line(&mut self, line: &str, here: usize) {
        let end = here + line.len();
        // YAML allows a byte order mark before each document (files joined with `cat`).
        let body = line
            .trim_end_matches(['\n', '\r'])
            .trim_start_matches('\u{FEFF}');
        if is_marker(body, "---") {
            let cut = self.directives_from.unwrap_or(here);
            if self.has_content || cut > self.start {
                self.chunks.push(Chunk {
                    start: self.start,
                    end: cut,
                });
            }
            self.start = cut;
            self.has_content = true;
            self.directives_from = None;
        } else if is_marker(body, "...") {
            self.chunks.push(Chunk {
                start: self.start,
                end,
            });
            self.start = end;
            self.has_content = false;
            self.directives_from = None;
        } else if body.starts_with('%') {
            self.directives_from.get_or_insert(here);
        } else {
            self.directives_from = None;
            if !is_blank_or_comment(body) {
                self.has_content = true;
            }
        }
    }

    fn finish(mut self, text: &str) -> Vec<Chunk> {
        if self.start < text.len() {
            self.chunks.push(Chunk {
                start: self.start,
                end: text.len(),
            });
        }
        (self.chunks).retain(|c| !text[c.start..c.end].lines().all(is_empty_line));
        self.chunks
    }
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// A line that adds nothing to a document: blank, a comment, a bare marker or directive.
fn is_empty_line(line: &str) -> bool {
    let rest = line
        .strip_prefix("---")
        .or_else(|| line.strip_prefix("..."))
        .unwrap_or(line);
    is_blank_or_comment(rest) || line.starts_with('%')
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// Limits for one document, in proportion to its size so that no valid tenant trips them
/// while an alias bomb or a nesting bomb stops early.
fn options_for(len: usize) -> serde_saphyr::Options {
    let budget = Budget::for_len(len);
    let len = len.max(1);
    serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::PassThrough,
        // `name: .inf` is a name, not an error; scalars are read as written anyway.
        non_finite_float_policy: serde_saphyr::options::NonFiniteFloatPolicy::AsString,
        budget: serde_saphyr::budget! {
            max_documents: 2,
            max_depth: MAX_DEPTH,
            max_nodes: budget.nodes,
            max_events: budget.events,
            max_total_scalar_bytes: budget.scalar_bytes,
            max_aliases: len / 2 + 100,
            max_anchors: len / 2 + 100,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000 + 4 * len,
            max_replay_stack_depth: 64,
        },
    }
}

/// The budgets of one document that both parsing paths count against: serde-saphyr's, set in
/// [`options_for`], and the fast path's, which hands a document over to serde-saphyr past any.
struct Budget {
    nodes: usize,
    events: usize,
    scalar_bytes: usize,
}

impl Budget {
    fn for_len(len: usize) -> Budget {
        let len = len.max(1);
        Budget {
            nodes: len + 1_000,
            events: 3 * len + 1_000,
            scalar_bytes: 2 * len + 1_000,
        }
    }
}

/// Deepest nesting of lists and mappings accepted in one document. Tenant documents nest a
/// handful of levels; policy rules a few dozen at most.
pub const MAX_DEPTH: usize = 128;

/// Parses one document chunk of `text`. `Ok(None)` for an empty document.
pub fn parse_chunk(text: &str, chunk: Chunk) -> Result<Option<Document<'_>>, YamlError> {
    let src = &text[chunk.start..chunk.end];
    let base = chunk.start as u32;
    let parsed = match parse_plain(src) {
        Some(root) => Ok(root),
        None => parse_with_serde(src),
    };
    match parsed {
        Ok(Some(mut root)) => {
            shift(&mut root, base);
            Ok(Some(Document { root }))
        }
        Ok(None) => Ok(None),
        Err(e) => Err(to_yaml_error(&e, src, base)),
    }
}

/// The whole document through serde-saphyr: every YAML feature, its budgets and its messages.
fn parse_with_serde(src: &str) -> Result<Option<Node<'static>>, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options(src, options_for(src.len()))
}

/// The common case, fast: a document of plain mappings, lists and scalars, built straight from
/// the events of granit-parser (the parser serde-saphyr itself runs on), with each node's byte
/// range taken from its event as serde-saphyr takes it. serde-saphyr's `Spanned` costs a
/// synthesized map and two `Location` structs per value, which made parsing with spans about
/// twice the cost of parsing without them.
///
/// `None` hands the document to [`parse_with_serde`]: anything this path does not build
/// exactly as serde-saphyr would (anchors, aliases, merge keys, tags, a `%YAML` directive, a
/// scalar or empty root, a complex key), a syntax error (for serde-saphyr's message), or a
/// document past the limits serde-saphyr enforces. Plain scalars that may be numbers are
/// resolved by serde-saphyr too, one scalar at a time, so both paths type values alike.
/// `parse_plain_agrees_with_serde_saphyr` holds the two to the same trees, spans included.
fn parse_plain(src: &str) -> Option<Option<Node<'_>>> {
    use granit_parser::Event;
    // An open list or mapping, with where its items begin in `items` or `entries`: the
    // children of every open container wait on one stack per kind, and each container takes
    // its own in one allocation of the exact size when it ends. A list per container grown by
    // doubling was two or three allocations each, 3% of `canopy check` at Azure's limits.
    enum Open<'a> {
        Seq(u32, u32, usize),
        /// A mapping and the key waiting for its value.
        Map(u32, u32, usize, Option<(Cow<'a, str>, u32, u32)>),
    }
    let mut parser = granit_parser::Parser::new_from_str(src);
    let mut open: Vec<Open> = Vec::new();
    let mut items: Vec<Node> = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0;
    // serde-saphyr's budgets for this document (`options_for`): past any, it decides.
    let (mut nodes, mut events, mut scalar_bytes) = (0usize, 0usize, 0usize);
    let budget = Budget::for_len(src.len());
    while let Some(event) = parser.next_event() {
        let (event, span) = event.ok()?;
        events += 1;
        if let Event::Scalar(text, ..) = &event {
            scalar_bytes += text.len();
        }
        if events > budget.events || scalar_bytes > budget.scalar_bytes {
            return None;
        }
        let (start, end) = match (span.start.byte_offset(), span.end.byte_offset()) {
            (Some(s), Some(e)) => (u32::try_from(s).ok()?, u32::try_from(e.max(s)).ok()?),
            _ => return None,
        };
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => continue,
            Event::DocumentStart(_, version) => {
                documents += 1;
                if documents > 1 || version.is_some() {
                    return None;
                }
                continue;
            }
            Event::Scalar(text, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                Node {
                    start,
                    end,
                    value: plain_scalar(text, style)?,
                }
            }
            Event::SequenceStart(_, anchor, ref tag) | Event::MappingStart(_, anchor, ref tag) => {
                if anchor != 0 || tag.is_some() || open.len() >= MAX_DEPTH {
                    return None;
                }
                open.push(if matches!(event, Event::SequenceStart(..)) {
                    Open::Seq(start, end, items.len())
                } else {
                    Open::Map(start, end, entries.len(), None)
                });
                continue;
            }
            Event::SequenceEnd => match open.pop()? {
                Open::Seq(start, end, from) => Node {
                    start,
                    end,
                    value: Value::Seq(items.drain(from..).collect()),
                },
                Open::Map(..) => return None,
            },
            Event::MappingEnd => match open.pop()? {
                Open::Map(start, end, from, None) => Node {
                    start,
                    end,
                    value: Value::Map(entries.drain(from..).collect()),
                },
                _ => return None,
            },
            // Aliases, and any event a parser option or feature adds.
            _ => return None,
        };
        nodes += 1;
        if nodes > budget.nodes {
            return None;
        }
        match open.last_mut() {
            None if root.is_none() => root = Some(node),
            None => return None,
            Some(Open::Seq(..)) => items.push(node),
            Some(Open::Map(_, _, _, waiting)) => match waiting.take() {
                Some((key, key_start, key_end)) => entries.push(Entry {
                    key,
                    key_start,
                    key_end,
                    value: node,
                }),
                None => {
                    let key = match node.value {
                        Value::Str(s) => s,
                        Value::Bool(b) => Cow::Owned(b.to_string()),
                        Value::Int(i) => Cow::Owned(i.to_string()),
                        Value::Float(f) => Cow::Owned(f.to_string()),
                        Value::Null => Cow::Borrowed(""),
                        Value::Seq(_) | Value::Map(_) => return None,
                    };
                    // A merge key, however written: serde-saphyr's to expand.
                    if key == "<<" {
                        return None;
                    }
                    *waiting = Some((key, node.start, node.end));
                }
            },
        }
    }
    if !open.is_empty() {
        return None;
    }
    match root {
        None => Some(None),
        Some(
            n @ Node {
                value: Value::Map(_) | Value::Seq(_),
                ..
            },
        ) => Some(Some(n)),
        Some(_) => None,
    }
}

/// A scalar's value as serde-saphyr gives it to canopy (YAML 1.2 core schema, strict
/// booleans): quoted and block scalars are strings; plain ones may be null, a boolean or a
/// number. Those that may be numbers are resolved by serde-saphyr itself.
fn plain_scalar(text: Cow<'_, str>, style: granit_parser::ScalarStyle) -> Option<Value<'_>> {
    if style != granit_parser::ScalarStyle::Plain {
        return Some(Value::Str(text));
    }
    Some(match text.as_ref() {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        t if t.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.'))
            && !t.contains(char::is_whitespace)
            && !sign_inside(t) =>
        {
            let RawValue(v) = serde_saphyr::from_str_with_options(t, options_for(t.len())).ok()?;
            match v {
                v @ (Value::Int(_) | Value::Float(_) | Value::Bool(_)) => v,
                // Read alone, the text must stay itself: `---` and `...` alone are document
                // markers (an empty stream, so null), not the strings they are in a document.
                // Anything else is left to the full path.
                Value::Str(s) if s == t => Value::Str(text),
                _ => return None,
            }
        }
        _ => Value::Str(text),
    })
}

/// Whether a sign stands inside the text other than after an exponent's `e`: no number of
/// YAML's schemas is written so (a sign leads the number or its exponent), so the text is a
/// string. GUIDs and dates are such texts, and a tenant holds hundreds of thousands of GUIDs:
/// handing each to serde-saphyr alone was a tenth of `canopy check`'s time on the bench's
/// largest tree. `sign_inside_means_a_string` holds this to serde-saphyr.
fn sign_inside(t: &str) -> bool {
    let b = t.as_bytes();
    (1..b.len()).any(|i| matches!(b[i], b'-' | b'+') && !matches!(b[i - 1], b'e' | b'E'))
}

fn shift(node: &mut Node, base: u32) {
    node.start += base;
    node.end += base;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| shift(n, base)),
        Value::Map(entries) => {
            for e in entries {
                e.key_start += base;
                e.key_end += base;
                shift(&mut e.value, base);
            }
        }
        _ => {}
    }
}

fn to_yaml_error(e: &serde_saphyr::Error, src: &str, base: u32) -> YamlError {
    // Prefer the byte range; scanner errors carry only a line and column, so fall back to those.
    let (start, end) = e
        .location()
        .and_then(|l| {
            let s = l.span();
            match s.byte_offset() {
                Some(off) => Some((off as u32, (off + s.byte_len().unwrap_or(0)) as u32)),
                None => offset_of(src, l.line(), l.column()).map(|o| (o, o)),
            }
        })
        .unwrap_or((0, 0));
    let start = start.min(src.len() as u32);
    let end = end.clamp(start, src.len() as u32);
    let raw = e.to_string();
    // The location is ours to draw; drop the parser's own " at line X column Y" suffix.
    let (message, help) = match limit_hit(&raw) {
        Some((message, help)) => (message, Some(help)),
        None => (strip_location_suffix(&raw), None),
    };
    YamlError {
        start: start + base,
        end: end + base,
        message,
        help,
    }
}

/// Byte offset of a 1-based line and character column in `src`.
fn offset_of(src: &str, line: u64, column: u64) -> Option<u32> {
    if line == 0 {
        return None;
    }
    let line_start = if line == 1 {
        0
    } else {
        src.match_indices('\n').nth(line as usize - 2)?.0 + 1
    };
    let rest = &src[line_start..];
    let within = rest
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(rest.len(), |(i, _)| i);
    Some((line_start + within) as u32)
}

fn strip_location_suffix(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or(msg).trim();
    match first.find(" at line ") {
        Some(i) => first[..i].trim_end_matches([',', ':']).to_string(),
        None => first.to_string(),
    }
}

/// When the parser stopped at one of canopy's limits, a sentence saying which and what to do.
/// serde-saphyr words these as `budget breached: Kind { counters }` or alias-replay errors.
fn limit_hit(raw: &str) -> Option<(String, String)> {
    let lower = raw.to_ascii_lowercase();
    let alias_help = "canopy limits how far aliases may expand, in proportion to each \
        document's size, to stop alias bombs (\"billion laughs\"); no tenant document needs more. \
        Write the values out instead of repeating large aliases, or split the document with `---`.";
    let kind = match raw.split_once("budget breached: ") {
        Some((_, rest)) => rest
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or(""),
        None if lower.contains("alias")
            && (lower.contains("limit") || lower.contains("exceed")) =>
        {
            "AliasReplay"
        }
        None => return None,
    };
    let (what, help) = match kind {
        "Depth" => (
            format!("lists and mappings nest deeper than {MAX_DEPTH} levels"),
            format!(
                "canopy accepts a nesting depth of up to {MAX_DEPTH} levels in a document \
                 (policy rules need a few dozen at most); flatten the structure"
            ),
        ),
        "ScalarBytes" | "Nodes" | "Events" | "AliasReplay" => (
            "aliases expand this document far beyond its own size (an alias bomb)".to_string(),
            alias_help.to_string(),
        ),
        "Aliases" | "Anchors" | "AliasAnchorRatio" => (
            "the document uses far more aliases or anchors than its size warrants".to_string(),
            alias_help.to_string(),
        ),
        "MergeKeys" => (
            "the document uses too many merge keys (`<<`)".to_string(),
            "write the merged mappings out instead".to_string(),
        ),
        other => (
            format!("the YAML parser's `{other}` limit was hit"),
            alias_help.to_string(),
        ),
    };
    Some((format!("YAML limit exceeded: {what}"), help))
}

// ---- Deserialization into Node -------------------------------------------------------

struct RawValue(Value<'static>);

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor).map(RawValue)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value<'static>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value<'static>, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value<'static>, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value<'static>, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value<'static>, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value<'static>, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value<'static>, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value<'static>, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value<'static>, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value<'static>, E> {
        Ok(Value::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Value<'static>, E> {
        Ok(Value::Str(Cow::Owned(v)))
    }
    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Value<'static>, E> {
        Ok(Value::Str(Cow::Owned(
            String::from_utf8_lossy(v).into_owned(),
        )))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value<'static>, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value<'static>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(n) = seq.next_element::<Node<'static>>()? {
            items.push(n);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value<'static>, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let value = map.next_value::<Node<'static>>()?;
            let (key_start, key_end) = range(&key.referenced);
            entries.push(Entry {
                key: Cow::Owned(key.value.0),
                key_start,
                key_end,
                value,
            });
        }
        Ok(Value::Map(entries))
    }
}

/// A mapping key as text, whatever scalar type YAML gives it (`1:` is the key "1").
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(ValueVisitor)? {
            Value::Str(s) => Ok(KeyText(s.into_owned())),
            Value::Bool(b) => Ok(KeyText(b.to_string())),
            Value::Int(i) => Ok(KeyText(i.to_string())),
            Value::Float(f) => Ok(KeyText(f.to_string())),
            Value::Null => Ok(KeyText(String::new())),
            Value::Seq(_) | Value::Map(_) => Err(serde::de::Error::custom(
                "a mapping key must be a plain value, not a list or mapping",
            )),
        }
    }
}

fn range(loc: &serde_saphyr::Location) -> (u32, u32) {
    let s = loc.span();
    match (s.byte_offset(), s.byte_len()) {
        (Some(o), Some(l)) => (o as u32, (o + l) as u32),
        (Some(o), None) => (o as u32, o as u32),
        _ => (0, 0),
    }
}

impl<'de> Deserialize<'de> for Node<'static> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<RawValue>::deserialize(d)?;
        let (start, end) = range(&spanned.referenced);
        Ok(Node {
            start,
            end,
            value: spanned.value.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> Vec<&str> {
        split_documents(text)
            .into_iter()
            .map(|c| &text[c.start..c.end])
            .collect()
    }

    #[test]
    fn splits_on_marker_lines_only() {
        let t = "a: 1\n---\nb: |\n  ---\n  x\n--- # c\nc: 3\n...\n";
        assert_eq!(
            docs(t),
            vec!["a: 1\n", "---\nb: |\n  ---\n  x\n", "--- # c\nc: 3\n...\n"]
        );
    }

    #[test]
    fn directives_go_with_the_next_document() {
        let t = "a: 1\n...\n%YAML 1.2\n---\nb: 2\n";
        assert_eq!(docs(t), vec!["a: 1\n...\n", "%YAML 1.2\n---\nb: 2\n"]);
    }

    /// Every line read, none skipped: what `split_documents` does without its fast path.
    fn split_every_line(text: &str) -> Vec<Chunk> {
        let mut split = Splitter::default();
        let mut here = 0;
        for line in text.split_inclusive('\n') {
            split.line(line, here);
            here += line.len();
        }
        split.finish(text)
    }

    proptest::proptest! {
        /// Skipping the lines that cannot be markers changes no chunk: files made of lines
        /// that are, are nearly, or look like markers, directives, comments and content.
        #[test]
        fn skipping_content_lines_changes_no_chunk(
            lines in proptest::collection::vec(proptest::sample::select(vec![
                "---", "--- # c", "---x", "--", "...", "... ", "....", "%YAML 1.2", "%TAG ! x",
                "", "  ", "# c", "a: 1", "- b", "-", ".", "\u{FEFF}---", "\u{FEFF}a: 1",
                "  ---", "\t...", "b: |", "  - c", "---\r", "x\r",
            ]), 0..12),
            crlf in proptest::bool::ANY,
            last_break in proptest::bool::ANY,
        ) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = lines.join(eol);
            if last_break && !text.is_empty() {
                text.push_str(eol);
            }
            proptest::prop_assert_eq!(split_documents(&text), split_every_line(&text));
        }
    }

    #[test]
    fn comment_only_chunks_are_dropped() {
        assert_eq!(docs("# only\n---\n# x\n"), Vec::<&str>::new());
        assert_eq!(docs("---\n---\na: 1\n"), vec!["---\na: 1\n"]);
    }

    #[test]
    fn spans_are_byte_ranges_of_the_file() {
        let t = "x: 1\n---\nname: \"Zürich 東京\"\nn: 007\n";
        let chunks = split_documents(t);
        let d = parse_chunk(t, chunks[1]).unwrap().unwrap();
        let Value::Map(m) = &d.root.value else {
            panic!()
        };
        assert_eq!(&t[m[0].key_start as usize..m[0].key_end as usize], "name");
        let v = &m[0].value;
        assert_eq!(&t[v.start as usize..v.end as usize], "\"Zürich 東京\"");
        assert_eq!(v.value, Value::Str("Zürich 東京".into()));
        let n = &m[1].value;
        assert_eq!(&t[n.start as usize..n.end as usize], "007");
    }

    #[test]
    fn yaml_1_2_booleans() {
        let t = "a: no\nb: true\n";
        let d = parse_chunk(t, split_documents(t)[0]).unwrap().unwrap();
        let Value::Map(m) = &d.root.value else {
            panic!()
        };
        assert_eq!(m[0].value.value, Value::Str("no".into()));
        assert_eq!(m[1].value.value, Value::Bool(true));
    }

    #[test]
    fn duplicate_keys_are_kept_for_the_converter() {
        let t = "a: 1\na: 2\n";
        let d = parse_chunk(t, split_documents(t)[0]).unwrap().unwrap();
        let Value::Map(m) = &d.root.value else {
            panic!()
        };
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn syntax_error_has_a_location() {
        let t = "a: 1\n---\nb: [1, 2\nc: 3\n";
        let c = split_documents(t);
        assert!(parse_chunk(t, c[0]).is_ok());
        let e = parse_chunk(t, c[1]).unwrap_err();
        assert!(e.start >= 5, "{e:?}");
        // A scanner error points at its own line, not the document's start.
        let t =
            "kind: Group\nname: contractors\nmembers:\n  - dana@contoso.com\n - eli@contoso.com\n";
        let e = parse_chunk(t, split_documents(t)[0]).unwrap_err();
        let line = t[..e.start as usize].matches('\n').count() + 1;
        assert!(line >= 4, "{e:?} at line {line}");
    }

    /// Both parsers on one chunk: where the fast path builds a tree, it must be serde-saphyr's,
    /// byte ranges included.
    fn agree(text: &str, c: Chunk) -> bool {
        let src = &text[c.start..c.end];
        let Some(fast) = parse_plain(src) else {
            return false;
        };
        let full = parse_with_serde(src).expect("the fast path accepted only valid YAML");
        assert_eq!(fast, full, "the two paths differ on:\n{src}");
        true
    }

    #[test]
    fn parse_plain_agrees_with_serde_saphyr() {
        // Every YAML file of the repository: examples, test fixtures (hostile ones included),
        // the built-in policies.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut fast = 0;
        let mut chunks = 0;
        for dir in ["examples", "tests", "data"] {
            for e in walkdir::WalkDir::new(root.join(dir)).into_iter().flatten() {
                if !crate::load::is_yaml(e.path()) {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(e.path()) else {
                    continue;
                };
                for c in split_documents(&text) {
                    chunks += 1;
                    fast += usize::from(agree(&text, c));
                }
            }
        }
        assert!(
            fast * 10 > chunks * 8,
            "the fast path took {fast} of {chunks} documents"
        );
        // And what canopy's fixtures do not spell out.
        let cases = [
            "a: 1\nb: -2\nc: 1.5\nd: 1e3\ne: 0x1F\nf: 0o17\ng: 007\nh: +5\ni: .inf\nj: -.inf\nk: .nan\nl: 1_000\n",
            "a: true\nb: True\nc: TRUE\nd: false\ne: no\nf: yes\ng: on\nh: ~\ni: null\nj: NULL\nk:\nl: ''\nm: \"\"\n",
            "1: a\n1.0: b\ntrue: c\n~: d\n0x10: e\n\"q\": f\n'007': g\n",
            "a: 2026-12-01\nb: 2026-12-01T00:00:00Z\nc: 12:30\nd: 1.2.3\ne: -1-\nf: .\ng: ...x\nh: ---x\ni: -x\n",
            "a: |\n  line\n  two\nb: >\n  folded\n  text\nc: |-\n  x\nd: \"esc\\u00e9\\n\"\ne: 'it''s'\n",
            "- {a: 1, b: [x, y, {c: d}]}\n- []\n- {}\n- [a, b]\n",
            "name: Zürich 東京\nlist:\n- a\n-   b\n- - nested\n  - more\nk: v # comment\n",
            "a: 1\na: 2\n",
            // Found by review: alone, these are document markers, not strings.
            "a: ...\nb: ---\nc: [..., ---]\n...: x\n---: y\n",
            "? complex\n: value\n? [a, b]\n: c\n",
            "%YAML 1.2\n---\na: 1\n",
            "base: &b {x: 1}\nuse: *b\nmerged:\n  <<: *b\n  y: 2\n",
            "a: !!str 5\nb: !custom x\n",
            "just a scalar\n",
            "a: [1, 2\n",
            "a:\n  - b\n c: d\n",
        ];
        for (i, t) in cases.iter().enumerate() {
            let c = split_documents(t)[0];
            // The first eight are plain documents; the rest are left to serde-saphyr.
            assert_eq!(agree(t, c), i < 8, "case {i}:\n{t}");
        }
    }

    #[test]
    fn sign_inside_means_a_string() {
        // Each is read by serde-saphyr alone as the string it is, so skipping it is exact.
        let texts = [
            "8f2c0c1e-4b1a-4c9e-9d6a-0f3e2b1c5d7a",
            "00000000-0000-0000-0000-000000000000",
            "2026-12-01",
            "2026-12-01T00:00:00Z",
            "2026-12-01 10:00:00",
            "1-2",
            "-1-",
            "+1+1",
            "1.5-3",
            "0x1F-2",
            "0o17+1",
            ".5-",
            "1e5-1",
            "12:30-1",
            "1_000-1",
            "--1",
            "-+1",
            "+-1",
            "1E+-5",
        ];
        for t in texts {
            assert!(sign_inside(t), "{t}");
            let RawValue(v) = serde_saphyr::from_str_with_options(t, options_for(t.len())).unwrap();
            assert_eq!(v, Value::Str(t.into()), "{t}");
        }
        // Signs only where numbers have them: left to serde-saphyr.
        for t in ["-1", "+1", "1e-5", "1E+5", "-.inf", "-1.5e-3", "2026"] {
            assert!(!sign_inside(t), "{t}");
        }
    }

    #[test]
    fn billion_laughs_is_stopped() {
        let mut t = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            t.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse_chunk(&t, split_documents(&t)[0]).unwrap_err();
        assert!(e.help.is_some(), "{e:?}");
    }

    #[test]
    fn nesting_bomb_is_stopped() {
        let t = format!("x: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_chunk(&t, split_documents(&t)[0]).is_err());
    }
}
