//! Azure action patterns: matching them, classifying them against the published operations,
//! and suggesting the operation a mistyped pattern probably meant.

use std::sync::LazyLock;

use super::format::namespace;
use super::{Operation, cmp_ignore_ascii_case, operations};

/// Which published operations a pattern matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatternMatch {
    /// Only control-plane operations (they belong in `actions`).
    Control,
    /// Only data-plane operations (they belong in `dataActions`).
    Data,
    /// Operations of both kinds.
    Both,
    /// No published operation.
    None,
}

/// Bit set of operation kinds seen, turned into a [`PatternMatch`] at the end.
type Kinds = u8;
const CONTROL: Kinds = 1;
const DATA: Kinds = 2;
const BOTH: Kinds = CONTROL | DATA;

impl PatternMatch {
    fn from_kinds(kinds: Kinds) -> Self {
        match kinds {
            0 => Self::None,
            CONTROL => Self::Control,
            DATA => Self::Data,
            _ => Self::Both,
        }
    }
}

fn kind(op: &Operation) -> Kinds {
    if op.is_data_action { DATA } else { CONTROL }
}

/// The kinds of operation published under `name` (case-insensitively): Azure publishes some
/// names more than once, occasionally with different data-action flags. A binary search in
/// [`SORTED`], not a hash map: building a map of 24,680 case-folded names cost a small tree's
/// check several milliseconds, and the sorted index is built anyway (in linear time, as the
/// catalogue comes sorted).
fn exact_kinds(name: &str) -> Kinds {
    let ops = operations();
    let sorted = &**SORTED;
    let start =
        sorted.partition_point(|&i| cmp_ignore_ascii_case(&ops[i as usize].name, name).is_lt());
    sorted[start..]
        .iter()
        .map(|&i| &ops[i as usize])
        .take_while(|op| op.name.eq_ignore_ascii_case(name))
        .fold(0, |k, op| k | kind(op))
}

/// Indices into [`operations`], ordered by ASCII-lowercased name, so that all operations
/// starting with a given literal prefix form one contiguous run found by binary search.
static SORTED: LazyLock<Box<[u32]>> = LazyLock::new(|| {
    let ops = operations();
    let count = u32::try_from(ops.len()).expect("fewer than 2^32 operations");
    let mut sorted: Box<[u32]> = (0..count).collect();
    sorted.sort_unstable_by(|&a, &b| {
        cmp_ignore_ascii_case(&ops[a as usize].name, &ops[b as usize].name)
    });
    sorted
});

/// Whether the Azure action pattern `pattern` matches the operation `action`.
///
/// Azure RBAC compares operation strings case-insensitively, and a wildcard (`*`) in `Actions`,
/// `NotActions`, `DataActions` or `NotDataActions` grants every operation matching the rest of
/// the string: `Microsoft.Compute/*` is every operation of the Microsoft.Compute provider, and
/// `*/read` every read operation of every provider; `*` alone is everything. The wildcard is a
/// plain string wildcard, not a path segment: it matches any run of characters including `/`,
/// and may appear anywhere (`Microsoft.Compute/virtualMachines/*/read`).
/// See <https://learn.microsoft.com/azure/role-based-access-control/role-definitions#actions>.
///
/// Case folding is ASCII-only (Azure's operation names are ASCII). Does not allocate.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    let (pattern, action) = (pattern.as_bytes(), action.as_bytes());
    let Some(first) = pattern.iter().position(|&c| c == b'*') else {
        return pattern.eq_ignore_ascii_case(action);
    };
    let last = pattern.iter().rposition(|&c| c == b'*').unwrap_or(first);
    // Check the literal head and tail first: they reject almost every candidate at once.
    let (head, tail) = (&pattern[..first], &pattern[last + 1..]);
    if action.len() < head.len() + tail.len()
        || !action[..head.len()].eq_ignore_ascii_case(head)
        || !action[action.len() - tail.len()..].eq_ignore_ascii_case(tail)
    {
        return false;
    }
    glob(
        &pattern[first..=last],
        &action[head.len()..action.len() - tail.len()],
    )
}

