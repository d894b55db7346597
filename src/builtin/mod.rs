//! Azure's built-in role definitions and published resource provider operations.
//!
//! canopy ships the whole catalogue inside the binary (`data/`, in canopy's own compact text
//! format, see [`format`]) so that it works offline and gives the same answer on every machine.
//! `tests/builtin_reference.rs` proves the embedded data equals Azure's published JSON.
//!
//! `build.rs` decodes `data/` into `'static` tables when canopy is compiled (the generated
//! `catalogue.rs` in `OUT_DIR`), so a run pays nothing for the catalogue but the pages it reads;
//! decoding at run time cost a small tree's whole check 11 ms (roles 3.6 ms, operations 5.5 ms,
//! their sorted index 1.8 ms, measured by `benches/check.rs`). Only the two hash indexes of roles
//! are built at run time, on the first lookup (0.3 ms).

#[doc(hidden)]
pub mod format;
mod matching;
pub mod policies;

use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

use rustc_hash::FxHashMap;

pub use format::cmp_ignore_ascii_case;
pub use matching::{PatternMatch, action_matches, classify_pattern, nearest_operation};

/// One permission block of a role definition (Azure's `permissions[i]`).
///
/// A role can have several blocks; `not_actions`/`not_data_actions` subtract only from the
/// `actions`/`data_actions` of their own block, and a `condition` applies only to its block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Permission {
    pub actions: &'static [&'static str],
    pub not_actions: &'static [&'static str],
    pub data_actions: &'static [&'static str],
    pub not_data_actions: &'static [&'static str],
    pub condition: Option<&'static str>,
    pub condition_version: Option<&'static str>,
}

/// An Azure built-in role definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BuiltinRole {
    /// The role definition's GUID as Azure spells it (lowercase).
    pub id: &'static str,
    /// The role's name (`roleName`), e.g. `Reader`.
    pub name: &'static str,
    /// The permission blocks, in Azure's order.
    pub permissions: &'static [Permission],
}

/// A resource provider operation Azure publishes, i.e. something a role's actions can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operation {
    /// The operation's name exactly as published (Azure spells some namespaces several ways).
    pub name: &'static str,
    /// Whether it is a data-plane operation (belongs in `dataActions`, not `actions`).
    pub is_data_action: bool,
}

/// The tables `build.rs` generates: `ROLES` (sorted by name case-insensitively, as
/// [`roles`] documents), `OPERATIONS` (in Azure's published order) and `OPERATIONS_SORTED`
/// (indices into `OPERATIONS` in [`cmp_ignore_ascii_case`] order, ties in published order).
mod catalogue {
    use super::{BuiltinRole, Operation, Permission};
    include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));
}

pub(crate) use catalogue::OPERATIONS_SORTED;

static ROLES_BY_NAME: LazyLock<FxHashMap<CaseInsensitive<'static>, &'static BuiltinRole>> =
    LazyLock::new(|| index_roles(|role| role.name));

static ROLES_BY_ID: LazyLock<FxHashMap<CaseInsensitive<'static>, &'static BuiltinRole>> =
    LazyLock::new(|| index_roles(|role| role.id));

/// All of Azure's built-in roles, sorted by name case-insensitively.
pub fn roles() -> &'static [BuiltinRole] {
    catalogue::ROLES
}

/// A built-in role's place in [`roles`], from its address in that one static array: for
/// tables by role read on every row of a report, where hashing the role was 1.3% of `canopy
/// access report`. `None` for a role not of the catalogue.
pub fn role_index(role: &BuiltinRole) -> Option<usize> {
    let offset = (role as *const BuiltinRole as usize).wrapping_sub(roles().as_ptr() as usize);
    let i = offset / std::mem::size_of::<BuiltinRole>();
    roles().get(i).filter(|r| std::ptr::eq(*r, role)).map(|_| i)
}

/// The built-in role with this name, compared case-insensitively (as Azure does).
pub fn role_by_name(name: &str) -> Option<&'static BuiltinRole> {
    lookup(&ROLES_BY_NAME, name)
}

/// Azure's Owner role, which classic co-administration grants.
pub fn owner() -> &'static BuiltinRole {
    role_by_name("Owner").expect("the catalogue holds Owner (`has_the_classic_roles`)")
}

/// The built-in role with this GUID, compared case-insensitively.
pub fn role_by_id(guid: &str) -> Option<&'static BuiltinRole> {
    lookup(&ROLES_BY_ID, guid)
}

/// All operations Azure publishes, in Azure's published order (case-insensitively sorted by
/// name), including entries that differ only in spelling.
pub fn operations() -> &'static [Operation] {
    catalogue::OPERATIONS
}

