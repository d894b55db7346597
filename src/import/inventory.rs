//! What the exports say about the tenant: facts gathered from every file, deduplicated
//! (the same role assignment seen in a subscription's and a management group's list is
//! one), kept in sorted maps so that the tree written from them is the same every time.

use std::collections::BTreeMap;

/// Where a fact came from, for notes about it: the export file and a JSON path in it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    pub file: String,
    /// Such as `$[3].properties.scope`.
    pub path: String,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}", self.file, self.path)
    }
}

/// Something the import left out or had to decide, said in its summary.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Note {
    pub origin: Origin,
    /// `skipped`, `conflict`, `error`.
    pub kind: NoteKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoteKind {
    /// A file or object canopy could not use at all (not JSON, an unknown shape).
    Error,
    /// Two files disagree about one object; the first one read (in file-name order) wins.
    Conflict,
    /// An object or field left out, with the reason.
    Skipped,
}

impl NoteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Error => "error",
            NoteKind::Conflict => "conflict",
            NoteKind::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagementGroup {
    pub name: String,
    pub display_name: Option<String>,
    pub parent: Option<String>,
    pub tenant_id: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    pub name: String,
    /// The management group it sits in, when the hierarchy export says.
    pub parent: Option<String>,
    pub tenant_id: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceGroup {
    pub name: String,
    pub location: Option<String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub resource_group: String,
    /// The name as the resource ID has it: one segment per type segment (`sql/db`).
    pub name: String,
    pub resource_type: String,
    pub location: Option<String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalKind {
    User,
    Group,
    ServicePrincipal,
}

impl PrincipalKind {
    /// From Azure's `principalType` (role assignments) or Graph's `@odata.type`.
    pub fn parse(s: &str) -> Option<PrincipalKind> {
        let s = s.trim_start_matches("#microsoft.graph.");
        if s.eq_ignore_ascii_case("user") {
            Some(PrincipalKind::User)
        } else if s.eq_ignore_ascii_case("group") {
            Some(PrincipalKind::Group)
        } else if s.eq_ignore_ascii_case("serviceprincipal") {
            Some(PrincipalKind::ServicePrincipal)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub object_id: String,
    /// The handle in the tree: a user's UPN, else the display name (made unique on write).
    pub name: String,
    pub display_name: Option<String>,
    pub guest: Option<bool>,
    pub enabled: Option<bool>,
    pub security_enabled: Option<bool>,
    pub mail_enabled: Option<bool>,
    /// Only known from a role assignment's `principalName`, not from a Graph export.
    pub from_assignment: bool,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    pub actions: Vec<String>,
    pub not_actions: Vec<String>,
    pub data_actions: Vec<String>,
    pub not_data_actions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomRole {
    /// The role's GUID (Azure's `name`).
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub permissions: Vec<Permission>,
    pub assignable_scopes: Vec<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAssignment {
    /// Azure's assignment ID (`/.../providers/Microsoft.Authorization/roleAssignments/GUID`),
    /// lowercased: the key that makes the same assignment in several files one.
    pub id: String,
    pub principal_id: String,
    pub principal_type: Option<String>,
    /// The role by name as Azure printed it (`roleDefinitionName`), else its GUID.
    pub role: String,
    /// The role's GUID, from `roleDefinitionId`: what two exports of one assignment are
    /// compared by (the CLI names the role, Resource Graph gives only the ID).
    pub role_id: Option<String>,
    pub scope: String,
    pub description: Option<String>,
    pub condition: Option<String>,
    pub condition_version: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDefinition {
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub mode: Option<String>,
    pub parameters: Option<serde_json::Value>,
    pub policy_rule: serde_json::Value,
    pub metadata: Option<serde_json::Value>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyAssignment {
    pub id: String,
    pub name: String,
    pub display_name: Option<String>,
    pub scope: String,
    /// The definition's name: the last segment of `policyDefinitionId`.
    pub policy: String,
    pub parameters: Option<serde_json::Value>,
    pub not_scopes: Vec<String>,
    pub enforcement_mode: Option<String>,
    pub description: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyExemption {
    pub id: String,
    pub name: String,
    pub display_name: Option<String>,
    pub scope: String,
    pub policy_assignment_id: String,
    pub category: String,
    pub expires_on: Option<String>,
    pub description: Option<String>,
    pub origin: Origin,
}

/// Everything read from the exports.
#[derive(Debug, Default)]
pub struct Inventory {
    /// By lowercase name.
    pub management_groups: BTreeMap<String, ManagementGroup>,
    /// By lowercase subscription ID.
    pub subscriptions: BTreeMap<String, Subscription>,
    /// By (lowercase subscription ID, lowercase name).
    pub resource_groups: BTreeMap<(String, String), ResourceGroup>,
    /// By lowercase resource ID.
    pub resources: BTreeMap<String, (String, Resource)>,
    /// By lowercase object ID.
    pub principals: BTreeMap<String, Principal>,
    /// Group object ID → member object IDs (both lowercase), from member lists.
    pub members: BTreeMap<String, std::collections::BTreeSet<String>>,
    /// By lowercase GUID.
    pub custom_roles: BTreeMap<String, CustomRole>,
    /// By lowercase assignment ID.
    pub role_assignments: BTreeMap<String, RoleAssignment>,
    /// Custom policy definitions by lowercase name.
    pub policy_definitions: BTreeMap<String, PolicyDefinition>,
    /// By lowercase assignment ID.
    pub policy_assignments: BTreeMap<String, PolicyAssignment>,
    /// By lowercase exemption ID.
    pub policy_exemptions: BTreeMap<String, PolicyExemption>,
    pub notes: Vec<Note>,
    /// Files read, by the shape recognised (`az role assignment list`, ...).
    pub files: Vec<(String, &'static str)>,
    /// The `az graph query` pages read, to tell whether each query was exported whole.
    pub graph_pages: Vec<super::graph::Page>,
}

impl Inventory {
    pub fn note(&mut self, origin: Origin, kind: NoteKind, message: impl Into<String>) {
        self.notes.push(Note {
            origin,
            kind,
            message: message.into(),
        });
    }

    /// Adds a fact under `key`, or notes a conflict when another file said otherwise
    /// (`same` decides what counts as the same fact). The first one read wins.
    pub fn merge<T: Clone>(
        map: &mut BTreeMap<String, T>,
        notes: &mut Vec<Note>,
        key: String,
        fact: T,
        same: impl Fn(&T, &T) -> bool,
        origin_of: impl Fn(&T) -> &Origin,
        what: &str,
    ) {
        match map.get(&key) {
            None => {
                map.insert(key, fact);
            }
            Some(old) if same(old, &fact) => {}
            Some(old) => notes.push(Note {
                origin: origin_of(&fact).clone(),
                kind: NoteKind::Conflict,
                message: format!(
                    "{what} `{key}` differs from what {} says; kept the first",
                    origin_of(old)
                ),
            }),
        }
    }
}
