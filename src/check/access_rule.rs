//! `access-rule`: the organisation's own rules (`kind: AccessRule`), checked against effective
//! access as `canopy access` computes it (transitive groups, inheritance down the scope tree,
//! NotActions per permission block, deny assignments, disabled accounts, PIM and expiry).
//!
//! - `expect: deny`: every grant that gives a selected principal the access anywhere in the
//!   rule's scopes is a finding, at the role assignment that makes it, with the grant path.
//!   A grant made above a rule scope counts (it is inherited into it); one made below it
//!   counts too (the scope means "and everything below"). With `actions`, a grant counts when
//!   its role grants at least one operation matching a pattern there, and no deny
//!   assignment removes that operation where the grant reaches into the rule scope; the
//!   finding names that operation. Eligible (PIM) and expired assignments grant nothing, and
//!   disabled accounts get nothing, so they break no deny rule.
//! - `expect: allow`: every selected principal must hold each role, or be allowed every
//!   published operation matching each pattern, at each rule scope, and must not lose it
//!   below through a deny assignment. `/` means the whole tenant: the access is required at
//!   the root management group, from where it reaches everything.

use super::{Ctx, Rule};
use crate::access::{Access, Plane, role_grants};
use crate::builtin;
use crate::diag::{Code, Finding, Severity};
use crate::load::kinds::PrincipalKind;
use crate::model::{AccessRule, PrincipalId, RoleRef, ScopeId, ScopeKind, Selector, Tenant};
use crate::source::Span;
use rayon::prelude::*;
use std::collections::VecDeque;

pub const RULE: Rule = Rule {
    code: Code::AccessRule,
    severity: Severity::Error,
    configurable: false,
    summary: "effective access that breaks one of the tree's own AccessRule documents",
    explanation: "An AccessRule states what the organisation expects of effective access, beyond \
Azure's own limits: nobody matching may have some access (`expect: deny`, such as \"guests never \
hold write access\"), or everybody matching must keep it (`expect: allow`, such as \"the \
break-glass account keeps Owner at the root\"). canopy evaluates the rule as Azure evaluates \
access: through nested groups, down the scope tree, with NotActions subtracted per role, deny \
assignments winning, disabled accounts and eligible or expired assignments granting nothing. A \
deny finding is placed on the role assignment that grants the access, with the grant path; an \
allow finding on the rule's principal entry. The severity is the rule's own `severity` \
(default error).",
    fail: "kind: AccessRule\nname: guests-never-write\nexpect: deny\nprincipals: [{type: Guest}]\nactions: ['*/write']\nscopes: ['/']\n---\nkind: RoleAssignment\nprincipal: vendor@fabrikam.com   # a guest\nrole: Contributor\nscope: /subscriptions/corp-dev\n",
    pass: "kind: AccessRule\nname: guests-never-write\nexpect: deny\nprincipals: [{type: Guest}]\nactions: ['*/write']\nscopes: ['/']\n---\nkind: RoleAssignment\nprincipal: vendor@fabrikam.com   # a guest\nrole: Reader\nscope: /subscriptions/corp-dev\n",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    let t = cx.tenant;
    if t.access_rules.is_empty() {
        return;
    }
    let access = Access::new(t, cx.now);
    let found: Vec<Vec<Finding>> = t
        .access_rules
        .par_iter()
        .map(|rule| {
            let who = Who::new(t, rule);
            if rule.expect_allow {
                check_allow(t, &access, rule, &who)
            } else {
                check_deny(t, &access, rule, &who)
            }
        })
        .collect();
    out.extend(found.into_iter().flatten());
}

/// Which principals a rule selects: its selectors, with each `memberOf` group's transitive
/// members computed once.
struct Who<'r> {
    rule: &'r AccessRule,
    /// For each selector of `principals` then `except`, the members of its `memberOf` group.
    members: Vec<Option<Vec<bool>>>,
}

impl<'r> Who<'r> {
    fn new(t: &Tenant, rule: &'r AccessRule) -> Self {
        let members = rule
            .principals
            .iter()
            .chain(&rule.except)
            .map(|s| match s {
                Selector::Match {
                    member_of: Some((_, g)),
                    ..
                } => Some(members_of(t, *g)),
                _ => None,
            })
            .collect();
        Who { rule, members }
    }

