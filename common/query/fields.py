"""The field registry: the names a query may use, their kind, and how to read them from a mention.

The index issue maps the same names to Elasticsearch / tantivy fields, so a query means the same thing on
every backend. Kinds:

- ``text``: analyzed with ``common.text.tokens`` (accent/case-insensitive words; phrases = consecutive words).
- ``keyword``: one or several exact values, compared folded (no accents) and lower-cased; see `keyword_key`.
- ``number`` / ``date``: compared with ranges; dates are aware UTC datetimes.
- ``bool``: ``true`` / ``false``.

Getters take a `Mention` (or `ClassifiedMention`) and return: for text fields a tuple of strings to analyze, for
keyword fields a tuple of raw strings (any of them may match), otherwise the value or ``None`` when missing.
Label fields only exist on `ClassifiedMention`; on a raw `Mention` their getter returns "missing", so a clause
over them does not match.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import common.text as _text
from common.schema import Sentiment, Source, Topic


class FieldKind(StrEnum):
    text = "text"
    keyword = "keyword"
    number = "number"
    date = "date"
    bool = "bool"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: FieldKind
    description: str
    getter: Callable[[Any], Any]
    allowed: tuple[str, ...] | None = None  # closed set of values (enums), validated at parse time
    label: bool = False  # only present on ClassifiedMention


DEFAULT_FIELD = "text"


def _strs(*values: str | None) -> tuple[str, ...]:
    return tuple(v for v in values if v)


def _labels(m: Any) -> Any:
    return getattr(m, "labels", None)


def _label(attr: str) -> Callable[[Any], Any]:
    def get(m: Any) -> Any:
        labels = _labels(m)
        return None if labels is None else getattr(labels, attr)
    return get


def _label_enum(attr: str) -> Callable[[Any], tuple[str, ...]]:
    def get(m: Any) -> tuple[str, ...]:
        labels = _labels(m)
        return () if labels is None else (getattr(labels, attr).value,)
    return get


def _claims(m: Any) -> tuple[str, ...]:
    return tuple(c.claim_id for c in getattr(m, "claims", None) or ())


def _province(m: Any) -> tuple[str, ...]:
    p = m.province
    return () if p is None else _strs(p.old, p.new)


_K, _T, _N, _D, _B = FieldKind.keyword, FieldKind.text, FieldKind.number, FieldKind.date, FieldKind.bool

FIELDS: dict[str, Field] = {f.name: f for f in (
    Field("text", _T, "title + text (the default field)", lambda m: _strs(m.title, m.text_normalized)),
    Field("title", _T, "news headline (posts and comments have none)", lambda m: _strs(m.title)),
    Field("source", _K, "where the mention comes from", lambda m: (m.source.value,),
          allowed=tuple(s.value for s in Source)),
    Field("author", _K, "author name or author id", lambda m: _strs(m.author.name, m.author.id)),
    Field("province", _K, "province, pre- or post-merger name (resolved through the gazetteer)", _province),
    Field("language", _K, "ISO 639-1 language code, e.g. vi", lambda m: _strs(m.language)),
    Field("url", _K, "URL of the post or article", lambda m: _strs(m.url)),
    Field("reactions", _N, "number of reactions", lambda m: m.reach.reactions),
    Field("shares", _N, "number of shares", lambda m: m.reach.shares),
    Field("comments", _N, "number of comments", lambda m: m.reach.comments),
    Field("followers", _N, "followers of the author (missing when unknown)", lambda m: m.reach.author_followers),
    Field("reach", _N, "reactions + shares + comments",
          lambda m: m.reach.reactions + m.reach.shares + m.reach.comments),
    Field("created_at", _D, "publication time", lambda m: m.created_at),
    Field("topic", _K, "classified topic", _label_enum("topic"), allowed=tuple(t.value for t in Topic), label=True),
    Field("sentiment", _K, "classified sentiment", _label_enum("sentiment"),
          allowed=tuple(s.value for s in Sentiment), label=True),
    Field("misinformation", _B, "classified as misinformation", _label("misinformation"), label=True),
    Field("misinformation_score", _N, "misinformation score, 0..1", _label("misinformation_score"), label=True),
    Field("relevant", _B, "classified as relevant to BHXH", _label("relevant"), label=True),
    Field("claim", _K, "id of a refuted claim the mention matches", _claims, label=True),
    Field("cluster", _K, "near-duplicate cluster id", lambda m: _strs(m.cluster_id)),
    Field("id", _K, "mention id", lambda m: (m.id,)),
    Field("parent", _K, "mention id of the parent post (comments, replies)", lambda m: _strs(m.parent_id)),
)}


def get_field(name: str) -> Field | None:
    """The field called `name` (case-insensitive), or None."""
    return FIELDS.get(name.lower())


# ---------------------------------------------------------------------------------------------- keyword values

def normalize_keyword(value: str) -> str:
    """Folded (no accents, đ→d), lower-cased, whitespace-collapsed form used to compare keyword values."""
    return " ".join(_text.fold(unicodedata.normalize("NFC", value)).lower().split())


def canonical_province(value: str) -> str:
    """Comparison key of a province name as written ("HCM", "binh duong", "Bình Dương").

    Resolved through ``common.text.resolve_province`` (pre-merger name or None, post-merger name): a name that
    denotes a pre-merger province keys to that province, a post-merger-only name to the new one. Unknown names,
    or a toolkit without the gazetteer, fall back to the folded value.
    """
    resolver = getattr(_text, "resolve_province", None)
    if resolver is not None:
        try:
            resolved = resolver(value)
        except Exception:  # a gazetteer bug must not break matching; fall back to plain comparison
            resolved = None
        if resolved:
            old, new = resolved
            return normalize_keyword(old or new)
    return normalize_keyword(value)


def keyword_key(field: str, value: str) -> str:
    """Comparison key of a keyword value of `field`, the same for query values and document values."""
    return canonical_province(value) if field == "province" else normalize_keyword(value)


_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


def parse_bool(value: str) -> bool | None:
    v = value.strip().lower()
    return True if v in _TRUE else False if v in _FALSE else None
