//! Typed documents, converted by hand from spanned YAML nodes against the table in `schema`.
//!
//! Conversion reports every problem in a document (unknown fields with a near-name hint,
//! wrong types, missing required fields, duplicate keys) instead of stopping at the first,
//! and every value keeps the span of the text it came from.

use super::schema::{self, Field, KindSpec, Ty};
use super::yaml::{Node, Value};
use crate::diag::{Code, Finding};
use crate::source::{FileId, Span, Spanned, Str, Text};

#[derive(Debug, Clone)]
pub struct ManagementGroupDoc {
    pub name: Text,
    pub display_name: Option<Text>,
    pub parent: Option<Text>,
}

#[derive(Debug, Clone)]
pub struct SubscriptionDoc {
    pub name: Text,
    pub id: Option<Text>,
    pub parent: Option<Text>,
    pub resource_groups: Vec<ResourceGroupDoc>,
    pub co_administrators: Vec<Text>,
}

#[derive(Debug, Clone)]
pub struct ResourceGroupDoc {
    pub name: Text,
    pub location: Option<Text>,
    pub tags: Vec<(Text, Text)>,
    pub resources: Vec<ResourceDoc>,
}

#[derive(Debug, Clone)]
pub struct ResourceDoc {
    pub name: Text,
    pub resource_type: Text,
    pub location: Option<Text>,
    pub tags: Vec<(Text, Text)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    User,
    Group,
    ServicePrincipal,
}

impl PrincipalKind {
    /// The word for prose: "user", "group", "service principal".
    pub fn noun(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Group => "group",
            PrincipalKind::ServicePrincipal => "service principal",
        }
    }

    /// The kind as written in the tree.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "User",
            PrincipalKind::Group => "Group",
            PrincipalKind::ServicePrincipal => "ServicePrincipal",
        }
    }
}

/// A user, group or service principal: one namespace, since assignments and group members
/// name any of them.
#[derive(Debug, Clone)]
pub struct PrincipalDoc {
    pub kind: PrincipalKind,
    pub name: Text,
    pub object_id: Option<Text>,
    pub display_name: Option<Text>,
    /// Users only: true for `userType: Guest`.
    pub guest: bool,
    /// Users and service principals; groups are always enabled.
    pub enabled: Spanned<bool>,
    /// Groups only.
    pub security_enabled: Spanned<bool>,
    pub mail_enabled: Spanned<bool>,
    pub members: Vec<Text>,
}

#[derive(Debug, Clone)]
pub struct RoleDefinitionDoc {
    pub name: Text,
    pub id: Option<Text>,
    pub description: Option<Text>,
    pub actions: Vec<Text>,
    pub not_actions: Vec<Text>,
    pub data_actions: Vec<Text>,
    pub not_data_actions: Vec<Text>,
    pub assignable_scopes: Vec<Text>,
}

#[derive(Debug, Clone)]
pub struct RoleAssignmentDoc {
    pub principal: Text,
    pub role: Text,
    pub scope: Text,
    pub description: Option<Text>,
    /// `type: Eligible` (PIM): grants nothing until activated.
    pub eligible: bool,
    /// The fields few assignments set, boxed, and moved as they are into the model's
    /// assignment: inline they made each assignment document 240 bytes rather than 144.
    pub rare: Option<Box<RareAssignmentFields>>,
}

/// A role assignment's rarely set fields.
#[derive(Debug, Clone, Default)]
pub struct RareAssignmentFields {
    /// An ABAC condition on the assignment: what it grants is conditional.
    pub condition: Option<Text>,
    pub condition_version: Option<Text>,
    pub end_date_time: Option<Spanned<jiff::Timestamp>>,
}

#[derive(Debug, Clone)]
pub struct DenyAssignmentDoc {
    pub name: Option<Text>,
    pub scope: Text,
    pub principals: Vec<Text>,
    pub exclude_principals: Vec<Text>,
    pub actions: Vec<Text>,
    pub not_actions: Vec<Text>,
    pub data_actions: Vec<Text>,
    pub not_data_actions: Vec<Text>,
    pub do_not_apply_to_child_scopes: bool,
    pub description: Option<Text>,
}

#[derive(Debug, Clone)]
pub struct PolicyDefinitionDoc {
    pub name: Text,
    pub display_name: Option<Text>,
    pub id: Option<Text>,
    pub description: Option<Text>,
    pub mode: Option<Text>,
    pub parameters: Option<Node<'static>>,
    pub policy_rule: Node<'static>,
}

