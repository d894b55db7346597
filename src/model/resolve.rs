//! From converted documents to the resolved [`Tenant`]: declarations deduplicated, names
//! indexed case-insensitively, every reference resolved to an index or reported.

use super::principal_index::PrincipalIndex;
use super::scope::{ScopeId, ScopeKind, by_name_key, resource_name_hash, resource_pairs_up};
use super::*;
use crate::diag::{Code, Finding};
use crate::load::kinds::{Doc, PrincipalDoc, SubscriptionDoc};
use crate::load::schema::suggest;
use rayon::prelude::*;

use std::collections::hash_map::Entry;

/// A string lowercased, shared when it already is.
fn lowered_str(s: &crate::source::Str) -> crate::source::Str {
    match lowered(s) {
        std::borrow::Cow::Borrowed(_) => s.clone(),
        std::borrow::Cow::Owned(l) => l.into(),
    }
}

fn key(s: &str) -> Box<str> {
    s.to_lowercase().into_boxed_str()
}

/// Resources moved into the model between two hand-backs of freed memory, at the least: fewer
/// than that are a few MB, not worth a walk over the allocator's free lists.
const RELEASE_EVERY_RESOURCES: usize = 50_000;

/// Principals taken out of the documents' list between two shrinks of that list.
const SHRINK_EVERY_PRINCIPALS: usize = 16_384;

/// Resolves documents (in file order) into a tenant, reporting declaration and reference problems.
/// Takes documents as an iterator, so callers need not gather every file's documents into one
/// vector first (at 65,000 documents that copy was the largest allocation of a run).
pub fn resolve(docs: impl IntoIterator<Item = Doc>, findings: &mut Vec<Finding>) -> Tenant {
    // A fraction of a second of "did you mean" work at most, however many references dangle.
    crate::load::schema::with_suggestion_budget(10_000_000, || resolve_all(docs, findings))
}

fn resolve_all(docs: impl IntoIterator<Item = Doc>, findings: &mut Vec<Finding>) -> Tenant {
    let mut t = Tenant::default();
    let mut subs = Vec::new();
    let mut principals = Vec::new();
    let mut roles = Vec::new();
    let mut role_assignments = Vec::new();
    let mut deny_assignments = Vec::new();
    let mut policy_definitions = Vec::new();
    let mut policy_assignments = Vec::new();
    let mut exemptions = Vec::new();
    let mut access_rules = Vec::new();
    for doc in docs {
        t.documents += 1;
        match doc {
            Doc::ManagementGroup(mg) => add_management_group(&mut t, mg, findings),
            Doc::Subscription(s) => subs.push(s),
            Doc::Principal(p) => principals.push(p),
            Doc::RoleDefinition(r) => roles.push(*r),
            Doc::RoleAssignment(a) => role_assignments.push(pending_role_assignment(a)),
            Doc::DenyAssignment(d) => deny_assignments.push(*d),
            Doc::PolicyDefinition(p) => policy_definitions.push(*p),
            Doc::PolicyAssignment(p) => policy_assignments.push(*p),
            Doc::PolicyExemption(e) => exemptions.push(*e),
            Doc::AccessRule(r) => access_rules.push(*r),
        }
    }
    crate::mem::release_freed();
    link_management_groups(&mut t, findings);
    // Exact room for what the documents declare: growing by doubling left up to half of each
    // of the largest lists (resources, scopes, role assignments) empty, hundreds of MB at
    // Azure's limits.
    let groups: usize = subs.iter().map(|s| s.resource_groups.len()).sum();
    let resources: usize = subs
        .iter()
        .flat_map(|s| &s.resource_groups)
        .map(|rg| rg.resources.len())
        .sum();
    t.subscriptions.reserve_exact(subs.len());
    t.resource_groups.reserve_exact(groups);
    t.resources.reserve_exact(resources);
    t.scopes.reserve(subs.len() + groups + resources);
    t.index.rgs.reserve(groups);
    t.principals.reserve_exact(principals.len());
    let prepared = subs.par_iter().map(prepare_subscription).collect();
    // Subscriptions and principals touch disjoint parts of the model, and each is added one
    // after another (ids follow declaration order), so the two run side by side: the
    // principals' list and index are lent out of the tenant meanwhile. Groups' members are
    // principals too, so they are linked on the principals' side.
    let mut principal_list = std::mem::take(&mut t.principals);
    let keys = principals.len() + principals.iter().filter(|p| p.object_id.is_some()).count();
    let mut principal_index = PrincipalIndex::with_capacity(keys);
    let mut principal_findings = Vec::new();
    let (co_administrators, ()) = rayon::join(
        || add_subscriptions(&mut t, subs, prepared, resources, findings),
        || {
            let (list, index) = (&mut principal_list, &mut principal_index);
            let members = add_principals(list, index, principals, &mut principal_findings);
            link_members(list, index, members, &mut principal_findings);
        },
    );
    t.principals = principal_list;
    t.principal_index = principal_index;
    findings.extend(principal_findings);
    for (sub, refs) in co_administrators {
        t.subscriptions[sub.index()].co_administrators = resolve_principals(&t, refs, findings);
    }
    for r in roles {
        add_custom_role(&mut t, r, findings);
    }
    resolve_role_assignments(&mut t, role_assignments, findings);
    for d in deny_assignments {
        add_deny_assignment(&mut t, d, findings);
    }
    for p in policy_definitions {
        add_policy_definition(&mut t, p, findings);
    }
    for p in policy_assignments {
        add_policy_assignment(&mut t, p, findings);
    }
    for e in exemptions {
        add_exemption(&mut t, e, findings);
    }
    let mut rule_names: rustc_hash::FxHashMap<Box<str>, usize> = Default::default();
    for r in access_rules {
        if let Some(&first) = rule_names.get(key(&r.name.value).as_ref()) {
            let first = &t.access_rules[first].name;
            findings.push(duplicate("access rule", &r.name, first));
            continue;
        }
        if let Some(rule) = resolve_access_rule(&t, r, findings) {
            rule_names.insert(key(&rule.name.value), t.access_rules.len());
            t.access_rules.push(rule);
        }
    }
    t.reindex();
    // The documents are gone now, the subscriptions' resource lists last.
    crate::mem::release_freed();
    t
}

