//! The export shapes canopy recognises, by their content (never by file name, except where
//! the content cannot say: a group's member list does not name its group). Each recogniser
//! turns one element (or the whole object) into facts of the inventory.

use super::inventory::*;
use serde_json::{Map, Value};

/// Every shape canopy accepts, for "which shapes are accepted" in error notes and the
/// README.
pub const ACCEPTED: &[&str] = &[
    "az account management-group show --name ROOT --expand --recurse",
    "az account management-group entities list",
    "az account list --all",
    "az group list",
    "az resource list",
    "az ad user list",
    "az ad group list",
    "az ad sp list",
    "az ad group member list --group ID (file name holding the group's object ID)",
    "az role definition list --custom-role-only true",
    "az role assignment list --all / --scope SCOPE",
    "az policy definition list",
    "az policy assignment list --scope SCOPE",
    "az policy exemption list",
    "az graph query over resourcecontainers, resources, authorizationresources or policyresources (one file per page)",
];

/// What one array element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Entity,
    Account,
    ResourceGroup,
    Resource,
    User,
    Group,
    ServicePrincipal,
    Member,
    RoleDefinition,
    RoleAssignment,
    PolicyDefinition,
    PolicyAssignment,
    PolicyExemption,
}

impl Shape {
    pub fn command(self) -> &'static str {
        match self {
            Shape::Entity => "az account management-group entities list",
            Shape::Account => "az account list",
            Shape::ResourceGroup => "az group list",
            Shape::Resource => "az resource list",
            Shape::User => "az ad user list",
            Shape::Group => "az ad group list",
            Shape::ServicePrincipal => "az ad sp list",
            Shape::Member => "az ad group member list",
            Shape::RoleDefinition => "az role definition list",
            Shape::RoleAssignment => "az role assignment list",
            Shape::PolicyDefinition => "az policy definition list",
            Shape::PolicyAssignment => "az policy assignment list",
            Shape::PolicyExemption => "az policy exemption list",
        }
    }
}

pub(super) fn str_of<'v>(o: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    o.get(key).and_then(Value::as_str)
}

fn type_is(o: &Map<String, Value>, ty: &str) -> bool {
    str_of(o, "type").is_some_and(|t| t.eq_ignore_ascii_case(ty))
}

/// Recognises an array element.
pub fn shape_of(o: &Map<String, Value>) -> Option<Shape> {
    if type_is(o, "Microsoft.Authorization/roleAssignments") {
        return Some(Shape::RoleAssignment);
    }
    if type_is(o, "Microsoft.Authorization/roleDefinitions") {
        return Some(Shape::RoleDefinition);
    }
    if type_is(o, "Microsoft.Authorization/policyDefinitions") {
        return Some(Shape::PolicyDefinition);
    }
    if type_is(o, "Microsoft.Authorization/policyAssignments") {
        return Some(Shape::PolicyAssignment);
    }
    if type_is(o, "Microsoft.Authorization/policyExemptions") {
        return Some(Shape::PolicyExemption);
    }
    if type_is(o, "Microsoft.Resources/resourceGroups") {
        return Some(Shape::ResourceGroup);
    }
    if o.contains_key("parentNameChain")
        || (o.contains_key("parent") && o.contains_key("numberOfDescendants"))
    {
        return Some(Shape::Entity);
    }
    if o.contains_key("tenantId") && o.contains_key("cloudName") {
        return Some(Shape::Account);
    }
    if o.contains_key("@odata.type") {
        return Some(Shape::Member);
    }
    if o.contains_key("userPrincipalName") {
        return Some(Shape::User);
    }
    if o.contains_key("securityEnabled") && o.contains_key("mailEnabled") {
        return Some(Shape::Group);
    }
    if o.contains_key("servicePrincipalType") || o.contains_key("appId") {
        return Some(Shape::ServicePrincipal);
    }
    if str_of(o, "id").is_some_and(|id| {
        id.to_ascii_lowercase().starts_with("/subscriptions/") && id.contains("/providers/")
    }) && o.contains_key("type")
    {
        return Some(Shape::Resource);
    }
    None
}

