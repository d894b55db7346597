//! Azure scopes: the tree `/` → management groups → subscriptions → resource groups →
//! resources, and the parsing of scope strings against it.
//!
//! Azure compares scopes case-insensitively, and an assignment at a scope applies to that
//! scope and everything below it.

use super::{MgId, ResId, RgId, SubId, Tenant};
use rustc_hash::FxHashMap;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScopeId(pub u32);

impl ScopeId {
    /// `/`, the tenant root scope above the root management group.
    pub const TENANT: ScopeId = ScopeId(0);
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScopeKind {
    Tenant,
    ManagementGroup(MgId),
    Subscription(SubId),
    ResourceGroup(RgId),
    Resource(ResId),
}

/// A scope's place in the tree: 16 bytes. Its path is not stored but spelled on demand from
/// the names its kind points to ([`Tenant::scope_path`]): at Azure's limits the stored paths
/// of 600,000 scopes were about 90 MB, the largest single item of a `canopy check`.
#[derive(Debug, Clone)]
struct ScopeNode {
    kind: ScopeKind,
    parent: Option<ScopeId>,
}

/// Every scope of the tenant with its parent. Index 0 is `/`.
#[derive(Debug, Clone)]
pub struct ScopeTree {
    nodes: Vec<ScopeNode>,
    /// Every scope's children in one flat array, built from the parents on first use: a list
    /// per scope cost 24 bytes each, though resources, most scopes, have none.
    children: std::sync::OnceLock<super::Rows<ScopeId>>,
}

impl Default for ScopeTree {
    fn default() -> Self {
        ScopeTree {
            nodes: vec![ScopeNode {
                kind: ScopeKind::Tenant,
                parent: None,
            }],
            children: std::sync::OnceLock::new(),
        }
    }
}

impl ScopeTree {
    /// Room for `n` more scopes.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.nodes.reserve_exact(n);
    }

    pub(crate) fn add(&mut self, kind: ScopeKind) -> ScopeId {
        self.nodes.push(ScopeNode { kind, parent: None });
        self.children.take();
        ScopeId(self.nodes.len() as u32 - 1)
    }

    pub(crate) fn set_parent(&mut self, child: ScopeId, parent: ScopeId) {
        self.nodes[child.index()].parent = Some(parent);
        self.children.take();
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }
    pub fn is_empty(&self) -> bool {
        false
    }
    pub fn kind(&self, id: ScopeId) -> ScopeKind {
        self.nodes[id.index()].kind
    }
    pub fn parent(&self, id: ScopeId) -> Option<ScopeId> {
        self.nodes[id.index()].parent
    }
    /// The scope's children, in id order (the order they were declared in).
    pub fn children(&self, id: ScopeId) -> &[ScopeId] {
        self.children
            .get_or_init(|| {
                let pairs =
                    self.nodes.iter().enumerate().filter_map(|(i, node)| {
                        node.parent.map(|p| (p.index(), ScopeId(i as u32)))
                    });
                super::Rows::new(self.nodes.len(), pairs)
            })
            .row(id.index())
    }
    /// The scope and its ancestors, nearest first, ending at `/`. Stops on a parent loop.
    pub fn ancestors(&self, id: ScopeId) -> impl Iterator<Item = ScopeId> + '_ {
        let mut next = Some(id);
        let mut steps = 0usize;
        std::iter::from_fn(move || {
            let here = next?;
            steps += 1;
            next = if steps > self.nodes.len() {
                None
            } else {
                self.parent(here)
            };
            Some(here)
        })
    }

    /// Whether `inner` is `outer` or below it: an assignment at `outer` applies at `inner`.
    pub fn contains(&self, outer: ScopeId, inner: ScopeId) -> bool {
        outer == ScopeId::TENANT || self.ancestors(inner).any(|s| s == outer)
    }
}

/// Case-insensitive lookups from names to objects, used to resolve scope strings and references.
#[derive(Debug, Default, Clone)]
pub struct ScopeIndex {
    pub(crate) mgs: FxHashMap<Box<str>, MgId>,
    /// By name and by subscription ID.
    pub(crate) subs: FxHashMap<Box<str>, SubId>,
    pub(crate) rgs: FxHashMap<(SubId, Box<str>), RgId>,
    // Resources are indexed by their group: `ResourceGroup::by_name`.
}

/// The hash of a resource's type and name, case-insensitively.
pub(crate) fn resource_name_hash(resource_type: &str, name: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    crate::fold::hash_folded(&mut h, resource_type);
    crate::fold::hash_folded(&mut h, name);
    h.finish()
}

