// Live alert board: Server-Sent Events from /alerts/stream. Rows arrive as server-rendered (escaped) HTML.
// A new critical alert (or one escalated to critical) flashes a banner, highlights its row and beeps.
(function () {
  "use strict";
  const ORDER = { critical: 0, high: 1, medium: 2, low: 3 };
  let audio = null;

  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      [0, 0.28].forEach(function (offset) {
        const osc = audio.createOscillator(), gain = audio.createGain(), t0 = audio.currentTime + offset;
        osc.type = "square"; osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, t0); gain.gain.exponentialRampToValueAtTime(0.25, t0 + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.22);
        osc.connect(gain).connect(audio.destination); osc.start(t0); osc.stop(t0 + 0.24);
      });
    } catch (error) { /* no audio device: the visual cue remains */ }
  }

  function sortRows(tbody) {
    const rows = Array.from(tbody.children);
    rows.sort(function (a, b) {
      return (ORDER[a.dataset.severity] ?? 9) - (ORDER[b.dataset.severity] ?? 9)
        || Number(b.dataset.opened) - Number(a.dataset.opened) || Number(b.dataset.id) - Number(a.dataset.id);
    });
    rows.forEach(function (row) { tbody.appendChild(row); });
  }

  function updateCount(tbody) {
    const n = tbody.children.length;
    document.getElementById("alert-count").textContent = CW.fmt("board.count", n);
    document.getElementById("board-empty").hidden = n > 0;
  }

  function alarm(row) {
    const banner = document.getElementById("critical-banner");
    banner.hidden = false;
    document.title = "(!) " + document.title.replace(/^\(!\) /, "");
    row.classList.add("fresh");
    beep();
    setTimeout(function () { banner.hidden = true; }, 15000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    const table = document.getElementById("board"), tbody = document.getElementById("board-rows");
    const dot = document.getElementById("live-state"), text = document.getElementById("live-text");
    document.getElementById("sound").addEventListener("click", function (event) {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      audio.resume(); event.target.textContent = CW.strings["board.sound_ready"];
    });
    const source = new EventSource(table.dataset.stream);
    source.onopen = function () { dot.dataset.state = "live"; text.textContent = CW.strings["board.live"]; };
    source.onerror = function () { dot.dataset.state = "offline"; text.textContent = CW.strings["board.offline"]; };
    source.addEventListener("upsert", function (event) {
      const data = JSON.parse(event.data);
      const template = document.createElement("template");
      template.innerHTML = data.html.trim();
      const row = template.content.firstElementChild;
      const old = document.getElementById("alert-" + data.id);
      const wasCritical = old && old.dataset.severity === "critical";
      if (old) old.replaceWith(row); else tbody.appendChild(row);
      CW.refreshTimes(row);
      sortRows(tbody); updateCount(tbody);
      if (data.severity === "critical" && !wasCritical) alarm(row);
      else if (!old) row.classList.add("fresh");
    });
    source.addEventListener("remove", function (event) {
      JSON.parse(event.data).ids.forEach(function (id) { const row = document.getElementById("alert-" + id); if (row) row.remove(); });
      updateCount(tbody);
    });
    source.addEventListener("sync", function (event) {
      const keep = new Set(JSON.parse(event.data).ids.map(String));
      Array.from(tbody.children).forEach(function (row) { if (!keep.has(row.dataset.id)) row.remove(); });
      updateCount(tbody);
    });
  });
})();
