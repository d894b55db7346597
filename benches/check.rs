//! `cargo bench --bench check`: generates a large, realistic tenant tree (see
//! `benches/generate/mod.rs`), checks that it is clean, then measures and prints where the time
//! of `canopy check` goes, stage by stage. Prints only; asserts nothing about time.
//!
//! Environment:
//! - `CANOPY_BENCH_SCALE` (default 1): multiplies every count of the generated tenant.
//! - `CANOPY_BENCH_RUNS` (default 5): runs per measurement; medians are printed.
//! - `CANOPY_BENCH_KEEP=1`: keep `target/bench-tree` afterwards (for the CLI, `perf`, ...).
//!   A kept tree generated with the same parameters is reused by the next run.
//! - `RAYON_NUM_THREADS`: sizes rayon's pools, `load_with`'s own included. Whatever it says, the
//!   stages are also timed on a one-thread pool in this process, for the parallel speed-up.

mod generate;

use canopy::diag::Severity;
use canopy::load::kinds::Converter;
use canopy::load::{Walked, yaml};
use canopy::source::{FileId, SourceFile};
use generate::Params;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const FINGERPRINT_FILE: &str = ".canopy-bench";

fn main() {
    // Must come first: nothing else in this process has touched the catalogues yet.
    let cold = measure_cold_catalogues();

    let scale: f64 = env_parse("CANOPY_BENCH_SCALE").unwrap_or(1.0);
    let runs: usize = env_parse::<usize>("CANOPY_BENCH_RUNS").unwrap_or(5).max(1);
    let keep = std::env::var("CANOPY_BENCH_KEEP").is_ok_and(|v| v == "1");
    let params = Params::scaled(scale);
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("bench-tree");

    println!("canopy check benchmark");
    println!(
        "  scale {scale}, {runs} run(s) per measurement, {} rayon thread(s), tree {}",
        rayon::current_num_threads(),
        dir.display()
    );
    println!("  generator parameters: {params:?}");

    let (gen_note, gen_lines) = prepare_tree(&dir, &params);
    println!("  tree: {gen_note}");
    for l in &gen_lines {
        println!("    {l}");
    }

    // Verify the tree is clean (and warm the page cache and the catalogues' indexes).
    let options = canopy::Options { now: None };
    let t = Instant::now();
    let analysis = canopy::load_with(&dir, &options).expect("bench tree loads");
    let first_load = t.elapsed();
    // The generated policies use aliases and random locations on purpose (real tenants do):
    // their findings are expected. Anything else means the generator or canopy broke.
    let policy = |f: &&canopy::diag::Finding| {
        use canopy::diag::Code;
        matches!(
            f.code,
            Code::PolicyViolation | Code::PolicyAudit | Code::UnsupportedPolicy
        )
    };
    let policy_findings = analysis.findings.iter().filter(policy).count();
    let unexpected: Vec<_> = analysis.findings.iter().filter(|f| !policy(f)).collect();
    let errors = unexpected
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = unexpected.len() - errors;
    if errors > 0 || warnings > 0 {
        eprintln!("the generated tree is not clean: {errors} error(s), {warnings} warning(s)");
        for f in unexpected.iter().take(30) {
            let file = analysis.files.get(f.primary.span.file);
            let (line, col) = file.line_col(f.primary.span.start);
            eprintln!(
                "  {}:{line}:{col}: {} [{}] {}",
                file.name, f.severity, f.code, f.message
            );
        }
        std::process::exit(1);
    }
    let files = analysis.files.len();
    let documents = analysis.tenant.documents;
    let bytes = analysis.files.total_bytes();
    let t = &analysis.tenant;
    println!(
        "  clean but for {policy_findings} policy findings (policy-violation, policy-audit, unsupported-policy). {files} files, {documents} documents, {bytes} bytes ({:.1} MiB)",
        bytes as f64 / (1024.0 * 1024.0)
    );
    println!(
        "  resolved: {} management groups, {} subscriptions, {} resource groups, {} resources, \
         {} principals, {} custom roles, {} role assignments, {} policy definitions, \
         {} policy assignments, {} exemptions, {} scopes",
        t.management_groups.len(),
        t.subscriptions.len(),
        t.resource_groups.len(),
        t.resources.len(),
        t.principals.len(),
        t.custom_roles.len(),
        t.role_assignments.len(),
        t.policy_definitions.len(),
        t.policy_assignments.len(),
        t.policy_exemptions.len(),
        t.scopes.len()
    );
    println!(
        "  first load_with (cold-ish: page cache warm from generation or a previous run): {}",
        ms(first_load)
    );
    drop(analysis);

    // Stage by stage, as `canopy::load_with` does it: on this (main) thread with rayon's
    // global pool, as the library stages are called directly.
    let config = canopy::config::Config::default();
    let st = stages(&dir, &config, runs);

    // The whole library call, then what the CLI does after it (render, drop).
    let mut whole = Vec::new();
    let mut render = Vec::new();
    let mut drop_analysis = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let a = canopy::load_with(&dir, &options).expect("loads");
        whole.push(t.elapsed());
        let t = Instant::now();
        let mut sink = Vec::new();
        canopy::report::human::write(&a, canopy::report::human::Style::default(), &mut sink)
            .expect("renders");
        render.push(t.elapsed());
        let t = Instant::now();
        drop(a);
        drop_analysis.push(t.elapsed());
    }

    // The same stages inside pools: one thread (the parallel speed-up), and one like
    // `load_with`'s own (default size, 32 MiB stacks), where even the sequential stages run on
    // a worker thread.
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    let st_one = one.install(|| stages(&dir, &config, runs));
    let like_load_with = rayon::ThreadPoolBuilder::new()
        .stack_size(32 * 1024 * 1024)
        .build()
        .expect("thread pool");
    let st_worker = like_load_with.install(|| stages(&dir, &config, runs));

    // Where read+parse+convert goes, one thread, file by file, document by document.
    let anatomy: Vec<Anatomy> = (0..runs).map(|_| anatomy(&dir, &config)).collect();

    let mb = bytes as f64 / 1_000_000.0;
    let whole_med = median(&whole);
    println!();
    println!(
        "{:<36} {:>10} {:>10} {:>10} {:>8} {:>9} {:>11}",
        "stage (median of runs)", "median", "min", "max", "share", "MB/s", "docs/s"
    );
    let row = |name: &str, d: &[Duration], throughput: bool| {
        let m = median(d);
        let (mbps, dps) = if throughput {
            (
                format!("{:.1}", mb / m.as_secs_f64()),
                format!("{:.0}", documents as f64 / m.as_secs_f64()),
            )
        } else {
            (String::new(), String::new())
        };
        println!(
            "{:<36} {:>10} {:>10} {:>10} {:>7.1}% {:>9} {:>11}",
            name,
            ms(m),
            ms(*d.iter().min().expect("runs")),
            ms(*d.iter().max().expect("runs")),
            100.0 * m.as_secs_f64() / whole_med.as_secs_f64(),
            mbps,
            dps
        );
    };
    row("walk", &st.walk, false);
    row("read+parse+convert (load_files)", &st.load, true);
    row("gather docs (as load_with does)", &st.gather, false);
    row("resolve", &st.resolve, true);
    row("checks (run_checks)", &st.checks, false);
    row("drop tenant+files", &st.drop, false);
    row("sum of stages (without drop)", &st.sum(), true);
    row("load_with (whole)", &whole, true);
    row("render human report (clean)", &render, false);
    row("drop Analysis", &drop_analysis, false);
    println!("same stages on a 1-thread pool:");
    row("  read+parse+convert (load_files)", &st_one.load, true);
    row("  resolve", &st_one.resolve, true);
    row("  sum of stages (without drop)", &st_one.sum(), true);
    println!("same stages on a worker of a pool like load_with's:");
    row("  read+parse+convert (load_files)", &st_worker.load, true);
    row("  gather docs", &st_worker.gather, false);
    row("  resolve", &st_worker.resolve, true);
    row("  drop tenant+files", &st_worker.drop, false);
    row("  sum of stages (without drop)", &st_worker.sum(), true);
    println!(
        "parallel speed-up of the stages: {:.2}x on {} thread(s) (1-thread pool / global pool)",
        median(&st_one.sum()).as_secs_f64() / median(&st.sum()).as_secs_f64(),
        rayon::current_num_threads()
    );

    println!();
    println!(
        "{:<36} {:>10} {:>8}   (one thread, summed over every file and document)",
        "inside read+parse+convert", "median", "share"
    );
    let total: Vec<Duration> = anatomy.iter().map(Anatomy::total).collect();
    let total_med = median(&total);
    let arow = |name: &str, f: fn(&Anatomy) -> Duration| {
        let d: Vec<Duration> = anatomy.iter().map(f).collect();
        let m = median(&d);
        println!(
            "{:<36} {:>10} {:>7.1}%",
            name,
            ms(m),
            100.0 * m.as_secs_f64() / total_med.as_secs_f64()
        );
    };
    arow("read file + UTF-8 check", |a| a.read);
    arow("line index (SourceFile::line_starts)", |a| a.line_index);
    arow("split into documents", |a| a.split);
    arow("YAML parse to Node (serde-saphyr)", |a| a.parse);
    arow("convert Node to Doc", |a| a.convert);
    arow("drop Nodes", |a| a.drop_nodes);
    println!(
        "{:<36} {:>10} {:>8}   ({:.1} MB/s, {:.0} docs/s on one thread)",
        "total",
        ms(total_med),
        "100.0%",
        mb / total_med.as_secs_f64(),
        documents as f64 / total_med.as_secs_f64()
    );

    println!();
    println!("cold first calls of the embedded catalogues (measured first thing in this process,");
    println!("before anything else touched them; the binary's pages may already be cached):");
    for (name, d) in &cold {
        println!("  {name:<58} {}", ms(*d));
    }

    if let Some(hwm) = peak_rss_kib() {
        println!();
        println!(
            "peak RSS of this bench process: {:.1} MiB (all runs; the CLI's own peak is below)",
            hwm as f64 / 1024.0
        );
    }
    println!();
    println!("peak memory and wall time of the CLI on this tree:");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shown = |p: &Path| match p.strip_prefix(manifest) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => p.display().to_string(),
    };
    println!(
        "  cargo build --release && /usr/bin/time -v {} check {}",
        shown(&target.join("release").join("canopy")),
        shown(&dir)
    );
    if keep {
        println!("(tree kept: CANOPY_BENCH_KEEP=1)");
    } else {
        println!("(the tree is removed now; rerun with CANOPY_BENCH_KEEP=1 to keep it for that)");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// First-call timings of the built-in catalogues (tables generated by `build.rs`, so only their
/// pages are read) and of the indexes built on first use.
fn measure_cold_catalogues() -> Vec<(&'static str, Duration)> {
    let mut out = Vec::new();
    let mut time = |name: &'static str, f: &dyn Fn()| {
        let t = Instant::now();
        f();
        out.push((name, t.elapsed()));
    };
    time("builtin::roles() first call (generated table)", &|| {
        std::hint::black_box(canopy::builtin::roles().len());
    });
    time("builtin::roles() second call", &|| {
        std::hint::black_box(canopy::builtin::roles().len());
    });
    time(
        "builtin::operations() first call (generated table)",
        &|| {
            std::hint::black_box(canopy::builtin::operations().len());
        },
    );
    time("builtin::operations() second call", &|| {
        std::hint::black_box(canopy::builtin::operations().len());
    });
    time("role_by_name first call (build name index)", &|| {
        std::hint::black_box(canopy::builtin::role_by_name("Reader"));
    });
    time("role_by_id first call (build GUID index)", &|| {
        std::hint::black_box(canopy::builtin::role_by_id(
            "acdd72a7-3385-48ef-bd42-f606fba81ae7",
        ));
    });
    time("classify_pattern exact, first call", &|| {
        std::hint::black_box(canopy::builtin::classify_pattern(
            "Microsoft.Compute/virtualMachines/read",
        ));
    });
    time("classify_pattern wildcard, first call", &|| {
        std::hint::black_box(canopy::builtin::classify_pattern(
            "Microsoft.Compute/virtualMachines/*",
        ));
    });
    time("classify_pattern wildcard, second", &|| {
        std::hint::black_box(canopy::builtin::classify_pattern("Microsoft.Web/sites/*"));
    });
    out
}