    fn matches(&self, t: &Tenant, i: usize, s: &Selector, p: PrincipalId) -> bool {
        match s {
            Selector::Principal(_, id) => *id == p,
            // Without a `type`, a selector means people: users and service principals. A
            // group nested in a `memberOf` group is selected only by `type: Group`.
            Selector::Match { kind, .. } => {
                let principal = t.principal(p);
                let kind_ok = match kind {
                    Some(k) => k.value.matches(principal),
                    None => principal.kind != PrincipalKind::Group,
                };
                kind_ok && self.members[i].as_ref().is_none_or(|m| m[p.index()])
            }
        }
    }

    /// The selector that selects `p` (for the finding's place), unless an exception applies.
    fn select(&self, t: &Tenant, p: PrincipalId) -> Option<&'r Selector> {
        let n = self.rule.principals.len();
        let excepted = self
            .rule
            .except
            .iter()
            .enumerate()
            .any(|(i, s)| self.matches(t, n + i, s, p));
        if excepted {
            return None;
        }
        self.rule
            .principals
            .iter()
            .enumerate()
            .find(|(i, s)| self.matches(t, *i, s, p))
            .map(|(_, s)| s)
    }
}

/// Every principal inside a group, transitively (groups included, the group itself not,
/// unless a membership loop leads back to it).
fn members_of(t: &Tenant, group: PrincipalId) -> Vec<bool> {
    let mut inside = vec![false; t.principals.len()];
    let mut queue = VecDeque::from([group]);
    while let Some(g) = queue.pop_front() {
        for (_, m) in &t.principal(g).members {
            if !inside[m.index()] {
                inside[m.index()] = true;
                queue.push_back(*m);
            }
        }
    }
    inside
}

/// The assignee and every principal that holds its assignments through it: its transitive
/// members, groups included (a nested group holds what its parent group holds). Walked
/// breadth-first, so each path is a shortest one, with scratch space reused from one grant to
/// the next: a fresh "seen" vector per grant cost more than the rest of the rule.
struct Holders {
    /// The walk of the last grant: each principal with the index of the one it was reached
    /// from (itself for the assignee).
    walk: Vec<(PrincipalId, usize)>,
    /// `seen[p] == round` when p is in the current walk.
    seen: Vec<u32>,
    round: u32,
}

impl Holders {
    fn new(t: &Tenant) -> Self {
        Holders {
            walk: Vec::new(),
            seen: vec![0; t.principals.len()],
            round: 0,
        }
    }

    fn of(&mut self, t: &Tenant, assignee: PrincipalId) -> &[(PrincipalId, usize)] {
        self.round += 1;
        self.walk.clear();
        self.walk.push((assignee, 0));
        self.seen[assignee.index()] = self.round;
        let mut next = 0;
        while next < self.walk.len() {
            let (p, _) = self.walk[next];
            let principal = t.principal(p);
            if principal.kind == PrincipalKind::Group {
                for (_, m) in &principal.members {
                    if self.seen[m.index()] != self.round {
                        self.seen[m.index()] = self.round;
                        self.walk.push((*m, next));
                    }
                }
            }
            next += 1;
        }
        &self.walk
    }

    /// The path from the walk's `i`-th principal up to the assignee.
    fn path_up(&self, mut i: usize) -> Vec<PrincipalId> {
        let mut path = vec![self.walk[i].0];
        while i != 0 {
            i = self.walk[i].1;
            path.push(self.walk[i].0);
        }
        path
    }
}

/// Where a grant made at `granted` reaches into the rule scope `rule`: the deeper of the two
/// when one contains the other (inherited from above, or made below); `None` when apart.
fn reach(t: &Tenant, granted: ScopeId, rule: ScopeId) -> Option<ScopeId> {
    if t.scopes.contains(rule, granted) {
        Some(granted)
    } else if t.scopes.contains(granted, rule) {
        Some(rule)
    } else {
        None
    }
}

