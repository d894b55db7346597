//! JSON Schema (draft 2020-12) of one tree document, generated from the table in
//! [`schema`](super::schema).
//!
//! Editors read it to complete, document and check tree files as they are typed; canopy itself
//! never reads it (the converter in `kinds` reads the same table directly). The committed copy is
//! `schemas/canopy.schema.json`, and `tests/schemas.rs` keeps that file equal to this generator's
//! output and checks that the schema accepts and rejects what canopy does.
//!
//! # Shape: `allOf` of `if`/`then`, one per kind
//!
//! The root is an object that requires `kind` (an `enum` of every kind, with a description per
//! kind for completion and hover). Each kind's fields live in `$defs/<Kind>`, applied by one
//! `allOf` entry per kind:
//!
//! ```json
//! {"if": {"properties": {"kind": {"const": "User"}}, "required": ["kind"]},
//!  "then": {"$ref": "#/$defs/User"}}
//! ```
//!
//! This shape is used rather than a `oneOf` whose branches each hold `kind: {const: K}`, because:
//!
//! - It dispatches on `kind` exactly as canopy does. The YAML language server (Red Hat's
//!   `yaml-language-server`, behind the VS Code YAML extension and most other editors) evaluates
//!   each `if` and applies only the matching `then`, so completion offers exactly that kind's
//!   fields and every error comes from that kind. For a `oneOf`, it validates every branch and
//!   picks a "best match" by heuristics (whether a branch has problems, how many property values
//!   match). Tried with yaml-language-server 1.25: the heuristics find the right kind while
//!   `kind` is valid, but for `kind: ManagmentGroup` with a `parnet` field the `oneOf` form adds
//!   a second list of kinds and "Property parnet is not allowed" from the ManagementGroup
//!   branch, where this form reports only the unknown kind.
//! - A document with an unknown `kind` meets no `if`: it gets one error, on `kind`, listing the
//!   kinds, which is also all that canopy reports for it.
//! - Other validators (CI linters, the `jsonschema` crate) report an `if`/`then` failure at the
//!   field, while a `oneOf` failure is "not valid under any of the schemas listed in oneOf".
//! - Before `kind` is written, only `kind` is proposed, with its values.
//!
//! The `if` holds nothing but `kind`, so even language-server versions that also drew completions
//! from `if` subschemas (fixed by redhat-developer/yaml-language-server#1268) propose nothing
//! beyond the kinds.
//!
//! # Types
//!
//! Each [`Ty`] maps to what the converter accepts for it:
//!
//! | `Ty` | schema |
//! |---|---|
//! | `Str` | `type: [string, number, boolean]`: canopy reads any scalar as text, not null |
//! | `Bool` | `type: boolean` (YAML 1.2: `yes` is a string) |
//! | `Guid` | string with an 8-4-4-4-12 hex `pattern` |
//! | `DateTime` | string with `format: date-time` and a `pattern` of its shape |
//! | `Enum` | string with an ASCII-case-insensitive `pattern`, the words as `examples` |
//! | `StrList` | array of scalars |
//! | `Tags` | object of scalar-or-null values |
//! | `Objects` | array of objects with the nested fields, `additionalProperties: false` |
//! | `Any` | no constraint (an empty schema that carries the field's description) |
//!
//! Two differences remain. Timestamps are strict RFC 3339, while canopy's parser (jiff) also
//! takes forms such as `2026-12-31 00:00Z`. And `Any` fields are unconstrained, while the
//! converter requires `parameters` to be a mapping and `policyRule` to be `{if, then: {effect}}`:
//! the table does not say so, so the schema cannot.
//!
//! Enum patterns spell each letter as a class (`^(?:[Mm][Ee][Mm][Bb][Ee][Rr]|…)$`) rather than
//! using `(?i)`: canopy compares with `eq_ignore_ascii_case`, and classes mean exactly that in
//! every regex dialect, while `(?i)` is not ECMA-262 (JSON Schema's dialect; editors running
//! JavaScript regexes may reject it, and Unicode case folding would also accept `ſ` for `s`).
//!
//! Every description is also given as `markdownDescription` (the table's docs use Markdown
//! code spans, which editors otherwise show as literal backticks), and patterns carry a
//! `patternErrorMessage` that editors show instead of the raw regex. Both are annotations that
//! validators ignore.
//!
//! [`to_pretty_string`] orders keys itself (keywords in reading order, names sorted), so the
//! committed text does not depend on whether some dependency turns on `serde_json`'s
//! `preserve_order`.

use super::schema::{Field, KINDS, KindSpec, Ty};
use serde_json::{Map, Value, json};

/// The JSON Schema dialect of the generated schema.
const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The generated schema's `$id`.
const SCHEMA_ID: &str = "urn:canopy:schema:tree-document";

