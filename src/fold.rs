//! Case-insensitive names without lowercase copies: Azure compares names and scopes
//! case-insensitively, and an index keyed by lowercase copies of half a million names holds
//! tens of MB of them. Instead an index hashes each name as it folds it, keeps only ids, and
//! confirms a hash match by comparing the names themselves.

use rustc_hash::FxHasher;
use std::hash::Hasher;

/// Feeds `s`, lowercased, to `h`, then a separator, so that consecutive names hash apart.
/// Names equal under [`eq_fold`] hash equal: both paths feed the same lowercase bytes.
pub fn hash_folded(h: &mut FxHasher, s: &str) {
    if s.is_ascii() {
        // Lowercased a block at a time, so the hasher takes whole words.
        let mut buf = [0u8; 64];
        for chunk in s.as_bytes().chunks(64) {
            let b = &mut buf[..chunk.len()];
            b.copy_from_slice(chunk);
            b.make_ascii_lowercase();
            h.write(b);
        }
    } else {
        for chunk in s.to_lowercase().as_bytes().chunks(64) {
            h.write(chunk);
        }
    }
    h.write_u8(0xff);
}

/// Case-insensitive equality, as Azure compares names.
pub fn eq_fold(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(s: &str) -> u64 {
        let mut h = FxHasher::default();
        hash_folded(&mut h, s);
        h.finish()
    }

    #[test]
    fn names_equal_but_for_case_hash_equal() {
        for (a, b) in [
            ("vm-Prod-01", "VM-prod-01"),
            ("Zürich", "ZÜRICH"),
            // The Kelvin sign lowercases to an ASCII `k`: one name ASCII, the other not.
            ("\u{212A}v", "kv"),
            (&"Long-Name".repeat(20), &"long-name".repeat(20)),
        ] {
            assert!(eq_fold(a, b), "{a} {b}");
            assert_eq!(hash(a), hash(b), "{a} {b}");
        }
        assert!(!eq_fold("vm1", "vm2"));
        assert_ne!(hash("vm1"), hash("vm2"));
    }
}
