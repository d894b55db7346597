//! The resolved tenant: every object in an arena, every reference resolved to an index once,
//! so that checks and evaluation never look names up in hot loops.

mod principal_index;
mod resolve;
pub mod scope;
mod words;

pub use resolve::resolve;
pub use scope::{ScopeId, ScopeKind, ScopeTree};
pub use words::{SpannedWord, Word};

use crate::builtin::BuiltinRole;
use crate::load::kinds::PrincipalKind;
use crate::source::{Span, Spanned, Text};

macro_rules! ids {
    ($($name:ident),*) => {$(
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize { self.0 as usize }
        }
    )*};
}
ids!(
    MgId,
    SubId,
    RgId,
    ResId,
    PrincipalId,
    RoleId,
    AssignmentId,
    DenyId,
    PolicyDefId,
    PolicyAssignmentId,
    ExemptionId
);

#[derive(Debug, Clone)]
pub struct ManagementGroup {
    pub name: Text,
    pub display_name: Option<Text>,
    /// The `parent` value as written; `None` on the root group.
    pub parent_ref: Option<Text>,
    /// The resolved parent, when it names a declared group.
    pub parent: Option<MgId>,
    pub scope: ScopeId,
    /// Levels below the root group (root = 0); `None` when the group does not reach the root
    /// (its parent chain is broken or loops).
    pub level: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub name: Text,
    /// The subscription ID, lowercase.
    pub id: Option<Text>,
    pub parent_ref: Option<Text>,
    /// The group it sits in: its `parent`, or the root group when omitted.
    pub parent: Option<MgId>,
    pub scope: ScopeId,
    pub resource_groups: Vec<RgId>,
    /// Classic co-administrators: Owner at this subscription.
    pub co_administrators: Vec<(Text, PrincipalId)>,
}

#[derive(Debug, Clone)]
pub struct ResourceGroup {
    pub subscription: SubId,
    pub name: Text,
    pub location: Option<Text>,
    /// Boxed, not a `Vec`: never grown once read, and 8 bytes smaller.
    pub tags: Box<[(Text, Text)]>,
    pub scope: ScopeId,
    pub resources: Vec<ResId>,
    /// Its resources by type and name, case-insensitively: each one's
    /// [`scope::by_name_key`] and place in `resources`, sorted, a match confirmed against the
    /// resource itself (see [`crate::fold`]). Made when its subscription's resources are
    /// prepared, in parallel; one index for the tenant was a cache miss per resource in the
    /// serial pass that adds them, a fifth of it at Azure's limits.
    pub(crate) by_name: Box<[(u32, u32)]>,
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub resource_group: RgId,
    pub name: Text,
    /// Spelled by [`Tenant::word`], as the location is.
    pub resource_type: SpannedWord,
    pub location: Option<SpannedWord>,
    /// Boxed, not a `Vec`: never grown once read, and 8 bytes smaller, 4.5 MB at Azure's
    /// limits (557,000 resources).
    pub tags: Box<[(Text, Text)]>,
    pub scope: ScopeId,
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub name: Text,
    pub object_id: Option<Text>,
    pub display_name: Option<Text>,
    pub guest: bool,
    pub enabled: Spanned<bool>,
    pub security_enabled: Spanned<bool>,
    pub mail_enabled: Spanned<bool>,
    /// Direct members that resolved (groups only).
    pub members: Vec<(Text, PrincipalId)>,
}

impl Principal {
    /// A mail-enabled group that is not security-enabled: Azure cannot assign it roles.
    pub fn is_distribution_list(&self) -> bool {
        self.kind == PrincipalKind::Group && !self.security_enabled.value
    }
}

#[derive(Debug, Clone)]
pub struct CustomRole {
    pub name: Text,
    pub id: Option<Text>,
    pub description: Option<Text>,
    pub actions: Vec<Text>,
    pub not_actions: Vec<Text>,
    pub data_actions: Vec<Text>,
    pub not_data_actions: Vec<Text>,
    /// Each assignable scope as written, with the scope it names when that exists in the tree.
    pub assignable_scopes: Vec<(Text, Option<ScopeId>)>,
}

