//! `cargo bench --bench scales`: the whole `canopy check`, `canopy access report` and
//! `canopy policy` processes on generated tenants of each named scale (`small`, `medium`,
//! `large`, `limits`; see `generate::Params::named`), with wall time and peak memory, beside
//! the floor: the same files read and parsed into plain YAML values by the same parser
//! (serde-saphyr, document by document) with the same parallelism, nothing else. Also
//! `canopy check` on one thread, for the parallel speed-up. Prints a table; asserts nothing
//! about time.
//!
//! Environment: `CANOPY_SCALES` (default `small,medium`; `large` and `limits` take minutes
//! to generate), `CANOPY_BENCH_RUNS` (default 3: the median is printed). Trees are kept in
//! `target/bench-scales/<scale>` and reused while the generator and parameters are the same.
//!
//! The floor runs as this same binary with `--floor DIR`, so it is a whole process too.

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
    let texts: Vec<String> = files
        .par_iter()
        .map(|p| std::fs::read_to_string(p).expect("readable"))
        .collect();
    let chunks: Vec<(&str, canopy::load::yaml::Chunk)> = texts
        .iter()
        .flat_map(|t| {
            canopy::load::yaml::split_documents(t)
                .into_iter()
                .map(move |c| (t.as_str(), c))
        })
        .collect();
    let documents: usize = chunks
        .par_iter()
        .map(|(text, c)| {
            let v: Option<serde_json::Value> =
                serde_saphyr::from_str(&text[c.start..c.end]).expect("valid YAML");
            usize::from(v.is_some())
        })
        .sum();
    println!("{} files, {documents} documents", files.len());
}

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
        let measure = |label: &str, program: &str, args: &[&OsStr], threads: Option<&str>| {
            let mut walls = Vec::new();
            let mut rss = 0u64;
            let mut code = None;
            for _ in 0..runs {
                let env: Vec<(&str, &str)> = threads
                    .map(|n| ("RAYON_NUM_THREADS", n))
                    .into_iter()
                    .collect();
                let (o, wall, line) = generate::run_timed(program, args, &env);
                code = o.status.code();
                walls.push(wall);
                if let Some(kb) = line
                    .as_deref()
                    .and_then(|l| l.split_whitespace().nth(2))
                    .and_then(|k| k.parse::<u64>().ok())
                {
                    rss = rss.max(kb * 1024);
                }
            }
            walls.sort_by(f64::total_cmp);
            let wall = walls[walls.len() / 2];
            (label.to_string(), wall, rss, code)
        };
        let rows = [
            measure("floor: read + parse", me, &["--floor".as_ref(), t], None),
            measure(
                "canopy check",
                canopy,
                &["check".as_ref(), "--quiet".as_ref(), t],
                None,
            ),
            measure(
                "canopy check, one thread",
                canopy,
                &["check".as_ref(), "--quiet".as_ref(), t],
                Some("1"),
            ),
            measure(
                "canopy access report (json)",
                canopy,
                &[
                    "access".as_ref(),
                    "report".as_ref(),
                    t,
                    "--format".as_ref(),
                    "json".as_ref(),
                ],
                None,
            ),
            measure(
                "canopy policy (json)",
                canopy,
                &["policy".as_ref(), t, "--format".as_ref(), "json".as_ref()],
                None,
            ),
        ];
        let floor_wall = rows[0].1;
        println!(
            "  {:<30} {:>9} {:>8} {:>10} {:>8}  exit",
            "process", "wall", "÷ floor", "peak RSS", "÷ tree"
        );
        for (label, wall, rss, code) in &rows {
            println!(
                "  {label:<30} {wall:>8.3}s {:>7.2}x {:>8.0} MB {:>7.2}x  {code:?}",
                wall / floor_wall,
                *rss as f64 / 1e6,
                *rss as f64 / bytes as f64
            );
        }
        println!(
            "  parallel speed-up of canopy check: {:.2}x",
            rows[2].1 / rows[1].1
        );
        one_question(&tree);
    }
    // The bundled example, as a whole process (the pre-commit case).
    let contoso = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/contoso");
    let mut walls: Vec<f64> = (0..runs.max(5))
        .map(|_| {
            generate::run_timed(
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
