// Shared by every page: refresh relative ages ("5 phút trước") every 30 s; confirm dangerous forms.
(function () {
  "use strict";
  const strings = JSON.parse(document.getElementById("i18n").textContent);
  function fmt(key, n) { return strings[key].replace("{n}", String(n)); }
  function relative(iso) {
    const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
    if (seconds < 60) return strings["time.just_now"];
    if (seconds < 3600) return fmt("time.minutes_ago", Math.floor(seconds / 60));
    if (seconds < 86400) return fmt("time.hours_ago", Math.floor(seconds / 3600));
    return fmt("time.days_ago", Math.floor(seconds / 86400));
  }
  function refresh(root) {
    (root || document).querySelectorAll("time.rel[data-ts]").forEach(function (el) { el.textContent = relative(el.dataset.ts); });
  }
  window.CW = { strings: strings, fmt: fmt, refreshTimes: refresh };
  document.addEventListener("DOMContentLoaded", function () {
    refresh();
    setInterval(refresh, 30000);
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) { if (!window.confirm(form.dataset.confirm)) event.preventDefault(); });
    });
  });
})();