#[derive(Debug, Clone)]
pub struct PolicyAssignmentDoc {
    pub name: Text,
    pub display_name: Option<Text>,
    pub scope: Text,
    pub policy: Text,
    /// Parameter values, with Azure's `{value: ...}` wrapping removed.
    pub parameters: Vec<(Text, Node<'static>)>,
    pub not_scopes: Vec<Text>,
    /// True unless `enforcementMode: DoNotEnforce`.
    pub enforced: bool,
    pub description: Option<Text>,
}

#[derive(Debug, Clone)]
pub struct PolicyExemptionDoc {
    pub name: Text,
    pub display_name: Option<Text>,
    pub policy_assignment: Text,
    pub scope: Text,
    pub category: Text,
    pub expires_on: Option<Spanned<jiff::Timestamp>>,
    pub description: Option<Text>,
}

/// Who an AccessRule is about: one principal by name, or every principal matching a selector.
#[derive(Debug, Clone)]
pub enum SelectorDoc {
    Name(Text),
    Match {
        /// The selector mapping, for findings about it.
        span: Span,
        /// `User`, `Guest`, `Group` or `ServicePrincipal`, canonically spelled.
        kind: Option<Text>,
        member_of: Option<Text>,
    },
}

#[derive(Debug, Clone)]
pub struct AccessRuleDoc {
    pub name: Text,
    pub description: Option<Text>,
    /// `deny` or `allow`.
    pub expect: Text,
    pub principals: Vec<SelectorDoc>,
    pub except: Vec<SelectorDoc>,
    pub actions: Vec<Text>,
    pub data_actions: Vec<Text>,
    pub roles: Vec<Text>,
    pub scopes: Vec<Text>,
    pub message: Option<Text>,
    /// `error` or `warning`.
    pub severity: Option<Text>,
}

/// One converted document.
///
/// The kinds a tree holds by the hundred thousand (principals, role assignments) are inline;
/// the rest are boxed, so that every document is not as large as the largest kind (an access
/// rule is 304 bytes, a principal 176): at Azure's limits the documents of a tree are held
/// together while they are sorted by kind, and this was tens of MB of its peak memory.
#[derive(Debug, Clone)]
pub enum Doc {
    ManagementGroup(ManagementGroupDoc),
    Subscription(SubscriptionDoc),
    Principal(PrincipalDoc),
    RoleDefinition(Box<RoleDefinitionDoc>),
    RoleAssignment(RoleAssignmentDoc),
    DenyAssignment(Box<DenyAssignmentDoc>),
    PolicyDefinition(Box<PolicyDefinitionDoc>),
    PolicyAssignment(Box<PolicyAssignmentDoc>),
    PolicyExemption(Box<PolicyExemptionDoc>),
    AccessRule(Box<AccessRuleDoc>),
}

/// Converts nodes of one file, collecting findings.
pub struct Converter<'a> {
    pub file: FileId,
    /// The file's text, which converted strings share.
    pub text: &'a arcstr::ArcStr,
    pub findings: Vec<Finding>,
}

/// The most fields a kind or a nested mapping has (`record_tables_fit`).
const MAX_FIELDS: usize = 16;

/// A mapping checked against a field table: every key known, no duplicates, required present.
struct Record<'n> {
    fields: &'static [Field],
    /// By place in `fields`. Held inline: one record is made per mapping read (per resource,
    /// per role assignment), and allocating its values was 1.5% of `canopy check` at Azure's
    /// limits.
    values: [Option<&'n Node<'n>>; MAX_FIELDS],
    /// The whole mapping, for "missing field" labels.
    node: &'n Node<'n>,
}

impl<'n> Record<'n> {
    fn get(&self, name: &str) -> Option<&'n Node<'n>> {
        let i = self.fields.iter().position(|f| f.name == name);
        debug_assert!(i.is_some(), "field {name} is not in the schema table");
        i.and_then(|i| self.values[i])
    }
}

impl<'a> Converter<'a> {
    pub fn new(file: FileId, text: &'a arcstr::ArcStr) -> Self {
        Converter {
            file,
            text,
            findings: Vec::new(),
        }
    }

    fn span(&self, node: &Node) -> Span {
        Span::new(self.file, node.start, node.end)
    }

    fn schema_error(&mut self, span: Span, label: &str, message: String, help: Option<String>) {
        let mut f = Finding::new(Code::Schema, span, label, message);
        f.help = help;
        self.findings.push(f);
    }

    /// Converts one document. `None` when it has errors that leave no usable object.
    pub fn document(&mut self, root: &Node) -> Option<Doc> {
        self.duplicate_keys(root);
        let Value::Map(entries) = &root.value else {
            self.schema_error(
                self.span(root),
                "expected a mapping",
                format!(
                    "a document must be a mapping with a `kind`, found {}",
                    root.value.kind_name()
                ),
                Some("start the document with `kind: ManagementGroup` (or another kind) and its fields".into()),
            );
            return None;
        };
        let Some(kind_entry) = entries.iter().find(|e| e.key == "kind") else {
            let anchor = entries
                .first()
                .map_or(Span::new(self.file, root.start, root.start), |e| {
                    Span::new(self.file, e.key_start, e.key_end)
                });
            self.schema_error(
                anchor,
                "this document has no `kind`",
                "document has no `kind`".into(),
                Some(format!("add `kind:` with one of: {}", kind_names())),
            );
            return None;
        };
        let kind_text = self.scalar_text(&kind_entry.value)?;
        let Some(spec) = schema::kind_spec(&kind_text) else {
            let hint = match schema::suggest(&kind_text, schema::KINDS.iter().map(|k| k.kind)) {
                Some(s) => format!("did you mean `{s}`? Kinds are: {}", kind_names()),
                None => format!("kinds are: {}", kind_names()),
            };
            self.schema_error(
                self.span(&kind_entry.value),
                "unknown kind",
                format!("unknown kind `{kind_text}`"),
                Some(hint),
            );
            return None;
        };
        let rec = self.record(root, spec.fields, spec.kind)?;
        match spec.kind {
            "ManagementGroup" => self.management_group(&rec).map(Doc::ManagementGroup),
            "Subscription" => self.subscription(&rec).map(Doc::Subscription),
            "User" | "Group" | "ServicePrincipal" => self.principal(&rec, spec).map(Doc::Principal),
            "RoleDefinition" => self
                .role_definition(&rec)
                .map(|d| Doc::RoleDefinition(Box::new(d))),
            "RoleAssignment" => self.role_assignment(&rec).map(Doc::RoleAssignment),
            "DenyAssignment" => self
                .deny_assignment(&rec)
                .map(|d| Doc::DenyAssignment(Box::new(d))),
            "PolicyDefinition" => self
                .policy_definition(&rec)
                .map(|d| Doc::PolicyDefinition(Box::new(d))),
            "PolicyAssignment" => self
                .policy_assignment(&rec)
                .map(|d| Doc::PolicyAssignment(Box::new(d))),
            "PolicyExemption" => self
                .policy_exemption(&rec)
                .map(|d| Doc::PolicyExemption(Box::new(d))),
            "AccessRule" => self.access_rule(&rec).map(|d| Doc::AccessRule(Box::new(d))),
            other => unreachable!("kind {other} is in the schema table but has no converter"),
        }
    }