/// Reuses `dir` if it holds a tree generated with the same parameters; regenerates it otherwise.
/// Returns a note and the generator's summary lines.
fn prepare_tree(dir: &Path, params: &Params) -> (String, Vec<String>) {
    let fingerprint = params.fingerprint();
    if let Ok(stored) = std::fs::read_to_string(dir.join(FINGERPRINT_FILE)) {
        let mut lines = stored.lines();
        if lines.next() == Some(fingerprint.as_str()) {
            return (
                "reused (same parameters)".into(),
                lines.map(str::to_string).collect(),
            );
        }
    }
    let _ = std::fs::remove_dir_all(dir);
    let tmp = dir.with_extension("tmp");
    let _ = std::fs::remove_dir_all(&tmp);
    let t = Instant::now();
    let summary = generate::generate(&tmp, params).expect("generate the tree");
    let took = t.elapsed();
    let mut lines = vec![
        format!(
            "{} YAML files, {} documents, {} bytes",
            summary.files, summary.documents, summary.bytes
        ),
        format!("documents per kind: {:?}", summary.per_kind),
        format!(
            "{} resource groups, {} resources, {} group memberships, deepest management group \
             level {} below the root",
            summary.resource_groups,
            summary.resources,
            summary.group_memberships,
            summary.max_level
        ),
        format!(
            "most role assignments at one management group: {} (limit 500); in one \
             subscription: {} (limit 4,000)",
            summary.max_at_mg, summary.max_in_sub
        ),
    ];
    let stored = std::iter::once(fingerprint.clone())
        .chain(lines.iter().cloned())
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(tmp.join(FINGERPRINT_FILE), stored).expect("write fingerprint");
    std::fs::rename(&tmp, dir).expect("move the tree into place");
    lines.push(format!("generated in {}", ms(took)));
    ("generated".into(), lines)
}