/// A resource's key in its group's index ([`super::ResourceGroup::by_name`]): the high half
/// of its [`resource_name_hash`], FxHash's best mixed bits. Lowercase copies of the names were
/// about 60 MB at Azure's limits; half a hash is 4 bytes.
pub(crate) fn by_name_key(name_hash: u64) -> u32 {
    (name_hash >> 32) as u32
}

/// Why a scope string does not name a scope of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeError {
    pub message: String,
    pub help: Option<String>,
    /// True when the string is not shaped like an Azure scope at all.
    pub malformed: bool,
}

const MG_PREFIX: &str = "/providers/Microsoft.Management/managementGroups/";

/// Whether a resource's type `namespace/t1/t2...` and name `n1/n2...` pair up: a namespace
/// (it has a dot), at least one type, one name segment per type, no segment empty.
pub(crate) fn resource_pairs_up(resource_type: &str, name: &str) -> bool {
    let mut types = resource_type.split('/');
    let namespace_ok = types.next().is_some_and(|n| n.contains('.'));
    let names = name.split('/');
    namespace_ok
        && types.clone().count() == names.clone().count()
        && types.clone().next().is_some()
        && types.chain(names).all(|s| !s.is_empty())
}

/// Appends `{namespace}/{t1}/{n1}/{t2}/{n2}...`, a resource's path below `/providers/`, for
/// a type and name that [pair up](resource_pairs_up).
fn push_resource_path(out: &mut String, resource_type: &str, name: &str) {
    let mut types = resource_type.split('/');
    out.push_str(types.next().unwrap_or_default());
    for (ty, n) in types.zip(name.split('/')) {
        out.push('/');
        out.push_str(ty);
        out.push('/');
        out.push_str(n);
    }
}

impl Tenant {
    /// The resource of a group with this type and name, case-insensitively.
    pub(crate) fn find_resource(&self, rg: RgId, resource_type: &str, name: &str) -> Option<ResId> {
        let group = &self.resource_groups[rg.index()];
        let key = by_name_key(resource_name_hash(resource_type, name));
        let first = group.by_name.partition_point(|&(k, _)| k < key);
        (group.by_name[first..].iter())
            .take_while(|&&(k, _)| k == key)
            .map(|&(_, place)| group.resources[place as usize])
            .find(|id| {
                let r = &self.resources[id.index()];
                crate::fold::eq_fold(self.word(r.resource_type.value), resource_type)
                    && crate::fold::eq_fold(&r.name.value, name)
            })
    }
}

fn malformed(s: &str) -> ScopeError {
    ScopeError {
        message: format!("`{s}` is not an Azure scope"),
        help: Some(
            "a scope is `/`, `/providers/Microsoft.Management/managementGroups/{group}`, \
             `/subscriptions/{subscription}`, `/subscriptions/{s}/resourceGroups/{rg}` or \
             `/subscriptions/{s}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}`"
                .into(),
        ),
        malformed: true,
    }
}

impl Tenant {
    /// The scope's Azure path, spelled as the tree spells its names.
    pub fn scope_path(&self, id: ScopeId) -> String {
        let mut out = String::with_capacity(128);
        self.push_scope_path(&mut out, id);
        out
    }

    /// Every scope's path, indexed by [`ScopeId`], spelled in parallel on first use and kept:
    /// for callers that need many paths borrowed at once (the diff's keys). Single paths
    /// should use [`Tenant::scope_path`], which keeps nothing.
    pub fn scope_paths(&self) -> &[Box<str>] {
        use rayon::prelude::*;
        self.scope_paths.get_or_init(|| {
            (0..self.scopes.len() as u32)
                .into_par_iter()
                .map(|i| self.scope_path(ScopeId(i)).into_boxed_str())
                .collect()
        })
    }

    /// Appends [`Tenant::scope_path`] to `out`, for writers that reuse one buffer.
    pub fn push_scope_path(&self, out: &mut String, id: ScopeId) {
        match self.scopes.kind(id) {
            ScopeKind::Tenant => out.push('/'),
            ScopeKind::ManagementGroup(m) => {
                out.push_str(MG_PREFIX);
                out.push_str(&self.mg(m).name.value);
            }
            ScopeKind::Subscription(s) => {
                out.push_str("/subscriptions/");
                out.push_str(&self.sub(s).name.value);
            }
            ScopeKind::ResourceGroup(r) => {
                let rg = &self.resource_groups[r.index()];
                self.push_scope_path(out, self.sub(rg.subscription).scope);
                out.push_str("/resourceGroups/");
                out.push_str(&rg.name.value);
            }
            ScopeKind::Resource(r) => {
                let res = &self.resources[r.index()];
                self.push_scope_path(out, self.resource_groups[res.resource_group.index()].scope);
                out.push_str("/providers/");
                // Resolving admitted only resources whose type and name pair up.
                push_resource_path(out, self.word(res.resource_type.value), &res.name.value);
            }
        }
    }

