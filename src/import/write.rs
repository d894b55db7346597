//! From the inventory to tree files in the recommended layout, deterministically: every list
//! sorted, every name chosen by a rule, YAML written by serde-saphyr (the parser canopy reads
//! with, so what is written reads back as written). Then written into the output folder
//! atomically, touching only files canopy wrote.

use super::inventory::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The first line of every file canopy import writes; how a re-import knows its own files.
pub const HEADER: &str = "# Written by `canopy import` from Azure CLI exports. Edit the exports, not this file: the next import rewrites it.";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MgDoc<'a> {
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SubDoc<'a> {
    kind: &'static str,
    name: &'a str,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resource_groups: Vec<RgDoc<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RgDoc<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    tags: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resources: Vec<ResDoc<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResDoc<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    resource_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    tags: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PrincipalDoc<'a> {
    kind: &'static str,
    name: &'a str,
    object_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    security_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mail_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    members: Vec<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoleDoc<'a> {
    kind: &'static str,
    name: &'a str,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    actions: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    not_actions: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    data_actions: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    not_data_actions: &'a [String],
    assignable_scopes: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AssignmentDoc<'a> {
    kind: &'static str,
    principal: &'a str,
    role: &'a str,
    scope: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition_version: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyDefinitionDoc<'a> {
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameters: Option<&'a serde_json::Value>,
    policy_rule: &'a serde_json::Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyAssignmentDoc<'a> {
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    scope: &'a str,
    policy: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameters: Option<&'a serde_json::Value>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    not_scopes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    enforcement_mode: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyExemptionDoc<'a> {
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    policy_assignment: &'a str,
    scope: &'a str,
    category: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_on: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

/// The file a scoped object goes in, below `folder`: one per management group, one per
/// subscription (with everything below it), one for the tenant root scope `/`.
fn scope_file(folder: &str, scope: &str, sub_files: &BTreeMap<String, String>) -> String {
    if let Some(mg) = super::shapes::management_group_of(scope) {
        format!("{folder}/management-groups/{}.yaml", slug(mg))
    } else if let Some(sub) = super::shapes::subscription_of(scope) {
        let fname = sub_files.get(&sub).cloned().unwrap_or_else(|| slug(&sub));
        format!("{folder}/subscriptions/{fname}.yaml")
    } else {
        format!("{folder}/tenant-root.yaml")
    }
}

/// A file name part from a display name: lowercase letters, digits and dashes.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "unnamed".into()
    } else {
        out
    }
}

/// The tree: relative path → file text (header included), in path order.
pub type Tree = BTreeMap<String, String>;

fn file(docs: &[String]) -> String {
    let mut text = format!("{HEADER}\n");
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            text.push_str("---\n");
        }
        text.push_str(d);
        if !d.ends_with('\n') {
            text.push('\n');
        }
    }
    text
}

fn yaml<T: Serialize>(doc: &T) -> String {
    serde_saphyr::to_string(doc).expect("plain documents serialize")
}

/// Names for principals in the tree: a user's UPN; a group's or service principal's display
/// name, or `display name (object ID)` when two principals share it (Entra allows that;
/// canopy's principal names are unique, case-insensitively).
fn principal_names(inv: &Inventory) -> BTreeMap<String, String> {
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for p in inv.principals.values() {
        *count.entry(p.name.to_lowercase()).or_default() += 1;
    }
    inv.principals
        .iter()
        .map(|(key, p)| {
            let name = if count[&p.name.to_lowercase()] > 1 {
                format!("{} ({})", p.name, p.object_id)
            } else {
                p.name.clone()
            };
            (key.clone(), name)
        })
        .collect()
}