/// Adds every subscription with its resource groups and resources, in order; returns each
/// added subscription's unresolved co-administrators.
fn add_subscriptions(
    t: &mut Tenant,
    subs: Vec<SubscriptionDoc>,
    prepared: Vec<PreparedSub>,
    resources: usize,
    findings: &mut Vec<Finding>,
) -> Vec<(SubId, Vec<Text>)> {
    let mut co_administrators = Vec::new();
    // Each subscription's resource documents are freed as its resources move into the model's
    // lists, which the caller reserved whole, so the allocator does not reuse that memory for
    // them: it is handed back as the loop goes, in a few steps and once at its end, so that
    // the documents and the model are never both whole (at Azure's limits, 75 MB of freed
    // documents were resident at the peak).
    let step = RELEASE_EVERY_RESOURCES.max(resources.div_ceil(4));
    let mut moved = 0;
    for (mut s, prepared) in subs.into_iter().zip(prepared) {
        let co = std::mem::take(&mut s.co_administrators);
        let n: usize = s.resource_groups.iter().map(|rg| rg.resources.len()).sum();
        if let Some(id) = add_subscription(t, s, prepared, findings) {
            co_administrators.push((id, co));
        }
        moved += n;
        if moved >= step {
            moved = 0;
            crate::mem::release_freed();
        }
    }
    crate::mem::release_freed();
    co_administrators
}

/// Adds every principal, in order; returns each added group's unresolved members.
fn add_principals(
    list: &mut Vec<Principal>,
    index: &mut PrincipalIndex,
    mut principals: Vec<PrincipalDoc>,
    findings: &mut Vec<Finding>,
) -> Vec<(PrincipalId, Vec<Text>)> {
    // Taken from the end of the reversed list, so in order, and the list's memory handed
    // back as it empties: the principals' documents and the model's principals are the same
    // size, and holding both whole was 20 MB of the peak at Azure's limits.
    principals.reverse();
    let mut members = Vec::new();
    while let Some(p) = principals.pop() {
        if let Some((id, refs)) = add_principal(list, index, p, findings)
            && !refs.is_empty()
        {
            members.push((id, refs));
        }
        if principals.len().is_multiple_of(SHRINK_EVERY_PRINCIPALS) {
            principals.shrink_to_fit();
        }
    }
    members
}

fn resolve_selectors(
    t: &Tenant,
    docs: Vec<crate::load::kinds::SelectorDoc>,
    findings: &mut Vec<Finding>,
) -> Vec<Selector> {
    use crate::load::kinds::SelectorDoc;
    let mut out = Vec::with_capacity(docs.len());
    for d in docs {
        match d {
            SelectorDoc::Name(name) => {
                if let Some(p) = resolve_principals(t, vec![name.clone()], findings).pop() {
                    out.push(Selector::Principal(p.0, p.1));
                }
            }
            SelectorDoc::Match {
                span,
                kind,
                member_of,
            } => {
                let kind = kind
                    .and_then(|k| PrincipalType::parse(&k.value).map(|v| Spanned::new(v, k.span)));
                let member_of = match member_of {
                    None => None,
                    Some(g) => match resolve_principals(t, vec![g], findings).pop() {
                        None => continue,
                        Some((g, id))
                            if t.principal(id).kind != crate::load::kinds::PrincipalKind::Group =>
                        {
                            findings.push(
                                Finding::new(
                                    Code::UnknownReference,
                                    g.span,
                                    "not a group",
                                    format!(
                                        "`memberOf: {}` names a {}, not a group",
                                        g.value,
                                        t.principal(id).kind.noun()
                                    ),
                                )
                                .help("name a group, or select the principal by name instead"),
                            );
                            continue;
                        }
                        Some(found) => Some(found),
                    },
                };
                out.push(Selector::Match {
                    span,
                    kind,
                    member_of,
                });
            }
        }
    }
    out
}

fn resolve_access_rule(
    t: &Tenant,
    r: crate::load::kinds::AccessRuleDoc,
    findings: &mut Vec<Finding>,
) -> Option<AccessRule> {
    let principals = resolve_selectors(t, r.principals, findings);
    let except = resolve_selectors(t, r.except, findings);
    let mut roles = Vec::with_capacity(r.roles.len());
    for name in r.roles {
        if let Some(role) = find_role_or_report(t, &name, findings) {
            roles.push((name, role));
        }
    }
    let scopes = resolve_scopes(t, r.scopes, findings);
    // A rule left with nobody or nowhere to check was reported above; it checks nothing.
    if principals.is_empty() || scopes.is_empty() {
        return None;
    }
    let severity = match r.severity.as_ref().map(|s| s.value.as_str()) {
        Some("warning") => crate::diag::Severity::Warning,
        _ => crate::diag::Severity::Error,
    };
    Some(AccessRule {
        name: r.name,
        description: r.description,
        expect_allow: r.expect.value == "allow",
        expect: r.expect,
        principals,
        except,
        actions: r.actions,
        data_actions: r.data_actions,
        roles,
        scopes,
        message: r.message,
        severity,
    })
}

fn unknown(span: crate::source::Span, what: &str, name: &str, near: Option<&str>) -> Finding {
    let f = Finding::new(
        Code::UnknownReference,
        span,
        format!("no such {what}"),
        format!("{what} `{name}` is not declared in the tree"),
    );
    match near {
        Some(n) => f.help(format!("did you mean `{n}`?")),
        None => f.help(format!("declare the {what}, or fix the reference")),
    }
}

/// A second object reusing the GUID of a first one (custom roles, policy definitions,
/// subscriptions): said as such, since a GUID is not a name.
fn duplicate_id(kind: &str, name: &Text, id: &Text, first_name: &Text, first_id: &Text) -> Finding {
    Finding::new(
        Code::DuplicateName,
        id.span,
        "used again here",
        format!(
            "{kind} `{}` reuses the ID `{}` of {kind} `{}`",
            name.value, id.value, first_name.value
        ),
    )
    .related(first_id.span, "first used here")
    .help("every object has its own GUID; give this one a new ID (or omit `id`)")
}

fn duplicate(kind: &str, name: &Text, first: &Text) -> Finding {
    Finding::new(
        Code::DuplicateName,
        name.span,
        "declared again here",
        format!("{kind} `{}` is declared more than once", name.value),
    )
    .related(first.span, "first declared here")
    .help("names are compared case-insensitively, as Azure does; remove or rename one declaration")
}

