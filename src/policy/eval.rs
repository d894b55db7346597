//! Binding a definition to an assignment's parameters, and evaluating it against resources.
//!
//! Semantics, from Azure's policy rule documentation
//! (<https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule>):
//!
//! - "String comparisons are made using InvariantCultureIgnoreCase": canopy compares lowercase
//!   forms (Unicode lowercase, which agrees with the invariant culture for resource names).
//! - "Location fields are normalized to support various formats. For example, East US 2 is
//!   considered equal to eastus2.": wherever either side of a condition is a location
//!   (`location`, `field('location')`, `resourceGroup().location`), both sides are compared
//!   lowercase with whitespace removed, parameter lists included.
//! - `like` is a glob where `*` matches any run of characters; Azure documents one wildcard,
//!   canopy accepts any number. `?` is literal.
//! - A missing field (an absent tag, a resource without location) makes `equals`, `like`, `in`
//!   and `contains` false and their negations true.
//! - `exists` takes `true`/`false` or the strings `"true"`/`"false"`.
//! - Tag keys are case-insensitive.
//!
//! Constants are lowercased and location-normalised once, when binding; evaluating a resource
//! allocates only to lowercase a mixed-case value for `like`/`contains`, and
//! [`Bound::evaluate`] to write its reason ([`Bound::matches`] writes none).

use super::ast::*;
use super::parse::{UNSUPPORTED_EFFECTS, parse_field};
use super::{ErrorKind, PolicyError, did_you_mean};
use crate::load::yaml::Node;
use crate::source::Text;
use std::borrow::Cow;

/// What a policy sees of one resource (or resource group, or subscription).
#[derive(Clone, Copy, Debug)]
pub struct Resource<'a> {
    pub name: &'a str,
    pub type_: &'a str,
    /// `None` for resources without a location (subscriptions, some global types).
    pub location: Option<&'a str>,
    pub id: ResourceId<'a>,
    /// Tag keys and values, as written.
    pub tags: &'a [(String, String)],
    /// The location of the resource group holding the resource, for
    /// `resourceGroup().location`. A resource group's own location stands in when `None`.
    pub resource_group_location: Option<&'a str>,
    pub kind: ResourceKind,
}

/// A target's ID (its scope path), given, or spelled when a policy first reads it: most
/// policies never do, and spelling the path of each of the 600,000 targets of a tenant at
/// Azure's limits was a third of assessing its compliance.
#[derive(Clone, Copy)]
pub enum ResourceId<'a> {
    Given(&'a str),
    /// The path of a scope of a tenant, kept in the cell once spelled.
    OfScope(
        &'a std::cell::OnceCell<String>,
        &'a crate::model::Tenant,
        crate::model::ScopeId,
    ),
}

impl<'a> ResourceId<'a> {
    pub fn get(self) -> &'a str {
        match self {
            ResourceId::Given(id) => id,
            ResourceId::OfScope(cell, t, scope) => cell.get_or_init(|| t.scope_path(scope)),
        }
    }
}

impl std::fmt::Debug for ResourceId<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.get(), f)
    }
}

impl<'a> From<&'a str> for ResourceId<'a> {
    fn from(id: &'a str) -> Self {
        ResourceId::Given(id)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    Resource,
    ResourceGroup,
    Subscription,
}

/// Resource types that support neither tags nor location, which `mode: Indexed` skips. Azure
/// does not publish the full list; these are the common ones canopy models (authorization
/// objects and subnets). Compared case-insensitively.
pub const UNINDEXED_TYPES: [&str; 8] = [
    "Microsoft.Authorization/roleAssignments",
    "Microsoft.Authorization/roleDefinitions",
    "Microsoft.Authorization/policyAssignments",
    "Microsoft.Authorization/policyDefinitions",
    "Microsoft.Authorization/policySetDefinitions",
    "Microsoft.Authorization/policyExemptions",
    "Microsoft.Authorization/locks",
    "Microsoft.Network/virtualNetworks/subnets",
];

