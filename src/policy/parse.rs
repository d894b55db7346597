//! Spanned YAML nodes to the policy [`ast`](super::ast).
//!
//! Keys are matched case-insensitively (`allOf` and `AllOf`, `field` and `Field`, `notIn` and
//! `NOTIN`), as Azure reads policy JSON. Every problem is collected, each at the byte range of
//! the node it is about; [`ErrorKind::Unsupported`] marks valid Azure Policy outside canopy's
//! subset.

use super::ast::*;
use super::{ErrorKind, PolicyError, did_you_mean};
use crate::load::yaml::{Entry, Node, Value};
use crate::source::Text;

/// Effects Azure has that canopy does not evaluate.
pub(crate) const UNSUPPORTED_EFFECTS: [&str; 8] = [
    "append",
    "modify",
    "auditIfNotExists",
    "deployIfNotExists",
    "denyAction",
    "manual",
    "mutate",
    "addToNetworkGroup",
];

/// Parses the policy definition held by the model.
pub fn parse_model(def: &crate::model::PolicyDefinition) -> Result<Definition, Vec<PolicyError>> {
    parse_definition(def.mode.as_ref(), def.parameters.as_ref(), &def.policy_rule)
}

/// Parses a definition from its `mode` (Indexed when absent: Azure's REST API treats a
/// definition without mode as indexed), `parameters` (Azure's shape:
/// `{name: {type, defaultValue, allowedValues, metadata}}`) and `policyRule`
/// (`{if: <condition>, then: {effect: ...}}`).
pub fn parse_definition(
    mode: Option<&Text>,
    parameters: Option<&Node>,
    policy_rule: &Node,
) -> Result<Definition, Vec<PolicyError>> {
    let mut p = Parser::default();
    let mode = match mode {
        None => Some(Mode::Indexed),
        Some(m) => p.mode(m),
    };
    if let Some(node) = parameters {
        p.parameters(node);
    }
    let rule = p.rule(policy_rule);
    match (mode, rule) {
        (Some(mode), Some((condition, effect))) if p.errors.is_empty() => Ok(Definition {
            mode,
            parameters: p.params,
            condition,
            effect,
        }),
        _ => Err(p.errors),
    }
}

/// Reads a field name: `name`, `fullName`, `type`, `location`, `id`, `tags`, `tags['x']`
/// (`''` escapes a quote), `tags.x` or `tags[x]`. Anything else is an alias, which needs
/// Azure's alias registry: `Err` with the message and whether it is unsupported (as opposed to
/// malformed).
pub fn parse_field(s: &str) -> Result<FieldRef, (ErrorKind, String)> {
    let lower = s.to_ascii_lowercase();
    let tag = |key: &str| {
        if key.is_empty() {
            Err((ErrorKind::Invalid, format!("field `{s}` names no tag")))
        } else {
            Ok(FieldRef::Tag(key.to_lowercase()))
        }
    };
    match lower.as_str() {
        "name" => return Ok(FieldRef::Name),
        "fullname" => return Ok(FieldRef::FullName),
        "type" => return Ok(FieldRef::Type),
        "location" => return Ok(FieldRef::Location),
        "id" => return Ok(FieldRef::Id),
        "tags" => return Ok(FieldRef::Tags),
        _ => {}
    }
    if lower.starts_with("tags.") {
        return tag(&s[5..]);
    }
    if lower.starts_with("tags[") && s.ends_with(']') {
        let inner = &s[5..s.len() - 1];
        return match inner.strip_prefix('\'').and_then(|i| i.strip_suffix('\'')) {
            Some(quoted) => tag(&quoted.replace("''", "'")),
            None => tag(inner),
        };
    }
    if s.contains('/') {
        Err((
            ErrorKind::Unsupported,
            format!("field `{s}` is an alias; canopy does not evaluate aliases"),
        ))
    } else {
        Err((
            ErrorKind::Unsupported,
            format!(
                "field `{s}` is not one canopy evaluates (name, fullName, type, location, id, \
                 tags, tags['x'])"
            ),
        ))
    }
}