fn add_management_group(
    t: &mut Tenant,
    mg: crate::load::kinds::ManagementGroupDoc,
    findings: &mut Vec<Finding>,
) {
    if let Some(&first) = t.index.mgs.get(key(&mg.name.value).as_ref()) {
        let first = t.mg(first);
        let same_parent = match (&first.parent_ref, &mg.parent) {
            (None, None) => true,
            (Some(a), Some(b)) => a.value.eq_ignore_ascii_case(&b.value),
            _ => false,
        };
        if same_parent {
            findings.push(duplicate("management group", &mg.name, &first.name));
        } else {
            let here = mg.parent.as_ref().map_or(mg.name.span, |p| p.span);
            let there = first
                .parent_ref
                .as_ref()
                .map_or(first.name.span, |p| p.span);
            let describe = |p: &Option<Text>| match p {
                Some(p) => format!("under `{}`", p.value),
                None => "as a root".to_string(),
            };
            findings.push(
                Finding::new(
                    Code::MultipleParents,
                    here,
                    describe(&mg.parent),
                    format!(
                        "management group `{}` is declared with two different parents",
                        mg.name.value
                    ),
                )
                .related(
                    there,
                    format!("first declared {}", describe(&first.parent_ref)),
                )
                .help("a management group has exactly one parent; keep one declaration"),
            );
        }
        return;
    }
    let id = MgId(t.management_groups.len() as u32);
    let scope = t.scopes.add(ScopeKind::ManagementGroup(id));
    t.index.mgs.insert(key(&mg.name.value), id);
    t.management_groups.push(ManagementGroup {
        name: mg.name,
        display_name: mg.display_name,
        parent_ref: mg.parent,
        parent: None,
        scope,
        level: None,
    });
}

/// Resolves parents, finds roots and parent loops, computes levels and links the scope tree.
fn link_management_groups(t: &mut Tenant, findings: &mut Vec<Finding>) {
    for i in 0..t.management_groups.len() {
        let Some(parent_ref) = t.management_groups[i].parent_ref.clone() else {
            t.roots.push(MgId(i as u32));
            continue;
        };
        match t.index.mgs.get(key(&parent_ref.value).as_ref()) {
            Some(&p) => t.management_groups[i].parent = Some(p),
            None => {
                let near = suggest(
                    &parent_ref.value,
                    t.management_groups.iter().map(|m| m.name.value.as_str()),
                );
                findings.push(unknown(
                    parent_ref.span,
                    "management group",
                    &parent_ref.value,
                    near,
                ));
            }
        }
    }
    // Each group has at most one parent, so following parents from any group either ends at
    // a group without a parent or enters a loop. Colour: 0 new, 1 on the current path, 2 done.
    let n = t.management_groups.len();
    let mut colour = vec![0u8; n];
    let mut in_cycle = vec![false; n];
    for start in 0..n {
        let mut path = Vec::new();
        let mut cur = Some(start);
        while let Some(i) = cur {
            match colour[i] {
                0 => {
                    colour[i] = 1;
                    path.push(i);
                    cur = t.management_groups[i].parent.map(|p| p.index());
                }
                1 => {
                    let from = path.iter().position(|&p| p == i).unwrap_or(0);
                    let mut cycle: Vec<MgId> =
                        path[from..].iter().map(|&p| MgId(p as u32)).collect();
                    // Start each loop at its first-declared member, so output is stable.
                    let min = cycle
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, m)| m.0)
                        .map_or(0, |(k, _)| k);
                    cycle.rotate_left(min);
                    for m in &cycle {
                        in_cycle[m.index()] = true;
                    }
                    t.cycles.push(cycle);
                    break;
                }
                _ => break,
            }
        }
        for i in path {
            colour[i] = 2;
        }
    }
    t.cycles.sort();
    // Levels below the root, memoised so a long chain costs O(n) in all. A group has a level
    // only if its chain ends at a group without a parent, not in a loop or a dangling parent.
    let mut level: Vec<Option<Option<u32>>> = vec![None; n];
    for start in 0..n {
        let mut chain = Vec::new();
        let mut cur = Some(start);
        let base = loop {
            let Some(i) = cur else { break None };
            if let Some(known) = level[i] {
                break known;
            }
            if in_cycle[i] {
                level[i] = Some(None);
                break None;
            }
            chain.push(i);
            let mg = &t.management_groups[i];
            if mg.parent_ref.is_none() {
                // A group without a parent is level 0: the root, or a second root (reported
                // as such), below which depth is still worth checking.
                level[i] = Some(Some(0));
                chain.pop();
                break Some(0);
            }
            cur = mg.parent.map(|p| p.index());
        };
        for (depth, i) in chain.into_iter().rev().enumerate() {
            level[i] = Some(base.map(|b| b + depth as u32 + 1));
        }
    }
    for (i, l) in level.into_iter().enumerate() {
        t.management_groups[i].level = l.flatten();
        let mg = &t.management_groups[i];
        let parent_scope = match mg.parent {
            Some(p) if !in_cycle[i] => t.mg(p).scope,
            _ => ScopeId::TENANT,
        };
        t.scopes.set_parent(mg.scope, parent_scope);
    }
}

/// What a subscription's scopes need: each resource group's lowercase key, and what to do
/// with each of its resources ([`PreparedResource`]). Pure functions of the document, so
/// they are made for every subscription in parallel before the serial pass; at Azure's
/// limits (half a million resources) making them was most of resolving.
struct PreparedSub {
    groups: Vec<PreparedGroup>,
}

struct PreparedGroup {
    key: Box<str>,
    resources: Vec<PreparedResource>,
    /// The group's index of its resources by type and name (see [`ResourceGroup::by_name`]).
    by_name: Box<[(u32, u32)]>,
}

/// What the serial pass does with one resource of a group.
#[derive(Clone, Copy)]
enum PreparedResource {
    /// Its type and name do not pair up: reported, not added.
    Unpaired,
    /// The first of its type and name in its group: added.
    First,
    /// Its type and name repeat those of the group's `n`th added resource: reported.
    Repeat(usize),
}