/// The operations a rule's patterns stand for, whatever the role, one group per pattern: a
/// pattern without a wildcard is itself; a wildcard pattern is every published operation of
/// its plane that it matches. Computed once per rule.
fn published_ops(rule: &AccessRule) -> Vec<Published<'_>> {
    let mut out = Vec::new();
    for (patterns, plane) in [
        (&rule.actions, Plane::Control),
        (&rule.data_actions, Plane::Data),
    ] {
        for p in patterns {
            let pattern = p.value.as_str();
            let ops = if !pattern.contains('*') {
                vec![(std::borrow::Cow::Borrowed(pattern), plane)]
            } else {
                let data = plane == Plane::Data;
                builtin::operations()
                    .iter()
                    .filter(|op| op.is_data_action == data)
                    .filter(|op| builtin::action_matches(pattern, op.name))
                    .map(|op| (std::borrow::Cow::Borrowed(op.name), plane))
                    .collect()
            };
            out.push(Published {
                pattern,
                plane,
                ops,
            });
        }
    }
    out
}

/// The operations one pattern of a rule stands for.
struct Published<'a> {
    pattern: &'a str,
    plane: Plane,
    ops: Vec<Op<'a>>,
}

/// Whether some operation could match both patterns: it would start with both literal
/// heads (text before the first `*`) and end with both tails (after the last `*`), so one
/// head must begin the other and one tail must end the other. Never false for patterns
/// that share an operation; lets a role whose actions are all `*/read` skip a `*/write`
/// rule's thousands of operations at once.
fn may_overlap(a: &str, b: &str) -> bool {
    fn parts(p: &str) -> (&[u8], &[u8]) {
        let p = p.as_bytes();
        match (
            p.iter().position(|&c| c == b'*'),
            p.iter().rposition(|&c| c == b'*'),
        ) {
            (Some(f), Some(l)) => (&p[..f], &p[l + 1..]),
            _ => (p, p),
        }
    }
    let ((ha, ta), (hb, tb)) = (parts(a), parts(b));
    let n = ha.len().min(hb.len());
    let m = ta.len().min(tb.len());
    ha[..n].eq_ignore_ascii_case(&hb[..n])
        && ta[ta.len() - m..].eq_ignore_ascii_case(&tb[tb.len() - m..])
}

/// A role's allow patterns of a plane (every block's).
fn allow_patterns(t: &Tenant, role: RoleRef, plane: Plane) -> Vec<&str> {
    match role {
        RoleRef::BuiltIn(r) => r
            .permissions
            .iter()
            .flat_map(|b| match plane {
                Plane::Control => b.actions,
                Plane::Data => b.data_actions,
            })
            .copied()
            .collect(),
        RoleRef::Custom(id) => {
            let r = t.custom_role(id);
            match plane {
                Plane::Control => &r.actions,
                Plane::Data => &r.data_actions,
            }
            .iter()
            .map(|a| a.value.as_str())
            .collect()
        }
    }
}

/// The operations a rule's patterns stand for with a role: the published ones, plus any
/// literal operation a custom role names that a wildcard pattern matches (custom roles may
/// name unpublished operations).
fn candidate_ops<'a>(
    t: &'a Tenant,
    rule: &'a AccessRule,
    published: &[Published<'a>],
    role: RoleRef,
) -> Vec<Op<'a>> {
    // Only the patterns some allow pattern of the role may overlap can hold what it grants.
    let mut out: Vec<Op<'a>> = Vec::new();
    for group in published {
        let allows = allow_patterns(t, role, group.plane);
        if allows.iter().any(|a| may_overlap(a, group.pattern)) {
            out.extend(group.ops.iter().cloned());
        }
    }
    let RoleRef::Custom(id) = role else {
        return out;
    };
    let r = t.custom_role(id);
    for (patterns, own, plane) in [
        (&rule.actions, &r.actions, Plane::Control),
        (&rule.data_actions, &r.data_actions, Plane::Data),
    ] {
        for p in patterns.iter().filter(|p| p.value.contains('*')) {
            out.extend(
                own.iter()
                    .filter(|a| !a.value.contains('*'))
                    .filter(|a| builtin::action_matches(&p.value, &a.value))
                    .map(|a| (std::borrow::Cow::Borrowed(a.value.as_str()), plane)),
            );
        }
    }
    out
}

/// An operation a rule stands for, and its plane.
type Op<'a> = (std::borrow::Cow<'a, str>, Plane);

/// The operations of the rule that a role grants, in the rule's order, with an index to
/// find those on a resource type quickly (computed once per role and rule).
struct RoleOps<'a> {
    ops: Vec<Op<'a>>,
    /// Indices into `ops`, sorted by lowercase name.
    sorted: Vec<usize>,
    lower: Vec<String>,
    /// The first of Microsoft's operations, which name a witness better than a partner's.
    first_microsoft: Option<usize>,
}