pub(super) fn origin(file: &str, path: String) -> Origin {
    Origin {
        file: file.to_string(),
        path,
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn tags(v: Option<&Value>) -> std::collections::BTreeMap<String, String> {
    match v {
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                (k.clone(), v)
            })
            .collect(),
        _ => Default::default(),
    }
}

/// The subscription ID in a scope or resource ID (`/subscriptions/{id}/...`), lowercase.
pub fn subscription_of(id: &str) -> Option<String> {
    let mut parts = id.split('/').filter(|s| !s.is_empty());
    match (parts.next(), parts.next()) {
        (Some(s), Some(sub)) if s.eq_ignore_ascii_case("subscriptions") => {
            Some(sub.to_ascii_lowercase())
        }
        _ => None,
    }
}

/// The management group a scope names (`/providers/Microsoft.Management/managementGroups/{g}`).
pub fn management_group_of(id: &str) -> Option<&str> {
    let lower = id.to_ascii_lowercase();
    let prefix = "/providers/microsoft.management/managementgroups/";
    lower
        .starts_with(prefix)
        .then(|| &id[prefix.len()..])
        .map(|rest| rest.split('/').next().unwrap_or(rest))
}

/// Adds one recognised element to the inventory; `base` is its JSON path (`$[3]`, or
/// `$.data[3]` for a row of an `az graph query` result).
pub fn add(inv: &mut Inventory, shape: Shape, o: &Map<String, Value>, file: &str, base: &str) {
    let at = |field: &str| origin(file, format!("{base}{field}"));
    let need = |inv: &mut Inventory, field: &str| -> Option<String> {
        match str_of(o, field) {
            Some(v) if !v.is_empty() => Some(v.to_string()),
            _ => {
                inv.note(
                    at(""),
                    NoteKind::Skipped,
                    format!("{} element has no `{field}`", shape.command()),
                );
                None
            }
        }
    };
    match shape {
        Shape::Entity => add_entity(inv, o, at("")),
        Shape::Account => {
            let (Some(id), Some(name)) = (need(inv, "id"), need(inv, "name")) else {
                return;
            };
            let fact = Subscription {
                id: id.clone(),
                name,
                parent: None,
                tenant_id: str_of(o, "tenantId").map(str::to_string),
                origin: at(""),
            };
            merge_subscription(inv, fact);
        }
        Shape::ResourceGroup => {
            let Some(id) = need(inv, "id") else { return };
            let Some(sub) = subscription_of(&id) else {
                inv.note(
                    at(".id"),
                    NoteKind::Skipped,
                    format!("`{id}` is not a resource group ID"),
                );
                return;
            };
            let name = str_of(o, "name").unwrap_or_else(|| id.rsplit('/').next().unwrap_or(""));
            let rg = ResourceGroup {
                name: name.to_string(),
                location: str_of(o, "location").map(str::to_string),
                tags: tags(o.get("tags")),
            };
            inv.resource_groups
                .entry((sub, name.to_ascii_lowercase()))
                .or_insert(rg);
        }
        Shape::Resource => add_resource(inv, o, at("")),
        Shape::User | Shape::Group | Shape::ServicePrincipal | Shape::Member => {
            let kind = match shape {
                Shape::User => Some(PrincipalKind::User),
                Shape::Group => Some(PrincipalKind::Group),
                Shape::ServicePrincipal => Some(PrincipalKind::ServicePrincipal),
                // Graph's `@odata.type`; AAD Graph's `objectType` (Azure CLI 2.36 and older).
                _ => str_of(o, "@odata.type")
                    .or_else(|| str_of(o, "objectType"))
                    .and_then(PrincipalKind::parse),
            };
            let Some(kind) = kind else {
                let ty = str_of(o, "@odata.type").unwrap_or("?");
                inv.note(
                    at(".@odata.type"),
                    NoteKind::Skipped,
                    format!(
                        "member of type `{ty}` (canopy knows users, groups and service principals)"
                    ),
                );
                return;
            };
            if let Some(p) = principal(kind, o, at("")) {
                merge_principal(inv, p);
            } else {
                need(inv, "id");
            }
        }
        Shape::RoleDefinition => {
            if str_of(o, "roleType").is_some_and(|t| t.eq_ignore_ascii_case("BuiltInRole")) {
                // canopy ships Azure's built-in roles; an export listing them adds nothing.
                return;
            }
            let (Some(id), Some(name)) = (need(inv, "name"), need(inv, "roleName")) else {
                return;
            };
            let permissions = match o.get("permissions") {
                Some(Value::Array(blocks)) => blocks
                    .iter()
                    .filter_map(Value::as_object)
                    .map(|b| Permission {
                        actions: strings(b.get("actions")),
                        not_actions: strings(b.get("notActions")),
                        data_actions: strings(b.get("dataActions")),
                        not_data_actions: strings(b.get("notDataActions")),
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let role = CustomRole {
                id: id.clone(),
                name,
                description: str_of(o, "description")
                    .filter(|d| !d.is_empty())
                    .map(str::to_string),
                permissions,
                assignable_scopes: strings(o.get("assignableScopes")),
                origin: at(""),
            };
            Inventory::merge(
                &mut inv.custom_roles,
                &mut inv.notes,
                id.to_ascii_lowercase(),
                role,
                same_role,
                |r| &r.origin,
                "custom role",
            );
        }
        Shape::PolicyDefinition => add_policy_definition(inv, o, at("")),
        Shape::PolicyAssignment => add_policy_assignment(inv, o, at("")),
        Shape::PolicyExemption => add_policy_exemption(inv, o, at("")),
        Shape::RoleAssignment => {
            let (Some(id), Some(principal_id), Some(scope)) = (
                need(inv, "id"),
                need(inv, "principalId"),
                need(inv, "scope"),
            ) else {
                return;
            };
            let role_id = str_of(o, "roleDefinitionId")
                .and_then(|r| r.rsplit('/').next())
                .filter(|g| !g.is_empty())
                .map(str::to_ascii_lowercase);
            let role = str_of(o, "roleDefinitionName")
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .or_else(|| role_id.clone());
            let Some(role) = role else {
                need(inv, "roleDefinitionName");
                return;
            };
            let principal_type = str_of(o, "principalType").map(str::to_string);
            // The assignment names its principal too: enough to declare one the Graph
            // exports did not list, so the assignment keeps who it is for.
            if let (Some(kind), Some(name)) = (
                principal_type.as_deref().and_then(PrincipalKind::parse),
                str_of(o, "principalName").filter(|n| !n.is_empty()),
            ) {
                let key = principal_id.to_ascii_lowercase();
                inv.principals.entry(key).or_insert_with(|| Principal {
                    kind,
                    object_id: principal_id.clone(),
                    name: name.to_string(),
                    display_name: None,
                    guest: None,
                    enabled: None,
                    security_enabled: None,
                    mail_enabled: None,
                    from_assignment: true,
                    origin: at(".principalName"),
                });
            }
            let a = RoleAssignment {
                id: id.to_ascii_lowercase(),
                principal_id,
                principal_type,
                role,
                role_id,
                scope,
                description: str_of(o, "description")
                    .filter(|d| !d.is_empty())
                    .map(str::to_string),
                condition: str_of(o, "condition").map(str::to_string),
                condition_version: str_of(o, "conditionVersion").map(str::to_string),
                origin: at(""),
            };
            Inventory::merge(
                &mut inv.role_assignments,
                &mut inv.notes,
                id.to_ascii_lowercase(),
                a,
                same_role_assignment,
                |a| &a.origin,
                "role assignment",
            );
        }
    }
}

/// The scope an ID of an object made at a scope starts with: what is before
/// `/providers/Microsoft.Authorization/`, or `/` for an object at the tenant root.
fn scope_of_id(id: &str) -> String {
    let lower = id.to_ascii_lowercase();
    match lower.rfind("/providers/microsoft.authorization/") {
        Some(0) | None => "/".to_string(),
        Some(i) => id[..i].to_string(),
    }
}

fn opt_string(o: &Map<String, Value>, key: &str) -> Option<String> {
    str_of(o, key).filter(|s| !s.is_empty()).map(str::to_string)
}

fn non_empty(v: Option<&Value>) -> Option<Value> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) if m.is_empty() => None,
        Some(v) => Some(v.clone()),
    }
}