/// Parses the text of an ARM template expression, the part between `[` and `]`.
pub fn parse_template(s: &str) -> Result<Expr, (ErrorKind, String)> {
    let mut t = Template { s, i: 0 };
    let e = t.expr()?;
    t.ws();
    if t.i != s.len() {
        return Err(t.syntax(&format!("unexpected `{}`", &s[t.i..])));
    }
    Ok(e)
}

#[derive(Default)]
struct Parser {
    errors: Vec<PolicyError>,
    params: Vec<ParamDecl>,
}

fn key_is(e: &Entry, k: &str) -> bool {
    e.key.eq_ignore_ascii_case(k)
}

fn key_span(e: &Entry) -> Span {
    Span {
        start: e.key_start,
        end: e.key_end,
    }
}

fn map<'n, 'a>(node: &'n Node<'a>) -> Option<&'n [Entry<'a>]> {
    match &node.value {
        Value::Map(entries) => Some(entries),
        _ => None,
    }
}

impl Parser {
    fn err(&mut self, e: PolicyError) {
        self.errors.push(e);
    }

    fn mode(&mut self, m: &Text) -> Option<Mode> {
        let span = Span {
            start: m.span.start,
            end: m.span.end,
        };
        match m.as_str().to_ascii_lowercase().as_str() {
            "all" => Some(Mode::All),
            "indexed" => Some(Mode::Indexed),
            s if s.starts_with("microsoft.") => {
                self.err(PolicyError::unsupported(
                    span,
                    format!(
                        "mode `{}` (a resource provider mode) is not evaluated by canopy",
                        m.as_str()
                    ),
                ));
                None
            }
            _ => {
                self.err(
                    PolicyError::invalid(span, format!("unknown mode `{}`", m.as_str()))
                        .help("use `All` or `Indexed`"),
                );
                None
            }
        }
    }

    fn parameters(&mut self, node: &Node) {
        let Some(entries) = map(node) else {
            if node.value != Value::Null {
                self.err(PolicyError::invalid(
                    Span::of(node),
                    format!(
                        "parameters must be a mapping, found {}",
                        node.value.kind_name()
                    ),
                ));
            }
            return;
        };
        for e in entries {
            if self
                .params
                .iter()
                .any(|p| p.name.eq_ignore_ascii_case(&e.key))
            {
                self.err(PolicyError::invalid(
                    key_span(e),
                    format!(
                        "parameter `{}` is declared twice (names are case-insensitive)",
                        e.key
                    ),
                ));
                continue;
            }
            if let Some(decl) = self.parameter(e) {
                self.params.push(decl);
            }
        }
    }

    fn parameter(&mut self, e: &Entry) -> Option<ParamDecl> {
        let Some(fields) = map(&e.value) else {
            self.err(PolicyError::invalid(
                Span::of(&e.value),
                format!(
                    "parameter `{}` must be a mapping with a `type`, found {}",
                    e.key,
                    e.value.value.kind_name()
                ),
            ));
            return None;
        };
        let (mut ty, mut default, mut allowed) = (None, None, None);
        let mut ok = true;
        for f in fields {
            match f.key.to_ascii_lowercase().as_str() {
                "type" => {
                    let found = match &f.value.value {
                        Value::Str(s) => ParamType::ALL
                            .iter()
                            .find(|(n, _)| n.eq_ignore_ascii_case(s.as_ref()))
                            .map(|(_, t)| *t),
                        _ => None,
                    };
                    if found.is_none() {
                        ok = false;
                        self.err(
                            PolicyError::invalid(
                                Span::of(&f.value),
                                format!("parameter `{}` has an unknown type", e.key),
                            )
                            .help("use String, Array, Object, Boolean, Integer, Float or DateTime"),
                        );
                    }
                    ty = found;
                }
                "defaultvalue" => default = Some(&f.value),
                "allowedvalues" => match &f.value.value {
                    Value::Seq(items) => {
                        allowed = Some(items.iter().map(Const::from_node).collect())
                    }
                    other => {
                        ok = false;
                        self.err(PolicyError::invalid(
                            Span::of(&f.value),
                            format!("allowedValues must be a list, found {}", other.kind_name()),
                        ));
                    }
                },
                "metadata" | "schema" => {}
                _ => {
                    ok = false;
                    let mut err = PolicyError::invalid(
                        key_span(f),
                        format!("unknown key `{}` in parameter `{}`", f.key, e.key),
                    );
                    if let Some(near) = did_you_mean(
                        &f.key,
                        [
                            "type",
                            "defaultValue",
                            "allowedValues",
                            "metadata",
                            "schema",
                        ],
                    ) {
                        err = err.help(format!("did you mean `{near}`?"));
                    }
                    self.err(err);
                }
            }
        }
        let span = key_span(e);
        let Some(ty) = ty else {
            if ok {
                self.err(PolicyError::invalid(
                    span,
                    format!("parameter `{}` has no `type`", e.key),
                ));
            }
            return None;
        };
        let mut decl = ParamDecl {
            name: e.key.to_string(),
            ty,
            default: None,
            allowed,
            span,
        };
        if let Some(d) = default {
            let value = Const::from_node(d);
            if let Err(message) = decl.check(&value) {
                self.err(PolicyError::invalid(
                    Span::of(d),
                    format!("defaultValue: {message}"),
                ));
                return None;
            }
            decl.default = Some(value);
        }
        ok.then_some(decl)
    }

