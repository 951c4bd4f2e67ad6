"""The weekly report for leadership, in Vietnamese: a self-contained HTML page and a PDF.

HTML: inline CSS, charts as inline SVG (matplotlib, text kept as text so it stays small and sharp), UTF-8 meta
charset and a viewport so it reads on a phone; every string that comes from data (province and topic names,
calendar event names, model labels, file names) is HTML-escaped. PDF: matplotlib ``PdfPages`` with DejaVu Sans
(ships with matplotlib, covers Vietnamese). Files: ``<dir>/report-YYYY-MM-DD.html`` / ``.pdf`` (the dashboard
serves ``report-*.html`` from ``<state_dir>/forecast/``).

The "why" of each top risk lists the model's input signals in that cell that stand out against the cell's usual
level (calendar events ahead, recent growth, negative / misinformation share, recent alerts, alerts on the topic
elsewhere). They are the features the learned model sees, not a decomposition of its prediction.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from common.labels import topic_vi  # noqa: E402
from forecast.history import HIGH  # noqa: E402
from forecast.run import ForecastRun, StoredForecast, outcome_high, weekly_interval  # noqa: E402
from index.aggregations import VN_TZ  # noqa: E402

__all__ = ["TOP_RISKS", "number_vi", "percent_vi", "Risk", "LastWeek", "top_risks", "drivers", "last_week",
           "render_html", "write_pdf",
           "write_report"]

TOP_RISKS = 10
HISTORY_DAYS = 56  # days of history drawn before the forecast in the topic charts
plt.rcParams.update({"font.family": "DejaVu Sans", "svg.fonttype": "none", "pdf.fonttype": 42})


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def number_vi(value: float) -> str:
    """Vietnamese number: thousands separated by dots."""
    return f"{int(round(value)):,}".replace(",", ".")


def percent_vi(p: float) -> str:
    return f"{100 * p:.0f} %" if p >= 0.01 else f"{100 * p:.1f} %".replace(".", ",")


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class Risk:
    province: str
    topic: str
    p_high: float
    volume: tuple[float, float, float]  # expected weekly mentions, 80 % interval (lo, hi)
    negative: float
    misinfo: float
    why: list[str]


def drivers(run: ForecastRun, p: int, t: int) -> list[str]:
    """Vietnamese sentences: the cell's input signals that stand out (module docstring)."""
    h, origin = run.history, run.forecast.origin
    topic = h.topics[t]
    out: list[str] = []
    for occ in run.calendar.events_between(origin - timedelta(days=14), origin + timedelta(days=6)):
        if topic in occ.event.topics and occ.end >= origin - timedelta(days=occ.event.effect.lead_days):
            if occ.date >= origin or occ.end >= origin - timedelta(days=3):
                out.append(f"Sự kiện: {occ.event.name} ({_d(occ.date)})")
    v = h.volume[:, p, t].astype(float)
    n = h.n_days
    v7 = v[-7:].sum()
    before = v[max(0, n - 35):n - 7]
    if len(before) >= 7:
        usual7 = before.mean() * 7
        if v7 >= 5 and v7 > 1.3 * max(usual7, 0.5):
            ratio = f"{v7 / max(usual7, 0.5):.1f}".replace(".", ",")
            out.append(f"Số đề cập 7 ngày qua: {number_vi(v7)}, gấp {ratio} lần mức 4 tuần trước đó "
                       f"({number_vi(usual7)}/tuần)")
    year = slice(max(0, n - 364), n)
    for series, label, margin in (("negative", "tiêu cực", 0.10), ("misinfo", "tin sai", 0.05)):
        s = getattr(h, series)[:, p, t].astype(float)
        if v7 >= 5:
            recent = s[-7:].sum() / v7
            usual = s[year].sum() / max(v[year].sum(), 1.0)
            if recent > usual + margin:
                out.append(f"Tỉ lệ {label} 7 ngày qua {percent_vi(recent)} (thường {percent_vi(usual)})")
    alerts = h.alerts[:, p, t]
    recent_alerts = int((alerts[-28:] >= 2).sum())
    if recent_alerts:
        out.append(f"{recent_alerts} cảnh báo mức trung bình trở lên trong 28 ngày qua tại đây")
    highs = np.flatnonzero(alerts >= HIGH)
    if len(highs) and n - highs[-1] <= 60:
        out.append(f"Cảnh báo mức cao gần nhất: {n - int(highs[-1])} ngày trước")
    elsewhere = int(((h.alerts[-7:, :, t] >= HIGH).any(axis=0)).sum()) - int((alerts[-7:] >= HIGH).any())
    if elsewhere > 0:
        out.append(f"{elsewhere} tỉnh khác có cảnh báo mức cao về chủ đề này trong 7 ngày qua")
    if not out:
        out.append("Không có tín hiệu nổi bật: xác suất phản ánh tần suất cảnh báo trong lịch sử của ô này")
    return out