fn add_policy_definition(inv: &mut Inventory, o: &Map<String, Value>, at: Origin) {
    let policy_type = str_of(o, "policyType").unwrap_or("Custom");
    if !policy_type.eq_ignore_ascii_case("Custom") {
        // canopy ships Azure's built-in definitions that it evaluates; a listing of them
        // adds nothing, and assignments name them by GUID.
        return;
    }
    let Some(name) = opt_string(o, "name") else {
        inv.note(at, NoteKind::Skipped, "policy definition has no `name`");
        return;
    };
    let Some(rule) = non_empty(o.get("policyRule")) else {
        inv.note(
            at,
            NoteKind::Skipped,
            format!("policy definition `{name}` has no `policyRule`"),
        );
        return;
    };
    let mode = opt_string(o, "mode");
    if let Some(m) = &mode
        && !crate::load::schema::POLICY_MODES
            .iter()
            .any(|k| k.eq_ignore_ascii_case(m))
    {
        inv.note(
            at,
            NoteKind::Skipped,
            format!(
                "policy definition `{name}` has mode `{m}` (a resource provider mode); canopy evaluates modes {} only",
                crate::load::schema::POLICY_MODES.join(" and ")
            ),
        );
        return;
    }
    let def = PolicyDefinition {
        name: name.clone(),
        display_name: opt_string(o, "displayName"),
        description: opt_string(o, "description"),
        mode,
        parameters: non_empty(o.get("parameters")),
        policy_rule: rule,
        metadata: non_empty(o.get("metadata")),
        origin: at,
    };
    Inventory::merge(
        &mut inv.policy_definitions,
        &mut inv.notes,
        name.to_ascii_lowercase(),
        def,
        same_policy_definition,
        |d| &d.origin,
        "policy definition",
    );
}