/// Whether a definition of `mode` evaluates this resource. `All` evaluates everything;
/// `Indexed` only resources (not resource groups or subscriptions) whose type supports tags
/// and location, that is every type but [`UNINDEXED_TYPES`].
pub fn applies_to(mode: Mode, kind: ResourceKind, resource_type: &str) -> bool {
    match mode {
        Mode::All => true,
        Mode::Indexed => {
            kind == ResourceKind::Resource
                && !UNINDEXED_TYPES
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(resource_type))
        }
    }
}

/// The result of evaluating a bound definition against one resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The `if` condition matched: non-compliant for deny and audit.
    pub applies: bool,
    pub effect: Effect,
    /// Why, in words: "location eastus is not in [westus]".
    pub reason: String,
}

/// A definition bound to one assignment's parameter values, ready to evaluate.
#[derive(Clone, Debug)]
pub struct Bound {
    mode: Mode,
    effect: Effect,
    condition: Cond,
}

#[derive(Clone, Debug)]
enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Leaf(Box<BoundLeaf>),
}

#[derive(Clone, Debug)]
struct BoundLeaf {
    lhs: Side,
    op: Operator,
    rhs: Side,
    /// Either side is a location: compare with whitespace removed.
    location: bool,
}

/// One side of a bound condition.
#[derive(Clone, Debug)]
enum Side {
    Field(FieldRef),
    ResourceGroupLocation,
    ResourceGroupName,
    /// `canon` has every string lowercased (and location-normalised when the leaf compares
    /// locations); `shown` is the value as written, for reasons.
    Const {
        canon: Const,
        shown: Const,
    },
}

/// An expression with parameters and constant functions folded.
enum Folded {
    Const(Const),
    Field(FieldRef),
    ResourceGroupLocation,
    ResourceGroupName,
}

impl Bound {
    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// Whether this definition's mode evaluates the resource at all; see [`applies_to`].
    pub fn applies_to(&self, r: &Resource) -> bool {
        applies_to(self.mode, r.kind, r.type_)
    }

    /// Whether the `if` condition matches the resource, without writing a reason.
    pub fn matches(&self, r: &Resource) -> bool {
        self.condition.matches(r)
    }

    /// The `if` condition against the resource, with the reason in words. Does not consult
    /// the mode: call [`Bound::applies_to`] first.
    pub fn evaluate(&self, r: &Resource) -> Outcome {
        let (applies, reason) = self.condition.explain(r);
        Outcome {
            applies,
            effect: self.effect,
            reason,
        }
    }
}