    /// Reports every key that appears twice in one mapping, anywhere in the document (policy
    /// rules and tags included). YAML forbids them; one of the two values would be lost.
    fn duplicate_keys(&mut self, node: &Node) {
        match &node.value {
            Value::Map(entries) => {
                // Linear search in the usual small mapping; a hash map for a large one, so a
                // hostile mapping with many keys stays linear.
                let mut seen: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
                for (i, e) in entries.iter().enumerate() {
                    let earlier = if entries.len() <= 16 {
                        entries[..i].iter().find(|f| f.key == e.key)
                    } else {
                        let first = *seen.entry(e.key.as_ref()).or_insert(i);
                        (first != i).then(|| &entries[first])
                    };
                    if let Some(first) = earlier {
                        self.findings.push(
                            Finding::new(
                                Code::YamlSyntax,
                                Span::new(self.file, e.key_start, e.key_end),
                                "duplicate key",
                                format!("key `{}` appears twice in one mapping", e.key),
                            )
                            .related(
                                Span::new(self.file, first.key_start, first.key_end),
                                "first written here",
                            )
                            .help("YAML forbids duplicate keys; keep one of them"),
                        );
                    }
                    self.duplicate_keys(&e.value);
                }
            }
            Value::Seq(items) => items.iter().for_each(|n| self.duplicate_keys(n)),
            _ => {}
        }
    }

