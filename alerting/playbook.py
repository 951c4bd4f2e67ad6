"""Response playbooks: YAML definitions per crisis type, the planned run of an alert, response templates,
escalation of overdue steps and the recovery verdict.

Pure domain code: the store (``alerting.store``) persists runs and steps; nothing here touches a database.

Timing rule: a step's ``sla`` is a deadline counted from the START OF THE RUN (the alert), not from the end of the
previous step: "refute within 4 hours of the alert" is how communication deadlines are set, and a late step never
pushes later deadlines back. Steps are listed in their recommended order, so SLAs may not decrease along the list.

Templates are Jinja2 rendered in a SANDBOXED environment with ``StrictUndefined``. They only see the vetted
context built by :func:`response_context` (counts, times, province names, the registry's rebuttal, official
contacts): never mention texts or authors. Values are inserted as data: a ``{{ 7*7 }}`` inside a value is printed,
never evaluated. Autoescape is off because the outputs are plain text (Facebook reply, press statement, Zalo).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

import yaml
from jinja2 import StrictUndefined, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from alerting.episodes import EpisodeUpdate, utc
from alerting.notify.messages import SEVERITY_VI, SOURCE_VI, as_update, percent, top_items, vn_number, vn_time
from common.claims import Registry, load_registry

DEFAULT_PLAYBOOK_DIR = Path(__file__).resolve().parent / "playbooks"
RECOVERY_KEY = "recovery"
HOTLINE = "1900 9068"
OFFICIAL_SOURCES = (
    "Cổng Thông tin điện tử BHXH Việt Nam: https://baohiemxahoi.gov.vn",
    "Ứng dụng VssID - BHXH số (nhà phát triển: Bảo hiểm xã hội Việt Nam) tải từ App Store hoặc Google Play",
    "Trang Facebook và Zalo OA chính thức của BHXH Việt Nam, BHXH các tỉnh/thành phố",
)

Role = Literal["duty_officer", "provincial_office", "legal", "leadership", "spokesperson"]
ROLE_VI: dict[str, str] = {"duty_officer": "Cán bộ trực", "provincial_office": "BHXH tỉnh/thành phố",
                           "legal": "Pháp chế", "leadership": "Lãnh đạo", "spokesperson": "Người phát ngôn"}
TemplateKind = Literal["internal_report", "facebook_reply", "press_statement", "zalo_message", "platform_report",
                       "provincial_instruction", "legal_referral"]

_DURATION = re.compile(r"^(\d+)(m|h|d)$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class PlaybookError(ValueError):
    """An invalid playbook or template; the message names the file and the key path."""


def parse_duration(text: str) -> timedelta:
    """ "30m", "2h", "1d" → timedelta (minutes, hours, days; a positive integer)."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"thời hạn {text!r} không hợp lệ: dùng số nguyên dương kèm m (phút), h (giờ) hoặc d (ngày), "
                         f"ví dụ 30m, 2h, 1d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


# --- templates --------------------------------------------------------------------------------------------------
_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True,
                            keep_trailing_newline=False)
CONTEXT_KEYS = frozenset({
    "title", "rule", "severity", "severity_score", "count", "window_count", "velocity", "reach", "negative_share",
    "misinformation_share", "window_start", "window_end", "provinces", "provinces_text", "province", "sources_text",
    "top_terms", "claim", "hotline", "official_sources", "alert_url",
})


@functools.lru_cache(maxsize=256)
def _compile(source: str) -> Any:
    return _ENV.from_string(source)


def render(template: str, context: Mapping[str, Any]) -> str:
    """Render a playbook template (trusted: it comes from the playbook files) with a vetted context.

    Raises :class:`PlaybookError` for syntax errors, unknown variables (StrictUndefined) and sandbox violations."""
    try:
        return _compile(template).render(**context).strip() + "\n"
    except TemplateError as error:
        raise PlaybookError(f"mẫu văn bản lỗi: {type(error).__name__}: {error}") from error


