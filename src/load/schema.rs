//! The tree format: every kind, its fields and their types, as one table.
//!
//! The converter (`kinds`) reads documents against this table, `canopy rules`-style docs and
//! the JSON Schemas in `schemas/` are generated from it, and a test keeps the committed
//! schemas equal to what this table generates.

/// The type of a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// Any scalar, read as text (`name: 007` is the name "007").
    Str,
    Bool,
    /// A GUID such as `acdd72a7-3385-48ef-bd42-f606fba81ae7`.
    Guid,
    /// An RFC 3339 timestamp such as `2026-12-31T00:00:00Z`.
    DateTime,
    /// One of these words, compared case-insensitively as Azure does.
    Enum(&'static [&'static str]),
    /// A list of strings.
    StrList,
    /// A mapping of tag names to string values.
    Tags,
    /// A list of mappings with these fields.
    Objects(&'static [Field]),
    /// A list whose items are principal names, or selector mappings with these fields.
    Principals(&'static [Field]),
    /// Any YAML value (policy rules, parameter values), kept as a spanned node tree.
    Any,
}

/// One field of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    pub doc: &'static str,
}

const fn req(name: &'static str, ty: Ty, doc: &'static str) -> Field {
    Field {
        name,
        ty,
        required: true,
        doc,
    }
}

const fn opt(name: &'static str, ty: Ty, doc: &'static str) -> Field {
    Field {
        name,
        ty,
        required: false,
        doc,
    }
}

/// One document kind.
#[derive(Debug)]
pub struct KindSpec {
    pub kind: &'static str,
    pub doc: &'static str,
    pub fields: &'static [Field],
}

