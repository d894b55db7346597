//! The parsed form of an Azure Policy definition: the subset canopy evaluates.
//!
//! Produced by [`super::parse`]; turned into a runnable rule by [`super::eval::bind`].
//! Reference: <https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule>.

use std::fmt;

/// A byte range in the file the node came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn of(node: &crate::load::yaml::Node) -> Span {
        Span {
            start: node.start,
            end: node.end,
        }
    }
}

/// A parsed definition: mode, declared parameters, the `if` condition and the `then` effect.
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    pub mode: Mode,
    pub parameters: Vec<ParamDecl>,
    pub condition: Condition,
    pub effect: EffectSpec,
}

impl Definition {
    /// The declared parameter called `name` (names are case-insensitive, as in Azure).
    pub fn parameter(&self, name: &str) -> Option<&ParamDecl> {
        self.parameters
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }
}

/// Which resources a definition evaluates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Resource groups, subscriptions and every resource type.
    All,
    /// Only resource types that support tags and location.
    Indexed,
}

/// `if`: a logical combination of leaf conditions.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    AllOf(Vec<Condition>),
    AnyOf(Vec<Condition>),
    Not(Box<Condition>),
    Leaf(Box<Leaf>),
}

/// `{field|value: lhs, <operator>: rhs}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Leaf {
    pub lhs: Operand,
    pub op: Operator,
    pub rhs: Expr,
    /// The whole condition mapping.
    pub span: Span,
    /// The `field`/`value` value.
    pub lhs_span: Span,
    /// The operator's value.
    pub rhs_span: Span,
}

/// The left-hand side of a leaf condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// `field: name`, or a field name computed from parameters
    /// (`field: "[concat('tags[', parameters('tagName'), ']')]"`).
    Field(FieldSpec),
    /// `value: <expression>`.
    Value(Expr),
}

/// A field named literally, or by an expression folded to a name when the definition is bound.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldSpec {
    Known(FieldRef),
    Computed(Expr),
}

/// The resource fields canopy knows. Aliases (`Microsoft.Compute/virtualMachines/sku.name`)
/// need Azure's alias registry and are not supported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldRef {
    Name,
    /// The name with any parent resource names prepended (`myServer/myDatabase`).
    FullName,
    Type,
    Location,
    Id,
    /// The whole tags object (for `exists`, `containsKey`, `notContainsKey`).
    Tags,
    /// One tag (`tags['x']`, `tags.x`, `tags[x]`); the key is kept lowercase, since tag keys
    /// are case-insensitive.
    Tag(String),
}

impl fmt::Display for FieldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldRef::Name => f.write_str("name"),
            FieldRef::FullName => f.write_str("fullName"),
            FieldRef::Type => f.write_str("type"),
            FieldRef::Location => f.write_str("location"),
            FieldRef::Id => f.write_str("id"),
            FieldRef::Tags => f.write_str("tags"),
            FieldRef::Tag(k) => write!(f, "tag '{k}'"),
        }
    }
}

/// The condition operators canopy evaluates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Equals,
    NotEquals,
    Like,
    NotLike,
    In,
    NotIn,
    Contains,
    NotContains,
    Exists,
    ContainsKey,
    NotContainsKey,
}

impl Operator {
    /// Every supported operator with its Azure spelling.
    pub const ALL: [(&'static str, Operator); 11] = [
        ("equals", Operator::Equals),
        ("notEquals", Operator::NotEquals),
        ("like", Operator::Like),
        ("notLike", Operator::NotLike),
        ("in", Operator::In),
        ("notIn", Operator::NotIn),
        ("contains", Operator::Contains),
        ("notContains", Operator::NotContains),
        ("exists", Operator::Exists),
        ("containsKey", Operator::ContainsKey),
        ("notContainsKey", Operator::NotContainsKey),
    ];

    /// Azure operators canopy does not evaluate (yet).
    pub const UNSUPPORTED: [&'static str; 8] = [
        "match",
        "matchInsensitively",
        "notMatch",
        "notMatchInsensitively",
        "less",
        "lessOrEquals",
        "greater",
        "greaterOrEquals",
    ];

    pub fn name(self) -> &'static str {
        Operator::ALL
            .iter()
            .find(|(_, o)| *o == self)
            .map_or("?", |(n, _)| n)
    }

    /// The positive operator this one negates, if it is a negation.
    pub fn negated(self) -> Option<Operator> {
        Some(match self {
            Operator::NotEquals => Operator::Equals,
            Operator::NotLike => Operator::Like,
            Operator::NotIn => Operator::In,
            Operator::NotContains => Operator::Contains,
            Operator::NotContainsKey => Operator::ContainsKey,
            _ => return None,
        })
    }
}

/// A value in a rule: a literal, or an ARM template expression (`"[parameters('x')]"`).
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Expr>),
    Object(Vec<(String, Expr)>),
    /// A supported template function applied to its arguments.
    Call(Func, Vec<Expr>),
    /// `resourceGroup().location`, `resourceGroup().name` (the property name is lowercase).
    Prop(Box<Expr>, String),
}

/// The template functions canopy evaluates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Parameters,
    Field,
    Concat,
    ResourceGroup,
    ToLower,
}

/// `then.effect`.
#[derive(Clone, Debug, PartialEq)]
pub enum EffectSpec {
    Literal(Effect),
    /// `[parameters('effect')]`: the named parameter's allowedValues are all supported effects.
    Parameter(String),
}