/// Runs walk, load_files, gather, resolve, checks and drop `runs` times, timing each, on the
/// current thread and the current rayon pool.
fn stages(dir: &Path, config: &canopy::config::Config, runs: usize) -> Stages {
    let mut st = Stages::default();
    for _ in 0..runs {
        let t = Instant::now();
        let walked = canopy::load::walk(dir, config);
        st.walk.push(t.elapsed());

        let t = Instant::now();
        let loaded = canopy::load::load_files(walked);
        st.load.push(t.elapsed());

        let t = Instant::now();
        let mut source_files = canopy::source::Files::default();
        let mut docs = Vec::new();
        let mut findings = Vec::new();
        for l in loaded {
            source_files.add(l.file);
            docs.extend(l.docs);
            findings.extend(l.findings);
        }
        st.gather.push(t.elapsed());

        let t = Instant::now();
        let tenant = canopy::model::resolve(docs, &mut findings);
        st.resolve.push(t.elapsed());

        let t = Instant::now();
        let cx = canopy::check::Ctx::new(&tenant, config, jiff::Timestamp::now());
        let checked = canopy::check::run_checks(&cx);
        st.checks.push(t.elapsed());
        // The generated policies use aliases and locations canopy reports (unsupported-policy,
        // policy-violation); loading and resolving must stay clean.
        assert!(findings.is_empty(), "tree loads and resolves clean");
        std::hint::black_box(&checked);

        let t = Instant::now();
        drop((tenant, source_files, findings, checked));
        st.drop.push(t.elapsed());
    }
    st
}

