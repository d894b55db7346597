//! Strings that many model items share, each kept once: a tree names a few hundred resource
//! types and a few dozen regions across hundreds of thousands of resources, and a [`Text`] of
//! each per resource was 32 bytes a resource of the tenant's peak (18 MB at Azure's limits).
//! Spelled exactly as written: two spellings of a type are two words, so every output shows
//! what its file says.

use crate::source::{Spanned, Str, Text};
use std::hash::Hasher;

/// A shared string of a tenant: [`super::Tenant::word`] spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Word(u32);

/// A [`Word`] with the place it was written.
pub type SpannedWord = Spanned<Word>;

#[derive(Debug, Default, Clone)]
pub(crate) struct Words {
    list: Vec<Str>,
    /// Indices into `list`, by the hash of their string.
    table: hashbrown::HashTable<u32>,
}

fn hash(s: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

impl Words {
    /// The word for a text, added if new; its span kept beside it.
    pub(crate) fn intern(&mut self, text: Text) -> SpannedWord {
        let Spanned { value, span } = text;
        let Words { list, table } = self;
        let h = hash(&value);
        let found = table.find(h, |&w| *list[w as usize] == *value).copied();
        let w = found.unwrap_or_else(|| {
            let w = u32::try_from(list.len()).expect("fewer than 2^32 distinct words");
            list.push(value);
            table.insert_unique(h, w, |&w| hash(&list[w as usize]));
            w
        });
        Spanned::new(Word(w), span)
    }

    pub(crate) fn get(&self, w: Word) -> &str {
        &self.list[w.0 as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    fn text(s: &str, start: u32) -> Text {
        Spanned::new(
            Str::from(s),
            Span::new(FileId(0), start, start + s.len() as u32),
        )
    }

    #[test]
    fn a_word_is_kept_once_and_spelled_exactly() {
        let mut words = Words::default();
        let a = words.intern(text("Microsoft.Compute/virtualMachines", 0));
        let b = words.intern(text("Microsoft.Compute/virtualMachines", 40));
        let c = words.intern(text("microsoft.compute/virtualmachines", 80));
        assert_eq!(a.value, b.value);
        assert_ne!(a.value, c.value, "another spelling is another word");
        assert_eq!((a.span.start, b.span.start), (0, 40));
        assert_eq!(words.get(c.value), "microsoft.compute/virtualmachines");
        assert_eq!(words.list.len(), 2);
    }
}