impl KindSpec {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

const KIND: Field = req("kind", Ty::Str, "The kind of this document.");

pub const RESOURCE_FIELDS: &[Field] = &[
    req("name", Ty::Str, "The resource's name."),
    req(
        "type",
        Ty::Str,
        "The resource type, `{namespace}/{type}`, such as `Microsoft.Compute/virtualMachines`.",
    ),
    opt("location", Ty::Str, "The Azure region, such as `westus`."),
    opt("tags", Ty::Tags, "Tag names and values."),
];

pub const RESOURCE_GROUP_FIELDS: &[Field] = &[
    req("name", Ty::Str, "The resource group's name."),
    opt("location", Ty::Str, "The Azure region, such as `westus`."),
    opt("tags", Ty::Tags, "Tag names and values."),
    opt(
        "resources",
        Ty::Objects(RESOURCE_FIELDS),
        "Resources in this resource group.",
    ),
];

pub const USER_TYPES: &[&str] = &["Member", "Guest"];
pub const EXEMPTION_CATEGORIES: &[&str] = &["Waiver", "Mitigated"];
pub const ENFORCEMENT_MODES: &[&str] = &["Default", "DoNotEnforce"];
pub const POLICY_MODES: &[&str] = &["All", "Indexed"];
pub const ASSIGNMENT_TYPES: &[&str] = &["Active", "Eligible"];
pub const RULE_EXPECTATIONS: &[&str] = &["deny", "allow"];
pub const RULE_SEVERITIES: &[&str] = &["error", "warning"];
pub const PRINCIPAL_TYPES: &[&str] = &["User", "Group", "ServicePrincipal", "Guest"];

/// A selector of principals in an AccessRule: every principal matching all its fields.
pub const SELECTOR_FIELDS: &[Field] = &[
    opt(
        "type",
        Ty::Enum(PRINCIPAL_TYPES),
        "`User` (members and guests), `Guest` (users with userType Guest), `Group` or `ServicePrincipal`.",
    ),
    opt(
        "memberOf",
        Ty::Str,
        "A group: its members, transitively through nested groups (not the group itself). Without `type`, its users and service principals.",
    ),
];

pub static KINDS: &[KindSpec] = &[
    KindSpec {
        kind: "ManagementGroup",
        doc: "A management group. Exactly one group has no parent: the tenant's root group.",
        fields: &[
            KIND,
            req(
                "name",
                Ty::Str,
                "The group's Azure name (its ID). The root group's name is the tenant ID.",
            ),
            opt("displayName", Ty::Str, "The name shown in the portal."),
            opt(
                "parent",
                Ty::Str,
                "The parent group's name. Omitted only on the root group.",
            ),
        ],
    },
    KindSpec {
        kind: "Subscription",
        doc: "A subscription, with its resource groups and resources.",
        fields: &[
            KIND,
            req(
                "name",
                Ty::Str,
                "The subscription's name, used in scopes as `/subscriptions/{name}`.",
            ),
            opt(
                "id",
                Ty::Guid,
                "The subscription ID; scopes may use it instead of the name.",
            ),
            opt(
                "parent",
                Ty::Str,
                "The management group it sits in; omitted means the root group, where Azure places new subscriptions.",
            ),
            opt(
                "resourceGroups",
                Ty::Objects(RESOURCE_GROUP_FIELDS),
                "The subscription's resource groups.",
            ),
            opt(
                "coAdministrators",
                Ty::StrList,
                "Classic subscription co-administrators, by name or object ID: each has Owner at the subscription.",
            ),
        ],
    },
    KindSpec {
        kind: "User",
        doc: "A Microsoft Entra user.",
        fields: &[
            KIND,
            req(
                "name",
                Ty::Str,
                "The handle used in references: a UPN or mail address.",
            ),
            opt(
                "objectId",
                Ty::Guid,
                "The user's object ID; references may use it instead of the name.",
            ),
            opt("displayName", Ty::Str, "The name shown in the portal."),
            opt(
                "userType",
                Ty::Enum(USER_TYPES),
                "`Member` (default) or `Guest` (an invited external user).",
            ),
            opt(
                "enabled",
                Ty::Bool,
                "Whether the account can sign in (default true). A disabled account gets no access.",
            ),
        ],
    },
    KindSpec {
        kind: "Group",
        doc: "A Microsoft Entra group. Membership is transitive through nested groups.",
        fields: &[
            KIND,
            req("name", Ty::Str, "The handle used in references."),
            opt("objectId", Ty::Guid, "The group's object ID."),
            opt("displayName", Ty::Str, "The name shown in the portal."),
            opt(
                "securityEnabled",
                Ty::Bool,
                "Whether this is a security group (default true). Only security groups can be assigned roles.",
            ),
            opt(
                "mailEnabled",
                Ty::Bool,
                "Whether the group has a mailbox (default false). Mail-enabled and not security-enabled is a distribution list.",
            ),
            opt(
                "members",
                Ty::StrList,
                "Users, service principals and groups in this group, by name or object ID.",
            ),
        ],
    },
    KindSpec {
        kind: "ServicePrincipal",
        doc: "A service principal (an application's or managed identity's identity in the tenant).",
        fields: &[
            KIND,
            req("name", Ty::Str, "The handle used in references."),
            opt("objectId", Ty::Guid, "The service principal's object ID."),
            opt("displayName", Ty::Str, "The name shown in the portal."),
            opt(
                "enabled",
                Ty::Bool,
                "Whether it can sign in (default true). A disabled service principal gets no access.",
            ),
        ],
    },
    KindSpec {
        kind: "RoleDefinition",
        doc: "A custom role definition.",
        fields: &[
            KIND,
            req(
                "name",
                Ty::Str,
                "The role's name (Azure's roleName); must not be a built-in role's name.",
            ),
            opt(
                "id",
                Ty::Guid,
                "The role's GUID; must not be a built-in role's GUID.",
            ),
            opt("description", Ty::Str, "What the role is for."),
            req(
                "actions",
                Ty::StrList,
                "Control-plane operations the role grants; `*` is a wildcard.",
            ),
            opt(
                "notActions",
                Ty::StrList,
                "Operations subtracted from this role's own actions (not a deny).",
            ),
            opt(
                "dataActions",
                Ty::StrList,
                "Data-plane operations the role grants.",
            ),
            opt(
                "notDataActions",
                Ty::StrList,
                "Data operations subtracted from this role's own dataActions.",
            ),
            req(
                "assignableScopes",
                Ty::StrList,
                "Scopes where the role may be assigned (it applies below them too).",
            ),
        ],
    },
    KindSpec {
        kind: "RoleAssignment",
        doc: "A role assignment: a principal holds a role at a scope and everything below it.",
        fields: &[
            KIND,
            req(
                "principal",
                Ty::Str,
                "A user, group or service principal, by name or object ID.",
            ),
            req(
                "role",
                Ty::Str,
                "A built-in or custom role, by name (case-insensitive) or GUID.",
            ),
            req(
                "scope",
                Ty::Str,
                "The Azure scope string the role is assigned at.",
            ),
            opt("description", Ty::Str, "Why the assignment exists."),
            opt(
                "condition",
                Ty::Str,
                "An ABAC condition limiting the assignment; canopy reports grants under it as conditional.",
            ),
            opt(
                "conditionVersion",
                Ty::Str,
                "The condition language version, such as `2.0`.",
            ),
            opt(
                "type",
                Ty::Enum(ASSIGNMENT_TYPES),
                "`Active` (default) or `Eligible` (Privileged Identity Management: grants nothing until activated).",
            ),
            opt(
                "endDateTime",
                Ty::DateTime,
                "When the assignment ends (RFC 3339); after it, it grants nothing.",
            ),
        ],
    },
    KindSpec {
        kind: "DenyAssignment",
        doc: "A deny assignment: the principals may not perform the actions at the scope (and below, unless doNotApplyToChildScopes). A matching deny wins over any grant.",
        fields: &[
            KIND,
            opt("name", Ty::Str, "The deny assignment's name."),
            req("scope", Ty::Str, "The Azure scope string it applies at."),
            req(
                "principals",
                Ty::StrList,
                "Users, groups and service principals denied, by name or object ID; `Everyone` denies all principals.",
            ),
            opt(
                "excludePrincipals",
                Ty::StrList,
                "Principals the deny does not apply to.",
            ),
            opt(
                "actions",
                Ty::StrList,
                "Control-plane operations denied; `*` is a wildcard.",
            ),
            opt(
                "notActions",
                Ty::StrList,
                "Operations excluded from this deny's actions.",
            ),
            opt("dataActions", Ty::StrList, "Data-plane operations denied."),
            opt(
                "notDataActions",
                Ty::StrList,
                "Data operations excluded from this deny's dataActions.",
            ),
            opt(
                "doNotApplyToChildScopes",
                Ty::Bool,
                "If true, the deny applies at the scope only, not below it (default false).",
            ),
            opt("description", Ty::Str, "Why the deny exists."),
        ],
    },
    KindSpec {
        kind: "PolicyDefinition",
        doc: "A custom Azure Policy definition, in Azure's own shape.",
        fields: &[
            KIND,
            req("name", Ty::Str, "The definition's name."),
            opt(
                "displayName",
                Ty::Str,
                "The name shown in the portal; assignments may use it.",
            ),
            opt(
                "id",
                Ty::Guid,
                "The definition's GUID; assignments may use it.",
            ),
            opt("description", Ty::Str, "What the policy is for."),
            opt(
                "mode",
                Ty::Enum(POLICY_MODES),
                "`All` or `Indexed`. Omitted means `Indexed`, as Azure's REST API and CLI treat a missing mode (the portal always writes `All`).",
            ),
            opt(
                "parameters",
                Ty::Any,
                "Parameter declarations, as in Azure: `{name: {type, defaultValue, allowedValues, metadata}}`.",
            ),
            req(
                "policyRule",
                Ty::Any,
                "The rule, as in Azure: `{if: <condition>, then: {effect: ...}}`.",
            ),
            opt(
                "metadata",
                Ty::Any,
                "Azure's free-form metadata (category, version, ...); kept, not evaluated.",
            ),
            opt(
                "policyType",
                Ty::Str,
                "As Azure exports it (`Custom`, `BuiltIn`, `Static`); informational.",
            ),
            opt(
                "version",
                Ty::Str,
                "The definition's version, such as `1.1.0`; informational.",
            ),
            opt(
                "versions",
                Ty::StrList,
                "The versions Azure lists for a built-in definition; informational.",
            ),
        ],
    },
    KindSpec {
        kind: "PolicyAssignment",
        doc: "A policy assignment: the definition applies at the scope and below it, except notScopes.",
        fields: &[
            KIND,
            req(
                "name",
                Ty::Str,
                "The assignment's name, unique at its scope.",
            ),
            opt("displayName", Ty::Str, "The name shown in the portal."),
            req(
                "scope",
                Ty::Str,
                "The Azure scope string the policy is assigned at.",
            ),
            req(
                "policy",
                Ty::Str,
                "The policy definition, by name, displayName or GUID.",
            ),
            opt(
                "parameters",
                Ty::Any,
                "Parameter values: plain (`listOfAllowedLocations: [westus]`) or Azure's `{value: ...}` wrapping.",
            ),
            opt(
                "notScopes",
                Ty::StrList,
                "Scopes below `scope` that are excluded.",
            ),
            opt(
                "enforcementMode",
                Ty::Enum(ENFORCEMENT_MODES),
                "`Default` or `DoNotEnforce` (evaluated and reported, not enforced).",
            ),
            opt("description", Ty::Str, "Why the assignment exists."),
        ],
    },
    KindSpec {
        kind: "PolicyExemption",
        doc: "A policy exemption: the assignment does not apply at the scope and below it.",
        fields: &[
            KIND,
            req("name", Ty::Str, "The exemption's name."),
            opt("displayName", Ty::Str, "The name shown in the portal."),
            req(
                "policyAssignment",
                Ty::Str,
                "The policy assignment exempted, by name or full ID.",
            ),
            req(
                "scope",
                Ty::Str,
                "The scope exempted (at or below the assignment's scope).",
            ),
            req(
                "category",
                Ty::Enum(EXEMPTION_CATEGORIES),
                "`Waiver` or `Mitigated`.",
            ),
            opt(
                "expiresOn",
                Ty::DateTime,
                "When the exemption ends (RFC 3339).",
            ),
            opt("description", Ty::Str, "Why the exemption exists."),
        ],
    },
    KindSpec {
        kind: "AccessRule",
        doc: "An organisation's own rule on effective access, checked by `canopy check`: nobody matching may have the access (`expect: deny`), or everybody matching must keep it (`expect: allow`).",
        fields: &[
            KIND,
            req("name", Ty::Str, "The rule's name, unique in the tree."),
            opt("description", Ty::Str, "Why the rule exists."),
            req(
                "expect",
                Ty::Enum(RULE_EXPECTATIONS),
                "`deny`: nobody matching may have the access; `allow`: everybody matching must keep it.",
            ),
            req(
                "principals",
                Ty::Principals(SELECTOR_FIELDS),
                "Who the rule is about: principal names (or object IDs), or selectors such as `{type: Guest}` or `{memberOf: platform-admins}`.",
            ),
            opt(
                "except",
                Ty::Principals(SELECTOR_FIELDS),
                "Principals the rule does not apply to, in the same form as `principals`.",
            ),
            opt(
                "actions",
                Ty::StrList,
                "Control-plane operation patterns, matched as role definitions match them (`*` is a wildcard).",
            ),
            opt("dataActions", Ty::StrList, "Data-plane operation patterns."),
            opt(
                "roles",
                Ty::StrList,
                "Roles, built-in or custom, by name or GUID: holding one is the access.",
            ),
            req(
                "scopes",
                Ty::StrList,
                "Scopes, each meaning that scope and everything below it; `/` is the whole tenant.",
            ),
            opt(
                "message",
                Ty::Str,
                "What a finding says, such as \"guests never hold write access\".",
            ),
            opt(
                "severity",
                Ty::Enum(RULE_SEVERITIES),
                "`error` (default) or `warning`.",
            ),
        ],
    },
];

/// The spec of a kind, by its exact name.
pub fn kind_spec(kind: &str) -> Option<&'static KindSpec> {
    KINDS.iter().find(|k| k.kind == kind)
}