def top_risks(run: ForecastRun, k: int = TOP_RISKS) -> list[Risk]:
    f = run.forecast
    order = np.argsort(-f.p_high, axis=None, kind="stable")[:k]
    risks = []
    for flat in order:
        p, t = np.unravel_index(flat, f.p_high.shape)
        total, lo, hi = weekly_interval(f.volume.mean[:, p, t], run.dispersion["volume"])
        risks.append(Risk(f.provinces[p], f.topics[t], float(f.p_high[p, t]), (float(total), float(lo), float(hi)),
                          float(f.negative.mean[:, p, t].sum()), float(f.misinfo.mean[:, p, t].sum()),
                          drivers(run, int(p), int(t))))
    return risks


@dataclass(frozen=True)
class LastWeek:
    origin: date
    model_label: str
    topics: list[tuple[str, float, float]]  # (topic, predicted national mentions, actual)
    brier: float
    positives: int  # cells with a high+ alert that week
    risks: list[tuple[str, str, float, bool]]  # predicted top risks: province, topic, p, materialized
    missed: list[tuple[str, str]]  # cells with a high+ alert outside the predicted top list


def last_week(run: ForecastRun, stored: StoredForecast, k: int = TOP_RISKS) -> LastWeek:
    """Last week's stored forecast against the history (cells matched by name; unknown names are skipped)."""
    h = run.history
    pi = [h.provinces.index(p) if p in h.provinces else -1 for p in stored.provinces]
    ti = [h.topics.index(t) if t in h.topics else -1 for t in stored.topics]
    start = h.index_of(stored.origin)
    days = min(stored.volume_mean.shape[0], 7)
    actual = h.volume[start:start + days].astype(float)
    outcome = outcome_high(h, stored.origin, days)
    topics = []
    for j, t in enumerate(stored.topics):
        if ti[j] >= 0:
            rows = [i for i, x in enumerate(pi) if x >= 0]
            topics.append((t, float(stored.volume_mean[:days, rows, j].sum()),
                           float(actual[:, [pi[i] for i in rows], ti[j]].sum())))
    ps, os = [], []
    for i, p in enumerate(pi):
        for j, t in enumerate(ti):
            if p >= 0 and t >= 0:
                ps.append(stored.p_high[i, j])
                os.append(bool(outcome[p, t]))
    brier = float(np.mean((np.asarray(ps) - np.asarray(os, float)) ** 2)) if ps else float("nan")
    order = np.argsort(-stored.p_high, axis=None, kind="stable")[:k]
    risks, listed = [], set()
    for flat in order:
        i, j = np.unravel_index(flat, stored.p_high.shape)
        hit = pi[i] >= 0 and ti[j] >= 0 and bool(outcome[pi[i], ti[j]])
        risks.append((stored.provinces[i], stored.topics[j], float(stored.p_high[i, j]), hit))
        listed.add((stored.provinces[i], stored.topics[j]))
    missed = [(h.provinces[p], h.topics[t]) for p, t in zip(*np.nonzero(outcome))
              if (h.provinces[p], h.topics[t]) not in listed]
    return LastWeek(stored.origin, stored.model_label, topics, brier, int(outcome.sum()), risks, missed)


# ---- charts ------------------------------------------------------------------------------------------------

