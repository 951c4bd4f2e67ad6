"""The rule file schema: common keys validated here, the `params:` block by the rule's registered type.

Strict like every crisiswatch contract: unknown keys are errors, durations are written "30s", "15m", "1h", "7d",
and every error carries the key path (and, from the loader, the file and YAML line).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from alerting.severity import SeverityConfig
from common.query import Matcher, QuerySyntaxError, compile_query

PLAYBOOKS = ("rumor", "scam_impersonation", "service_quality", "contribution_evasion", "outage", "slow_burn")

# Query-key fields: the query-language field names whose values split a rule's stream into episodes.
KEY_FIELDS = ("topic", "province", "claim", "cluster", "source", "author", "sentiment", "id")

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(value: Any) -> timedelta:
    """"15m" → 15 minutes. Also accepts a `timedelta` (rules built in Python)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        found = _DURATION.match(value)
        if found:
            return timedelta(**{_UNIT[found.group(2)]: int(found.group(1))})
    raise ValueError(f"thời lượng phải có dạng '30s', '15m', '1h', '7d' (duration expected), không phải {value!r}")


def format_duration(value: timedelta) -> str:
    """The shortest exact form: 90 minutes → "90m", 7 days → "7d" (used in Vietnamese titles)."""
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
PositiveDuration = Annotated[Duration, Field(gt=timedelta(0))]


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a rule file: where (file, key path, YAML line) and what."""

    file: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        key = f" khóa '{self.path}'" if self.path else ""
        return f"{where}:{key} {self.message}"


class RuleError(ValueError):
    """One or more invalid rule files; ``issues`` lists every problem found, ``str()`` one per line."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("luật cảnh báo không hợp lệ (invalid alert rule):\n" + "\n".join(f"  {i}" for i in issues))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Params(_Strict):
    """Base of every rule type's `params:` model."""


_TITLE_FIELDS = {"key", "count", "window_count", "velocity", "window", "rule"}


class Rule(_Strict):
    """One alert rule. `name` is the file stem; `params` is the validated params model of `type`."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]
    type: str
    description: Annotated[str, Field(min_length=1)]
    enabled: bool = True
    query: str = "*"
    key: tuple[str, ...] = ()
    playbook: str | None = None
    # Vietnamese title template: {key} {count} {window_count} {velocity} {window} {rule} (= description)
    title: str | None = None
    severity: SeverityConfig = SeverityConfig()
    realert: Duration = timedelta(hours=6)
    resolve_after: Duration = timedelta(hours=1)
    update_every: PositiveDuration = timedelta(minutes=15)
    digest: PositiveDuration | None = None  # notify through a digest every this long instead of at once
    params: Params = Params()

    _matcher: Matcher = PrivateAttr()

    @field_validator("key", mode="before")
    @classmethod
    def _key_list(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("key")
    @classmethod
    def _known_keys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for field in value:
            if field not in KEY_FIELDS:
                raise ValueError(f"trường khóa '{field}' không hợp lệ (unknown key field); "
                                 f"dùng: {', '.join(KEY_FIELDS)}")
        if len(set(value)) != len(value):
            raise ValueError("trường khóa bị lặp (duplicate key field)")
        return value

    @field_validator("playbook")
    @classmethod
    def _known_playbook(cls, value: str | None) -> str | None:
        if value is not None and value not in PLAYBOOKS:
            raise ValueError(f"playbook '{value}' không tồn tại (unknown playbook); dùng: {', '.join(PLAYBOOKS)}")
        return value

    @field_validator("title")
    @classmethod
    def _title_fields(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
        except ValueError as error:
            raise ValueError(f"mẫu tiêu đề sai cú pháp (bad title template): {error}") from error
        unknown = {n.split(".")[0].split("[")[0] for n in names} - _TITLE_FIELDS
        if unknown:
            raise ValueError(f"mẫu tiêu đề dùng trường lạ {sorted(unknown)}; dùng: {', '.join(sorted(_TITLE_FIELDS))}")
        return value

    @property
    def matcher(self) -> Matcher:
        return self._matcher

    @classmethod
    def from_dict(cls, data: Any, *, name: str, file: str = "<rule>") -> Rule:
        """Validate a parsed rule file. Raises `RuleError` with the key path of every problem (no lines: the
        loader adds them)."""
        from alerting.rules.registry import RULE_TYPES

        if not isinstance(data, dict):
            raise RuleError([Issue(file, "", "tệp luật phải là một bảng khóa: giá trị (a YAML mapping is expected)")])
        data = dict(data)
        raw_params = data.pop("params", None)
        issues: list[Issue] = []
        try:
            rule = cls.model_validate({"name": name, **data})
        except ValidationError as error:
            issues.extend(Issue(file, _loc(e["loc"]), e["msg"]) for e in error.errors())
            rule = None
        type_name = data.get("type")
        rule_type = RULE_TYPES.get(type_name) if isinstance(type_name, str) else None
        if "type" in data and rule_type is None:
            issues.append(Issue(file, "type", f"loại luật {type_name!r} không tồn tại (unknown rule type); "
                                              f"các loại đã biết: {', '.join(sorted(RULE_TYPES))}"))
        params = None
        if rule_type is not None:
            try:
                params = rule_type.Params.model_validate(raw_params if raw_params is not None else {})
            except ValidationError as error:
                issues.extend(Issue(file, _loc(("params", *e["loc"])), e["msg"]) for e in error.errors())
        matcher = None
        query = data.get("query", "*")
        if isinstance(query, str):
            try:
                matcher = compile_query(query)
            except QuerySyntaxError as error:
                issues.append(Issue(file, "query", f"truy vấn sai (query error) ở vị trí {error.position}: {error}"))
        if rule is not None and rule_type is not None and params is not None:
            issues.extend(Issue(file, path, msg) for path, msg in rule_type.check_rule(rule, params))
        if issues:
            raise RuleError(issues)
        assert rule is not None and params is not None and matcher is not None
        rule = rule.model_copy(update={"params": params})
        rule._matcher = matcher
        return rule


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)
