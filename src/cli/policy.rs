//! `canopy policy`: every evaluation (a resource, resource group or subscription against an
//! assignment that applies to it) with its verdict and reason, compliance per assignment and
//! per subscription; `canopy policy effective --scope S`: the assignments in force at S.

use super::access::ReportFormat;
use super::{EXIT_CANNOT_RUN, EXIT_OK, Format};
use crate::Analysis;
use crate::model::{ScopeId, ScopeKind, Tenant};
use crate::policy::assess::{Compliance, Evaluation, Tally};
use crate::report::human::Style;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: Option<PolicyCommand>,
    /// The tree's directory.
    #[arg(default_value = ".")]
    pub tree: PathBuf,
    /// Only the evaluations that fail.
    #[arg(long)]
    pub non_compliant: bool,
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Judge exemption expiry as of this RFC 3339 time instead of now.
    #[arg(long, value_name = "TIMESTAMP")]
    pub at: Option<jiff::Timestamp>,
}

#[derive(clap::Subcommand, Debug)]
pub enum PolicyCommand {
    /// The policy assignments in force at a scope, where each comes from, and the resulting
    /// allowed locations.
    Effective(EffectiveArgs),
}

#[derive(clap::Args, Debug)]
pub struct EffectiveArgs {
    /// The tree's directory.
    #[arg(default_value = ".")]
    pub tree: PathBuf,
    /// An Azure scope string.
    #[arg(long)]
    pub scope: String,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[arg(long, value_name = "TIMESTAMP")]
    pub at: Option<jiff::Timestamp>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    scope: String,
    assignment: String,
    policy: String,
    effect: &'static str,
    compliant: bool,
    exempt: bool,
    enforced: bool,
    reason: String,
}

fn row(t: &Tenant, e: &Evaluation) -> Row {
    let a = &t.policy_assignments[e.assignment.index()];
    let d = &t.policy_definitions[a.policy.index()];
    let inherited = if a.scope == e.target {
        String::new()
    } else {
        format!(" (inherited from {})", t.scope_path(a.scope))
    };
    Row {
        scope: t.scope_path(e.target),
        assignment: a.name.value.to_string(),
        policy: d.display_name.as_ref().unwrap_or(&d.name).value.to_string(),
        effect: e.outcome.effect.name(),
        compliant: e.compliant(),
        exempt: e.exemption.is_some(),
        enforced: e.enforced,
        reason: if e.compliant() {
            "compliant".to_string()
        } else {
            format!("{}{inherited}", e.outcome.reason)
        },
    }
}

fn subscription_of(t: &Tenant, s: ScopeId) -> Option<String> {
    t.scopes.ancestors(s).find_map(|a| match t.scopes.kind(a) {
        ScopeKind::Subscription(id) => Some(t.sub(id).name.value.to_string()),
        _ => None,
    })
}

pub fn run(args: &PolicyArgs, style: Style, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    if let Some(PolicyCommand::Effective(e)) = &args.command {
        return effective(e, style, out, err);
    }
    let format = if args.format == ReportFormat::Human {
        Format::Human
    } else {
        Format::Json
    };
    // One moment for the loading and the results: the loading's checks evaluated every
    // policy assignment as of it, and those evaluations are the results.
    let now = args.at.unwrap_or_else(jiff::Timestamp::now);
    let options = crate::Options { now: Some(now) };
    let a = match super::load_or_report(&args.tree, &options, format, style, out, err) {
        Ok(a) => a,
        Err(code) => return code,
    };
    match write_results(&a, &a.compliance, args, out) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            let _ = writeln!(err, "canopy: cannot write output: {e}");
            EXIT_CANNOT_RUN
        }
    }
}

