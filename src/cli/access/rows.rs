//! The rows of `canopy access report --format json`, assembled from JSON pieces escaped once.
//!
//! At Azure's limits the report has millions of rows (2.3 GB), and serde_json escaping every
//! principal name, role and scope path again on each row, a byte at a time, was a fifth of the
//! whole command's CPU (perf: `format_escaped_str` at 19%). Each distinct name is escaped once
//! here, still by serde_json, and a row is the escaped pieces copied in order. A row this
//! writer does not handle (a co-administrator's, or one with conditions, both rare) is written
//! by serde_json whole. `rows_written_from_pieces_are_serde_json_s_rows` holds the two to the
//! same bytes on every row of a tree.

use super::{Places, RowJson, row_json};
use crate::Analysis;
use crate::access::Source;
use crate::access::report::Row;
use crate::model::RoleRef;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// A string as JSON: quoted and escaped by serde_json.
fn quoted(s: &str) -> Box<str> {
    serde_json::to_string(s)
        .expect("a string serializes")
        .into_boxed_str()
}

/// What the rows name, each as JSON once.
pub(super) struct RowWriter<'a> {
    a: &'a Analysis,
    places: &'a Places<'a>,
    /// Every principal's name, by principal id.
    principals: Vec<Box<str>>,
    /// The path of every scope a grant can be made at, by scope id; empty for the rest.
    scopes: Vec<Box<str>>,
    /// Every file's path as shown, by file id.
    files: Vec<Box<str>>,
    /// `"role":…,"roleId":…` of every role, by [`RoleRef::key`].
    roles: FxHashMap<u64, Box<str>>,
}

impl<'a> RowWriter<'a> {
    pub(super) fn new(a: &'a Analysis, places: &'a Places<'a>) -> Self {
        let t = &a.tenant;
        let principals = t
            .principals
            .par_iter()
            .map(|p| quoted(&p.name.value))
            .collect();
        let scopes = places
            .scopes
            .par_iter()
            .map(|s| match s.is_empty() {
                true => Box::default(),
                false => quoted(s),
            })
            .collect();
        let files = places.files.iter().map(|f| quoted(f)).collect();
        let builtins = crate::builtin::roles().iter().map(RoleRef::BuiltIn);
        let customs =
            (0..t.custom_roles.len()).map(|i| RoleRef::Custom(crate::model::RoleId(i as u32)));
        let roles = builtins
            .chain(customs)
            .map(|role| {
                let id = match role {
                    RoleRef::BuiltIn(r) => Some(r.id),
                    RoleRef::Custom(id) => t.custom_role(id).id.as_ref().map(|i| i.as_str()),
                };
                let id = id.map_or_else(|| "null".into(), quoted);
                let fragment = format!("\"role\":{},\"roleId\":{id}", quoted(t.role_name(role)));
                (role.key(), fragment.into_boxed_str())
            })
            .collect();
        RowWriter {
            a,
            places,
            principals,
            scopes,
            files,
            roles,
        }
    }

    /// One row's JSON object.
    pub(super) fn to_string(&self, row: &Row) -> Result<String, super::Usage> {
        let mut buf = Vec::with_capacity(512);
        self.write(row, &mut buf).map_err(super::json_error)?;
        // Every piece is a str, and serde_json writes UTF-8.
        String::from_utf8(buf).map_err(super::json_error)
    }

