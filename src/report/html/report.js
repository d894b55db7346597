// canopy's audit report: renders lazily from the JSON embedded in the page. Every value
// from the tree is put into the page as text (textContent), never as markup.
(function () {
  "use strict";
  var errors = [];
  window.addEventListener("error", function (e) { errors.push(String(e.message || e)); mark(); });
  var consoleError = console.error;
  console.error = function () { errors.push(Array.prototype.join.call(arguments, " ")); mark(); consoleError.apply(console, arguments); };
  function mark() {
    var root = document.documentElement;
    root.setAttribute("data-canopy", errors.length ? "error" : "ready");
    root.setAttribute("data-errors", JSON.stringify(errors));
    // How long the page took to be ready, from navigation: what the limits benchmark reads.
    root.setAttribute("data-ready-ms", String(Math.round(performance.now())));
  }

  var D = JSON.parse(document.getElementById("canopy-data").textContent);
  var S = D.scopes, P = D.principals, RA = D.roleAssignments;
  var N = S.name.length;
  var KIND = ["tenant", "group", "subscription", "resource group", "resource"];
  var PKIND = ["user", "group", "service principal"];
  var PAGE = 100;

  // --- small helpers -----------------------------------------------------------------
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "cls") e.className = attrs[k];
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c != null) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }
  function pct(done, of) { return of === 0 ? 100 : Math.round(done * 1000 / of) / 10; }
  function bar(compliant, exempt, evaluated) {
    var b = el("span", { cls: "bar", title: compliant + " compliant, " + exempt + " exempt of " + evaluated });
    var c = evaluated ? compliant * 100 / evaluated : 100, x = evaluated ? exempt * 100 / evaluated : 0;
    b.appendChild(el("span", { style: "width:" + c + "%" }));
    b.appendChild(el("span", { cls: "exempt", style: "left:" + c + "%;width:" + x + "%" }));
    return el("span", null, [el("span", { cls: "pct", text: pct(compliant + exempt, evaluated) + "%" }), b]);
  }
  function place(file, line) { return file === 4294967295 ? "built in" : D.files[file] + ":" + line; }

  // --- the scope tree ------------------------------------------------------------------
  var children = [], depth = new Array(N);
  for (var i = 0; i < N; i++) children.push([]);
  for (i = 0; i < N; i++) {
    var p = S.parent[i];
    depth[i] = p < 0 ? 0 : depth[p] + 1;
    if (p >= 0) children[p].push(i);
  }
  function contains(outer, inner) {
    for (var s = inner; s >= 0; s = S.parent[s]) if (s === outer) return true;
    return false;
  }
  function subscriptionOf(s) {
    for (; s >= 0; s = S.parent[s]) if (S.kind[s] === 2) return s;
    return -1;
  }
  var raAt = [], denyAt = [], policyAt = [];
  for (i = 0; i < N; i++) { raAt.push([]); denyAt.push([]); policyAt.push([]); }
  RA.forEach(function (a, k) { raAt[a[2]].push(k); });
  D.denyAssignments.forEach(function (d, k) { denyAt[d.scope].push(k); });
  D.policyAssignments.forEach(function (a, k) { policyAt[a.scope].push(k); });
  function privileged(role) { return D.roles[role].privileged; }

  function principalLabel(p) {
    var f = P.flags[p];
    var span = el("span", null, [P.name[p]]);
    if (P.kind[p] === 1) span.appendChild(el("span", { cls: "badge group", text: "group" }));
    if (P.kind[p] === 2) span.appendChild(el("span", { cls: "badge sp", text: "service principal" }));
    if (f & 1) span.appendChild(el("span", { cls: "badge guest", text: "guest" }));
    if (f & 2) span.appendChild(el("span", { cls: "badge disabled", text: "disabled" }));
    return span;
  }
  function roleChip(role, extra) {
    var why = privileged(role);
    return el("span", { cls: "chip" + (why ? " priv" : "") + (extra ? " " + extra : ""), title: why ? "privileged: " + why : D.roles[role].name, text: D.roles[role].name });
  }
  // The chip of a role assignment: eligible ones dashed, conditional ones marked.
  function assignmentChip(k, prefix) {
    var a = RA[k];
    var chip = roleChip(a[1], a[5] & 1 ? "eligible" : "");
    if (prefix) chip.textContent = prefix + chip.textContent;
    if (a[5] & 2) chip.textContent += " (condition)";
    if (a[5] & 1) chip.title += " · eligible (PIM): granted once activated";
    return chip;
  }
  // Paged rows: draws `limit` of `items` with `row`, then a button for the next `step`.
  function paged(container, items, step, row) {
    var limit = step;
    var more = el("button", { cls: "more", text: "Show more" });
    function draw() {
      while (container.children.length > 1) container.removeChild(container.lastChild);
      items.slice(0, limit).forEach(function (x) { container.appendChild(row(x)); });
      more.hidden = items.length <= limit;
      more.textContent = "Show more (" + (items.length - Math.min(limit, items.length)) + " left)";
    }
    more.addEventListener("click", function () { limit += step; draw(); });
    draw();
    return more;
  }
  function flagText(flags) {
    var t = [];
    if (flags & 1) t.push("eligible (PIM)");
    if (flags & 2) t.push("ABAC condition");
    if (flags & 4) t.push("expired");
    if (flags & 8) t.push("classic co-administrator");
    return t.join(", ");
  }

  var treeBox = document.getElementById("tree"), detail = document.getElementById("scope-detail");
  var nodeLi = {}, selected = null;
  function hasTreeChildren(s) { return children[s].some(function (c) { return S.kind[c] < 4; }); }
  function nodeRow(s) {
    var li = el("li", { role: "treeitem" });
    nodeLi[s] = li;
    var toggle = el("button", { cls: "toggle", "aria-label": "expand", text: hasTreeChildren(s) ? "▸" : "" });
    var privHere = raAt[s].filter(function (k) { return privileged(RA[k][1]); }).length;
    var label = el("span", { cls: "node", onclick: function () { select(s); } }, [
      el("span", { cls: "kind", text: KIND[S.kind[s]] }), el("span", { text: S.name[s] }),
      raAt[s].length ? el("span", { cls: "count" + (privHere ? " priv" : ""), text: raAt[s].length + " role" + (raAt[s].length > 1 ? "s" : "") + (privHere ? " (" + privHere + " privileged)" : "") }) : null,
      policyAt[s].length ? el("span", { cls: "count", text: policyAt[s].length + " polic" + (policyAt[s].length > 1 ? "ies" : "y") }) : null,
      S.resources[s] ? el("span", { cls: "count", text: S.resources[s] + " resources" }) : null
    ]);
    li.appendChild(toggle); li.appendChild(label);
    toggle.addEventListener("click", function () { expand(s, li.lastChild.tagName !== "UL"); });
    return li;
  }
  function expand(s, open) {
    var li = nodeLi[s];
    if (!li || !hasTreeChildren(s)) return;
    var list = li.lastChild.tagName === "UL" ? li.lastChild : null;
    if (open && !list) {
      list = el("ul", { role: "group" });
      children[s].forEach(function (c) { if (S.kind[c] < 4) list.appendChild(nodeRow(c)); });
      li.appendChild(list);
    } else if (!open && list) {
      li.removeChild(list);
      children[s].forEach(function forget(c) { delete nodeLi[c]; children[c].forEach(forget); });
    }
    li.firstChild.textContent = open ? "▾" : "▸";
  }
  function reveal(s) {
    var chain = [];
    for (var a = S.parent[s]; a >= 0; a = S.parent[a]) chain.unshift(a);
    chain.forEach(function (a) { expand(a, true); });
  }
  function select(s) {
    if (selected !== null && nodeLi[selected]) nodeLi[selected].children[1].classList.remove("selected");
    selected = s;
    if (nodeLi[s]) { nodeLi[s].children[1].classList.add("selected"); nodeLi[s].scrollIntoView({ block: "nearest" }); }
    showScope(s);
  }
  function showScope(s) {
    clear(detail);
    detail.appendChild(el("h3", null, [el("span", { cls: "kind", text: KIND[S.kind[s]] }), " ", S.name[s]]));
    detail.appendChild(el("div", { cls: "path mono", text: S.path[s] }));
    var ancestors = [];
    for (var a = S.parent[s]; a >= 0; a = S.parent[a]) ancestors.push(a);
    function raTable(list, from) {
      if (!list.length) return el("p", { cls: "muted", text: "none" });
      var t = el("table", { cls: "list" });
      t.appendChild(el("tr", null, [el("th", { text: "principal" }), el("th", { text: "role" }), from ? el("th", { text: from }) : null, el("th", { text: "declared" })]));
      var more = paged(t, list, 200, function (k) {
        var r = RA[k];
        return el("tr", null, [el("td", null, [principalLabel(r[0])]), el("td", null, [assignmentChip(k), r[5] ? el("span", { cls: "muted", text: " " + flagText(r[5]) }) : null]), from ? el("td", { text: S.name[r[2]] + " (" + KIND[S.kind[r[2]]] + ")" }) : null, el("td", { cls: "mono", text: place(r[3], r[4]) })]);
      });
      return el("div", null, [t, more]);
    }
    var inheritedRa = [];
    ancestors.forEach(function (a) { inheritedRa = inheritedRa.concat(raAt[a]); });
    detail.appendChild(el("h4", { text: "Role assignments made here (" + raAt[s].length + ")" }));
    detail.appendChild(raTable(raAt[s], null));
    detail.appendChild(el("h4", { text: "Role assignments inherited (" + inheritedRa.length + ")" }));
    detail.appendChild(raTable(inheritedRa, "from"));
    // The tree stops at resource groups; assignments made at their resources show here.
    var atResources = [];
    children[s].forEach(function (c) { if (S.kind[c] === 4) atResources = atResources.concat(raAt[c]); });
    if (atResources.length) {
      detail.appendChild(el("h4", { text: "Role assignments at its resources (" + atResources.length + ")" }));
      detail.appendChild(raTable(atResources, "resource"));
    }
    var denies = denyAt[s].slice();
    ancestors.forEach(function (a) { denyAt[a].forEach(function (k) { if (!D.denyAssignments[k].doNotApplyToChildScopes) denies.push(k); }); });
    if (denies.length) {
      detail.appendChild(el("h4", { text: "Deny assignments in force (" + denies.length + ")" }));
      var dt = el("table", { cls: "list" });
      dt.appendChild(el("tr", null, [el("th", { text: "name" }), el("th", { text: "denies" }), el("th", { text: "to" }), el("th", { text: "from" })]));
      denies.forEach(function (k) {
        var d = D.denyAssignments[k];
        var who = d.principals.length ? d.principals.map(function (p) { return P.name[p]; }).join(", ") : "Everyone";
        if (d.excludePrincipals.length) who += " except " + d.excludePrincipals.map(function (p) { return P.name[p]; }).join(", ");
        dt.appendChild(el("tr", null, [el("td", { text: d.name || "(unnamed)" }), el("td", { cls: "mono", text: denied(d) }), el("td", { text: who }), el("td", { text: d.scope === s ? "here" : S.name[d.scope] })]));
      });
      detail.appendChild(dt);
    }
    var policies = [];
    [s].concat(ancestors).forEach(function (a) {
      policyAt[a].forEach(function (k) {
        var excluded = D.policyAssignments[k].notScopes.some(function (n) { return contains(n, s); });
        policies.push([k, a, excluded]);
      });
    });
    detail.appendChild(el("h4", { text: "Policy assignments (" + policies.length + ")" }));
    if (!policies.length) detail.appendChild(el("p", { cls: "muted", text: "none" }));
    else {
      var pt = el("table", { cls: "list" });
      pt.appendChild(el("tr", null, [el("th", { text: "assignment" }), el("th", { text: "effect" }), el("th", { text: "from" }), el("th", { text: "compliance (whole assignment)" })]));
      policies.forEach(function (x) {
        var a = D.policyAssignments[x[0]];
        pt.appendChild(el("tr", null, [el("td", null, [a.displayName || a.name, el("div", { cls: "muted", text: a.policy })]), el("td", { text: a.effect + (a.enforced ? "" : " (DoNotEnforce)") }), el("td", { text: x[2] ? "excluded here (notScopes)" : x[1] === s ? "here" : S.name[x[1]] }), el("td", null, [x[2] ? el("span", { cls: "muted", text: "does not apply here" }) : complianceCell(a)])]));
      });
      detail.appendChild(pt);
    }
  }
  // What a deny assignment denies, per plane.
  function denied(d) {
    var parts = [];
    if (d.actions.length) parts.push(d.actions.join(", ") + (d.notActions.length ? " except " + d.notActions.join(", ") : ""));
    if (d.dataActions.length) parts.push("data: " + d.dataActions.join(", ") + (d.notDataActions.length ? " except " + d.notDataActions.join(", ") : ""));
    return parts.join("; ");
  }
  function denyApplies(d, scope) { return d.scope === scope || (!d.doNotApplyToChildScopes && contains(d.scope, scope)); }
  function complianceCell(a) {
    var c = a.compliance;
    if (!a.evaluable) return el("span", { cls: "muted", text: "not evaluated (see findings)" });
    if (!c.evaluated) return el("span", { cls: "muted", text: "nothing in scope" });
    return bar(c.compliant, c.exempt, c.evaluated);
  }
  function renderTree() {
    var ul = el("ul");
    var top = children[0].filter(function (c) { return S.kind[c] < 4; });
    if (!top.length) top = [0];
    top.forEach(function (c) { ul.appendChild(nodeRow(c)); });
    treeBox.appendChild(ul);
    // Open two levels: the root group and the groups right below it.
    top.forEach(function (c) {
      expand(c, true);
      children[c].forEach(function (g) { if (S.kind[g] === 1) expand(g, true); });
    });
  }
  var found = document.getElementById("tree-found");
  document.getElementById("tree-search").addEventListener("input", function (e) {
    var q = e.target.value.trim().toLowerCase();
    clear(found);
    if (!q) return;
    var hits = [];
    for (var s = 0; s < N && hits.length < 50; s++) if (S.kind[s] < 4 && (S.name[s].toLowerCase().indexOf(q) >= 0 || S.path[s].toLowerCase().indexOf(q) >= 0)) hits.push(s);
    found.appendChild(document.createTextNode(hits.length ? (hits.length === 50 ? "first 50: " : hits.length + " found: ") : "nothing found"));
    hits.forEach(function (s) { found.appendChild(el("a", { href: "#hierarchy", text: S.name[s], onclick: function (ev) { ev.preventDefault(); reveal(s); select(s); } })); found.appendChild(document.createTextNode(" ")); });
  });

  // --- effective access ---------------------------------------------------------------
  // Grants by principal, and by the groups a member can expand to.
  var grantsOf = [];
  for (i = 0; i < P.name.length; i++) grantsOf.push([]);
  D.grants.forEach(function (g, k) { grantsOf[g[0]].push(k); });
  var withAccess = [];
  for (i = 0; i < P.name.length; i++) if (grantsOf[i].length) withAccess.push(i);
  withAccess.sort(function (a, b) { return P.name[a].toLowerCase() < P.name[b].toLowerCase() ? -1 : 1; });
  function isPrivileged(p) { return grantsOf[p].some(function (k) { return privileged(RA[D.grants[k][1]][1]); }); }

  var deniesOf = [];
  for (i = 0; i < P.name.length; i++) deniesOf.push([]);
  D.denials.forEach(function (r, k) { deniesOf[r[0]].push(k); });
  // Columns start at the root group, or at `/` when it holds more than one scope (no
  // management group, or several roots).
  var top = children[0].filter(function (c) { return S.kind[c] < 4; });
  var colScope = top.length === 1 ? top[0] : 0;
  var colStart = 0, COLS = 30;
  var shown = PAGE;
  var matrix = document.getElementById("matrix"), accessDetail = document.getElementById("access-detail");
  function below(s) { return children[s].filter(function (c) { return S.kind[c] < 4; }); }
  function columns() { return [colScope].concat(below(colScope).slice(colStart, colStart + COLS)); }
  function setColumns(s) { colScope = s; colStart = 0; renderMatrix(); }
  function denialsAt(p, col) { return deniesOf[p].filter(function (k) { return denyApplies(D.denyAssignments[D.denials[k][1]], col); }); }
  function cellGrants(p, col) {
    var at = [], below = [];
    grantsOf[p].forEach(function (k) {
      var scope = RA[D.grants[k][1]][2];
      if (contains(scope, col)) at.push(k); else if (contains(col, scope)) below.push(k);
    });
    return [at, below];
  }
  function explain(p, col) {
    var g = cellGrants(p, col);
    clear(accessDetail).hidden = false;
    accessDetail.appendChild(el("h3", null, [principalLabel(p), " at ", S.name[col]]));
    accessDetail.appendChild(el("div", { cls: "path mono", text: S.path[col] }));
    function list(title, ks) {
      accessDetail.appendChild(el("h4", { text: title + " (" + ks.length + ")" }));
      if (!ks.length) { accessDetail.appendChild(el("p", { cls: "muted", text: "none" })); return; }
      var t = el("table", { cls: "list" });
      t.appendChild(el("tr", null, [el("th", { text: "role" }), el("th", { text: "assigned at" }), el("th", { text: "to" }), el("th", { text: "declared" })]));
      ks.forEach(function (k) {
        var row = D.grants[k], a = RA[row[1]];
        var path = [P.name[p]].concat(row.slice(2).map(function (q) { return P.name[q]; }));
        t.appendChild(el("tr", null, [
          el("td", null, [roleChip(a[1], a[5] & 1 ? "eligible" : ""), a[5] ? el("div", { cls: "muted", text: flagText(a[5]) }) : null]),
          el("td", null, [S.name[a[2]], el("div", { cls: "muted mono", text: S.path[a[2]] })]),
          el("td", { text: path.length > 1 ? path.join(" → ") + " (member of)" : "directly" }),
          el("td", { cls: "mono", text: place(a[3], a[4]) })
        ]));
      });
      accessDetail.appendChild(t);
    }
    list("In force here (assigned here or above)", g[0]);
    list("Assigned below", g[1]);
    var ds = denialsAt(p, col);
    if (ds.length) {
      accessDetail.appendChild(el("h4", { text: "Deny assignments in force here (" + ds.length + "): they take these operations away whatever the roles grant" }));
      var t = el("table", { cls: "list" });
      t.appendChild(el("tr", null, [el("th", { text: "name" }), el("th", { text: "denies" }), el("th", { text: "names" }), el("th", { text: "at" })]));
      ds.forEach(function (k) {
        var row = D.denials[k], d = D.denyAssignments[row[1]];
        var via = row.slice(2).map(function (q) { return P.name[q]; });
        t.appendChild(el("tr", null, [el("td", { text: d.name || "(unnamed)" }), el("td", { cls: "mono", text: denied(d) }), el("td", { text: d.principals.length ? (via.length ? [P.name[p]].concat(via).join(" → ") + " (member of)" : "directly") : "Everyone" }), el("td", { text: S.name[d.scope] + (d.doNotApplyToChildScopes ? " (not below)" : "") })]));
      });
      accessDetail.appendChild(t);
    }
    accessDetail.scrollIntoView({ block: "nearest" });
  }
  function cell(p, col) {
    var g = cellGrants(p, col), td = el("td", { cls: "cell", onclick: function () { explain(p, col); } });
    var seen = {};
    g[0].forEach(function (k) {
      var ra = D.grants[k][1], a = RA[ra], key = a[1] + ":" + (a[5] & 3);
      if (seen[key]) return; seen[key] = 1;
      td.appendChild(assignmentChip(ra));
    });
    g[1].forEach(function (k) {
      var ra = D.grants[k][1], a = RA[ra], key = "below:" + a[1] + ":" + (a[5] & 3);
      if (seen[key]) return; seen[key] = 1;
      var chip = assignmentChip(ra, "↓ ");
      chip.classList.add("below");
      td.appendChild(chip);
    });
    var ds = denialsAt(p, col);
    if (ds.length) td.appendChild(el("span", { cls: "chip deny", title: ds.map(function (k) { return denied(D.denyAssignments[D.denials[k][1]]); }).join("; "), text: "⛔ deny (" + ds.length + ")" }));
    return td;
  }
  function filtered() {
    var q = document.getElementById("access-search").value.trim().toLowerCase();
    var kind = document.getElementById("access-kind").value;
    var priv = document.getElementById("access-privileged").checked;
    return withAccess.filter(function (p) {
      if (q && P.name[p].toLowerCase().indexOf(q) < 0) return false;
      if (kind === "guest" ? !(P.flags[p] & 1) : kind !== "all" && String(P.kind[p]) !== kind) return false;
      return !priv || isPrivileged(p);
    });
  }
  // A principal's row; a group's toggle inserts its members' rows below it and removes
  // them, and whatever they opened in turn, when closed.
  function principalRow(p, level, cols, tbody, after) {
    var tr = el("tr");
    tr.canopyRows = [];
    var name = el("td", null, [el("span", { cls: "indent", style: "width:" + level * 16 + "px" })]);
    if (P.kind[p] === 1 && P.members[p].length) {
      var open = false;
      var tg = el("button", { cls: "toggle", "aria-label": "members", text: "▸", onclick: function () {
        open = !open; tg.textContent = open ? "▾" : "▸";
        if (open) {
          var at = tr;
          P.members[p].forEach(function (m) { at = principalRow(m, level + 1, cols, tbody, at); tr.canopyRows.push(at); });
        } else {
          (function close(rows) {
            rows.forEach(function (r) { close(r.canopyRows); if (r.parentNode) r.parentNode.removeChild(r); });
          })(tr.canopyRows);
          tr.canopyRows = [];
        }
      } });
      name.appendChild(tg);
    }
    name.appendChild(principalLabel(p));
    tr.appendChild(name);
    cols.forEach(function (c) { tr.appendChild(cell(p, c)); });
    if (after) tbody.insertBefore(tr, after.nextSibling); else tbody.appendChild(tr);
    return tr;
  }
  function renderMatrix() {
    var cols = columns(), rows = filtered();
    clear(matrix);
    var crumb = clear(document.getElementById("access-columns"));
    crumb.appendChild(document.createTextNode("Columns: "));
    var chain = [];
    for (var a = colScope; a >= 0; a = S.parent[a]) chain.unshift(a);
    chain.forEach(function (a, k) {
      if (k) crumb.appendChild(document.createTextNode(" › "));
      crumb.appendChild(a === colScope ? el("b", { text: S.name[a] }) : el("a", { text: S.name[a], onclick: function () { setColumns(a); } }));
    });
    var all = below(colScope).length;
    crumb.appendChild(document.createTextNode(" and the scopes right below it" + (all > COLS ? " (" + (colStart + 1) + "–" + Math.min(colStart + COLS, all) + " of " + all + ")" : "") + ". Select a column's heading to look inside it. "));
    if (colStart > 0) crumb.appendChild(el("button", { text: "◂ previous " + COLS, onclick: function () { colStart -= COLS; renderMatrix(); } }));
    if (colStart + COLS < all) crumb.appendChild(el("button", { text: "next " + Math.min(COLS, all - colStart - COLS) + " ▸", onclick: function () { colStart += COLS; renderMatrix(); } }));
    var head = el("tr", null, [el("th", { text: "principal" })]);
    cols.forEach(function (c) {
      head.appendChild(el("th", { title: S.path[c], text: S.name[c], onclick: function () { if (c !== colScope && hasTreeChildren(c)) setColumns(c); } }, [el("div", { cls: "kind", text: KIND[S.kind[c]] })]));
    });
    matrix.appendChild(el("thead", null, [head]));
    var tbody = el("tbody");
    rows.slice(0, shown).forEach(function (p) { principalRow(p, 0, cols, tbody, null); });
    matrix.appendChild(tbody);
    document.getElementById("access-count").textContent = "showing " + Math.min(shown, rows.length) + " of " + rows.length + " principals with access";
    document.getElementById("access-more").hidden = rows.length <= shown;
  }
  ["access-search", "access-kind", "access-privileged"].forEach(function (id) {
    document.getElementById(id).addEventListener("input", function () { shown = PAGE; renderMatrix(); });
  });
  document.getElementById("access-more").addEventListener("click", function () { shown += PAGE; renderMatrix(); });

  // --- policy compliance --------------------------------------------------------------
  var ncByAssignment = [], ncBySub = {};
  D.policyAssignments.forEach(function () { ncByAssignment.push([]); });
  D.nonCompliant.forEach(function (n, k) {
    ncByAssignment[n[0]].push(k);
    var sub = subscriptionOf(n[1]);
    (ncBySub[sub] = ncBySub[sub] || []).push(k);
  });
  var complianceDetail = document.getElementById("compliance-detail");
  function showNonCompliant(where, ks) {
    clear(complianceDetail).hidden = false;
    [["Not compliant " + where, ks.filter(function (k) { return !D.nonCompliant[k][3]; })],
     ["Exempt " + where + " (not compliant, but covered by an exemption)", ks.filter(function (k) { return D.nonCompliant[k][3]; })]].forEach(function (part) {
      complianceDetail.appendChild(el("h3", { text: part[0] + " (" + part[1].length + ")" }));
      if (!part[1].length) { complianceDetail.appendChild(el("p", { cls: "muted", text: "none" })); return; }
      var t = el("table", { cls: "list" });
      t.appendChild(el("tr", null, [el("th", { text: "scope" }), el("th", { text: "assignment" }), el("th", { text: "reason" })]));
      var more = paged(t, part[1], 200, function (k) {
        var n = D.nonCompliant[k], a = D.policyAssignments[n[0]];
        return el("tr", null, [el("td", null, [S.name[n[1]], el("div", { cls: "muted mono", text: S.path[n[1]] })]), el("td", { text: a.displayName || a.name }), el("td", { text: D.reasons[n[2]] })]);
      });
      complianceDetail.appendChild(t);
      complianceDetail.appendChild(more);
    });
    complianceDetail.scrollIntoView({ block: "nearest" });
  }
  function renderCompliance() {
    var ev = 0, ok = 0, ex = 0;
    D.policyAssignments.forEach(function (a) { ev += a.compliance.evaluated; ok += a.compliance.compliant; ex += a.compliance.exempt; });
    var sum = document.getElementById("compliance-summary");
    sum.appendChild(el("p", { cls: "summary-big" }, [bar(ok, ex, ev), " " + ev + " evaluations of " + D.policyAssignments.length + " assignments: " + ok + " compliant, " + ex + " exempt, " + (ev - ok - ex) + " not compliant (exempt ones count as compliant, as in Azure)"]));
    var t = document.getElementById("policy-assignments");
    t.appendChild(el("tr", null, ["assignment", "scope", "effect", "evaluated", "not compliant", "compliance"].map(function (h) { return el("th", { text: h }); })));
    var order = D.policyAssignments.map(function (_, k) { return k; });
    function rank(k) { var a = D.policyAssignments[k]; return a.evaluable && a.compliance.evaluated ? a.compliance.percentCompliant : 1000; }
    order.sort(function (x, y) { return rank(x) - rank(y); });
    var moreAssignments = paged(t, order, 200, function (k) {
      var a = D.policyAssignments[k], c = a.compliance;
      return el("tr", { cls: "clickable", onclick: function () { showNonCompliant("with " + (a.displayName || a.name), ncByAssignment[k]); } }, [
        el("td", null, [a.displayName || a.name, el("div", { cls: "muted", text: a.policy })]),
        el("td", { text: S.name[a.scope] }),
        el("td", { text: (a.effect || "—") + (a.enforced ? "" : " (DoNotEnforce)") }),
        el("td", { text: String(c.evaluated) }),
        el("td", { text: String(c.evaluated - c.compliant - c.exempt) }),
        el("td", null, [complianceCell(a)])
      ]);
    });
    t.parentNode.parentNode.insertBefore(moreAssignments, t.parentNode.nextSibling);
    var st = document.getElementById("policy-subscriptions");
    st.appendChild(el("tr", null, ["subscription", "evaluated", "not compliant", "compliance"].map(function (h) { return el("th", { text: h }); })));
    var subs = D.subscriptionCompliance.slice();
    // Least compliant first; those no policy reaches last.
    function share(r) { return r[1] ? (r[2] + r[3]) / r[1] : 2; }
    subs.sort(function (x, y) { return share(x) - share(y); });
    var moreSubs = paged(st, subs, 200, function (r) {
      return el("tr", { cls: "clickable", onclick: function () { showNonCompliant("in " + S.name[r[0]], ncBySub[r[0]] || []); } }, [
        el("td", { text: S.name[r[0]] }), el("td", { text: String(r[1]) }), el("td", { text: String(r[1] - r[2] - r[3]) }),
        el("td", null, [r[1] ? bar(r[2], r[3], r[1]) : el("span", { cls: "muted", text: "no policy applies" })])
      ]);
    });
    st.parentNode.parentNode.insertBefore(moreSubs, st.parentNode.nextSibling);
  }

  // --- findings ---------------------------------------------------------------------
  var findingsShown = 200;
  function renderFindings() {
    var q = document.getElementById("findings-search").value.trim().toLowerCase();
    var sev = document.getElementById("findings-severity").value;
    var rows = D.findings.filter(function (f) {
      return (!sev || f.severity === sev) && (!q || (f.code + " " + f.file + " " + f.message).toLowerCase().indexOf(q) >= 0);
    });
    var t = clear(document.getElementById("findings-table"));
    t.appendChild(el("tr", null, ["severity", "code", "where", "message"].map(function (h) { return el("th", { text: h }); })));
    rows.slice(0, findingsShown).forEach(function (f) {
      t.appendChild(el("tr", null, [el("td", { cls: "sev-" + f.severity, text: f.severity }), el("td", { cls: "mono", text: f.code }), el("td", { cls: "mono", text: f.file + ":" + f.line + ":" + f.column }), el("td", { text: f.message })]));
    });
    document.getElementById("findings-count").textContent = rows.length + " of " + D.findings.length + " findings";
    document.getElementById("findings-more").hidden = rows.length <= findingsShown;
  }
  ["findings-search", "findings-severity"].forEach(function (id) {
    document.getElementById(id).addEventListener("input", function () { findingsShown = 200; renderFindings(); });
  });
  document.getElementById("findings-more").addEventListener("click", function () { findingsShown += 200; renderFindings(); });

  // Opened with #selftest (the browser test does), the page clicks through itself the way a
  // person would and records what did not behave in data-selftest.
  function selftest() {
    var failed = [];
    function check(ok, what) { if (!ok) failed.push(what); }
    function click(e) { e.dispatchEvent(new MouseEvent("click", { bubbles: true })); }
    var rows = function () { return matrix.querySelectorAll("tbody tr").length; };
    var before = rows();
    var group = matrix.querySelector("tbody button.toggle");
    check(group, "a group row to expand");
    if (group) {
      click(group);
      check(rows() > before, "expanding a group adds its members' rows");
      var nested = Array.prototype.slice.call(matrix.querySelectorAll("tbody button.toggle")).filter(function (b) { return b !== group && b.textContent === "▸"; })[0];
      if (nested) { click(nested); }
      click(group);
      check(rows() === before, "collapsing a group removes every row it opened");
    }
    var cell = matrix.querySelector("td.cell");
    check(cell, "a matrix cell");
    if (cell) { click(cell); check(!accessDetail.hidden && accessDetail.querySelector("h4"), "a cell explains its grants"); }
    var heads = matrix.querySelectorAll("thead th");
    var start = colScope;
    for (var h = 2; h < heads.length; h++) {
      click(heads[h]);
      if (colScope !== start) break;
    }
    if (colScope !== start) {
      var up = document.querySelector("#access-columns a");
      check(up, "the breadcrumb leads back up");
      if (up) { click(up); }
    }
    var policyRow = document.querySelector("#policy-assignments tr.clickable");
    if (policyRow) { click(policyRow); check(!complianceDetail.hidden && complianceDetail.querySelector("h3"), "a policy assignment drills down"); }
    var search = document.getElementById("tree-search");
    var target = N - 1;
    while (target > 0 && S.kind[target] === 4) target--;
    search.value = S.name[target].slice(0, 3);
    search.dispatchEvent(new Event("input"));
    var hit = found.querySelector("a");
    check(hit, "the tree search finds a scope");
    if (hit) { click(hit); check(treeBox.querySelector(".node.selected"), "a found scope is selected in the tree"); }
    document.documentElement.setAttribute("data-selftest", failed.length ? JSON.stringify(failed) : "ok");
  }

  try {
    renderTree();
    renderMatrix();
    renderCompliance();
    renderFindings();
    if (children[0].length) select(children[0][0]);
    if (location.hash === "#selftest") selftest();
  } catch (e) {
    errors.push(String(e && e.stack || e));
  }
  mark();
})();
