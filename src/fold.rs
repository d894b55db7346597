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
        // Character by character, as `eq_fold` compares (`str::to_lowercase` would turn a
        // final `Σ` into `ς`), through the same 64-byte blocks as the ASCII path, so that the
        // two paths feed the hasher alike.
        let mut buf = [0u8; 64];
        let mut len = 0;
        for c in s.chars().flat_map(char::to_lowercase) {
            let mut utf8 = [0u8; 4];
            for &b in c.encode_utf8(&mut utf8).as_bytes() {
                if len == buf.len() {
                    h.write(&buf);
                    len = 0;
                }
                buf[len] = b;
                len += 1;
            }
        }
        if len > 0 {
            h.write(&buf[..len]);
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
            // Past a block boundary, a non-ASCII name against its ASCII-only equal.
            (
                &format!("{}\u{212A}", "a".repeat(70)),
                &format!("{}k", "A".repeat(70)),
            ),
            // A final capital sigma folds to `σ` character by character, as Azure's
            // case-insensitive comparison is applied here; not to the word-final `ς`.
            ("ΟΔΟΣ", "οδοσ"),
        ] {
            assert!(eq_fold(a, b), "{a} {b}");
            assert_eq!(hash(a), hash(b), "{a} {b}");
        }
        assert!(!eq_fold("vm1", "vm2"));
        assert!(!eq_fold("ΟΔΟΣ", "οδος"));
        assert_ne!(hash("vm1"), hash("vm2"));
    }
}