def topic_chart(run: ForecastRun) -> Figure:
    """National daily mentions per topic: the last ``HISTORY_DAYS`` days and the forecast with its 80 % band."""
    h, f = run.history, run.forecast
    past = np.arange(-min(HISTORY_DAYS, h.n_days), 0)
    k = run.dispersion["volume"]
    fig, axes = plt.subplots(4, 3, figsize=(11, 11), sharex=True)
    for t, ax in enumerate(axes.flat):
        if t >= len(h.topics):
            ax.axis("off")
            continue
        ax.plot(past, h.volume[past, :, t].sum(axis=1), color="#555", lw=1, label="Thực tế")
        mean = f.volume.mean[:, :, t]
        total = mean.sum(axis=1)
        sd = np.sqrt((mean + mean ** 2 / k).sum(axis=1))
        future = np.arange(f.horizon)
        ax.fill_between(future, np.maximum(total - 1.2816 * sd, 0), total + 1.2816 * sd, color="#e67e22", alpha=.3,
                        label="Khoảng 80 %")
        ax.plot(future, total, color="#d35400", lw=1.5, label="Dự báo")
        ax.axvline(-0.5, color="#999", lw=.8, ls=":")
        ax.set_title(topic_vi(h.topics[t]), fontsize=9)
        ax.tick_params(labelsize=7)
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.supxlabel(f"Ngày so với {_d(f.origin)} (0 = ngày đầu tuần dự báo)", fontsize=9)
    fig.suptitle("Số đề cập toàn quốc theo ngày, theo chủ đề: lịch sử và dự báo", fontsize=11)
    fig.tight_layout()
    return fig


def province_chart(run: ForecastRun) -> Figure:
    """Provinces ranked by P(at least one alert ≥ high in any topic), independence across topics assumed."""
    f = run.forecast
    p_any = 1 - np.prod(1 - f.p_high, axis=1)
    order = np.argsort(p_any, kind="stable")
    fig, ax = plt.subplots(figsize=(8, 10))
    ax.barh([f.provinces[i] for i in order], p_any[order] * 100, color="#c0392b")
    ax.set_xlabel("Xác suất có ít nhất một cảnh báo mức cao trở lên (%)")
    ax.set_title("Xếp hạng tỉnh/thành theo rủi ro tuần tới", fontsize=11)
    ax.tick_params(labelsize=8)
    fig.tight_layout()
    return fig


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 style="width:100%;height:auto"', text,
                  count=1)