fn write_results(
    a: &Analysis,
    c: &Compliance,
    args: &PolicyArgs,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let t = &a.tenant;
    let shown: Vec<&Evaluation> = c
        .results
        .iter()
        .filter(|e| !args.non_compliant || !e.compliant())
        .collect();
    let mut total = Tally::default();
    let mut per_assignment: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let mut per_subscription: BTreeMap<String, Tally> = BTreeMap::new();
    for e in &c.results {
        total.add(e);
        let asg = &t.policy_assignments[e.assignment.index()];
        per_assignment
            .entry((asg.name.value.to_string(), t.scope_path(asg.scope)))
            .or_default()
            .add(e);
        if let Some(s) = subscription_of(t, e.target) {
            per_subscription.entry(s).or_default().add(e);
        }
    }
    let total = total.done();
    match args.format {
        ReportFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            for e in &shown {
                w.serialize(row(t, e)).map_err(std::io::Error::other)?;
            }
            w.flush()?;
        }
        ReportFormat::Json => {
            #[derive(Serialize)]
            #[serde(rename_all = "camelCase")]
            struct Summary {
                #[serde(flatten)]
                total: Tally,
                per_assignment: Vec<serde_json::Value>,
                per_subscription: Vec<serde_json::Value>,
            }
            let summary = Summary {
                total: total.clone(),
                per_assignment: per_assignment
                    .into_iter()
                    .map(|((name, scope), tally)| {
                        serde_json::json!({"assignment": name, "scope": scope, "compliance": tally.done()})
                    })
                    .collect(),
                per_subscription: per_subscription
                    .into_iter()
                    .map(|(s, tally)| serde_json::json!({"subscription": s, "compliance": tally.done()}))
                    .collect(),
            };
            // Each row serialized as it is made, not all of them gathered and then copied
            // into one JSON value (80 MB of a run at Azure's limits). Keys in the order
            // serde_json gives an object's: sorted.
            #[derive(Serialize)]
            struct RowJson<'a> {
                assignment: &'a str,
                compliant: bool,
                effect: &'static str,
                enforced: bool,
                exempt: bool,
                policy: &'a str,
                reason: &'a str,
                scope: &'a str,
            }
            struct Results<'a>(&'a Tenant, &'a [&'a Evaluation]);
            impl Serialize for Results<'_> {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    use serde::ser::SerializeSeq;
                    let mut seq = s.serialize_seq(Some(self.1.len()))?;
                    for e in self.1 {
                        let r = row(self.0, e);
                        seq.serialize_element(&RowJson {
                            assignment: &r.assignment,
                            compliant: r.compliant,
                            effect: r.effect,
                            enforced: r.enforced,
                            exempt: r.exempt,
                            policy: &r.policy,
                            reason: &r.reason,
                            scope: &r.scope,
                        })?;
                    }
                    seq.end()
                }
            }
            #[derive(Serialize)]
            struct Document<'a> {
                results: Results<'a>,
                summary: serde_json::Value,
                version: u32,
            }
            let document = Document {
                results: Results(t, &shown),
                summary: serde_json::to_value(&summary).map_err(std::io::Error::other)?,
                version: 1,
            };
            serde_json::to_writer_pretty(&mut *out, &document).map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
        ReportFormat::Human => {
            for e in &shown {
                let r = row(t, e);
                let verdict = match (r.compliant, r.exempt, r.enforced) {
                    (true, _, _) => "compliant",
                    (false, true, _) => "exempt",
                    (false, false, false) => "non-compliant (not enforced)",
                    (false, false, true) => "non-compliant",
                };
                writeln!(out, "{verdict:<28} {:<8} {}", r.effect, r.scope)?;
                writeln!(out, "    {} ({}): {}", r.assignment, r.policy, r.reason)?;
            }
            writeln!(
                out,
                "\n{} evaluations: {} compliant, {} exempt, {} non-compliant ({}% compliant)",
                total.evaluated,
                total.compliant,
                total.exempt,
                total.evaluated - total.compliant - total.exempt,
                total.percent_compliant
            )?;
            writeln!(out, "\nby assignment:")?;
            for ((name, scope), tally) in per_assignment {
                let tally = tally.done();
                writeln!(
                    out,
                    "  {:>5.1}%  {name} at {scope} ({} evaluated)",
                    tally.percent_compliant, tally.evaluated
                )?;
            }
            writeln!(out, "\nby subscription:")?;
            for (s, tally) in per_subscription {
                let tally = tally.done();
                writeln!(
                    out,
                    "  {:>5.1}%  {s} ({} evaluated)",
                    tally.percent_compliant, tally.evaluated
                )?;
            }
        }
    }
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InForce {
    assignment: String,
    policy: String,
    /// Where the assignment is made.
    from: String,
    enforced: bool,
    exempt: bool,
    parameters: BTreeMap<String, serde_json::Value>,
}

