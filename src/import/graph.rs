//! Azure Resource Graph results: `az graph query -q QUERY --first 1000 [--skip-token T]`
//! prints one page as `{"count": n, "data": [rows], "skip_token": t, "total_records": N}`
//! (the REST QueryResponse's `count`, `data`, `$skipToken` and `totalRecords`; see
//! <https://learn.microsoft.com/azure/governance/resource-graph/concepts/paging-results>).
//! A page holds at most 1,000 rows, so canopy reads it whole; pages are separate files.
//!
//! Rows are ARM objects as Resource Graph stores them: `type` in lowercase, and the
//! resource's `properties` nested, not flattened as the CLI's own list commands print them.
//! The tables canopy reads:
//! - `resourcecontainers`: management groups (`properties.details.parent`), subscriptions
//!   (`subscriptionId`, `name` = display name, `properties.managementGroupAncestorsChain`),
//!   resource groups;
//! - `resources`: resources;
//! - `authorizationresources`: role assignments and role definitions (`properties.type` is
//!   `BuiltInRole` or `CustomRole`); role assignments there carry no `roleDefinitionName` or
//!   `principalName`, so the role is named from its GUID and the principal must come from
//!   the `az ad` exports;
//! - `policyresources`: policy definitions, assignments and exemptions.

use super::inventory::*;
use super::shapes::{self, Shape, str_of};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Whether a top-level object is an `az graph query` page.
pub fn is_page(o: &Map<String, Value>) -> bool {
    matches!(o.get("data"), Some(Value::Array(_)))
        && (o.contains_key("total_records") || o.contains_key("skip_token"))
}

/// What one page said about its query, to tell whether every page was exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub file: String,
    /// The Resource Graph table its rows come from (`resourcecontainers`, ...), or `mixed`:
    /// pages of one query share it, so queries of different tables with the same total are
    /// not taken for one.
    pub table: &'static str,
    /// The rows' IDs, lowercase: a page exported twice adds nothing.
    pub ids: Vec<String>,
    /// Rows the query matched (`total_records`), when the page says so as a whole number.
    pub total: Option<u64>,
    /// Whether Azure handed out a token for a next page.
    pub more: bool,
}

/// The table a row type lives in.
fn table_of(ty: &str) -> &'static str {
    if ty == "microsoft.management/managementgroups"
        || ty.starts_with("microsoft.resources/subscriptions")
    {
        "resourcecontainers"
    } else if ty.starts_with("microsoft.authorization/role")
        || ty.starts_with("microsoft.authorization/classicadministrators")
        || ty.starts_with("microsoft.authorization/denyassignments")
    {
        "authorizationresources"
    } else if ty.starts_with("microsoft.authorization/policy")
        || ty.starts_with("microsoft.policyinsights/")
    {
        "policyresources"
    } else {
        "resources"
    }
}