# ---- HTML --------------------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;max-width:960px;
padding:12px;color:#222;line-height:1.45}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;margin-top:1.6em;border-bottom:2px solid #c0392b}
.meta{color:#555;font-size:.9em}.warn{background:#fff3cd;border:1px solid #e0b000;padding:8px;border-radius:4px}
.tbl{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}th{background:#f4f4f4}
td.n{text-align:right;white-space:nowrap}ul.why{margin:0;padding-left:1.1em}.ok{color:#1e7b34}.no{color:#999}
"""


def render_html(run: ForecastRun, risks: list[Risk], previous: LastWeek | None, charts: dict[str, str]) -> str:
    f = run.forecast
    end = f.origin + timedelta(days=f.horizon - 1)
    parts = [f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dự báo rủi ro truyền thông tuần {_e(_d(f.origin))} – {_e(_d(end))}</title><style>{_CSS}</style></head><body>
<h1>Dự báo rủi ro khủng hoảng truyền thông tuần {_e(_d(f.origin))} – {_e(_d(end))}</h1>
<p class="meta">Lập lúc {_e(run.generated_at.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y"))} (giờ Việt Nam) ·
mô hình: {_e(run.model_label)} ({_e(run.model_source)}) · lịch sử {_e(_d(run.history.start))} –
{_e(_d(run.history.end - timedelta(days=1)))} ({_e(number_vi(run.history.volume.sum()))} đề cập)</p>"""]
    if run.fallback:
        parts.append(f'<p class="warn"><b>Lưu ý:</b> {_e(run.fallback)} Dự báo chỉ dựa trên mức trung bình '
                     "lịch sử, chưa phản ánh diễn biến gần đây.</p>")
    parts.append("<h2>1. Rủi ro cao nhất tuần tới</h2><p>Xác suất một cảnh báo mức <b>cao</b> trở lên mở ra trong "
                 "7 ngày tới, theo tỉnh/thành và chủ đề; số đề cập dự kiến cả tuần với khoảng tin cậy 80 %.</p>"
                 '<div class="tbl"><table><tr><th>#</th><th>Tỉnh/thành</th><th>Chủ đề</th><th>Xác suất cảnh báo '
                 "≥ cao</th><th>Số đề cập dự kiến (khoảng 80 %)</th><th>Tiêu cực / tin sai dự kiến</th>"
                 "<th>Vì sao</th></tr>")
    for i, r in enumerate(risks, 1):
        why = "".join(f"<li>{_e(w)}</li>" for w in r.why)
        parts.append(f'<tr><td>{i}</td><td>{_e(r.province)}</td><td>{_e(topic_vi(r.topic))}</td>'
                     f'<td class="n">{_e(percent_vi(r.p_high))}</td><td class="n">{_e(number_vi(r.volume[0]))} '
                     f'({_e(number_vi(r.volume[1]))}–{_e(number_vi(r.volume[2]))})</td>'
                     f'<td class="n">{_e(number_vi(r.negative))} / '
                     f'{_e(number_vi(r.misinfo))}</td><td><ul class="why">{why}</ul></td></tr>')
    parts.append("</table></div><p class=\"meta\">“Vì sao” liệt kê các tín hiệu đầu vào của mô hình nổi bật ở ô "
                 "này so với mức thường (sự kiện sắp tới, tăng trưởng gần đây, tỉ lệ tiêu cực/tin sai, cảnh báo "
                 "gần đây); đó không phải phần đóng góp chính xác của từng yếu tố vào xác suất.</p>")
    events = run.calendar.events_between(f.origin, end)
    parts.append("<h2>2. Sự kiện đã biết trong tuần</h2>")
    if events:
        parts.append("<ul>" + "".join(f"<li>{_e(_d(o.date))}: {_e(o.event.name)} — chủ đề: "
                                      f"{_e(', '.join(topic_vi(t) for t in o.event.topics))}</li>" for o in events)
                     + "</ul>")
    else:
        parts.append("<p>Không có sự kiện nào trong lịch của trung tâm.</p>")
    parts.append(f"<h2>3. Diễn biến theo chủ đề</h2>{charts['topics']}"
                 f"<h2>4. Xếp hạng tỉnh/thành</h2>{charts['provinces']}")
    parts.append("<h2>5. Tuần trước: dự báo so với thực tế</h2>")
    if previous is None:
        parts.append("<p>Chưa có bản dự báo của tuần trước để đối chiếu.</p>")
    else:
        parts.append(f"<p>Dự báo lập cho tuần bắt đầu {_e(_d(previous.origin))} (mô hình "
                     f"{_e(previous.model_label)}): điểm Brier {previous.brier:.4f} (càng gần 0 càng tốt); "
                     f"{previous.positives} ô tỉnh × chủ đề đã có cảnh báo mức cao trở lên.</p>"
                     '<div class="tbl"><table><tr><th>Chủ đề</th><th>Dự báo (đề cập)</th><th>Thực tế</th>'
                     "<th>Chênh lệch</th></tr>")
        for topic, predicted, actual in previous.topics:
            gap = (actual - predicted) / predicted if predicted > 0 else 0.0
            parts.append(f'<tr><td>{_e(topic_vi(topic))}</td><td class="n">{_e(number_vi(predicted))}</td>'
                         f'<td class="n">{_e(number_vi(actual))}</td><td class="n">{gap:+.0%}</td></tr>')
        parts.append("</table></div><p>Các rủi ro đã dự báo và kết quả:</p><ul>")
        for province, topic, p, hit in previous.risks:
            mark = '<span class="ok">đã xảy ra</span>' if hit else '<span class="no">không xảy ra</span>'
            parts.append(f"<li>{_e(province)} — {_e(topic_vi(topic))} ({_e(percent_vi(p))}): {mark}</li>")
        parts.append("</ul>")
        if previous.missed:
            parts.append("<p>Cảnh báo mức cao ngoài danh sách dự báo: " + _e("; ".join(
                f"{p} — {topic_vi(t)}" for p, t in previous.missed)) + ".</p>")
    parts.append("<h2>6. Phương pháp và giới hạn</h2><p class=\"meta\">Dữ liệu: số đề cập theo ngày (giờ Việt Nam) "
                 "trong chỉ mục tìm kiếm, theo tỉnh/thành sau sáp nhập (đề cập không xác định được tỉnh không được "
                 "tính) và chủ đề; lịch sử cảnh báo từ kho cảnh báo; lịch sự kiện của trung tâm. Mô hình được chọn "
                 "bằng kiểm định lùi (backtest) trên dữ liệu mô phỏng; độ chính xác trên dữ liệu thực cần được "
                 "theo dõi qua mục 5 hằng tuần. Khoảng 80 % theo tuần và toàn quốc là xấp xỉ (cộng các ngày, các "
                 "tỉnh coi như độc lập).</p></body></html>")
    return "\n".join(parts)


# ---- PDF ---------------------------------------------------------------------------------------------------

def _text_page(pdf: PdfPages, title: str, lines: list[str]) -> None:
    per_page = 46
    for start in range(0, max(len(lines), 1), per_page):
        fig = plt.figure(figsize=(8.27, 11.69))
        fig.text(0.06, 0.96, title, fontsize=13, weight="bold", va="top")
        y = 0.92
        for line in lines[start:start + per_page]:
            fig.text(0.06, y, line, fontsize=8.5, va="top", wrap=True)
            y -= 0.019
        pdf.savefig(fig)
        plt.close(fig)


def write_pdf(path: Path, run: ForecastRun, risks: list[Risk], previous: LastWeek | None,
              figures: list[Figure]) -> None:
    f = run.forecast
    end = f.origin + timedelta(days=f.horizon - 1)
    lines = [f"Mô hình: {run.model_label} — {run.model_source}",
             f"Lịch sử: {_d(run.history.start)} – {_d(run.history.end - timedelta(days=1))}", ""]
    if run.fallback:
        lines += [f"LƯU Ý: {run.fallback}", ""]
    lines.append("Rủi ro cao nhất (xác suất cảnh báo ≥ cao; đề cập dự kiến cả tuần, khoảng 80 %):")
    for i, r in enumerate(risks, 1):
        lines.append(f"{i}. {r.province} — {topic_vi(r.topic)}: {percent_vi(r.p_high)}; {number_vi(r.volume[0])} "
                     f"({number_vi(r.volume[1])}–{number_vi(r.volume[2])}) đề cập")
        lines += [f"     • {w}" for w in r.why]
    lines.append("")
    lines.append("Sự kiện đã biết trong tuần:")
    lines += [f"  {_d(o.date)}: {o.event.name}" for o in run.calendar.events_between(f.origin, end)] or ["  (không có)"]
    lines.append("")
    if previous is None:
        lines.append("Tuần trước: chưa có bản dự báo để đối chiếu.")
    else:
        lines.append(f"Tuần trước (từ {_d(previous.origin)}): Brier {previous.brier:.4f}, "
                     f"{previous.positives} ô có cảnh báo mức cao.")
        lines += [f"  {topic_vi(t)}: dự báo {number_vi(p)}, thực tế {number_vi(a)}" for t, p, a in previous.topics]
        lines += [f"  {p} — {topic_vi(t)} ({percent_vi(x)}): {'đã xảy ra' if hit else 'không xảy ra'}"
                  for p, t, x, hit in previous.risks]
    with PdfPages(path) as pdf:
        _text_page(pdf, f"Dự báo rủi ro truyền thông tuần {_d(f.origin)} – {_d(end)}", lines)
        for fig in figures:
            pdf.savefig(fig)
        info = pdf.infodict()
        info["Title"] = f"Dự báo rủi ro truyền thông tuần {_d(f.origin)}"


def write_report(directory: Path, run: ForecastRun, previous: StoredForecast | None = None
                 ) -> tuple[Path, Path, list[Risk]]:
    """Write ``report-<origin>.html`` and ``.pdf``; returns both paths and the top risks."""
    directory.mkdir(parents=True, exist_ok=True)
    risks = top_risks(run)
    compared = last_week(run, previous) if previous is not None else None
    figures = [topic_chart(run), province_chart(run)]
    try:
        charts = {"topics": _svg(figures[0]), "provinces": _svg(figures[1])}
        stem = f"report-{run.forecast.origin.isoformat()}"
        html_path, pdf_path = directory / f"{stem}.html", directory / f"{stem}.pdf"
        html_path.write_text(render_html(run, risks, compared, charts), encoding="utf-8")
        write_pdf(pdf_path, run, risks, compared, figures)
    finally:
        for fig in figures:
            plt.close(fig)
    return html_path, pdf_path, risks