impl RoleOps<'_> {
    /// The order to try operations in as an example of what a grant allows at a scope whose
    /// resource types are `types` (lowercase): those on a type that is there first
    /// (`Microsoft.Web/sites/delete` says more than the first operation published), then
    /// Microsoft's first, then all in the rule's order. Lazy: usually the first one is taken.
    fn witnesses<'s>(&'s self, types: &'s [String]) -> impl Iterator<Item = usize> + 's {
        let on_types = types.iter().flat_map(move |ty| {
            let prefix = format!("{ty}/");
            let from = self
                .sorted
                .partition_point(|&i| self.lower[i].as_str() < prefix.as_str());
            self.sorted[from..]
                .iter()
                .copied()
                .take_while(move |&i| self.lower[i].starts_with(&prefix))
        });
        on_types
            .chain(self.first_microsoft)
            .chain(0..self.ops.len())
    }
}

struct Granted<'a> {
    t: &'a Tenant,
    rule: &'a AccessRule,
    published: Vec<Published<'a>>,
    cache: rustc_hash::FxHashMap<u64, RoleOps<'a>>,
}

impl<'a> Granted<'a> {
    fn ops(&mut self, role: RoleRef) -> &RoleOps<'a> {
        let (t, rule, published) = (self.t, self.rule, &self.published);
        self.cache.entry(role.key()).or_insert_with(|| {
            let ops: Vec<Op<'a>> = candidate_ops(t, rule, published, role)
                .into_iter()
                .filter(|(op, plane)| role_grants(t, role, op, *plane).is_some())
                .collect();
            let lower: Vec<String> = ops.iter().map(|(op, _)| op.to_ascii_lowercase()).collect();
            let mut sorted: Vec<usize> = (0..ops.len()).collect();
            sorted.sort_by(|&a, &b| lower[a].cmp(&lower[b]));
            let first_microsoft = lower.iter().position(|op| op.starts_with("microsoft."));
            RoleOps {
                ops,
                sorted,
                lower,
                first_microsoft,
            }
        })
    }
}

fn names(t: &Tenant, path: &[PrincipalId]) -> Vec<String> {
    path.iter()
        .map(|p| t.principal(*p).name.value.to_string())
        .collect()
}

fn who_is(t: &Tenant, p: PrincipalId) -> String {
    let principal = t.principal(p);
    let what = if principal.guest {
        "guest".to_string()
    } else {
        principal.kind.noun().to_string()
    };
    format!("{what} `{}`", principal.name.value)
}

/// A finding of a rule: what is so, then which rule that breaks and what the rule says.
fn finding(rule: &AccessRule, span: Span, label: &str, what: String) -> Finding {
    let said = rule
        .message
        .as_ref()
        .map(|m| format!(": {}", m.value))
        .unwrap_or_default();
    let verb = if rule.expect_allow {
        "requires otherwise"
    } else {
        "forbids"
    };
    let mut f = Finding::new(
        Code::AccessRule,
        span,
        label,
        format!(
            "{what}, which access rule `{}` {verb}{said}",
            rule.name.value
        ),
    )
    .related(rule.name.span, "the rule");
    f.severity = rule.severity;
    f
}

/// One grant to check against a deny rule: an assignment, or classic co-administration.
struct Grant {
    role: RoleRef,
    scope: ScopeId,
    assignee: PrincipalId,
    /// Where the finding goes: the assignment's `role`, or the co-administrator entry.
    span: Span,
    /// `assigned`, or `classic co-administrator`.
    what: &'static str,
    /// The assignment has an ABAC condition.
    conditional: bool,
}

fn grants(t: &Tenant, now: jiff::Timestamp) -> Vec<Grant> {
    let mut out: Vec<Grant> = t
        .role_assignments
        .iter()
        .filter(|a| !a.eligible && a.end_date_time().is_none_or(|e| e.value > now))
        .map(|a| Grant {
            role: a.role,
            scope: a.scope,
            assignee: a.principal,
            span: a.role_ref.span,
            what: "assigned",
            conditional: a.condition().is_some(),
        })
        .collect();
    for s in &t.subscriptions {
        for (text, p) in &s.co_administrators {
            out.push(Grant {
                role: RoleRef::BuiltIn(builtin::owner()),
                scope: s.scope,
                assignee: *p,
                span: text.span,
                what: "classic co-administrator",
                conditional: false,
            });
        }
    }
    out
}