/// Classic linear-time-in-practice wildcard matching: on a mismatch, let the most recent `*`
/// absorb one more character and retry from just after it.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where to resume after the last `*`: (pattern index after it, text index it last matched up to).
    let mut resume: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                p += 1;
                resume = Some((p, t));
            }
            Some(c) if c.eq_ignore_ascii_case(&text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match resume {
                Some((after_star, absorbed)) => {
                    p = after_star;
                    t = absorbed + 1;
                    resume = Some((after_star, absorbed + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Which published operations `pattern` matches (see [`action_matches`]).
///
/// Exact names are one binary search. A wildcard pattern is tested only against the operations
/// sharing its literal prefix (the text before the first `*`), found by binary search in a
/// lowercase-sorted index; only a pattern starting with `*` scans every operation. The scan
/// stops as soon as both kinds have been seen.
pub fn classify_pattern(pattern: &str) -> PatternMatch {
    let Some(star) = pattern.find('*') else {
        return PatternMatch::from_kinds(exact_kinds(pattern));
    };
    let ops = operations();
    let prefix = &pattern[..star];
    let mut kinds = 0;
    // `any` stops the scan once both kinds have been seen.
    let mut seen_both = |op: &Operation| {
        if action_matches(pattern, &op.name) {
            kinds |= kind(op);
        }
        kinds == BOTH
    };
    if prefix.is_empty() {
        ops.iter().any(seen_both);
    } else {
        let sorted = &**SORTED;
        let start = sorted
            .partition_point(|&i| cmp_ignore_ascii_case(&ops[i as usize].name, prefix).is_lt());
        sorted[start..]
            .iter()
            .map(|&i| &ops[i as usize])
            .take_while(|op| starts_with_ignore_ascii_case(&op.name, prefix))
            .any(&mut seen_both);
    }
    PatternMatch::from_kinds(kinds)
}

fn starts_with_ignore_ascii_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// The published operation of the requested kind (`data`: data-plane, else control-plane)
/// nearest to `pattern`, for "did you mean" hints on a pattern that matched nothing.
///
/// Candidates in the pattern's provider namespace (the text before the first `/`, compared
/// case-insensitively) are preferred, since a typo rarely changes the provider; if none of them
/// is close, all operations of that kind are considered. Closeness is the optimal-string-
/// alignment edit distance, case-insensitive (ties go to the spelling closest in case, then to
/// the first published), and must be at most a fifth of the pattern's literal text (at least 2).
/// For a wildcard pattern, only its literal start (before the first `*`) and end (after the last
/// `*`) are compared, against the same number of `/`-segments at the start and end of each
/// operation, so `Microsoft.Compte/*` finds a `Microsoft.Compute/...` operation.
/// Returns the name as published, or `None` if nothing is reasonably close.
pub fn nearest_operation(pattern: &str, data: bool) -> Option<&'static str> {
    let query = Query::new(pattern)?;
    let ns = namespace(pattern);
    let of_kind = || {
        operations()
            .iter()
            .filter(move |op| op.is_data_action == data)
    };
    query
        .nearest(of_kind().filter(|op| namespace(&op.name).eq_ignore_ascii_case(ns)))
        .or_else(|| query.nearest(of_kind()))
        .map(|op| &*op.name)
}

/// A pattern prepared for distance comparisons.
struct Query<'p> {
    /// The literal text before the first `*` (all of it if there is none), and its lowercase.
    head: &'p str,
    head_lower: String,
    /// The literal text after the last `*` (empty if there is none), and its lowercase.
    tail: &'p str,
    tail_lower: String,
    wildcard: bool,
    max_distance: usize,
}

impl<'p> Query<'p> {
    fn new(pattern: &'p str) -> Option<Self> {
        let (head, tail, wildcard) = match (pattern.find('*'), pattern.rfind('*')) {
            (Some(first), Some(last)) => (&pattern[..first], &pattern[last + 1..], true),
            _ => (pattern, "", false),
        };
        let literal = head.len() + tail.len();
        if literal == 0 {
            return None;
        }
        Some(Self {
            head,
            head_lower: head.to_ascii_lowercase(),
            tail,
            tail_lower: tail.to_ascii_lowercase(),
            wildcard,
            max_distance: (literal / 5).max(2),
        })
    }

    /// The parts of `name` to compare with `head` and `tail`.
    fn project<'n>(&self, name: &'n str) -> (&'n str, &'n str) {
        if self.wildcard {
            (
                leading_like(name, self.head),
                trailing_like(name, self.tail),
            )
        } else {
            (name, "")
        }
    }

    fn nearest<'o>(
        &self,
        candidates: impl Iterator<Item = &'o Operation>,
    ) -> Option<&'o Operation> {
        let mut best: Option<(&Operation, (usize, usize))> = None;
        let mut lower = String::new();
        for op in candidates {
            let bound = best.map_or(self.max_distance, |(_, (d, _))| d);
            let (head, tail) = self.project(&op.name);
            // Edit distance is at least the length difference: skip hopeless candidates cheaply.
            if head.len().abs_diff(self.head.len()) + tail.len().abs_diff(self.tail.len()) > bound {
                continue;
            }
            let mut distance = 0;
            for (part, query) in [(head, &self.head_lower), (tail, &self.tail_lower)] {
                lower.clear();
                lower.extend(part.chars().map(|c| c.to_ascii_lowercase()));
                distance += strsim::osa_distance(&lower, query);
            }
            if distance > bound {
                continue;
            }
            let case_distance =
                strsim::osa_distance(head, self.head) + strsim::osa_distance(tail, self.tail);
            let score = (distance, case_distance);
            if best.is_none_or(|(_, best_score)| score < best_score) {
                best = Some((op, score));
            }
        }
        best.map(|(op, _)| op)
    }
}

