// Draws the graph endpoint's JSON with the vendored cytoscape. Aggregated graphs (clusters and
// hubs as nodes) lay the clusters out in a grid, biggest first, which places hundreds of nodes
// at once and reads like a table; their links to the hubs are faint until a hub or cluster is
// hovered (every cluster of a campaign uses its proxy hubs: drawn in full, those lines would
// cover the grid). Detailed graphs use a force layout with a bounded number of iterations.
// Hubs stand aside in a column, named H1, H2… with a legend; labels show once zoomed in enough
// to read them, or on hover.
(function () {
  "use strict";
  const STATUS = { active: "#2f6fd6", suspended: "#e8890c", banned: "#c0262d" };
  const ROLE = { primary_suspect: "#111", payer: "#7b3fb3", proxy_reseller: "#1f8a4c" };

  function style() {
    return [
      { selector: "node", style: { label: "data(label)", "font-size": 9, color: "#1c2330",
        "text-valign": "bottom", "text-margin-y": 3, "background-color": "#8a94a6",
        "min-zoomed-font-size": 8 } },
      { selector: "node[kind='account'], node[kind='cluster']", style: {
        "background-color": (n) => STATUS[n.data("status")] || "#8a94a6",
        "border-width": (n) => (ROLE[n.data("role")] ? 3 : 0),
        "border-color": (n) => ROLE[n.data("role")] || "#000" } },
      { selector: "node[kind='account']", style: { width: 14, height: 14, "font-size": 7 } },
      { selector: "node[kind='cluster']", style: {
        width: (n) => 16 + 6 * Math.sqrt(n.data("here")), height: (n) => 16 + 6 * Math.sqrt(n.data("here")) } },
      { selector: "node[kind='hub']", style: { shape: "diamond", width: 30, height: 30,
        "background-color": "#5d6778", "font-weight": "bold", label: "data(short)",
        "font-size": 11, "text-valign": "center", "text-halign": "right", "text-margin-x": 6,
        "min-zoomed-font-size": 0 } },
      { selector: "node[kind='value']", style: { shape: "round-rectangle", width: 9, height: 9,
        "background-color": "#c9ced8", "font-size": 6 } },
      { selector: "edge", style: { width: 1, "line-color": "#b9c0cc", "curve-style": "haystack" } },
      { selector: "edge[strength='strong']", style: { width: 2, "line-color": "#6b7690" } },
      { selector: "edge[strength='weak']", style: { "line-style": "dotted" } },
      { selector: "edge[weight]", style: { width: (e) => Math.min(8, 1 + Math.log2(e.data("weight"))) } },
      { selector: "edge[target ^= 'hub:']", style: { opacity: 0.25 } },
      { selector: "edge[weight][target ^= 'hub:']", style: { opacity: 0.06 } },
      { selector: "edge.lit", style: { opacity: 0.7, "line-color": "#2f6fd6", "z-index": 5 } },
      { selector: "node.hover", style: { "min-zoomed-font-size": 0, "z-index": 10,
        "text-background-color": "#fff", "text-background-opacity": 0.9,
        "text-background-padding": 2 } },
    ];
  }

  // Hubs, biggest first, in a column right of everything else: they stay readable and do not
  // pull the layout into one knot.
  function placeHubsAside(cy, hubs) {
    if (!hubs.length) return;
    const rest = cy.nodes().not(hubs);
    const box = rest.length ? rest.boundingBox() : { x2: 0, y1: 0, w: 0, h: 0 };
    const gap = Math.max(80, box.w * 0.2);
    const step = Math.max(45, box.h / hubs.length);
    hubs.forEach((hub, i) => hub.position({ x: box.x2 + gap, y: box.y1 + step * (i + 0.5) }));
  }

  function hubLegend(hubs) {
    const list = document.getElementById("graph-hubs");
    if (!list) return;
    list.replaceChildren(...hubs.map((hub) => {
      const item = document.createElement("li");
      const [what, counts] = hub.data("label").replace(/^hub · /, "").split("\n");
      const name = document.createElement("strong");
      name.textContent = hub.data("short");
      item.append(name, ` ${what} · ${counts}`);
      return item;
    }));
    list.hidden = !hubs.length;
  }

  function draw(container, graph) {
    const aggregated = graph.mode === "aggregated";
    const cy = cytoscape({
      container: container,
      elements: { nodes: graph.nodes, edges: graph.edges },
      style: style(),
      textureOnViewport: true,
      hideEdgesOnViewport: aggregated,
      minZoom: 0.05,
      maxZoom: 6,
    });
    const hubs = cy.nodes("[kind = 'hub']").sort((a, b) => b.data("total") - a.data("total"));
    hubs.forEach((hub, i) => hub.data("short", `H${i + 1}`));
    const rest = cy.elements().not(hubs).not(hubs.connectedEdges());
    rest.layout(aggregated
      ? { name: "grid", animate: false, avoidOverlap: true, avoidOverlapPadding: 14,
          sort: (a, b) => (b.data("here") || 0) - (a.data("here") || 0) }
      : { name: "cose", animate: false, numIter: 600, randomize: true, nodeRepulsion: () => 9000,
          idealEdgeLength: () => 36, nodeOverlap: 12, componentSpacing: 80, gravity: 0.6 }).run();
    placeHubsAside(cy, hubs);
    cy.fit(undefined, 20);
    // Hubs keep a readable size on screen whatever the zoom the fit chose.
    const z = cy.zoom();
    hubs.style({ width: 26 / z, height: 26 / z, "font-size": 12 / z, "text-margin-x": 6 / z });
    placeHubsAside(cy, hubs);
    hubLegend(hubs.toArray());
    cy.on("tap", "node", (event) => {
      const href = event.target.data("href");
      if (href) window.location.href = href;
    });
    cy.on("mouseover", "node", (event) => {
      event.target.addClass("hover");
      event.target.connectedEdges().addClass("lit");
    });
    cy.on("mouseout", "node", (event) => {
      event.target.removeClass("hover");
      event.target.connectedEdges().removeClass("lit");
    });
    container.quarryGraph = cy;
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