/// The tree files for an inventory, and notes on what it could not place.
pub fn tree(inv: &Inventory) -> (Tree, Vec<Note>) {
    let mut out = Tree::new();
    let mut notes = Vec::new();

    // Hierarchy: root groups first, then each group's children by name, breadth-first.
    let mut children: BTreeMap<Option<String>, Vec<&ManagementGroup>> = BTreeMap::new();
    for mg in inv.management_groups.values() {
        let parent = mg
            .parent
            .as_ref()
            .map(|p| p.to_ascii_lowercase())
            .filter(|p| inv.management_groups.contains_key(p));
        children.entry(parent).or_default().push(mg);
    }
    let mut docs = Vec::new();
    let mut queue: std::collections::VecDeque<Option<String>> = [None].into();
    let mut placed = BTreeSet::new();
    while let Some(parent) = queue.pop_front() {
        for mg in children.get(&parent).into_iter().flatten() {
            if !placed.insert(mg.name.to_ascii_lowercase()) {
                continue;
            }
            docs.push(yaml(&MgDoc {
                kind: "ManagementGroup",
                name: &mg.name,
                display_name: mg.display_name.as_deref(),
                parent: mg.parent.as_deref(),
            }));
            queue.push_back(Some(mg.name.to_ascii_lowercase()));
        }
    }
    // Groups in a parent loop are reached by no walk from a root: still written, so that
    // `canopy check` reports the loop as Azure's data has it.
    for mg in inv.management_groups.values() {
        if !placed.contains(&mg.name.to_ascii_lowercase()) {
            docs.push(yaml(&MgDoc {
                kind: "ManagementGroup",
                name: &mg.name,
                display_name: mg.display_name.as_deref(),
                parent: mg.parent.as_deref(),
            }));
        }
    }
    if !docs.is_empty() {
        out.insert("hierarchy/management-groups.yaml".into(), file(&docs));
    }

    // Subscriptions: one file each, with their resource groups and resources.
    let mut sub_files: BTreeMap<String, String> = BTreeMap::new();
    let mut slugs: BTreeMap<String, usize> = BTreeMap::new();
    for s in inv.subscriptions.values() {
        *slugs.entry(slug(&s.name)).or_default() += 1;
    }
    // Resources by (subscription, lowercase resource group), in resource ID order: looked up
    // per resource group, not scanned (20,000 groups × 50,000 resources was most of an import).
    let mut by_group: BTreeMap<(&str, String), Vec<&Resource>> = BTreeMap::new();
    for (rsub, r) in inv.resources.values() {
        by_group
            .entry((rsub.as_str(), r.resource_group.to_ascii_lowercase()))
            .or_default()
            .push(r);
    }
    for (key, s) in &inv.subscriptions {
        let base = slug(&s.name);
        let fname = if slugs[&base] > 1 {
            format!("{base}-{}", key.chars().take(8).collect::<String>())
        } else {
            base
        };
        sub_files.insert(key.clone(), fname.clone());
        let mut rgs: Vec<RgDoc> = Vec::new();
        for ((sub, rg_key), rg) in inv.resource_groups.range((key.clone(), String::new())..) {
            if sub != key {
                break;
            }
            let resources: Vec<ResDoc> = by_group
                .get(&(key.as_str(), rg_key.clone()))
                .into_iter()
                .flatten()
                .map(|r| ResDoc {
                    name: &r.name,
                    resource_type: &r.resource_type,
                    location: r.location.as_deref(),
                    tags: &r.tags,
                })
                .collect();
            rgs.push(RgDoc {
                name: &rg.name,
                location: rg.location.as_deref(),
                tags: &rg.tags,
                resources,
            });
        }
        let doc = yaml(&SubDoc {
            kind: "Subscription",
            name: &s.name,
            id: &s.id,
            parent: s.parent.as_deref(),
            resource_groups: rgs,
        });
        out.insert(format!("subscriptions/{fname}.yaml"), file(&[doc]));
    }
    // Resources whose resource group no export listed.
    let listed: BTreeSet<(String, String)> = inv.resource_groups.keys().cloned().collect();
    for (id, (sub, r)) in &inv.resources {
        if !listed.contains(&(sub.clone(), r.resource_group.to_ascii_lowercase())) {
            notes.push(Note {
                origin: Origin {
                    file: "(resources)".into(),
                    path: id.clone(),
                },
                kind: NoteKind::Skipped,
                message: format!(
                    "resource `{id}`: its resource group is in no export (`az group list`, or Resource Graph's resourcecontainers)"
                ),
            });
        }
    }

    // Principals.
    let names = principal_names(inv);
    for (kind, path, word) in [
        (PrincipalKind::User, "principals/users.yaml", "User"),
        (PrincipalKind::Group, "principals/groups.yaml", "Group"),
        (
            PrincipalKind::ServicePrincipal,
            "principals/service-principals.yaml",
            "ServicePrincipal",
        ),
    ] {
        let mut docs: Vec<(String, String)> = Vec::new();
        for (key, p) in inv.principals.iter().filter(|(_, p)| p.kind == kind) {
            let members: Vec<&str> = inv
                .members
                .get(key)
                .into_iter()
                .flatten()
                .map(|m| names.get(m).map_or(m.as_str(), String::as_str))
                .collect();
            let name = &names[key];
            let mut members = members;
            members.sort_by_key(|m| m.to_lowercase());
            docs.push((
                name.to_lowercase(),
                yaml(&PrincipalDoc {
                    kind: word,
                    name,
                    object_id: &p.object_id,
                    display_name: p.display_name.as_deref().filter(|d| d != name),
                    user_type: p.guest.filter(|g| *g).map(|_| "Guest"),
                    enabled: p.enabled.filter(|e| !*e),
                    security_enabled: p.security_enabled.filter(|e| !*e),
                    mail_enabled: p.mail_enabled.filter(|e| *e),
                    members,
                }),
            ));
        }
        docs.sort();
        if !docs.is_empty() {
            let docs: Vec<String> = docs.into_iter().map(|(_, d)| d).collect();
            out.insert(path.into(), file(&docs));
        }
    }

    // Custom roles, by name.
    let mut roles: Vec<&CustomRole> = inv.custom_roles.values().collect();
    roles.sort_by_key(|r| (r.name.to_lowercase(), r.id.to_lowercase()));
    let mut docs = Vec::new();
    for r in roles {
        if r.permissions.len() > 1 {
            notes.push(Note {
                origin: r.origin.clone(),
                kind: NoteKind::Skipped,
                message: format!(
                    "custom role `{}` has {} permission blocks; canopy's RoleDefinition has one, so they were merged",
                    r.name,
                    r.permissions.len()
                ),
            });
        }
        let merged = |f: fn(&Permission) -> &Vec<String>| -> Vec<String> {
            r.permissions
                .iter()
                .flat_map(|p| f(p).iter().cloned())
                .collect()
        };
        let (a, na, da, nda) = (
            merged(|p| &p.actions),
            merged(|p| &p.not_actions),
            merged(|p| &p.data_actions),
            merged(|p| &p.not_data_actions),
        );
        docs.push(yaml(&RoleDoc {
            kind: "RoleDefinition",
            name: &r.name,
            id: &r.id,
            description: r.description.as_deref(),
            actions: &a,
            not_actions: &na,
            data_actions: &da,
            not_data_actions: &nda,
            assignable_scopes: &r.assignable_scopes,
        }));
    }
    if !docs.is_empty() {
        out.insert("roles/custom-roles.yaml".into(), file(&docs));
    }

    // Role assignments: one file per management group, per subscription (with everything
    // below it), and one for the tenant root scope `/`.
    let mut by_file: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for a in inv.role_assignments.values() {
        let key = a.principal_id.to_ascii_lowercase();
        let principal = match names.get(&key) {
            Some(n) => n.as_str(),
            None => {
                notes.push(Note {
                    origin: a.origin.clone(),
                    kind: NoteKind::Skipped,
                    message: format!(
                        "principal `{}` ({}) is in no export: the assignment names it by object ID",
                        a.principal_id,
                        a.principal_type.as_deref().unwrap_or("type unknown")
                    ),
                });
                a.principal_id.as_str()
            }
        };
        let role = role_name(inv, &a.role).unwrap_or_else(|| {
            notes.push(Note {
                origin: a.origin.clone(),
                kind: NoteKind::Skipped,
                message: format!(
                    "role definition `{}` is neither built in nor a custom role in the exports: the assignment names it by GUID",
                    a.role
                ),
            });
            &a.role
        });
        let path = scope_file("assignments", &a.scope, &sub_files);
        let doc = yaml(&AssignmentDoc {
            kind: "RoleAssignment",
            principal,
            role,
            scope: &a.scope,
            description: a.description.as_deref(),
            condition: a.condition.as_deref(),
            condition_version: a.condition_version.as_deref(),
        });
        let order = format!(
            "{}\0{}\0{}\0{}",
            a.scope.to_lowercase(),
            principal.to_lowercase(),
            role.to_lowercase(),
            a.id
        );
        by_file.entry(path).or_default().push((order, doc));
    }
    policies(inv, &sub_files, &mut by_file, &mut notes);
    for (path, mut docs) in by_file {
        docs.sort();
        let docs: Vec<String> = docs.into_iter().map(|(_, d)| d).collect();
        out.insert(path, file(&docs));
    }
    (out, notes)
}