    fn rule(&mut self, node: &Node) -> Option<(Condition, EffectSpec)> {
        let Some(entries) = map(node) else {
            self.err(PolicyError::invalid(
                Span::of(node),
                format!(
                    "policyRule must be a mapping with `if` and `then`, found {}",
                    node.value.kind_name()
                ),
            ));
            return None;
        };
        let (mut cond, mut then) = (None, None);
        for e in entries {
            if key_is(e, "if") {
                cond = Some(&e.value);
            } else if key_is(e, "then") {
                then = Some(&e.value);
            } else {
                self.err(
                    PolicyError::invalid(
                        key_span(e),
                        format!("unknown key `{}` in policyRule", e.key),
                    )
                    .help("a policyRule has `if` and `then`"),
                );
            }
        }
        for (what, found) in [("if", cond.is_some()), ("then", then.is_some())] {
            if !found {
                self.err(PolicyError::invalid(
                    Span::of(node),
                    format!("policyRule has no `{what}`"),
                ));
            }
        }
        let cond = self.condition(cond?);
        let effect = self.then(then?);
        Some((cond?, effect?))
    }

    fn then(&mut self, node: &Node) -> Option<EffectSpec> {
        let Some(entries) = map(node) else {
            self.err(PolicyError::invalid(
                Span::of(node),
                format!(
                    "`then` must be a mapping with an `effect`, found {}",
                    node.value.kind_name()
                ),
            ));
            return None;
        };
        let mut effect = None;
        for e in entries {
            if key_is(e, "effect") {
                effect = Some(&e.value);
            } else if !key_is(e, "details") {
                self.err(PolicyError::invalid(
                    key_span(e),
                    format!("unknown key `{}` in `then`", e.key),
                )
                .help("`then` holds only `effect` (and `details` for effects canopy does not evaluate)"));
            }
        }
        let Some(node) = effect else {
            self.err(
                PolicyError::invalid(Span::of(node), "`then` has no `effect`")
                    .help("write `then: {effect: deny}` or `effect: \"[parameters('effect')]\"`"),
            );
            return None;
        };
        self.effect(node)
    }