/// Binds a parsed definition to an assignment's parameter values (already unwrapped from
/// `{value: ...}`): every value must be declared, have the declared type and be within
/// allowedValues; a parameter without value takes its defaultValue, and one without either is
/// an error naming it. Errors about values point into the assignment ([`super::Site`]).
pub fn bind(def: &Definition, values: &[(Text, Node)]) -> Result<Bound, Vec<PolicyError>> {
    let mut errors = Vec::new();
    for (name, node) in values {
        let span = Span {
            start: name.span.start,
            end: name.span.end,
        };
        if def.parameter(name.as_str()).is_none() {
            let err = PolicyError::invalid(
                span,
                format!(
                    "parameter `{}` is not declared by the definition",
                    name.as_str()
                ),
            )
            .in_assignment();
            let near = did_you_mean(
                name.as_str(),
                def.parameters.iter().map(|p| p.name.as_str()),
            );
            errors.push(match near {
                Some(n) => err.help(format!("did you mean `{n}`?")),
                None => err,
            });
        } else if let Err(message) = def
            .parameter(name.as_str())
            .expect("declared")
            .check(&Const::from_node(node))
        {
            errors.push(PolicyError::invalid(Span::of(node), message).in_assignment());
        }
    }
    let mut params: Vec<(&str, Const)> = Vec::with_capacity(def.parameters.len());
    for decl in &def.parameters {
        let given = values
            .iter()
            .find(|(n, _)| n.as_str().eq_ignore_ascii_case(&decl.name));
        match (given, &decl.default) {
            (Some((_, node)), _) => params.push((&decl.name, Const::from_node(node))),
            (None, Some(d)) => params.push((&decl.name, d.clone())),
            (None, None) => errors.push(
                PolicyError::invalid(
                    decl.span,
                    format!(
                        "parameter `{}` has no value: the assignment gives none and the \
                         definition declares no defaultValue",
                        decl.name
                    ),
                )
                .help(format!("give `{}` a value in the assignment", decl.name)),
            ),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let binder = Binder { params: &params };
    let effect = match &def.effect {
        EffectSpec::Literal(e) => *e,
        EffectSpec::Parameter(name) => match binder.param(name) {
            Some(Const::Str(s)) if Effect::parse(s).is_some() => Effect::parse(s).expect("checked"),
            other => {
                let found = other.map_or("nothing".to_string(), |v| v.to_string());
                let span = values
                    .iter()
                    .find(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
                    .map(|(_, node)| Span::of(node));
                let known = matches!(other, Some(Const::Str(s))
                    if UNSUPPORTED_EFFECTS.iter().any(|u| u.eq_ignore_ascii_case(s)));
                let kind = if known {
                    ErrorKind::Unsupported
                } else {
                    ErrorKind::Invalid
                };
                let err = PolicyError::new(
                    span.unwrap_or(def.parameter(name).expect("declared").span),
                    kind,
                    format!("effect parameter `{name}` is {found}, not deny, audit or disabled"),
                )
                .help("canopy evaluates deny, audit and disabled");
                return Err(vec![if span.is_some() {
                    err.in_assignment()
                } else {
                    err
                }]);
            }
        },
    };
    let condition = binder.condition(&def.condition)?;
    Ok(Bound {
        mode: def.mode,
        effect,
        condition,
    })
}

struct Binder<'p> {
    params: &'p [(&'p str, Const)],
}

