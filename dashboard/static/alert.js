// Alert detail: the three charts (Chart.js, data from the JSON block) and the live SLA countdowns.
(function () {
  "use strict";
  const COLORS = { negative: "#b3001b", neutral: "#8a96a3", positive: "#2f7d4f" };

  function charts() {
    const el = document.getElementById("chart-data");
    if (!el || !window.Chart) return;
    const data = JSON.parse(el.textContent);
    // A fresh options object per chart: Chart.js writes resolved scales into the object it is given.
    function base(extra) { return Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, extra || {}); }
    const timeline = document.getElementById("chart-timeline");
    if (timeline) new Chart(timeline, { type: "line", options: base(), data: { labels: data.timeline.labels, datasets: [
      { label: data.timeline.count_label, data: data.timeline.count, borderColor: "#0b5394", backgroundColor: "#0b5394", tension: .2 },
      { label: data.timeline.window_label, data: data.timeline.window, borderColor: "#d9480f", backgroundColor: "#d9480f", tension: .2 }] } });
    const sentiment = document.getElementById("chart-sentiment");
    if (sentiment) new Chart(sentiment, { type: "doughnut", options: base(), data: { labels: data.sentiment.labels, datasets: [
      { data: data.sentiment.values, backgroundColor: data.sentiment.keys.map(function (k) { return COLORS[k] || "#0b5394"; }) }] } });
    const provinces = document.getElementById("chart-provinces");
    if (provinces) new Chart(provinces, { type: "bar", options: base({ indexAxis: "y", plugins: { legend: { display: false } } }),
      data: { labels: data.provinces.labels, datasets: [{ label: data.provinces.label, data: data.provinces.values, backgroundColor: "#0b5394" }] } });
  }

  function pad(n) { return String(n).padStart(2, "0"); }
  function countdowns() {
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      const ms = Date.parse(el.dataset.due) - Date.now(), s = Math.floor(Math.abs(ms) / 1000);
      const text = (s >= 86400 ? Math.floor(s / 86400) + "d " : "") + pad(Math.floor(s / 3600) % 24) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
      el.textContent = ms < 0 ? CW.strings["time.overdue"] + " " + text : CW.strings["time.left"] + " " + text;
      el.classList.toggle("overdue", ms < 0);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { charts(); countdowns(); setInterval(countdowns, 1000); });
})();