/// Reads one page's rows into the inventory.
pub fn add_page(inv: &mut Inventory, page: &Map<String, Value>, file: &str) {
    let rows = match page.get("data") {
        Some(Value::Array(rows)) => rows.as_slice(),
        _ => &[],
    };
    // Rows of a type canopy does not read, counted per type and said once per file.
    let mut skipped: BTreeMap<String, (usize, &'static str)> = BTreeMap::new();
    let mut ids = Vec::with_capacity(rows.len());
    let mut table: Option<&'static str> = None;
    for (i, row) in rows.iter().enumerate() {
        let base = format!("$.data[{i}]");
        let Some(o) = row.as_object() else {
            inv.note(
                shapes::origin(file, base),
                NoteKind::Skipped,
                "a row that is not an object (keep whole rows, or at least `id` and `type`, in the query)",
            );
            continue;
        };
        let ty = str_of(o, "type").unwrap_or("").to_ascii_lowercase();
        if let Some(id) = str_of(o, "id") {
            ids.push(id.to_ascii_lowercase());
        }
        let here = table_of(&ty);
        table = match table {
            None => Some(here),
            Some(t) if t == here => Some(t),
            Some(_) => Some("mixed"),
        };
        if let Err(reason) = add_row(inv, &ty, o, file, &base) {
            let ty = if ty.is_empty() {
                "(no type)".into()
            } else {
                ty
            };
            skipped.entry(ty).or_insert((0, reason)).0 += 1;
        }
    }
    for (ty, (n, reason)) in skipped {
        inv.note(
            shapes::origin(file, "$.data".into()),
            NoteKind::Skipped,
            format!(
                "{} of type `{ty}`: {reason}",
                crate::report::plural(n, "row")
            ),
        );
    }
    let number = |k: &str| page.get(k).and_then(Value::as_u64);
    let more = page
        .get("skip_token")
        .is_some_and(|t| t.as_str().is_some_and(|t| !t.is_empty()));
    let at = |k: &str| shapes::origin(file, format!("$.{k}"));
    if let Some(count) = number("count")
        && count != rows.len() as u64
    {
        inv.note(
            at("count"),
            NoteKind::Error,
            format!(
                "the page says it holds {count} rows but holds {}: edited or cut short? Export it again",
                rows.len()
            ),
        );
    }
    let total = number("total_records");
    if total.is_none() && page.get("total_records").is_some_and(|t| !t.is_null()) {
        inv.note(
            at("total_records"),
            NoteKind::Error,
            "`total_records` is not a whole number: canopy cannot tell whether every page was exported",
        );
    } else if total.is_none() && more {
        inv.note(
            at("skip_token"),
            NoteKind::Error,
            "the page has a next page (a skip token) but no `total_records`: canopy cannot tell whether every page was exported",
        );
    }
    inv.graph_pages.push(Page {
        file: file.to_string(),
        table: table.unwrap_or("resources"),
        ids,
        total,
        more,
    });
}

/// Reads one row; `Err` says why a row of its type is not read.
fn add_row(
    inv: &mut Inventory,
    ty: &str,
    o: &Map<String, Value>,
    file: &str,
    base: &str,
) -> Result<(), &'static str> {
    let props = o.get("properties").and_then(Value::as_object);
    let at = || shapes::origin(file, base.to_string());
    match ty {
        "microsoft.management/managementgroups" => {
            let Some(name) = str_of(o, "name").filter(|n| !n.is_empty()) else {
                inv.note(
                    at(),
                    NoteKind::Skipped,
                    "management group row has no `name`",
                );
                return Ok(());
            };
            let details = props
                .and_then(|p| p.get("details"))
                .and_then(Value::as_object);
            let parent = details
                .and_then(|d| d.get("parent"))
                .and_then(Value::as_object)
                .and_then(|p| {
                    str_of(p, "name")
                        .or_else(|| str_of(p, "id").and_then(shapes::management_group_of))
                })
                .or_else(|| first_ancestor(details))
                .map(str::to_string);
            // A parent given but unreadable would make the group a second root: say so.
            let given = details.is_some_and(|d| {
                d.get("parent").is_some_and(|p| !p.is_null())
                    || d.get("managementGroupAncestorsChain")
                        .and_then(Value::as_array)
                        .is_some_and(|c| !c.is_empty())
            });
            if parent.is_none() && given {
                inv.note(
                    shapes::origin(file, format!("{base}.properties.details.parent")),
                    NoteKind::Skipped,
                    format!("management group `{name}`: its parent is given but cannot be read (no `name` or `id`)"),
                );
            }
            shapes::add_management_group(
                inv,
                ManagementGroup {
                    name: name.to_string(),
                    display_name: props
                        .and_then(|p| str_of(p, "displayName"))
                        .map(str::to_string),
                    parent,
                    tenant_id: str_of(o, "tenantId").map(str::to_string),
                    origin: at(),
                },
            );
            Ok(())
        }
        "microsoft.resources/subscriptions" => {
            let Some(id) = str_of(o, "subscriptionId")
                .filter(|s| !s.is_empty())
                .map(str::to_ascii_lowercase)
                .or_else(|| str_of(o, "id").and_then(shapes::subscription_of))
            else {
                inv.note(
                    at(),
                    NoteKind::Skipped,
                    "subscription row has no `subscriptionId`",
                );
                return Ok(());
            };
            shapes::merge_subscription(
                inv,
                Subscription {
                    name: str_of(o, "name").unwrap_or(&id).to_string(),
                    id,
                    parent: first_ancestor(props).map(str::to_string),
                    tenant_id: str_of(o, "tenantId").map(str::to_string),
                    origin: at(),
                },
            );
            Ok(())
        }
        "microsoft.resources/subscriptions/resourcegroups"
        | "microsoft.resources/resourcegroups" => {
            shapes::add(inv, Shape::ResourceGroup, o, file, base);
            Ok(())
        }
        "microsoft.authorization/roleassignments" => {
            shapes::add(inv, Shape::RoleAssignment, &flatten(o, None), file, base);
            Ok(())
        }
        "microsoft.authorization/roledefinitions" => {
            // The role's kind is `properties.type`; the CLI prints it as `roleType`.
            let flat = flatten(o, Some("roleType"));
            shapes::add(inv, Shape::RoleDefinition, &flat, file, base);
            Ok(())
        }
        "microsoft.authorization/policydefinitions" => {
            shapes::add(inv, Shape::PolicyDefinition, &flatten(o, None), file, base);
            Ok(())
        }
        "microsoft.authorization/policyassignments" => {
            shapes::add(inv, Shape::PolicyAssignment, &flatten(o, None), file, base);
            Ok(())
        }
        "microsoft.authorization/policyexemptions" => {
            shapes::add(inv, Shape::PolicyExemption, &flatten(o, None), file, base);
            Ok(())
        }
        "microsoft.authorization/policysetdefinitions" => {
            Err("initiative (policy set) definitions, which canopy does not evaluate yet")
        }
        "microsoft.authorization/classicadministrators" => Err(
            "classic administrators, which canopy does not import (declare co-administrators in the tree)",
        ),
        t if t.starts_with("microsoft.policyinsights/") => {
            Err("compliance states, which canopy computes itself from the policies")
        }
        t if t.starts_with("microsoft.authorization/") => {
            Err("an authorization object canopy does not model")
        }
        "" => {
            Err("a row without `type` (keep whole rows, or at least `id` and `type`, in the query)")
        }
        _ => {
            // Anything else with a resource ID below a resource group is a resource.
            let id = str_of(o, "id").unwrap_or("");
            if shapes::subscription_of(id).is_some()
                && id.to_ascii_lowercase().contains("/providers/")
            {
                // Resource Graph lowercases types; the tree keeps Azure's spelling.
                let mut r = Map::new();
                for k in ["id", "location", "tags"] {
                    if let Some(v) = o.get(k) {
                        r.insert(k.into(), v.clone());
                    }
                }
                let ty = str_of(o, "type").unwrap_or("");
                let ty = crate::builtin::resource_type_spelling(ty).unwrap_or(ty);
                r.insert("type".into(), Value::String(ty.to_string()));
                shapes::add(inv, Shape::Resource, &r, file, base);
                Ok(())
            } else {
                Err("not a resource canopy models")
            }
        }
    }
}

