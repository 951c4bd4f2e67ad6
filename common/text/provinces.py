"""Province gazetteer: the 63 provinces before 1 July 2025, the 34 after (Resolution 202/2025/QH15), old → new.

People keep writing the old names, so every hit carries both: ``old`` (canonical pre-merger name, or None when the
text names a unit that only exists after the merger) and ``new`` (canonical post-merger name).

Matching rules (data in ``data/provinces.json``):

- a name typed with diacritics matches only with the same diacritics ("Huệ" is not "Huế"); the form without
  diacritics matches only a span typed without diacritics ("binh duong");
- ambiguous names (Hòa Bình = peace, Thái Bình, Long An, Huế, Cao Bằng, Hải Dương, Gia Lai, "da nang" = đa năng,
  "dien bien" = diễn biến, ...) need Title Case or an admin prefix before them (tỉnh, thành phố, TP, quận, huyện,
  BHXH, UBND ...);
- capitals-only short forms: HN, SG, ĐN, TTH, BMT ("hn" is teencode for "hôm nay");
- "Vinh" only as "TP Vinh" / "thành phố Vinh";
- stop phrases that contain a name but are not a place ("Thái Bình Dương" = Pacific, "chủ tịch Hồ Chí Minh") are
  matched first and dropped.

All aliases are compiled into one trie-shaped, case-insensitive regex.  Pass ``clean()``-ed text (NFC); offsets
refer to the string given.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

from ._tone import to_style
from ._trie import trie_pattern
from .forms import clean, fold

__all__ = [
    "ProvinceHit", "detect_provinces", "detect_province", "resolve_province",
    "PROVINCES_NEW", "PROVINCES_OLD", "OLD_TO_NEW", "NEW_TO_OLD",
]


@dataclass(frozen=True, slots=True)
class ProvinceHit:
    written: str  # the span as written in the text ("TP.HCM", "binh duong", "KCN Sóng Thần")
    old: str | None  # canonical pre-merger province (None: a unit that only exists after 1/7/2025)
    new: str  # canonical post-merger province
    start: int
    end: int

    @property
    def text(self) -> str:
        """Alias of :attr:`written`."""
        return self.written


@dataclass(frozen=True, slots=True)
class _Alias:
    old: str | None
    new: str | None
    title: bool = False
    upper: bool = False
    stop: bool = False


_SEP_IN_NAME = re.compile(r"\s*[-–—]\s*|\s+")
_SEP_PATTERN = r"(?: ?[-–—] ?| )"


def _key(s: str) -> str:
    return _SEP_IN_NAME.sub(" ", s.strip().lower())


def _load():
    doc = json.loads(resources.files(__package__).joinpath("data/provinces.json").read_text(encoding="utf-8"))
    new_names = tuple(e["name"] for e in doc["new"])
    old_to_new = {o: e["name"] for e in doc["new"] for o in e["old"]}
    if len(new_names) != 34 or len(old_to_new) != 63:
        raise ValueError("provinces.json must list 34 new units made of 63 old ones")
    aliases: dict[str, _Alias] = {}

    def add(name: str, old: str | None, flags: list[str], ascii_flags: list[str], with_ascii: bool,
            strict: bool = True) -> None:
        new = None if old is None and "stop" in flags else old_to_new.get(old, old)
        if old is not None and old not in old_to_new:
            if old in new_names:  # a unit that only exists after the merger
                new, old = old, None
            else:
                raise ValueError(f"provinces.json: unknown province {old!r} for alias {name!r}")
        name = clean(name)
        forms = {(_key(name), tuple(flags)), (_key(to_style(name, "new")), tuple(flags))}
        if with_ascii:
            forms.add((_key(fold(name)), tuple(flags) + tuple(ascii_flags)))
        for k, fl in forms:
            info = _Alias(old, new, "title" in fl, "upper" in fl, "stop" in fl)
            prev = aliases.get(k)
            if strict and prev is not None and (prev.old, prev.new) != (old, new):
                raise ValueError(f"provinces.json: alias {k!r} maps to both {prev.old} and {old}")
            if prev is None:
                aliases[k] = info

    for e in doc["aliases"]:
        for name in e["names"]:
            add(name, e["old"], e.get("flags", []), e.get("ascii_flags", []), e.get("ascii", True))
    # every canonical name, unless an explicit alias above already defines that spelling
    for name in list(old_to_new) + list(new_names):
        add(name, name, [], [], True, strict=False)
    return new_names, old_to_new, aliases


_NEW, _OLD_TO_NEW, _ALIASES = _load()

#: the 34 provinces / centrally-run cities from 1 July 2025
PROVINCES_NEW: tuple[str, ...] = _NEW
#: the 63 provinces / centrally-run cities until 30 June 2025
PROVINCES_OLD: tuple[str, ...] = tuple(_OLD_TO_NEW)
#: old (63) → new (34)
OLD_TO_NEW: MappingProxyType = MappingProxyType(dict(_OLD_TO_NEW))
#: new (34) → the old units merged into it
NEW_TO_OLD: MappingProxyType = MappingProxyType(
    {n: tuple(o for o, nn in _OLD_TO_NEW.items() if nn == n) for n in _NEW}
)

# Aliases are matched on the lowercased text with one preceding non-word character consumed: a pattern that starts
# with a character class lets re skip quickly to candidate positions (a leading look-behind or IGNORECASE would make
# it try the whole trie at every character).  A space is prepended so a name can start the text.
_ALIAS_RE = re.compile(r"\W(" + trie_pattern(_ALIASES, space=_SEP_PATTERN) + r")(?!\w)")
# fallback for the rare texts whose length changes when lowercased (e.g. "İ")
_ALIAS_RE_I = re.compile(r"(?<!\w)(" + trie_pattern(_ALIASES, space=_SEP_PATTERN) + r")(?!\w)", re.IGNORECASE)
_PREFIX_BEFORE = re.compile(
    r"(?<!\w)(?:tỉnh|tinh|thành\s+phố|thanh\s+pho|tp|t\.p|thị\s+xã|thi\s+xa|tx|quận|quan|huyện|huyen|bhxh"
    r"|bảo\s+hiểm\s+xã\s+hội|bao\s+hiem\s+xa\s+hoi|ubnd|ủy\s+ban\s+nhân\s+dân|uy\s+ban\s+nhan\s+dan)[\s.:,]*$",
    re.IGNORECASE,
)
_PREFIX_AT_START = re.compile(
    r"^(?:bhxh\s+|bảo\s+hiểm\s+xã\s+hội\s+|ubnd\s+)?(?:tỉnh|tinh|thành\s+phố|thanh\s+pho|tp\.?|t\.p\.?|thị\s+xã"
    r"|thi\s+xa|tx\.?|quận|quan|huyện|huyen)?\s*",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[^\W\d_]+")

# folded key -> alias (only where every alias with that folded form points to the same province)
_FOLDED: dict[str, _Alias] = {}
_FOLDED_AMBIGUOUS: set[str] = set()
for _k, _a in _ALIASES.items():
    if _a.stop:
        continue
    _fk = fold(_k)
    _prev = _FOLDED.get(_fk)
    if _prev is not None and (_prev.old, _prev.new) != (_a.old, _a.new):
        _FOLDED_AMBIGUOUS.add(_fk)
    elif _prev is None:
        _FOLDED[_fk] = _a
for _fk in _FOLDED_AMBIGUOUS:
    del _FOLDED[_fk]


_SPAN_CACHE: dict[str, _Alias] = {}


def _is_title(span: str) -> bool:
    return all(w[0].isupper() for w in _WORDS.findall(span))


def detect_provinces(text: str) -> list[ProvinceHit]:
    """Every province mention in ``text`` (clean()-ed), in order."""
    low = " " + text.lower()
    if len(low) == len(text) + 1:
        matches = ((m.start(1) - 1, m.end(1) - 1) for m in _ALIAS_RE.finditer(low))
    else:
        matches = (m.span(1) for m in _ALIAS_RE_I.finditer(text))
    hits: list[ProvinceHit] = []
    for start, end in matches:
        span = text[start:end]
        info = _SPAN_CACHE.get(span)
        if info is None:
            info = _ALIASES.get(_key(span))
            if len(_SPAN_CACHE) < 50_000:
                _SPAN_CACHE[span] = info  # type: ignore[assignment]
        if info is None or info.stop:
            continue
        if info.upper and not span.isupper():
            continue
        if info.title and not _is_title(span) and not _PREFIX_BEFORE.search(text, max(0, start - 40), start):
            continue
        hits.append(ProvinceHit(span, info.old, info.new, start, end))  # type: ignore[arg-type]
    return hits


def detect_province(text: str) -> ProvinceHit | None:
    """The province the text is most about: the post-merger unit mentioned most often (ties → the first one
    mentioned); returns that unit's first hit."""
    hits = detect_provinces(text)
    if not hits:
        return None
    if len(hits) == 1:
        return hits[0]
    counts: dict[str, int] = {}
    first: dict[str, ProvinceHit] = {}
    for h in hits:
        counts[h.new] = counts.get(h.new, 0) + 1
        first.setdefault(h.new, h)
    best = max(counts.values())
    for h in hits:
        if counts[h.new] == best:
            return first[h.new]
    return None  # unreachable


def resolve_province(value: str) -> tuple[str | None, str] | None:
    """Resolve a query value ("HCM", "binh duong", "Bình Dương", "tỉnh Hòa Bình", "hn") to ``(old, new)``.

    Case and diacritics are not required here (a query value is a deliberate place name); returns None when the
    value names no province.
    """
    if not isinstance(value, str):
        return None
    v = clean(value).strip(" .,:;")
    if not v:
        return None
    candidates = [_key(v)]
    stripped = _PREFIX_AT_START.sub("", v, count=1).strip(" .,:;")
    if stripped and stripped != v:
        candidates.append(_key(stripped))
    for k in candidates:
        info = _ALIASES.get(k)
        if info is not None and not info.stop:
            return info.old, info.new  # type: ignore[return-value]
    for k in candidates:
        info = _FOLDED.get(fold(k))
        if info is not None:
            return info.old, info.new  # type: ignore[return-value]
    return None