fn prepare_subscription(s: &SubscriptionDoc) -> PreparedSub {
    let groups = s
        .resource_groups
        .iter()
        .map(|rg| {
            // A resource's group is one group document (a group declared twice in a
            // subscription, or in a subscription declared twice, is skipped whole), so its
            // repeats are found here, among its group's resources, in parallel, rather than
            // in the tenant's index during the serial pass: that probe was a cache miss per
            // resource, the largest cost of the pass at Azure's limits.
            //
            // Each added resource's hash and place among the group's resources, in the order
            // added; small groups, nearly all, are searched there, larger ones through a table
            // of places in that list.
            let many = rg.resources.len() > 16;
            let mut added: Vec<(u64, usize)> = Vec::new();
            let mut index: hashbrown::HashTable<usize> = hashbrown::HashTable::new();
            let mut resources = Vec::with_capacity(rg.resources.len());
            for (i, r) in rg.resources.iter().enumerate() {
                let (ty, name) = (&r.resource_type.value, &r.name.value);
                if !resource_pairs_up(ty, name) {
                    resources.push(PreparedResource::Unpaired);
                    continue;
                }
                let hash = resource_name_hash(ty, name);
                let same = |h: u64, j: usize| {
                    let first = &rg.resources[j];
                    h == hash
                        && crate::fold::eq_fold(&first.resource_type.value, ty)
                        && crate::fold::eq_fold(&first.name.value, name)
                };
                let repeat = if many {
                    let found = index.find(hash, |&k| same(added[k].0, added[k].1)).copied();
                    if found.is_none() {
                        index.insert_unique(hash, added.len(), |&k| added[k].0);
                    }
                    found
                } else {
                    added.iter().position(|&(h, j)| same(h, j))
                };
                resources.push(match repeat {
                    Some(k) => PreparedResource::Repeat(k),
                    None => {
                        added.push((hash, i));
                        PreparedResource::First
                    }
                });
            }
            // Added resources take the group's next ids in order, so the `k`th added is the
            // group's `k`th resource.
            let mut by_name: Box<[(u32, u32)]> = (added.iter().enumerate())
                .map(|(k, &(hash, _))| (by_name_key(hash), k as u32))
                .collect();
            by_name.sort_unstable();
            PreparedGroup {
                key: key(&rg.name.value),
                resources,
                by_name,
            }
        })
        .collect();
    PreparedSub { groups }
}

fn add_subscription(
    t: &mut Tenant,
    s: SubscriptionDoc,
    prepared: PreparedSub,
    findings: &mut Vec<Finding>,
) -> Option<SubId> {
    let name_key = key(&s.name.value);
    let id_key = s.id.as_ref().map(|i| key(&i.value));
    // A subscription is the same one when its name or its ID matches an earlier declaration.
    let earlier = std::iter::once((&name_key, &s.name))
        .chain(id_key.as_ref().zip(s.id.as_ref()))
        .find_map(|(k, text)| t.index.subs.get(k).map(|first| (*first, text)));
    if let Some((first, here)) = earlier {
        let first = t.sub(first);
        let by_id = !here.value.eq_ignore_ascii_case(&s.name.value);
        // Where this declaration would put it: its parent, or the root group when omitted.
        let here_parent = match &s.parent {
            None => t.root(),
            Some(p) => t.index.mgs.get(key(&p.value).as_ref()).copied(),
        };
        let same_place = here_parent == first.parent
            && (here_parent.is_some()
                || s.parent.as_ref().map(|p| key(&p.value))
                    == first.parent_ref.as_ref().map(|p| key(&p.value)));
        if by_id && !first.name.value.eq_ignore_ascii_case(&s.name.value) {
            let first_id = first.id.as_ref().unwrap_or(&first.name);
            findings.push(duplicate_id(
                "subscription",
                &s.name,
                here,
                &first.name,
                first_id,
            ));
        } else if same_place {
            findings.push(duplicate("subscription", &s.name, &first.name));
        } else {
            let describe = |p: &Option<Text>| match p {
                Some(p) => format!("under `{}`", p.value),
                None => "under the root group (no parent)".to_string(),
            };
            let here_span = s.parent.as_ref().map_or(s.name.span, |p| p.span);
            let there = first
                .parent_ref
                .as_ref()
                .map_or(first.name.span, |p| p.span);
            findings.push(
                Finding::new(
                    Code::MultipleParents,
                    here_span,
                    describe(&s.parent),
                    format!(
                        "subscription `{}` is declared with two different parents",
                        s.name.value
                    ),
                )
                .related(
                    there,
                    format!("first declared {}", describe(&first.parent_ref)),
                )
                .help("a subscription sits in exactly one management group; keep one declaration"),
            );
        }
        return None;
    }
    let id = SubId(t.subscriptions.len() as u32);
    let scope = t.scopes.add(ScopeKind::Subscription(id));
    t.index.subs.insert(name_key, id);
    if let Some(k) = id_key {
        t.index.subs.insert(k, id);
    }
    let parent = match &s.parent {
        None => t.root(),
        Some(p) => match t.index.mgs.get(key(&p.value).as_ref()) {
            Some(&mg) => Some(mg),
            None => {
                let near = suggest(
                    &p.value,
                    t.management_groups.iter().map(|m| m.name.value.as_str()),
                );
                findings.push(unknown(p.span, "management group", &p.value, near));
                None
            }
        },
    };
    let parent_scope = parent.map_or(ScopeId::TENANT, |p| t.mg(p).scope);
    t.scopes.set_parent(scope, parent_scope);
    let mut rg_ids = Vec::new();
    for (rg, prepared) in s.resource_groups.into_iter().zip(prepared.groups) {
        let rg_key = (id, prepared.key);
        if let Some(&first) = t.index.rgs.get(&rg_key) {
            findings.push(duplicate(
                "resource group",
                &rg.name,
                &t.resource_groups[first.index()].name,
            ));
            continue;
        }
        let rg_id = RgId(t.resource_groups.len() as u32);
        let rg_scope = t.scopes.add(ScopeKind::ResourceGroup(rg_id));
        t.scopes.set_parent(rg_scope, scope);
        t.index.rgs.insert(rg_key, rg_id);
        let mut res_ids: Vec<ResId> = Vec::with_capacity(prepared.by_name.len());
        for (r, prepared) in rg.resources.into_iter().zip(prepared.resources) {
            match prepared {
                PreparedResource::First => {}
                PreparedResource::Repeat(k) => {
                    let first = &t.resources[res_ids[k].index()];
                    findings.push(duplicate("resource", &r.name, &first.name));
                    continue;
                }
                PreparedResource::Unpaired => {
                    findings.push(
                        Finding::new(
                            Code::Schema,
                            r.resource_type.span,
                            "not a resource type for this name",
                            format!(
                                "resource `{}` of type `{}`: a type is `{{namespace}}/{{type}}`, and a name has one segment per type after the namespace",
                                r.name.value, r.resource_type.value
                            ),
                        )
                        .help("write `type: Microsoft.Compute/virtualMachines` with `name: vm1`, or `type: Microsoft.Network/virtualNetworks/subnets` with `name: vnet1/subnet1`"),
                    );
                    continue;
                }
            }
            let res_id = ResId(t.resources.len() as u32);
            let res_scope = t.scopes.add(ScopeKind::Resource(res_id));
            t.scopes.set_parent(res_scope, rg_scope);
            let resource_type = t.words.intern(r.resource_type);
            let location = r.location.map(|l| t.words.intern(l));
            t.resources.push(Resource {
                resource_group: rg_id,
                name: r.name,
                resource_type,
                location,
                tags: r.tags.into_boxed_slice(),
                scope: res_scope,
            });
            res_ids.push(res_id);
        }
        t.resource_groups.push(ResourceGroup {
            subscription: id,
            name: rg.name,
            location: rg.location,
            tags: rg.tags.into_boxed_slice(),
            scope: rg_scope,
            resources: res_ids,
            by_name: prepared.by_name,
        });
        rg_ids.push(rg_id);
    }
    t.subscriptions.push(Subscription {
        name: s.name,
        id: s.id.map(|i| Spanned::new(lowered_str(&i.value), i.span)),
        parent_ref: s.parent,
        parent,
        scope,
        resource_groups: rg_ids,
        co_administrators: Vec::new(),
    });
    Some(id)
}

