//! Reading export files: each a JSON document as an Azure CLI command printed it. A top-level
//! array is streamed element by element (an `az role assignment list --all` of a large
//! subscription is hundreds of megabytes), so only one element at a time is held as a
//! `serde_json::Value`, beside the file's bytes.

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;
use std::io::Read;

/// What a file's top level is.
pub enum Top {
    /// An array: its elements were handed to the callback one by one.
    Array(usize),
    /// An object (such as `az account management-group show`), whole.
    Object(serde_json::Map<String, Value>),
    /// A string, number, boolean or null: no export prints one.
    Scalar(&'static str),
}

struct Streamer<'f> {
    each: &'f mut dyn FnMut(usize, Value),
}

impl<'de> Visitor<'de> for Streamer<'_> {
    type Value = Top;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array or object, as the Azure CLI prints with --output json")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top, A::Error> {
        let mut n = 0;
        while let Some(v) = seq.next_element::<Value>()? {
            (self.each)(n, v);
            n += 1;
        }
        Ok(Top::Array(n))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            out.insert(k, v);
        }
        Ok(Top::Object(out))
    }

    fn visit_str<E>(self, _: &str) -> Result<Top, E> {
        Ok(Top::Scalar("a string"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Top, E> {
        Ok(Top::Scalar("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Top, E> {
        Ok(Top::Scalar("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Top, E> {
        Ok(Top::Scalar("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Top, E> {
        Ok(Top::Scalar("a number"))
    }
    fn visit_unit<E>(self) -> Result<Top, E> {
        Ok(Top::Scalar("null"))
    }
}

impl<'de> DeserializeSeed<'de> for Streamer<'_> {
    type Value = Top;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Top, D::Error> {
        d.deserialize_any(self)
    }
}

/// A JSON problem with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The file ended inside the document.
    pub truncated: bool,
}

/// Reads one JSON document from `input`, streaming a top-level array's elements to `each`.
/// A byte order mark (PowerShell's `Out-File` writes one) is skipped. Anything after the
/// document other than whitespace is an error.
/// `warnings` counts the CLI's `WARNING:` lines found (and skipped) before the JSON.
pub fn stream(
    mut input: impl Read,
    each: &mut dyn FnMut(usize, Value),
    warnings: &mut usize,
) -> Result<Top, JsonError> {
    // The file is read into memory and parsed from the slice (serde_json reads a slice
    // several times faster than an `io::Read`); its elements are still handed on one by
    // one, so a large list never exists as values all at once.
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(|e| JsonError {
        line: 0,
        column: 0,
        message: e.to_string(),
        truncated: false,
    })?;
    // A byte order mark (PowerShell's `Out-File` writes one) is skipped.
    let mut body = bytes
        .strip_prefix(&[0xEF, 0xBB, 0xBF][..])
        .unwrap_or(&bytes);
    // The CLI's warnings go to stderr; captured with `2>&1` they come before the JSON.
    *warnings = 0;
    while body.starts_with(b"WARNING:") {
        let end = body
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |i| i + 1);
        body = &body[end..];
        *warnings += 1;
    }
    let skipped = *warnings;
    let mut de = serde_json::Deserializer::from_slice(body);
    let top = Streamer { each }
        .deserialize(&mut de)
        .and_then(|top| de.end().map(|()| top))
        .map_err(|e| JsonError {
            line: e.line() + skipped,
            column: e.column(),
            truncated: e.is_eof(),
            message: e.to_string(),
        })?;
    Ok(top)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_stream_and_objects_come_whole() {
        let mut seen = Vec::new();
        let mut w = 0;
        let top = stream(
            &b"\xEF\xBB\xBFWARNING: x\n[{\"a\":1},{\"a\":2}]\n"[..],
            &mut |i, v| seen.push((i, v["a"].as_i64().unwrap())),
            &mut w,
        )
        .unwrap();
        assert_eq!(w, 1, "the CLI's WARNING line is skipped");
        assert!(matches!(top, Top::Array(2)));
        assert_eq!(seen, [(0, 1), (1, 2)]);
        let top = stream(&b"{\"name\": \"x\"}"[..], &mut |_, _| {}, &mut w).unwrap();
        assert!(matches!(top, Top::Object(m) if m["name"] == "x"));
    }

    #[test]
    fn truncated_and_trailing_input_is_reported_with_its_place() {
        let mut w = 0;
        let e = stream(&b"[{\"a\": 1},\n {\"a\""[..], &mut |_, _| {}, &mut w)
            .err()
            .unwrap();
        assert!(e.truncated && e.line == 2, "{e:?}");
        let e = stream(&b"{} x"[..], &mut |_, _| {}, &mut w).err().unwrap();
        assert!(!e.truncated && e.column == 4, "{e:?}");
    }
}
