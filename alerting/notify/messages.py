"""The Vietnamese alert message every channel sends, built from an `EpisodeUpdate` (or its JSON).

Mention texts, authors and URLs come from the public: they are hostile. The HTML part escapes every value and
links only http(s) URLs; the plain and Zalo parts are plain text (no markup is interpreted there). The Zalo text is
cut to Zalo's 2,000-character limit, dropping example posts first.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from alerting.episodes import EpisodeUpdate, Severity, UpdateKind
from index.aggregations import VN_TZ

ZALO_MAX_CHARS = 2000

SEVERITY_VI = {Severity.low: "Thấp", Severity.medium: "Trung bình", Severity.high: "Cao",
               Severity.critical: "Nghiêm trọng"}
KIND_VI = {UpdateKind.opened: "Cảnh báo mới", UpdateKind.updated: "Cập nhật cảnh báo",
           UpdateKind.resolved: "Đã hạ nhiệt"}
SENTIMENT_VI = {"negative": "tiêu cực", "neutral": "trung lập", "positive": "tích cực"}
SOURCE_VI = {"facebook": "Facebook", "zalo": "Zalo", "news": "Báo chí"}


def vn_time(value: datetime | None) -> str:
    """An aware time as users read it: Vietnam time, "dd/mm/yyyy HH:MM" ("—" when unknown)."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: alerting times must carry a time zone")
    return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def vn_number(value: int) -> str:
    """185400 → "185.400" (Vietnamese digit grouping)."""
    return f"{value:,}".replace(",", ".")


def percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def top_items(counts: Mapping[str, int], limit: int = 3) -> list[tuple[str, int]]:
    """Largest counts first; ties by name so the output is stable."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


def alert_url(base_url: str, alert_id: str | int) -> str:
    return f"{base_url.rstrip('/')}/alerts/{alert_id}"


def as_update(update: EpisodeUpdate | Mapping[str, Any]) -> EpisodeUpdate:
    """Accept the model or its JSON (as kept in the outbox); invalid payloads fail here, loudly."""
    return update if isinstance(update, EpisodeUpdate) else EpisodeUpdate.model_validate(update)


class AlertMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: str
    text: str  # plain text (e-mail text part)
    html: str  # escaped HTML (e-mail HTML part)
    short: str  # ≤ 2,000 characters (Zalo)
    url: str  # the alert's dashboard page


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _fact_lines(update: EpisodeUpdate) -> list[tuple[str, str]]:
    facts = update.facts
    rows = [
        ("Mức độ", f"{SEVERITY_VI[update.severity]} ({update.severity_score:.0f}/100)"),
        ("Thời gian", f"{vn_time(facts.first_seen)} – {vn_time(facts.last_seen)} (giờ Việt Nam)"),
        ("Số bài", f"{facts.count} (trong cửa sổ hiện tại: {facts.window_count}; tốc độ {facts.velocity:.1f} bài/giờ)"),
        ("Lượt tiếp cận", vn_number(facts.reach)),
        ("Tỷ lệ tiêu cực", percent(facts.negative_share)),
        ("Tỷ lệ tin sai", percent(facts.misinformation_share)),
    ]
    if facts.provinces:
        rows.append(("Tỉnh/thành", ", ".join(f"{name} ({n})" for name, n in top_items(facts.provinces))))
    if facts.sources:
        rows.append(("Nguồn", ", ".join(f"{SOURCE_VI.get(s, s)} ({n})" for s, n in top_items(facts.sources))))
    if facts.claims:
        rows.append(("Tin đồn đã biết", ", ".join(f"{c} ({n})" for c, n in top_items(facts.claims))))
    if facts.top_terms:
        rows.append(("Từ khóa nổi bật", ", ".join(facts.top_terms[:8])))
    return rows


def _post_line(post: Any, limit: int) -> str:
    who = post.author or "ẩn danh"
    line = (f"- [{SOURCE_VI.get(post.source, post.source)}] {who}, {vn_time(post.created_at)}, "
            f"tiếp cận {post.reach}, {SENTIMENT_VI.get(post.sentiment, post.sentiment)}: {_one_line(post.text, limit)}")
    return line + (f" ({post.url})" if post.url else "")


def _safe_href(url: str | None) -> str | None:
    return url if url and url.lower().startswith(("https://", "http://")) else None


def compose(update: EpisodeUpdate | Mapping[str, Any], alert_id: str | int, dashboard_base_url: str) -> AlertMessage:
    """Subject, plain text, HTML and the short Zalo text for one alert update."""
    update = as_update(update)
    url = alert_url(dashboard_base_url, alert_id)
    kind = KIND_VI[update.kind]
    subject = _one_line(f"[CrisisWatch][{SEVERITY_VI[update.severity]}] {kind}: {update.title}", 200)
    facts = _fact_lines(update)
    posts = update.facts.top_posts

    text_lines = [f"{kind}: {update.title}", ""]
    text_lines += [f"{label}: {value}" for label, value in facts]
    if posts:
        text_lines += ["", "Bài tiêu biểu (tiếp cận cao nhất):"] + [_post_line(p, 280) for p in posts]
    text_lines += ["", f"Xem chi tiết và xử lý theo kịch bản: {url}"]
    text = "\n".join(text_lines) + "\n"

    esc = html.escape
    parts = [f"<h2>{esc(kind)}: {esc(update.title)}</h2>", "<table>"]
    parts += [f"<tr><th align=\"left\">{esc(label)}</th><td>{esc(value)}</td></tr>" for label, value in facts]
    parts.append("</table>")
    if posts:
        parts.append("<h3>Bài tiêu biểu (tiếp cận cao nhất)</h3><ul>")
        for post in posts:
            meta = (f"{SOURCE_VI.get(post.source, post.source)} · {post.author or 'ẩn danh'} · "
                    f"{vn_time(post.created_at)} · tiếp cận {post.reach}")
            href = _safe_href(post.url)
            link = f' <a href="{esc(href)}">Xem bài</a>' if href else ""
            parts.append(f"<li><small>{esc(meta)}</small><br>{esc(_one_line(post.text, 280))}{link}</li>")
        parts.append("</ul>")
    parts.append(f'<p><a href="{esc(url)}">Xem chi tiết và xử lý theo kịch bản</a></p>')
    body = "\n".join(parts)
    html_doc = (f'<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"><title>{esc(subject)}</title>'
                f"</head><body>\n{body}\n</body></html>\n")

    return AlertMessage(subject=subject, text=text, html=html_doc, short=_short(update, kind, url), url=url)


def _short(update: EpisodeUpdate, kind: str, url: str) -> str:
    """The Zalo text: headline facts and the link always fit; example posts are added while room remains."""
    f = update.facts
    head = [f"⚠ {kind} [{SEVERITY_VI[update.severity]}]", _one_line(update.title, 300),
            f"{f.count} bài, {f.velocity:.1f} bài/giờ, tiêu cực {percent(f.negative_share)}, "
            f"tin sai {percent(f.misinformation_share)}",
            f"Từ {vn_time(f.first_seen)} đến {vn_time(f.last_seen)}"]
    if f.provinces:
        head.append("Tỉnh/thành: " + ", ".join(name for name, _ in top_items(f.provinces)))
    tail = f"Chi tiết: {url}"
    text = "\n".join(head)
    for post in f.top_posts[:3]:
        candidate = text + "\n" + _post_line(post, 160)
        if len(candidate) + 1 + len(tail) > ZALO_MAX_CHARS:
            break
        text = candidate
    text = text + "\n" + tail
    if len(text) > ZALO_MAX_CHARS:  # only with an absurd base URL: keep the link, cut the facts
        text = text[: ZALO_MAX_CHARS - len(tail) - 2] + "…\n" + tail
    return text


class Notification(BaseModel):
    """One message to deliver on every channel: what the outbox stores (JSON) and the channels send."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str  # idempotency key: sent as X-Crisiswatch-Delivery / Message-ID so receivers can drop duplicates
    alert_id: str
    kind: UpdateKind
    severity: Severity
    created_at: AwareDatetime
    message: AlertMessage
    update: EpisodeUpdate

    def webhook_payload(self) -> dict[str, Any]:
        """The JSON body of the webhook: stable field names for receivers."""
        return {
            "id": self.id,
            "alert_id": self.alert_id,
            "event": self.kind.value,
            "severity": self.severity.value,
            "severity_score": self.update.severity_score,
            "title": self.update.title,
            "rule": self.update.rule,
            "key": self.update.key,
            "playbook": self.update.playbook,
            "at": self.update.at.isoformat(),
            "url": self.message.url,
            "text": self.message.text,
            "facts": self.update.facts.model_dump(mode="json", exclude={"mention_ids"}),
        }


def build_notification(update: EpisodeUpdate | Mapping[str, Any], alert_id: str | int, dashboard_base_url: str,
                       notification_id: str | None = None, created_at: datetime | None = None) -> Notification:
    update = as_update(update)
    return Notification(
        id=notification_id or uuid.uuid4().hex,
        alert_id=str(alert_id),
        kind=update.kind,
        severity=update.severity,
        created_at=created_at or update.at,
        message=compose(update, alert_id, dashboard_base_url),
        update=update,
    )
