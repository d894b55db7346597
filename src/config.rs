//! `canopy.toml`: optional settings at the tree's root.
//!
//! ```toml
//! exclude = ["drafts/**"]      # globs, relative to the tree, of files not to read
//! max-depth = 4                # stricter than Azure's 6 levels below the root
//! [severity]
//! unknown-action = "error"     # raise a warning to an error
//! expired-exemption = "off"    # or silence it
//! ```
//!
//! Checks that enforce Azure's own limits cannot be turned off or lowered: Azure would reject
//! the tree anyway, so a green run would be a lie.

use crate::diag::{Code, Finding, Severity};
use crate::source::{FileId, Span};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Azure's limit on management-group depth below the root group.
/// <https://learn.microsoft.com/azure/governance/management-groups/overview#hierarchy-of-management-groups-and-subscriptions>
pub const AZURE_MAX_DEPTH: u32 = 6;

pub const FILE_NAME: &str = "canopy.toml";

#[derive(Debug, Clone)]
pub struct Config {
    pub exclude: Vec<String>,
    pub max_depth: u32,
    /// Severity overrides by code.
    pub severity: BTreeMap<Code, Severity>,
    exclude_set: globset::GlobSet,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            exclude: Vec::new(),
            max_depth: AZURE_MAX_DEPTH,
            severity: BTreeMap::new(),
            exclude_set: globset::GlobSet::empty(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    exclude: Vec<toml::Spanned<String>>,
    max_depth: Option<toml::Spanned<i64>>,
    #[serde(default)]
    severity: BTreeMap<toml::Spanned<String>, toml::Spanned<String>>,
}

impl Config {
    /// Parses `canopy.toml`; every problem becomes a `config` finding in `file`.
    pub fn parse(text: &str, file: FileId) -> Result<Config, Vec<Finding>> {
        let raw: RawConfig = match toml::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                let r = e.span().unwrap_or(0..0);
                let msg = e.message().to_string();
                let (label, help) = if msg.contains("unknown field") {
                    (
                        "unknown key",
                        "canopy.toml takes `exclude`, `max-depth` and a `[severity]` table",
                    )
                } else {
                    (
                        "invalid TOML",
                        "see the README's section on canopy.toml for its shape",
                    )
                };
                return Err(vec![
                    Finding::new(Code::Config, span(file, r), label, msg).help(help),
                ]);
            }
        };
        let mut errors = Vec::new();
        let mut cfg = Config::default();

        let mut builder = globset::GlobSetBuilder::new();
        for g in &raw.exclude {
            match globset::GlobBuilder::new(g.get_ref())
                .literal_separator(true)
                .build()
            {
                Ok(glob) => {
                    builder.add(glob);
                    cfg.exclude.push(g.get_ref().clone());
                }
                Err(e) => errors.push(
                    Finding::new(
                        Code::Config,
                        span(file, g.span()),
                        "bad glob",
                        format!("`{}` is not a valid glob: {}", g.get_ref(), e.kind()),
                    )
                    .help("globs are relative to the tree, like `drafts/**` or `**/*.draft.yaml`"),
                ),
            }
        }
        match builder.build() {
            Ok(set) => cfg.exclude_set = set,
            Err(e) => errors.push(Finding::new(
                Code::Config,
                span(file, 0..0),
                "here",
                format!("exclude globs could not be compiled: {e}"),
            )),
        }

        if let Some(d) = &raw.max_depth {
            let v = *d.get_ref();
            if (1..=AZURE_MAX_DEPTH as i64).contains(&v) {
                cfg.max_depth = v as u32;
            } else {
                errors.push(
                    Finding::new(
                        Code::Config,
                        span(file, d.span()),
                        "out of range",
                        format!("max-depth must be between 1 and {AZURE_MAX_DEPTH}, found {v}"),
                    )
                    .help(format!(
                        "Azure allows at most {AZURE_MAX_DEPTH} levels of management groups below the root; \
                         max-depth can only make that stricter"
                    )),
                );
            }
        }

        for (code, level) in &raw.severity {
            let Some(c) = Code::from_name(code.get_ref()) else {
                let near = crate::load::schema::suggest(
                    code.get_ref(),
                    crate::check::RULES.iter().map(|r| r.code.as_str()),
                );
                errors.push(
                    Finding::new(
                        Code::Config,
                        span(file, code.span()),
                        "unknown code",
                        format!("`{}` is not a canopy check code", code.get_ref()),
                    )
                    .help(match near {
                        Some(n) => format!("did you mean `{n}`? `canopy rules` lists every code"),
                        None => "`canopy rules` lists every code".into(),
                    }),
                );
                continue;
            };
            let sev = match level.get_ref().as_str() {
                "error" => Severity::Error,
                "warning" => Severity::Warning,
                "off" => Severity::Off,
                other => {
                    errors.push(
                        Finding::new(
                            Code::Config,
                            span(file, level.span()),
                            "unknown severity",
                            format!("`{other}` is not a severity"),
                        )
                        .help("use \"error\", \"warning\" or \"off\""),
                    );
                    continue;
                }
            };
            let rule = crate::check::rule(c);
            if sev < rule.severity && !rule.configurable {
                errors.push(
                    Finding::new(
                        Code::Config,
                        span(file, level.span()),
                        "cannot be lowered",
                        format!("`{c}` cannot be set to {sev}: {}", rule.why_fixed()),
                    )
                    .help("fix the tree instead; only canopy's own advice (warnings) can be lowered or turned off"),
                );
                continue;
            }
            cfg.severity.insert(c, sev);
        }

        if errors.is_empty() {
            Ok(cfg)
        } else {
            crate::diag::sort_findings(&mut errors);
            Err(errors)
        }
    }

    /// Whether a path relative to the tree is excluded.
    pub fn is_excluded(&self, relative: &str) -> bool {
        self.exclude_set.is_match(relative)
    }

    /// The severity a finding of this code gets.
    /// The severity `canopy.toml` sets for a code, if it sets one.
    pub fn configured(&self, code: Code) -> Option<Severity> {
        self.severity.get(&code).copied()
    }

    pub fn severity_of(&self, code: Code) -> Severity {
        self.severity
            .get(&code)
            .copied()
            .unwrap_or(crate::check::rule(code).severity)
    }
}

fn span(file: FileId, r: std::ops::Range<usize>) -> Span {
    Span::new(file, r.start as u32, r.end as u32)
}
