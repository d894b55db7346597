//! Walks the tree, reads every YAML file, and parses and converts its documents in parallel.

pub mod json_schema;
pub mod kinds;
pub mod schema;
pub mod yaml;

use crate::config::Config;
use crate::diag::{Code, Finding};
use crate::source::{FileId, SourceFile, Span};
use kinds::{Converter, Doc};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Largest file canopy reads. Far above any real tenant file; a bigger one is almost
/// certainly not a hand-kept YAML file.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// A file found by the walk, or a problem met on the way.
pub enum Walked {
    File {
        name: String,
        path: PathBuf,
    },
    Problem {
        name: String,
        path: PathBuf,
        message: String,
    },
}

/// Every `*.yaml` / `*.yml` below `root`, sorted by path, skipping hidden folders and files the
/// config excludes. Problems (loops, unreadable folders) are returned in place, not dropped.
pub fn walk(root: &Path, config: &Config) -> Vec<Walked> {
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        match entry {
            Ok(e) => {
                if e.file_type().is_dir() || !is_yaml(e.path()) {
                    continue;
                }
                let name = relative_name(root, e.path());
                if config.is_excluded(&name) {
                    continue;
                }
                let path = e.path().to_path_buf();
                if e.file_type().is_file() {
                    out.push(Walked::File { name, path });
                } else {
                    // A FIFO or device named *.yaml: reading it could block forever.
                    let message = format!(
                        "`{name}` is not a regular file (a pipe, socket or device); canopy does not read it"
                    );
                    out.push(Walked::Problem {
                        name,
                        path,
                        message,
                    });
                }
            }
            Err(err) => {
                let path = err.path().unwrap_or(root).to_path_buf();
                let name = relative_name(root, &path);
                if config.is_excluded(&name) {
                    continue;
                }
                let dangling = std::fs::symlink_metadata(&path)
                    .is_ok_and(|m| m.file_type().is_symlink())
                    .then(|| std::fs::read_link(&path).ok())
                    .flatten();
                let message = match (err.loop_ancestor(), dangling) {
                    (Some(a), _) => format!(
                        "symbolic link loop: `{name}` leads back to `{}`",
                        relative_name(root, a)
                    ),
                    (None, Some(target)) => format!(
                        "`{name}` is a symbolic link to `{}`, which does not exist",
                        target.display()
                    ),
                    (None, None) => match err.io_error() {
                        Some(io) => format!("cannot read `{name}`: {io}"),
                        None => format!("cannot read `{name}`: {err}"),
                    },
                };
                out.push(Walked::Problem {
                    name,
                    path,
                    message,
                });
            }
        }
    }
    out
}

/// Whether a path names a YAML file (`.yaml` or `.yml`, any case).
pub fn is_yaml(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

fn relative_name(root: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(root).unwrap_or(p);
    let s = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if s.is_empty() {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.display().to_string())
    } else {
        s
    }
}

/// What reading one file produced.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    /// The id every span of this file carries.
    pub id: FileId,
    pub file: SourceFile,
    pub docs: Vec<Doc>,
    pub findings: Vec<Finding>,
    /// Its inline `# canopy: allow` comments.
    pub suppressions: Vec<crate::suppress::Suppression>,
}

/// Reads, parses and converts every walked file in parallel. File ids follow walk order.
///
/// Every file is read before any is parsed. Each worker's allocations then hold the texts
/// side by side and the parsed documents after them, rather than a file's text, its
/// documents, the next file's text and so on: the documents are dropped once resolved, and
/// between texts (which the model keeps) they left a hole each, memory the allocator could
/// neither hand back nor fit the later, larger lists into. At Azure's limits the peak of
/// `canopy check` went from 375 to 351 MB, and the access report's from 472 to 445 MB.
pub fn load_files(walked: Vec<Walked>) -> Vec<LoadedFile> {
    // One file per task: files differ a lot in size, and contiguous runs left one worker
    // alone with the big principal files at the end.
    let read: Vec<(FileId, String, PathBuf, Read)> = (walked.into_par_iter().enumerate())
        .with_max_len(1)
        .map(|(i, w)| {
            let id = FileId(i as u32);
            match w {
                Walked::File { name, path } => {
                    let read = read_file(&name, &path);
                    (id, name, path, read)
                }
                Walked::Problem {
                    name,
                    path,
                    message,
                } => (id, name, path, Read::Problem(message, None)),
            }
        })
        .collect();
    (read.into_par_iter())
        .with_max_len(1)
        .map(|(id, name, path, read)| load_read(id, name, path, read))
        .collect()
}

