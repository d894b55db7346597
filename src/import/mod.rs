//! `canopy import EXPORTS --out DIR`: a canopy tree from what an engineer exported with
//! Azure's own CLI, offline. Every `.json` file below EXPORTS is read (in path order, so the
//! first file wins a conflict the same way every time), recognised by its content, and
//! turned into facts ([`inventory`]); the facts become tree files ([`write`]).

pub mod drift;
pub mod graph;
pub mod inventory;
pub mod read;
pub mod shapes;
pub mod write;

use inventory::{Inventory, NoteKind, Origin};
use serde_json::Value;
use std::path::Path;

/// A group's member list does not name its group: the file's name must hold the group's
/// object ID (`members-<object-id>.json`, as `scripts/export.sh` names them).
fn group_in_file_name(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    (0..bytes.len().saturating_sub(35)).find_map(|i| {
        let s = name.get(i..i + 36)?;
        crate::load::kinds::is_guid(s).then(|| s.to_ascii_lowercase())
    })
}

/// Reads every export below `exports` into an inventory. Problems become notes, never a
/// stop: one run says everything.
pub fn read_exports(exports: &Path) -> Result<Inventory, String> {
    let meta = std::fs::metadata(exports)
        .map_err(|e| format!("cannot read exports `{}`: {e}", exports.display()))?;
    let mut files: Vec<std::path::PathBuf> = if meta.is_dir() {
        walkdir::WalkDir::new(exports)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter(|e| {
                e.path()
                    .extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("json"))
            })
            .map(|e| e.into_path())
            .collect()
    } else {
        vec![exports.to_path_buf()]
    };
    files.sort();
    if files.is_empty() {
        return Err(format!(
            "no .json files under `{}`: export with the Azure CLI (`--output json`, the default), one command per file",
            exports.display()
        ));
    }
    // Files are read in parallel, a batch at a time, each into its own inventory; each batch
    // is absorbed in path order, so the first file still wins a conflict as if the files
    // had been read in turn, and only one batch of per-file facts is held at once (the
    // subscriptions' assignment lists repeat every inherited assignment).
    use rayon::prelude::*;
    let mut inv = Inventory::default();
    for batch in files.chunks(64) {
        let per_file: Vec<Inventory> = crate::in_pool(|| {
            batch
                .par_iter()
                .with_max_len(1)
                .map(|path| {
                    let mut one = Inventory::default();
                    read_file(&mut one, exports, path);
                    one
                })
                .collect()
        });
        for one in per_file {
            shapes::absorb(&mut inv, one);
        }
    }
    // Notes in one order whatever the batches did: by file, place, kind and text.
    inv.notes.sort();
    Ok(inv)
}