fn add_policy_assignment(inv: &mut Inventory, o: &Map<String, Value>, at: Origin) {
    let (Some(id), Some(name), Some(def)) = (
        opt_string(o, "id"),
        opt_string(o, "name"),
        opt_string(o, "policyDefinitionId"),
    ) else {
        inv.note(
            at,
            NoteKind::Skipped,
            "policy assignment without `id`, `name` or `policyDefinitionId`",
        );
        return;
    };
    if def.to_ascii_lowercase().contains("/policysetdefinitions/") {
        inv.note(
            at,
            NoteKind::Skipped,
            format!("policy assignment `{name}` assigns an initiative (policy set), which canopy does not evaluate yet"),
        );
        return;
    }
    let a = PolicyAssignment {
        id: id.clone(),
        scope: opt_string(o, "scope").unwrap_or_else(|| scope_of_id(&id)),
        name,
        display_name: opt_string(o, "displayName"),
        policy: def.rsplit('/').next().unwrap_or(&def).to_string(),
        parameters: non_empty(o.get("parameters")),
        not_scopes: strings(o.get("notScopes")),
        enforcement_mode: opt_string(o, "enforcementMode"),
        description: opt_string(o, "description"),
        origin: at,
    };
    Inventory::merge(
        &mut inv.policy_assignments,
        &mut inv.notes,
        id.to_ascii_lowercase(),
        a,
        same_policy_assignment,
        |a| &a.origin,
        "policy assignment",
    );
}

fn add_policy_exemption(inv: &mut Inventory, o: &Map<String, Value>, at: Origin) {
    let (Some(id), Some(name), Some(assignment), Some(category)) = (
        opt_string(o, "id"),
        opt_string(o, "name"),
        opt_string(o, "policyAssignmentId"),
        opt_string(o, "exemptionCategory"),
    ) else {
        inv.note(
            at,
            NoteKind::Skipped,
            "policy exemption without `id`, `name`, `policyAssignmentId` or `exemptionCategory`",
        );
        return;
    };
    let e = PolicyExemption {
        scope: scope_of_id(&id),
        id: id.clone(),
        name,
        display_name: opt_string(o, "displayName"),
        policy_assignment_id: assignment,
        category,
        expires_on: opt_string(o, "expiresOn"),
        description: opt_string(o, "description"),
        origin: at,
    };
    inv.policy_exemptions
        .entry(id.to_ascii_lowercase())
        .or_insert(e);
}