impl Binder<'_> {
    fn param(&self, name: &str) -> Option<&Const> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    fn condition(&self, c: &Condition) -> Result<Cond, Vec<PolicyError>> {
        Ok(match c {
            Condition::AllOf(cs) => Cond::All(self.all(cs)?),
            Condition::AnyOf(cs) => Cond::Any(self.all(cs)?),
            Condition::Not(c) => Cond::Not(Box::new(self.condition(c)?)),
            Condition::Leaf(leaf) => Cond::Leaf(Box::new(self.leaf(leaf).map_err(|e| vec![e])?)),
        })
    }

    fn all(&self, cs: &[Condition]) -> Result<Vec<Cond>, Vec<PolicyError>> {
        let mut out = Vec::with_capacity(cs.len());
        let mut errors = Vec::new();
        for c in cs {
            match self.condition(c) {
                Ok(c) => out.push(c),
                Err(e) => errors.extend(e),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    fn leaf(&self, leaf: &Leaf) -> Result<BoundLeaf, PolicyError> {
        let lhs = match &leaf.lhs {
            Operand::Field(FieldSpec::Known(f)) => Folded::Field(f.clone()),
            Operand::Field(FieldSpec::Computed(e)) => match self.fold(e, leaf.lhs_span)? {
                Folded::Const(Const::Str(s)) => {
                    Folded::Field(parse_field(&s).map_err(|(kind, message)| {
                        PolicyError::new(leaf.lhs_span, kind, message)
                    })?)
                }
                Folded::Const(other) => {
                    return Err(PolicyError::invalid(
                        leaf.lhs_span,
                        format!(
                            "`field` must name a field, but its expression gives {}",
                            other.kind_name()
                        ),
                    ));
                }
                _ => unreachable!("parse rejects computed fields that read the resource"),
            },
            Operand::Value(e) => self.fold(e, leaf.lhs_span)?,
        };
        let rhs = self.fold(&leaf.rhs, leaf.rhs_span)?;
        let is_location = |f: &Folded| {
            matches!(
                f,
                Folded::Field(FieldRef::Location) | Folded::ResourceGroupLocation
            )
        };
        let location = is_location(&lhs) || is_location(&rhs);
        let (op, span) = (leaf.op, leaf.rhs_span);
        let rhs = match (op, rhs) {
            (Operator::Exists, Folded::Const(c)) => {
                let want = match &c {
                    Const::Bool(b) => Some(*b),
                    Const::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
                    Const::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
                    _ => None,
                };
                let want = want.ok_or_else(|| {
                    PolicyError::invalid(span, format!("`exists` takes true or false, not {c}"))
                })?;
                Folded::Const(Const::Bool(want))
            }
            (Operator::Exists, _) => {
                return Err(PolicyError::invalid(span, "`exists` takes true or false"));
            }
            (Operator::In | Operator::NotIn, Folded::Const(c)) if !matches!(c, Const::Array(_)) => {
                return Err(PolicyError::invalid(
                    span,
                    format!("`{}` needs a list, found {}", op.name(), c.kind_name()),
                ));
            }
            (Operator::In | Operator::NotIn, Folded::Const(c)) => Folded::Const(c),
            (Operator::In | Operator::NotIn, _) => {
                return Err(PolicyError::invalid(
                    span,
                    format!("`{}` needs a list, found a string", op.name()),
                ));
            }
            (Operator::Like | Operator::NotLike, Folded::Const(c))
                if !matches!(c, Const::Str(_)) =>
            {
                return Err(PolicyError::invalid(
                    span,
                    format!(
                        "`{}` needs a string pattern, found {}",
                        op.name(),
                        c.kind_name()
                    ),
                ));
            }
            (_, rhs) => rhs,
        };
        Ok(BoundLeaf {
            lhs: side(lhs, location),
            op,
            rhs: side(rhs, location),
            location,
        })
    }

    /// Folds parameters and constant functions; the resource-reading forms stay symbolic.
    fn fold(&self, e: &Expr, span: Span) -> Result<Folded, PolicyError> {
        let constant = |f: Folded, what: &str| match f {
            Folded::Const(c) => Ok(c),
            _ => Err(PolicyError::unsupported(
                span,
                format!("{what} of a value read from the resource is not evaluated by canopy"),
            )),
        };
        Ok(Folded::Const(match e {
            Expr::Null => Const::Null,
            Expr::Bool(b) => Const::Bool(*b),
            Expr::Int(i) => Const::Int(*i),
            Expr::Float(f) => Const::Float(*f),
            Expr::Str(s) => Const::Str(s.clone()),
            Expr::Array(items) => Const::Array(
                items
                    .iter()
                    .map(|i| constant(self.fold(i, span)?, "a list"))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Object(entries) => Const::Object(
                entries
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), constant(self.fold(v, span)?, "an object")?)))
                    .collect::<Result<_, PolicyError>>()?,
            ),
            Expr::Call(Func::Parameters, args) => match args.as_slice() {
                [Expr::Str(name)] => self.param(name).cloned().ok_or_else(|| {
                    PolicyError::invalid(span, format!("parameter `{name}` is not declared"))
                })?,
                _ => unreachable!("parse accepts parameters() with one string only"),
            },
            Expr::Call(Func::Field, args) => match args.as_slice() {
                [Expr::Str(name)] => {
                    return parse_field(name)
                        .map(Folded::Field)
                        .map_err(|(kind, message)| PolicyError::new(span, kind, message));
                }
                _ => unreachable!("parse accepts field() with one string only"),
            },
            Expr::Call(Func::ToLower, args) => match self.fold(&args[0], span)? {
                Folded::Const(Const::Str(s)) => Const::Str(s.to_lowercase()),
                Folded::Const(other) => {
                    return Err(PolicyError::invalid(
                        span,
                        format!("toLower() needs a string, found {}", other.kind_name()),
                    ));
                }
                // Every comparison ignores case, so lowering a resource value changes nothing.
                dynamic => return Ok(dynamic),
            },
            Expr::Call(Func::Concat, args) => {
                let parts: Vec<Const> = args
                    .iter()
                    .map(|a| constant(self.fold(a, span)?, "concat()"))
                    .collect::<Result<_, _>>()?;
                if !parts.is_empty() && parts.iter().all(|p| matches!(p, Const::Array(_))) {
                    Const::Array(
                        parts
                            .into_iter()
                            .flat_map(|p| match p {
                                Const::Array(items) => items,
                                _ => unreachable!(),
                            })
                            .collect(),
                    )
                } else {
                    let mut s = String::new();
                    for p in &parts {
                        match p {
                            Const::Str(t) => s.push_str(t),
                            Const::Int(_) | Const::Float(_) | Const::Bool(_) => {
                                s.push_str(&p.to_string())
                            }
                            other => {
                                return Err(PolicyError::invalid(
                                    span,
                                    format!(
                                        "concat() cannot join {} with strings",
                                        other.kind_name()
                                    ),
                                ));
                            }
                        }
                    }
                    Const::Str(s)
                }
            }
            Expr::Prop(_, prop) if prop == "location" => return Ok(Folded::ResourceGroupLocation),
            Expr::Prop(_, _) => return Ok(Folded::ResourceGroupName),
            Expr::Call(Func::ResourceGroup, _) => {
                unreachable!("parse accepts resourceGroup() only with .location or .name")
            }
        }))
    }
}

