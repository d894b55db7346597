//! canopy's own text formats for the embedded built-in catalogue, and their encoder and decoder.
//!
//! The encoder lives here, next to the decoder, so that the format is defined in exactly one place:
//! `tests/builtin_reference.rs` uses [`encode_roles`]/[`encode_operations`] to regenerate
//! `data/` from Azure's published JSON and proves that decoding gives that JSON back, and
//! `build.rs` includes this file to decode `data/` into the `'static` tables canopy runs on, so
//! that no run pays for decoding (it cost a small tree's check 11 ms of its 20 ms budget).
//! This file therefore uses nothing but `std` and `serde_json` (a build dependency too).
//! It is public only for that test (hence `#[doc(hidden)]` at its declaration).
//!
//! # Shared rules
//!
//! Both files are UTF-8 text, one item per line, so that a change in Azure's data is a small,
//! reviewable diff. Blank lines and lines starting with `#` are ignored.
//!
//! *Entries* (an operation name, or an action pattern in a role) are front-coded by `/`-separated
//! segment: `N` leading spaces mean "the first `N` segments are the same as the previous entry's",
//! and the rest of the line is the remainder after that `N`th `/`. Azure's names share long prefixes
//! (`Microsoft.Compute/virtualMachines/...`), so this halves the size while every line still reads
//! as a path, and the file looks like an outline of each provider's operations.
//!
//! Any value that could not be written verbatim without ambiguity (empty, whitespace where a
//! separator or indentation is expected, a leading `"` or `#`, a trailing `/` in an entry, control
//! characters) is written as a JSON string literal instead, and a quoted entry is never front-coded.
//! Azure's data has one such value: the action `Microsoft.Network/virtualNetworks/read ` with a
//! trailing space, which must survive unchanged.
//!
//! # `data/provider-operations.txt`
//!
//! One operation per line, in Azure's published order, as front-coded entries. A trailing ` D`
//! marks a data action (`isDataAction: true`). A blank line separates provider namespaces
//! (compared case-insensitively; Azure spells some namespaces several ways, and each spelling is
//! kept).
//!
//! # `data/builtin-roles.txt`
//!
//! ```text
//! role <guid> <roleName>     starts a role
//! block                      starts one of its permission blocks
//! a <entry>                  an action of the block        (Azure's `actions`)
//! !a <entry>                 a not-action                  (`notActions`)
//! d <entry>                  a data action                 (`dataActions`)
//! !d <entry>                 a not-data-action             (`notDataActions`)
//! condition <text>           the block's ABAC condition
//! conditionVersion <text>    its version
//! ```
//!
//! Blocks are kept separate because Azure's `notActions` subtract only within their own block.
//! Each list keeps Azure's order (duplicates included); entries are front-coded against the
//! previous entry of the same list. A missing `condition`/`conditionVersion` line means `null`.

use std::cmp::Ordering;
use std::fmt;

/// A role as the roles file holds it. The build script (`build.rs`) decodes the file into these
/// and writes them out as the `'static` tables behind [`super::roles`]; tests build them from
/// Azure's JSON to compare.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Role {
    pub id: Box<str>,
    pub name: Box<str>,
    pub permissions: Vec<Permission>,
}

/// One permission block of a [`Role`], as the file holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permission {
    pub actions: Vec<Box<str>>,
    pub not_actions: Vec<Box<str>>,
    pub data_actions: Vec<Box<str>>,
    pub not_data_actions: Vec<Box<str>>,
    pub condition: Option<Box<str>>,
    pub condition_version: Option<Box<str>>,
}

/// An operation as the operations file holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub name: Box<str>,
    pub is_data_action: bool,
}

/// Orders strings as if ASCII-lowercased, without allocating: the order of the generated role
/// table and of the operations' sorted index, so the build script and the lookups that
/// binary-search them must both use this one.
pub fn cmp_ignore_ascii_case(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|b| b.to_ascii_lowercase())
        .cmp(b.bytes().map(|b| b.to_ascii_lowercase()))
}

/// `data/builtin-roles.txt`, embedded so that canopy works offline and reproducibly.
pub const ROLES_TEXT: &str = include_str!("../../data/builtin-roles.txt");

/// `data/provider-operations.txt`, embedded so that canopy works offline and reproducibly.
pub const OPERATIONS_TEXT: &str = include_str!("../../data/provider-operations.txt");