fn effective(args: &EffectiveArgs, style: Style, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let options = crate::Options { now: args.at };
    let a = match super::load_or_report(&args.tree, &options, args.format, style, out, err) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let t = &a.tenant;
    let s = match t.resolve_scope(&args.scope) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(
                err,
                "canopy: {}{}",
                e.message,
                e.help.map(|h| format!("; {h}")).unwrap_or_default()
            );
            return EXIT_CANNOT_RUN;
        }
    };
    let now = args.at.unwrap_or_else(jiff::Timestamp::now);
    let mut in_force = Vec::new();
    // Nearest first would hide the root's; list from the top down, as inheritance flows.
    let mut chain: Vec<ScopeId> = t.scopes.ancestors(s).collect();
    chain.reverse();
    let mut allowed: Option<Vec<String>> = None;
    for scope in chain {
        let here = t.policy_assignments.iter().enumerate();
        for (aid, asg) in here.filter(|(_, x)| x.scope == scope) {
            if asg
                .not_scopes
                .iter()
                .any(|(_, ns)| t.scopes.contains(*ns, s))
            {
                continue;
            }
            let aid = crate::model::PolicyAssignmentId(aid as u32);
            let exempt = crate::policy::assess::exemption_for(t, aid, s, now).is_some();
            let d = &t.policy_definitions[asg.policy.index()];
            let parameters: BTreeMap<String, serde_json::Value> = asg
                .parameters
                .iter()
                .map(|(k, v)| (k.value.to_string(), v.to_json()))
                .collect();
            // Allowed locations intersect down the hierarchy: a resource must satisfy each.
            if asg.enforced && !exempt {
                for (k, v) in &parameters {
                    if k.eq_ignore_ascii_case("listOfAllowedLocations")
                        && let Some(list) = v.as_array()
                    {
                        let here: Vec<String> = list
                            .iter()
                            .filter_map(|x| x.as_str())
                            .map(|x| x.to_lowercase().replace(' ', ""))
                            .collect();
                        allowed = Some(match allowed {
                            None => here,
                            Some(prev) => prev.into_iter().filter(|l| here.contains(l)).collect(),
                        });
                    }
                }
            }
            in_force.push(InForce {
                assignment: asg.name.value.to_string(),
                policy: d.display_name.as_ref().unwrap_or(&d.name).value.to_string(),
                from: t.scope_path(asg.scope),
                enforced: asg.enforced,
                exempt,
                parameters,
            });
        }
    }
    let result = match args.format {
        Format::Json => serde_json::to_writer_pretty(
            &mut *out,
            &serde_json::json!({
                "version": 1,
                "scope": t.scope_path(s),
                "assignments": in_force,
                "allowedLocations": allowed,
            }),
        )
        .map_err(std::io::Error::other)
        .and_then(|_| writeln!(out)),
        Format::Human => (|| {
            writeln!(out, "policy in force at `{}`:\n", t.scope_path(s))?;
            if in_force.is_empty() {
                writeln!(out, "  no policy assignment applies here")?;
            }
            for f in &in_force {
                let mut notes = Vec::new();
                if !f.enforced {
                    notes.push("not enforced");
                }
                if f.exempt {
                    notes.push("exempt here");
                }
                let notes = if notes.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", notes.join(", "))
                };
                writeln!(
                    out,
                    "  {} ({}) from {}{notes}",
                    f.assignment, f.policy, f.from
                )?;
                for (k, v) in &f.parameters {
                    writeln!(out, "      {k}: {v}")?;
                }
            }
            match &allowed {
                Some(l) if l.is_empty() => writeln!(
                    out,
                    "\nallowed locations: none (the lists in force have nothing in common)"
                ),
                Some(l) => writeln!(out, "\nallowed locations: {}", l.join(", ")),
                None => writeln!(out, "\nallowed locations: any (no location list applies)"),
            }
        })(),
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(_) => EXIT_CANNOT_RUN,
    }
}
