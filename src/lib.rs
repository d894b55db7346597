//! canopy: Azure tenant governance as code.
//!
//! A platform team keeps its management-group hierarchy, subscriptions, principals, roles,
//! assignments and policies as YAML in Git. canopy loads that tree, proves the invariants Azure
//! enforces, and reports every finding precisely.
//!
//! Data flows one way: [`load`] (walk and parse, spans kept) → [`model`] (resolved, indexed
//! tenant) → [`check`] (rules with stable codes) → [`report`] (human, JSON).
//!
//! ```no_run
//! let analysis = canopy::load("examples/contoso").expect("tree readable");
//! println!("{} management groups", analysis.tenant.management_groups.len());
//! for f in &analysis.findings {
//!     println!("{} {}", f.code, f.message);
//! }
//! ```

pub mod access;
pub mod audit;
pub mod baseline;
pub mod builtin;
pub mod check;
pub mod cli;
pub mod config;
pub mod diag;
pub mod diff;
mod fold;
pub mod git;
pub mod import;
pub mod load;
mod mem;
pub mod model;
pub mod policy;
pub mod report;
pub mod source;
pub mod suppress;

use config::Config;
use diag::{Finding, Severity};
use model::Tenant;
use source::{FileId, Files, SourceFile};
use std::path::{Path, PathBuf};

/// A loaded, resolved and checked tree.
#[derive(Debug)]
pub struct Analysis {
    /// The tree's directory.
    pub root: PathBuf,
    pub files: Files,
    pub config: Config,
    pub tenant: Tenant,
    /// Every finding, at its configured severity, sorted by file and position.
    pub findings: Vec<Finding>,
    /// Every policy assignment evaluated on the tenant (computed once, for the checks).
    pub compliance: policy::assess::Compliance,
    /// Findings silenced by inline `# canopy: allow` comments, with the reasons.
    pub suppressed: Vec<suppress::Suppressed>,
}

impl Analysis {
    /// The analysis of a tree that does not exist (at a Git revision before it was added): no
    /// files, an empty tenant, no findings. What a diff compares a new tree against.
    pub fn empty(root: impl Into<PathBuf>) -> Analysis {
        Analysis {
            root: root.into(),
            files: Files::default(),
            config: Config::default(),
            tenant: Tenant::default(),
            findings: Vec::new(),
            compliance: policy::assess::Compliance::default(),
            suppressed: Vec::new(),
        }
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Why canopy could not run at all (exit code 2), as opposed to findings in the tree.
#[derive(Debug)]
pub enum Error {
    /// The tree's path does not exist or cannot be read.
    Tree { path: PathBuf, message: String },
    /// The tree holds no YAML file.
    NoYaml { path: PathBuf },
    /// `canopy.toml` is invalid.
    Config {
        files: Files,
        findings: Vec<Finding>,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Tree { path, message } => {
                write!(f, "cannot read tree `{}`: {message}", path.display())
            }
            Error::NoYaml { path } if path.is_file() => {
                write!(f, "`{}` is not a .yaml or .yml file", path.display())
            }
            Error::NoYaml { path } => write!(
                f,
                "no .yaml or .yml files under `{}` (hidden files and folders, and files excluded \
                 in canopy.toml, are skipped)",
                path.display()
            ),
            Error::Config { findings, .. } => {
                write!(f, "canopy.toml is invalid ({} problem(s))", findings.len())
            }
        }
    }
}

impl std::error::Error for Error {}

/// Options for [`load_with`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The moment expiry is judged against; now when `None`.
    pub now: Option<jiff::Timestamp>,
}

/// Loads, resolves and checks the tree at `path` with default options.
pub fn load(path: impl AsRef<Path>) -> Result<Analysis, Error> {
    load_with(path, &Options::default())
}

/// Loads, resolves and checks the tree at `path`.
pub fn load_with(path: impl AsRef<Path>, options: &Options) -> Result<Analysis, Error> {
    let root = path.as_ref().to_path_buf();
    in_pool(|| load_in_pool(root, options))
}

/// Stack for each worker thread. Parsing and converting recurse once per nesting level of a
/// document (up to `load::yaml::MAX_DEPTH`); an unoptimised build needs several MiB for that,
/// more than rayon's default 2 MiB worker stacks.
const WORKER_STACK: usize = 32 * 1024 * 1024;