    /// Checks a mapping against a field table. Returns `None` if a required field is missing
    /// or the node is not a mapping; unknown fields and duplicates are reported but tolerated.
    fn record<'n>(
        &mut self,
        node: &'n Node<'n>,
        fields: &'static [Field],
        what: &str,
    ) -> Option<Record<'n>> {
        let Value::Map(entries) = &node.value else {
            self.schema_error(
                self.span(node),
                "expected a mapping",
                format!("{what} must be a mapping, found {}", node.value.kind_name()),
                None,
            );
            return None;
        };
        let mut values: [Option<&'n Node>; MAX_FIELDS] = [None; MAX_FIELDS];
        for e in entries {
            let key_span = Span::new(self.file, e.key_start, e.key_end);
            match fields.iter().position(|f| f.name == e.key) {
                // A repeated key was reported by `duplicate_keys`; the first one counts.
                Some(i) => {
                    values[i].get_or_insert(&e.value);
                }
                None => {
                    let names = fields.iter().map(|f| f.name);
                    let help = match schema::suggest(&e.key, names) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "{what} fields are: {}",
                            fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
                        ),
                    };
                    self.schema_error(
                        key_span,
                        "unknown field",
                        format!("unknown field `{}` in {what}", e.key),
                        Some(help),
                    );
                }
            }
        }
        // Missing fields are reported at the mapping's `kind` value, or else its first key:
        // a real token to put the label on.
        let anchor = entries
            .iter()
            .find(|e| e.key == "kind")
            .map(|e| self.span(&e.value))
            .or_else(|| {
                entries
                    .first()
                    .map(|e| Span::new(self.file, e.key_start, e.key_end))
            })
            .unwrap_or(Span::new(self.file, node.start, node.start));
        let mut complete = true;
        for (i, f) in fields.iter().enumerate() {
            if f.required && values[i].is_none() {
                complete = false;
                self.schema_error(
                    anchor,
                    "in this mapping",
                    format!("{what} is missing required field `{}`", f.name),
                    Some(format!("add `{}:` ({})", f.name, f.doc)),
                );
            }
        }
        // Type-check every present field now, so a document reports all of its type errors.
        for (i, f) in fields.iter().enumerate() {
            if let Some(v) = values[i]
                && !self.type_ok(v, f)
            {
                values[i] = None;
                complete &= !f.required;
            }
        }
        complete.then_some(Record {
            fields,
            values,
            node,
        })
    }

    /// Checks a value's type against its field, reporting a mismatch.
    fn type_ok(&mut self, v: &Node, f: &Field) -> bool {
        let ok = match f.ty {
            Ty::Str => self.is_scalar(v),
            Ty::Bool => matches!(v.value, Value::Bool(_)),
            Ty::Guid => self.is_scalar(v) && is_guid(&self.text_of(v)),
            Ty::DateTime => self.is_scalar(v) && self.text_of(v).parse::<jiff::Timestamp>().is_ok(),
            Ty::Enum(words) => {
                self.is_scalar(v) && {
                    let t = self.text_of(v);
                    words.iter().any(|w| w.eq_ignore_ascii_case(&t))
                }
            }
            Ty::StrList => match &v.value {
                Value::Seq(items) => {
                    let mut all = true;
                    for item in items {
                        if !self.is_scalar(item) {
                            all = false;
                            self.schema_error(
                                self.span(item),
                                "expected a string",
                                format!(
                                    "`{}` must list strings, found {}",
                                    f.name,
                                    item.value.kind_name()
                                ),
                                None,
                            );
                        }
                    }
                    return all;
                }
                _ => false,
            },
            Ty::Tags => matches!(v.value, Value::Map(_)),
            Ty::Objects(_) => matches!(v.value, Value::Seq(_)),
            Ty::Principals(_) => match &v.value {
                Value::Seq(items) => {
                    let mut all = true;
                    for item in items {
                        if !self.is_scalar(item) && !matches!(item.value, Value::Map(_)) {
                            all = false;
                            self.schema_error(
                                self.span(item),
                                "expected a name or a selector",
                                format!(
                                    "`{}` must list principal names or selectors, found {}",
                                    f.name,
                                    item.value.kind_name()
                                ),
                                Some("write a name, or a mapping such as `{type: Guest}`".into()),
                            );
                        }
                    }
                    return all;
                }
                _ => false,
            },
            Ty::Any => true,
        };
        if !ok {
            let (expected, help) = expected_of(f);
            let found = match (&f.ty, &v.value) {
                (
                    Ty::Guid | Ty::DateTime | Ty::Enum(_),
                    Value::Str(_) | Value::Int(_) | Value::Float(_),
                ) => {
                    format!("`{}`", self.text_of(v))
                }
                _ => v.value.kind_name().to_string(),
            };
            self.schema_error(
                self.span(v),
                &format!("expected {expected}"),
                format!("`{}` must be {expected}, found {found}", f.name),
                help,
            );
        }
        ok
    }

    fn is_scalar(&self, v: &Node) -> bool {
        matches!(
            v.value,
            Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_)
        )
    }

    /// A scalar as text: strings as parsed, other scalars as written (`007` stays "007").
    fn text_of(&self, v: &Node) -> Str {
        match &v.value {
            Value::Str(s) => self.shared(v.start, v.end, s),
            _ => match self.text.get(v.start as usize..v.end as usize) {
                Some(_) => self.text.substr(v.start as usize..v.end as usize),
                None => Str::new(),
            },
        }
    }

    /// `value`, parsed from the bytes `start..end`, as a slice of the file's text when it is
    /// written there as is: plainly, or quoted without escapes. Only escaped, folded or
    /// multi-line values get their own copy.
    fn shared(&self, start: u32, end: u32, value: &str) -> Str {
        let (start, end) = (start as usize, end as usize);
        // A value the parser lent from the text is that slice itself: known without comparing.
        let at = |a: usize, b: usize| {
            let slice = self.text.get(a..b)?;
            (std::ptr::eq(slice, value) || slice == value).then_some(a..b)
        };
        let range =
            at(start, end).or_else(|| (end >= start + 2).then(|| at(start + 1, end - 1)).flatten());
        match range {
            Some(r) => self.text.substr(r),
            None => Str::from(value),
        }
    }

    fn scalar_text(&mut self, v: &Node) -> Option<Str> {
        if self.is_scalar(v) {
            Some(self.text_of(v))
        } else {
            self.schema_error(
                self.span(v),
                "expected a string",
                format!("expected a string, found {}", v.value.kind_name()),
                None,
            );
            None
        }
    }

    /// A mapping key as text.
    fn key_text(&self, e: &super::yaml::Entry) -> Text {
        Spanned::new(
            self.shared(e.key_start, e.key_end, &e.key),
            Span::new(self.file, e.key_start, e.key_end),
        )
    }

    fn text(&self, v: &Node) -> Text {
        Spanned::new(self.text_of(v), self.span(v))
    }

    fn req_text(&self, rec: &Record, name: &str) -> Option<Text> {
        rec.get(name).map(|v| self.text(v))
    }

    fn opt_text(&self, rec: &Record, name: &str) -> Option<Text> {
        rec.get(name).map(|v| self.text(v))
    }

    /// An enum value in its canonical spelling.
    fn enum_text(&self, rec: &Record, name: &str) -> Option<Text> {
        let v = rec.get(name)?;
        let Some(Field {
            ty: Ty::Enum(words),
            ..
        }) = rec.fields.iter().find(|f| f.name == name)
        else {
            return None;
        };
        let t = self.text_of(v);
        let canon = words.iter().find(|w| w.eq_ignore_ascii_case(&t))?;
        let canon = if *canon == t.as_str() {
            t
        } else {
            Str::from(*canon)
        };
        Some(Spanned::new(canon, self.span(v)))
    }

    fn bool_or(&self, rec: &Record, name: &str, default: bool) -> Spanned<bool> {
        match rec.get(name) {
            Some(
                v @ Node {
                    value: Value::Bool(b),
                    ..
                },
            ) => Spanned::new(*b, self.span(v)),
            _ => Spanned::new(
                default,
                Span::new(self.file, rec.node.start, rec.node.start),
            ),
        }
    }

    fn str_list(&self, rec: &Record, name: &str) -> Vec<Text> {
        match rec.get(name) {
            Some(Node {
                value: Value::Seq(items),
                ..
            }) => {
                let mut out = Vec::with_capacity(items.len());
                out.extend(
                    items
                        .iter()
                        .filter(|i| self.is_scalar(i))
                        .map(|i| self.text(i)),
                );
                out
            }
            _ => Vec::new(),
        }
    }

    fn tags(&mut self, rec: &Record) -> Vec<(Text, Text)> {
        let Some(Node {
            value: Value::Map(entries),
            ..
        }) = rec.get("tags")
        else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            let key = self.key_text(e);
            if self.is_scalar(&e.value) {
                out.push((key, self.text(&e.value)));
            } else if e.value.value == Value::Null {
                out.push((key, Spanned::new(Str::new(), self.span(&e.value))));
            } else {
                self.schema_error(
                    self.span(&e.value),
                    "expected a string",
                    format!(
                        "tag `{}` must have a string value, found {}",
                        e.key,
                        e.value.value.kind_name()
                    ),
                    None,
                );
            }
        }
        out
    }

    fn objects<T>(
        &mut self,
        rec: &Record,
        name: &str,
        what: &str,
        mut convert: impl FnMut(&mut Self, &Record) -> Option<T>,
    ) -> Vec<T> {
        let Some(Node {
            value: Value::Seq(items),
            ..
        }) = rec.get(name)
        else {
            return Vec::new();
        };
        let Some(Field {
            ty: Ty::Objects(fields),
            ..
        }) = rec.fields.iter().find(|f| f.name == name)
        else {
            return Vec::new();
        };
        // Room for every item up front: collecting through `filter_map` grows by doubling,
        // which left a quarter of the resource lists empty on average (tens of MB at limits).
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if let Some(r) = self.record(item, fields, what) {
                out.extend(convert(self, &r));
            }
        }
        out
    }

    fn management_group(&mut self, rec: &Record) -> Option<ManagementGroupDoc> {
        Some(ManagementGroupDoc {
            name: self.req_text(rec, "name")?,
            display_name: self.opt_text(rec, "displayName"),
            parent: self.opt_text(rec, "parent"),
        })
    }

    fn subscription(&mut self, rec: &Record) -> Option<SubscriptionDoc> {
        let resource_groups = self.objects(rec, "resourceGroups", "a resource group", |cx, rg| {
            let resources = cx.objects(rg, "resources", "a resource", |cx, r| {
                Some(ResourceDoc {
                    name: cx.req_text(r, "name")?,
                    resource_type: cx.req_text(r, "type")?,
                    location: cx.opt_text(r, "location"),
                    tags: cx.tags(r),
                })
            });
            Some(ResourceGroupDoc {
                name: cx.req_text(rg, "name")?,
                location: cx.opt_text(rg, "location"),
                tags: cx.tags(rg),
                resources,
            })
        });
        Some(SubscriptionDoc {
            name: self.req_text(rec, "name")?,
            id: self.opt_text(rec, "id"),
            parent: self.opt_text(rec, "parent"),
            resource_groups,
            co_administrators: self.str_list(rec, "coAdministrators"),
        })
    }

    fn principal(&mut self, rec: &Record, spec: &KindSpec) -> Option<PrincipalDoc> {
        let kind = match spec.kind {
            "User" => PrincipalKind::User,
            "Group" => PrincipalKind::Group,
            _ => PrincipalKind::ServicePrincipal,
        };
        let is = |n: &str| spec.field(n).is_some();
        Some(PrincipalDoc {
            kind,
            name: self.req_text(rec, "name")?,
            object_id: self.opt_text(rec, "objectId"),
            display_name: self.opt_text(rec, "displayName"),
            guest: is("userType")
                && self
                    .enum_text(rec, "userType")
                    .is_some_and(|t| t.value == "Guest"),
            enabled: if is("enabled") {
                self.bool_or(rec, "enabled", true)
            } else {
                Spanned::new(true, Span::new(self.file, rec.node.start, rec.node.start))
            },
            security_enabled: if is("securityEnabled") {
                self.bool_or(rec, "securityEnabled", true)
            } else {
                Spanned::new(true, Span::new(self.file, rec.node.start, rec.node.start))
            },
            mail_enabled: if is("mailEnabled") {
                self.bool_or(rec, "mailEnabled", false)
            } else {
                Spanned::new(false, Span::new(self.file, rec.node.start, rec.node.start))
            },
            members: if is("members") {
                self.str_list(rec, "members")
            } else {
                Vec::new()
            },
        })
    }

    fn role_definition(&mut self, rec: &Record) -> Option<RoleDefinitionDoc> {
        if let Some(
            v @ Node {
                value: Value::Seq(items),
                ..
            },
        ) = rec.get("assignableScopes")
            && items.is_empty()
        {
            self.schema_error(
                self.span(v),
                "empty",
                "`assignableScopes` must list at least one scope".into(),
                Some("Azure requires a custom role to name where it may be assigned, e.g. `[/subscriptions/corp-dev]`".into()),
            );
        }
        Some(RoleDefinitionDoc {
            name: self.req_text(rec, "name")?,
            id: self.opt_text(rec, "id"),
            description: self.opt_text(rec, "description"),
            actions: self.str_list(rec, "actions"),
            not_actions: self.str_list(rec, "notActions"),
            data_actions: self.str_list(rec, "dataActions"),
            not_data_actions: self.str_list(rec, "notDataActions"),
            assignable_scopes: self.str_list(rec, "assignableScopes"),
        })
    }

    fn role_assignment(&mut self, rec: &Record) -> Option<RoleAssignmentDoc> {
        Some(RoleAssignmentDoc {
            principal: self.req_text(rec, "principal")?,
            role: self.req_text(rec, "role")?,
            scope: self.req_text(rec, "scope")?,
            description: self.opt_text(rec, "description"),
            eligible: self
                .enum_text(rec, "type")
                .is_some_and(|t| t.value == "Eligible"),
            rare: {
                let rare = RareAssignmentFields {
                    condition: self.opt_text(rec, "condition"),
                    condition_version: self.opt_text(rec, "conditionVersion"),
                    end_date_time: self.timestamp(rec, "endDateTime"),
                };
                let set = rare.condition.is_some()
                    || rare.condition_version.is_some()
                    || rare.end_date_time.is_some();
                set.then(|| Box::new(rare))
            },
        })
    }

    fn deny_assignment(&mut self, rec: &Record) -> Option<DenyAssignmentDoc> {
        Some(DenyAssignmentDoc {
            name: self.opt_text(rec, "name"),
            scope: self.req_text(rec, "scope")?,
            principals: self.str_list(rec, "principals"),
            exclude_principals: self.str_list(rec, "excludePrincipals"),
            actions: self.str_list(rec, "actions"),
            not_actions: self.str_list(rec, "notActions"),
            data_actions: self.str_list(rec, "dataActions"),
            not_data_actions: self.str_list(rec, "notDataActions"),
            do_not_apply_to_child_scopes: self.bool_or(rec, "doNotApplyToChildScopes", false).value,
            description: self.opt_text(rec, "description"),
        })
    }

    /// An RFC 3339 field, already checked by `type_ok`.
    fn timestamp(&self, rec: &Record, name: &str) -> Option<Spanned<jiff::Timestamp>> {
        let v = rec.get(name)?;
        let ts = self.text_of(v).parse::<jiff::Timestamp>().ok()?;
        Some(Spanned::new(ts, self.span(v)))
    }

    fn policy_definition(&mut self, rec: &Record) -> Option<PolicyDefinitionDoc> {
        let policy_rule = rec.get("policyRule")?.to_static();
        // The rule itself is checked by the policy evaluator (`policy::parse`), at each node.
        let parameters = rec.get("parameters").map(Node::to_static);
        if let Some(p) = &parameters
            && !matches!(p.value, Value::Map(_) | Value::Null)
        {
            self.schema_error(
                self.span(p),
                "expected a mapping",
                format!(
                    "`parameters` must be a mapping of parameter declarations, found {}",
                    p.value.kind_name()
                ),
                Some("write `parameters: {name: {type: Array, defaultValue: [...]}}`".into()),
            );
        }
        Some(PolicyDefinitionDoc {
            name: self.req_text(rec, "name")?,
            display_name: self.opt_text(rec, "displayName"),
            id: self.opt_text(rec, "id"),
            description: self.opt_text(rec, "description"),
            mode: self.enum_text(rec, "mode"),
            parameters,
            policy_rule,
        })
    }

    fn policy_assignment(&mut self, rec: &Record) -> Option<PolicyAssignmentDoc> {
        let mut parameters = Vec::new();
        if let Some(p) = rec.get("parameters") {
            match &p.value {
                Value::Map(entries) => {
                    for e in entries {
                        let key = self.key_text(e);
                        parameters.push((key, unwrap_value(&e.value).to_static()));
                    }
                }
                Value::Null => {}
                other => self.schema_error(
                    self.span(p),
                    "expected a mapping",
                    format!(
                        "`parameters` must map parameter names to values, found {}",
                        other.kind_name()
                    ),
                    Some("write `parameters: {listOfAllowedLocations: [westus]}`".into()),
                ),
            }
        }
        Some(PolicyAssignmentDoc {
            name: self.req_text(rec, "name")?,
            display_name: self.opt_text(rec, "displayName"),
            scope: self.req_text(rec, "scope")?,
            policy: self.req_text(rec, "policy")?,
            parameters,
            not_scopes: self.str_list(rec, "notScopes"),
            enforced: self
                .enum_text(rec, "enforcementMode")
                .is_none_or(|t| t.value != "DoNotEnforce"),
            description: self.opt_text(rec, "description"),
        })
    }

    fn policy_exemption(&mut self, rec: &Record) -> Option<PolicyExemptionDoc> {
        let expires_on = self.timestamp(rec, "expiresOn");
        Some(PolicyExemptionDoc {
            name: self.req_text(rec, "name")?,
            display_name: self.opt_text(rec, "displayName"),
            policy_assignment: self.req_text(rec, "policyAssignment")?,
            scope: self.req_text(rec, "scope")?,
            category: self.enum_text(rec, "category")?,
            expires_on,
            description: self.opt_text(rec, "description"),
        })
    }
}

