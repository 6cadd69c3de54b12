// darkwatch web UI. Every value shown comes from market pages written by criminals: it is
// only ever inserted with textContent / createTextNode / setAttribute on safe attributes,
// never innerHTML. Links are built from fixed local paths and encodeURIComponent; market
// URLs are shown as text, never as links; images are never loaded.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22", "#393b79", "#637939"];
  let csrf = "";

  // el builds an element; children are nodes or strings (text nodes).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "text") e.textContent = String(v);
      else if (k === "onclick") e.addEventListener("click", v);
      else e.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c === undefined || c === null) continue;
      e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    return e;
  }

  function link(path, params, text) {
    const u = new URLSearchParams(params);
    return el("a", { href: path + "?" + u.toString() }, text);
  }
  const listingLink = (id, text) => link("/listing", { id: id }, text || id);
  const vendorLink = (id, text) => link("/vendor", { id: id }, text || id);
  const actorLink = (id, text) => link("/actor", { id: id }, text || id);
  const searchLink = (params, text) => link("/", params, text);

  // pathEnc makes an id one path segment ("/" as %2F): browsers resolve "..", "%2e%2e" and
  // "." segments before sending, so "a/../../audit" must never reach fetch as segments.
  function pathEnc(id) {
    if (id === "." || id === "..") throw new Error("invalid id");
    return encodeURIComponent(id);
  }

  function showError(msg) {
    const e = document.getElementById("error");
    e.textContent = msg;
    e.hidden = false;
  }

  async function api(path, opts) {
    const r = await fetch(path, Object.assign({ credentials: "same-origin", headers: { "Accept": "application/json" } }, opts || {}));
    if (r.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search); throw new Error("not logged in"); }
    let body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    if (!r.ok) throw new Error((body && body.error) || ("HTTP " + r.status));
    return body;
  }

  const usd = (v) => (v ? "$" + Number(v).toFixed(2) : "–");
  const day = (t) => (t ? String(t).slice(0, 10) : "–");
  const when = (t) => (t ? String(t).replace("T", " ").slice(0, 16) : "–");
  const uniq = (a) => Array.from(new Set(a));

  function table(headers, rows, cls) {
    const t = el("table", { class: cls || "data" });
    const hr = el("tr");
    for (const h of headers) hr.appendChild(el("th", {}, h));
    t.appendChild(el("thead", {}, hr));
    const tb = el("tbody");
    for (const r of rows) {
      const tr = el("tr");
      for (const c of r) tr.appendChild(el("td", {}, c));
      tb.appendChild(tr);
    }
    t.appendChild(tb);
    if (!rows.length) tb.appendChild(el("tr", {}, el("td", { colspan: headers.length, class: "muted" }, "none")));
    return t;
  }

  function kv(pairs) {
    const dl = el("dl", { class: "kv" });
    for (const [k, v] of pairs) {
      dl.appendChild(el("dt", {}, k));
      dl.appendChild(el("dd", {}, v === undefined || v === null || v === "" ? "–" : v));
    }
    return dl;
  }

  function joinNodes(nodes, sep) {
    const s = el("span");
    nodes.forEach((n, i) => { if (i) s.appendChild(document.createTextNode(sep || ", ")); s.appendChild(typeof n === "string" ? document.createTextNode(n) : n); });
    if (!nodes.length) s.appendChild(document.createTextNode("–"));
    return s;
  }

  function substances(l) { return uniq((l.substances || []).map((s) => s.name)); }

  function listingsTable(ls) {
    return table(["Title", "Market", "Vendor", "USD", "USD/unit", "Substances", "From", "Last seen"], ls.map((l) => [
      listingLink(l.id, l.title || l.id), l.market || "",
      l.vendor_id ? vendorLink(l.vendor_id, l.vendor || l.vendor_id) : (l.vendor || "–"),
      usd(l.price && l.price.usd), usd(l.unit_price_usd),
      joinNodes(substances(l).map((s) => searchLink({ substance: s }, s))),
      (l.ships_from || []).join(", ") || "–", day(l.last_seen),
    ]), "data listings");
  }

  // chart draws price-history series ([{listing_id,title,market,points:[{time,usd}]}]) as an SVG line chart.
  function chart(series) {
    const box = el("figure", { class: "chart" });
    const pts = [];
    series.forEach((s) => (s.points || []).forEach((p) => { if (p.usd > 0) pts.push({ t: Date.parse(p.time), v: p.usd }); }));
    if (!pts.length) { box.appendChild(el("p", { class: "muted" }, "No price history.")); return box; }
    const W = 760, H = 260, L = 64, R = 16, T = 12, B = 36;
    let t0 = Math.min(...pts.map((p) => p.t)), t1 = Math.max(...pts.map((p) => p.t));
    let v1 = Math.max(...pts.map((p) => p.v)) * 1.1, v0 = 0;
    if (t1 === t0) { t0 -= 86400000; t1 += 86400000; }
    const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
    const y = (v) => T + (1 - (v - v0) / (v1 - v0)) * (H - T - B);
    const g = svg("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img", "aria-label": "price history" });
    g.appendChild(svg("rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "#fbfbfb", stroke: "#ccc" }));
    for (let i = 0; i <= 4; i++) {
      const v = v0 + ((v1 - v0) * i) / 4;
      g.appendChild(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e4e4e4" }));
      const tx = svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 11, fill: "#555" });
      tx.textContent = "$" + v.toFixed(v1 < 20 ? 2 : 0);
      g.appendChild(tx);
    }
    const short = t1 - t0 < 4 * 86400000; // a short span shows hours too
    for (let i = 0; i <= 4; i++) {
      const t = t0 + ((t1 - t0) * i) / 4;
      const anchor = i === 0 ? "start" : i === 4 ? "end" : "middle";
      const tx = svg("text", { x: x(t), y: H - B + 16, "text-anchor": anchor, "font-size": 11, fill: "#555" });
      const iso = new Date(t).toISOString();
      tx.textContent = short ? iso.slice(5, 10) + " " + iso.slice(11, 16) : iso.slice(0, 10);
      g.appendChild(tx);
    }
    const legend = el("ul", { class: "legend" });
    series.forEach((s, i) => {
      const c = COLORS[i % COLORS.length];
      const ps = (s.points || []).filter((p) => p.usd > 0).map((p) => [x(Date.parse(p.time)), y(p.usd)]);
      if (!ps.length) return;
      if (ps.length > 1) g.appendChild(svg("polyline", { points: ps.map((p) => p[0].toFixed(1) + "," + p[1].toFixed(1)).join(" "), fill: "none", stroke: c, "stroke-width": 2 }));
      for (const p of ps) g.appendChild(svg("circle", { cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: 3, fill: c }));
      const sw = svg("svg", { width: 12, height: 12, class: "swatch" });
      sw.appendChild(svg("rect", { width: 12, height: 12, fill: c }));
      const last = s.points[s.points.length - 1];
      legend.appendChild(el("li", {}, sw, " ", listingLink(s.listing_id, s.title || s.listing_id), " (" + s.market + ", " + s.points.length + " obs, last " + usd(last && last.usd) + ")"));
    });
    box.appendChild(g);
    box.appendChild(legend);
    return box;
  }

  function bucketTable(title, buckets, param) {
    return el("section", { class: "facet-table" }, el("h3", {}, title),
      table([title, "Listings"], (buckets || []).map((b) => [param ? searchLink({ [param]: b.key }, b.key) : b.key, String(b.count)]), "data small"));
  }

  // ---- pages ----

  const FILTERS = [
    ["q", "Text", "text"], ["substance", "Substance", "text"], ["class", "Class", "text"], ["family", "NPS family", "text"],
    ["market", "Market", "text"], ["vendor", "Vendor", "text"], ["ships_from", "Ships from", "text"], ["ships_to", "Ships to", "text"],
    ["entity", "PGP / address / contact", "text"], ["min_usd", "Min USD", "number"], ["max_usd", "Max USD", "number"],
    ["since", "Seen since", "text"],
  ];
  const FACETS = [["substance", "Substance"], ["class", "Class"], ["family", "Family"], ["market", "Market"], ["vendor", "Vendor"], ["ships_from", "Ships from"], ["ships_to", "Ships to"]];

  async function pageSearch(root) {
    const params = new URLSearchParams(location.search);
    const form = el("form", { method: "get", action: "/", class: "filters", id: "search-form" });
    for (const [name, label, type] of FILTERS) {
      form.appendChild(el("label", {}, label, el("input", { name: name, id: "f-" + name, type: type, step: type === "number" ? "any" : null, value: params.get(name) || "" })));
    }
    // a select of [value, text] options showing the page's current value of name
    const choice = (label, name, options) => {
      const sel = el("select", { name: name, id: "f-" + name });
      for (const [v, t] of options) {
        const o = el("option", { value: v }, t);
        if ((params.get(name) || "") === v) o.selected = true;
        sel.appendChild(o);
      }
      form.appendChild(el("label", {}, label, sel));
    };
    choice("Sort", "sort", [["", "default"], ["-last_seen", "last seen ↓"], ["price", "price ↑"], ["-price", "price ↓"], ["unit_price", "unit price ↑"], ["-first_seen", "first seen ↓"], ["id", "id"]]);
    choice("Listings", "drug_offer", [["", "any"], ["true", "drug offers"], ["false", "other"]]);
    choice("Untagged", "untagged", [["", "any"], ["no_substance", "no substance named"], ["class_conflict", "category disagrees"]]);
    form.appendChild(el("button", { type: "submit", id: "search-button" }, "Search"));
    form.addEventListener("submit", () => { for (const i of form.querySelectorAll("input,select")) if (!i.value) i.disabled = true; });
    root.replaceChildren(form);

    const q = new URLSearchParams();
    for (const [k, v] of params) if (v !== "" && k !== "page") q.append(k, v);
    const size = 50;
    const page = Math.max(0, parseInt(params.get("page") || "0", 10) || 0);
    q.set("size", size);
    q.set("from", page * size);
    for (const [a] of FACETS) q.append("agg", a);
    const res = await api("/api/v1/search?" + q.toString());

    const facets = el("aside", { class: "facets", id: "facets" });
    for (const [a, title] of FACETS) {
      const bs = (res.aggs && res.aggs[a]) || [];
      const ul = el("ul");
      for (const b of bs.slice(0, 15)) {
        const p = new URLSearchParams(params);
        p.delete("page");
        p.append(a, b.key);
        ul.appendChild(el("li", {}, el("a", { href: "/?" + p.toString(), "data-facet": a }, b.key), el("span", { class: "count" }, " " + b.count)));
      }
      facets.appendChild(el("section", {}, el("h3", {}, title), bs.length ? ul : el("p", { class: "muted" }, "–")));
    }
    const pager = el("p", { class: "pager" }, el("span", { id: "total" }, res.total + " listings"));
    const mk = (p, text) => { const u = new URLSearchParams(params); u.set("page", p); return el("a", { href: "/?" + u.toString() }, text); };
    if (page > 0) pager.appendChild(mk(page - 1, " ‹ previous"));
    if ((page + 1) * size < res.total) pager.appendChild(mk(page + 1, " next ›"));
    const results = el("div", { class: "results", id: "results" }, pager, listingsTable(res.listings));
    root.appendChild(el("div", { class: "split" }, facets, results));
  }

  async function pageListing(root) {
    const id = new URLSearchParams(location.search).get("id") || "";
    const res = await api("/api/v1/listings/" + pathEnc(id));
    const l = res.listing;
    document.getElementById("title").textContent = l.title || l.id;
    document.title = (l.title || l.id) + " · darkwatch";
    const ents = (l.entities || []).map((e) => searchLink({ entity: e.value }, e.kind + " " + e.value));
    root.replaceChildren(
      kv([
        ["ID", l.id], ["Market", searchLink({ market: l.market }, l.market)],
        ["Vendor", l.vendor_id ? vendorLink(l.vendor_id, l.vendor || l.vendor_id) : l.vendor],
        ["Price", l.price && l.price.currency ? l.price.amount + " " + l.price.currency + " (" + usd(l.price.usd) + ")" : "–"],
        ["USD per unit", usd(l.unit_price_usd)],
        ["Substances", joinNodes((l.substances || []).map((s) => searchLink({ substance: s.name }, s.name + " (" + s.class + (s.family ? ", " + s.family : "") + ")")))],
        ["Ships from", ((l.ships_from || []).join(", ") || "–") + (l.ships_from_raw ? " — " + l.ships_from_raw : "")],
        ["Ships to", ((l.ships_to || []).join(", ") || "–") + (l.ships_to_raw ? " — " + l.ships_to_raw : "")],
        ["Entities", joinNodes(ents)], ["Category", l.category], ["Status", l.status],
        ["First seen", when(l.first_seen)], ["Last seen", when(l.last_seen)],
        ["Market URL (not a link)", el("code", {}, l.url || "–")],
        ["Evidence", l.capture ? "sha256 " + (l.capture.sha256 || "–") + " · " + (l.capture.warc || "") + " " + (l.capture.record_id || "") : "–"],
      ]),
      el("h2", {}, "Offers"),
      table(["Quantity", "Unit", "Price", "USD", "USD/unit"], (l.offers || []).map((o) => [String(o.quantity), o.unit, o.price.amount + " " + o.price.currency, usd(o.price.usd), usd(o.unit_price_usd)])),
      el("h2", {}, "Price history"),
      chart([{ listing_id: l.id, title: l.title, market: l.market, points: res.observations.map((o) => ({ time: o.time, usd: o.price.usd, status: o.status })) }]),
      table(["Time", "Price", "USD", "Status", "Capture sha256"], res.observations.map((o) => [when(o.time), o.price.amount + " " + o.price.currency, usd(o.price.usd), o.status, (o.capture && o.capture.sha256) || "–"])),
      el("h2", {}, "Description"),
      el("pre", { class: "description", id: "description" }, l.description || ""),
    );
  }

  function profileSections(p) {
    return [
      el("h2", {}, "Price history"), chart(p.price_history),
      el("div", { class: "tables" },
        bucketTable("Ships from", p.aggs.ships_from, "ships_from"),
        bucketTable("Substances", p.aggs.substance, "substance"),
        bucketTable("Markets", p.aggs.market, "market")),
      el("h2", {}, "Listings (" + p.total_listings + ")"), listingsTable(p.listings),
    ];
  }

  function evidenceText(links) {
    return joinNodes(links.map((k) => k.kind + " " + k.value + " (" + k.a + " ↔ " + k.b + ")"), "; ");
  }

  async function pageVendor(root) {
    const id = new URLSearchParams(location.search).get("id") || "";
    const res = await api("/api/v1/vendors/" + pathEnc(id));
    const v = res.vendor;
    document.getElementById("title").textContent = (v.display_name || v.handle || v.id) + " @ " + v.market;
    let actor = null;
    try { actor = await api("/api/v1/actors/" + pathEnc(v.actor || v.id)); } catch (e) { actor = null; }
    const linkedMarkets = actor ? actor.markets : uniq([v.market].concat(v.markets || []));
    const others = actor ? actor.vendors.filter((a) => a.vendor.id !== v.id) : [];
    root.replaceChildren(
      kv([
        ["ID", v.id], ["Handle", v.handle], ["Market", searchLink({ market: v.market }, v.market)],
        ["Linked markets", el("span", { id: "linked-markets" }, joinNodes(linkedMarkets.map((m) => searchLink({ market: m }, m))))],
        ["Actor", actorLink(v.actor || v.id, v.actor || "accounts linked to " + v.id)],
        ["PGP fingerprints", joinNodes((v.pgp || []).map((f) => searchLink({ entity: f }, f)))],
        ["Contacts and addresses", joinNodes((v.entities || []).map((e) => searchLink({ entity: e.value }, e.kind + " " + e.value)))],
        ["Substances", joinNodes((v.substances || []).map((s) => searchLink({ substance: s }, s)))],
        ["Rating / sales", (v.rating || "–") + " / " + (v.sales || "–")], ["Level", v.level],
        ["First seen", when(v.first_seen)], ["Last seen", when(v.last_seen)],
        ["Profile URL (not a link)", el("code", {}, v.url || "–")],
      ]),
      el("h2", {}, "Same operator on other markets"),
      table(["Vendor", "Market", "Evidence"], others.map((a) => [vendorLink(a.vendor.id), a.vendor.market, evidenceText(a.evidence.filter((k) => k.a === v.id || k.b === v.id).concat(a.evidence.filter((k) => k.a !== v.id && k.b !== v.id)))]), "data linked"),
      ...profileSections(res),
    );
  }

  async function pageActor(root) {
    const id = new URLSearchParams(location.search).get("id") || "";
    const res = await api("/api/v1/actors/" + pathEnc(id));
    document.getElementById("title").textContent = "Actor " + res.id;
    root.replaceChildren(
      kv([["Accounts", String(res.vendors.length) + (res.truncated ? " (truncated)" : "")], ["Markets", el("span", { id: "actor-markets" }, joinNodes(res.markets.map((m) => searchLink({ market: m }, m))))]]),
      el("h2", {}, "Accounts"),
      table(["Vendor", "Market", "PGP", "First seen", "Last seen", "Evidence"], res.vendors.map((a) => [vendorLink(a.vendor.id), a.vendor.market, (a.vendor.pgp || []).join(", ") || "–", day(a.vendor.first_seen), day(a.vendor.last_seen), evidenceText(a.evidence)]), "data accounts"),
      el("h2", {}, "Links"),
      table(["Account", "Account", "Shared", "Value"], res.links.map((k) => [vendorLink(k.a), vendorLink(k.b), k.kind, k.value])),
      ...profileSections(res),
    );
  }

  function alertSubject(a) {
    switch (a.kind) {
      case "new_vendor": return vendorLink(a.subject);
      case "vendor_on_new_market": return actorLink(a.subject);
      case "new_substance": return searchLink({ substance: a.subject, market: a.market || "" }, a.subject);
      default: return a.subject && a.subject.indexOf("/") > 0 ? listingLink(a.subject) : (a.subject || "–");
    }
  }

  async function pageAlerts(root) {
    const params = new URLSearchParams(location.search);
    const showAcked = params.get("acked") !== "false";
    const q = new URLSearchParams({ limit: "500" });
    if (!showAcked) q.set("acked", "false");
    const res = await api("/api/v1/alerts?" + q.toString());
    const toggle = el("p", {}, showAcked ? link("/alerts", { acked: "false" }, "Hide acknowledged") : el("a", { href: "/alerts" }, "Show all"), " · " + res.total + " alerts");
    const rows = res.alerts.map((a) => {
      const cell = a.acked ? el("span", { class: "muted" }, "acked " + when(a.acked)) : el("button", { type: "button", class: "ack", "data-id": a.id }, "Acknowledge");
      if (!a.acked) cell.addEventListener("click", async () => {
        cell.disabled = true;
        try {
          const r = await api("/api/v1/alerts/" + encodeURIComponent(a.id) + "/ack", { method: "POST", headers: { "X-CSRF-Token": csrf, "Accept": "application/json" } });
          cell.replaceWith(el("span", { class: "muted" }, "acked " + when(r.acked)));
        } catch (e) { cell.disabled = false; showError(e.message); }
      });
      const ev = [];
      if (a.linked && a.linked.length) ev.push("linked: " + a.linked.join(", "));
      if (a.entities && a.entities.length) ev.push("shared: " + a.entities.join(", "));
      if (a.capture && a.capture.sha256) ev.push("sha256 " + a.capture.sha256);
      if (a.change_pct) ev.push(a.change_pct.toFixed(1) + "%");
      return [when(a.raised), el("span", { class: "sev sev-" + a.severity }, a.severity), a.kind, a.market || "–", alertSubject(a), a.summary || "", ev.join(" · ") || "–", cell];
    });
    root.replaceChildren(toggle, table(["Raised", "Severity", "Kind", "Market", "Subject", "Summary", "Evidence", ""], rows, "data alerts"));
  }

  function historyStrip(h) {
    const n = Math.min(h.length, 40);
    const g = svg("svg", { width: n * 7 + 2, height: 12, class: "history" });
    h.slice(-n).forEach((e, i) => {
      const r = svg("rect", { x: 1 + i * 7, y: 1, width: 5, height: 10, fill: e.up ? "#2ca02c" : "#d62728" });
      const t = svg("title", {});
      t.textContent = when(e.at) + (e.up ? " up" : " down " + (e.kind || ""));
      r.appendChild(t);
      g.appendChild(r);
    });
    return g;
  }

  async function pageMarkets(root) {
    const res = await api("/api/v1/markets");
    const note = el("p", { class: res.frontier === "ok" ? "muted" : "warn", id: "frontier" }, "Crawl status: " + res.frontier + (res.checked_at ? " (checked " + when(res.checked_at) + ")" : ""));
    const rows = res.markets.map((m) => [
      searchLink({ market: m.name }, m.name), el("span", { class: "status status-" + m.status }, m.status + (m.paused ? " (" + m.paused + ")" : "")),
      String(m.listings), when(m.last_seen), String(m.queued), String(m.in_flight), String(m.dead),
      joinNodes(m.hosts.map((h) => el("span", { class: "host" }, (h.up ? "▲ " : "▼ ") + h.host.slice(0, 16) + "… ", historyStrip(h.history || []))), " "),
    ]);
    root.replaceChildren(note, table(["Market", "Status", "Listings", "Last seen", "Queued", "In flight", "Dead", "Hosts (up/down history)"], rows, "data markets"));
  }

  // pageUntagged shows what the tagger left unknown: drug offers with no substance named,
  // and offers whose category names another class than their substances, with the counts
  // per market and the newest listings of each kind.
  const UNTAGGED = [
    ["no_substance", "Drug offers with no substance named", "Title and description name no substance; the class, if any, comes from the category path or the dose form."],
    ["class_conflict", "Category and substance disagree", "The market's category names a class none of the listing's substances has."],
  ];
  async function pageUntagged(root) {
    const market = new URLSearchParams(location.search).get("market") || "";
    const sections = [];
    for (const [kind, title, note] of UNTAGGED) {
      const q = new URLSearchParams({ untagged: kind, agg: "market", size: "50", sort: "-last_seen" });
      if (market) q.set("market", market);
      const res = await api("/api/v1/search?" + q.toString());
      const counts = ((res.aggs && res.aggs.market) || []).map((b) => [
        link("/untagged", { market: b.key }, b.key), searchLink({ untagged: kind, market: b.key }, String(b.count)),
      ]);
      sections.push(el("section", { class: "untagged", id: "untagged-" + kind, "data-total": res.total },
        el("h2", {}, title + " (" + res.total + ")"), el("p", { class: "muted" }, note),
        table(["Market", "Listings"], counts, "data small counts"),
        el("p", {}, searchLink(market ? { untagged: kind, market: market } : { untagged: kind }, "All " + res.total + " in search")),
        listingsTable(res.listings)));
    }
    root.replaceChildren(...sections);
  }

  async function pageAudit(root) {
    const res = await api("/api/v1/audit?limit=500");
    root.replaceChildren(table(["Time", "Event", "User", "Role", "Auth", "From", "Request", "Query"], res.entries.map((e) => [
      when(e.time), e.event, e.user || "–", e.role || "–", e.auth || "–", e.remote, e.method + " " + e.path, decodeQuery(e.query)]), "data audit"));
  }

  function decodeQuery(q) {
    if (!q) return "–";
    try { return Array.from(new URLSearchParams(q)).map(([k, v]) => k + "=" + v).join(" "); } catch (e) { return q; }
  }

  const PAGES = { search: pageSearch, listing: pageListing, vendor: pageVendor, actor: pageActor, alerts: pageAlerts, markets: pageMarkets, untagged: pageUntagged, audit: pageAudit };

  async function main() {
    const page = document.body.dataset.page;
    const root = document.getElementById("content");
    try {
      const me = await api("/api/v1/me");
      csrf = me.csrf_token || "";
      const f = document.getElementById("csrf");
      if (f) f.value = csrf;
      if (PAGES[page]) await PAGES[page](root);
    } catch (e) {
      root.replaceChildren();
      showError(e.message);
    }
    document.body.dataset.ready = "1";
  }
  document.addEventListener("DOMContentLoaded", main);
})();