/// canopy's own thread pool (sized like rayon's: `RAYON_NUM_THREADS` or one per core), so
/// deep documents cannot overflow a worker's stack. `None` if threads cannot be started; the
/// work then runs on rayon's global pool.
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(WORKER_STACK)
            .thread_name(|i| format!("canopy-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

fn load_in_pool(root: PathBuf, options: &Options) -> Result<Analysis, Error> {
    let meta = std::fs::metadata(&root).map_err(|e| Error::Tree {
        path: root.clone(),
        message: e.to_string(),
    })?;
    let config = if meta.is_dir() {
        read_config(&root)?
    } else {
        Config::default()
    };
    let walked = load::walk(&root, &config);
    if walked.is_empty() {
        return Err(Error::NoYaml { path: root });
    }
    let loaded = load::load_files(walked);
    Ok(analyse(root, config, loaded, options))
}

/// A file of a tree held in memory: its path relative to the tree (with `/`), and its bytes.
/// What a Git revision, an archive or an editor buffer gives instead of a directory.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Loads, resolves and checks a tree given as files in memory (for instance, read from a Git
/// revision), exactly as [`load_with`] does a directory: `canopy.toml` among the entries is the
/// configuration; hidden paths and excluded files are skipped. `root` labels the files' paths.
pub fn load_entries(
    root: impl AsRef<Path>,
    entries: Vec<Entry>,
    options: &Options,
) -> Result<Analysis, Error> {
    let root = root.as_ref().to_path_buf();
    in_pool(|| load_entries_in_pool(root, entries, options))
}

fn load_entries_in_pool(
    root: PathBuf,
    mut entries: Vec<Entry>,
    options: &Options,
) -> Result<Analysis, Error> {
    let config = match entries.iter().find(|e| e.name == config::FILE_NAME) {
        None => Config::default(),
        Some(e) => parse_config(root.join(config::FILE_NAME), e.bytes.clone())?,
    };
    entries.retain(|e| is_tree_file(&config, &e.name));
    if entries.is_empty() {
        return Err(Error::NoYaml { path: root });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    use rayon::prelude::*;
    let loaded: Vec<load::LoadedFile> = entries
        .into_par_iter()
        .enumerate()
        .with_max_len(1)
        .map(|(i, e)| {
            let path = root.join(&e.name);
            load::load_bytes(FileId(i as u32), e.name, path, e.bytes)
        })
        .collect();
    Ok(analyse(root, config, loaded, options))
}

/// Whether a file of a tree given by relative name (with `/`) is one canopy reads: a YAML file,
/// not hidden, not excluded by the configuration. The rule the directory walk applies.
pub fn is_tree_file(config: &Config, name: &str) -> bool {
    let hidden = name.split('/').any(|part| part.starts_with('.'));
    load::is_yaml(Path::new(name)) && !hidden && !config.is_excluded(name)
}

/// Resolves files already read and parsed (each at its own [`FileId`]) into a tenant and runs
/// every check: what [`load_with`] does after reading a directory. For callers that cache
/// parsed files, such as a walk through Git history that parses each blob once.
pub fn analyse_loaded(
    root: impl Into<PathBuf>,
    config: Config,
    loaded: Vec<load::LoadedFile>,
    options: &Options,
) -> Analysis {
    let root = root.into();
    in_pool(|| analyse(root, config, loaded, options))
}

/// Runs `f` on canopy's own thread pool (see [`pool`]): every entry point that parses or
/// resolves does, and so must callers that parse files themselves with [`load::load_bytes`].
pub fn in_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    match pool() {
        Some(pool) => pool.install(f),
        None => f(),
    }
}

/// Resolves loaded files into a tenant and runs every check: the part of loading shared by
/// directories and in-memory trees.
fn analyse(
    root: PathBuf,
    config: Config,
    loaded: Vec<load::LoadedFile>,
    options: &Options,
) -> Analysis {
    let mut files = Files::default();
    let mut docs = Vec::with_capacity(loaded.len());
    let mut findings = Vec::new();
    let mut suppressions = Vec::new();
    for l in loaded {
        files.insert(l.id, l.file);
        docs.push(l.docs);
        findings.extend(l.findings);
        suppressions.extend(l.suppressions);
    }
    let tenant = model::resolve(docs.into_iter().flatten(), &mut findings);
    let cx = check::Ctx::new(
        &tenant,
        &config,
        options.now.unwrap_or_else(jiff::Timestamp::now),
    );
    findings.extend(check::run_checks(&cx));
    let now = cx.now;
    let compliance = cx.compliance.into_inner();
    let compliance = compliance.unwrap_or_else(|| policy::assess::assess(&tenant, now));
    let configure = |findings: &mut Vec<Finding>| {
        // A finding keeps the severity it was made with (its rule's default, or what an
        // AccessRule declares) unless canopy.toml sets one for its code.
        findings.retain_mut(|f| {
            if let Some(s) = config.configured(f.code) {
                f.severity = s;
            }
            f.severity != Severity::Off
        })
    };
    configure(&mut findings);
    // After the configuration, so a finding turned off is not counted as suppressed; the
    // `unused-suppression` findings it adds are configured in turn.
    let (mut findings, mut suppressed) = suppress::apply(findings, &suppressions);
    configure(&mut findings);
    diag::sort_findings(&mut findings);
    suppressed.sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
    Analysis {
        root,
        files,
        config,
        tenant,
        findings,
        compliance,
        suppressed,
    }
}

pub(crate) fn read_config(root: &Path) -> Result<Config, Error> {
    let path = root.join(config::FILE_NAME);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(e) => {
            return Err(Error::Tree {
                path,
                message: e.to_string(),
            });
        }
    };
    parse_config(path, bytes)
}

/// Parses `canopy.toml`'s bytes; a problem becomes [`Error::Config`] with the file to draw.
pub fn parse_config(path: PathBuf, bytes: Vec<u8>) -> Result<Config, Error> {
    let (text, parsed) = match String::from_utf8(bytes) {
        Ok(text) => {
            let parsed = Config::parse(&text, FileId(0));
            (text, parsed)
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to() as u32;
            let finding = diag::Finding::new(
                diag::Code::Config,
                source::Span::new(FileId(0), at, at + 1),
                "not UTF-8",
                format!("canopy.toml is not valid UTF-8 (first bad byte at offset {at})"),
            )
            .help("save canopy.toml as UTF-8 text");
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            (text, Err(vec![finding]))
        }
    };
    parsed.map_err(|findings| {
        let mut files = Files::default();
        files.add(SourceFile::new(
            config::FILE_NAME.into(),
            path,
            arcstr::ArcStr::from(text),
        ));
        Error::Config { files, findings }
    })
}