    fn effect(&mut self, node: &Node) -> Option<EffectSpec> {
        let span = Span::of(node);
        let Value::Str(s) = &node.value else {
            self.err(PolicyError::invalid(
                span,
                format!("effect must be a string, found {}", node.value.kind_name()),
            ));
            return None;
        };
        if let Some(e) = Effect::parse(s) {
            return Some(EffectSpec::Literal(e));
        }
        if UNSUPPORTED_EFFECTS
            .iter()
            .any(|u| u.eq_ignore_ascii_case(s))
        {
            self.err(
                PolicyError::unsupported(span, format!("effect `{s}` is not evaluated by canopy"))
                    .help("canopy evaluates deny, audit and disabled"),
            );
            return None;
        }
        if !is_template(s) {
            let mut err = PolicyError::invalid(span, format!("unknown effect `{s}`"));
            err = match did_you_mean(s, ["deny", "audit", "disabled"]) {
                Some(n) => err.help(format!("did you mean `{n}`?")),
                None => err.help("use deny, audit or disabled"),
            };
            self.err(err);
            return None;
        }
        let Expr::Call(Func::Parameters, args) = self.expr(node)? else {
            self.err(PolicyError::unsupported(
                span,
                "an effect computed by an expression other than `[parameters('...')]` is not evaluated by canopy",
            ));
            return None;
        };
        let [Expr::Str(name)] = args.as_slice() else {
            return None;
        };
        let decl = self
            .params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))?;
        // Without allowedValues the effect is checked when the definition is bound to an
        // assignment's value (Azure accepts such definitions).
        let bad: Vec<String> = decl
            .allowed
            .iter()
            .flatten()
            .filter(|v| !matches!(v, Const::Str(s) if Effect::parse(s).is_some()))
            .map(|v| v.to_string())
            .collect();
        if !bad.is_empty() {
            self.err(
                PolicyError::unsupported(
                    span,
                    format!(
                        "effect parameter `{name}` allows {}, which canopy does not evaluate",
                        bad.join(", ")
                    ),
                )
                .help("canopy evaluates deny, audit and disabled"),
            );
            return None;
        }
        Some(EffectSpec::Parameter(decl.name.clone()))
    }

    fn condition(&mut self, node: &Node) -> Option<Condition> {
        let span = Span::of(node);
        let Some(entries) = map(node) else {
            self.err(PolicyError::invalid(
                span,
                format!(
                    "a condition must be a mapping, found {}",
                    node.value.kind_name()
                ),
            ));
            return None;
        };
        let logical: Vec<&Entry> = entries
            .iter()
            .filter(|e| ["allOf", "anyOf", "not"].iter().any(|k| key_is(e, k)))
            .collect();
        if let Some(first) = logical.first() {
            if entries.len() > 1 {
                let other = entries
                    .iter()
                    .find(|e| !std::ptr::eq(*e, *first))
                    .expect("two entries");
                self.err(
                    PolicyError::invalid(
                        key_span(other),
                        format!(
                            "`{}` next to `{}`: a logical operator must be alone in its condition",
                            other.key, first.key
                        ),
                    )
                    .help("nest the conditions inside allOf or anyOf"),
                );
                return None;
            }
            let value = &first.value;
            if key_is(first, "not") {
                return Some(Condition::Not(Box::new(self.condition(value)?)));
            }
            let Value::Seq(items) = &value.value else {
                self.err(PolicyError::invalid(
                    Span::of(value),
                    format!(
                        "`{}` must be a list of conditions, found {}",
                        first.key,
                        value.value.kind_name()
                    ),
                ));
                return None;
            };
            let parsed: Vec<Option<Condition>> = items.iter().map(|c| self.condition(c)).collect();
            let parsed: Option<Vec<Condition>> = parsed.into_iter().collect();
            return Some(if key_is(first, "allOf") {
                Condition::AllOf(parsed?)
            } else {
                Condition::AnyOf(parsed?)
            });
        }
        self.leaf(node, entries)
    }

    fn leaf(&mut self, node: &Node, entries: &[Entry]) -> Option<Condition> {
        let before = self.errors.len();
        let mut operand: Option<&Entry> = None;
        let mut op: Option<(&Entry, Operator)> = None;
        for e in entries {
            if key_is(e, "field") || key_is(e, "value") {
                if let Some(first) = operand {
                    self.err(PolicyError::invalid(
                        key_span(e),
                        format!(
                            "`{}` after `{}`: a condition has exactly one `field` or `value`",
                            e.key, first.key
                        ),
                    ));
                } else {
                    operand = Some(e);
                }
            } else if let Some((_, o)) = Operator::ALL.iter().find(|(n, _)| key_is(e, n)) {
                if let Some((first, _)) = op {
                    self.err(PolicyError::invalid(
                        key_span(e),
                        format!(
                            "`{}` after `{}`: a condition has exactly one operator",
                            e.key, first.key
                        ),
                    ));
                } else {
                    op = Some((e, *o));
                }
            } else if key_is(e, "count") || Operator::UNSUPPORTED.iter().any(|n| key_is(e, n)) {
                self.err(PolicyError::unsupported(
                    key_span(e),
                    format!("`{}` is not evaluated by canopy", e.key),
                ));
            } else {
                let names = Operator::ALL
                    .iter()
                    .map(|(n, _)| *n)
                    .chain(Operator::UNSUPPORTED)
                    .chain(["field", "value", "count", "allOf", "anyOf", "not"]);
                let err =
                    PolicyError::invalid(key_span(e), format!("unknown operator `{}`", e.key));
                self.err(match did_you_mean(&e.key, names) {
                    Some(n) => err.help(format!("did you mean `{n}`?")),
                    None => {
                        err.help("see the condition operators in Azure's policy rule documentation")
                    }
                });
            }
        }
        if self.errors.len() > before {
            return None;
        }
        let span = Span::of(node);
        let Some(operand) = operand else {
            self.err(PolicyError::invalid(
                span,
                "a condition needs `field` or `value`",
            ));
            return None;
        };
        let Some((op_entry, op)) = op else {
            self.err(
                PolicyError::invalid(span, "a condition needs an operator")
                    .help("such as equals, like, in, exists or containsKey"),
            );
            return None;
        };
        let lhs_span = Span::of(&operand.value);
        let lhs = if key_is(operand, "field") {
            Operand::Field(self.field(&operand.value)?)
        } else {
            Operand::Value(self.expr(&operand.value)?)
        };
        let rhs = self.expr(&op_entry.value)?;
        if let Operand::Field(FieldSpec::Known(f)) = &lhs {
            self.check_field_op(f, op, key_span(op_entry))?;
        }
        Some(Condition::Leaf(Box::new(Leaf {
            lhs,
            op,
            rhs,
            span,
            lhs_span,
            rhs_span: Span::of(&op_entry.value),
        })))
    }

    /// The field kinds each operator applies to: `tags` is an object, the others strings.
    fn check_field_op(&mut self, f: &FieldRef, op: Operator, span: Span) -> Option<()> {
        let key_op = matches!(op, Operator::ContainsKey | Operator::NotContainsKey);
        if *f == FieldRef::Tags && !key_op && op != Operator::Exists {
            self.err(
                PolicyError::unsupported(
                    span,
                    format!(
                        "`{}` on the whole `tags` object is not evaluated by canopy",
                        op.name()
                    ),
                )
                .help("compare one tag (`tags['name']`), or use containsKey"),
            );
            return None;
        }
        if *f != FieldRef::Tags && key_op {
            self.err(
                PolicyError::invalid(
                    span,
                    format!(
                        "`{}` needs an object field, and `{f}` is a string",
                        op.name()
                    ),
                )
                .help("use it on `tags`"),
            );
            return None;
        }
        Some(())
    }

    fn field(&mut self, node: &Node) -> Option<FieldSpec> {
        let span = Span::of(node);
        let Value::Str(s) = &node.value else {
            self.err(PolicyError::invalid(
                span,
                format!("`field` must be a string, found {}", node.value.kind_name()),
            ));
            return None;
        };
        if is_template(s) {
            let e = self.expr(node)?;
            if mentions_resource(&e) {
                self.err(PolicyError::unsupported(
                    span,
                    "a field name computed from the resource is not evaluated by canopy",
                ));
                return None;
            }
            return Some(FieldSpec::Computed(e));
        }
        match parse_field(s) {
            Ok(f) => Some(FieldSpec::Known(f)),
            Err((kind, message)) => {
                self.err(PolicyError::new(span, kind, message));
                None
            }
        }
    }

    /// A literal value, or a template expression with its functions and references checked.
    fn expr(&mut self, node: &Node) -> Option<Expr> {
        let span = Span::of(node);
        Some(match &node.value {
            Value::Null => Expr::Null,
            Value::Bool(b) => Expr::Bool(*b),
            Value::Int(i) => Expr::Int(*i),
            Value::Float(f) => Expr::Float(*f),
            Value::Str(s) if s.starts_with("[[") => Expr::Str(s[1..].to_string()),
            Value::Str(s) if is_template(s) => match parse_template(&s[1..s.len() - 1]) {
                Ok(e) => {
                    let before = self.errors.len();
                    self.check_expr(&e, span);
                    if self.errors.len() > before {
                        return None;
                    }
                    e
                }
                Err((kind, message)) => {
                    self.err(PolicyError::new(span, kind, message));
                    return None;
                }
            },
            Value::Str(s) => Expr::Str(s.to_string()),
            Value::Seq(items) => {
                let items: Vec<Option<Expr>> = items.iter().map(|i| self.expr(i)).collect();
                Expr::Array(items.into_iter().collect::<Option<_>>()?)
            }
            Value::Map(entries) => {
                let items: Vec<Option<(String, Expr)>> = entries
                    .iter()
                    .map(|e| Some((e.key.to_string(), self.expr(&e.value)?)))
                    .collect();
                Expr::Object(items.into_iter().collect::<Option<_>>()?)
            }
        })
    }

    /// Parameters declared, field names known, `resourceGroup()` only with `.location`/`.name`.
    fn check_expr(&mut self, e: &Expr, span: Span) {
        match e {
            Expr::Call(Func::Parameters, args) => match args.as_slice() {
                [Expr::Str(name)] => {
                    if !self.params.iter().any(|p| p.name.eq_ignore_ascii_case(name)) {
                        let err = PolicyError::invalid(span, format!("parameter `{name}` is not declared"));
                        let near = did_you_mean(name, self.params.iter().map(|p| p.name.as_str()));
                        self.err(match near {
                            Some(n) => err.help(format!("did you mean `{n}`?")),
                            None => err.help("declare it under the definition's parameters"),
                        });
                    }
                }
                _ => self.err(PolicyError::unsupported(
                    span,
                    "parameters() with anything but one string is not evaluated by canopy",
                )),
            },
            Expr::Call(Func::Field, args) => match args.as_slice() {
                [Expr::Str(name)] => {
                    if let Err((kind, message)) = parse_field(name) {
                        self.err(PolicyError::new(span, kind, message));
                    }
                }
                _ => self.err(PolicyError::unsupported(
                    span,
                    "field() with anything but one string is not evaluated by canopy",
                )),
            },
            Expr::Call(Func::ResourceGroup, _) => self.err(PolicyError::unsupported(
                span,
                "resourceGroup() is evaluated only as resourceGroup().location or resourceGroup().name",
            )),
            Expr::Call(Func::ToLower, args) if args.len() != 1 => {
                self.err(PolicyError::invalid(span, "toLower() takes one argument"))
            }
            Expr::Call(Func::Concat, args) | Expr::Call(Func::ToLower, args) => {
                for a in args {
                    self.check_expr(a, span);
                }
            }
            Expr::Prop(base, prop) => {
                let rg = matches!(&**base, Expr::Call(Func::ResourceGroup, a) if a.is_empty());
                if !rg || (prop != "location" && prop != "name") {
                    self.err(PolicyError::unsupported(
                        span,
                        format!("property `.{prop}` is not evaluated by canopy (only resourceGroup().location and .name)"),
                    ));
                }
            }
            _ => {}
        }
    }
}