/// Where the generated schema is committed, relative to the crate root.
pub const SCHEMA_PATH: &str = "schemas/canopy.schema.json";

/// Azure's GUID shape, any case, as `kinds::is_guid` checks it.
const GUID_PATTERN: &str =
    "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$";

/// The shape of an RFC 3339 timestamp that canopy also reads: at most nanoseconds. `format`
/// checks the ranges (month 13, February 30), but is only an annotation by default in 2020-12,
/// so the shape is also a pattern that every validator asserts.
const DATE_TIME_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}\
                                 (\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$";

/// JSON types of a value canopy reads as text.
const SCALAR: [&str; 3] = ["string", "number", "boolean"];

/// The JSON Schema of one canopy tree document.
pub fn json_schema() -> Value {
    let mut defs = Map::new();
    let mut branches = Vec::new();
    for spec in KINDS {
        defs.insert(spec.kind.to_string(), kind_schema(spec));
        branches.push(json!({
            "if": {
                "properties": { "kind": { "const": spec.kind } },
                "required": ["kind"],
            },
            "then": { "$ref": format!("#/$defs/{}", spec.kind) },
        }));
    }
    let kinds: Vec<&str> = KINDS.iter().map(|k| k.kind).collect();
    let kind_docs: Vec<&str> = KINDS.iter().map(|k| k.doc).collect();
    let kind_field_doc = KINDS
        .first()
        .and_then(|k| k.field("kind"))
        .map_or("The kind of this document.", |f| f.doc);
    let description = "One document of a canopy tree: a mapping whose `kind` selects its fields. \
                       A file may hold several documents separated by `---` lines.";
    json!({
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "$comment": "Generated by canopy from src/load/schema.rs; do not edit. Regenerate with \
                     `CANOPY_REGENERATE_SCHEMAS=1 cargo test --test schemas`.",
        "title": "canopy tree document",
        "description": description,
        "markdownDescription": description,
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {
                "description": kind_field_doc,
                "markdownDescription": kind_field_doc,
                "enum": kinds,
                "enumDescriptions": kind_docs,
                "markdownEnumDescriptions": kind_docs,
            },
        },
        "allOf": branches,
        "$defs": defs,
    })
}

/// [`json_schema`] as the committed file holds it: pretty-printed with a final newline, keywords
/// in a reading order (`$schema` and `title` first, `$defs` last), names sorted.
pub fn to_pretty_string() -> String {
    let mut out = String::new();
    write_pretty(&mut out, &json_schema(), 0, false);
    out.push('\n');
    out
}

/// The schema of one kind: its fields, with `kind` pinned to the kind's name.
fn kind_schema(spec: &KindSpec) -> Value {
    let mut schema = object_schema(spec.fields, |f| {
        (f.name == "kind").then(|| {
            json!({
                "const": spec.kind,
                "description": spec.doc,
                "markdownDescription": spec.doc,
            })
        })
    });
    schema.insert("title".into(), spec.kind.into());
    described(&mut schema, spec.doc);
    Value::Object(schema)
}

/// A mapping with these fields and no others. `special` may replace a field's schema.
fn object_schema(
    fields: &[Field],
    special: impl Fn(&Field) -> Option<Value>,
) -> Map<String, Value> {
    let properties: Map<String, Value> = fields
        .iter()
        .map(|f| {
            let schema = special(f).unwrap_or_else(|| field_schema(f));
            (f.name.to_string(), schema)
        })
        .collect();
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name)
        .collect();
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), json!(required));
    }
    schema.insert("additionalProperties".into(), false.into());
    schema
}

/// The schema of one field's value, with the field's doc.
fn field_schema(f: &Field) -> Value {
    let scalar = || json!(SCALAR);
    let mut schema = match f.ty {
        Ty::Str => json!({ "type": scalar() }),
        Ty::Bool => json!({ "type": "boolean" }),
        Ty::Guid => json!({
            "type": "string",
            "pattern": GUID_PATTERN,
            "patternErrorMessage": "Not a GUID: a GUID looks like \
                                    acdd72a7-3385-48ef-bd42-f606fba81ae7.",
        }),
        Ty::DateTime => json!({
            "type": "string",
            "format": "date-time",
            "pattern": DATE_TIME_PATTERN,
            "patternErrorMessage": "Must be an RFC 3339 timestamp with its offset, such as \
                                    2026-12-31T23:59:59Z.",
        }),
        Ty::Enum(words) => json!({
            "type": "string",
            "pattern": enum_pattern(words),
            "patternErrorMessage": format!(
                "Must be {}, in any case.",
                words.join(" or ")
            ),
            "examples": words,
        }),
        Ty::StrList => json!({ "type": "array", "items": { "type": scalar() } }),
        Ty::Tags => json!({
            "type": "object",
            "additionalProperties": { "type": ["string", "number", "boolean", "null"] },
        }),
        Ty::Objects(fields) => json!({
            "type": "array",
            "items": Value::Object(object_schema(fields, |_| None)),
        }),
        Ty::Principals(fields) => {
            let mut selector = object_schema(fields, |_| None);
            selector.insert("minProperties".into(), 1.into());
            json!({
                "type": "array",
                "items": { "anyOf": [ { "type": scalar() }, Value::Object(selector) ] },
            })
        }
        Ty::Any => json!({}),
    };
    if let Value::Object(map) = &mut schema {
        described(map, f.doc);
    }
    schema
}