const ROLES_HEADER: &str = "\
# canopy: Azure's built-in role definitions (GUID, name and permission blocks only).
# Generated from Azure's published `az role definition list` by
#   CANOPY_REGENERATE_BUILTIN=1 cargo test --test builtin_reference
# Do not edit by hand. Format: see src/builtin/format.rs. In short:
#   role <guid> <roleName> / block / a, !a, d, !d <entry> (actions, notActions, dataActions,
#   notDataActions) / condition <text> / conditionVersion <text>.
#   N spaces before an entry: its first N `/`-segments are those of the previous entry in its list.
#   Values in double quotes are JSON string literals.
";

const OPERATIONS_HEADER: &str = "\
# canopy: Azure's published resource provider operations (names and data-action flags only).
# Generated from Azure's published `az provider operation list` by
#   CANOPY_REGENERATE_BUILTIN=1 cargo test --test builtin_reference
# Do not edit by hand. Format: see src/builtin/format.rs. In short: one operation per line, in
# Azure's order; N leading spaces: its first N `/`-segments are those of the previous line's;
# a trailing ` D` marks a data action; values in double quotes are JSON string literals.
";

/// Why a data file could not be decoded: the 1-based line and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for FormatError {}

fn error(line: usize, message: impl Into<String>) -> FormatError {
    FormatError {
        line,
        message: message.into(),
    }
}

/// Writes the operations file for `ops`, in the given order.
pub fn encode_operations(ops: &[Operation]) -> String {
    let mut out = String::with_capacity(OPERATIONS_HEADER.len() + ops.len() * 24);
    out.push_str(OPERATIONS_HEADER);
    let mut prev: Option<&str> = None;
    for op in ops {
        let name = &*op.name;
        if prev.is_none_or(|p| !namespace(p).eq_ignore_ascii_case(namespace(name))) {
            out.push('\n');
        }
        push_entry(&mut out, prev, name);
        if op.is_data_action {
            out.push_str(" D");
        }
        out.push('\n');
        prev = Some(name);
    }
    out
}

/// Reads an operations file written by [`encode_operations`].
pub fn decode_operations(text: &str) -> Result<Vec<Operation>, FormatError> {
    let mut ops: Vec<Operation> = Vec::with_capacity(line_count(text));
    for (index, line) in text.lines().enumerate() {
        if is_ignored(line) {
            continue;
        }
        let (entry, is_data_action) = match line.strip_suffix(" D") {
            Some(entry) => (entry, true),
            None => (line, false),
        };
        let prev = ops.last().map(|op| &*op.name);
        let name = decode_entry(entry, prev, index + 1)?;
        ops.push(Operation {
            name,
            is_data_action,
        });
    }
    Ok(ops)
}