fn read_file(inv: &mut Inventory, exports: &Path, path: &Path) {
    let name = crate::report::display_path(path.strip_prefix(exports).unwrap_or(path));
    let name = if name.is_empty() {
        crate::report::display_path(path)
    } else {
        name
    };
    let whole = |inv: &mut Inventory, message: String| {
        inv.note(
            Origin {
                file: name.clone(),
                path: "$".into(),
            },
            NoteKind::Error,
            message,
        );
    };
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return whole(inv, format!("cannot read it: {e}")),
    };
    let member_of = group_in_file_name(&name);
    // The first element decides what the file is; the others must be the same.
    let mut shape: Option<shapes::Shape> = None;
    let mut pending: Vec<inventory::Note> = Vec::new();
    let mut members: Vec<String> = Vec::new();
    let mut each = |i: usize, v: Value| {
        let at = |p: &str| Origin {
            file: name.clone(),
            path: format!("$[{i}]{p}"),
        };
        let Value::Object(o) = v else {
            pending.push(inventory::Note {
                origin: at(""),
                kind: NoteKind::Skipped,
                message: "an element that is not an object".into(),
            });
            return;
        };
        // AAD Graph member lists (Azure CLI 2.36 and older) have no `@odata.type`, only each
        // object's `objectType`: in a file named for its group, they are its members.
        let here = shapes::shape_of(&o).map(|h| match h {
            shapes::Shape::User | shapes::Shape::Group | shapes::Shape::ServicePrincipal
                if member_of.is_some() && o.contains_key("objectType") =>
            {
                shapes::Shape::Member
            }
            h => h,
        });
        let s = match (shape, here) {
            (None, Some(h)) => {
                shape = Some(h);
                h
            }
            (Some(s), Some(h)) if s == h => s,
            (Some(s), _) => {
                pending.push(inventory::Note {
                    origin: at(""),
                    kind: NoteKind::Skipped,
                    message: format!("not an element of `{}` like the first", s.command()),
                });
                return;
            }
            (None, None) => {
                pending.push(inventory::Note {
                    origin: at(""),
                    kind: NoteKind::Skipped,
                    message: "an object of no shape canopy knows".into(),
                });
                return;
            }
        };
        if s == shapes::Shape::Member
            && let Some(id) = o
                .get("id")
                .or_else(|| o.get("objectId"))
                .and_then(Value::as_str)
        {
            members.push(id.to_ascii_lowercase());
        }
        shapes::add(inv, s, &o, &name, &format!("$[{i}]"));
    };
    let mut warnings = 0;
    let top = read::stream(std::io::BufReader::new(f), &mut each, &mut warnings);
    inv.notes.append(&mut pending);
    if warnings > 0 {
        inv.note(
            Origin {
                file: name.clone(),
                path: "$".into(),
            },
            NoteKind::Skipped,
            format!(
                "{} before the JSON (the CLI's warnings, captured with 2>&1)",
                crate::report::plural(warnings, "`WARNING:` line")
            ),
        );
    }
    match top {
        Err(e) if e.truncated => whole(
            inv,
            format!(
                "the file ends inside its JSON (line {}, column {}): truncated? Export it again",
                e.line, e.column
            ),
        ),
        Err(e) => whole(inv, format!("not JSON: {}", e.message)),
        Ok(read::Top::Scalar(what)) => whole(
            inv,
            format!(
                "{what}, not an export; accepted: {}",
                shapes::ACCEPTED.join("; ")
            ),
        ),
        Ok(read::Top::Array(0)) => {
            inv.files.push((name.clone(), "an empty list"));
        }
        Ok(read::Top::Array(_)) => match shape {
            Some(s) => {
                if s == shapes::Shape::Member {
                    match member_of {
                        Some(g) => inv.members.entry(g).or_default().extend(members),
                        None => whole(
                            inv,
                            "a group's member list, but the file's name holds no group object ID (name it members-<object-id>.json)".into(),
                        ),
                    }
                }
                inv.files.push((name.clone(), s.command()));
            }
            None => whole(
                inv,
                format!(
                    "a list of objects of no shape canopy knows; accepted: {}",
                    shapes::ACCEPTED.join("; ")
                ),
            ),
        },
        Ok(read::Top::Object(o)) => {
            let mg = o
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Management/managementGroups"));
            if mg {
                shapes::add_hierarchy(inv, &o, &name);
                inv.files.push((
                    name.clone(),
                    "az account management-group show --expand --recurse",
                ));
            } else if graph::is_page(&o) {
                graph::add_page(inv, &o, &name);
                inv.files.push((name.clone(), "az graph query"));
            } else {
                whole(
                    inv,
                    format!(
                        "an object of no shape canopy knows; accepted: {}",
                        shapes::ACCEPTED.join("; ")
                    ),
                );
            }
        }
    }
}

/// Checks the inventory as a whole: one tenant, one root, every Resource Graph page.
pub fn check_tenant(inv: &mut Inventory) {
    graph::check_pages(inv);
    let tenants: std::collections::BTreeSet<String> = inv
        .management_groups
        .values()
        .filter_map(|m| m.tenant_id.as_deref())
        .chain(
            inv.subscriptions
                .values()
                .filter_map(|s| s.tenant_id.as_deref()),
        )
        .map(str::to_ascii_lowercase)
        .collect();
    if tenants.len() > 1 {
        let list: Vec<&str> = tenants.iter().map(String::as_str).collect();
        inv.note(
            Origin {
                file: "(all exports)".into(),
                path: "tenantId".into(),
            },
            NoteKind::Error,
            format!(
                "the exports come from {} tenants ({}): import one tenant's exports at a time",
                tenants.len(),
                list.join(", ")
            ),
        );
    }
}

/// Whether the notes hold an error that leaves the tree untrustworthy (then nothing is
/// written).
pub fn has_errors(inv: &Inventory) -> bool {
    inv.notes.iter().any(|n| n.kind == NoteKind::Error)
}
