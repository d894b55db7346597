//! Principals by name and by object ID, case-insensitively, holding only ids: references may
//! use either, and at Azure's limits lowercase copies of 220,000 names and object IDs were
//! 14 MB, all of it live at the peak of resolving. See [`crate::fold`].

use super::{Principal, PrincipalId};
use std::hash::Hasher;

/// One key of a principal: its name, or (the top bit set) its object ID.
#[derive(Debug, Clone, Copy)]
struct Key(u32);

const BY_OBJECT_ID: u32 = 1 << 31;

impl Key {
    fn principal(self) -> PrincipalId {
        PrincipalId(self.0 & !BY_OBJECT_ID)
    }
    fn text(self, principals: &[Principal]) -> &str {
        let p = &principals[self.principal().index()];
        match (self.0 & BY_OBJECT_ID != 0, &p.object_id) {
            (true, Some(oid)) => &oid.value,
            _ => &p.name.value,
        }
    }
}

fn hash(s: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    crate::fold::hash_folded(&mut h, s);
    h.finish()
}

#[derive(Debug, Default, Clone)]
pub(crate) struct PrincipalIndex {
    table: hashbrown::HashTable<Key>,
}

impl PrincipalIndex {
    /// An empty index with room for `keys` names and object IDs: filled by growing, it
    /// rehashed every key at each doubling, 15 ms of resolving at Azure's limits.
    pub(crate) fn with_capacity(keys: usize) -> Self {
        PrincipalIndex {
            table: hashbrown::HashTable::with_capacity(keys),
        }
    }

    /// The principal whose name or object ID is `name`, case-insensitively.
    pub(crate) fn get(&self, principals: &[Principal], name: &str) -> Option<PrincipalId> {
        self.table
            .find(hash(name), |k| {
                crate::fold::eq_fold(k.text(principals), name)
            })
            .map(|k| k.principal())
    }

    /// Indexes the name and object ID of a principal already in `principals`, whose keys
    /// the caller has found free with [`PrincipalIndex::get`].
    pub(crate) fn insert(&mut self, principals: &[Principal], id: PrincipalId) {
        assert!(
            id.0 & BY_OBJECT_ID == 0,
            "more principals than an index can hold"
        );
        let rehash = |k: &Key| hash(k.text(principals));
        let p = &principals[id.index()];
        self.table
            .insert_unique(hash(&p.name.value), Key(id.0), rehash);
        if let Some(oid) = &p.object_id {
            self.table
                .insert_unique(hash(&oid.value), Key(id.0 | BY_OBJECT_ID), rehash);
        }
    }
}