fn same_role(a: &CustomRole, b: &CustomRole) -> bool {
    a.name == b.name && a.permissions == b.permissions && a.assignable_scopes == b.assignable_scopes
}

fn same_role_assignment(a: &RoleAssignment, b: &RoleAssignment) -> bool {
    a.principal_id.eq_ignore_ascii_case(&b.principal_id)
        && a.scope.eq_ignore_ascii_case(&b.scope)
        && match (&a.role_id, &b.role_id) {
            (Some(x), Some(y)) => x == y,
            _ => a.role.eq_ignore_ascii_case(&b.role),
        }
        && a.condition == b.condition
}

fn same_policy_definition(a: &PolicyDefinition, b: &PolicyDefinition) -> bool {
    a.policy_rule == b.policy_rule && a.parameters == b.parameters
}

fn same_policy_assignment(a: &PolicyAssignment, b: &PolicyAssignment) -> bool {
    a.policy.eq_ignore_ascii_case(&b.policy)
        && a.parameters == b.parameters
        && a.not_scopes == b.not_scopes
}

/// Adds what one file's inventory holds to `into`, with the rules one file's own facts
/// follow: files are read in parallel, each into its own inventory, and absorbed in path
/// order, so the result (which file wins a conflict) is the same as reading them in turn.
pub fn absorb(into: &mut Inventory, from: Inventory) {
    for (_, mg) in from.management_groups {
        add_management_group(into, mg);
    }
    for (_, s) in from.subscriptions {
        merge_subscription(into, s);
    }
    for (k, rg) in from.resource_groups {
        into.resource_groups.entry(k).or_insert(rg);
    }
    for (k, r) in from.resources {
        into.resources.entry(k).or_insert(r);
    }
    for (_, p) in from.principals {
        merge_principal(into, p);
    }
    for (g, members) in from.members {
        into.members.entry(g).or_default().extend(members);
    }
    let notes = &mut into.notes;
    for (k, r) in from.custom_roles {
        Inventory::merge(
            &mut into.custom_roles,
            notes,
            k,
            r,
            same_role,
            |r| &r.origin,
            "custom role",
        );
    }
    for (k, a) in from.role_assignments {
        Inventory::merge(
            &mut into.role_assignments,
            notes,
            k,
            a,
            same_role_assignment,
            |a| &a.origin,
            "role assignment",
        );
    }
    for (k, d) in from.policy_definitions {
        Inventory::merge(
            &mut into.policy_definitions,
            notes,
            k,
            d,
            same_policy_definition,
            |d| &d.origin,
            "policy definition",
        );
    }
    for (k, a) in from.policy_assignments {
        Inventory::merge(
            &mut into.policy_assignments,
            notes,
            k,
            a,
            same_policy_assignment,
            |a| &a.origin,
            "policy assignment",
        );
    }
    for (k, e) in from.policy_exemptions {
        into.policy_exemptions.entry(k).or_insert(e);
    }
    into.notes.extend(from.notes);
    into.files.extend(from.files);
    into.graph_pages.extend(from.graph_pages);
}

pub(super) fn merge_subscription(inv: &mut Inventory, fact: Subscription) {
    // Every scope and file name is built from the ID: only a GUID is one.
    if !crate::load::kinds::is_guid(&fact.id) {
        let message = format!(
            "subscription `{}` has ID `{}`, which is not a GUID",
            fact.name, fact.id
        );
        inv.note(fact.origin, NoteKind::Skipped, message);
        return;
    }
    let key = fact.id.to_ascii_lowercase();
    match inv.subscriptions.get_mut(&key) {
        None => {
            inv.subscriptions.insert(key, fact);
        }
        Some(old) => {
            // The hierarchy knows the parent, the account list the name: keep both.
            if old.parent.is_none() {
                old.parent = fact.parent;
            }
            if old.name.eq_ignore_ascii_case(&old.id) {
                old.name = fact.name;
            }
        }
    }
}

