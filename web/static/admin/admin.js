// Dashboard behaviour without inline scripts (the pages send a strict Content-Security-Policy).
// Chart data comes from <script type="application/json"> blocks rendered with Jinja's tojson: never string-built JS.
(function () {
  "use strict";
  var PALETTE = ["#0b57a4", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0e7490", "#a16207", "#be185d",
                 "#4d7c0f", "#1e3a8a", "#9f1239", "#334155"];

  // Counts are whole numbers: integer ticks on the value axis (x when the bars lie horizontally).
  function valueAxis(horizontal) {
    var axis = {};
    axis[horizontal ? "x" : "y"] = { beginAtZero: true, ticks: { precision: 0 } };
    return axis;
  }

  function drawCharts() {
    if (!window.Chart) return;
    document.querySelectorAll("script[data-chart]").forEach(function (node) {
      var spec = JSON.parse(node.textContent);
      var canvas = document.getElementById(node.getAttribute("data-chart"));
      if (!canvas || !spec.labels.length) return;
      var many = spec.kind === "doughnut";
      new window.Chart(canvas, {
        type: spec.kind,
        data: { labels: spec.labels, datasets: [{ label: "건수", data: spec.values,
          backgroundColor: many ? PALETTE : PALETTE[0], borderColor: PALETTE[0], fill: false, tension: 0 }] },
        options: { responsive: true, maintainAspectRatio: false, animation: false,
          indexAxis: spec.horizontal ? "y" : "x",
          plugins: { legend: { display: many } },
          scales: many ? {} : valueAxis(spec.horizontal) }
      });
    });
    document.querySelectorAll("canvas[data-spark]").forEach(function (canvas) {
      var values = JSON.parse(canvas.getAttribute("data-spark"));
      new window.Chart(canvas, {
        type: "line",
        data: { labels: values.map(function (_, i) { return i; }),
                datasets: [{ data: values, borderColor: PALETTE[0], borderWidth: 1.5, pointRadius: 0, fill: false }] },
        options: { responsive: false, animation: false, events: [],
          plugins: { legend: { display: false }, tooltip: { enabled: false } },
          scales: { x: { display: false }, y: { display: false, beginAtZero: true } } }
      });
    });
  }

  var STATES = { queued: "대기 중", running: "진행 중", done: "완료", failed: "실패" };

  function pollJob() {
    var box = document.getElementById("job");
    if (!box || ["queued", "running"].indexOf(box.getAttribute("data-state")) < 0) return;
    var timer = setInterval(function () {
      fetch(box.getAttribute("data-job-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (job) {
          document.getElementById("job-progress").value = job.progress;
          document.getElementById("job-state").textContent = STATES[job.state] || job.state;
          document.getElementById("job-message").textContent = job.message || "";
          if (job.state === "done" || job.state === "failed") { clearInterval(timer); window.location.replace(window.location.pathname); }
        })
        .catch(function () { clearInterval(timer); });
    }, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(); pollJob(); });
})();
