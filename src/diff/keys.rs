//! Matching objects across two trees by their case-insensitive Azure identity, without
//! allocating a lowercase copy of every name: each key is hashed as it is folded, and a hash
//! match is confirmed by comparing the names themselves, so a collision can never hide a
//! change. A tenant of 40,000 role assignments is matched in a few milliseconds.

use rustc_hash::FxHasher;
use std::hash::Hasher;

/// An object's identity: up to three names (unused ones empty) and a flag.
pub type Key<'a> = ([&'a str; 3], bool);

fn hash(k: &Key) -> u64 {
    let mut h = FxHasher::default();
    for s in k.0 {
        crate::fold::hash_folded(&mut h, s);
    }
    h.write_u8(k.1 as u8);
    h.finish()
}

pub use crate::fold::eq_fold;

fn eq(a: &Key, b: &Key) -> bool {
    a.1 == b.1 && a.0.iter().zip(&b.0).all(|(x, y)| eq_fold(x, y))
}

/// Objects of one side by key. The first of several objects with one key stands for all.
pub struct Keyed<'a> {
    /// (hash, index), sorted.
    entries: Vec<(u64, u32)>,
    keys: Vec<Option<Key<'a>>>,
}

impl<'a> Keyed<'a> {
    pub fn new(keys: Vec<Option<Key<'a>>>) -> Keyed<'a> {
        let mut entries: Vec<(u64, u32)> = keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| k.as_ref().map(|k| (hash(k), i as u32)))
            .collect();
        entries.sort_unstable();
        Keyed { entries, keys }
    }

    fn find_hashed(&self, h: u64, k: &Key) -> Option<usize> {
        let start = self.entries.partition_point(|e| e.0 < h);
        self.entries[start..]
            .iter()
            .take_while(|e| e.0 == h)
            .map(|e| e.1 as usize)
            .find(|&i| self.keys[i].as_ref().is_some_and(|x| eq(x, k)))
    }

    /// The index of the (first) object with this key.
    pub fn find(&self, k: &Key) -> Option<usize> {
        self.find_hashed(hash(k), k)
    }

    /// For each object, whether it is the first of its key (later duplicates are not).
    fn firsts(&self) -> Vec<bool> {
        let mut first = vec![false; self.keys.len()];
        let mut group_start = 0;
        for (n, &(h, i)) in self.entries.iter().enumerate() {
            if n > 0 && self.entries[n - 1].0 != h {
                group_start = n;
            }
            // Entries of one hash are in index order: an equal key earlier in the group is
            // an earlier declaration.
            let k = self.keys[i as usize].as_ref();
            let earlier = self.entries[group_start..n].iter().any(|&(_, j)| {
                self.keys[j as usize]
                    .as_ref()
                    .zip(k)
                    .is_some_and(|(x, y)| eq(x, y))
            });
            first[i as usize] = !earlier;
        }
        first
    }
}

/// Objects of two sides matched by key: pairs, base-only and head-only indices.
pub struct Matched {
    pub both: Vec<(usize, usize)>,
    pub removed: Vec<usize>,
    pub added: Vec<usize>,
}

pub fn match_by<'a>(base: Vec<Option<Key<'a>>>, head: Vec<Option<Key<'a>>>) -> Matched {
    let b = Keyed::new(base);
    let h = Keyed::new(head);
    let (b_first, h_first) = (b.firsts(), h.firsts());
    let mut matched = vec![false; b.keys.len()];
    let mut m = Matched {
        both: Vec::new(),
        removed: Vec::new(),
        added: Vec::new(),
    };
    for &(hash, j) in &h.entries {
        let j = j as usize;
        let Some(k) = &h.keys[j] else { continue };
        if !h_first[j] {
            continue; // a duplicate of an earlier object: `canopy check` reports it
        }
        match b.find_hashed(hash, k) {
            Some(i) => {
                matched[i] = true;
                m.both.push((i, j));
            }
            None => m.added.push(j),
        }
    }
    for (i, k) in b.keys.iter().enumerate() {
        if k.is_some() && !matched[i] && b_first[i] {
            m.removed.push(i);
        }
    }
    m.both.sort_unstable();
    m.added.sort_unstable();
    m
}