/// Adds a principal; returns its unresolved members for [`link_members`].
fn add_principal(
    list: &mut Vec<Principal>,
    index: &mut PrincipalIndex,
    p: PrincipalDoc,
    findings: &mut Vec<Finding>,
) -> Option<(PrincipalId, Vec<Text>)> {
    // Names and object IDs share one index, since references may use either; so a collision
    // is one of four kinds, each described as it is.
    let keys = std::iter::once(&p.name).chain(p.object_id.as_ref());
    for (is_name, here) in [true, false].into_iter().zip(keys) {
        let Some(first) = index.get(list, &here.value) else {
            continue;
        };
        let first = &list[first.index()];
        let first_is_name = crate::fold::eq_fold(&first.name.value, &here.value);
        let there = if first_is_name {
            &first.name
        } else {
            first.object_id.as_ref().unwrap_or(&first.name)
        };
        let (new, old) = (p.kind.noun(), first.kind.noun());
        let message = match (is_name, first_is_name) {
            (true, true) if first.kind == p.kind => {
                format!("{new} `{}` is declared more than once", here.value)
            }
            (true, true) => format!(
                "a {old} and a {new} share the name `{}`: references to it would be ambiguous",
                here.value
            ),
            (true, false) => format!(
                "the name of {new} `{}` is the object ID of {old} `{}`",
                here.value, first.name.value
            ),
            (false, true) => format!(
                "the object ID of {new} `{}` is the name of {old} `{}`",
                p.name.value, first.name.value
            ),
            (false, false) => format!(
                "object ID `{}` is used by {old} `{}` and {new} `{}`",
                here.value, first.name.value, p.name.value
            ),
        };
        findings.push(
            Finding::new(Code::DuplicateName, here.span, "declared again here", message)
                .related(there.span, "first declared here")
                .help("principals are referenced by name or object ID, so each must be unique (case-insensitively)"),
        );
        return None;
    }
    let id = PrincipalId(list.len() as u32);
    list.push(Principal {
        kind: p.kind,
        name: p.name,
        object_id: p.object_id,
        display_name: p.display_name,
        guest: p.guest,
        enabled: p.enabled,
        security_enabled: p.security_enabled,
        mail_enabled: p.mail_enabled,
        members: Vec::new(),
    });
    index.insert(list, id);
    Some((id, p.members))
}

fn link_members(
    list: &mut [Principal],
    index: &PrincipalIndex,
    members: Vec<(PrincipalId, Vec<Text>)>,
    findings: &mut Vec<Finding>,
) {
    // Looked up in parallel; a group with a member that does not resolve is looked up again,
    // serially, to report which.
    let found: Vec<Option<Vec<PrincipalId>>> = members
        .par_iter()
        .map(|(_, refs)| refs.iter().map(|r| index.get(list, &r.value)).collect())
        .collect();
    for ((group, refs), found) in members.into_iter().zip(found) {
        let resolved = match found {
            Some(ids) => refs.into_iter().zip(ids).collect(),
            None => principal_refs(list, index, refs, findings),
        };
        list[group.index()].members = resolved;
    }
}

fn scope_finding(t: &Tenant, text: &Text) -> Option<Finding> {
    let e = t.resolve_scope(&text.value).err()?;
    let label = if e.malformed {
        "not a scope"
    } else {
        "no such scope"
    };
    let mut f = Finding::new(Code::UnknownReference, text.span, label, e.message);
    f.help = e.help;
    Some(f)
}

fn resolve_scope_or_report(
    t: &Tenant,
    text: &Text,
    findings: &mut Vec<Finding>,
) -> Option<ScopeId> {
    match t.resolve_scope(&text.value) {
        Ok(s) => Some(s),
        Err(_) => {
            findings.extend(scope_finding(t, text));
            None
        }
    }
}

/// Resolves a list of scope strings, reporting (and dropping) those that name nothing.
fn resolve_scopes(
    t: &Tenant,
    texts: Vec<Text>,
    findings: &mut Vec<Finding>,
) -> Vec<(Text, ScopeId)> {
    texts
        .into_iter()
        .filter_map(|s| {
            let id = resolve_scope_or_report(t, &s, findings)?;
            Some((s, id))
        })
        .collect()
}

/// A role by name or GUID, or an `unknown-reference` finding with the nearest name.
fn find_role_or_report(t: &Tenant, name: &Text, findings: &mut Vec<Finding>) -> Option<RoleRef> {
    let role = t.find_role(&name.value);
    if role.is_none() {
        let builtin = crate::builtin::roles().iter().map(|r| r.name);
        let custom = t.custom_roles.iter().map(|r| r.name.value.as_str());
        let near = suggest(&name.value, custom.chain(builtin));
        findings.push(unknown(name.span, "role", &name.value, near));
    }
    role
}

fn add_custom_role(
    t: &mut Tenant,
    r: crate::load::kinds::RoleDefinitionDoc,
    findings: &mut Vec<Finding>,
) {
    if let Some(&first) = t.role_index.get(key(&r.name.value).as_ref()) {
        let first = t.custom_role(first);
        let f = match &first.id {
            Some(fid) if fid.value.eq_ignore_ascii_case(&r.name.value) => {
                duplicate("custom role", &r.name, fid)
            }
            _ => duplicate("custom role", &r.name, &first.name),
        };
        findings.push(f);
        return;
    }
    if let Some(id) = &r.id
        && let Some(&first) = t.role_index.get(key(&id.value).as_ref())
    {
        let first = t.custom_role(first);
        let first_id = first.id.as_ref().unwrap_or(&first.name);
        findings.push(duplicate_id(
            "custom role",
            &r.name,
            id,
            &first.name,
            first_id,
        ));
        return;
    }
    let id = RoleId(t.custom_roles.len() as u32);
    t.role_index.insert(key(&r.name.value), id);
    if let Some(i) = &r.id {
        t.role_index.insert(key(&i.value), id);
    }
    let assignable_scopes = r
        .assignable_scopes
        .into_iter()
        .map(|s| {
            let resolved = resolve_scope_or_report(t, &s, findings);
            (s, resolved)
        })
        .collect();
    t.custom_roles.push(CustomRole {
        name: r.name,
        id: r.id,
        description: r.description,
        actions: r.actions,
        not_actions: r.not_actions,
        data_actions: r.data_actions,
        not_data_actions: r.not_data_actions,
        assignable_scopes,
    });
}

