"""The query AST: small frozen dataclasses, backend-neutral.

Every backend (the in-memory matcher here, the Elasticsearch and tantivy compilers of the index) walks the same
tree and calls `analyzed` for the normalized form of a leaf, so all of them apply the same analysis.

Invariants the parser guarantees (backends may rely on them):

- ``field`` is always a registered field name (see `common.query.fields.FIELDS`), lower case.
- Text fields: `Term` analyzes to exactly one token, `Phrase` to one or more; `Wildcard` is a single word.
- Keyword fields: `Term.value` is the raw value (compare it through `analyzed`); enum fields hold the canonical
  enum value. Keyword `Wildcard` matches the whole folded value.
- Number and date fields only appear in `Range` (``reach:100`` is ``Range(reach, 100, 100, True, True)``).
  Bounds are ``int | float``, aware UTC ``datetime``, `RelativeDate` (``now-7d``, resolved when matching), or
  ``None`` for an open end (whose include flag is then always True).
- Bool fields only appear in `Term` with a ``bool`` value.
- `And` / `Or` have at least two children and are flattened (no `And` directly inside an `And`).

``pos`` (0-based offset of the clause in the query) is informational and ignored by ``==``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import common.text as _text

from .fields import FIELDS, FieldKind, keyword_key, normalize_keyword

__all__ = ["Node", "And", "Or", "Not", "Term", "Phrase", "Wildcard", "Range", "MatchAll", "RelativeDate",
           "Bound", "analyzed", "walk"]


@dataclass(frozen=True, slots=True)
class RelativeDate:
    """``now`` plus a signed offset (``now-7d`` is ``RelativeDate(timedelta(days=-7))``). Kept symbolic so a rule
    compiled once and run for days keeps meaning "the last 7 days"; Elasticsearch takes `str(d)` as date math."""

    offset: timedelta = timedelta(0)

    def resolve(self, now: datetime | None = None) -> datetime:
        return (now or datetime.now(UTC)) + self.offset

    def __str__(self) -> str:
        seconds = int(self.offset.total_seconds())
        if seconds == 0:
            return "now"
        sign, seconds = ("-" if seconds < 0 else "+"), abs(seconds)
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
            if seconds % size == 0:
                return f"now{sign}{seconds // size}{unit}"
        raise AssertionError("unreachable")


Bound = int | float | datetime | RelativeDate | None

def _pos():
    """The ``pos`` field of every node: offset in the query, not part of equality or repr."""
    return field(default=0, compare=False, repr=False)

_SPECIAL = set('()"[]{}:\\*?')
_OPERATORS = {"AND", "OR", "NOT"}


def _escape_word(value: str, keep_wildcards: bool = False) -> str:
    """`value` as a bare word the parser reads back as exactly `value`."""
    out = []
    i = 0
    while i < len(value):
        ch = value[i]
        if keep_wildcards and ch == "\\" and i + 1 < len(value):
            out.append(value[i:i + 2])  # already an escape of the wildcard pattern
            i += 2
            continue
        if keep_wildcards and ch in "*?":
            out.append(ch)
        elif ch in _SPECIAL or ch.isspace() or (i == 0 and ch in "-/"):  # "/": url://x would not be a field
            out.append("\\" + ch)
        else:
            out.append(ch)
        i += 1
    text = "".join(out)
    if text in _OPERATORS or not text:
        text = "\\" + text if text else '""'
    return text


def _quote(value: str) -> str:
    return '"' + re.sub(r'(["\\*?])', r"\\\1", value) + '"'


def _prefix(name: str) -> str:
    return "" if name == "text" else name + ":"


class Node:
    """Base of all query nodes."""

    __slots__ = ()

    def to_string(self) -> str:
        """A query string that parses back to an equal tree."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.to_string()


def _group(node: Node) -> str:
    text = node.to_string()
    return f"({text})" if isinstance(node, And | Or) else text


@dataclass(frozen=True, slots=True)
class And(Node):
    children: tuple[Node, ...]
    pos: int = _pos()

    def to_string(self) -> str:
        return " AND ".join(_group(c) for c in self.children)