fn check_deny(t: &Tenant, access: &Access, rule: &AccessRule, who: &Who) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut granted = Granted {
        t,
        rule,
        published: published_ops(rule),
        cache: Default::default(),
    };
    let by_actions = !rule.actions.is_empty() || !rule.data_actions.is_empty();
    let mut resource_types: rustc_hash::FxHashMap<ScopeId, Vec<String>> = Default::default();
    let mut holders = Holders::new(t);
    // (role, scopes reached, deny assignments naming the holder) → (operation, where).
    type WitnessKey = (u64, Vec<ScopeId>, Vec<usize>);
    type Witness = Option<((String, Plane), ScopeId)>;
    let mut witness_cache: rustc_hash::FxHashMap<WitnessKey, Witness> = Default::default();
    let selected: Vec<bool> = (0..t.principals.len() as u32)
        .map(|p| who.select(t, PrincipalId(p)).is_some())
        .collect();
    for g in grants(t, access.now()) {
        let role_named = rule.roles.iter().any(|(_, r)| *r == g.role);
        if !role_named && !by_actions {
            continue;
        }
        // Every rule scope the grant reaches: a deny assignment may take the access away in
        // one and leave it in another.
        let reaches: Vec<ScopeId> = rule
            .scopes
            .iter()
            .filter_map(|(_, s)| reach(t, g.scope, *s))
            .collect();
        if reaches.is_empty() {
            continue;
        }
        // Deny assignments matter only if one sits at, above or below a reached scope.
        let denies_near = reaches.iter().any(|&at| {
            t.deny_assignments
                .iter()
                .any(|d| t.scopes.contains(d.scope, at) || t.scopes.contains(at, d.scope))
        });
        let n = holders.of(t, g.assignee).len();
        // Only a grant someone the rule is about holds is worth expanding into operations
        // (a guests rule has no business with every Owner's thousands of them).
        let anyone = holders.walk[..n]
            .iter()
            .any(|(p, _)| selected[p.index()] && t.principal(*p).enabled.value);
        if !anyone || (!role_named && granted.ops(g.role).ops.is_empty()) {
            continue;
        }
        for i in 0..n {
            let p = holders.walk[i].0;
            if !selected[p.index()] || !t.principal(p).enabled.value {
                continue;
            }
            let memberships = denies_near.then(|| access.memberships(p));
            // What the grant lets p do, and where: the role itself at the first scope it
            // reaches, or the first operation of the rule that the role grants and that no
            // deny assignment takes away there. The answer depends on p only through the
            // deny assignments that name p (or Everyone, less exclusions): it is computed
            // once per role, scopes reached and such set, not once per holder (a deny for
            // Everyone over a group of 32,000 made that 17 s).
            let (can, at) = if role_named {
                (None, reaches[0])
            } else {
                let profile = memberships
                    .as_deref()
                    .map(|m| denies_naming(t, m, p))
                    .unwrap_or_default();
                let key = (g.role.key(), reaches.clone(), profile);
                let found = match witness_cache.get(&key) {
                    Some(found) => found.clone(),
                    None => {
                        let role_ops = granted.ops(g.role);
                        let found = reaches.iter().find_map(|&at| {
                            let types = resource_types
                                .entry(at)
                                .or_insert_with(|| types_below(t, at));
                            role_ops
                                .witnesses(types)
                                .map(|i| &role_ops.ops[i])
                                .find_map(|(op, plane)| {
                                    let place = allowed_at(
                                        t,
                                        access,
                                        memberships.as_deref(),
                                        p,
                                        op,
                                        *plane,
                                        at,
                                    )?;
                                    Some(((op.to_string(), *plane), place))
                                })
                        });
                        witness_cache.insert(key, found.clone());
                        found
                    }
                };
                match found {
                    Some((op, place)) => (Some(op), place),
                    None => continue,
                }
            };
            let conditional = g.conditional
                || can.as_ref().is_some_and(|(op, plane)| {
                    role_grants(t, g.role, op, *plane).is_some_and(|c| !c.is_empty())
                });
            let can = can.map(|(op, _)| op.to_string());
            let path = holders.path_up(i);
            let through = if path.len() <= 1 {
                "directly".to_string()
            } else {
                format!("through {}", names(t, &path).join(" → "))
            };
            let granted_how = if g.what == "assigned" {
                format!(
                    "`{}` assigned at `{}` {through}",
                    t.role_name(g.role),
                    t.scope_path(g.scope)
                )
            } else {
                format!(
                    "`{}` as {} of `{}`",
                    t.role_name(g.role),
                    g.what,
                    t.scope_path(g.scope)
                )
            };
            let what = match &can {
                Some(op) => format!(
                    "{} can `{op}` at `{}` by {granted_how}",
                    who_is(t, p),
                    t.scope_path(at),
                ),
                None => format!(
                    "{} holds {granted_how}, reaching `{}`",
                    who_is(t, p),
                    t.scope_path(at),
                ),
            };
            let what = if conditional {
                format!("{what} (under an ABAC condition canopy cannot evaluate)")
            } else {
                what
            };
            out.push(
                finding(rule, g.span, "grants it", what)
                    .help("remove the grant (or the membership that carries it), narrow the role, or add the principal to the rule's `except` on purpose"),
            );
        }
    }
    out
}