/// `"[...]"` is a template expression; `"[[..."` escapes a literal `[`.
pub(crate) fn is_template(s: &str) -> bool {
    s.starts_with('[') && s.ends_with(']') && !s.starts_with("[[") && s.len() >= 2
}

/// Whether the expression reads the resource (`field()`, `resourceGroup()`).
pub(crate) fn mentions_resource(e: &Expr) -> bool {
    match e {
        Expr::Call(Func::Field | Func::ResourceGroup, _) => true,
        Expr::Call(_, args) | Expr::Array(args) => args.iter().any(mentions_resource),
        Expr::Prop(base, _) => mentions_resource(base),
        Expr::Object(entries) => entries.iter().any(|(_, v)| mentions_resource(v)),
        _ => false,
    }
}

/// Recursive descent over a template expression:
/// Whether brackets and parentheses pair up outside single-quoted strings (`''` escapes a quote).
fn balanced(s: &str) -> bool {
    let mut stack = Vec::new();
    let mut in_string = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match (in_string, c) {
            (true, '\'') if chars.peek() == Some(&'\'') => {
                chars.next();
            }
            (true, '\'') | (false, '\'') => in_string = !in_string,
            (false, '(' | '[') => stack.push(c),
            (false, ')') if stack.pop() != Some('(') => return false,
            (false, ']') if stack.pop() != Some('[') => return false,
            _ => {}
        }
    }
    !in_string && stack.is_empty()
}