@dataclass(frozen=True, slots=True)
class Or(Node):
    children: tuple[Node, ...]
    pos: int = _pos()

    def to_string(self) -> str:
        return " OR ".join(_group(c) for c in self.children)


@dataclass(frozen=True, slots=True)
class Not(Node):
    child: Node
    pos: int = _pos()

    def to_string(self) -> str:
        return "NOT " + _group(self.child)


@dataclass(frozen=True, slots=True)
class Term(Node):
    field: str
    value: str | bool
    pos: int = _pos()

    def to_string(self) -> str:
        if isinstance(self.value, bool):
            return f"{self.field}:{'true' if self.value else 'false'}"
        text_field = self.field in FIELDS and FIELDS[self.field].kind is FieldKind.text
        if not text_field and (not self.value or any(ch.isspace() for ch in self.value)):
            return _prefix(self.field) + _quote(self.value)  # keyword values may hold spaces
        return _prefix(self.field) + _escape_word(self.value)


@dataclass(frozen=True, slots=True)
class Phrase(Node):
    field: str
    value: str
    pos: int = _pos()

    def to_string(self) -> str:
        return _prefix(self.field) + _quote(self.value)


@dataclass(frozen=True, slots=True)
class Wildcard(Node):
    """``*`` = any run of characters, ``?`` = one character; ``\\*``, ``\\?``, ``\\\\`` are literal."""

    field: str
    pattern: str
    pos: int = _pos()

    def to_string(self) -> str:
        prefix = self.field + ":" if set(self.pattern) <= {"*"} else _prefix(self.field)  # a bare * is MatchAll
        return prefix + _escape_word(self.pattern, keep_wildcards=True)


def _format_bound(value: Bound) -> str:
    if value is None:
        return "*"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, float):
        return repr(value)
    return str(value)


@dataclass(frozen=True, slots=True)
class Range(Node):
    field: str
    lower: Bound
    upper: Bound
    include_lower: bool = True
    include_upper: bool = True
    pos: int = _pos()

    def to_string(self) -> str:
        left = "[" if self.include_lower else "{"
        right = "]" if self.include_upper else "}"
        return f"{self.field}:{left}{_format_bound(self.lower)} TO {_format_bound(self.upper)}{right}"


@dataclass(frozen=True, slots=True)
class MatchAll(Node):
    pos: int = _pos()

    def to_string(self) -> str:
        return "*"


def walk(node: Node):
    """Yield `node` and all its descendants, depth first."""
    yield node
    if isinstance(node, And | Or):
        for child in node.children:
            yield from walk(child)
    elif isinstance(node, Not):
        yield from walk(node.child)


def analyzed(node: Term | Phrase | Wildcard) -> tuple[str, ...]:
    """The normalized form of a leaf, as every backend must compare it.

    - text `Term` / `Phrase`: the tokens of ``common.text.tokens(value)`` (a phrase = these tokens in a row);
    - keyword `Term`: one comparison key (folded, lower-cased; provinces resolved through the gazetteer), or
      ``()`` for an empty value;
    - bool `Term`: ``("true",)`` or ``("false",)``;
    - `Wildcard`: one folded, lower-cased pattern (``*``/``?`` wildcards, backslash escapes kept).
    """
    kind = FIELDS[node.field].kind
    if isinstance(node, Wildcard):
        pattern = _text.fold(node.pattern).lower()
        return (normalize_keyword(pattern) if kind is FieldKind.keyword else pattern,)
    if isinstance(node.value, bool):
        return ("true" if node.value else "false",)
    if kind is FieldKind.text:
        return tuple(_text.tokens(node.value))
    key = keyword_key(node.field, node.value)
    return (key,) if key else ()


def wildcard_regex(pattern: str, *, token: bool = False) -> str:
    """Regex source of a wildcard pattern (``*``, ``?``, backslash escapes). ``token``: ``*``/``?`` stay inside
    one line, for matching one token of a newline-joined token list; otherwise they span a whole value."""
    any_run, any_one = (r"[^\n]*", r"[^\n]") if token else (".*", ".")
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(any_run if ch == "*" else any_one if ch == "?" else re.escape(ch))
        i += 1
    return "".join(out)
