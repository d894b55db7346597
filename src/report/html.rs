//! `canopy report --html`: one self-contained HTML file. The page's shell is an askama
//! template (every value from the tree in it is HTML-escaped by askama); the CSS and the
//! script are inlined; the data is the [`AuditData`] JSON in a `<script type="application/json">`
//! element, which the script renders from, lazily. Nothing is fetched from a network, and the
//! page's Content-Security-Policy forbids it.

use crate::audit::AuditData;
use askama::Template;

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

#[derive(Template)]
#[template(path = "report.html", escape = "html")]
struct Page<'a> {
    version: &'static str,
    tree: &'a str,
    commit: Option<&'a str>,
    commit_date: Option<&'a str>,
    uncommitted: bool,
    generated: &'a str,
    as_of: Option<&'a str>,
    /// (label, value, section anchor).
    totals: Vec<(&'static str, usize, &'static str)>,
    css: &'static str,
    js: &'static str,
    /// The data as JSON that cannot end its `<script>` element: see [`script_json`].
    data: String,
}

/// JSON for a `<script type="application/json">` element: `<`, `>` and `&` are written as
/// `\u003c`, `\u003e`, `\u0026`, so no value (a principal named `</script><script>...`) can
/// close the element or open a comment; JSON.parse reads them back unchanged.
pub fn script_json(data: &AuditData) -> String {
    let json = serde_json::to_string(data).expect("the report's data serialises");
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

/// The whole page.
pub fn render(data: &AuditData) -> String {
    let t = &data.totals;
    let o = &data.origin;
    let page = Page {
        version: env!("CARGO_PKG_VERSION"),
        tree: &o.tree,
        commit: o.commit.as_deref(),
        commit_date: o.commit_date.as_deref(),
        uncommitted: o.uncommitted_changes,
        generated: &o.generated,
        as_of: o.as_of.as_deref(),
        totals: vec![
            ("management groups", t.management_groups, "hierarchy"),
            ("subscriptions", t.subscriptions, "hierarchy"),
            ("resource groups", t.resource_groups, "hierarchy"),
            ("resources", t.resources, "hierarchy"),
            ("principals", t.principals, "access"),
            ("role assignments", t.role_assignments, "access"),
            ("policy assignments", t.policy_assignments, "compliance"),
            ("findings", t.findings, "findings"),
        ],
        css: CSS,
        js: JS,
        data: script_json(data),
    };
    page.render().expect("the report's template renders")
}