/// A role an assignment names: one of Azure's built-in roles or a custom role of the tree.
#[derive(Debug, Clone, Copy)]
pub enum RoleRef {
    BuiltIn(&'static BuiltinRole),
    Custom(RoleId),
}

impl RoleRef {
    /// A stable identity for comparing roles, in one word: the built-in role's address in the
    /// catalogue (even, since a `BuiltinRole` is word-aligned), or the custom role's id shifted
    /// and marked odd.
    pub fn key(&self) -> u64 {
        match self {
            RoleRef::BuiltIn(r) => *r as *const BuiltinRole as u64,
            RoleRef::Custom(id) => (u64::from(id.0) << 1) | 1,
        }
    }
}

impl PartialEq for RoleRef {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for RoleRef {}

#[derive(Debug, Clone)]
pub struct RoleAssignment {
    pub principal_ref: Text,
    pub role_ref: Text,
    pub scope_ref: Text,
    pub description: Option<Text>,
    pub principal: PrincipalId,
    pub role: RoleRef,
    pub scope: ScopeId,
    /// Privileged Identity Management: eligible assignments grant nothing until activated.
    pub eligible: bool,
    /// The fields few assignments set, boxed: inline they were 104 of each assignment's 264
    /// bytes, 20 MB at Azure's limits. Read them through the accessors below.
    pub rare: Option<Box<RareAssignmentFields>>,
}

pub use crate::load::kinds::RareAssignmentFields;

impl RoleAssignment {
    /// An ABAC condition on the assignment: what it grants is conditional.
    pub fn condition(&self) -> Option<&Text> {
        self.rare.as_ref()?.condition.as_ref()
    }
    pub fn condition_version(&self) -> Option<&Text> {
        self.rare.as_ref()?.condition_version.as_ref()
    }
    /// When the assignment ends, if it does (`endDateTime`).
    pub fn end_date_time(&self) -> Option<&Spanned<jiff::Timestamp>> {
        self.rare.as_ref()?.end_date_time.as_ref()
    }
}

/// Who a deny assignment applies to.
#[derive(Debug, Clone)]
pub enum DenyPrincipals {
    /// Azure's `Everyone` (the all-zero object ID): every principal.
    Everyone,
    Listed(Vec<(Text, PrincipalId)>),
}

#[derive(Debug, Clone)]
pub struct DenyAssignment {
    pub name: Option<Text>,
    pub scope_ref: Text,
    pub scope: ScopeId,
    pub principals: DenyPrincipals,
    pub exclude_principals: Vec<(Text, PrincipalId)>,
    pub actions: Vec<Text>,
    pub not_actions: Vec<Text>,
    pub data_actions: Vec<Text>,
    pub not_data_actions: Vec<Text>,
    pub do_not_apply_to_child_scopes: bool,
    pub description: Option<Text>,
}

#[derive(Debug, Clone)]
pub struct PolicyDefinition {
    /// One of Azure's built-in definitions canopy ships, rather than one of the tree's.
    pub builtin: bool,
    pub name: Text,
    pub display_name: Option<Text>,
    pub id: Option<Text>,
    pub description: Option<Text>,
    pub mode: Option<Text>,
    pub parameters: Option<crate::load::yaml::Node<'static>>,
    pub policy_rule: crate::load::yaml::Node<'static>,
}

#[derive(Debug, Clone)]
pub struct PolicyAssignment {
    pub name: Text,
    pub display_name: Option<Text>,
    pub scope_ref: Text,
    pub policy_ref: Text,
    pub scope: ScopeId,
    pub policy: PolicyDefId,
    pub parameters: Vec<(Text, crate::load::yaml::Node<'static>)>,
    pub not_scopes: Vec<(Text, ScopeId)>,
    pub enforced: bool,
    pub description: Option<Text>,
}

#[derive(Debug, Clone)]
pub struct PolicyExemption {
    pub name: Text,
    pub display_name: Option<Text>,
    pub policy_assignment_ref: Text,
    pub scope_ref: Text,
    pub policy_assignment: PolicyAssignmentId,
    pub scope: ScopeId,
    pub category: Text,
    pub expires_on: Option<Spanned<jiff::Timestamp>>,
    pub description: Option<Text>,
}

/// A name as index keys hold it: lowercase. Borrowed when it already is (most names are:
/// e-mail addresses, GUIDs, scope segments), so lookups in hot loops do not allocate.
pub(crate) fn lowered(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() && !s.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.to_lowercase())
    }
}

/// The kinds of principal an AccessRule selector names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalType {
    /// Every user, members and guests alike (Azure's principalType `User`).
    User,
    /// Users whose userType is Guest.
    Guest,
    Group,
    ServicePrincipal,
}

impl PrincipalType {
    pub fn parse(word: &str) -> Option<PrincipalType> {
        match word {
            "User" => Some(PrincipalType::User),
            "Guest" => Some(PrincipalType::Guest),
            "Group" => Some(PrincipalType::Group),
            "ServicePrincipal" => Some(PrincipalType::ServicePrincipal),
            _ => None,
        }
    }

    pub fn matches(self, p: &Principal) -> bool {
        use crate::load::kinds::PrincipalKind as K;
        match self {
            PrincipalType::User => p.kind == K::User,
            PrincipalType::Guest => p.kind == K::User && p.guest,
            PrincipalType::Group => p.kind == K::Group,
            PrincipalType::ServicePrincipal => p.kind == K::ServicePrincipal,
        }
    }
}

