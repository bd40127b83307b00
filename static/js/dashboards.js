/* Insights dashboards: draw each chart from its JSON spec with Chart.js (static/vendor/chartjs).
 * Progressive enhancement: without JavaScript every chart's data table and CSV link still work. */
(function () {
  "use strict";

  function draw(canvas) {
    var specNode = document.getElementById(canvas.dataset.spec);
    if (!specNode || typeof window.Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(specNode.textContent);
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var manySeries = spec.datasets.length > 1;
    var whole = spec.datasets.every(function (set) {
      return set.data.every(function (value) { return value === null || Number.isInteger(value); });
    });
    var valueTicks = { precision: whole ? 0 : undefined };
    var config = {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (set) {
          return {
            label: set.label,
            data: set.data,
            backgroundColor: set.color,
            borderColor: set.color,
            borderWidth: spec.type === "line" ? 2 : 0,
            pointRadius: spec.type === "line" && spec.labels.length > 40 ? 0 : 2,
            tension: 0.2,
            spanGaps: true,
          };
        }),
      },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        maintainAspectRatio: false,
        responsive: true,
        animation: reduceMotion ? false : { duration: 300 },
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: manySeries, position: "bottom" },
          tooltip: { enabled: true },
        },
        scales: {
          x: {
            stacked: spec.stacked,
            beginAtZero: true,
            ticks: spec.horizontal ? valueTicks : { autoSkip: true, maxRotation: 0 },
          },
          y: {
            stacked: spec.stacked,
            beginAtZero: true,
            ticks: spec.horizontal ? { autoSkip: false } : valueTicks,
          },
        },
      },
    };
    canvas.chart = new window.Chart(canvas, config);
    canvas.dataset.drawn = "true";
  }

  function start() {
    document.querySelectorAll("canvas[data-spec]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