fn side(f: Folded, location: bool) -> Side {
    match f {
        Folded::Const(c) => Side::Const {
            canon: canon_const(&c, location),
            shown: c,
        },
        Folded::Field(f) => Side::Field(f),
        Folded::ResourceGroupLocation => Side::ResourceGroupLocation,
        Folded::ResourceGroupName => Side::ResourceGroupName,
    }
}

fn canon_const(c: &Const, location: bool) -> Const {
    match c {
        Const::Str(s) => Const::Str(canon(s, location).into_owned()),
        Const::Array(items) => {
            Const::Array(items.iter().map(|i| canon_const(i, location)).collect())
        }
        other => other.clone(),
    }
}

/// The characters a comparison sees: lowercase, and without whitespace for locations.
fn canon_chars(s: &str, location: bool) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .filter(move |c| !(location && c.is_whitespace()))
        .flat_map(char::to_lowercase)
}

/// `s` as a comparison sees it; borrowed when it already is in that form.
fn canon(s: &str, location: bool) -> Cow<'_, str> {
    let already = s
        .chars()
        .all(|c| !(location && c.is_whitespace()) && c.to_lowercase().eq(std::iter::once(c)));
    if already {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(canon_chars(s, location).collect())
    }
}

fn canon_eq(a: &str, b: &str, location: bool) -> bool {
    canon_chars(a, location).eq(canon_chars(b, location))
}

/// Glob match of canonical strings: `*` matches any run of characters, anything else itself.
fn like(s: &str, pattern: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = s.strip_prefix(first) else {
        return false;
    };
    let mut parts = parts.peekable();
    if parts.peek().is_none() {
        return rest.is_empty();
    }
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// A side's value for one resource.
enum Val<'a> {
    Missing,
    Str(Cow<'a, str>),
    Tags(&'a [(String, String)]),
    Const(&'a Const),
}

impl Val<'_> {
    fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            Val::Const(Const::Str(s)) => Some(s),
            _ => None,
        }
    }
}

impl Side {
    fn value<'a>(&'a self, r: &Resource<'a>) -> Val<'a> {
        let own_group = r.kind == ResourceKind::ResourceGroup;
        match self {
            Side::Const { canon, .. } if *canon == Const::Null => Val::Missing,
            Side::Const { canon, .. } => Val::Const(canon),
            Side::ResourceGroupLocation => match r.resource_group_location {
                Some(l) => Val::Str(Cow::Borrowed(l)),
                None if own_group => r
                    .location
                    .map_or(Val::Missing, |l| Val::Str(Cow::Borrowed(l))),
                None => Val::Missing,
            },
            Side::ResourceGroupName if own_group => Val::Str(Cow::Borrowed(r.name)),
            Side::ResourceGroupName => {
                resource_group_of(r.id.get()).map_or(Val::Missing, |n| Val::Str(Cow::Borrowed(n)))
            }
            Side::Field(f) => match f {
                FieldRef::Name => Val::Str(Cow::Borrowed(r.name)),
                FieldRef::FullName => Val::Str(full_name(r)),
                FieldRef::Type => Val::Str(Cow::Borrowed(r.type_)),
                FieldRef::Location => r
                    .location
                    .map_or(Val::Missing, |l| Val::Str(Cow::Borrowed(l))),
                FieldRef::Id => Val::Str(Cow::Borrowed(r.id.get())),
                FieldRef::Tags => Val::Tags(r.tags),
                FieldRef::Tag(key) => r
                    .tags
                    .iter()
                    .find(|(k, _)| canon_eq(k, key, false))
                    .map_or(Val::Missing, |(_, v)| Val::Str(Cow::Borrowed(v))),
            },
        }
    }