/// Who an AccessRule is about.
#[derive(Debug, Clone)]
pub enum Selector {
    /// One principal, named.
    Principal(Text, PrincipalId),
    /// Every principal of the type (if given) that is a transitive member of the group (if
    /// given).
    Match {
        span: Span,
        kind: Option<Spanned<PrincipalType>>,
        member_of: Option<(Text, PrincipalId)>,
    },
}

impl Selector {
    pub fn span(&self) -> Span {
        match self {
            Selector::Principal(t, _) => t.span,
            Selector::Match { span, .. } => *span,
        }
    }
}

/// An organisation's own rule on effective access (`kind: AccessRule`).
#[derive(Debug, Clone)]
pub struct AccessRule {
    pub name: Text,
    pub description: Option<Text>,
    /// `expect: allow` (everybody matching must keep the access); else `deny`.
    pub expect_allow: bool,
    pub expect: Text,
    pub principals: Vec<Selector>,
    pub except: Vec<Selector>,
    pub actions: Vec<Text>,
    pub data_actions: Vec<Text>,
    pub roles: Vec<(Text, RoleRef)>,
    pub scopes: Vec<(Text, ScopeId)>,
    pub message: Option<Text>,
    pub severity: crate::diag::Severity,
}

/// The whole tenant, resolved.
#[derive(Debug, Default)]
pub struct Tenant {
    pub scopes: ScopeTree,
    pub management_groups: Vec<ManagementGroup>,
    pub subscriptions: Vec<Subscription>,
    pub resource_groups: Vec<ResourceGroup>,
    pub resources: Vec<Resource>,
    pub principals: Vec<Principal>,
    pub custom_roles: Vec<CustomRole>,
    pub role_assignments: Vec<RoleAssignment>,
    pub deny_assignments: Vec<DenyAssignment>,
    pub policy_definitions: Vec<PolicyDefinition>,
    pub policy_assignments: Vec<PolicyAssignment>,
    pub policy_exemptions: Vec<PolicyExemption>,
    pub access_rules: Vec<AccessRule>,
    /// Management groups without a parent, in declaration order. Azure requires exactly one.
    pub roots: Vec<MgId>,
    /// Parent loops among management groups, each listed from its first-declared member.
    pub cycles: Vec<Vec<MgId>>,
    /// Number of documents read.
    pub documents: usize,
    pub(crate) index: scope::ScopeIndex,
    /// Principals by name and by object ID, case-insensitively.
    pub(crate) principal_index: principal_index::PrincipalIndex,
    /// Custom roles by lowercase name and by GUID.
    pub(crate) role_index: rustc_hash::FxHashMap<Box<str>, RoleId>,
    /// Policy definitions by lowercase name, display name and GUID. `None` marks a display
    /// name shared by several definitions, which therefore cannot be referenced by it.
    pub(crate) policy_index: rustc_hash::FxHashMap<Box<str>, Option<PolicyDefId>>,
    /// Policy assignments by scope and lowercase name (names are unique per scope).
    pub(crate) policy_assignment_index:
        rustc_hash::FxHashMap<(ScopeId, Box<str>), PolicyAssignmentId>,
    /// Groups, role assignments and co-administered subscriptions per principal, built at the
    /// end of resolving: part of the loading, so one `canopy access check` question costs
    /// only its answer. [`Tenant::reindex`] rebuilds them after the lists are edited by hand.
    pub(crate) by_principal: ByPrincipalIndexes,
    /// Every scope's path, spelled once on first use by [`Tenant::scope_paths`] for callers that
    /// match or key by paths in bulk (the diff). Not kept otherwise: see [`ScopeTree`]. Never
    /// cleared: a tenant whose names are edited by hand afterwards must not use it.
    pub(crate) scope_paths: std::sync::OnceLock<Box<[Box<str>]>>,
    /// Resource types and locations, each spelled once.
    pub(crate) words: words::Words,
}

/// Items listed per row in one flat array (compressed rows), filled by counting: three
/// allocations instead of one vector per row.
#[derive(Debug, Clone, Default)]
pub struct Rows<T> {
    /// `items[starts[r]..starts[r + 1]]` are row r's, in the order they were given.
    starts: Vec<u32>,
    items: Vec<T>,
}