/// Writes the roles file for `roles`, in the given order.
///
/// Role ids are written verbatim as a token, so they must be non-empty and free of whitespace
/// and quotes (Azure's are GUIDs); the generator's round-trip check proves it for the data we ship.
pub fn encode_roles(roles: &[Role]) -> String {
    let mut out = String::with_capacity(ROLES_HEADER.len() + roles.len() * 400);
    out.push_str(ROLES_HEADER);
    for role in roles {
        out.push_str("\nrole ");
        out.push_str(&role.id);
        out.push(' ');
        push_text(&mut out, &role.name);
        out.push('\n');
        for block in &role.permissions {
            out.push_str("block\n");
            for (tag, list) in [
                ("a", &block.actions),
                ("!a", &block.not_actions),
                ("d", &block.data_actions),
                ("!d", &block.not_data_actions),
            ] {
                let mut prev = None;
                for entry in list {
                    out.push_str(tag);
                    out.push(' ');
                    push_entry(&mut out, prev, entry);
                    out.push('\n');
                    prev = Some(&**entry);
                }
            }
            for (tag, value) in [
                ("condition ", &block.condition),
                ("conditionVersion ", &block.condition_version),
            ] {
                if let Some(value) = value {
                    out.push_str(tag);
                    push_text(&mut out, value);
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// Reads a roles file written by [`encode_roles`], in file order.
pub fn decode_roles(text: &str) -> Result<Vec<Role>, FormatError> {
    let mut roles: Vec<Role> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let n = index + 1;
        if is_ignored(line) {
            continue;
        }
        let (tag, rest) = line.split_once(' ').unwrap_or((line, ""));
        if tag == "role" {
            let (id, name) = rest
                .split_once(' ')
                .ok_or_else(|| error(n, "expected `role <guid> <name>`"))?;
            if id.is_empty() || id.starts_with('"') {
                return Err(error(n, "expected a role id before the name"));
            }
            roles.push(Role {
                id: id.into(),
                name: decode_text(name, n)?,
                permissions: Vec::new(),
            });
            continue;
        }
        let role = roles
            .last_mut()
            .ok_or_else(|| error(n, format!("`{tag}` before the first `role` line")))?;
        if tag == "block" {
            if !rest.is_empty() {
                return Err(error(n, "`block` takes no value"));
            }
            role.permissions.push(Permission::default());
            continue;
        }
        let block = role
            .permissions
            .last_mut()
            .ok_or_else(|| error(n, format!("`{tag}` before the role's first `block` line")))?;
        let list = match tag {
            "a" => &mut block.actions,
            "!a" => &mut block.not_actions,
            "d" => &mut block.data_actions,
            "!d" => &mut block.not_data_actions,
            "condition" | "conditionVersion" => {
                let slot = if tag == "condition" {
                    &mut block.condition
                } else {
                    &mut block.condition_version
                };
                if slot.is_some() {
                    return Err(error(n, format!("second `{tag}` in one block")));
                }
                *slot = Some(decode_text(rest, n)?);
                continue;
            }
            _ => return Err(error(n, format!("unknown line kind `{tag}`"))),
        };
        let entry = decode_entry(rest, list.last().map(|e| &**e), n)?;
        list.push(entry);
    }
    Ok(roles)
}

/// The provider namespace of an operation or pattern: the text before the first `/`.
pub(super) fn namespace(name: &str) -> &str {
    name.split_once('/').map_or(name, |(ns, _)| ns)
}

fn is_ignored(line: &str) -> bool {
    line.is_empty() || line.starts_with('#')
}

/// An upper bound on the number of items, so decoding allocates its vector once.
fn line_count(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count() + 1
}

/// Whether `value` must be a JSON string literal. `entry`: it is a front-coded entry, which may
/// not contain whitespace at all (leading spaces are indentation, a space ends the entry).
fn needs_quotes(value: &str, entry: bool) -> bool {
    let (Some(first), Some(last)) = (value.chars().next(), value.chars().next_back()) else {
        return true; // empty
    };
    first == '"'
        || first == '#'
        || first.is_whitespace()
        || last.is_whitespace()
        || value.chars().any(char::is_control)
        || (entry && (last == '/' || value.contains(char::is_whitespace)))
}

fn push_json(out: &mut String, value: &str) {
    // Serialising a `&str` to a `String` cannot fail.
    out.push_str(&serde_json::to_string(value).expect("a string always serialises to JSON"));
}

fn parse_json(literal: &str, line: usize) -> Result<Box<str>, FormatError> {
    serde_json::from_str::<String>(literal)
        .map(String::into_boxed_str)
        .map_err(|e| error(line, format!("bad JSON string literal: {e}")))
}

/// Writes a free-text value (role name, condition): verbatim unless it needs quotes.
fn push_text(out: &mut String, value: &str) {
    if needs_quotes(value, false) {
        push_json(out, value);
    } else {
        out.push_str(value);
    }
}

fn decode_text(text: &str, line: usize) -> Result<Box<str>, FormatError> {
    if text.starts_with('"') {
        parse_json(text, line)
    } else if needs_quotes(text, false) {
        Err(error(line, format!("value {text:?} must be quoted")))
    } else {
        Ok(text.into())
    }
}

/// Writes `value` front-coded against `prev` (the previous entry of the same list).
fn push_entry(out: &mut String, prev: Option<&str>, value: &str) {
    if needs_quotes(value, true) {
        push_json(out, value);
        return;
    }
    let shared = prev.map_or(0, |prev| {
        let equal = prev
            .split('/')
            .zip(value.split('/'))
            .take_while(|(a, b)| a == b)
            .count();
        // At least one segment must remain on the line, or an entry equal to (or a prefix of)
        // the previous one would have nothing to write.
        equal.min(value.matches('/').count())
    });
    let start = if shared == 0 {
        0
    } else {
        // `shared <= number of '/'`, so the `shared`th '/' exists.
        value
            .match_indices('/')
            .nth(shared - 1)
            .map_or(0, |(i, _)| i + 1)
    };
    out.extend(std::iter::repeat_n(' ', shared));
    out.push_str(&value[start..]);
}

/// Reads one front-coded entry (the line without its tag or flag).
fn decode_entry(text: &str, prev: Option<&str>, line: usize) -> Result<Box<str>, FormatError> {
    let rest = text.trim_start_matches(' ');
    let shared = text.len() - rest.len();
    if rest.starts_with('"') {
        if shared != 0 {
            return Err(error(line, "a quoted entry cannot share segments"));
        }
        return parse_json(rest, line);
    }
    if rest.is_empty() || has_whitespace(rest) {
        return Err(error(line, format!("entry {rest:?} must be quoted")));
    }
    if shared == 0 {
        return Ok(rest.into());
    }
    let prev = prev.ok_or_else(|| error(line, "indented entry has no previous entry"))?;
    let prefix = leading_segments(prev, shared).ok_or_else(|| {
        error(
            line,
            format!("previous entry {prev:?} has fewer than {shared} segments"),
        )
    })?;
    let mut name = String::with_capacity(prefix.len() + 1 + rest.len());
    name.push_str(prefix);
    name.push('/');
    name.push_str(rest);
    Ok(name.into_boxed_str())
}

/// The first `count` (>= 1) `/`-separated segments of `s`, or `None` if it has fewer.
fn leading_segments(s: &str, count: usize) -> Option<&str> {
    // One byte scan: this runs for most of the 36,000 entries decoded.
    let mut slashes = 0;
    for (i, byte) in s.bytes().enumerate() {
        if byte == b'/' {
            slashes += 1;
            if slashes == count {
                return Some(&s[..i]);
            }
        }
    }
    (slashes + 1 == count).then_some(s)
}

fn has_whitespace(s: &str) -> bool {
    if s.is_ascii() {
        s.bytes().any(|b| char::from(b).is_whitespace())
    } else {
        s.contains(char::is_whitespace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(name: &str, is_data_action: bool) -> Operation {
        Operation {
            name: name.into(),
            is_data_action,
        }
    }

    fn list(items: &[&str]) -> Vec<Box<str>> {
        items.iter().map(|&s| s.into()).collect()
    }

    #[test]
    fn operations_round_trip_awkward_names() {
        let ops = vec![
            op("Microsoft.Compute/virtualMachines/read", false),
            op("Microsoft.Compute/virtualMachines/read", false),
            op("Microsoft.Compute/virtualMachines", false),
            op("Microsoft.Compute/virtualMachines/login/action", true),
            op("microsoft.compute/x", false),
            op("A//b", false),
            op("A//c", true),
            op("A/", false),
            op("A/ spaced name ", true),
            op("#hash", false),
            op("\"quoted\"", false),
            op("", true),
            op("x/y D", false),
        ];
        let text = encode_operations(&ops);
        assert_eq!(decode_operations(&text).unwrap(), ops, "{text}");
    }

    #[test]
    fn operations_are_front_coded_by_segment() {
        let ops = [
            op("Microsoft.Compute/virtualMachines/read", false),
            op("Microsoft.Compute/virtualMachines/write", false),
            op("Microsoft.Compute/disks/read", true),
        ];
        let text = encode_operations(&ops);
        let body: Vec<&str> = text.lines().filter(|l| !is_ignored(l)).collect();
        assert_eq!(
            body,
            [
                "Microsoft.Compute/virtualMachines/read",
                "  write",
                " disks/read D"
            ]
        );
    }

    #[test]
    fn roles_round_trip_blocks_conditions_and_quoting() {
        let roles = vec![
            Role {
                id: "acdd72a7-3385-48ef-bd42-f606fba81ae7".into(),
                name: "Reader".into(),
                permissions: vec![Permission {
                    actions: list(&["*/read"]),
                    ..Permission::default()
                }],
            },
            Role {
                id: "00000000-0000-0000-0000-000000000001".into(),
                name: " Odd \"name\" ".into(),
                permissions: vec![
                    Permission {
                        actions: list(&["A/b/c", "A/b/c", "A/b", "A/d", "A/b/c "]),
                        not_actions: list(&["A/b/delete"]),
                        data_actions: list(&["A/b/data/read"]),
                        not_data_actions: list(&["A/b/data/delete"]),
                        condition: Some("(!(ActionMatches{'A/b'})) OR x".into()),
                        condition_version: Some("2.0".into()),
                    },
                    Permission {
                        condition: Some("".into()),
                        ..Permission::default()
                    },
                    Permission::default(),
                ],
            },
            Role {
                id: "x".into(),
                name: "No blocks".into(),
                permissions: Vec::new(),
            },
        ];
        let text = encode_roles(&roles);
        assert_eq!(decode_roles(&text).unwrap(), roles, "{text}");
    }

    #[test]
    fn decoding_reports_the_bad_line() {
        let err = decode_operations("# header\n\n  orphan\n").unwrap_err();
        assert_eq!(err.line, 3);
        let err = decode_roles("role g Reader\na */read\n").unwrap_err();
        assert_eq!(err.line, 2);
        let err = decode_roles("role g Reader\nblock\nz x\n").unwrap_err();
        assert!(err.message.contains("unknown"), "{err}");
        let err = decode_operations("A/b\n   c\n").unwrap_err();
        assert!(err.message.contains("fewer than 3"), "{err}");
        let extended = decode_operations("A/b\n  c\n").unwrap();
        assert_eq!(&*extended[1].name, "A/b/c");
        assert!(decode_operations("A/b trailing \n").is_err());
    }
}