    /// `location eastus`, `tag 'env' prod`, `resource group location westus`, `[a, b]`.
    fn describe(&self, v: &Val) -> String {
        let what = match self {
            Side::Const { shown, .. } => return shown.to_string(),
            Side::ResourceGroupLocation => "resource group location".to_string(),
            Side::ResourceGroupName => "resource group name".to_string(),
            Side::Field(f) => f.to_string(),
        };
        match v {
            Val::Missing => format!("{what} (missing)"),
            Val::Str(s) => format!("{what} {s}"),
            Val::Tags(_) | Val::Const(_) => what,
        }
    }
}

/// The resource group name in an ID `/subscriptions/{s}/resourceGroups/{name}/...`.
fn resource_group_of(id: &str) -> Option<&str> {
    let mut segments = id.split('/');
    segments.find(|s| s.eq_ignore_ascii_case("resourceGroups"))?;
    segments.next().filter(|s| !s.is_empty())
}

/// The name with parent resource names prepended, from the ID's segments after the last
/// `providers/{namespace}`: `.../servers/myServer/databases/myDb` gives `myServer/myDb`.
fn full_name<'a>(r: &Resource<'a>) -> Cow<'a, str> {
    let id = r.id.get();
    let lower = id.to_ascii_lowercase();
    let Some(at) = lower.rfind("/providers/") else {
        return Cow::Borrowed(r.name);
    };
    let names: Vec<&str> = id[at + "/providers/".len()..]
        .split('/')
        .skip(1)
        .skip(1)
        .step_by(2)
        .collect();
    if names.len() <= 1 {
        Cow::Borrowed(r.name)
    } else {
        Cow::Owned(names.join("/"))
    }
}

impl BoundLeaf {
    /// `Some(result)` of the positive operator (`equals` for `notEquals`), `None` when a side
    /// is missing.
    fn positive(&self, l: &Val, r: &Val) -> Option<bool> {
        let loc = self.location;
        let base = self.op.negated().unwrap_or(self.op);
        if matches!(l, Val::Missing) || matches!(r, Val::Missing) {
            return None;
        }
        Some(match base {
            Operator::Equals => match (l.as_str(), r.as_str(), l, r) {
                (Some(a), Some(b), _, _) => canon_eq(a, b, loc),
                (_, _, Val::Const(a), Val::Const(b)) => a.eq_ignore_case(b),
                _ => false,
            },
            Operator::Like => match (l.as_str(), r.as_str()) {
                (Some(a), Some(p)) => like(&canon(a, loc), &canon(p, loc)),
                _ => false,
            },
            Operator::In => match r {
                Val::Const(Const::Array(items)) => match l.as_str() {
                    Some(a) => items
                        .iter()
                        .any(|i| matches!(i, Const::Str(b) if canon_eq(a, b, loc))),
                    None => match l {
                        Val::Const(c) => items.iter().any(|i| i.eq_ignore_case(c)),
                        _ => false,
                    },
                },
                _ => false,
            },
            Operator::Contains => match (l, r.as_str()) {
                (Val::Const(Const::Array(items)), _) => match r {
                    Val::Const(c) => items.iter().any(|i| i.eq_ignore_case(c)),
                    Val::Str(s) => items
                        .iter()
                        .any(|i| matches!(i, Const::Str(b) if canon_eq(s, b, loc))),
                    _ => false,
                },
                (_, Some(needle)) => match l.as_str() {
                    Some(hay) => canon(hay, loc).contains(&*canon(needle, loc)),
                    None => false,
                },
                _ => false,
            },
            Operator::ContainsKey => match (l, r.as_str()) {
                (Val::Tags(tags), Some(key)) => tags.iter().any(|(k, _)| canon_eq(k, key, false)),
                (Val::Const(Const::Object(entries)), Some(key)) => {
                    entries.iter().any(|(k, _)| canon_eq(k, key, false))
                }
                _ => false,
            },
            Operator::Exists => unreachable!("handled by the caller"),
            _ => unreachable!("base operators only"),
        })
    }