impl<T: Copy + Default> Rows<T> {
    /// `rows` rows holding the `(row, item)` pairs; the pairs are walked twice.
    pub(crate) fn new(rows: usize, pairs: impl Iterator<Item = (usize, T)> + Clone) -> Self {
        let mut starts = vec![0u32; rows + 1];
        for (r, _) in pairs.clone() {
            starts[r + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        let mut items = vec![T::default(); starts[rows] as usize];
        for (r, v) in pairs {
            items[next[r] as usize] = v;
            next[r] += 1;
        }
        Rows { starts, items }
    }
}

impl<T> Rows<T> {
    /// Row r's items; none for a row past the end.
    pub fn row(&self, r: usize) -> &[T] {
        match (self.starts.get(r), self.starts.get(r + 1)) {
            (Some(&a), Some(&b)) => &self.items[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Every row's items, one row after another.
    pub(crate) fn items(&self) -> &[T] {
        &self.items
    }

    /// The same rows with each item made into another by `f`, in parallel.
    pub(crate) fn par_map<U: Send>(&self, f: impl Fn(&T) -> U + Sync + Send) -> Rows<U>
    where
        T: Sync,
    {
        use rayon::prelude::*;
        Rows {
            starts: self.starts.clone(),
            items: self.items.par_iter().map(f).collect(),
        }
    }
}

/// Ids (of groups, assignments, subscriptions) listed per principal.
pub type ByPrincipal = Rows<u32>;

impl ByPrincipal {
    /// Principal p's ids; none for a principal the index has not seen.
    pub fn of(&self, p: PrincipalId) -> &[u32] {
        self.row(p.index())
    }
}

/// The per-principal indexes of a tenant.
#[derive(Debug, Default)]
pub struct ByPrincipalIndexes {
    /// The groups each principal is a direct member of.
    pub member_of: ByPrincipal,
    /// Role assignments made to each principal.
    pub assigned: ByPrincipal,
    /// Subscriptions each principal co-administers.
    pub co_administers: ByPrincipal,
}

impl ByPrincipalIndexes {
    fn new(t: &Tenant) -> Self {
        let n = t.principals.len();
        let member_of = ByPrincipal::new(
            n,
            t.principals.iter().enumerate().flat_map(|(g, group)| {
                group
                    .members
                    .iter()
                    .map(move |(_, m)| (m.index(), g as u32))
            }),
        );
        let assigned = ByPrincipal::new(
            n,
            t.role_assignments
                .iter()
                .enumerate()
                .map(|(i, a)| (a.principal.index(), i as u32)),
        );
        let co_administers = ByPrincipal::new(
            n,
            t.subscriptions.iter().enumerate().flat_map(|(i, s)| {
                s.co_administrators
                    .iter()
                    .map(move |(_, p)| (p.index(), i as u32))
            }),
        );
        ByPrincipalIndexes {
            member_of,
            assigned,
            co_administers,
        }
    }
}

impl Tenant {
    /// Rebuilds the per-principal indexes, after principals, members, role assignments or
    /// co-administrators were edited in place (tests do; resolving builds them itself).
    pub fn reindex(&mut self) {
        self.by_principal = ByPrincipalIndexes::new(self);
    }
    /// The root management group, when there is exactly one.
    pub fn root(&self) -> Option<MgId> {
        match self.roots.as_slice() {
            [r] => Some(*r),
            _ => None,
        }
    }
    pub fn mg(&self, id: MgId) -> &ManagementGroup {
        &self.management_groups[id.index()]
    }
    pub fn sub(&self, id: SubId) -> &Subscription {
        &self.subscriptions[id.index()]
    }
    pub fn principal(&self, id: PrincipalId) -> &Principal {
        &self.principals[id.index()]
    }
    pub fn custom_role(&self, id: RoleId) -> &CustomRole {
        &self.custom_roles[id.index()]
    }
    /// A resource type or location as the tree spells it.
    pub fn word(&self, w: Word) -> &str {
        self.words.get(w)
    }
    pub fn role_name(&self, role: RoleRef) -> &str {
        match role {
            RoleRef::BuiltIn(r) => r.name,
            RoleRef::Custom(id) => &self.custom_role(id).name.value,
        }
    }
    /// A principal by name or object ID, case-insensitively.
    pub fn find_principal(&self, name: &str) -> Option<PrincipalId> {
        self.principal_index.get(&self.principals, name)
    }

    /// A role by name (case-insensitive) or GUID: Azure's built-in roles first, then custom roles.
    pub fn find_role(&self, name: &str) -> Option<RoleRef> {
        crate::builtin::role_by_name(name)
            .or_else(|| crate::builtin::role_by_id(name))
            .map(RoleRef::BuiltIn)
            .or_else(|| {
                self.role_index
                    .get(&*lowered(name))
                    .map(|id| RoleRef::Custom(*id))
            })
    }

    /// The span where a scope is declared (its name), if it is declared in the tree.
    pub fn scope_span(&self, scope: ScopeId) -> Option<Span> {
        match self.scopes.kind(scope) {
            ScopeKind::Tenant => None,
            ScopeKind::ManagementGroup(id) => Some(self.mg(id).name.span),
            ScopeKind::Subscription(id) => Some(self.sub(id).name.span),
            ScopeKind::ResourceGroup(id) => Some(self.resource_groups[id.index()].name.span),
            ScopeKind::Resource(id) => Some(self.resources[id.index()].name.span),
        }
    }
}