/// Resolves principal references, reporting those that name nothing.
fn resolve_principals(
    t: &Tenant,
    refs: Vec<Text>,
    findings: &mut Vec<Finding>,
) -> Vec<(Text, PrincipalId)> {
    principal_refs(&t.principals, &t.principal_index, refs, findings)
}

/// [`resolve_principals`] in the principals' own list and index.
fn principal_refs(
    list: &[Principal],
    index: &PrincipalIndex,
    refs: Vec<Text>,
    findings: &mut Vec<Finding>,
) -> Vec<(Text, PrincipalId)> {
    refs.into_iter()
        .filter_map(|r| match index.get(list, &r.value) {
            Some(id) => Some((r, id)),
            None => {
                let near = suggest(&r.value, list.iter().map(|p| p.name.value.as_str()));
                findings.push(unknown(r.span, "principal", &r.value, near));
                None
            }
        })
        .collect()
}

/// Azure's `Everyone` principal in deny assignments (object ID all zeros).
const EVERYONE_ID: &str = "00000000-0000-0000-0000-000000000000";

fn add_deny_assignment(
    t: &mut Tenant,
    d: crate::load::kinds::DenyAssignmentDoc,
    findings: &mut Vec<Finding>,
) {
    let scope = resolve_scope_or_report(t, &d.scope, findings);
    let everyone = d
        .principals
        .iter()
        .any(|p| p.value.eq_ignore_ascii_case("Everyone") || p.value == EVERYONE_ID);
    let principals = if everyone {
        DenyPrincipals::Everyone
    } else {
        DenyPrincipals::Listed(resolve_principals(t, d.principals, findings))
    };
    let exclude_principals = resolve_principals(t, d.exclude_principals, findings);
    let Some(scope) = scope else { return };
    t.deny_assignments.push(DenyAssignment {
        name: d.name,
        scope_ref: d.scope,
        scope,
        principals,
        exclude_principals,
        actions: d.actions,
        not_actions: d.not_actions,
        data_actions: d.data_actions,
        not_data_actions: d.not_data_actions,
        do_not_apply_to_child_scopes: d.do_not_apply_to_child_scopes,
        description: d.description,
    });
}

/// An assignment as the model holds it, before its references are resolved: built straight
/// from its document, so that the documents and the model's assignments never both exist
/// (at Azure's limits each list was about 50 MB). The ids are placeholders until
/// [`resolve_role_assignments`] sets or drops them.
fn pending_role_assignment(a: crate::load::kinds::RoleAssignmentDoc) -> RoleAssignment {
    RoleAssignment {
        principal_ref: a.principal,
        role_ref: a.role,
        scope_ref: a.scope,
        description: a.description,
        principal: PrincipalId(u32::MAX),
        role: RoleRef::Custom(RoleId(u32::MAX)),
        scope: ScopeId(u32::MAX),
        eligible: a.eligible,
        rare: a.rare,
    }
}

/// Resolves every pending assignment's principal, role and scope in place (in parallel: the
/// tenant is complete for them by now), reports those that do not resolve, in order, and
/// keeps the rest as the tenant's assignments.
fn resolve_role_assignments(
    t: &mut Tenant,
    mut pending: Vec<RoleAssignment>,
    findings: &mut Vec<Finding>,
) {
    let tenant = &*t;
    let resolved: Vec<bool> = pending
        .par_iter_mut()
        .map(|a| {
            let found = || {
                Some((
                    tenant.find_principal(&a.principal_ref.value)?,
                    tenant.find_role(&a.role_ref.value)?,
                    tenant.resolve_scope(&a.scope_ref.value).ok()?,
                ))
            };
            match found() {
                Some((principal, role, scope)) => {
                    (a.principal, a.role, a.scope) = (principal, role, scope);
                    true
                }
                None => false,
            }
        })
        .collect();
    for (a, _) in pending.iter().zip(&resolved).filter(|(_, ok)| !**ok) {
        report_role_assignment(tenant, a, findings);
    }
    let mut keep = resolved.into_iter();
    pending.retain(|_| keep.next().unwrap_or(false));
    pending.shrink_to_fit();
    t.role_assignments = pending;
}

/// Reports why an assignment does not resolve: each reference that names nothing.
fn report_role_assignment(t: &Tenant, a: &RoleAssignment, findings: &mut Vec<Finding>) {
    if t.find_principal(&a.principal_ref.value).is_none() {
        let near = suggest(
            &a.principal_ref.value,
            t.principals.iter().map(|p| p.name.value.as_str()),
        );
        findings.push(unknown(
            a.principal_ref.span,
            "principal",
            &a.principal_ref.value,
            near,
        ));
    }
    find_role_or_report(t, &a.role_ref, findings);
    resolve_scope_or_report(t, &a.scope_ref, findings);
}

fn add_policy_definition(
    t: &mut Tenant,
    p: crate::load::kinds::PolicyDefinitionDoc,
    findings: &mut Vec<Finding>,
) {
    let same = |d: &PolicyDefinition, k: &str| {
        d.name.value.eq_ignore_ascii_case(k)
            || d.id
                .as_ref()
                .is_some_and(|i| i.value.eq_ignore_ascii_case(k))
    };
    if let Some(first) = t.policy_definitions.iter().find(|d| same(d, &p.name.value)) {
        findings.push(duplicate("policy definition", &p.name, &first.name));
        return;
    }
    if let Some(id) = &p.id
        && let Some(first) = t.policy_definitions.iter().find(|d| same(d, &id.value))
    {
        let first_id = first.id.as_ref().unwrap_or(&first.name);
        findings.push(duplicate_id(
            "policy definition",
            &p.name,
            id,
            &first.name,
            first_id,
        ));
        return;
    }
    let id = PolicyDefId(t.policy_definitions.len() as u32);
    // Names and GUIDs are unique; display names need not be, so a shared one resolves to nothing.
    t.policy_index.insert(key(&p.name.value), Some(id));
    if let Some(i) = &p.id {
        t.policy_index.insert(key(&i.value), Some(id));
    }
    if let Some(d) = &p.display_name {
        match t.policy_index.entry(key(&d.value)) {
            Entry::Vacant(v) => {
                v.insert(Some(id));
            }
            Entry::Occupied(mut o) => {
                // The key may be this very definition's (a display name equal to its own
                // name or GUID), which is not pushed yet.
                if o.get().is_some_and(|other| {
                    other != id
                        && !t.policy_definitions[other.index()]
                            .name
                            .value
                            .eq_ignore_ascii_case(&d.value)
                }) {
                    o.insert(None);
                }
            }
        }
    }
    t.policy_definitions.push(PolicyDefinition {
        builtin: false,
        name: p.name,
        display_name: p.display_name,
        id: p.id,
        description: p.description,
        mode: p.mode,
        parameters: p.parameters,
        policy_rule: p.policy_rule,
    });
}