/// The deny assignments that name a principal (given its memberships; see
/// [`crate::access::deny_names`]). Scope and actions aside, what makes two principals'
/// answers differ.
fn denies_naming(
    t: &Tenant,
    memberships: &[(PrincipalId, Vec<PrincipalId>)],
    p: PrincipalId,
) -> Vec<usize> {
    t.deny_assignments
        .iter()
        .enumerate()
        .filter(|(_, d)| crate::access::deny_names(d, memberships, p).is_some())
        .map(|(i, _)| i)
        .collect()
}

/// Where `p` may perform `op` in the subtree of `at`: `at` itself when no deny assignment
/// takes it away there; a child of `at` when the only denies at `at` stop there
/// (`doNotApplyToChildScopes`) and the grant goes on below; `None` when denied. Without
/// memberships (no deny assignment near), `at`.
fn allowed_at(
    t: &Tenant,
    access: &Access,
    memberships: Option<&[(PrincipalId, Vec<PrincipalId>)]>,
    p: PrincipalId,
    op: &str,
    plane: Plane,
    at: ScopeId,
) -> Option<ScopeId> {
    let Some(m) = memberships else {
        return Some(at);
    };
    let denied = access.denials_for(m, p, op, plane, at);
    if denied.is_empty() {
        return Some(at);
    }
    let everywhere_below = denied
        .iter()
        .any(|d| !t.deny_assignments[d.deny.index()].do_not_apply_to_child_scopes);
    if everywhere_below {
        return None;
    }
    t.scopes
        .children(at)
        .iter()
        .copied()
        .find(|c| access.denials_for(m, p, op, plane, *c).is_empty())
}

/// The resource types (lowercase, `namespace/type`) of resources at or below a scope, from
/// the first 10,000 scopes below it: enough to choose a telling example operation.
fn types_below(t: &Tenant, at: ScopeId) -> Vec<String> {
    let mut types: Vec<String> = Vec::new();
    let mut stack = vec![at];
    let mut visited = 0;
    while let Some(s) = stack.pop() {
        visited += 1;
        if visited > 10_000 {
            break;
        }
        if let ScopeKind::Resource(id) = t.scopes.kind(s) {
            let ty = t
                .word(t.resources[id.index()].resource_type.value)
                .to_ascii_lowercase();
            if !types.contains(&ty) {
                types.push(ty);
            }
        }
        stack.extend_from_slice(t.scopes.children(s));
    }
    types.sort();
    types
}

/// The scopes an allow rule requires the access at: each rule scope, and for `/` the root
/// management groups (assignments at `/` itself are rare; holding the access at the root
/// group reaches the whole tenant).
fn required_at(t: &Tenant, rule: &AccessRule) -> Vec<(Span, ScopeId)> {
    let mut out = Vec::new();
    for (text, s) in &rule.scopes {
        if *s == ScopeId::TENANT {
            let roots: Vec<ScopeId> = t
                .scopes
                .children(ScopeId::TENANT)
                .iter()
                .copied()
                .filter(|c| matches!(t.scopes.kind(*c), ScopeKind::ManagementGroup(_)))
                .collect();
            if roots.is_empty() {
                out.push((text.span, *s));
            }
            out.extend(roots.into_iter().map(|r| (text.span, r)));
        } else {
            out.push((text.span, *s));
        }
    }
    out
}