thread_local! {
    /// Candidates `suggest` may still look at on this thread; `usize::MAX` means no limit.
    static SUGGESTION_BUDGET: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

/// Runs `f` with a limit on the work all `suggest` calls inside it may do (a candidate looked
/// at costs 1, an edit distance computed costs 20). Resolving a tree where a principals file
/// failed to parse can produce thousands of unknown references, each compared against every
/// principal; hints are worth little past a point, and the run must stay fast.
pub fn with_suggestion_budget<R>(budget: usize, f: impl FnOnce() -> R) -> R {
    let before = SUGGESTION_BUDGET.with(|b| b.replace(budget));
    let r = f();
    SUGGESTION_BUDGET.with(|b| b.set(before));
    r
}

/// The closest of `candidates` to `word`, for "did you mean" hints: same word in another case,
/// or within a small edit distance (a quarter of its length, at least 2).
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    const DISTANCE_COST: usize = 20;
    let lower = word.to_lowercase();
    let word_chars = lower.chars().count();
    let max_dist = 2.max(word_chars / 4);
    let mut best: Option<(usize, &'a str)> = None;
    let mut left = SUGGESTION_BUDGET.with(|b| b.get());
    for c in candidates {
        if left < DISTANCE_COST {
            break;
        }
        left -= 1;
        if c.eq_ignore_ascii_case(word) {
            best = Some((0, c));
            break;
        }
        // An edit distance within `max_dist` needs lengths within it (bytes bound chars by 4).
        if c.len().abs_diff(lower.len()) > max_dist * 4
            || c.chars().count().abs_diff(word_chars) > max_dist
        {
            continue;
        }
        left -= DISTANCE_COST;
        let dist = strsim::osa_distance(&lower, &c.to_lowercase());
        if dist <= max_dist && best.is_none_or(|(d, _)| dist < d) {
            best = Some((dist, c));
        }
    }
    SUGGESTION_BUDGET.with(|b| {
        if b.get() != usize::MAX {
            b.set(left);
        }
    });
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names() {
        let fields = ["name", "displayName", "parent"];
        assert_eq!(suggest("parnet", fields), Some("parent"));
        assert_eq!(suggest("Parent", fields), Some("parent"));
        assert_eq!(suggest("displayname", fields), Some("displayName"));
        assert_eq!(suggest("colour", fields), None);
    }

    #[test]
    fn every_kind_has_kind_and_a_required_field() {
        for k in KINDS {
            assert_eq!(k.fields[0].name, "kind");
            assert!(k.fields.iter().skip(1).any(|f| f.required), "{}", k.kind);
        }
    }
}