    /// Resolves an Azure scope string, case-insensitively, to a scope of the tree.
    pub fn resolve_scope(&self, s: &str) -> Result<ScopeId, ScopeError> {
        let trimmed = s.trim();
        if trimmed == "/" {
            return Ok(ScopeId::TENANT);
        }
        let Some(rest) = trimmed.strip_prefix('/') else {
            return Err(malformed(s));
        };
        let segs: Vec<&str> = rest.strip_suffix('/').unwrap_or(rest).split('/').collect();
        if segs.iter().any(|p| p.is_empty()) {
            return Err(malformed(s));
        }
        let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        let idx = &self.index;
        match segs.as_slice() {
            [p, ns, mgs, name]
                if eq(p, "providers")
                    && eq(ns, "Microsoft.Management")
                    && eq(mgs, "managementGroups") =>
            {
                idx.mgs
                    .get(&*super::lowered(name))
                    .map(|id| self.mg(*id).scope)
                    .ok_or_else(|| {
                        self.not_found(
                            "management group",
                            name,
                            self.management_groups.iter().map(|m| m.name.value.as_str()),
                        )
                    })
            }
            [subs, sub, rest @ ..] if eq(subs, "subscriptions") => {
                let sid = *idx.subs.get(&*super::lowered(sub)).ok_or_else(|| {
                    self.not_found(
                        "subscription",
                        sub,
                        self.subscriptions.iter().map(|s| s.name.value.as_str()),
                    )
                })?;
                let subscription = self.sub(sid);
                match rest {
                    [] => Ok(subscription.scope),
                    [rgs, rg, rest @ ..] if eq(rgs, "resourceGroups") => {
                        let rid =
                            *idx.rgs
                                .get(&(sid, rg.to_lowercase().into_boxed_str()))
                                .ok_or_else(|| {
                                    let names = subscription.resource_groups.iter().map(|r| {
                                        self.resource_groups[r.index()].name.value.as_str()
                                    });
                                    let mut e = self.not_found("resource group", rg, names);
                                    e.message.push_str(&format!(
                                        " in subscription `{}`",
                                        subscription.name.value
                                    ));
                                    e
                                })?;
                        let group = &self.resource_groups[rid.index()];
                        match rest {
                            [] => Ok(group.scope),
                            [p, ns, pairs @ ..]
                                if eq(p, "providers")
                                    && !pairs.is_empty()
                                    && pairs.len() % 2 == 0 =>
                            {
                                let types: Vec<&str> = pairs.iter().step_by(2).copied().collect();
                                let names: Vec<&str> =
                                    pairs.iter().skip(1).step_by(2).copied().collect();
                                let resource_type = format!("{ns}/{}", types.join("/"));
                                self.find_resource(rid, &resource_type, &names.join("/"))
                                    .map(|r| self.resources[r.index()].scope)
                                    .ok_or_else(|| {
                                        let candidates = group
                                            .resources
                                            .iter()
                                            .map(|r| self.resources[r.index()].name.value.as_str());
                                        let mut e = self.not_found(
                                            "resource",
                                            &names.join("/"),
                                            candidates,
                                        );
                                        e.message.push_str(&format!(
                                            " of type `{ns}/{}` in resource group `{}`",
                                            types.join("/"),
                                            group.name.value
                                        ));
                                        e
                                    })
                            }
                            _ => Err(malformed(s)),
                        }
                    }
                    _ => Err(malformed(s)),
                }
            }
            _ => Err(malformed(s)),
        }
    }