/// A resource type as Azure's published operations spell it (`Microsoft.Storage/storageAccounts`
/// for `microsoft.storage/storageaccounts`, as Resource Graph prints types), if any operation
/// is on it. Types are case-insensitive in Azure; this only keeps a tree's spelling the one
/// people know.
pub fn resource_type_spelling(ty: &str) -> Option<&'static str> {
    let ops = operations();
    // Operations are sorted case-insensitively by name, so those on the type are one run
    // from the first at or after `ty/`. Azure's list spells some types several ways
    // (`Microsoft.Insights/components` and `.../Components`, `microsoft.web/serverfarms`):
    // the spelling most operations use wins, an all-lowercase one only when it is the only one.
    let prefix = format!("{ty}/");
    let at = ops.partition_point(|op| cmp_ignore_ascii_case(op.name, &prefix).is_lt());
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for op in &ops[at..] {
        let name: &'static str = op.name;
        if name.len() <= prefix.len() || !name[..prefix.len()].eq_ignore_ascii_case(&prefix) {
            break;
        }
        let spelling = &name[..ty.len()];
        match counts.iter_mut().find(|(s, _)| *s == spelling) {
            Some((_, n)) => *n += 1,
            None => counts.push((spelling, 1)),
        }
    }
    let lowercase = |s: &str| !s.bytes().any(|b| b.is_ascii_uppercase());
    counts
        .iter()
        .max_by_key(|(s, n)| (!lowercase(s), *n))
        .map(|(s, _)| *s)
}

fn index_roles(
    key: fn(&'static BuiltinRole) -> &'static str,
) -> FxHashMap<CaseInsensitive<'static>, &'static BuiltinRole> {
    let roles = roles();
    let mut map = FxHashMap::with_capacity_and_hasher(roles.len(), Default::default());
    for role in roles {
        // Azure's names and ids are unique; should that ever change, the first one wins.
        map.entry(CaseInsensitive(key(role))).or_insert(role);
    }
    map
}

fn lookup<V: Copy>(map: &FxHashMap<CaseInsensitive<'_>, V>, key: &str) -> Option<V> {
    // The map's keys are `'static`; `HashMap` is covariant in its key type, so it can be viewed
    // with the caller's shorter lifetime and queried without allocating a lowercase copy.
    map.get(&CaseInsensitive(key)).copied()
}

/// A string key that hashes and compares ASCII-case-insensitively, so that case-insensitive
/// lookups need no lowercase copy. Azure's names are ASCII; other characters compare exactly.
#[derive(Debug, Clone, Copy)]
struct CaseInsensitive<'a>(&'a str);

impl PartialEq for CaseInsensitive<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}

impl Eq for CaseInsensitive<'_> {}

impl Hash for CaseInsensitive<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Eight lowercased bytes per `write_u64`: far fewer hasher rounds than byte by byte.
        let bytes = self.0.as_bytes();
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            state.write_u64(lowercase_word(chunk));
        }
        state.write_u64(lowercase_word(chunks.remainder()));
        state.write_usize(bytes.len());
    }
}

fn lowercase_word(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    for (dst, src) in word.iter_mut().zip(bytes) {
        *dst = src.to_ascii_lowercase();
    }
    u64::from_le_bytes(word)
}

/// The embedded role is the one the roles file holds (for the tests that prove `data/` is
/// Azure's data and the generated tables are `data/`).
impl PartialEq<format::Role> for BuiltinRole {
    fn eq(&self, other: &format::Role) -> bool {
        self.id == &*other.id
            && self.name == &*other.name
            && self.permissions.len() == other.permissions.len()
            && self
                .permissions
                .iter()
                .zip(&other.permissions)
                .all(|(a, b)| a == b)
    }
}

impl PartialEq<format::Permission> for Permission {
    fn eq(&self, other: &format::Permission) -> bool {
        let same = |ours: &[&str], theirs: &[Box<str>]| {
            ours.len() == theirs.len() && ours.iter().zip(theirs).all(|(a, b)| *a == &**b)
        };
        same(self.actions, &other.actions)
            && same(self.not_actions, &other.not_actions)
            && same(self.data_actions, &other.data_actions)
            && same(self.not_data_actions, &other.not_data_actions)
            && self.condition == other.condition.as_deref()
            && self.condition_version == other.condition_version.as_deref()
    }
}

