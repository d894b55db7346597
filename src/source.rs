//! Source files and byte spans: every value canopy reports on points back here.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in [`Files`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range in one file. Kept small (12 bytes) because every name and reference carries one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: u32, end: u32) -> Self {
        Span { file, start, end }
    }
    pub fn len(&self) -> u32 {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// A value read from the tree together with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// A string as the model holds it: a slice of its file's text, shared, not copied. Names,
/// references and scope strings are most of a tenant's values and nearly all are written
/// plainly, so at Azure's limits this saves millions of small allocations (a `String` per
/// value was about a third of `canopy check`'s peak memory). Values that differ from their
/// source (escaped, folded, normalised) hold their own text.
pub type Str = arcstr::Substr;

/// A string value with its place in the tree.
pub type Text = Spanned<Str>;

impl Text {
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

/// One loaded file: its path relative to the tree, its text, and where its lines start.
/// Cloning is cheap: the text and line starts are shared.
///
/// Line starts are found on first use, not when the file is read: most runs report on a few
/// files, and the tables for every file were 16 MB at Azure's limits.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as shown to users: relative to the tree root, with `/` separators.
    pub name: String,
    /// Absolute or caller-given path on disk.
    pub path: PathBuf,
    pub text: arcstr::ArcStr,
    /// Byte offset where each line starts, once asked for. Shared by clones, so each file's
    /// table is built at most once and renderers can hold it cheaply.
    line_starts: Arc<std::sync::OnceLock<Arc<[u32]>>>,
}

impl SourceFile {
    pub fn new(name: String, path: PathBuf, text: arcstr::ArcStr) -> Self {
        SourceFile {
            name,
            path,
            text,
            line_starts: Arc::default(),
        }
    }

    /// Where each line starts, for renderers that need to find lines without rescanning.
    pub fn line_starts(&self) -> &Arc<[u32]> {
        self.line_starts
            .get_or_init(|| line_starts(&self.text).into())
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: u32) -> u32 {
        match self.line_starts().binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    /// 1-based line and column (in characters, as editors count them) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let line = self.line_of(offset) as usize - 1;
        let start = self.line_starts()[line] as usize;
        let end = (offset as usize).min(self.text.len());
        let col = self
            .text
            .get(start..end)
            .map(|s| s.chars().count())
            .unwrap_or(end - start);
        (line as u32 + 1, col as u32 + 1)
    }
}

/// Line starts, with `\n`, `\r\n` and a lone `\r` each ending a line, as YAML and miette
/// count them.
///
/// Found with memchr rather than byte by byte: `canopy access report` gives every row its
/// line, and at Azure's limits the files holding assignments are about half of the 131 MB
/// read (perf: 48 ms of CPU byte by byte).
fn line_starts(text: &str) -> Vec<u32> {
    let bytes = text.as_bytes();
    let mut starts = vec![0u32];
    for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        let ends_line = bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n');
        if ends_line {
            starts.push(i as u32 + 1);
        }
    }
    starts
}

/// canopy's own built-in policy definitions, so findings and reports can point into them like
/// into any file of the tree.
static BUILTIN_POLICIES: std::sync::LazyLock<SourceFile> = std::sync::LazyLock::new(|| {
    SourceFile::new(
        "<canopy built-in>/policy-definitions.yaml".into(),
        "<canopy built-in>/policy-definitions.yaml".into(),
        arcstr::ArcStr::from(crate::builtin::policies::TEXT),
    )
});

/// Every file canopy read, addressed by [`FileId`]. Ids are usually dense (0, 1, 2, ...), but a
/// tree read from Git revisions keeps one id per path across the whole history, so a revision
/// may hold only some of them: [`Files::insert`] places a file at its id.
#[derive(Debug, Default)]
pub struct Files {
    files: Vec<Option<SourceFile>>,
    count: usize,
}

impl Files {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.insert(id, file);
        id
    }
    /// Places a file at a given id (replacing any file there).
    pub fn insert(&mut self, id: FileId, file: SourceFile) {
        let i = id.0 as usize;
        if self.files.len() <= i {
            self.files.resize_with(i + 1, || None);
        }
        if self.files[i].replace(file).is_none() {
            self.count += 1;
        }
    }
    pub fn get(&self, id: FileId) -> &SourceFile {
        if id == crate::builtin::policies::FILE {
            return &BUILTIN_POLICIES;
        }
        self.files[id.0 as usize]
            .as_ref()
            .expect("every span points into a file of its own analysis")
    }
    pub fn len(&self) -> usize {
        self.count
    }
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.as_ref().map(|f| (FileId(i as u32), f)))
    }
    pub fn total_bytes(&self) -> usize {
        self.iter().map(|(_, f)| f.text.len()).sum()
    }
    /// The text a span covers.
    pub fn text(&self, span: Span) -> &str {
        let f = self.get(span.file);
        f.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
    pub fn find(&self, name: &Path) -> Option<FileId> {
        let name = name.to_string_lossy();
        self.iter().find(|(_, f)| f.name == name).map(|(id, _)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_yaml_line_break_ends_a_line() {
        let f = SourceFile::new("a".into(), "a".into(), "a\r\nb\rc\nd".into());
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(5), (3, 1));
        assert_eq!(f.line_col(7), (4, 1));
    }

    /// memchr finds the same line starts as reading every byte, at every `\r`, `\n` and
    /// `\r\n`, wherever they fall.
    #[test]
    fn line_starts_found_by_memchr_are_every_byte_s() {
        let every_byte = |text: &str| {
            let bytes = text.as_bytes();
            let mut starts = vec![0u32];
            for (i, b) in bytes.iter().enumerate() {
                if *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                    starts.push(i as u32 + 1);
                }
            }
            starts
        };
        let pieces = ["a", "\n", "\r", "\r\n", "\n\r", "é", ": x"];
        // Every string of up to five pieces.
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = (texts.iter())
                .flat_map(|t| pieces.iter().map(move |p| format!("{t}{p}")))
                .collect();
            texts.extend(longer);
            texts.dedup();
        }
        for text in texts.iter().chain([&"x\r\n".repeat(100)]) {
            assert_eq!(line_starts(text), every_byte(text), "{text:?}");
        }
    }

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let f = SourceFile::new(
            "a.yaml".into(),
            "a.yaml".into(),
            "a: 1\nname: Zürich 東京 x\n".into(),
        );
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(5), (2, 1));
        let x = f.text.find(" x").unwrap() as u32 + 1;
        assert_eq!(f.line_col(x), (2, 17));
    }
}