/// Adds a built-in definition to the tenant once, indexed like the tree's own.
fn add_builtin_policy(t: &mut Tenant, b: &crate::load::kinds::PolicyDefinitionDoc) -> PolicyDefId {
    if let Some(Some(id)) = t.policy_index.get(key(&b.name.value).as_ref()) {
        return *id;
    }
    let id = PolicyDefId(t.policy_definitions.len() as u32);
    t.policy_index.insert(key(&b.name.value), Some(id));
    t.policy_definitions.push(PolicyDefinition {
        builtin: true,
        name: b.name.clone(),
        display_name: b.display_name.clone(),
        id: b.id.clone(),
        description: b.description.clone(),
        mode: b.mode.clone(),
        parameters: b.parameters.clone(),
        policy_rule: b.policy_rule.clone(),
    });
    id
}

fn add_policy_assignment(
    t: &mut Tenant,
    p: crate::load::kinds::PolicyAssignmentDoc,
    findings: &mut Vec<Finding>,
) {
    let scope = resolve_scope_or_report(t, &p.scope, findings);
    let policy = match t.policy_index.get(key(&p.policy.value).as_ref()) {
        Some(Some(id)) => Some(*id),
        Some(None) => {
            findings.push(
                Finding::new(
                    Code::UnknownReference,
                    p.policy.span,
                    "ambiguous",
                    format!(
                        "several policy definitions have the display name `{}`",
                        p.policy.value
                    ),
                )
                .help("name the definition by its `name` or GUID"),
            );
            None
        }
        None => match crate::builtin::policies::policy(&p.policy.value) {
            // Azure's built-in definitions are always there; add one the first time it is named.
            Some(b) => Some(add_builtin_policy(t, b)),
            None => {
                let builtin = crate::builtin::policies::policies()
                    .iter()
                    .filter_map(|b| b.display_name.as_ref().map(|d| d.value.as_str()));
                let near = suggest(
                    &p.policy.value,
                    t.policy_definitions
                        .iter()
                        .map(|d| d.name.value.as_str())
                        .chain(builtin),
                );
                findings.push(unknown(
                    p.policy.span,
                    "policy definition",
                    &p.policy.value,
                    near,
                ));
                None
            }
        },
    };
    let not_scopes = resolve_scopes(t, p.not_scopes, findings);
    let (Some(scope), Some(policy)) = (scope, policy) else {
        return;
    };
    let id = PolicyAssignmentId(t.policy_assignments.len() as u32);
    match t.policy_assignment_index.entry((scope, key(&p.name.value))) {
        Entry::Occupied(first) => {
            let first = &t.policy_assignments[first.get().index()];
            findings.push(duplicate("policy assignment", &p.name, &first.name));
            return;
        }
        Entry::Vacant(v) => {
            v.insert(id);
        }
    }
    t.policy_assignments.push(PolicyAssignment {
        name: p.name,
        display_name: p.display_name,
        scope_ref: p.scope,
        policy_ref: p.policy,
        scope,
        policy,
        parameters: p.parameters,
        not_scopes,
        enforced: p.enforced,
        description: p.description,
    });
}

const ASSIGNMENT_ID_MARKER: &str = "/providers/microsoft.authorization/policyassignments/";

fn add_exemption(
    t: &mut Tenant,
    e: crate::load::kinds::PolicyExemptionDoc,
    findings: &mut Vec<Finding>,
) {
    let scope = resolve_scope_or_report(t, &e.scope, findings);
    let reference = e.policy_assignment.value.as_str();
    let lower = reference.to_lowercase();
    // A full assignment ID names its scope; a bare name means the assignment of that name
    // whose scope contains the exemption's scope (Azure requires that containment).
    let (wanted_scope, name) = match lower.find(ASSIGNMENT_ID_MARKER) {
        Some(i) => {
            let scope_part = if i == 0 { "/" } else { &reference[..i] };
            match t.resolve_scope(scope_part) {
                Ok(s) => (Some(s), &reference[i + ASSIGNMENT_ID_MARKER.len()..]),
                Err(_) => {
                    findings.extend(scope_finding(
                        t,
                        &Spanned::new(scope_part.into(), e.policy_assignment.span),
                    ));
                    return;
                }
            }
        }
        None => (None, reference),
    };
    let candidates: Vec<PolicyAssignmentId> = t
        .policy_assignments
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            a.name.value.eq_ignore_ascii_case(name) && wanted_scope.is_none_or(|s| a.scope == s)
        })
        .map(|(i, _)| PolicyAssignmentId(i as u32))
        .collect();
    let Some(scope) = scope else { return };
    let applicable: Vec<PolicyAssignmentId> = candidates
        .iter()
        .copied()
        .filter(|a| {
            t.scopes
                .contains(t.policy_assignments[a.index()].scope, scope)
        })
        .collect();
    let assignment = match (candidates.as_slice(), applicable.as_slice()) {
        ([], _) => {
            let mut f = match wanted_scope {
                Some(ws) => Finding::new(
                    Code::UnknownReference,
                    e.policy_assignment.span,
                    "no such policy assignment",
                    format!("no policy assignment `{name}` at `{}`", t.scope_path(ws)),
                ),
                None => unknown(e.policy_assignment.span, "policy assignment", name, None),
            };
            let elsewhere: Vec<String> = t
                .policy_assignments
                .iter()
                .filter(|a| a.name.value.eq_ignore_ascii_case(name))
                .map(|a| t.scope_path(a.scope))
                .collect();
            f.help = Some(if let Some(at) = elsewhere.first() {
                format!("an assignment named `{name}` exists at `{at}`")
            } else {
                match suggest(
                    name,
                    t.policy_assignments.iter().map(|a| a.name.value.as_str()),
                ) {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => "declare the PolicyAssignment, or fix the reference".to_string(),
                }
            });
            findings.push(f);
            return;
        }
        (_, [one]) => *one,
        (_, []) => {
            let a = &t.policy_assignments[candidates[0].index()];
            findings.push(
                Finding::new(
                    Code::UnknownReference,
                    e.scope.span,
                    "outside the assignment's scope",
                    format!(
                        "policy assignment `{name}` does not apply at `{}`",
                        e.scope.value
                    ),
                )
                .related(a.scope_ref.span, "the assignment's scope")
                .help("an exemption's scope must be the assignment's scope or below it"),
            );
            return;
        }
        (_, many) => {
            let mut f = Finding::new(
                Code::UnknownReference,
                e.policy_assignment.span,
                "ambiguous",
                format!("{} policy assignments named `{name}` apply at this scope", many.len()),
            )
            .help("name the assignment by its full ID: `{scope}/providers/Microsoft.Authorization/policyAssignments/{name}`");
            for a in many {
                f = f.related(t.policy_assignments[a.index()].name.span, "one of them");
            }
            findings.push(f);
            return;
        }
    };
    t.policy_exemptions.push(PolicyExemption {
        name: e.name,
        display_name: e.display_name,
        policy_assignment_ref: e.policy_assignment,
        scope_ref: e.scope,
        policy_assignment: assignment,
        scope,
        category: e.category,
        expires_on: e.expires_on,
        description: e.description,
    });
}