/// The parent named first in a `managementGroupAncestorsChain` (nearest first).
fn first_ancestor(o: Option<&Map<String, Value>>) -> Option<&str> {
    o?.get("managementGroupAncestorsChain")?
        .as_array()?
        .first()?
        .as_object()
        .and_then(|a| str_of(a, "name"))
}

/// A row as the CLI's own list command would print it: `properties` lifted to the top level
/// beside `id`, `name` and `type`. A property also named at the top level (a role
/// definition's `type`) is kept under `rename` if given, else left out.
fn flatten(o: &Map<String, Value>, rename: Option<&str>) -> Map<String, Value> {
    let mut flat = Map::new();
    if let Some(Value::Object(props)) = o.get("properties") {
        for (k, v) in props {
            match (o.contains_key(k), rename) {
                (false, _) => {
                    flat.insert(k.clone(), v.clone());
                }
                (true, Some(r)) if k == "type" => {
                    flat.insert(r.to_string(), v.clone());
                }
                (true, _) => {}
            }
        }
    }
    for (k, v) in o {
        if k != "properties" {
            flat.insert(k.clone(), v.clone());
        }
    }
    flat
}

/// Notes pages missing from a query's export. Pages of one query share its table and its
/// `total_records`, so the distinct rows of the pages with the same table and total must be
/// exactly that many: fewer, and a page was not exported; more, and the pages are of several
/// queries or the data changed between pages (Resource Graph does not freeze it). A page cut
/// short with no token (a `limit` or `take` in the query) is noted too.
pub fn check_pages(inv: &mut Inventory) {
    let mut by_query: BTreeMap<(&'static str, u64), Vec<&Page>> = BTreeMap::new();
    for p in &inv.graph_pages {
        if let Some(t) = p.total {
            by_query.entry((p.table, t)).or_default().push(p);
        }
    }
    let mut notes = Vec::new();
    for ((table, total), pages) in by_query {
        let distinct: std::collections::BTreeSet<&str> = pages
            .iter()
            .flat_map(|p| p.ids.iter().map(String::as_str))
            .collect();
        let rows = distinct.len() as u64;
        if rows == total {
            continue;
        }
        let hint = if rows > total {
            "pages of more than one query, or the data changed while paging: export the query again, all its pages in one run"
        } else if pages.iter().any(|p| p.more) {
            "export the next pages with `az graph query ... --skip-token TOKEN` until no token is printed (scripts/export-graph.sh does)"
        } else {
            "the query was cut short without a skip token (a `limit` or `take` in it?): page with --first 1000 and --skip-token instead"
        };
        let files: Vec<&str> = pages.iter().map(|p| p.file.as_str()).collect();
        notes.push(Note {
            origin: shapes::origin(&pages[0].file, "$.total_records".into()),
            kind: NoteKind::Error,
            message: format!(
                "a Resource Graph query of {table} matched {total} rows but its {} ({}) hold {rows} distinct rows: {hint}",
                crate::report::plural(pages.len(), "page"),
                files.join(", ")
            ),
        });
    }
    inv.notes.extend(notes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattening_lifts_properties_and_keeps_the_arm_type() {
        let row = json!({"id": "x", "type": "microsoft.authorization/roledefinitions",
            "properties": {"roleName": "R", "type": "CustomRole"}});
        let flat = flatten(row.as_object().unwrap(), Some("roleType"));
        assert_eq!(flat["type"], "microsoft.authorization/roledefinitions");
        assert_eq!(flat["roleType"], "CustomRole");
        assert_eq!(flat["roleName"], "R");
        assert!(!flat.contains_key("properties"));
    }

    #[test]
    fn pages_of_one_query_must_add_up_to_its_total() {
        let mut inv = Inventory::default();
        let page = |file: &str, table, ids: std::ops::Range<u32>, total, more| Page {
            file: file.into(),
            table,
            ids: ids.map(|i| format!("/x/{i}")).collect(),
            total: Some(total),
            more,
        };
        let a = "authorizationresources";
        inv.graph_pages = vec![
            page("a.json", a, 0..1000, 2500, true),
            page("b.json", a, 1000..2000, 2500, true),
        ];
        check_pages(&mut inv);
        assert_eq!(inv.notes.len(), 1);
        assert!(
            inv.notes[0]
                .message
                .contains("matched 2500 rows but its 2 pages"),
            "{:?}",
            inv.notes
        );
        // A page exported twice does not stand in for the missing one.
        inv.notes.clear();
        inv.graph_pages
            .push(page("b-again.json", a, 1000..2000, 2500, true));
        check_pages(&mut inv);
        assert_eq!(inv.notes.len(), 1);
        inv.notes.clear();
        inv.graph_pages
            .push(page("c.json", a, 2000..2500, 2500, false));
        check_pages(&mut inv);
        assert!(inv.notes.is_empty(), "{:?}", inv.notes);
        // Another table's query with the same total is not pooled with this one.
        inv.graph_pages
            .push(page("d.json", "policyresources", 0..1000, 2500, true));
        check_pages(&mut inv);
        assert_eq!(inv.notes.len(), 1);
        assert!(inv.notes[0].message.contains("query of policyresources"));
        // More distinct rows than the total: several queries, or data that moved.
        inv.notes.clear();
        inv.graph_pages = vec![page("e.json", a, 0..20, 15, false)];
        check_pages(&mut inv);
        assert!(inv.notes[0].message.contains("more than one query"));
    }
}
