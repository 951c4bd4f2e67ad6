"""The evaluation harness behind ``crisiswatch alert replay``: timelines → the real classifier → the rules, in
simulated time.

Input: JSON Lines, one mention per line with ``scenario``, ``ts`` (ISO 8601 with an offset), ``source``
(facebook | zalo | news) and ``text``; optional ``title``, ``author``, ``url``, ``province`` (as written; the text
is searched when absent), ``reach`` ({reactions, shares, comments, followers}). Other fields are ignored; lines
without ``text`` are skipped (counted); a line that is not JSON, lacks a field or has a bad value is an error that
names the file and line. Each mention goes through the crawlers' text pipeline (cleaning, Decree 13 masking,
normalization, province) and the served classifier, then every scenario is replayed on its own through fresh
rules (`alerting.dry_run`): ticks every 5 minutes of simulated time, continued until the rules' longest
``resolve_after`` after the last mention so episodes can end.

Crawler-health rules (``flatline``) are not replayed (a timeline's gaps say nothing about the crawlers).

Output per scenario: ``scenario``, ``first_alert_at`` and ``alerts`` (each ``rule``, ``key``, ``severity`` (the
highest the episode reached), ``opened_at``). With expectations (``alerting/scenarios/expectations.yaml``), each
scenario is judged: a crisis must alert by ``alert_by``; a quiet scenario must not alert; after
``no_new_episode_after`` no new episode may open.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from alerting.dry_run import dry_run
from alerting.episodes import EpisodeUpdate, Severity, UpdateKind
from alerting.rules import PLAYBOOKS, Rule
from common.claims import Registry
from common.query import TIMEZONE
from common.schema import ClassifiedMention, Mention, Source
from common.text import process, resolve_province

TICK = timedelta(minutes=5)


class TimelineError(ValueError):
    """A timeline or expectations file that cannot be replayed; the message names the file and line."""


class _Reach(BaseModel):
    model_config = ConfigDict(extra="ignore")
    reactions: int = 0
    shares: int = 0
    comments: int = 0
    followers: int | None = None


class TimelineLine(BaseModel):
    model_config = ConfigDict(extra="ignore")  # the spec: other fields are ignored
    scenario: str
    ts: AwareDatetime
    source: Source
    text: str
    title: str | None = None
    author: str | None = None
    url: str | None = None
    province: str | None = None
    reach: _Reach = _Reach()


@dataclass
class Timelines:
    lines: dict[str, list[tuple[int, TimelineLine]]]  # scenario → (line number, line), file order
    skipped: int = 0  # lines without text


def read_timelines(path: Path) -> Timelines:
    found: dict[str, list[tuple[int, TimelineLine]]] = defaultdict(list)
    skipped = 0
    try:
        handle = path.open("rb")  # decoded line by line, so a bad byte is reported with its line
    except OSError as error:
        raise TimelineError(f"{path}: không đọc được tệp ({error.strerror or error})") from error
    with handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            where = f"{path}:{number}"
            try:
                data = json.loads(raw.decode("utf-8-sig"))  # a BOM (Windows editors) is not an error
            except UnicodeDecodeError as error:
                raise TimelineError(f"{where}: không phải văn bản UTF-8 ({error})") from error
            except json.JSONDecodeError as error:
                raise TimelineError(f"{where}: không phải JSON hợp lệ ({error})") from error
            if not isinstance(data, dict):
                raise TimelineError(f"{where}: mỗi dòng phải là một đối tượng JSON")
            if not data.get("text"):
                skipped += 1
                continue
            try:
                line = TimelineLine.model_validate(data)
            except ValidationError as error:
                first = error.errors()[0]
                field_name = ".".join(str(part) for part in first["loc"])
                raise TimelineError(f"{where}: trường '{field_name}': {first['msg']}") from error
            found[line.scenario].append((number, line))
    return Timelines(dict(found), skipped)


def to_mention(line: TimelineLine, number: int, pii_key: bytes) -> Mention:
    """What the crawlers would have produced for this line (same text pipeline, PII masked)."""
    body = process(line.text, pii_key)
    province = None
    if line.province:
        resolved = resolve_province(line.province)
        if resolved is not None:
            province = {"written": line.province, "old": resolved[0], "new": resolved[1]}
    if province is None and body.province is not None:
        hit = body.province
        province = {"written": hit.written, "old": hit.old, "new": hit.new}
    return Mention.create(
        source=line.source, source_id=f"replay:{line.scenario}:{number}", text=body.masked,
        text_normalized=body.normalized, created_at=line.ts, fetched_at=line.ts, url=line.url,
        title=process(line.title, pii_key).masked if line.title else None,
        author={"id": None, "name": line.author},
        reach={"reactions": line.reach.reactions, "shares": line.reach.shares, "comments": line.reach.comments,
               "author_followers": line.reach.followers},
        province=province, language="vi")


@dataclass
class ReplayedAlert:
    rule: str
    key: str
    severity: Severity
    opened_at: datetime
    title: str
    playbook: str | None = None  # the crisis type the rule answers with

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "key": self.key, "severity": self.severity.value,
                "opened_at": self.opened_at.astimezone(TIMEZONE).isoformat()}


@dataclass
class ScenarioResult:
    scenario: str
    mentions: int
    alerts: list[ReplayedAlert] = field(default_factory=list)

    @property
    def first_alert_at(self) -> datetime | None:
        return min((a.opened_at for a in self.alerts), default=None)

    def as_json(self) -> dict[str, Any]:
        first = self.first_alert_at
        return {"scenario": self.scenario, "first_alert_at": first.astimezone(TIMEZONE).isoformat() if first else None,
                "alerts": [a.as_json() for a in self.alerts]}


def episodes(updates: Iterable[EpisodeUpdate]) -> list[ReplayedAlert]:
    """One entry per opened episode, with the highest severity it reached before it ended."""
    open_now: dict[tuple[str, str], ReplayedAlert] = {}
    found: list[ReplayedAlert] = []
    for update in updates:
        current = open_now.get(update.episode)
        if update.kind is UpdateKind.opened or current is None:
            current = ReplayedAlert(update.rule, update.key, update.severity, update.at, update.title,
                                    update.playbook)
            open_now[update.episode] = current
            found.append(current)
        elif update.severity.rank > current.severity.rank:
            current.severity = update.severity
        if update.kind is UpdateKind.resolved:
            open_now.pop(update.episode, None)
    return found


def replay_scenario(name: str, mentions: Sequence[ClassifiedMention], rules: Sequence[Rule], *,
                    claims: Registry | None = None) -> ScenarioResult:
    """Replay one scenario through fresh `rules`. Crawler-health rules (``flatline``) are left out: a timeline is
    a sample of the conversation, not a crawl log, so its gaps say nothing about the crawlers."""
    rules = [rule for rule in rules if rule.type != "flatline"]
    ordered = sorted(mentions, key=lambda m: m.created_at)
    linger = max((rule.resolve_after for rule in rules), default=timedelta(hours=1))
    until = ordered[-1].created_at + linger + TICK if ordered else None
    updates = dry_run(rules, ordered, tick_every=TICK, until=until, claims=claims)
    return ScenarioResult(name, len(ordered), episodes(updates))


# --- expectations ---------------------------------------------------------------------------------------------

class Expectation(BaseModel):
    model_config = ConfigDict(extra="ignore")
    crisis: bool
    type: str | None = None
    starts_at: AwareDatetime | None = None
    alert_by: AwareDatetime | None = None
    why: str | None = None
    no_new_episode_after: AwareDatetime | None = None


@dataclass
class Verdict:
    scenario: str
    passed: bool
    reason: str  # Vietnamese


def read_expectations(path: Path) -> dict[str, Expectation]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise TimelineError(f"{path}: không đọc được tệp kỳ vọng ({error})") from error
    scenarios = data.get("scenarios") if isinstance(data, dict) else None
    if not isinstance(scenarios, dict):
        raise TimelineError(f"{path}: thiếu khóa 'scenarios' (bảng kịch bản → kỳ vọng)")
    expectations = {}
    for name, raw in scenarios.items():
        try:
            expectations[name] = Expectation.model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(["scenarios", str(name), *map(str, first["loc"])])
            raise TimelineError(f"{path}: {where}: {first['msg']}") from error
        if expectations[name].type is not None and expectations[name].type not in PLAYBOOKS:
            raise TimelineError(f"{path}: scenarios.{name}.type: loại khủng hoảng '{expectations[name].type}' không "
                                f"có (một trong: {', '.join(PLAYBOOKS)})")
        if expectations[name].crisis and expectations[name].alert_by is None:
            raise TimelineError(f"{path}: scenarios.{name}: kịch bản khủng hoảng cần 'alert_by'")
    return expectations


def judge(result: ScenarioResult, expectation: Expectation) -> Verdict:
    """A crisis passes when an alert of its crisis type (the rule's playbook; any alert when the expectation
    names no type) opened by ``alert_by`` and no new episode opened after ``no_new_episode_after``; a quiet
    scenario passes with no alert at all."""
    if not expectation.crisis:
        if result.alerts:
            first = result.alerts[0]
            return Verdict(result.scenario, False, f"không được cảnh báo nhưng có {len(result.alerts)} cảnh báo, "
                                                   f"đầu tiên {first.rule} lúc {_vn(first.opened_at)}")
        return Verdict(result.scenario, True, "không có cảnh báo, đúng kỳ vọng")
    assert expectation.alert_by is not None  # checked when read
    matching = [a for a in result.alerts if expectation.type is None or a.playbook == expectation.type]
    first = min((a.opened_at for a in matching), default=None)
    kind = f"loại {expectation.type}" if expectation.type else "nào"
    if first is None:
        return Verdict(result.scenario, False, f"không có cảnh báo {kind}")
    if first > expectation.alert_by:
        return Verdict(result.scenario, False, f"cảnh báo {kind} muộn {first - expectation.alert_by} so với hạn "
                                               f"{_vn(expectation.alert_by)}")
    if expectation.no_new_episode_after is not None:
        late_ones = [a for a in result.alerts if a.opened_at > expectation.no_new_episode_after]
        if late_ones:
            worst = late_ones[0]
            return Verdict(result.scenario, False, f"mở đợt mới sau khi đã bác bỏ: {worst.rule} [{worst.key}] lúc "
                                                   f"{_vn(worst.opened_at)}")
    return Verdict(result.scenario, True, f"cảnh báo {kind} sớm hơn hạn {expectation.alert_by - first}")


def _vn(value: datetime) -> str:
    return f"{value.astimezone(TIMEZONE):%d/%m %H:%M}"
