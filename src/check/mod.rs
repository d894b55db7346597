//! The rules: one file per code, each with its documentation and (for tenant checks) a pure
//! function from the resolved tenant to findings. Severity overrides and sorting happen
//! once, afterwards, in [`crate::analyze`].

use crate::config::Config;
use crate::diag::{Code, Finding, Severity};
use crate::model::Tenant;
use rayon::prelude::*;

mod access_rule;
mod assignable_scope;
mod assignment_limit;
mod builtin_role_redefined;
mod config_error;
mod custom_role_limit;
mod custom_role_on_management_group;
mod cycle;
mod depth_limit;
mod disabled_principal_assignment;
mod distribution_list_assignment;
mod duplicate_assignment;
mod duplicate_name;
mod expired_assignment;
mod expired_exemption;
mod invalid_suppression;
mod management_group_limit;
mod membership_cycle;
mod multiple_parents;
mod multiple_roots;
mod no_root;
mod policy_audit;
mod policy_violation;
mod schema;
mod unknown_action;
mod unknown_reference;
mod unreadable_file;
mod unsupported_policy;
mod unused_suppression;
mod yaml_syntax;

/// What a check reads.
pub struct Ctx<'a> {
    pub tenant: &'a Tenant,
    pub config: &'a Config,
    /// The moment expiry is judged against (normally now; `--at` for audits and tests).
    pub now: jiff::Timestamp,
    /// Policy compliance, computed once for the checks that need it.
    pub compliance: std::sync::OnceLock<crate::policy::assess::Compliance>,
}

impl<'a> Ctx<'a> {
    pub fn new(tenant: &'a Tenant, config: &'a Config, now: jiff::Timestamp) -> Self {
        Ctx {
            tenant,
            config,
            now,
            compliance: std::sync::OnceLock::new(),
        }
    }

    /// Every policy assignment evaluated on the tenant (computed on first use).
    pub fn compliance(&self) -> &crate::policy::assess::Compliance {
        self.compliance
            .get_or_init(|| crate::policy::assess::assess(self.tenant, self.now))
    }
}

/// A rule's metadata and documentation: the one text behind `canopy rules`, JSON and SARIF help.
pub struct Rule {
    pub code: Code,
    pub severity: Severity,
    /// Whether `canopy.toml` may lower or turn off this rule. Azure's own limits and the
    /// integrity of the tree (syntax, schema, references) cannot be.
    pub configurable: bool,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Why it matters, with the Azure fact behind it.
    pub explanation: &'static str,
    /// A tree fragment that triggers the rule.
    pub fail: &'static str,
    /// The same fragment, mended.
    pub pass: &'static str,
    /// The check, for rules computed on the resolved tenant; `None` for rules the loader reports.
    pub run: Option<fn(&Ctx, &mut Vec<Finding>)>,
}

impl Rule {
    pub fn why_fixed(&self) -> &'static str {
        match self.code {
            Code::UnreadableFile
            | Code::YamlSyntax
            | Code::Schema
            | Code::DuplicateName
            | Code::UnknownReference
            | Code::Config => "canopy cannot build the tenant without it",
            _ => "it is a limit Azure itself enforces, so Azure would reject this tree",
        }
    }
}

/// Every rule, in the order `canopy rules` lists them. One line per rule.
pub static RULES: &[&Rule] = &[
    &unreadable_file::RULE,
    &yaml_syntax::RULE,
    &schema::RULE,
    &duplicate_name::RULE,
    &multiple_parents::RULE,
    &unknown_reference::RULE,
    &no_root::RULE,
    &multiple_roots::RULE,
    &cycle::RULE,
    &depth_limit::RULE,
    &management_group_limit::RULE,
    &custom_role_on_management_group::RULE,
    &assignable_scope::RULE,
    &distribution_list_assignment::RULE,
    &duplicate_assignment::RULE,
    &assignment_limit::RULE,
    &custom_role_limit::RULE,
    &builtin_role_redefined::RULE,
    &disabled_principal_assignment::RULE,
    &expired_exemption::RULE,
    &unknown_action::RULE,
    &membership_cycle::RULE,
    &expired_assignment::RULE,
    &policy_violation::RULE,
    &policy_audit::RULE,
    &unsupported_policy::RULE,
    &config_error::RULE,
    &access_rule::RULE,
    &unused_suppression::RULE,
    &invalid_suppression::RULE,
];

/// The rule of a code.
pub fn rule(code: Code) -> &'static Rule {
    RULES
        .iter()
        .find(|r| r.code == code)
        .copied()
        .unwrap_or_else(|| panic!("code {code} has no rule in the registry"))
}

/// Runs every tenant check in parallel. Findings come back unsorted and at default severity.
pub fn run_checks(cx: &Ctx) -> Vec<Finding> {
    // Compliance first, on every worker. Computed by whichever policy rule came first, it left
    // the other policy rules' workers blocked on the lock rather than helping (a blocked
    // worker steals no work), so the assessment ran on one core: 0.3 s on Azure's limits.
    cx.compliance();
    RULES
        .par_iter()
        .filter_map(|r| r.run)
        .flat_map_iter(|run| {
            let mut out = Vec::new();
            run(cx, &mut out);
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_exactly_one_rule() {
        for code in Code::ALL {
            assert_eq!(
                RULES.iter().filter(|r| r.code == *code).count(),
                1,
                "{code}"
            );
        }
        assert_eq!(RULES.len(), Code::ALL.len());
    }

    #[test]
    fn every_rule_is_documented() {
        for r in RULES {
            assert!(
                !r.summary.is_empty() && !r.explanation.is_empty(),
                "{}",
                r.code
            );
            assert!(!r.fail.is_empty() && !r.pass.is_empty(), "{}", r.code);
            assert!(
                !r.configurable || r.severity == Severity::Warning,
                "{}",
                r.code
            );
        }
    }
}
