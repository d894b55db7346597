//! Baselines: `canopy check --write-baseline FILE` records today's findings, `--baseline FILE`
//! reports only the ones not recorded.

use serde::Serialize;

/// What applying a baseline set aside.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Findings hidden because the baseline records them.
    pub hidden: usize,
    /// Baseline entries no longer found: fixed since the baseline was written.
    pub fixed: usize,
}

use crate::diag::Finding;
use crate::source::Files;
use serde::Deserialize;
use std::path::Path;

/// The baseline file: version 1, every finding by code, file (relative to the tree, so the
/// file works wherever canopy runs) and message. Lines are recorded for the reader only:
/// matching ignores them, so edits that move a finding do not make it new.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub file: String,
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub line: u32,
}

fn entry(files: &Files, f: &Finding) -> Entry {
    let file = files.get(f.primary.span.file);
    Entry {
        file: file.name.clone(),
        code: f.code.as_str().to_string(),
        message: f.message.clone(),
        line: file.line_col(f.primary.span.start).0,
    }
}

impl Baseline {
    /// Today's findings, sorted so that the file diffs well in review.
    pub fn of(files: &Files, findings: &[Finding]) -> Baseline {
        let mut entries: Vec<Entry> = findings.iter().map(|f| entry(files, f)).collect();
        entries.sort();
        Baseline {
            version: 1,
            findings: entries,
        }
    }

    /// Reads a baseline file, saying exactly what is wrong with a bad one.
    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline `{}`: {e}", path.display()))?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| {
            format!(
                "baseline `{}` is not a canopy baseline: {e} (write one with `canopy check --write-baseline {}`)",
                path.display(),
                path.display()
            )
        })?;
        if b.version != 1 {
            return Err(format!(
                "baseline `{}` has version {}; this canopy reads version 1",
                path.display(),
                b.version
            ));
        }
        Ok(b)
    }

    /// Writes the baseline atomically: a temporary file beside it, then a rename, so a
    /// reader never sees half a file and a failed write leaves the old one.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        write_atomically(path, text.as_bytes())
    }

    /// Removes the findings the baseline records (each entry hides one finding, so a second
    /// copy of a known problem is new) and counts what it hid and what no longer occurs.
    pub fn apply(&self, files: &Files, findings: Vec<Finding>) -> (Vec<Finding>, Applied) {
        let key = |file: &str, code: &str, message: &str| format!("{file}\0{code}\0{message}");
        let mut known: rustc_hash::FxHashMap<String, usize> = Default::default();
        for e in &self.findings {
            *known.entry(key(&e.file, &e.code, &e.message)).or_default() += 1;
        }
        let mut applied = Applied::default();
        let mut kept = Vec::new();
        for f in findings {
            let name = files.get(f.primary.span.file).name.as_str();
            match known.get_mut(&key(name, f.code.as_str(), &f.message)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    applied.hidden += 1;
                }
                _ => kept.push(f),
            }
        }
        applied.fixed = known.values().sum();
        (kept, applied)
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let tmp = dir.join(format!(
        ".{}.canopy-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