impl Converter<'_> {
    fn selectors(&mut self, rec: &Record, name: &str) -> Vec<SelectorDoc> {
        let Some(Node {
            value: Value::Seq(items),
            ..
        }) = rec.get(name)
        else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if self.is_scalar(item) {
                out.push(SelectorDoc::Name(self.text(item)));
                continue;
            }
            let Some(r) = self.record(item, schema::SELECTOR_FIELDS, "a principal selector") else {
                continue;
            };
            let kind = self.enum_text(&r, "type");
            let member_of = self.opt_text(&r, "memberOf");
            if kind.is_none() && member_of.is_none() {
                self.schema_error(
                    self.span(item),
                    "selects nothing",
                    format!("a selector in `{name}` needs `type`, `memberOf` or both"),
                    Some("write `{type: Guest}`, `{memberOf: platform-admins}`, or a principal's name".into()),
                );
                continue;
            }
            out.push(SelectorDoc::Match {
                span: self.span(item),
                kind,
                member_of,
            });
        }
        out
    }

    fn access_rule(&mut self, rec: &Record) -> Option<AccessRuleDoc> {
        let name = self.req_text(rec, "name")?;
        let doc = AccessRuleDoc {
            description: self.opt_text(rec, "description"),
            expect: self.enum_text(rec, "expect")?,
            principals: self.selectors(rec, "principals"),
            except: self.selectors(rec, "except"),
            actions: self.str_list(rec, "actions"),
            data_actions: self.str_list(rec, "dataActions"),
            roles: self.str_list(rec, "roles"),
            scopes: self.str_list(rec, "scopes"),
            message: self.opt_text(rec, "message"),
            severity: self.enum_text(rec, "severity"),
            name,
        };
        let mut ok = true;
        if doc.actions.is_empty() && doc.data_actions.is_empty() && doc.roles.is_empty() {
            self.schema_error(
                doc.name.span,
                "names no access",
                format!("access rule `{}` names no access", doc.name.value),
                Some(
                    "add `actions`, `dataActions` or `roles`: the access the rule is about".into(),
                ),
            );
            ok = false;
        }
        for (field, empty) in [
            ("principals", doc.principals.is_empty()),
            ("scopes", doc.scopes.is_empty()),
        ] {
            if empty && rec.get(field).is_some() {
                self.schema_error(
                    self.span(rec.get(field).expect("present")),
                    "empty",
                    format!("`{field}` of access rule `{}` is empty", doc.name.value),
                    Some(format!("list at least one entry in `{field}`")),
                );
                ok = false;
            }
        }
        ok.then_some(doc)
    }
}

