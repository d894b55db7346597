use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};

pub const RULE: Rule = Rule {
    code: Code::UnsupportedPolicy,
    severity: Severity::Warning,
    configurable: true,
    summary: "a policy construct canopy does not evaluate (an alias, `count`, another effect, ...)",
    explanation: "canopy evaluates Azure Policy's logical operators (allOf, anyOf, not), the \
conditions equals, notEquals, like, notLike, in, notIn, contains, notContains, exists, \
containsKey and notContainsKey, the fields name, type, location, id, fullName and tags, the \
functions parameters, field, concat, toLower and resourceGroup(), and the effects deny, audit \
and disabled. A definition using anything else is not evaluated, and this warning names the \
construct, so nothing is silently passed. Problems binding an assignment's parameters are \
reported here too, under `unknown-reference` (an undeclared parameter) and `schema` (a missing \
value, a wrong type, a value outside allowedValues).",
    fail: "kind: PolicyDefinition\nname: vm-sku\npolicyRule:\n  if: {field: Microsoft.Compute/virtualMachines/sku.name, like: Standard_D*}\n  then: {effect: deny}\n",
    pass: "kind: PolicyDefinition\nname: vm-type\npolicyRule:\n  if: {field: type, equals: Microsoft.Compute/virtualMachines}\n  then: {effect: audit}\n",
    run: Some(run),
};

/// Emits every problem met binding definitions and assignments (computed once in the
/// compliance pass), whatever its code.
fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    out.extend(cx.compliance().problems.iter().cloned());
}
