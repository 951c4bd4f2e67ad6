// Search page: the time histogram (Chart.js; labels already in Vietnam time, data from the JSON block).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    const el = document.getElementById("histogram-data"), canvas = document.getElementById("chart-histogram");
    if (!el || !canvas || !window.Chart) return;
    const data = JSON.parse(el.textContent);
    new Chart(canvas, { type: "bar", options: { responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      data: { labels: data.labels, datasets: [{ label: data.label, data: data.values, backgroundColor: "#0b5394" }] } });
  });
})();