/// What reading a file gave.
enum Read {
    /// Its text: UTF-8 without NUL bytes.
    Text(arcstr::ArcStr),
    /// Its bytes, which are not such a text, for [`load_bytes`] to report on.
    Bytes(Vec<u8>),
    /// It could not be read: why, and a hint if there is a better one than the usual.
    Problem(String, Option<&'static str>),
}

/// Reads one file whole, unless it is too large to be a tenant's file.
fn read_file(name: &str, path: &Path) -> Read {
    // Check the size before reading, so a huge file is refused without being loaded.
    let read = std::fs::metadata(path).and_then(|m| match m.len() {
        len if len > MAX_FILE_BYTES => Ok(Err(len)),
        len => read_text(path, len as usize).map(Ok),
    });
    match read {
        Ok(Ok(Ok(text))) => Read::Text(text),
        Ok(Ok(Err(bytes))) => Read::Bytes(bytes),
        Ok(Err(len)) => {
            let message = format!(
                "`{name}` is {} MiB; canopy reads YAML files up to {} MiB",
                len / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            );
            let help = "split the file into several files, or exclude it in canopy.toml";
            Read::Problem(message, Some(help))
        }
        Err(e) => Read::Problem(format!("cannot read `{name}`: {e}"), None),
    }
}

/// Parses and converts what was read of a file.
fn load_read(id: FileId, name: String, path: PathBuf, read: Read) -> LoadedFile {
    match read {
        Read::Text(text) => load_text(id, name, path, text),
        Read::Bytes(bytes) => load_bytes(id, name, path, bytes),
        Read::Problem(message, help) => unreadable(id, name, path, message, help),
    }
}

/// A file canopy could not read, as a loaded file carrying one `unreadable-file` finding.
pub fn unreadable_file(id: FileId, name: String, path: PathBuf, message: String) -> LoadedFile {
    unreadable(id, name, path, message, None)
}

fn unreadable(
    id: FileId,
    name: String,
    path: PathBuf,
    message: String,
    help: Option<&str>,
) -> LoadedFile {
    let mut f = Finding::new(Code::UnreadableFile, Span::new(id, 0, 0), "here", message);
    f.help = Some(
        help.unwrap_or("fix or remove it, or exclude it in canopy.toml (`exclude = [\"...\"]`)")
            .to_string(),
    );
    LoadedFile {
        id,
        file: SourceFile::new(name, path, arcstr::ArcStr::new()),
        docs: Vec::new(),
        findings: vec![f],
        suppressions: Vec::new(),
    }
}

/// Reads one file and converts its documents.
pub fn load_file(id: FileId, name: String, path: PathBuf) -> LoadedFile {
    let read = read_file(&name, &path);
    load_read(id, name, path, read)
}

/// A file's text read straight into the shared string its documents will point into, when
/// it is `len` bytes of UTF-8 without NUL bytes, the common case; otherwise its bytes, for
/// [`load_bytes`] to report on. (Reading into a `String` and then copying it into an
/// `ArcStr` copied every tree's whole text once more, 131 MB at Azure's limits.)
fn read_text(path: &Path, len: usize) -> std::io::Result<Result<arcstr::ArcStr, Vec<u8>>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut read = Ok(());
    // arcstr allocates no empty strings (`init_with` asserts a length).
    let text = match len {
        0 => Ok(arcstr::ArcStr::new()),
        _ => arcstr::ArcStr::init_with(len, |buf| read = file.read_exact(buf)),
    };
    // The whole file: it did not shrink under us (an error above) nor grow (a byte more here).
    let whole = read.is_ok() && file.read(&mut [0u8]).is_ok_and(|n| n == 0);
    match text {
        Ok(text) if whole && binary_problem(text.as_bytes()).is_none() => Ok(Ok(text)),
        _ => std::fs::read(path).map(Err),
    }
}

/// Decodes and parses a file's bytes. Public for tests and for tools that hold files in memory.
pub fn load_bytes(id: FileId, name: String, path: PathBuf, bytes: Vec<u8>) -> LoadedFile {
    if let Some(problem) = binary_problem(&bytes) {
        let text = arcstr::ArcStr::new();
        let f = Finding::new(
            Code::YamlSyntax,
            Span::new(id, 0, 0),
            "not text",
            format!("`{name}` {problem}"),
        )
        .help("canopy reads UTF-8 YAML; save the file as UTF-8, or exclude it in canopy.toml");
        return LoadedFile {
            id,
            file: SourceFile::new(name, path, text),
            docs: Vec::new(),
            findings: vec![f],
            suppressions: Vec::new(),
        };
    }
    let (text, at) = match String::from_utf8(bytes) {
        Ok(s) => return load_text(id, name, path, arcstr::ArcStr::from(s)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), at)
        }
    };
    let f = Finding::new(
        Code::YamlSyntax,
        Span::new(id, at as u32, at as u32 + 1),
        "not UTF-8",
        format!("`{name}` is not valid UTF-8 (first bad byte at offset {at})"),
    )
    .help("canopy reads UTF-8 YAML; re-encode the file as UTF-8");
    LoadedFile {
        id,
        file: SourceFile::new(name, path, arcstr::ArcStr::from(text)),
        docs: Vec::new(),
        findings: vec![f],
        suppressions: Vec::new(),
    }
}