fn check_allow(t: &Tenant, access: &Access, rule: &AccessRule, who: &Who) -> Vec<Finding> {
    let mut out = Vec::new();
    let selected: Vec<(PrincipalId, &Selector)> = (0..t.principals.len() as u32)
        .map(PrincipalId)
        .filter_map(|p| who.select(t, p).map(|s| (p, s)))
        .collect();
    // Each entry on its own: a principal an earlier entry also matches still counts.
    let n_principals = t.principals.len() as u32;
    for (i, s) in rule.principals.iter().enumerate() {
        let matches_someone = (0..n_principals)
            .map(PrincipalId)
            .any(|p| who.matches(t, i, s, p) && who.select(t, p).is_some());
        if !matches_someone {
            out.push(
                finding(
                    rule,
                    s.span(),
                    "matches nobody",
                    "this entry matches no principal".into(),
                )
                .help("fix the selector, or remove it; an allow rule about nobody proves nothing"),
            );
        }
    }
    let places = required_at(t, rule);
    let patterns: Vec<(&str, Plane)> = rule
        .actions
        .iter()
        .map(|a| (a.value.as_str(), Plane::Control))
        .chain(
            rule.data_actions
                .iter()
                .map(|a| (a.value.as_str(), Plane::Data)),
        )
        .collect();
    for (p, by) in selected {
        let principal = t.principal(p);
        if !principal.enabled.value {
            out.push(
                finding(
                    rule,
                    by.span(),
                    "disabled",
                    format!("{} is disabled, so it holds nothing", who_is(t, p)),
                )
                .related(principal.enabled.span, "enabled: false")
                .help("enable the account, or change the rule"),
            );
            continue;
        }
        let (active, eligible) = access.grants_of(p);
        let memberships = if t.deny_assignments.is_empty() {
            Vec::new()
        } else {
            access.memberships(p)
        };
        for &(_, at) in &places {
            let here = t.scope_path(at);
            let applying: Vec<&crate::access::Grant> = active
                .iter()
                .filter(|g| t.scopes.contains(g.scope, at))
                .collect();
            for (name, role) in &rule.roles {
                // An ABAC condition on the assignment limits what the role allows: canopy
                // cannot tell that it keeps everything the rule expects.
                if applying.iter().any(|g| g.role == *role && !g.conditional()) {
                    continue;
                }
                let only_eligible = eligible
                    .iter()
                    .any(|g| g.role == *role && t.scopes.contains(g.scope, at));
                let why = if applying.iter().any(|g| g.role == *role) {
                    " (only under an ABAC condition canopy cannot evaluate)"
                } else if only_eligible {
                    " (it is only eligible, through Privileged Identity Management)"
                } else {
                    ""
                };
                out.push(
                    finding(
                        rule,
                        by.span(),
                        "does not hold it",
                        format!(
                            "{} does not hold `{}` at `{here}`{why}",
                            who_is(t, p),
                            name.value
                        ),
                    )
                    .help("assign the role at that scope or above it (or fix the rule)"),
                );
            }
            for &(pattern, plane) in &patterns {
                let missing =
                    first_missing(t, access, &applying, &memberships, p, (pattern, plane), at);
                if let Some((missing, why)) = missing {
                    out.push(
                        finding(
                            rule,
                            by.span(),
                            "lacks it",
                            format!(
                                "{} cannot `{missing}` at `{here}` (`{pattern}`){why}",
                                who_is(t, p)
                            ),
                        )
                        .help("grant a role that includes the access at that scope or above it, or remove what denies it"),
                    );
                    continue;
                }
                // Granted at the scope: only a deny assignment can take it away below.
                if let Some((deny, op)) =
                    denied_below(t, access, &memberships, p, (pattern, plane), at)
                {
                    let d = &t.deny_assignments[deny];
                    out.push(
                        finding(
                            rule,
                            by.span(),
                            "denied below",
                            format!(
                                "{} cannot `{op}` at `{}`, below `{here}`: a deny assignment removes it",
                                who_is(t, p),
                                t.scope_path(d.scope)
                            ),
                        )
                        .related(d.scope_ref.span, "the deny assignment"),
                    );
                }
            }
        }
    }
    out
}