#[derive(Default)]
struct Stages {
    walk: Vec<Duration>,
    load: Vec<Duration>,
    gather: Vec<Duration>,
    resolve: Vec<Duration>,
    checks: Vec<Duration>,
    drop: Vec<Duration>,
}

#[derive(Default)]
struct Anatomy {
    read: Duration,
    line_index: Duration,
    split: Duration,
    parse: Duration,
    convert: Duration,
    drop_nodes: Duration,
}

impl Stages {
    /// Per run: every stage but the final drop.
    fn sum(&self) -> Vec<Duration> {
        (0..self.walk.len())
            .map(|i| {
                self.walk[i] + self.load[i] + self.gather[i] + self.resolve[i] + self.checks[i]
            })
            .collect()
    }
}

impl Anatomy {
    fn total(&self) -> Duration {
        self.read + self.line_index + self.split + self.parse + self.convert + self.drop_nodes
    }
}

/// The pieces of `load_files`, timed one by one on this thread.
fn anatomy(dir: &Path, config: &canopy::config::Config) -> Anatomy {
    let mut a = Anatomy::default();
    let mut keep_docs = Vec::new();
    for (i, w) in canopy::load::walk(dir, config).into_iter().enumerate() {
        let Walked::File { name, path } = w else {
            continue;
        };
        let id = FileId(i as u32);
        let t = Instant::now();
        let text = String::from_utf8(std::fs::read(&path).expect("read")).expect("UTF-8");
        let text = arcstr::ArcStr::from(text);
        a.read += t.elapsed();

        let t = Instant::now();
        let file = SourceFile::new(name, path, text.clone());
        // Built on first use in canopy; timed here as the cost it has when a run needs it.
        std::hint::black_box(file.line_starts());
        a.line_index += t.elapsed();

        let t = Instant::now();
        let chunks = yaml::split_documents(&text);
        a.split += t.elapsed();

        for c in chunks {
            let t = Instant::now();
            let parsed = yaml::parse_chunk(&text, c).expect("valid YAML");
            a.parse += t.elapsed();
            let Some(d) = parsed else { continue };
            let t = Instant::now();
            let mut cx = Converter::new(id, &text);
            let doc = cx.document(&d.root);
            a.convert += t.elapsed();
            assert!(cx.findings.is_empty(), "clean document");
            keep_docs.extend(doc);
            let t = Instant::now();
            drop(d);
            a.drop_nodes += t.elapsed();
        }
        drop(file);
    }
    drop(keep_docs);
    a
}

fn median(d: &[Duration]) -> Duration {
    let mut v = d.to_vec();
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

fn ms(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 0.001 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

fn env_parse<T: std::str::FromStr>(name: &str) -> Option<T> {
    let v = std::env::var(name).ok()?;
    match v.trim().parse() {
        Ok(x) => Some(x),
        Err(_) => {
            eprintln!("ignoring {name}={v:?}: not a number");
            None
        }
    }
}

/// This process's peak resident set size (Linux), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
