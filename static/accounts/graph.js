// Draws the graph endpoint's JSON with the vendored cytoscape. Aggregated graphs (clusters and
// hubs as nodes) use a concentric layout, which places hundreds of nodes at once; detailed
// ones a force layout with a bounded number of iterations.
(function () {
  "use strict";
  const STATUS = { active: "#2f6fd6", suspended: "#e8890c", banned: "#c0262d" };
  const ROLE = { primary_suspect: "#111", payer: "#7b3fb3", proxy_reseller: "#1f8a4c" };

  function style() {
    return [
      { selector: "node", style: { label: "data(label)", "font-size": 9, color: "#1c2330",
        "text-valign": "bottom", "text-margin-y": 3, "background-color": "#8a94a6" } },
      { selector: "node[kind='account'], node[kind='cluster']", style: {
        "background-color": (n) => STATUS[n.data("status")] || "#8a94a6",
        "border-width": (n) => (ROLE[n.data("role")] ? 3 : 0),
        "border-color": (n) => ROLE[n.data("role")] || "#000" } },
      { selector: "node[kind='account']", style: { width: 14, height: 14, "font-size": 7 } },
      { selector: "node[kind='cluster']", style: {
        width: (n) => 16 + 6 * Math.sqrt(n.data("here")), height: (n) => 16 + 6 * Math.sqrt(n.data("here")) } },
      { selector: "node[kind='hub']", style: { shape: "diamond", width: 34, height: 34,
        "background-color": "#5d6778", "font-weight": "bold", "text-wrap": "wrap",
        "text-max-width": 150 } },
      { selector: "node[kind='value']", style: { shape: "round-rectangle", width: 9, height: 9,
        "background-color": "#c9ced8", "font-size": 6 } },
      { selector: "edge", style: { width: 1, "line-color": "#b9c0cc", "curve-style": "haystack" } },
      { selector: "edge[strength='strong']", style: { width: 2, "line-color": "#6b7690" } },
      { selector: "edge[strength='weak']", style: { "line-style": "dotted" } },
      { selector: "edge[weight]", style: { width: (e) => Math.min(8, 1 + Math.log2(e.data("weight"))) } },
    ];
  }

  function draw(container, graph) {
    const aggregated = graph.mode === "aggregated";
    const cy = cytoscape({
      container: container,
      elements: { nodes: graph.nodes, edges: graph.edges },
      style: style(),
      textureOnViewport: true,
      hideEdgesOnViewport: aggregated,
      layout: aggregated || graph.nodes.length > 300
        ? { name: "concentric", concentric: (n) => (n.data("kind") === "hub" ? 1e9 : n.data("here") || 1),
            levelWidth: () => 1, minNodeSpacing: 6, animate: false }
        : { name: "cose", animate: false, numIter: 400, randomize: true },
    });
    cy.on("tap", "node", (event) => {
      const href = event.target.data("href");
      if (href) window.location.href = href;
    });
    container.dataset.ready = "1";
    container.dataset.nodes = String(graph.nodes.length);
    return cy;
  }

  const STATUS_TEXT = { active: "active", suspended: "suspended", banned: "banned" };
  const ROLE_TEXT = { primary_suspect: "primary suspect", linked: "linked", payer: "payer",
    proxy_reseller: "proxy/reseller" };

  function cell(row, text, href) {
    const td = document.createElement("td");
    if (href) {
      const a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      td.append(a);
    } else {
      td.textContent = text;
    }
    row.append(td);
  }

  function table(caption, headings, rows) {
    const t = document.createElement("table");
    const cap = document.createElement("caption");
    cap.textContent = caption;
    const head = document.createElement("tr");
    headings.forEach((h) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = h;
      head.append(th);
    });
    const thead = document.createElement("thead");
    thead.append(head);
    const tbody = document.createElement("tbody");
    rows.forEach((r) => tbody.append(r));
    t.append(cap, thead, tbody);
    const wrap = document.createElement("div");
    wrap.className = "table-wrap";
    wrap.append(t);
    return wrap;
  }

  // The same nodes and links as the drawing, as tables: the keyboard and screen-reader path
  // to the graph, and a way to read it when the drawing is too dense.
  function asTables(target, graph) {
    const byId = new Map(graph.nodes.map((n) => [n.data.id, n.data]));
    const neighbours = new Map();
    graph.edges.forEach(({ data }) => {
      [[data.source, data.target], [data.target, data.source]].forEach(([a, b]) => {
        if (!neighbours.has(a)) neighbours.set(a, []);
        if (byId.has(b)) neighbours.get(a).push(byId.get(b));
      });
    });
    const holders = [], values = [];
    graph.nodes.forEach(({ data }) => {
      const row = document.createElement("tr");
      const near = neighbours.get(data.id) || [];
      if (data.kind === "account" || data.kind === "cluster") {
        cell(row, data.label, data.href);
        cell(row, STATUS_TEXT[data.status] || "");
        cell(row, ROLE_TEXT[data.role] || "");
        cell(row, near.map((v) => v.label.split("\n")[0]).join("; ") || "—");
        holders.push(row);
      } else {
        cell(row, data.label.split("\n")[0]);
        cell(row, data.kind === "hub" ? `hub: ${data.total.toLocaleString()} accounts in all` : `${data.strength} link`);
        cell(row, (data.kind === "hub" ? data.here : near.length).toLocaleString());
        values.push(row);
      }
    });
    const aggregated = graph.mode === "aggregated";
    target.replaceChildren(
      table(aggregated ? "Clusters" : "Accounts",
        [aggregated ? "Cluster · accounts here" : "Account", "Status", aggregated ? "Suspect inside" : "Role", "Shares"],
        holders),
      table("Shared values and hubs", ["Value", "Kind", "Accounts here"], values),
    );
  }

  function load() {
    const container = document.getElementById("graph");
    if (!container) return;
    fetch(container.dataset.url, { credentials: "same-origin" })
      .then((r) => r.json())
      .then((graph) => {
        const summary = document.getElementById("graph-summary");
        if (summary) {
          summary.textContent = graph.mode === "aggregated"
            ? `${graph.accounts.toLocaleString()} accounts, aggregated: ${graph.nodes.length} nodes (clusters and hubs). Click a cluster to open it.`
            : `${graph.accounts.toLocaleString()} accounts and the values they share.`;
        }
        const tables = document.getElementById("graph-table");
        if (tables) asTables(tables, graph);
        draw(container, graph);
      });
  }

  function volume() {
    const canvas = document.getElementById("volume");
    if (!canvas || !window.Chart) return;
    new Chart(canvas, {
      type: "bar",
      data: { labels: JSON.parse(document.getElementById("volume-labels").textContent),
        datasets: [{ label: "signals", data: JSON.parse(document.getElementById("volume-counts").textContent),
          backgroundColor: "#1f5fbf" }] },
      options: { plugins: { legend: { display: false } }, animation: false },
    });
  }

  document.addEventListener("DOMContentLoaded", () => { load(); volume(); });
})();
