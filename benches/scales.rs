//! `cargo bench --bench scales`: the whole `canopy check`, `canopy access report` and
//! `canopy policy` processes on generated tenants of each named scale (`small`, `medium`,
//! `large`, `limits`; see `generate::Params::named`), with wall time and peak memory, beside
//! the floor: the same files read and parsed into plain YAML values by the same parser
//! (granit-parser's events, which canopy builds its spanned nodes from; document by document)
//! with the same parallelism, nothing else. For comparison, also the same files parsed by
//! serde-saphyr into `serde_json::Value` (what canopy's parsing cost before it read the events
//! itself), and `canopy check` on one thread, for the parallel speed-up. Prints a table;
//! asserts nothing about time.
//!
//! Environment: `CANOPY_SCALES` (default `small,medium`; `large` and `limits` take minutes
//! to generate), `CANOPY_BENCH_RUNS` (default 3: the median is printed). Trees are kept in
//! `target/bench-scales/<scale>` and reused while the generator and parameters are the same.
//!
//! The floor runs as this same binary with `--floor DIR` (`CANOPY_FLOOR_SERDE=1` for the
//! serde-saphyr row), so it is a whole process too.
//! Every process's stdout goes to /dev/null, so a large output (the access report) is timed
//! as canopy writing it, not as this process collecting it.

#[allow(dead_code)]
mod generate;

use rayon::prelude::*;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

fn floor(dir: &Path) {
    // The files canopy would read, walked by canopy's own walk (hidden folders skipped).
    let files: Vec<PathBuf> = canopy::load::walk(dir, &canopy::config::Config::default())
        .into_iter()
        .filter_map(|w| match w {
            canopy::load::Walked::File { path, .. } => Some(path),
            _ => None,
        })
        .collect();
    // Scheduled as canopy's loading is (`load::load_files`, `load::parse_file`): a file per
    // task, each read, split into documents and parsed there, the documents of a large file
    // in parallel. (Reading all files first, splitting them on one core and then parsing the
    // documents in runs left one worker alone for the last 2 s in some runs: a floor of
    // 2.4 s or 3.3 s for the same CPU time.)
    let serde = std::env::var_os("CANOPY_FLOOR_SERDE").is_some();
    let parse = |src: &str| -> usize {
        if serde {
            let v: Option<serde_json::Value> = serde_saphyr::from_str(src).expect("valid YAML");
            usize::from(v.is_some())
        } else {
            usize::from(plain_values(src).is_some())
        }
    };
    let documents: usize = files
        .par_iter()
        .with_max_len(1)
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("readable");
            let chunks = canopy::load::yaml::split_documents(&text);
            let one = |c: &canopy::load::yaml::Chunk| parse(&text[c.start..c.end]);
            if chunks.len() > canopy::load::PARALLEL_DOCUMENTS {
                chunks.par_iter().map(one).sum()
            } else {
                chunks.iter().map(one).sum::<usize>()
            }
        })
        .sum();
    println!("{} files, {documents} documents", files.len());
}

/// A plain YAML value: what the floor builds, without spans or typed scalars.
#[allow(dead_code)] // built to be dropped: the floor measures making it
enum Plain {
    Scalar(String),
    Seq(Vec<Plain>),
    Map(Vec<(Plain, Plain)>),
}

/// One document as plain values, from the events of granit-parser: the parser canopy builds
/// its spanned nodes from (`canopy::load::yaml`).
fn plain_values(src: &str) -> Option<Plain> {
    use granit_parser::Event;
    let mut parser = granit_parser::Parser::new_from_str(src);
    let mut open: Vec<(bool, Vec<Plain>)> = Vec::new();
    let mut root = None;
    while let Some(event) = parser.next_event() {
        let value = match event.expect("valid YAML").0 {
            Event::Scalar(text, ..) => Plain::Scalar(text.into_owned()),
            Event::SequenceStart(..) => {
                open.push((false, Vec::new()));
                continue;
            }
            Event::MappingStart(..) => {
                open.push((true, Vec::new()));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (map, items) = open.pop().expect("balanced events");
                if map {
                    let mut pairs = Vec::with_capacity(items.len() / 2);
                    let mut items = items.into_iter();
                    while let (Some(k), Some(v)) = (items.next(), items.next()) {
                        pairs.push((k, v));
                    }
                    Plain::Map(pairs)
                } else {
                    Plain::Seq(items)
                }
            }
            _ => continue,
        };
        match open.last_mut() {
            Some((_, items)) => items.push(value),
            None => root = Some(value),
        }
    }
    root
}

