// The NoLeaks report page: merges every test JVM's run (each fork's file), draws the suite's
// meters test by test and each repeated test's runs with uPlot, and lists the tests and findings.
// When done it writes what it drew into #noleaks-status, which a headless browser can read.
(function () {
  "use strict";
  var errors = [];
  window.addEventListener("error", function (e) { errors.push(String(e.message)); });
  var consoleError = console.error;
  console.error = function () {
    errors.push(Array.prototype.join.call(arguments, " "));
    consoleError.apply(console, arguments);
  };

  var runs = JSON.parse(document.getElementById("noleaks-runs").textContent);
  var tests = [];
  runs.forEach(function (run, r) {
    run.tests.forEach(function (t) {
      t.run = r;
      tests.push(t);
    });
  });
  var COLOURS = ["#3366cc", "#dc7633", "#2e9b5b", "#9b59b6", "#c0392b", "#16a085", "#7f8c8d"];
  var charts = [];

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function bytes(n) {
    if (n === null || n === undefined) { return ""; }
    var a = Math.abs(n), units = ["B", "KB", "MB", "GB"], i = 0;
    while (a >= 1000 && i < units.length - 1) { a /= 1000; i++; }
    return (n < 0 ? "-" : "") + (i === 0 ? a : a.toFixed(1)) + " " + units[i];
  }

  function growth(t, meter) {
    var b = t.before[meter], a = t.after[meter];
    if (meter === "heap" && !(t.before.heapAfterGc && t.after.heapAfterGc)) {
      return null; // a reading with garbage in it: no growth to show (see heapBound)
    }
    return b === undefined || a === undefined ? null : a - b;
  }

  // A clean test's end read without a GC: the most its heap can have grown.
  function heapShown(t) {
    var g = growth(t, "heap");
    if (g !== null) { return bytes(g); }
    return t.after.heapBound === undefined ? "" : "\u2264 " + bytes(t.after.heapBound);
  }

  function kinds(t) {
    return t.findings.map(function (f) { return f.meter; }).join(", ");
  }

  function chart(target, title, labels, xs, ys, unit, dashed) {
    var box = el("div", { "class": "chart" });
    target.appendChild(box);
    var series = [{ label: "test" }];
    labels.forEach(function (label, i) {
      series.push({
        label: label,
        stroke: COLOURS[i % COLOURS.length],
        width: 2,
        spanGaps: true,
        dash: dashed && dashed[i] ? [6, 4] : undefined,
        points: { show: xs.length <= 60 }
      });
    });
    var value = unit === "bytes" ? function (u, v) { return bytes(v); } : null;
    var opts = {
      title: title,
      width: 440,
      height: 220,
      scales: { x: { time: false } },
      series: series,
      axes: [
        { label: dashed ? "measured run" : "test, in run order" },
        { size: 70, values: unit === "bytes" ? function (u, vals) { return vals.map(bytes); } : null }
      ],
      legend: { show: true }
    };
    if (value) {
      series.slice(1).forEach(function (s) { s.value = value; });
    }
    charts.push(new uPlot(opts, [xs].concat(ys), box));
  }

  function overview() {
    var counts = {};
    tests.forEach(function (t) { counts[t.verdict] = (counts[t.verdict] || 0) + 1; });
    var own = runs.reduce(function (s, r) { return s + r.ownTimeMillis; }, 0);
    var parts = Object.keys(counts).sort().map(function (k) { return counts[k] + " " + k; });
    document.getElementById("overview").textContent =
      tests.length + " tests checked in " + runs.length + " test JVM" + (runs.length === 1 ? "" : "s") +
      ": " + parts.join(", ") + ". NoLeaks' own time " + (own / 1000).toFixed(1) + " s.";
  }

  function suite() {
    var target = document.getElementById("suite");
    var longest = runs.reduce(function (m, r) { return Math.max(m, r.tests.length); }, 0);
    var xs = [];
    for (var i = 1; i <= longest; i++) { xs.push(i); }
    var labels = runs.map(function (r) {
      return r.build + " (pid " + r.pid + (r.run > 1 ? ", run " + r.run : "") + ")";
    });
    [["heap", "Heap after GC", "bytes"], ["native", "Native memory in use", "bytes"],
     ["descriptors", "File descriptors", "count"], ["threads", "Threads", "count"]]
      .forEach(function (m) {
        var ys = runs.map(function (r) {
          return xs.map(function (x) {
            var t = r.tests[x - 1];
            if (!t) { return null; }
            if (m[0] === "heap" && !t.before.heapAfterGc) { return null; }
            var v = t.before[m[0]];
            return v === undefined ? null : v;
          });
        });
        var any = ys.some(function (y) { return y.some(function (v) { return v !== null; }); });
        if (any) { chart(target, m[1], labels, xs, ys, m[2]); }
      });
  }

  var columns = [
    { title: "#", value: function (t, i) { return i + 1; }, num: true },
    { title: "Test", value: function (t) { return t.test; } },
    { title: "Verdict", value: function (t) { return t.verdict; }, badge: true },
    { title: "JUnit", value: function (t) { return t.outcome; } },
    { title: "Finding kinds", value: kinds },
    { title: "Heap growth", value: function (t) { return growth(t, "heap"); }, num: true, shown: heapShown },
    { title: "Native growth", value: function (t) { return growth(t, "native"); }, num: true, bytes: true },
    { title: "Descriptors +", value: function (t) { return growth(t, "descriptors"); }, num: true },
    { title: "Threads +", value: function (t) { return growth(t, "threads"); }, num: true },
    { title: "Own ms", value: function (t) { return Math.round(t.ownTimeMillis); }, num: true }
  ];
  var order = tests.map(function (t, i) { return i; });
  var sortedBy = -1, descending = false;

  function table() {
    var head = document.querySelector("#tests thead");
    var row = el("tr");
    columns.forEach(function (c, i) {
      var th = el("th", {}, c.title);
      if (i === sortedBy) { th.className = descending ? "sorted-desc" : "sorted-asc"; }
      th.addEventListener("click", function () { sort(i); });
      row.appendChild(th);
    });
    head.textContent = "";
    head.appendChild(row);
    var body = document.querySelector("#tests tbody");
    body.textContent = "";
    order.forEach(function (index) {
      var t = tests[index];
      var tr = el("tr", { "class": "test", "data-index": String(index) });
      columns.forEach(function (c) {
        var v = c.value(t, index);
        var td = el("td", c.num ? { "class": "num" } : {});
        if (c.badge) {
          td.appendChild(el("span", { "class": "verdict " + v }, v));
        } else {
          td.textContent = c.shown ? c.shown(t) : v === null ? "" : c.bytes ? bytes(v) : String(v);
        }
        tr.appendChild(td);
      });
      tr.addEventListener("click", function () { toggle(tr, t); });
      body.appendChild(tr);
    });
  }

  function sort(i) {
    descending = sortedBy === i ? !descending : columns[i].num === true;
    sortedBy = i;
    var c = columns[i];
    order.sort(function (a, b) {
      var x = c.value(tests[a], a), y = c.value(tests[b], b);
      if (x === null || x === "") { return 1; }
      if (y === null || y === "") { return -1; }
      var d = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
      return descending ? -d : d;
    });
    table();
  }

  function details(t) {
    var box = el("div");
    box.appendChild(el("div", { "class": "muted" }, t.className + " \u2014 " + t.uniqueId));
    t.findings.forEach(function (f) { box.appendChild(el("pre", { "class": t.verdict }, f.message)); });
    t.retainedOnce.forEach(function (f) { box.appendChild(el("pre", {}, "retained once: " + f.message)); });
    t.unavailable.forEach(function (u) { box.appendChild(el("pre", {}, u.reason)); });
    t.notes.forEach(function (n) { box.appendChild(el("pre", {}, n)); });
    var readings = Object.keys(t.after).filter(function (k) { return k !== "heapAfterGc"; })
      .map(function (k) { return k + " " + (t.before[k] === undefined ? "?" : t.before[k]) + " \u2192 " + t.after[k]; });
    box.appendChild(el("div", { "class": "muted" }, "before \u2192 after: " + readings.join(", ")));
    return box;
  }

  function toggle(tr, t) {
    var next = tr.nextSibling;
    if (next && next.className === "details") {
      next.parentNode.removeChild(next);
      return;
    }
    var row = el("tr", { "class": "details" });
    var td = el("td", { colspan: String(columns.length) });
    td.appendChild(details(t));
    row.appendChild(td);
    tr.parentNode.insertBefore(row, tr.nextSibling);
  }

  function repeated() {
    var target = document.getElementById("repeated");
    var shown = tests.filter(function (t) { return t.series.length > 0; });
    if (shown.length === 0) {
      document.getElementById("repeated-section").hidden = true;
      return;
    }
    shown.forEach(function (t) {
      target.appendChild(el("div", { "class": "test-name" }, t.test + " \u2014 " + t.verdict));
      var row = el("div", { "class": "charts" });
      target.appendChild(row);
      t.series.forEach(function (s) {
        // Growth since the reading after the warm-up: MBs of heap with a few bytes per run
        // would otherwise read the same on every tick.
        var xs = s.readings.map(function (v, i) { return i; });
        var grown = s.readings.map(function (v) { return v - s.readings[0]; });
        var limit = xs.map(function (x) { return s.threshold * x; });
        chart(row, s.meter + " grown since the warm-up (threshold " + s.threshold + " B/run)",
          [s.meter, "threshold"], xs, [grown, limit], "bytes", [false, true]);
      });
    });
  }

  function findings() {
    var target = document.getElementById("findings");
    var any = false;
    tests.forEach(function (t) {
      t.findings.forEach(function (f) {
        any = true;
        target.appendChild(el("div", { "class": "test-name" }, t.test + " \u2014 " + t.verdict + ", " + f.kind));
        target.appendChild(el("pre", { "class": t.verdict }, f.message));
      });
    });
    if (!any) { target.appendChild(el("p", { "class": "muted" }, "No test leaked.")); }
  }

  // Whether a chart's canvas has anything on it: a blank one is all transparent.
  function drawn(u) {
    var c = u.ctx.canvas;
    var data = u.ctx.getImageData(0, 0, c.width, c.height).data;
    for (var i = 3; i < data.length; i += 4) {
      if (data[i] !== 0) { return true; }
    }
    return false;
  }

  function status() {
    var s = document.getElementById("noleaks-status");
    var blank = charts.filter(function (u) { return !drawn(u); }).length;
    s.setAttribute("data-tests", String(tests.length));
    s.setAttribute("data-runs", String(runs.length));
    s.setAttribute("data-charts", String(charts.length));
    s.setAttribute("data-blank", String(blank));
    s.setAttribute("data-rows", String(document.querySelectorAll("#tests tbody tr").length));
    s.textContent = errors.join("\n");
    s.setAttribute("data-errors", String(errors.length));
    s.setAttribute("data-done", "true");
  }

  try {
    overview();
    suite();
    table();
    repeated();
    findings();
  } catch (e) {
    errors.push(String(e && e.stack || e));
  }
  // uPlot draws on the next animation frame, then the canvases can be read.
  requestAnimationFrame(function () { setTimeout(status, 50); });
})();