/// Parses and converts a file's text, known to be UTF-8 without NUL bytes.
fn load_text(id: FileId, name: String, path: PathBuf, text: arcstr::ArcStr) -> LoadedFile {
    let file = SourceFile::new(name, path, text.clone());
    let Parsed {
        docs,
        mut findings,
        suppressions,
    } = parse_file(id, &text);
    if docs.is_empty() && findings.is_empty() {
        findings.push(
            Finding::new(
                Code::Schema,
                Span::new(id, 0, 0),
                "empty",
                format!("`{}` holds no YAML document", file.name),
            )
            .help("add documents (each a mapping with a `kind`), or delete the file"),
        );
    }
    LoadedFile {
        id,
        file,
        docs,
        findings,
        suppressions,
    }
}

/// Parses every document of a file's text, in parallel for large files.
pub fn parse_text(id: FileId, text: &str) -> (Vec<Doc>, Vec<Finding>) {
    // Callers of this form (built-in data, tests) apply no suppressions.
    let p = parse_file(id, &arcstr::ArcStr::from(text));
    (p.docs, p.findings)
}

/// What parsing one file's text gives.
pub struct Parsed {
    pub docs: Vec<Doc>,
    pub findings: Vec<Finding>,
    pub suppressions: Vec<crate::suppress::Suppression>,
}

/// More documents than this in one file are parsed in parallel; fewer, one after another
/// in the file's own task. (The bench's parse floor is scheduled by it too.)
pub const PARALLEL_DOCUMENTS: usize = 64;

/// Parses every document of a file's text (in parallel for large files) and finds its
/// suppression comments.
pub fn parse_file(id: FileId, text: &arcstr::ArcStr) -> Parsed {
    let chunks = yaml::split_documents(text);
    // The node trees are kept only when the file may hold suppression comments, which need
    // them to know what they cover; otherwise each is dropped once converted.
    let keep_nodes = text.contains("canopy:");
    let per_doc = |c: &yaml::Chunk| -> (Option<Doc>, Vec<Finding>, Option<yaml::Node>) {
        let mut cx = Converter::new(id, text);
        match yaml::parse_chunk(text, *c) {
            Ok(Some(d)) => {
                let doc = cx.document(&d.root);
                (doc, cx.findings, keep_nodes.then_some(d.root))
            }
            Ok(None) => (None, Vec::new(), None),
            Err(e) => {
                let mut f = Finding::new(
                    Code::YamlSyntax,
                    Span::new(id, e.start, e.end),
                    "here",
                    e.message,
                );
                f.help = e.help.or_else(|| {
                    Some(
                        "the parser stopped here; the cause is often just before it: an unclosed \
                         bracket or quote, or a line indented differently from its siblings"
                            .into(),
                    )
                });
                (None, vec![f], None)
            }
        }
    };
    let results: Vec<(Option<Doc>, Vec<Finding>, Option<yaml::Node>)> =
        if chunks.len() > PARALLEL_DOCUMENTS {
            chunks.par_iter().map(per_doc).collect()
        } else {
            chunks.iter().map(per_doc).collect()
        };
    let mut docs = Vec::with_capacity(results.len());
    let mut findings = Vec::new();
    let mut roots = Vec::new();
    for (c, (d, f, root)) in chunks.iter().zip(results) {
        docs.extend(d);
        findings.extend(f);
        roots.push((*c, root));
    }
    let mut suppressions = Vec::new();
    if keep_nodes {
        let with_roots: Vec<(yaml::Chunk, Option<&yaml::Node>)> =
            roots.iter().map(|(c, r)| (*c, r.as_ref())).collect();
        let (found, problems) = crate::suppress::find(id, text, &with_roots);
        suppressions = found;
        findings.extend(problems);
    }
    Parsed {
        docs,
        findings,
        suppressions,
    }
}

/// Why bytes are not a text file, if they are not: NUL bytes mean binary or UTF-16.
fn binary_problem(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Some("is UTF-16 text, not UTF-8");
    }
    bytes
        .contains(&0)
        .then_some("is a binary file (it contains NUL bytes), not YAML")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file written to a fresh temporary folder, removed with it.
    fn with_file(bytes: &[u8], test: impl FnOnce(&Path)) {
        let dir = std::env::temp_dir().join(format!(
            "canopy-read-text-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.yaml");
        std::fs::write(&path, bytes).unwrap();
        test(&path);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn read_text_reads_utf8_in_place_and_hands_back_anything_else() {
        with_file("kind: User\nname: zoë\n".as_bytes(), |p| {
            let len = std::fs::metadata(p).unwrap().len() as usize;
            let text = read_text(p, len).unwrap().expect("text");
            assert_eq!(text.as_str(), "kind: User\nname: zoë\n");
            // The file is not the size its metadata said (it changed meanwhile): read again.
            assert!(read_text(p, len - 1).unwrap().is_err());
            assert!(read_text(p, len + 1).unwrap().is_err());
        });
        for bad in [&b"a: \xff\n"[..], b"a: 1\0\n", b"\xff\xfea\0:\0"] {
            with_file(bad, |p| {
                let got = read_text(p, bad.len()).unwrap();
                assert_eq!(got.expect_err("not text"), bad);
            });
        }
        with_file(b"", |p| assert_eq!(read_text(p, 0).unwrap().unwrap(), ""));
    }
}
