//! `cargo bench --bench phases`: divan benchmarks of each phase of canopy on one generated
//! tenant, in process: load (walk + read + parse + convert), resolve, check, one access
//! question, the access report, the policy report and a diff. The whole processes, beside the
//! parse floor, are `cargo bench --bench scales`.
//!
//! Environment: `CANOPY_PHASES_SCALE` names the tenant (`small`, `medium` (the default),
//! `large`, `limits`; see `generate::Params::named`). Its tree is generated into
//! `target/bench-scales/<scale>`, the folder the scales benchmark uses, and reused while the
//! generator's parameters are the same. divan's own options pass through, e.g.
//! `cargo bench --bench phases -- --sample-count 5 access`.
//!
//! Each benchmark's inputs are prepared outside the timing: the resolve phase is timed on
//! documents already parsed, the check on a tenant already resolved, and so on.

#[allow(dead_code)]
mod generate;

use canopy::access::{Access, Plane};
use canopy::config::Config;
use canopy::load::kinds::{Doc, PrincipalKind};
use canopy::model::{PrincipalId, Tenant};
use divan::Bencher;
use std::path::PathBuf;
use std::sync::OnceLock;

fn main() {
    // Generate (or find) the tree before divan starts printing its table.
    tree();
    divan::main();
}

/// The scale benchmarked, from `CANOPY_PHASES_SCALE`.
fn scale() -> String {
    std::env::var("CANOPY_PHASES_SCALE").unwrap_or_else(|_| "medium".into())
}

/// The generated tree of the scale, made once per process.
fn tree() -> &'static PathBuf {
    static TREE: OnceLock<PathBuf> = OnceLock::new();
    TREE.get_or_init(|| {
        let name = scale();
        let params = generate::Params::named(&name)
            .unwrap_or_else(|| panic!("unknown scale `{name}` (small, medium, large, limits)"));
        let dir = generate::bench_dir("bench-scales").join(&name);
        let stamp = dir.join(".canopy-bench");
        let fingerprint = params.fingerprint();
        if std::fs::read_to_string(&stamp).ok().as_deref() != Some(fingerprint.as_str()) {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("bench folder");
            generate::generate(&dir, &params).expect("tree generated");
            std::fs::write(&stamp, &fingerprint).expect("stamp");
        }
        eprintln!(
            "phases of canopy on the `{name}` tenant ({})",
            dir.display()
        );
        dir
    })
}

/// The tree loaded, resolved and checked once, for the phases that start from it.
fn analysis() -> &'static canopy::Analysis {
    static ANALYSIS: OnceLock<canopy::Analysis> = OnceLock::new();
    ANALYSIS.get_or_init(|| canopy::load(tree()).expect("the generated tree loads"))
}

/// Every converted document of the tree, as the resolve phase receives them.
fn documents() -> Vec<Doc> {
    let walked = canopy::load::walk(tree(), &Config::default());
    canopy::in_pool(|| canopy::load::load_files(walked))
        .into_iter()
        .flat_map(|l| l.docs)
        .collect()
}

fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

/// Walk, read, parse and convert every file: the load phase.
#[divan::bench(sample_count = 10)]
fn load(b: Bencher) {
    let dir = tree();
    b.bench(|| {
        let walked = canopy::load::walk(dir, &Config::default());
        canopy::in_pool(|| canopy::load::load_files(walked))
    });
}

/// Documents to a resolved, indexed tenant.
#[divan::bench(sample_count = 10)]
fn resolve(b: Bencher) {
    let docs = documents();
    b.with_inputs(|| docs.clone()).bench_local_values(|docs| {
        let mut findings = Vec::new();
        canopy::in_pool(|| canopy::model::resolve(docs, &mut findings))
    });
}

/// Every rule on the resolved tenant, policy compliance included (the rules need it).
#[divan::bench(sample_count = 10)]
fn check(b: Bencher) {
    let a = analysis();
    b.bench(|| {
        canopy::in_pool(|| {
            let cx = canopy::check::Ctx::new(&a.tenant, &a.config, now());
            canopy::check::run_checks(&cx)
        })
    });
}

/// A user, an operation and the last subscription: what `canopy access check` does after
/// loading.
#[divan::bench]
fn access_check_one_question(b: Bencher) {
    let t = &analysis().tenant;
    let user = first_user(t);
    let scope = t.subscriptions.last().expect("a subscription").scope;
    let now = now();
    b.bench(|| {
        Access::new(t, now).check(
            user,
            "Microsoft.Compute/virtualMachines/write",
            Plane::Control,
            scope,
        )
    });
}

/// Every principal's effective access: the figures and privileged rows of `canopy access
/// report`, then every person's rows made once more, as the report makes them to write them.
#[divan::bench(sample_count = 5)]
fn access_report(b: Bencher) {
    use rayon::prelude::*;
    let t = &analysis().tenant;
    let now = now();
    b.bench(|| {
        canopy::in_pool(|| {
            let access = Access::new(t, now);
            let report = canopy::access::report::AccessReport::build(&access);
            let people = report.people();
            people
                .par_iter()
                .map(|p| report.rows_of(*p).len())
                .sum::<usize>()
        })
    });
}

/// Every policy assignment evaluated on every resource in its reach: `canopy policy`.
#[divan::bench(sample_count = 10)]
fn policy_report(b: Bencher) {
    let t = &analysis().tenant;
    let now = now();
    b.bench(|| canopy::in_pool(|| canopy::policy::assess::assess(t, now)));
}

/// The tree against itself with one assignments file removed: what `canopy diff` computes.
#[divan::bench(sample_count = 10)]
fn diff(b: Bencher) {
    let base = analysis();
    let walked: Vec<_> = canopy::load::walk(tree(), &Config::default())
        .into_iter()
        .filter(|w| {
            !matches!(w, canopy::load::Walked::File { name, .. }
                if name.starts_with("assignments/") && name.ends_with("-0001.yaml"))
        })
        .collect();
    let loaded = canopy::in_pool(|| canopy::load::load_files(walked));
    let head = canopy::analyse_loaded(tree(), Config::default(), loaded, &Default::default());
    let options = canopy::diff::DiffOptions {
        now: now(),
        findings: true,
        exhaustive: false,
    };
    b.bench(|| canopy::in_pool(|| canopy::diff::compare(base, &head, options)));
}

fn first_user(t: &Tenant) -> PrincipalId {
    (0..t.principals.len())
        .map(|i| PrincipalId(i as u32))
        .find(|p| t.principal(*p).kind == PrincipalKind::User)
        .expect("a user")
}