fn merge_principal(inv: &mut Inventory, p: Principal) {
    let key = p.object_id.to_ascii_lowercase();
    match inv.principals.get(&key) {
        // What only an assignment's principalName says never replaces what is known.
        Some(_) if p.from_assignment => {}
        // A Graph export replaces what only an assignment's principalName said.
        Some(old) if !old.from_assignment => {
            if old.kind != p.kind {
                inv.note(
                    p.origin.clone(),
                    NoteKind::Conflict,
                    format!(
                        "object `{}` is a {:?} here but a {:?} in {}; kept the first",
                        p.object_id, p.kind, old.kind, old.origin
                    ),
                );
            }
        }
        _ => {
            inv.principals.insert(key, p);
        }
    }
}

fn principal(kind: PrincipalKind, o: &Map<String, Value>, at: Origin) -> Option<Principal> {
    // `objectId` in the AAD Graph objects of Azure CLI 2.36 and older.
    let object_id = str_of(o, "id")
        .or_else(|| str_of(o, "objectId"))
        .filter(|id| !id.is_empty())?
        .to_string();
    let display_name = str_of(o, "displayName").map(str::to_string);
    let name = match kind {
        PrincipalKind::User => str_of(o, "userPrincipalName")
            .map(str::to_string)
            .or_else(|| display_name.clone()),
        _ => display_name.clone(),
    }
    .unwrap_or_else(|| object_id.clone());
    // `az ad user list` prints userType and accountEnabled only when asked for them with
    // Graph's $select; a guest's UPN always carries #EXT#.
    let guest = match str_of(o, "userType") {
        Some(t) => Some(t.eq_ignore_ascii_case("Guest")),
        None if kind == PrincipalKind::User => Some(name.contains("#EXT#")),
        None => None,
    };
    Some(Principal {
        kind,
        object_id,
        name,
        display_name,
        guest,
        enabled: o.get("accountEnabled").and_then(Value::as_bool),
        security_enabled: o.get("securityEnabled").and_then(Value::as_bool),
        mail_enabled: o.get("mailEnabled").and_then(Value::as_bool),
        from_assignment: false,
        origin: at,
    })
}

fn add_entity(inv: &mut Inventory, o: &Map<String, Value>, at: Origin) {
    let Some(name) = str_of(o, "name") else {
        inv.note(at, NoteKind::Skipped, "entity has no `name`");
        return;
    };
    let parent = o
        .get("parent")
        .and_then(Value::as_object)
        .and_then(|p| str_of(p, "id"))
        .and_then(management_group_of)
        .map(str::to_string);
    let display_name = str_of(o, "displayName").map(str::to_string);
    let ty = str_of(o, "type").unwrap_or("");
    if ty.to_ascii_lowercase().ends_with("subscriptions") {
        merge_subscription(
            inv,
            Subscription {
                id: name.to_string(),
                name: display_name.unwrap_or_else(|| name.to_string()),
                parent,
                tenant_id: str_of(o, "tenantId").map(str::to_string),
                origin: at,
            },
        );
    } else {
        let mg = ManagementGroup {
            name: name.to_string(),
            display_name,
            parent,
            tenant_id: str_of(o, "tenantId").map(str::to_string),
            origin: at,
        };
        add_management_group(inv, mg);
    }
}

pub(super) fn add_management_group(inv: &mut Inventory, mg: ManagementGroup) {
    Inventory::merge(
        &mut inv.management_groups,
        &mut inv.notes,
        mg.name.to_ascii_lowercase(),
        mg,
        |a, b| {
            a.parent.as_deref().map(str::to_ascii_lowercase)
                == b.parent.as_deref().map(str::to_ascii_lowercase)
        },
        |m| &m.origin,
        "management group",
    );
}