/// The effects canopy evaluates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Deny,
    Audit,
    Disabled,
}

impl Effect {
    /// Case-insensitive, as Azure reads effect names.
    pub fn parse(s: &str) -> Option<Effect> {
        match s.to_ascii_lowercase().as_str() {
            "deny" => Some(Effect::Deny),
            "audit" => Some(Effect::Audit),
            "disabled" => Some(Effect::Disabled),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Effect::Deny => "deny",
            Effect::Audit => "audit",
            Effect::Disabled => "disabled",
        }
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A declared parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamDecl {
    pub name: String,
    pub ty: ParamType,
    pub default: Option<Const>,
    pub allowed: Option<Vec<Const>>,
    /// The parameter's name in the `parameters` mapping.
    pub span: Span,
}

/// A parameter's declared `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    String,
    Array,
    Object,
    Boolean,
    Integer,
    Float,
    DateTime,
}

impl ParamType {
    pub const ALL: [(&'static str, ParamType); 7] = [
        ("String", ParamType::String),
        ("Array", ParamType::Array),
        ("Object", ParamType::Object),
        ("Boolean", ParamType::Boolean),
        ("Integer", ParamType::Integer),
        ("Float", ParamType::Float),
        ("DateTime", ParamType::DateTime),
    ];

    pub fn name(self) -> &'static str {
        ParamType::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("?", |(n, _)| n)
    }

    /// Whether `v` is a value of this type.
    pub fn accepts(self, v: &Const) -> bool {
        match self {
            ParamType::String | ParamType::DateTime => matches!(v, Const::Str(_)),
            ParamType::Array => matches!(v, Const::Array(_)),
            ParamType::Object => matches!(v, Const::Object(_)),
            ParamType::Boolean => matches!(v, Const::Bool(_)),
            ParamType::Integer => matches!(v, Const::Int(_)),
            ParamType::Float => matches!(v, Const::Int(_) | Const::Float(_)),
        }
    }
}

/// A constant JSON-like value: parameter values, defaults, folded expressions.
#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Const>),
    Object(Vec<(String, Const)>),
}

impl Const {
    pub fn from_node(node: &crate::load::yaml::Node) -> Const {
        use crate::load::yaml::Value;
        match &node.value {
            Value::Null => Const::Null,
            Value::Bool(b) => Const::Bool(*b),
            Value::Int(i) => Const::Int(*i),
            Value::Float(f) => Const::Float(*f),
            Value::Str(s) => Const::Str(s.to_string()),
            Value::Seq(items) => Const::Array(items.iter().map(Const::from_node).collect()),
            Value::Map(entries) => Const::Object(
                entries
                    .iter()
                    .map(|e| (e.key.to_string(), Const::from_node(&e.value)))
                    .collect(),
            ),
        }
    }

    /// Azure's word for the value's type, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Const::Null => "null",
            Const::Bool(_) => "a Boolean",
            Const::Int(_) => "an Integer",
            Const::Float(_) => "a Float",
            Const::Str(_) => "a String",
            Const::Array(_) => "an Array",
            Const::Object(_) => "an Object",
        }
    }

    /// Equality with strings compared case-insensitively, as Azure compares values.
    pub fn eq_ignore_case(&self, other: &Const) -> bool {
        match (self, other) {
            (Const::Str(a), Const::Str(b)) => a.to_lowercase() == b.to_lowercase(),
            (Const::Int(a), Const::Float(b)) | (Const::Float(b), Const::Int(a)) => *a as f64 == *b,
            (Const::Array(a), Const::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_case(y))
            }
            (Const::Object(a), Const::Object(b)) => {
                a.len() == b.len()
                    && a.iter().all(|(k, v)| {
                        b.iter()
                            .any(|(k2, v2)| k.eq_ignore_ascii_case(k2) && v.eq_ignore_case(v2))
                    })
            }
            _ => self == other,
        }
    }
}

impl fmt::Display for Const {
    /// JSON-like, strings unquoted at the top level of lists: `[westus, eastus]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Const::Null => f.write_str("null"),
            Const::Bool(b) => write!(f, "{b}"),
            Const::Int(i) => write!(f, "{i}"),
            Const::Float(x) => write!(f, "{x}"),
            Const::Str(s) => f.write_str(s),
            Const::Array(items) => {
                f.write_str("[")?;
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str("]")
            }
            Const::Object(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

impl ParamDecl {
    /// Whether `v` has the declared type and is within allowedValues (strings compared
    /// case-insensitively). For an Array parameter, allowedValues may list whole arrays or
    /// the elements each value must be among.
    pub fn check(&self, v: &Const) -> Result<(), String> {
        if !self.ty.accepts(v) {
            return Err(format!(
                "parameter `{}` is declared {} but the value is {}",
                self.name,
                self.ty.name(),
                v.kind_name()
            ));
        }
        if let Some(allowed) = &self.allowed {
            let among = |x: &Const| allowed.iter().any(|a| a.eq_ignore_case(x));
            let ok = among(v) || matches!(v, Const::Array(items) if items.iter().all(among));
            if !ok {
                let list: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
                return Err(format!(
                    "value {v} for parameter `{}` is not one of its allowedValues [{}]",
                    self.name,
                    list.join(", ")
                ));
            }
        }
        Ok(())
    }
}