    fn not_found<'a>(
        &self,
        what: &str,
        name: &str,
        candidates: impl Iterator<Item = &'a str>,
    ) -> ScopeError {
        let candidates: Vec<&str> = candidates.collect();
        let help = match crate::load::schema::suggest(name, candidates.iter().copied()) {
            Some(n) => format!("did you mean `{n}`?"),
            None if candidates.is_empty() => {
                format!("no {what} is declared there; declare it, or fix the scope")
            }
            None => {
                let shown: Vec<String> = candidates
                    .iter()
                    .take(5)
                    .map(|c| format!("`{c}`"))
                    .collect();
                let more = if candidates.len() > 5 { ", ..." } else { "" };
                format!("declared there: {}{more}", shown.join(", "))
            }
        };
        ScopeError {
            message: format!("no {what} named `{name}`"),
            help: Some(help),
            malformed: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::parse_text;
    use crate::source::FileId;

    fn tenant(yaml: &str) -> Tenant {
        let (docs, findings) = parse_text(FileId(0), yaml);
        assert!(findings.is_empty(), "{findings:?}");
        let mut findings = Vec::new();
        let t = crate::model::resolve(docs, &mut findings);
        assert!(findings.is_empty(), "{findings:?}");
        t
    }

    const TREE: &str = r"kind: ManagementGroup
name: root
---
kind: ManagementGroup
name: Prod
parent: root
---
kind: Subscription
name: corp-prod
id: 00000000-0000-0000-0000-0000000000AA
parent: Prod
resourceGroups:
  - name: Test
    resources:
      - {name: sql-test/TestDB, type: Microsoft.Sql/servers/databases}
      - {name: vm1, type: Microsoft.Compute/virtualMachines}
";

    #[test]
    fn scopes_resolve_case_insensitively_as_azure_compares_them() {
        let t = tenant(TREE);
        let prod = t
            .resolve_scope("/providers/microsoft.management/MANAGEMENTGROUPS/prod")
            .unwrap();
        assert_eq!(
            t.scope_path(prod),
            "/providers/Microsoft.Management/managementGroups/Prod"
        );
        let rg = t
            .resolve_scope("/SUBSCRIPTIONS/Corp-Prod/resourcegroups/test")
            .unwrap();
        assert!(t.scopes.contains(prod, rg));
        assert_eq!(t.resolve_scope("/").unwrap(), ScopeId::TENANT);
    }

    /// Paths are spelled on demand from the declared names, as the tree spells them, and
    /// resolve back to their scope; the cached table agrees with them.
    #[test]
    fn every_scope_path_is_spelled_from_its_names_and_resolves_back() {
        let t = tenant(TREE);
        let paths: Vec<String> = (0..t.scopes.len() as u32)
            .map(|i| t.scope_path(ScopeId(i)))
            .collect();
        assert_eq!(
            paths,
            [
                "/",
                "/providers/Microsoft.Management/managementGroups/root",
                "/providers/Microsoft.Management/managementGroups/Prod",
                "/subscriptions/corp-prod",
                "/subscriptions/corp-prod/resourceGroups/Test",
                "/subscriptions/corp-prod/resourceGroups/Test/providers/Microsoft.Sql/servers/sql-test/databases/TestDB",
                "/subscriptions/corp-prod/resourceGroups/Test/providers/Microsoft.Compute/virtualMachines/vm1",
            ]
        );
        for (i, p) in paths.iter().enumerate() {
            assert_eq!(t.resolve_scope(p), Ok(ScopeId(i as u32)), "{p}");
            assert_eq!(&*t.scope_paths()[i], p);
        }
    }

    #[test]
    fn subscriptions_resolve_by_name_or_id() {
        let t = tenant(TREE);
        let by_name = t.resolve_scope("/subscriptions/corp-prod").unwrap();
        let by_id = t
            .resolve_scope("/subscriptions/00000000-0000-0000-0000-0000000000aa")
            .unwrap();
        assert_eq!(by_name, by_id);
    }

    #[test]
    fn nested_resource_types_take_a_name_segment_per_type() {
        let t = tenant(TREE);
        let db = t
            .resolve_scope("/subscriptions/corp-prod/resourceGroups/Test/providers/Microsoft.Sql/servers/sql-test/databases/TestDB")
            .unwrap();
        let vm = t
            .resolve_scope("/subscriptions/corp-prod/resourceGroups/Test/providers/Microsoft.Compute/virtualMachines/VM1")
            .unwrap();
        assert_ne!(db, vm);
        // TestDB → Test → corp-prod → Prod → root → /
        assert_eq!(t.scopes.ancestors(db).count(), 6);
    }

    #[test]
    fn unknown_and_malformed_scopes_say_why() {
        let t = tenant(TREE);
        let e = t
            .resolve_scope("/subscriptions/corp-prod/resourceGroups/Tset")
            .unwrap_err();
        assert!(!e.malformed);
        assert_eq!(
            e.message,
            "no resource group named `Tset` in subscription `corp-prod`"
        );
        assert_eq!(e.help.as_deref(), Some("did you mean `Test`?"));
        assert!(
            t.resolve_scope("subscriptions/corp-prod")
                .unwrap_err()
                .malformed
        );
        assert!(t.resolve_scope("/subscriptions//x").unwrap_err().malformed);
        assert!(
            t.resolve_scope("/providers/Microsoft.Management/managementGroups")
                .unwrap_err()
                .malformed
        );
        let e = t
            .resolve_scope("/providers/Microsoft.Management/managementGroups/prdo")
            .unwrap_err();
        assert_eq!(e.help.as_deref(), Some("did you mean `Prod`?"));
    }
}