fn described(schema: &mut Map<String, Value>, doc: &str) {
    schema.insert("description".into(), doc.into());
    schema.insert("markdownDescription".into(), doc.into());
}

/// A pattern matching exactly the words, ASCII letters in any case, as canopy compares them.
fn enum_pattern(words: &[&str]) -> String {
    let alternatives: Vec<String> = words
        .iter()
        .map(|w| {
            w.chars()
                .map(|c| {
                    if c.is_ascii_alphabetic() {
                        format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase())
                    } else if "^$\\.*+?()[]{}|/".contains(c) {
                        format!("\\{c}")
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        })
        .collect();
    format!("^(?:{})$", alternatives.join("|"))
}

/// Keywords in the order a reader wants them; other keys (names) follow, sorted.
const KEYWORD_ORDER: &[&str] = &[
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "markdownDescription",
    "type",
    "const",
    "enum",
    "enumDescriptions",
    "markdownEnumDescriptions",
    "format",
    "pattern",
    "patternErrorMessage",
    "examples",
    "items",
    "properties",
    "required",
    "additionalProperties",
    "if",
    "then",
    "$ref",
    "allOf",
    "$defs",
];

/// Keywords whose value maps names (fields, definitions) to schemas.
const NAME_MAPS: &[&str] = &["properties", "$defs"];

/// Longest array of scalars written on one line.
const INLINE_WIDTH: usize = 80;

/// Writes `value` as indented JSON. Object keys are ordered here, not by `serde_json::Map`, so
/// the text is the same whether or not some dependency turns on `preserve_order`. `names`: the
/// object's keys are names (sorted), not keywords.
fn write_pretty(out: &mut String, value: &Value, indent: usize, names: bool) {
    let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n("  ", n));
    match value {
        Value::Object(map) if !map.is_empty() => {
            let rank = |k: &str| {
                let r = if names {
                    None
                } else {
                    KEYWORD_ORDER.iter().position(|w| *w == k)
                };
                r.unwrap_or(KEYWORD_ORDER.len())
            };
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| (rank(a.0), a.0).cmp(&(rank(b.0), b.0)));
            out.push_str("{\n");
            for (i, (k, v)) in entries.iter().enumerate() {
                pad(out, indent + 1);
                out.push_str(&Value::from(k.as_str()).to_string());
                out.push_str(": ");
                let child_names = !names && NAME_MAPS.contains(&k.as_str());
                write_pretty(out, v, indent + 1, child_names);
                if i + 1 < entries.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(out, indent);
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            let scalars = items.iter().all(|v| !v.is_object() && !v.is_array());
            let inline: Vec<String> = items.iter().map(Value::to_string).collect();
            let width: usize = inline.iter().map(|s| s.len() + 2).sum();
            if scalars && width <= INLINE_WIDTH {
                out.push('[');
                out.push_str(&inline.join(", "));
                out.push(']');
                return;
            }
            out.push_str("[\n");
            for (i, v) in items.iter().enumerate() {
                pad(out, indent + 1);
                write_pretty(out, v, indent + 1, false);
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(out, indent);
            out.push(']');
        }
        // Scalars, `{}` and `[]`.
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_patterns_ignore_ascii_case_only() {
        assert_eq!(
            enum_pattern(&["Member", "Guest"]),
            "^(?:[Mm][Ee][Mm][Bb][Ee][Rr]|[Gg][Uu][Ee][Ss][Tt])$"
        );
        assert_eq!(enum_pattern(&["a-1.b"]), "^(?:[Aa]-1\\.[Bb])$");
    }

    #[test]
    fn every_kind_is_dispatched() {
        let s = json_schema();
        assert_eq!(s["allOf"].as_array().unwrap().len(), KINDS.len());
        assert_eq!(
            s["properties"]["kind"]["enum"].as_array().unwrap().len(),
            KINDS.len()
        );
        for k in KINDS {
            assert_eq!(s["$defs"][k.kind]["properties"]["kind"]["const"], k.kind);
        }
    }
}