/// `az account management-group show --expand --recurse`: the group and, recursively, its
/// children (groups and subscriptions). Walked with an explicit stack: a hostile file could
/// nest deeper than any real hierarchy.
pub fn add_hierarchy(inv: &mut Inventory, root: &Map<String, Value>, file: &str) {
    let root_parent = root
        .get("details")
        .and_then(Value::as_object)
        .and_then(|d| d.get("parent"))
        .and_then(Value::as_object)
        .and_then(|p| str_of(p, "name"))
        .map(str::to_string);
    let mut stack: Vec<(&Map<String, Value>, Option<String>, String)> =
        vec![(root, root_parent, "$".to_string())];
    while let Some((o, parent, path)) = stack.pop() {
        let at = origin(file, path.clone());
        let Some(name) = str_of(o, "name") else {
            inv.note(at, NoteKind::Skipped, "hierarchy node has no `name`");
            continue;
        };
        let id = str_of(o, "id").unwrap_or("");
        let is_subscription = id.to_ascii_lowercase().starts_with("/subscriptions/")
            || str_of(o, "type")
                .is_some_and(|t| t.to_ascii_lowercase().ends_with("/subscriptions"));
        let display_name = str_of(o, "displayName").map(str::to_string);
        if is_subscription {
            let sub_id = subscription_of(id).unwrap_or_else(|| name.to_ascii_lowercase());
            merge_subscription(
                inv,
                Subscription {
                    id: sub_id,
                    name: display_name.unwrap_or_else(|| name.to_string()),
                    parent,
                    tenant_id: None,
                    origin: at,
                },
            );
            continue;
        }
        add_management_group(
            inv,
            ManagementGroup {
                name: name.to_string(),
                display_name,
                parent,
                tenant_id: str_of(o, "tenantId").map(str::to_string),
                origin: at,
            },
        );
        if let Some(Value::Array(children)) = o.get("children") {
            for (i, c) in children.iter().enumerate().rev() {
                match c.as_object() {
                    Some(c) => {
                        stack.push((c, Some(name.to_string()), format!("{path}.children[{i}]")))
                    }
                    None => inv.note(
                        origin(file, format!("{path}.children[{i}]")),
                        NoteKind::Skipped,
                        "a child that is not an object",
                    ),
                }
            }
        }
    }
}

pub(super) fn add_resource(inv: &mut Inventory, o: &Map<String, Value>, at: Origin) {
    let (Some(id), Some(ty)) = (str_of(o, "id"), str_of(o, "type")) else {
        inv.note(at, NoteKind::Skipped, "resource without `id` or `type`");
        return;
    };
    // /subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{type}/{name}...]
    let parts: Vec<&str> = id.split('/').collect();
    let lower: Vec<String> = parts.iter().map(|p| p.to_ascii_lowercase()).collect();
    let (Some(rg_at), Some(providers_at)) = (
        lower.iter().position(|p| p == "resourcegroups"),
        lower.iter().position(|p| p == "providers"),
    ) else {
        inv.note(
            at,
            NoteKind::Skipped,
            format!("`{id}` is not a resource ID"),
        );
        return;
    };
    let Some(sub) = subscription_of(id) else {
        inv.note(
            at,
            NoteKind::Skipped,
            format!("`{id}` names no subscription"),
        );
        return;
    };
    let rg = parts.get(rg_at + 1).copied().unwrap_or("");
    // After the namespace: type, name, type, name, ... ; the names joined are the resource's.
    let tail = &parts[(providers_at + 2).min(parts.len())..];
    let names: Vec<&str> = tail.iter().skip(1).step_by(2).copied().collect();
    if rg.is_empty() || names.is_empty() {
        inv.note(
            at,
            NoteKind::Skipped,
            format!("`{id}` is not a resource ID"),
        );
        return;
    }
    let r = Resource {
        resource_group: rg.to_string(),
        name: names.join("/"),
        resource_type: ty.to_string(),
        location: str_of(o, "location").map(str::to_string),
        tags: tags(o.get("tags")),
    };
    inv.resources
        .entry(id.to_ascii_lowercase())
        .or_insert((sub, r));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_parts() {
        assert_eq!(
            subscription_of("/subscriptions/ABC/resourceGroups/x").as_deref(),
            Some("abc")
        );
        assert_eq!(
            management_group_of("/providers/Microsoft.Management/managementGroups/Corp"),
            Some("Corp")
        );
        assert_eq!(management_group_of("/subscriptions/x"), None);
        assert_eq!(
            scope_of_id("/subscriptions/s/providers/Microsoft.Authorization/policyExemptions/e"),
            "/subscriptions/s"
        );
        assert_eq!(
            scope_of_id("/providers/Microsoft.Authorization/policyAssignments/a"),
            "/"
        );
    }
}