/// The operations an allow rule's pattern requires: itself when literal, else every
/// published operation of its plane that it matches.
fn required_ops(pattern: &str, plane: Plane) -> Vec<&str> {
    if !pattern.contains('*') {
        return vec![pattern];
    }
    let data = plane == Plane::Data;
    builtin::operations()
        .iter()
        .filter(|op| op.is_data_action == data && builtin::action_matches(pattern, op.name))
        .map(|op| op.name)
        .collect()
}

/// The first required operation `p` may not perform at `at`, if any, with why when it is
/// granted but not outright: no grant that applies there has a role granting it without an
/// ABAC condition, or a deny assignment removes it.
fn first_missing<'a>(
    t: &Tenant,
    access: &Access,
    applying: &[&crate::access::Grant],
    memberships: &[(PrincipalId, Vec<PrincipalId>)],
    p: PrincipalId,
    (pattern, plane): (&'a str, Plane),
    at: ScopeId,
) -> Option<(&'a str, &'static str)> {
    required_ops(pattern, plane).into_iter().find_map(|op| {
        let mut conditionally = false;
        let outright = applying
            .iter()
            .any(|g| match role_grants(t, g.role, op, plane) {
                Some(c) if c.is_empty() && !g.conditional() => true,
                Some(_) => {
                    conditionally = true;
                    false
                }
                None => false,
            });
        if !outright {
            let why = if conditionally {
                " (granted only under an ABAC condition canopy cannot evaluate)"
            } else {
                ""
            };
            return Some((op, why));
        }
        let denied = !memberships.is_empty()
            && !access.denials_for(memberships, p, op, plane, at).is_empty();
        denied.then_some((op, " (a deny assignment removes it)"))
    })
}

/// A deny assignment strictly below `at` that takes a required operation away from `p`.
fn denied_below<'a>(
    t: &Tenant,
    access: &Access,
    memberships: &[(PrincipalId, Vec<PrincipalId>)],
    p: PrincipalId,
    (pattern, plane): (&'a str, Plane),
    at: ScopeId,
) -> Option<(usize, &'a str)> {
    if memberships.is_empty() {
        return None;
    }
    let below: Vec<usize> = t
        .deny_assignments
        .iter()
        .enumerate()
        .filter(|(_, d)| d.scope != at && t.scopes.contains(at, d.scope))
        .map(|(i, _)| i)
        .collect();
    if below.is_empty() {
        return None;
    }
    let ops = required_ops(pattern, plane);
    for i in below {
        let scope = t.deny_assignments[i].scope;
        for op in &ops {
            if access
                .denials_for(memberships, p, op, plane, scope)
                .iter()
                .any(|x| x.deny.index() == i)
            {
                return Some((i, op));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::may_overlap;

    #[test]
    fn patterns_overlap_unless_their_heads_or_tails_disagree() {
        // Azure wildcards: `*` matches any run of characters, case-insensitively.
        assert!(!may_overlap("*/read", "*/write"));
        assert!(!may_overlap(
            "Microsoft.Storage/*",
            "Microsoft.Compute/*/write"
        ));
        assert!(may_overlap("*", "*/write"));
        assert!(may_overlap("Microsoft.Compute/*", "*/write"));
        assert!(may_overlap(
            "microsoft.compute/virtualMachines/*",
            "Microsoft.Compute/*/write"
        ));
        assert!(may_overlap("Microsoft.Web/sites/write", "*/write"));
        assert!(!may_overlap("Microsoft.Web/sites/read", "*/write"));
        // Conservative, never wrong: two different literals of one length only if equal.
        assert!(!may_overlap("Microsoft.A/x/read", "Microsoft.B/x/read"));
        // Whatever the patterns, an operation both match makes them overlap.
        for (a, b, op) in [
            (
                "*/action",
                "Microsoft.Compute/*",
                "Microsoft.Compute/virtualMachines/start/action",
            ),
            (
                "*",
                "Microsoft.KeyVault/vaults/secrets/*",
                "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
            ),
        ] {
            assert!(crate::builtin::action_matches(a, op) && crate::builtin::action_matches(b, op));
            assert!(may_overlap(a, b));
        }
    }
}