#[cfg(test)]
mod tests {
    use crate::load::parse_text;
    use crate::source::FileId;

    /// A group's repeated resources are each reported against the first of their type and
    /// name (case-insensitively, as Azure compares them), whatever comes between.
    #[test]
    fn repeated_resources_point_at_the_first_of_their_name() {
        let yaml = "kind: ManagementGroup\nname: root\n---\nkind: Subscription\nname: s1\n\
            resourceGroups:\n  - name: rg\n    resources:\n\
            \x20     - {name: a/b, type: Microsoft.Compute/virtualMachines}\n\
            \x20     - {name: vm1, type: Microsoft.Compute/virtualMachines}\n\
            \x20     - {name: vm2, type: Microsoft.Compute/virtualMachines}\n\
            \x20     - {name: VM2, type: microsoft.compute/VIRTUALMACHINES}\n\
            \x20     - {name: vm1, type: Microsoft.Network/networkInterfaces}\n\
            \x20     - {name: Vm1, type: Microsoft.Compute/virtualMachines}\n";
        let (docs, findings) = parse_text(FileId(0), yaml);
        assert!(findings.is_empty(), "{findings:?}");
        let mut findings = Vec::new();
        let t = crate::model::resolve(docs, &mut findings);
        let at = |start: u32| {
            let line = yaml[..start as usize].matches('\n').count() + 1;
            let s = &yaml[start as usize..];
            (
                line,
                s[..s.find([',', '\n']).unwrap_or(s.len())].to_string(),
            )
        };
        let mut got: Vec<_> = findings
            .iter()
            .map(|f| {
                let first = f.related.first().map(|r| at(r.span.start));
                (f.code.to_string(), at(f.primary.span.start), first)
            })
            .collect();
        got.sort();
        let name = |line: usize, text: &str| (line, text.to_string());
        assert_eq!(
            got,
            vec![
                (
                    "duplicate-name".into(),
                    name(12, "VM2"),
                    Some(name(11, "vm2"))
                ),
                (
                    "duplicate-name".into(),
                    name(14, "Vm1"),
                    Some(name(10, "vm1"))
                ),
                (
                    "schema".into(),
                    name(9, "Microsoft.Compute/virtualMachines}"),
                    None
                ),
            ]
        );
        // The group holds the other three, in order.
        let names: Vec<&str> = t.resources.iter().map(|r| r.name.value.as_str()).collect();
        assert_eq!(names, ["vm1", "vm2", "vm1"]);
        // Each resolves through its group's index, past the resources not added, whatever
        // the case of its type and name.
        let rg = "/subscriptions/s1/resourceGroups/RG/providers/";
        for (path, i) in [
            ("MICROSOFT.COMPUTE/virtualMachines/VM1", 0),
            ("Microsoft.Compute/virtualmachines/vm2", 1),
            ("microsoft.network/networkInterfaces/VM1", 2),
        ] {
            let scope = t.resolve_scope(&format!("{rg}{path}"));
            assert_eq!(scope, Ok(t.resources[i].scope), "{path}");
        }
        assert!(
            t.resolve_scope(&format!("{rg}Microsoft.Compute/virtualMachines/vm3"))
                .is_err()
        );
        assert!(
            t.resolve_scope(&format!("{rg}Microsoft.Compute/disks/vm1"))
                .is_err()
        );
    }

    /// The same in a group large enough to be searched through a table.
    #[test]
    fn repeated_resources_in_a_large_group() {
        let mut yaml = String::from(
            "kind: ManagementGroup\nname: root\n---\nkind: Subscription\nname: s1\n\
             resourceGroups:\n  - name: rg\n    resources:\n",
        );
        for i in 0..40 {
            // vm0 .. vm19, then the same twenty again, spelled in capitals.
            let name = format!("vm{}", i % 20);
            let name = if i < 20 { name } else { name.to_uppercase() };
            yaml.push_str(&format!(
                "      - {{name: {name}, type: Microsoft.Compute/virtualMachines}}\n"
            ));
        }
        let (docs, findings) = parse_text(FileId(0), &yaml);
        assert!(findings.is_empty(), "{findings:?}");
        let mut findings = Vec::new();
        let t = crate::model::resolve(docs, &mut findings);
        assert_eq!(t.resources.len(), 20);
        assert_eq!(findings.len(), 20);
        for f in &findings {
            let here = &yaml[f.primary.span.start as usize..f.primary.span.end as usize];
            let r = &f.related[0].span;
            let first = &yaml[r.start as usize..r.end as usize];
            assert_eq!(here, first.to_uppercase(), "{f:?}");
            assert_ne!(here, first);
        }
        let vm = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines";
        for (i, r) in t.resources.iter().enumerate() {
            assert_eq!(t.resolve_scope(&format!("{vm}/VM{i}")), Ok(r.scope));
        }
        assert!(t.resolve_scope(&format!("{vm}/vm20")).is_err());
    }
}
