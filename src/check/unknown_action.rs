use super::{Ctx, Rule};
use crate::builtin::{self, PatternMatch};
use crate::diag::{Code, Finding, Severity};
use crate::source::Text;

pub const RULE: Rule = Rule {
    code: Code::UnknownAction,
    severity: Severity::Warning,
    configurable: true,
    summary: "an action pattern of a custom role or an access rule that matches no published operation",
    explanation: "Every pattern in a custom role's actions, notActions, dataActions and \
notDataActions should match at least one operation Azure publishes (canopy ships all of them). A \
pattern that matches nothing is a typo (`virtualMachine/read` for `virtualMachines/read`) and \
grants or removes nothing; in an AccessRule it checks nothing. A data action listed under `actions`, or a control-plane action under \
`dataActions`, is misplaced: Azure would not grant it there.",
    fail: "kind: RoleDefinition\nname: VM Reader\nactions: [Microsoft.Compute/virtualMachine/read]\nassignableScopes: [/subscriptions/corp-dev]\n",
    pass: "kind: RoleDefinition\nname: VM Reader\nactions: [Microsoft.Compute/virtualMachines/read]\nassignableScopes: [/subscriptions/corp-dev]\n",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    for role in &cx.tenant.custom_roles {
        let lists: [(&str, &[Text], bool); 4] = [
            ("actions", &role.actions, false),
            ("notActions", &role.not_actions, false),
            ("dataActions", &role.data_actions, true),
            ("notDataActions", &role.not_data_actions, true),
        ];
        for (field, patterns, data) in lists {
            for p in patterns {
                check_pattern(&format!("role `{}`", role.name.value), field, p, data, out);
            }
        }
    }
    for rule in &cx.tenant.access_rules {
        let owner = format!("access rule `{}`", rule.name.value);
        for p in &rule.actions {
            check_pattern(&owner, "actions", p, false, out);
        }
        for p in &rule.data_actions {
            check_pattern(&owner, "dataActions", p, true, out);
        }
    }
}

/// Checks one pattern of `owner` (`role \`X\``, `access rule \`Y\``).
fn check_pattern(owner: &str, field: &str, p: &Text, data: bool, out: &mut Vec<Finding>) {
    let misplaced = match (builtin::classify_pattern(&p.value), data) {
        (PatternMatch::Both, _) | (PatternMatch::Control, false) | (PatternMatch::Data, true) => {
            return;
        }
        (PatternMatch::Data, false) | (PatternMatch::Control, true) => true,
        (PatternMatch::None, _) => false,
    };
    let f = if misplaced {
        let (plane, right_field) = match field {
            "actions" => ("a data action", "dataActions"),
            "notActions" => ("a data action", "notDataActions"),
            "dataActions" => ("a control-plane action", "actions"),
            _ => ("a control-plane action", "notActions"),
        };
        Finding::new(
            Code::UnknownAction,
            p.span,
            plane,
            format!("`{}` in `{field}` of {owner} is {plane}", p.value),
        )
        .help(format!("move it to `{right_field}`"))
    } else {
        let f = Finding::new(
            Code::UnknownAction,
            p.span,
            "matches no operation",
            format!(
                "`{}` in `{field}` of {owner} matches no operation Azure publishes",
                p.value
            ),
        );
        match builtin::nearest_operation(&p.value, data) {
            Some(n) => f.help(format!("did you mean `{n}`?")),
            None => f.help(
                "check the provider namespace and operation name with `az provider operation show`",
            ),
        }
    };
    out.push(f);
}