impl PartialEq<format::Operation> for Operation {
    fn eq(&self, other: &format::Operation) -> bool {
        self.name == &*other.name && self.is_data_action == other.is_data_action
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READER_ID: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

    /// Every role of the catalogue is found at its own place; an equal copy held elsewhere is
    /// not of the catalogue.
    #[test]
    fn a_role_index_is_its_place_in_the_catalogue() {
        for (i, r) in roles().iter().enumerate() {
            assert_eq!(role_index(r), Some(i), "{}", r.name);
        }
        let copy = roles()[3];
        assert_eq!(role_index(&copy), None);
    }

    #[test]
    fn resource_types_are_spelled_as_the_operations_spell_them() {
        assert_eq!(
            resource_type_spelling("microsoft.storage/storageaccounts"),
            Some("Microsoft.Storage/storageAccounts")
        );
        assert_eq!(
            resource_type_spelling("microsoft.sql/servers/databases"),
            Some("Microsoft.Sql/servers/databases")
        );
        assert_eq!(resource_type_spelling("microsoft.nothing/here"), None);
        // Spelled several ways in Azure's list: the one with capitals that most use.
        let web = resource_type_spelling("microsoft.web/serverfarms").unwrap();
        assert!(web.eq_ignore_ascii_case("Microsoft.Web/serverFarms"));
        assert!(web.starts_with("Microsoft."), "{web}");
    }

    #[test]
    fn finds_roles_by_name_case_insensitively() {
        let reader = role_by_name("reader").expect("Reader is a built-in role");
        assert_eq!(reader.name, "Reader");
        assert_eq!(reader.id, READER_ID);
        assert!(std::ptr::eq(reader, role_by_name("READER").unwrap()));
        assert!(std::ptr::eq(reader, role_by_name("Reader").unwrap()));
        assert!(role_by_name("Readers").is_none());
        assert!(role_by_name("").is_none());
    }

    #[test]
    fn finds_roles_by_id_case_insensitively() {
        let reader = role_by_id(READER_ID).expect("Reader's GUID");
        assert_eq!(reader.name, "Reader");
        assert!(std::ptr::eq(
            reader,
            role_by_id(&READER_ID.to_uppercase()).unwrap()
        ));
        assert!(role_by_id("00000000-0000-0000-0000-000000000000").is_none());
    }

    #[test]
    fn has_the_classic_roles() {
        let owner = role_by_name("Owner").expect("Owner");
        assert_eq!(owner.permissions[0].actions, ["*"]);
        let contributor = role_by_name("Contributor").expect("Contributor");
        assert_eq!(contributor.permissions[0].actions, ["*"]);
        assert!(!contributor.permissions[0].not_actions.is_empty());
        assert_eq!(
            role_by_name("Reader").unwrap().permissions[0].actions,
            ["*/read"]
        );
    }

    #[test]
    fn roles_are_sorted_and_every_one_is_found() {
        let roles = roles();
        assert_eq!(roles.len(), 928);
        assert!(
            roles
                .windows(2)
                .all(|w| cmp_ignore_ascii_case(w[0].name, w[1].name).is_lt())
        );
        for role in roles {
            assert!(std::ptr::eq(
                role,
                role_by_name(&role.name.to_lowercase()).unwrap()
            ));
            assert!(std::ptr::eq(role, role_by_id(role.id).unwrap()));
        }
    }

    #[test]
    fn has_every_operation() {
        let ops = operations();
        assert_eq!(ops.len(), 24_680);
        assert!(ops.iter().any(|op| op.is_data_action));
        assert!(
            ops.iter()
                .any(|op| op.name == "Microsoft.Compute/virtualMachines/read")
        );
    }

    #[test]
    fn the_sorted_index_orders_every_operation_case_insensitively() {
        let ops = operations();
        let sorted = OPERATIONS_SORTED;
        assert_eq!(sorted.len(), ops.len());
        let mut seen = vec![false; ops.len()];
        for &i in sorted {
            assert!(!std::mem::replace(&mut seen[i as usize], true), "{i} twice");
        }
        assert!(sorted.windows(2).all(|w| {
            let (a, b) = (ops[w[0] as usize].name, ops[w[1] as usize].name);
            cmp_ignore_ascii_case(a, b).then(w[0].cmp(&w[1])).is_lt()
        }));
    }

    #[test]
    fn case_insensitive_keys_hash_alike() {
        let hash = |s: &str| {
            let mut h = rustc_hash::FxHasher::default();
            CaseInsensitive(s).hash(&mut h);
            h.finish()
        };
        assert_eq!(
            hash("Microsoft.Compute/VirtualMachines"),
            hash("microsoft.compute/virtualmachines")
        );
        assert_eq!(CaseInsensitive("ABCdef"), CaseInsensitive("abcDEF"));
        assert_ne!(CaseInsensitive("abc"), CaseInsensitive("abcd"));
    }
}