/// Azure's parameter values are `{value: ...}`; canopy also takes the plain value.
fn unwrap_value<'n, 'a>(node: &'n Node<'a>) -> &'n Node<'a> {
    match &node.value {
        Value::Map(entries) if entries.len() == 1 && entries[0].key == "value" => &entries[0].value,
        _ => node,
    }
}

fn kind_names() -> String {
    schema::KINDS
        .iter()
        .map(|k| k.kind)
        .collect::<Vec<_>>()
        .join(", ")
}

fn expected_of(f: &Field) -> (String, Option<String>) {
    match f.ty {
        Ty::Str => ("a string".into(), None),
        Ty::Bool => (
            "true or false".into(),
            Some(
                "canopy reads YAML 1.2: only `true` and `false` are booleans (not yes/no/on/off)"
                    .into(),
            ),
        ),
        Ty::Guid => (
            "a GUID".into(),
            Some("a GUID looks like `acdd72a7-3385-48ef-bd42-f606fba81ae7`".into()),
        ),
        Ty::DateTime => (
            "an RFC 3339 timestamp".into(),
            Some("write a date and time with its offset, such as `2026-12-31T23:59:59Z`".into()),
        ),
        Ty::Enum(words) => (
            format!(
                "one of {}",
                words
                    .iter()
                    .map(|w| format!("`{w}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some("values are compared case-insensitively, as Azure does".into()),
        ),
        Ty::StrList => (
            "a list of strings".into(),
            Some(format!(
                "write `{}: [a, b]` or one item per line with `- `",
                f.name
            )),
        ),
        Ty::Tags => (
            "a mapping of tag names to values".into(),
            Some("write `tags: {env: prod}`".into()),
        ),
        Ty::Objects(_) => ("a list of mappings".into(), None),
        Ty::Principals(_) => (
            "a list of principal names or selectors".into(),
            Some(format!(
                "write `{}: [alice@contoso.com, {{type: Guest}}, {{memberOf: team}}]`",
                f.name
            )),
        ),
        Ty::Any => ("any value".into(), None),
    }
}

/// Azure's GUID shape: 8-4-4-4-12 hex digits, any case.
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::yaml::{parse_chunk, split_documents};

    /// Every table a mapping is read against, kinds' and nested lists' alike, fits a
    /// [`Record`]'s inline values.
    #[test]
    fn record_tables_fit() {
        fn fits(fields: &'static [Field], at: &str) {
            assert!(
                fields.len() <= MAX_FIELDS,
                "{at} has {} fields",
                fields.len()
            );
            for f in fields {
                if let schema::Ty::Objects(inner) | schema::Ty::Principals(inner) = f.ty {
                    fits(inner, &format!("{at}.{}", f.name));
                }
            }
        }
        for spec in schema::KINDS {
            fits(spec.fields, spec.kind);
        }
        fits(schema::SELECTOR_FIELDS, "selector");
    }

    fn convert(text: &str) -> (Vec<Doc>, Vec<Finding>) {
        let shared = arcstr::ArcStr::from(text);
        let mut cx = Converter::new(FileId(0), &shared);
        let mut docs = Vec::new();
        for c in split_documents(text) {
            let d = parse_chunk(text, c).unwrap().unwrap();
            docs.extend(cx.document(&d.root));
        }
        (docs, cx.findings)
    }

    /// Plain and quoted-without-escapes values are slices of the file's text, not copies; the
    /// rest (escapes, folding, keys that are not strings) hold their own text, equal in value.
    #[test]
    fn strings_share_the_file_text_when_written_as_they_are() {
        let text = arcstr::ArcStr::from(
            "kind: ManagementGroup\nname: 'mg-a'\ndisplayName: \"A\\tB\"\nparent: >-\n  mg\n  root\n",
        );
        let chunk = split_documents(&text)[0];
        let root = parse_chunk(&text, chunk).unwrap().unwrap().root;
        let mut cx = Converter::new(FileId(0), &text);
        let Some(Doc::ManagementGroup(mg)) = cx.document(&root) else {
            panic!("a management group: {:?}", cx.findings)
        };
        let shares = |s: &Str| arcstr::ArcStr::ptr_eq(s.parent(), &text);
        assert_eq!(mg.name.value, "mg-a");
        assert!(shares(&mg.name.value), "quoted without escapes");
        let display = mg.display_name.unwrap().value;
        assert_eq!(display, "A\tB");
        assert!(!shares(&display), "escaped");
        let parent = mg.parent.unwrap().value;
        assert_eq!(parent, "mg root");
        assert!(!shares(&parent), "folded");
    }

    fn codes(f: &[Finding]) -> Vec<(Code, String)> {
        f.iter().map(|f| (f.code, f.message.clone())).collect()
    }

    #[test]
    fn guid_shape() {
        assert!(is_guid("acdd72a7-3385-48ef-bd42-f606fba81ae7"));
        assert!(is_guid("ACDD72A7-3385-48EF-BD42-F606FBA81AE7"));
        assert!(!is_guid("acdd72a7-3385-48ef-bd42-f606fba81ae"));
        assert!(!is_guid("acdd72a7x3385-48ef-bd42-f606fba81ae7"));
    }

    #[test]
    fn converts_a_management_group() {
        let (docs, f) = convert("kind: ManagementGroup\nname: prod\nparent: root\n");
        assert!(f.is_empty(), "{f:?}");
        let Doc::ManagementGroup(mg) = &docs[0] else {
            panic!()
        };
        assert_eq!(mg.name.value, "prod");
        assert_eq!(mg.parent.as_ref().unwrap().span.start, 41);
    }

    #[test]
    fn reports_every_problem_in_one_document() {
        let (docs, f) =
            convert("kind: User\nname: a\nparnet: x\nenabled: yes\nuserType: Visitor\n");
        assert_eq!(docs.len(), 1);
        let c = codes(&f);
        assert_eq!(c.len(), 3, "{c:?}");
        assert!(
            f[0].help.as_deref() == Some("did you mean `parent`?")
                || f.iter().any(|x| x.message.contains("parnet"))
        );
    }

    #[test]
    fn unknown_field_suggests_near_name() {
        let (_, f) = convert("kind: ManagementGroup\nname: a\nparnet: root\n");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].help.as_deref(), Some("did you mean `parent`?"));
    }

    #[test]
    fn missing_required_field_drops_the_document() {
        let (docs, f) = convert("kind: RoleAssignment\nprincipal: a\nrole: Reader\n");
        assert!(docs.is_empty());
        assert!(f[0].message.contains("`scope`"), "{f:?}");
    }

    #[test]
    fn unknown_kind_suggests() {
        let (_, f) = convert("kind: ManagmentGroup\nname: a\n");
        assert_eq!(
            f[0].help.as_deref().unwrap().split('?').next(),
            Some("did you mean `ManagementGroup`")
        );
    }

    #[test]
    fn not_a_mapping() {
        let (_, f) = convert("- a\n- b\n");
        assert_eq!(f[0].code, Code::Schema);
        assert!(f[0].message.contains("found a list"));
    }

    #[test]
    fn numbers_are_names_as_written() {
        let (docs, _) = convert("kind: ManagementGroup\nname: 007\n");
        let Doc::ManagementGroup(mg) = &docs[0] else {
            panic!()
        };
        assert_eq!(mg.name.value, "007");
    }

    #[test]
    fn duplicate_keys_are_yaml_errors_with_both_places() {
        let (_, f) = convert("kind: ManagementGroup\nname: a\nname: b\n");
        assert_eq!(f[0].code, Code::YamlSyntax);
        assert_eq!(f[0].related.len(), 1);
    }

    #[test]
    fn parameter_values_may_be_wrapped() {
        let (docs, f) = convert(
            "kind: PolicyAssignment\nname: a\nscope: /\npolicy: p\nparameters:\n  x: {value: [westus]}\n  y: [eastus]\n",
        );
        assert!(f.is_empty(), "{f:?}");
        let Doc::PolicyAssignment(pa) = &docs[0] else {
            panic!()
        };
        assert!(matches!(pa.parameters[0].1.value, Value::Seq(_)));
        assert!(matches!(pa.parameters[1].1.value, Value::Seq(_)));
    }

    #[test]
    fn nested_resource_fields_are_checked() {
        let (docs, f) = convert(
            "kind: Subscription\nname: s\nresourceGroups:\n  - name: rg\n    resources:\n      - name: vm\n        typ: x\n",
        );
        assert_eq!(docs.len(), 1);
        let c = codes(&f);
        assert_eq!(c.len(), 2, "{c:?}");
    }
}