/// The role as the tree names it, built-in and custom roles alike by name. An assignment
/// names its role by `roleDefinitionName` in the CLI's lists, but only by
/// `roleDefinitionId` in Resource Graph's; `None` for a GUID nothing defines.
fn role_name<'a>(inv: &'a Inventory, role: &'a str) -> Option<&'a str> {
    if !crate::load::kinds::is_guid(role) {
        return Some(role);
    }
    crate::builtin::role_by_id(role)
        .map(|r| r.name)
        .or_else(|| {
            inv.custom_roles
                .get(&role.to_ascii_lowercase())
                .map(|r| r.name.as_str())
        })
}

/// Policy definitions (custom), assignments and exemptions, into `by_file` (path → sort key
/// and document).
fn policies(
    inv: &Inventory,
    sub_files: &BTreeMap<String, String>,
    by_file: &mut BTreeMap<String, Vec<(String, String)>>,
    notes: &mut Vec<Note>,
) {
    for d in inv.policy_definitions.values() {
        let doc = yaml(&PolicyDefinitionDoc {
            kind: "PolicyDefinition",
            name: &d.name,
            display_name: d.display_name.as_deref(),
            description: d.description.as_deref(),
            mode: d.mode.as_deref(),
            metadata: d.metadata.as_ref(),
            parameters: d.parameters.as_ref(),
            policy_rule: &d.policy_rule,
        });
        by_file
            .entry("policies/definitions.yaml".into())
            .or_default()
            .push((d.name.to_lowercase(), doc));
    }
    let mut kept = BTreeSet::new();
    for (key, a) in &inv.policy_assignments {
        let known = inv
            .policy_definitions
            .contains_key(&a.policy.to_ascii_lowercase())
            || crate::builtin::policies::policy(&a.policy).is_some();
        if !known {
            notes.push(Note {
                origin: a.origin.clone(),
                kind: NoteKind::Skipped,
                message: format!(
                    "policy assignment `{}` assigns `{}`, which is neither a custom definition in the exports nor a built-in canopy evaluates",
                    a.name, a.policy
                ),
            });
            continue;
        }
        kept.insert(key.clone());
        let doc = yaml(&PolicyAssignmentDoc {
            kind: "PolicyAssignment",
            name: &a.name,
            display_name: a.display_name.as_deref(),
            scope: &a.scope,
            policy: &a.policy,
            parameters: a.parameters.as_ref(),
            not_scopes: &a.not_scopes,
            enforcement_mode: a.enforcement_mode.as_deref(),
            description: a.description.as_deref(),
        });
        by_file
            .entry(scope_file("policies/assignments", &a.scope, sub_files))
            .or_default()
            .push((
                format!("{}\0{}", a.scope.to_lowercase(), a.name.to_lowercase()),
                doc,
            ));
    }
    for e in inv.policy_exemptions.values() {
        if !kept.contains(&e.policy_assignment_id.to_ascii_lowercase()) {
            notes.push(Note {
                origin: e.origin.clone(),
                kind: NoteKind::Skipped,
                message: format!(
                    "policy exemption `{}` exempts `{}`, an assignment not imported",
                    e.name, e.policy_assignment_id
                ),
            });
            continue;
        }
        let doc = yaml(&PolicyExemptionDoc {
            kind: "PolicyExemption",
            name: &e.name,
            display_name: e.display_name.as_deref(),
            policy_assignment: &e.policy_assignment_id,
            scope: &e.scope,
            category: &e.category,
            expires_on: e.expires_on.as_deref(),
            description: e.description.as_deref(),
        });
        by_file
            .entry(scope_file("policies/exemptions", &e.scope, sub_files))
            .or_default()
            .push((
                format!("{}\0{}", e.scope.to_lowercase(), e.name.to_lowercase()),
                doc,
            ));
    }
}