    fn exists(&self, l: &Val) -> bool {
        let present = !matches!(l, Val::Missing);
        let want = matches!(
            &self.rhs,
            Side::Const {
                canon: Const::Bool(true),
                ..
            }
        );
        present == want
    }

    fn matches(&self, r: &Resource) -> bool {
        let l = self.lhs.value(r);
        if self.op == Operator::Exists {
            return self.exists(&l);
        }
        let positive = self.positive(&l, &self.rhs.value(r)).unwrap_or(false);
        positive != self.op.negated().is_some()
    }

    fn explain(&self, r: &Resource) -> (bool, String) {
        let l = self.lhs.value(r);
        let lhs = self.lhs.describe(&l);
        if self.op == Operator::Exists {
            let present = !matches!(l, Val::Missing);
            let what = lhs.trim_end_matches(" (missing)");
            let reason = if present {
                format!("{what} exists")
            } else {
                format!("{what} does not exist")
            };
            return (self.exists(&l), reason);
        }
        let rv = self.rhs.value(r);
        let rhs = self.rhs.describe(&rv);
        let negated = self.op.negated().is_some();
        let Some(positive) = self.positive(&l, &rv) else {
            let reason = if matches!(l, Val::Missing) {
                format!("{} is missing", lhs.trim_end_matches(" (missing)"))
            } else {
                format!("{} is missing", rhs.trim_end_matches(" (missing)"))
            };
            return (negated, reason);
        };
        let base = self.op.negated().unwrap_or(self.op);
        let verb = match (base, positive) {
            (Operator::Equals, true) => "equals",
            (Operator::Equals, false) => "does not equal",
            (Operator::Like, true) => "matches",
            (Operator::Like, false) => "does not match",
            (Operator::In, true) => "is in",
            (Operator::In, false) => "is not in",
            (Operator::Contains, true) => "contains",
            (Operator::Contains, false) => "does not contain",
            (Operator::ContainsKey, true) => "contain key",
            (Operator::ContainsKey, false) => "do not contain key",
            _ => unreachable!("base operators only"),
        };
        (positive != negated, format!("{lhs} {verb} {rhs}"))
    }
}

impl Cond {
    fn matches(&self, r: &Resource) -> bool {
        match self {
            Cond::All(cs) => cs.iter().all(|c| c.matches(r)),
            Cond::Any(cs) => cs.iter().any(|c| c.matches(r)),
            Cond::Not(c) => !c.matches(r),
            Cond::Leaf(leaf) => leaf.matches(r),
        }
    }

    /// The result and why: a matched allOf gives every reason, an unmatched one the first
    /// failing; anyOf the other way round. A leaf's reason states the fact either way, so
    /// `not` keeps its inner reason.
    fn explain(&self, r: &Resource) -> (bool, String) {
        match self {
            Cond::All(cs) | Cond::Any(cs) => {
                let want = matches!(self, Cond::Any(_));
                let mut reasons = Vec::new();
                for c in cs {
                    let (m, reason) = c.explain(r);
                    if m == want {
                        return (want, reason);
                    }
                    reasons.push(reason);
                }
                (!want, reasons.join(" and "))
            }
            Cond::Not(c) => {
                let (m, reason) = c.explain(r);
                (!m, reason)
            }
            Cond::Leaf(leaf) => leaf.explain(r),
        }
    }
}
