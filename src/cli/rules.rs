//! `canopy rules [CODE]`: every check code, or one explained, as `ruff rule` does.

use super::{EXIT_CANNOT_RUN, EXIT_OK, Format, RulesArgs};
use crate::check::{RULES, Rule};
use serde_json::json;
use std::io::Write;

pub fn run(args: &RulesArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let selected: Vec<&Rule> = match &args.code {
        None => RULES.to_vec(),
        Some(code) => match RULES.iter().find(|r| r.code.as_str() == code) {
            Some(r) => vec![*r],
            None => {
                let near =
                    crate::load::schema::suggest(code, RULES.iter().map(|r| r.code.as_str()));
                let hint = near
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                let _ = writeln!(
                    err,
                    "canopy: no check code `{code}`{hint} (`canopy rules` lists them)"
                );
                return EXIT_CANNOT_RUN;
            }
        },
    };
    let result = match (args.format, &args.code) {
        (Format::Json, _) => {
            let v: Vec<_> = selected.iter().map(|r| rule_json(r)).collect();
            serde_json::to_writer_pretty(&mut *out, &json!({"version": 1, "rules": v}))
                .map_err(std::io::Error::other)
                .and_then(|_| writeln!(out))
        }
        (Format::Human, None) => list(&selected, out),
        (Format::Human, Some(_)) => out.write_all(explain(selected[0]).as_bytes()),
    };
    if result.is_err() {
        return EXIT_CANNOT_RUN;
    }
    EXIT_OK
}

fn rule_json(r: &Rule) -> serde_json::Value {
    json!({
        "code": r.code.as_str(),
        "severity": r.severity.as_str(),
        "configurable": r.configurable,
        "summary": r.summary,
        "explanation": r.explanation,
        "fails": r.fail,
        "passes": r.pass,
    })
}

fn list(rules: &[&Rule], out: &mut dyn Write) -> std::io::Result<()> {
    let width = rules
        .iter()
        .map(|r| r.code.as_str().len())
        .max()
        .unwrap_or(0);
    for r in rules {
        writeln!(
            out,
            "{:width$}  {:7}  {}",
            r.code.as_str(),
            r.severity.as_str(),
            r.summary
        )?;
    }
    writeln!(
        out,
        "\n`canopy rules CODE` explains one, with an example that fails and one that passes."
    )
}

/// The full text of a rule: the one text behind `canopy rules CODE`, JSON and SARIF help.
pub fn explain(r: &Rule) -> String {
    let fixed = if r.configurable {
        "can be set to error, warning or off in canopy.toml".to_string()
    } else {
        format!("cannot be lowered: {}", r.why_fixed())
    };
    let indent = |s: &str| s.lines().map(|l| format!("    {l}\n")).collect::<String>();
    format!(
        "{code} ({sev}; {fixed})\n\n{summary}.\n\n{explanation}\n\nFails:\n{fail}\nPasses:\n{pass}",
        code = r.code,
        sev = r.severity,
        summary = r.summary,
        explanation = wrap(r.explanation, 90),
        fail = indent(r.fail),
        pass = indent(r.pass),
    )
}

fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}