/// A process the suite times: label, program, arguments, environment.
type Process<'a> = (&'a str, &'a str, &'a [&'a OsStr], &'a [(&'a str, &'a str)]);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--floor") {
        floor(Path::new(&args[i + 1]));
        return;
    }
    let scales = std::env::var("CANOPY_SCALES").unwrap_or_else(|_| "small,medium".into());
    let runs: usize = std::env::var("CANOPY_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let canopy = env!("CARGO_BIN_EXE_canopy");
    let me = std::env::current_exe().expect("the benchmark's own path");
    let me = me.to_str().expect("a UTF-8 path");
    println!("canopy scales benchmark ({runs} runs each, medians; 2 threads unless said)");
    for name in scales.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some(params) = generate::Params::named(name) else {
            println!("  unknown scale `{name}` (small, medium, large, limits)");
            continue;
        };
        let tree = generate::bench_dir("bench-scales").join(name);
        let stamp = tree.join(".canopy-bench");
        let fingerprint = params.fingerprint();
        if std::fs::read_to_string(&stamp).ok().as_deref() != Some(fingerprint.as_str()) {
            let _ = std::fs::remove_dir_all(&tree);
            std::fs::create_dir_all(&tree).expect("bench folder");
            let t = std::time::Instant::now();
            generate::generate(&tree, &params).expect("tree generated");
            std::fs::write(&stamp, &fingerprint).expect("stamp");
            println!("  generated `{name}` in {:.1} s", t.elapsed().as_secs_f64());
        }
        let (_, bytes) = generate::folder_size(&tree);
        println!(
            "\n{name}: {params:?}\n  tree: {:.1} MB on disk",
            bytes as f64 / 1e6
        );
        let t = tree.as_os_str();
        // The processes, each run once a round, rounds one after the other: this machine's
        // speed drifts over minutes (the same floor has taken 2.5 s and 4 s), so every
        // process is measured under the same conditions as the floor, and each ratio is taken
        // within a round before the median.
        let json = || ["--format".as_ref(), "json".as_ref()];
        let check = ["check".as_ref(), "--quiet".as_ref(), t];
        let report = [&["access".as_ref(), "report".as_ref(), t][..], &json()].concat();
        let policy = [&["policy".as_ref(), t][..], &json()].concat();
        let processes: [Process; 6] = [
            ("floor: read + parse", me, &["--floor".as_ref(), t], &[]),
            (
                "(serde-saphyr to plain values)",
                me,
                &["--floor".as_ref(), t],
                &[("CANOPY_FLOOR_SERDE", "1")],
            ),
            ("canopy check", canopy, &check, &[]),
            (
                "canopy check, one thread",
                canopy,
                &check,
                &[("RAYON_NUM_THREADS", "1")],
            ),
            ("canopy access report (json)", canopy, &report, &[]),
            ("canopy policy (json)", canopy, &policy, &[]),
        ];
        // walls[process][round], peak RSS and exit code per process.
        let mut walls = vec![Vec::new(); processes.len()];
        let mut rss = vec![0u64; processes.len()];
        let mut codes = vec![None; processes.len()];
        for _ in 0..runs {
            for (i, (_, program, args, env)) in processes.iter().enumerate() {
                let (o, wall, line) = generate::run_timed_discarding_stdout(program, args, env);
                codes[i] = o.status.code();
                walls[i].push(wall);
                if let Some(kb) = line
                    .as_deref()
                    .and_then(|l| l.split_whitespace().nth(2))
                    .and_then(|k| k.parse::<u64>().ok())
                {
                    rss[i] = rss[i].max(kb * 1024);
                }
            }
        }
        let median = |mut xs: Vec<f64>| {
            xs.sort_by(f64::total_cmp);
            xs[xs.len() / 2]
        };
        // Process i's wall over process j's, round by round, then the median.
        let ratio = |i: usize, j: usize| {
            median(walls[i].iter().zip(&walls[j]).map(|(a, b)| a / b).collect())
        };
        println!(
            "  {:<30} {:>9} {:>8} {:>10} {:>8}  exit",
            "process", "wall", "÷ floor", "peak RSS", "÷ tree"
        );
        for (i, (label, ..)) in processes.iter().enumerate() {
            println!(
                "  {label:<30} {:>8.3}s {:>7.2}x {:>8.0} MB {:>7.2}x  {:?}",
                median(walls[i].clone()),
                ratio(i, 0),
                rss[i] as f64 / 1e6,
                rss[i] as f64 / bytes as f64,
                codes[i]
            );
        }
        println!(
            "  (walls: medians of {runs} runs; ÷ floor: the median of each round's ratio to that round's floor)"
        );
        println!("  parallel speed-up of canopy check: {:.2}x", ratio(3, 2));
        one_question(&tree);
    }
    // The bundled example, as a whole process (the pre-commit case).
    let contoso = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/contoso");
    let mut walls: Vec<f64> = (0..runs.max(5))
        .map(|_| {
            generate::run_timed_discarding_stdout(
                canopy,
                &["check".as_ref(), "--quiet".as_ref(), contoso.as_os_str()],
                &[],
            )
            .1
        })
        .collect();
    walls.sort_by(f64::total_cmp);
    println!(
        "\nexamples/contoso: canopy check {:.1} ms (median of {})",
        walls[walls.len() / 2] * 1e3,
        walls.len()
    );
}

/// `canopy access check` without the loading: the tree is loaded once in this process, then
/// the indexes are built and one question asked (a user, an operation, a subscription), as
/// the command does after loading.
fn one_question(tree: &Path) {
    use std::time::Instant;
    let a = canopy::load(tree).expect("tree loads");
    let t = &a.tenant;
    let user = (0..t.principals.len())
        .map(|i| canopy::model::PrincipalId(i as u32))
        .find(|p| t.principal(*p).kind == canopy::load::kinds::PrincipalKind::User)
        .expect("a user");
    let scope = t.subscriptions.last().expect("a subscription").scope;
    let now = jiff::Timestamp::now();
    let start = Instant::now();
    let access = canopy::access::Access::new(t, now);
    let built = start.elapsed();
    let start = Instant::now();
    let d = access.check(
        user,
        "Microsoft.Compute/virtualMachines/write",
        canopy::access::Plane::Control,
        scope,
    );
    let asked = start.elapsed();
    println!(
        "  access check, one question without the loading: {:.3} ms (indexes {:.3} ms, the question {:.3} ms; allowed: {})",
        (built + asked).as_secs_f64() * 1e3,
        built.as_secs_f64() * 1e3,
        asked.as_secs_f64() * 1e3,
        d.allowed
    );
}
