// Rules page: the chart of episodes the dry-run would have opened per day (Chart.js, data from the JSON block).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    const el = document.getElementById("dry-run-data"), canvas = document.getElementById("chart-dry-run");
    if (!el || !canvas || !window.Chart) return;
    const data = JSON.parse(el.textContent);
    new Chart(canvas, { type: "bar", options: { responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      data: { labels: data.labels, datasets: [{ label: data.label, data: data.values, backgroundColor: "#d9480f" }] } });
  });
})();