/// The start of `name` shaped like the pattern head `head`: as many whole segments as `head`
/// has `/`s, then as many characters of the next segment as `head` has after its last `/`.
fn leading_like<'n>(name: &'n str, head: &str) -> &'n str {
    let slashes = head.matches('/').count();
    let partial = head.len() - head.rfind('/').map_or(0, |i| i + 1);
    let start = if slashes == 0 {
        0
    } else {
        match name.match_indices('/').nth(slashes - 1) {
            Some((i, _)) => i + 1,
            None => return name,
        }
    };
    let segment = name[start..].split('/').next().unwrap_or("");
    let take = floor_char_boundary(segment, partial.min(segment.len()));
    &name[..start + take]
}

/// The end of `name` shaped like the pattern tail `tail` (mirror image of [`leading_like`]).
fn trailing_like<'n>(name: &'n str, tail: &str) -> &'n str {
    let slashes = tail.matches('/').count();
    let partial = tail.find('/').unwrap_or(tail.len());
    let end = if slashes == 0 {
        name.len()
    } else {
        match name.rmatch_indices('/').nth(slashes - 1) {
            Some((i, _)) => i,
            None => return name,
        }
    };
    let segment = name[..end].rsplit('/').next().unwrap_or("");
    let mut take = partial.min(segment.len());
    while !segment.is_char_boundary(segment.len() - take) {
        take -= 1;
    }
    &name[end - take..]
}

