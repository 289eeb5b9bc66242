/* Quarry's small enhancements. Every page works without this file: charts have a table next to
   them, the evidence form posts normally. */
(function () {
  "use strict";

  // One colour per signal kind, on every chart (the server sends each dataset's kind).
  var KIND_COLOURS = {
    volume_anomaly: "#1f5fbf", cot_elicitation: "#d9480f", capability_harvesting: "#2b8a3e",
    coordinated_accounts: "#a4161a", shared_payment: "#b08900", shared_infrastructure: "#0b7285",
    signup_burst: "#c2255c", release_pivot: "#5c940d", partner_indicator: "#7048e8",
    other: "#495057"
  };

  function drawCharts(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      var chart = JSON.parse(source.textContent);
      canvas.dataset.drawn = "1";
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: chart.labels,
          datasets: chart.datasets.map(function (d) {
            return { label: d.label, data: d.data, backgroundColor: KIND_COLOURS[d.kind] || "#495057" };
          })
        },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } }
        }
      });
    });
  }

  function humanSize(n) {
    var units = ["B", "KB", "MB", "GB"], i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toFixed(i ? 1 : 0) + " " + units[i];
  }

  function uploadOne(form, file, list) {
    var item = document.createElement("li");
    var name = document.createElement("div");
    name.textContent = file.name + " (" + humanSize(file.size) + ")";
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", "Upload of " + file.name);
    var result = document.createElement("div");
    result.className = "hash";
    item.append(name, bar, result);
    list.append(item);
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("file", file);
      data.append("description", form.querySelector("[name=description]").value);
      ["source", "collected_at", "collected_by"].forEach(function (field) {
        var input = form.querySelector("[name=" + field + "]");
        if (input) data.append(field, input.value);
      });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
      };
      xhr.onload = function () {
        bar.value = 100;
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
        if (xhr.status >= 400 || !body.files) {
          item.classList.add("bad");
          result.textContent = body.error || ("Upload failed (" + xhr.status + ")");
        } else {
          var f = body.files[0];
          item.classList.add("ok");
          result.textContent = (f.created ? "Stored" : "Already evidence") +
            " · SHA-256 " + f.sha256 + " · SHA-512 " + f.sha512;
        }
        resolve();
      };
      xhr.onerror = function () {
        item.classList.add("bad");
        result.textContent = "Upload failed: network error";
        resolve();
      };
      xhr.send(data);
    });
  }

  function bindUploader(root) {
    root.querySelectorAll("form[data-uploader]").forEach(function (form) {
      if (form.dataset.bound) return;
      form.dataset.bound = "1";
      var input = form.querySelector("input[type=file]");
      var zone = form.querySelector("[data-dropzone]");
      var list = form.querySelector("[data-uploads]");
      function send(files) {
        var queue = Array.prototype.slice.call(files);
        if (!queue.length) return;
        Promise.all(queue.map(function (f) { return uploadOne(form, f, list); })).then(function () {
          input.value = "";
          var tab = document.querySelector('.tabs a[data-tab="evidence"]');
          // Refresh the list (and the count) so the new items show with their links.
          if (window.htmx && tab) {
            afterNextPanelSwap = function () {
              var again = document.querySelector("[data-uploads]");
              if (again) again.replaceWith(list);
              // The form that had focus is gone: continue at the results just reported.
              focusable(list);
              var stored = list.querySelectorAll("li.ok").length, failed = list.querySelectorAll("li.bad").length;
              announce(stored + " file" + (stored === 1 ? "" : "s") + " uploaded" +
                (failed ? ", " + failed + " failed" : ""), failed > 0);
            };
            htmx.ajax("GET", "?tab=evidence", { target: "#panel", swap: "outerHTML" });
          }
        });
      }
      form.addEventListener("submit", function (e) {
        if (!input.files.length) return;
        e.preventDefault();
        send(input.files);
      });
      ["dragenter", "dragover"].forEach(function (t) {
        zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (t) {
        zone.addEventListener(t, function () { zone.classList.remove("over"); });
      });
      zone.addEventListener("drop", function (e) {
        e.preventDefault();
        send(e.dataTransfer.files);
      });
    });
  }

  function enhance(root) {
    drawCharts(root);
    bindUploader(root);
  }

  // Screen readers read a live region when its text changes, not when it arrives with text:
  // base.html renders both regions empty and everything spoken goes through here.
  var pending = {};
  function announce(text, urgent) {
    var region = document.getElementById(urgent ? "announce-alert" : "announce");
    if (!region || !text) return;
    region.textContent = "";
    // Emptied first and refilled a moment later, so the same words twice are read twice;
    // the latest announcement replaces one still waiting.
    clearTimeout(pending[region.id]);
    pending[region.id] = setTimeout(function () { region.textContent = text; }, 80);
  }

  function announceMessages() {
    var polite = [], urgent = [];
    document.querySelectorAll("#messages li").forEach(function (li) {
      (li.classList.contains("msg-error") ? urgent : polite).push(li.textContent.trim());
    });
    announce(polite.join(" "), false);
    announce(urgent.join(" "), true);
  }

  function focusable(el) {
    if (!el.matches("a[href], button, input, select, textarea, [tabindex]")) {
      el.setAttribute("tabindex", "-1");
    }
    el.focus();
  }

  // A redirect to "…#case-exports" means "your work continues there": focus it, not just scroll.
  function focusAddressTarget() {
    if (!window.location.hash || window.location.hash === "#main") return;
    var el = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    if (el) focusable(el);
  }

  var focusedBeforeSwap = "";
  // What the next swap of #panel does instead of the default focus and announcement (the
  // uploader's refresh continues at its own results).
  var afterNextPanelSwap = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var active = document.activeElement;
    focusedBeforeSwap = active && active !== document.body ? (active.id || "?") : "";
  });

  document.addEventListener("htmx:afterSettle", function (e) {
    // Fired on every element a response put in place (out-of-band counters too), each time with
    // the request's target: act once, on the element that replaced the target.
    var id = (e.detail.target && e.detail.target.id) || "";
    var swapped = e.target;
    if (!id || swapped.id !== id || !document.body.contains(swapped)) return;
    if (id === "panel" && afterNextPanelSwap) {
      var instead = afterNextPanelSwap;
      afterNextPanelSwap = null;
      focusedBeforeSwap = "";
      instead();
      return;
    }
    // The swap replaced the element that had focus: put focus back on its successor, or on
    // the heading of what was swapped in, never leave it on <body>.
    var active = document.activeElement;
    if (focusedBeforeSwap && (!active || active === document.body)) {
      var successor = focusedBeforeSwap !== "?" && document.getElementById(focusedBeforeSwap);
      focusable(successor || swapped.querySelector("h1, h2, h3, [data-count]") || swapped);
    }
    focusedBeforeSwap = "";
    if (id === "results") {
      var count = swapped.querySelector("[data-count]");
      if (count) announce(count.textContent.trim() + " found", false);
    } else if (id === "panel") {
      announce((swapped.getAttribute("aria-label") || "Section") + " shown", false);
    } else if (id.indexOf("export-") === 0 && !swapped.hasAttribute("hx-trigger")) {
      // The row stopped polling: the export finished, one way or the other.
      var status = swapped.querySelector("[data-export-status]");
      announce("Export " + id.slice(7) + " " + (status ? status.textContent.trim() : "finished"),
        !!swapped.querySelector(".bad"));
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    if (window.htmx) htmx.onLoad(function (el) { enhance(el.parentNode || el); });
    focusAddressTarget();
    // After the page's own announcement (its title) has had time to be read.
    setTimeout(announceMessages, 400);
  });
  // "Select all" boxes tick every row box of their table (no inline handlers: see the CSP).
  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!box.matches || !box.matches("input[data-select-all]")) return;
    box.closest("table").querySelectorAll("tbody input[type=checkbox]").forEach(function (b) {
      b.checked = box.checked;
    });
  });
  document.addEventListener("htmx:afterSwap", function () {
    // Keep the tab bar's current marker in step with the swapped panel.
    var panel = document.getElementById("panel");
    if (!panel) return;
    var tab = new URLSearchParams(window.location.search).get("tab") || "overview";
    document.querySelectorAll(".tabs a[data-tab]").forEach(function (a) {
      if (a.dataset.tab === tab) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
  });
})();