/// `expr := primary ('.' ident)*`, `primary := 'string' | integer | ident '(' (expr (',' expr)*)? ')'`.
struct Template<'s> {
    s: &'s str,
    i: usize,
}

impl Template<'_> {
    /// canopy parses a subset of ARM's expression language. An expression whose brackets,
    /// parentheses and quotes balance may still be valid ARM (indexing with `[...]`, functions
    /// canopy does not know), so it is reported as unsupported; an unbalanced one is invalid.
    fn syntax(&self, what: &str) -> (ErrorKind, String) {
        if balanced(self.s) {
            (
                ErrorKind::Unsupported,
                format!(
                    "template expression `[{}]` is not one canopy evaluates: {what}",
                    self.s
                ),
            )
        } else {
            (
                ErrorKind::Invalid,
                format!("invalid template expression `[{}]`: {what}", self.s),
            )
        }
    }

    fn ws(&mut self) {
        while self.s[self.i..].starts_with(' ') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.s[self.i..].chars().next()
    }

    fn ident(&mut self) -> &str {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    fn expr(&mut self) -> Result<Expr, (ErrorKind, String)> {
        self.ws();
        let mut e = match self.peek() {
            None => return Err(self.syntax("expected a value")),
            Some('\'') => Expr::Str(self.string()?),
            Some(c) if c.is_ascii_digit() || c == '-' => {
                let start = self.i;
                self.i += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                let n = self.s[start..self.i]
                    .parse()
                    .map_err(|_| self.syntax("invalid number"))?;
                Expr::Int(n)
            }
            Some(_) => self.call()?,
        };
        loop {
            self.ws();
            if self.peek() != Some('.') {
                return Ok(e);
            }
            self.i += 1;
            let prop = self.ident().to_ascii_lowercase();
            if prop.is_empty() {
                return Err(self.syntax("expected a property name after `.`"));
            }
            e = Expr::Prop(Box::new(e), prop);
        }
    }

    fn string(&mut self) -> Result<String, (ErrorKind, String)> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let rest = &self.s[self.i..];
            match rest.find('\'') {
                None => return Err(self.syntax("unterminated string")),
                Some(q) => {
                    out.push_str(&rest[..q]);
                    self.i += q + 1;
                    if self.s[self.i..].starts_with('\'') {
                        out.push('\'');
                        self.i += 1;
                    } else {
                        return Ok(out);
                    }
                }
            }
        }
    }

    fn call(&mut self) -> Result<Expr, (ErrorKind, String)> {
        let name = self.ident().to_string();
        if name.is_empty() {
            return Err(self.syntax(&format!("unexpected `{}`", &self.s[self.i..])));
        }
        self.ws();
        if self.peek() != Some('(') {
            return Err(self.syntax(&format!("expected `(` after `{name}`")));
        }
        self.i += 1;
        let mut args = Vec::new();
        self.ws();
        if self.peek() == Some(')') {
            self.i += 1;
        } else {
            loop {
                args.push(self.expr()?);
                self.ws();
                match self.peek() {
                    Some(',') => self.i += 1,
                    Some(')') => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(self.syntax("expected `,` or `)`")),
                }
            }
        }
        let func = match name.to_ascii_lowercase().as_str() {
            "parameters" => Func::Parameters,
            "field" => Func::Field,
            "concat" => Func::Concat,
            "resourcegroup" => Func::ResourceGroup,
            "tolower" => Func::ToLower,
            _ => {
                return Err((
                    ErrorKind::Unsupported,
                    format!("function `{name}()` is not evaluated by canopy"),
                ));
            }
        };
        Ok(Expr::Call(func, args))
    }
}