fn floor_char_boundary(s: &str, mut index: usize) -> usize {
    while !s.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_exact_names_case_insensitively() {
        assert!(action_matches(
            "Microsoft.Compute/virtualMachines/read",
            "microsoft.compute/VIRTUALMACHINES/read"
        ));
        assert!(!action_matches(
            "Microsoft.Compute/virtualMachine/read",
            "Microsoft.Compute/virtualMachines/read"
        ));
        assert!(!action_matches(
            "Microsoft.Compute/virtualMachines/read",
            "Microsoft.Compute/virtualMachines/reads"
        ));
        assert!(!action_matches(
            "Microsoft.Compute/virtualMachines",
            "Microsoft.Compute/virtualMachines/read"
        ));
    }

    #[test]
    fn star_matches_any_characters_including_slashes() {
        let vm_read = "microsoft.compute/virtualMachines/read";
        assert!(action_matches("Microsoft.Compute/*", vm_read));
        assert!(action_matches("*/read", vm_read));
        assert!(action_matches("*", vm_read));
        assert!(action_matches("*", ""));
        assert!(action_matches("**", vm_read));
        assert!(action_matches(
            "Microsoft.Compute/virtualMachines/*/read",
            "Microsoft.Compute/virtualMachines/extensions/read"
        ));
        assert!(action_matches(
            "Microsoft.Compute/virtualMachines/*/read",
            "Microsoft.Compute/virtualMachines/a/b/read"
        ));
        assert!(!action_matches(
            "Microsoft.Compute/virtualMachines/*/read",
            vm_read
        ));
        assert!(action_matches("Microsoft.Compute/*/read", vm_read));
        assert!(action_matches("Microsoft.Compute/virtual*", vm_read));
        assert!(action_matches("*/virtualMachines/*", vm_read));
        assert!(action_matches("*a*a*a*", "banana"));
        assert!(!action_matches("*a*a*a*a*", "banana"));
    }

    #[test]
    fn no_false_prefix_or_suffix_matches() {
        assert!(!action_matches(
            "Microsoft.Compute/virtualMachine/read",
            "Microsoft.Compute/virtualMachines/read"
        ));
        assert!(!action_matches(
            "Microsoft.Compute/virtualMachine/*",
            "Microsoft.Compute/virtualMachines/read"
        ));
        assert!(!action_matches(
            "Microsoft.Comput/*",
            "Microsoft.Compute/virtualMachines/read"
        ));
        assert!(!action_matches(
            "*/read",
            "Microsoft.Compute/virtualMachines/reader"
        ));
        assert!(!action_matches("*/read", "read"));
        assert!(!action_matches(
            "Microsoft.Storage/*",
            "Microsoft.StorageSync/x/read"
        ));
        assert!(
            !action_matches("a*ab", "ab"),
            "head and tail must not overlap"
        );
    }

    fn brute_force(pattern: &str) -> PatternMatch {
        PatternMatch::from_kinds(
            operations()
                .iter()
                .filter(|op| action_matches(pattern, &op.name))
                .fold(0, |kinds, op| kinds | kind(op)),
        )
    }

    #[test]
    fn classifies_patterns() {
        assert_eq!(
            classify_pattern("Microsoft.Compute/virtualMachine/read"),
            PatternMatch::None
        );
        assert_eq!(
            classify_pattern("Microsoft.Compute/virtualMachines/read"),
            PatternMatch::Control
        );
        assert_eq!(
            classify_pattern("microsoft.compute/VIRTUALMACHINES/read"),
            PatternMatch::Control
        );
        assert_eq!(
            classify_pattern(
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
            ),
            PatternMatch::Data
        );
        assert_eq!(classify_pattern("*"), PatternMatch::Both);
        assert_eq!(classify_pattern("Microsoft.Nope/*"), PatternMatch::None);
        // Microsoft.Compute publishes data actions too (e.g. virtual machine login), so today
        // this is Both; either way it must agree with testing every operation.
        let compute = classify_pattern("Microsoft.Compute/*");
        assert!(matches!(
            compute,
            PatternMatch::Control | PatternMatch::Both
        ));
        assert_eq!(compute, brute_force("Microsoft.Compute/*"));
    }

    #[test]
    fn classification_agrees_with_testing_every_operation() {
        for pattern in [
            "*",
            "*/read",
            "*/action",
            "*/blobs/*",
            "Microsoft.Compute/*",
            "microsoft.compute/*/read",
            "Microsoft.Storage/storageAccounts/blobServices/*",
            "Microsoft.Storage/*/read",
            "Microsoft.KeyVault/vaults/secrets/*",
            "Microsoft.Web/*",
            "microsoft.web/sites/*",
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Network/virtualNetworks/read",
            "Microsoft.Insights/*",
            "Microsoft.Zzz*",
            "Z*",
            "*zzz",
        ] {
            assert_eq!(classify_pattern(pattern), brute_force(pattern), "{pattern}");
        }
    }

    #[test]
    fn suggests_the_nearest_operation() {
        assert_eq!(
            nearest_operation("Microsoft.Compute/virtualMachine/read", false),
            Some("Microsoft.Compute/virtualMachines/read")
        );
        assert_eq!(
            nearest_operation("microsoft.compute/virtualmachine/read", false),
            Some("Microsoft.Compute/virtualMachines/read")
        );
        assert_eq!(
            nearest_operation(
                "Microsoft.Storage/storageAccounts/blobServices/containers/blob/read",
                true
            ),
            Some("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read")
        );
        // A mistyped provider finds the right one through the fallback to all operations.
        assert_eq!(
            nearest_operation("Microsoft.Compte/virtualMachines/read", false),
            Some("Microsoft.Compute/virtualMachines/read")
        );
        let near = nearest_operation("Microsoft.Compte/*", false).expect("a Microsoft.Compute op");
        assert!(near.starts_with("Microsoft.Compute/"), "{near}");
        let near = nearest_operation("*/raed", false).expect("some read op");
        assert!(near.ends_with("/read"), "{near}");
        assert_eq!(
            nearest_operation("Totally.Unrelated/thing/that/is/long", false),
            None
        );
        assert_eq!(nearest_operation("*", false), None);
    }

    #[test]
    fn shapes_operation_names_like_pattern_ends() {
        let name = "Microsoft.Compute/virtualMachines/extensions/read";
        assert_eq!(
            leading_like(name, "Microsoft.Compte/"),
            "Microsoft.Compute/"
        );
        assert_eq!(
            leading_like(name, "Microsoft.Compute/virt"),
            "Microsoft.Compute/virt"
        );
        assert_eq!(leading_like(name, "Micro"), "Micro");
        assert_eq!(leading_like("a/b", "a/b/c/"), "a/b");
        assert_eq!(trailing_like(name, "/raed"), "/read");
        assert_eq!(trailing_like(name, "ns/read"), "ns/read");
        assert_eq!(trailing_like(name, ""), "");
        assert_eq!(trailing_like("a", "x/y/z"), "a");
    }
}