/// Where an object is declared in a file that is the same on both sides: (file name, offset).
pub type FilePlace<'a> = Option<(&'a str, u32)>;

/// [`match_by`], with objects declared at the same place of an unchanged file on both sides
/// paired by that place first: one key comparison each instead of a hash and a lookup, so
/// only the objects of changed files (and any whose resolution changed) are matched by hash.
/// With `same_resolution` (nothing the keys are resolved from changed), an unchanged document
/// has an unchanged key, and even that comparison is skipped.
pub fn match_by_place<'a>(
    base: Vec<Option<Key<'a>>>,
    head: Vec<Option<Key<'a>>>,
    base_at: &[FilePlace<'a>],
    head_at: &[FilePlace<'a>],
    same_resolution: bool,
) -> Matched {
    let by_place: rustc_hash::FxHashMap<(&str, u32), usize> = base_at
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|p| (p, i)))
        .collect();
    let mut both = Vec::new();
    let mut paired = vec![false; base.len()];
    let mut head_pool = vec![None; head.len()];
    for (j, k) in head.iter().enumerate() {
        let Some(k) = k else { continue };
        let same = head_at[j].and_then(|p| by_place.get(&p)).filter(|&&i| {
            base[i]
                .as_ref()
                .is_some_and(|bk| same_resolution || eq(bk, k))
        });
        match same {
            Some(&i) => {
                paired[i] = true;
                both.push((i, j));
            }
            None => head_pool[j] = Some(*k),
        }
    }
    let base_pool = base
        .iter()
        .zip(&paired)
        .map(|(k, p)| if *p { None } else { *k })
        .collect();
    let mut m = match_by(base_pool, head_pool);
    m.both.extend(both);
    m.both.sort_unstable();
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_whatever_their_case_as_azure_compares_them() {
        let m = match_by(
            vec![
                Some((
                    ["Brock@Contoso.com", "Reader", "/subscriptions/Prod"],
                    false,
                )),
                Some((["ünïcode", "", ""], false)),
                Some((["gone", "", ""], false)),
                None,
            ],
            vec![
                Some((["ÜNÏCODE", "", ""], false)),
                Some((
                    ["brock@contoso.com", "reader", "/SUBSCRIPTIONS/prod"],
                    false,
                )),
                Some((["brock@contoso.com", "reader", "/SUBSCRIPTIONS/prod"], true)),
            ],
        );
        assert_eq!(m.both, vec![(0, 1), (1, 0)]);
        assert_eq!(m.added, vec![2], "the flag is part of the key");
        assert_eq!(m.removed, vec![2]);
    }

    #[test]
    fn names_are_not_run_together() {
        // ("ab", "c") and ("a", "bc") are different keys even though they concatenate alike.
        let m = match_by(
            vec![Some((["ab", "c", ""], false))],
            vec![Some((["a", "bc", ""], false))],
        );
        assert!(m.both.is_empty());
    }

    #[test]
    fn objects_at_the_same_place_of_an_unchanged_file_pair_by_place() {
        let a = Some((["a", "", ""], false));
        let b = Some((["b", "", ""], false));
        // Same place, same key: paired. Same place, other key (a reference now resolves
        // elsewhere): matched by key like any other.
        let m = match_by_place(
            vec![a, b],
            vec![b, a],
            &[Some(("f.yaml", 0)), Some(("f.yaml", 10))],
            &[Some(("f.yaml", 0)), None],
            false,
        );
        assert_eq!(m.both, vec![(0, 1), (1, 0)]);
        assert!(m.added.is_empty() && m.removed.is_empty());
    }

    #[test]
    fn duplicates_count_once() {
        let k = Some((["x", "", ""], false));
        let m = match_by(vec![k, k], vec![k, k, k]);
        assert_eq!(m.both, vec![(0, 0)]);
        assert!(m.added.is_empty() && m.removed.is_empty());
    }
}