# --- definitions ------------------------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Template(_Strict):
    kind: TemplateKind
    text: Annotated[str, Field(min_length=1)]

    @field_validator("text")
    @classmethod
    def _compiles(cls, text: str) -> str:
        try:
            parsed = _ENV.parse(text)
        except TemplateError as error:
            raise ValueError(f"mẫu Jinja2 sai cú pháp: {error}") from None
        unknown = sorted(meta.find_undeclared_variables(parsed) - CONTEXT_KEYS)
        if unknown:
            raise ValueError(f"biến không có trong ngữ cảnh: {', '.join(unknown)} "
                             f"(được dùng: {', '.join(sorted(CONTEXT_KEYS))})")
        return text


class Step(_Strict):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
    title: Annotated[str, Field(min_length=1)]
    role: Role
    sla: timedelta
    escalate_to: Role
    instructions: str | None = None
    template: Template | None = None

    @field_validator("sla", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta:
        return parse_duration(value)

    @model_validator(mode="after")
    def _escalates_upwards(self) -> Step:
        # Escalating to the same role would only remind the people who are already late; leadership is the top.
        if self.escalate_to == self.role and self.role != "leadership":
            raise ValueError(f"escalate_to phải khác role ({self.role})")
        return self


class Playbook(_Strict):
    name: str  # crisis type = file stem (the rule's `playbook:` value)
    title: Annotated[str, Field(min_length=1)]
    description: Annotated[str, Field(min_length=1)]
    steps: Annotated[list[Step], Field(min_length=2)]

    @model_validator(mode="after")
    def _coherent(self) -> Playbook:
        seen: set[str] = set()
        for step in self.steps:
            if step.key in seen:
                raise ValueError(f"khóa bước {step.key!r} bị trùng")
            seen.add(step.key)
        for earlier, later in zip(self.steps, self.steps[1:]):
            if later.sla < earlier.sla:
                raise ValueError(f"bước {later.key!r} có sla sớm hơn bước trước {earlier.key!r} "
                                 f"(sla tính từ lúc bắt đầu kịch bản, không được giảm dần)")
        if self.steps[-1].key != RECOVERY_KEY or RECOVERY_KEY in {s.key for s in self.steps[:-1]}:
            raise ValueError(f"bước cuối cùng (và chỉ bước cuối) phải có key {RECOVERY_KEY!r}")
        return self

    def step(self, key: str) -> Step:
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(key)


def _location(loc: tuple[Any, ...], raw: Any) -> str:
    """pydantic loc → "steps[2] (key 'press').template.text"."""
    parts: list[str] = []
    node = raw
    for part in loc:
        if isinstance(part, int):
            label = f"[{part}]"
            if isinstance(node, list) and part < len(node):
                node = node[part]
                if isinstance(node, dict) and isinstance(node.get("key"), str):
                    label += f" (key {node['key']!r})"
            parts.append(label)
        else:
            node = node.get(part) if isinstance(node, dict) else None
            parts.append(("." if parts else "") + str(part))
    return "".join(parts)


def parse_playbook(data: Any, name: str, where: str) -> Playbook:
    if not isinstance(data, dict):
        raise PlaybookError(f"{where}: cần một mapping với title, description, steps")
    try:
        return Playbook.model_validate({**data, "name": name})
    except ValidationError as error:
        lines = []
        for item in error.errors():
            path = _location(tuple(item["loc"]), data)
            message = item["msg"].removeprefix("Value error, ")
            lines.append(f"{where}: {path + ': ' if path else ''}{message}")
        raise PlaybookError("\n".join(lines)) from None


def load_playbooks(dir: str | Path | None = None) -> dict[str, Playbook]:  # noqa: A002 - name fixed by the API
    """Every ``*.yaml`` of ``dir`` (default: the bundled ``alerting/playbooks``), keyed by file stem."""
    folder = Path(dir) if dir is not None else DEFAULT_PLAYBOOK_DIR
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise PlaybookError(f"{folder}: không có tệp kịch bản *.yaml nào")
    playbooks: dict[str, Playbook] = {}
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise PlaybookError(f"{path}: không đọc được YAML: {error}") from error
        playbooks[path.stem] = parse_playbook(data, path.stem, str(path))
    return playbooks


def select_playbook(update: EpisodeUpdate, playbooks: Mapping[str, Playbook]) -> Playbook | None:
    """The playbook an alert starts: the rule's ``playbook:``; None when the rule names none."""
    if update.playbook is None:
        return None
    try:
        return playbooks[update.playbook]
    except KeyError:
        raise PlaybookError(f"quy tắc {update.rule!r} chỉ định kịch bản {update.playbook!r} không tồn tại "
                            f"(có: {', '.join(sorted(playbooks))})") from None


# --- context ----------------------------------------------------------------------------------------------------
def main_claim(update: EpisodeUpdate, registry: Registry) -> dict[str, str] | None:
    """The most-mentioned claim of the episode that the registry knows, with its approved rebuttal."""
    for claim_id, _ in top_items(update.facts.claims, limit=len(update.facts.claims)):
        try:
            claim = registry.get(claim_id)
        except KeyError:
            continue
        return {"id": claim.id, "claim": claim.claim, "rebuttal": claim.rebuttal, "source_name": claim.source.name,
                "source_reference": claim.source.reference, "date": claim.date.strftime("%d/%m/%Y")}
    return None


def response_context(update: EpisodeUpdate | Mapping[str, Any], claims_registry: Registry | None = None,
                     alert_url: str = "") -> dict[str, Any]:
    """The only data templates see: vetted facts of the alert (no mention text, no author)."""
    update = as_update(update)
    registry = claims_registry if claims_registry is not None else load_registry()
    facts = update.facts
    provinces = [name for name, _ in top_items(facts.provinces)]
    return {
        "title": update.title,
        "rule": update.rule,
        "severity": SEVERITY_VI[update.severity],
        "severity_score": round(update.severity_score),
        "count": facts.count,
        "window_count": facts.window_count,
        "velocity": round(facts.velocity, 1),
        "reach": vn_number(facts.reach),
        "negative_share": percent(facts.negative_share),
        "misinformation_share": percent(facts.misinformation_share),
        "window_start": vn_time(facts.first_seen),
        "window_end": vn_time(facts.last_seen or update.at),
        "provinces": provinces,
        "provinces_text": ", ".join(provinces) if provinces else "nhiều địa phương",
        "province": provinces[0] if provinces else "",
        "sources_text": ", ".join(f"{SOURCE_VI.get(s, s)} ({n})" for s, n in top_items(facts.sources)) or "—",
        "top_terms": list(facts.top_terms[:8]),
        "claim": main_claim(update, registry),
        "hotline": HOTLINE,
        "official_sources": list(OFFICIAL_SOURCES),
        "alert_url": alert_url or "bảng điều khiển CrisisWatch",
    }


# --- runs -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StepPlan:
    """One step of a started run, as the store saves it."""

    position: int  # 0-based order in the playbook
    key: str
    title: str
    role: str
    escalate_to: str
    due_at: datetime  # UTC
    instructions: str | None
    template_kind: str | None
    rendered: str | None  # the template filled with the alert's facts (editable by the officer before sending)

    @property
    def text(self) -> str:
        """Instructions, then the filled template: the one text the store keeps per step ("" when neither)."""
        return "\n\n".join(part.strip() for part in (self.instructions, self.rendered) if part)


def plan_run(playbook: Playbook, alert_facts: EpisodeUpdate | Mapping[str, Any], started_at: datetime,
             claims_registry: Registry | None = None, alert_url: str = "") -> list[StepPlan]:
    """The steps of a new run: due times = ``started_at`` + each step's SLA; templates rendered."""
    started = utc(started_at)
    context = response_context(alert_facts, claims_registry, alert_url)
    plans = []
    for position, step in enumerate(playbook.steps):
        rendered = None
        if step.template is not None:
            try:
                rendered = render(step.template.text, context)
            except PlaybookError as error:
                raise PlaybookError(f"kịch bản {playbook.name!r}, bước {step.key!r}: {error}") from None
        plans.append(StepPlan(position=position, key=step.key, title=step.title, role=step.role,
                              escalate_to=step.escalate_to, due_at=started + step.sla,
                              instructions=step.instructions,
                              template_kind=step.template.kind if step.template else None, rendered=rendered))
    return plans


class StepLike(Protocol):
    """A saved step: the store's row (``step_key``) or a :class:`StepPlan` (``key``); ``status``,
    ``completed_at`` and ``escalated_at`` are read when present."""

    title: str
    due_at: datetime | None


@dataclass(frozen=True)
class Escalation:
    step_key: str
    title: str
    from_role: str
    to_role: str
    due_at: datetime
    overdue_by: timedelta
    message: str  # Vietnamese, for the notification and the run's timeline


CLOSED_STATUSES = frozenset({"done", "skipped", "completed"})


def escalations(steps: Iterable[StepLike], now: datetime, playbook: Playbook | None = None) -> list[Escalation]:
    """Open steps past their due time → escalate to the step's ``escalate_to`` role.

    Roles come from the playbook definition when given (the source of truth: stored rows may carry only the key),
    else from the step itself. A step is closed when its status is done / skipped / completed or it has a
    ``completed_at``; one that already has an ``escalated_at`` is not escalated twice."""
    now = utc(now)
    found = []
    for step in steps:
        key = getattr(step, "key", None) or getattr(step, "step_key")
        closed = (getattr(step, "completed_at", None) is not None
                  or str(getattr(step, "status", "")) in CLOSED_STATUSES)
        if (closed or getattr(step, "escalated_at", None) is not None or step.due_at is None
                or step.due_at > now):
            continue
        definition = playbook.step(key) if playbook is not None else None
        role = definition.role if definition else getattr(step, "role")
        escalate_to = definition.escalate_to if definition else getattr(step, "escalate_to")
        late = now - step.due_at
        minutes = int(late.total_seconds() // 60)
        late_text = f"{minutes // 60} giờ {minutes % 60} phút" if minutes >= 60 else f"{minutes} phút"
        action = (f"chuyển {ROLE_VI.get(escalate_to, escalate_to)} xử lý." if escalate_to != role
                  else "nhắc lại Lãnh đạo.")
        found.append(Escalation(
            step_key=key, title=step.title, from_role=role, to_role=escalate_to, due_at=step.due_at,
            overdue_by=late,
            message=(f"Bước “{step.title}” ({ROLE_VI.get(role, role)}) quá hạn {late_text} "
                     f"(hạn {vn_time(step.due_at)}): {action}")))
    return found


# --- recovery ---------------------------------------------------------------------------------------------------
RECOVERED_SHARE = 0.30  # negative share at or below which the conversation is back to its usual tone
IMPROVING_DROP = 0.05  # at least 5 percentage points lower counts as improving


class RecoveryStatus(StrEnum):
    recovered = "recovered"
    improving = "improving"
    not_recovered = "not_recovered"


RECOVERY_VI = {RecoveryStatus.recovered: "Đã phục hồi", RecoveryStatus.improving: "Đang cải thiện",
               RecoveryStatus.not_recovered: "Chưa phục hồi"}


@dataclass(frozen=True)
class RecoveryVerdict:
    status: RecoveryStatus
    before: float
    after: float
    change_points: float  # percentage points, negative = fewer negative mentions
    label: str
    message: str


def recovery(negative_share_before: float, negative_share_after: float) -> RecoveryVerdict:
    """Compare the negative share of mentions before the response and after it.

    - recovered: after ≤ 30% (the usual tone) and not higher than before;
    - improving: at least 5 percentage points lower, but still above 30%;
    - not recovered: anything else (flat or worse)."""
    for label, value in (("trước", negative_share_before), ("sau", negative_share_after)):
        if not 0 <= value <= 1:
            raise ValueError(f"tỷ lệ tiêu cực {label} phản hồi phải trong [0, 1] (nhận {value})")
    before, after = negative_share_before, negative_share_after
    if after <= RECOVERED_SHARE and after <= before:
        status = RecoveryStatus.recovered
    elif before - after >= IMPROVING_DROP:
        status = RecoveryStatus.improving
    else:
        status = RecoveryStatus.not_recovered
    change = round((after - before) * 100, 1)
    trend = "giảm" if change < 0 else ("tăng" if change > 0 else "không đổi")
    return RecoveryVerdict(
        status=status, before=before, after=after, change_points=change, label=RECOVERY_VI[status],
        message=(f"Tỷ lệ tiêu cực {trend} từ {percent(before)} xuống {percent(after)} ({change:+.1f} điểm %): "
                 f"{RECOVERY_VI[status].lower()}." if change < 0 else
                 f"Tỷ lệ tiêu cực {trend}: {percent(before)} → {percent(after)} ({change:+.1f} điểm %): "
                 f"{RECOVERY_VI[status].lower()}."))