    /// Appends one row's JSON object to `buf`.
    pub(super) fn write(&self, row: &Row, buf: &mut Vec<u8>) -> serde_json::Result<()> {
        let g = &row.grant;
        let fast = match g.source {
            Source::Assignment(id) if g.conditions.is_empty() => self
                .places
                .assignments
                .get(id.index())
                .filter(|_| !self.scopes[g.scope.index()].is_empty()),
            _ => None,
        };
        let file = fast.and_then(|(file, line)| Some((self.files.get(*file as usize)?, *line)));
        let (Some((file, line)), Some(role)) = (file, self.roles.get(&g.role.key())) else {
            let json: RowJson = row_json(self.a, row, self.places);
            return serde_json::to_writer(buf, &json);
        };
        let p = self.a.tenant.principal(row.principal);
        let bool = |b: bool| if b { "true" } else { "false" };
        let name = |p: &crate::model::PrincipalId| self.principals[p.index()].as_bytes();
        for piece in [
            "{\"principal\":",
            &self.principals[row.principal.index()],
            ",\"kind\":\"",
            p.kind.noun(),
            "\",\"guest\":",
            bool(p.guest),
            ",\"eligible\":",
            bool(row.eligible),
            ",",
            role,
            ",\"scope\":",
            &self.scopes[g.scope.index()],
            ",\"via\":\"assignment\",\"assignedTo\":",
        ] {
            buf.extend_from_slice(piece.as_bytes());
        }
        buf.extend_from_slice(g.path.last().map_or(b"\"\"", name));
        buf.extend_from_slice(b",\"path\":[");
        for (k, p) in g.path.iter().enumerate() {
            if k > 0 {
                buf.push(b',');
            }
            buf.extend_from_slice(name(p));
        }
        buf.extend_from_slice(b"],\"conditions\":[],\"file\":");
        buf.extend_from_slice(file.as_bytes());
        buf.extend_from_slice(b",\"line\":");
        buf.extend_from_slice(itoa::Buffer::new().format(line).as_bytes());
        buf.push(b'}');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Access;
    use crate::access::report::AccessReport;

    /// Every row of the tree, written by the writer and by serde_json, must be the same bytes.
    fn rows_agree(a: &Analysis) -> usize {
        let access = Access::new(&a.tenant, jiff::Timestamp::UNIX_EPOCH);
        let report = AccessReport::build(&access);
        let places = Places::new(a);
        let writer = RowWriter::new(a, &places);
        for row in &report.rows {
            let mut buf = Vec::new();
            writer.write(row, &mut buf).unwrap();
            let serde = serde_json::to_vec(&row_json(a, row, &places)).unwrap();
            assert_eq!(
                String::from_utf8(buf).unwrap(),
                String::from_utf8(serde).unwrap()
            );
        }
        report.rows.len()
    }

    #[test]
    fn rows_written_from_pieces_are_serde_json_s_rows() {
        let contoso = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/contoso");
        let a = crate::load_with(contoso, &crate::Options::default()).unwrap();
        assert!(rows_agree(&a) > 10);

        // Names JSON must escape, nested groups, a co-administrator, a condition, a custom
        // role without an id, an eligible assignment.
        let tree = r#"kind: ManagementGroup
name: root
---
kind: User
name: "o\"hara\\x@contoso.com"
---
kind: User
name: "Zoë 東京 \u0001"
---
kind: Group
name: "team \"a\""
members: ["o\"hara\\x@contoso.com", inner]
---
kind: Group
name: inner
members: ["Zoë 東京 \u0001"]
---
kind: Subscription
name: "s\\1"
coAdministrators: ["Zoë 東京 \u0001"]
resourceGroups:
  - name: "rg \"q\""
---
kind: RoleDefinition
name: "Ops \"tier\" 1"
actions: ["Microsoft.Compute/*"]
assignableScopes: [/]
---
kind: RoleAssignment
principal: "team \"a\""
role: Reader
scope: "/subscriptions/s\\1/resourceGroups/rg \"q\""
---
kind: RoleAssignment
principal: inner
role: "Ops \"tier\" 1"
scope: /providers/Microsoft.Management/managementGroups/root
---
kind: RoleAssignment
principal: "o\"hara\\x@contoso.com"
role: Storage Blob Data Reader
scope: "/subscriptions/s\\1"
condition: "@Resource[x] StringEquals 'y'"
conditionVersion: "2.0"
---
kind: RoleAssignment
principal: "Zoë 東京 \u0001"
role: Owner
scope: "/subscriptions/s\\1"
eligible: true
"#;
        let entries = vec![crate::Entry {
            name: "t.yaml".into(),
            bytes: tree.as_bytes().to_vec(),
        }];
        let a = crate::load_entries("tree", entries, &crate::Options::default()).unwrap();
        let resolved = a.tenant.role_assignments.len();
        assert_eq!(resolved, 4, "{:#?}", a.findings);
        assert!(rows_agree(&a) >= 6);
    }
}