/// Why the output folder cannot be written.
#[derive(Debug)]
pub enum WriteError {
    /// DIR holds files canopy did not write, and `--force` was not given.
    NotOurs { dir: PathBuf, files: Vec<String> },
    /// A file canopy would write exists and was written by a person.
    Collides { path: PathBuf },
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::NotOurs { dir, files } => write!(
                f,
                "`{}` holds files canopy import did not write ({}{}); import into an empty folder, or pass --force to write beside them (they are never touched)",
                dir.display(),
                files.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
                if files.len() > 3 { ", ..." } else { "" }
            ),
            WriteError::Collides { path } => write!(
                f,
                "`{}` was written by a person (it lacks canopy import's first line); canopy import never overwrites it: move it, or remove it",
                path.display()
            ),
            WriteError::Io { path, error } => {
                write!(f, "cannot write `{}`: {error}", path.display())
            }
        }
    }
}

fn is_ours(path: &Path) -> bool {
    use std::io::BufRead;
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    let mut first = String::new();
    let _ = std::io::BufReader::new(f).read_line(&mut first);
    first.trim_end() == HEADER
}

/// What writing changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Writes the tree into `dir`: every file first into a temporary folder beside it, then
/// renamed into place; files canopy wrote before and does not write now are removed; files
/// a person wrote are never touched.
pub fn write(dir: &Path, tree: &Tree, force: bool) -> Result<Written, WriteError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| WriteError::Io { path, error }
    };
    let mut ours = BTreeSet::new();
    let mut theirs = Vec::new();
    if dir.exists() {
        for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let e = e.map_err(|e| WriteError::Io {
                path: dir.to_path_buf(),
                error: e.into(),
            })?;
            if !e.file_type().is_file() {
                continue;
            }
            let rel =
                super::super::report::display_path(e.path().strip_prefix(dir).unwrap_or(e.path()));
            if is_ours(e.path()) {
                ours.insert(rel);
            } else {
                theirs.push(rel);
            }
        }
    }
    if !theirs.is_empty() && !force && ours.is_empty() {
        return Err(WriteError::NotOurs {
            dir: dir.to_path_buf(),
            files: theirs,
        });
    }
    for rel in tree.keys() {
        if theirs.contains(rel) {
            return Err(WriteError::Collides {
                path: dir.join(rel),
            });
        }
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staging = parent.join(format!(".{name}.canopy-import-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let mut result = Written::default();
    let staged = (|| {
        for (rel, text) in tree {
            let target = dir.join(rel);
            if std::fs::read(&target).is_ok_and(|old| old == text.as_bytes()) {
                result.unchanged += 1;
                continue;
            }
            let path = staging.join(rel);
            if let Some(p) = path.parent() {
                std::fs::create_dir_all(p).map_err(io(p))?;
            }
            std::fs::write(&path, text).map_err(io(&path))?;
        }
        Ok(())
    })();
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    for rel in tree.keys() {
        let from = staging.join(rel);
        if !from.exists() {
            continue;
        }
        let to = dir.join(rel);
        if let Some(p) = to.parent() {
            std::fs::create_dir_all(p).map_err(io(p))?;
        }
        std::fs::rename(&from, &to).map_err(io(&to))?;
        result.written += 1;
    }
    let _ = std::fs::remove_dir_all(&staging);
    for rel in ours.iter().filter(|r| !tree.contains_key(*r)) {
        let path = dir.join(rel);
        std::fs::remove_file(&path).map_err(io(&path))?;
        result.removed += 1;
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_names() {
        assert_eq!(slug("Contoso Prod (EU)"), "contoso-prod-eu");
        assert_eq!(slug("---"), "unnamed");
    }
}
