"""Teencode / abbreviation expansion from the committed ``data/teencode.tsv``.

The TSV is read once at import.  Expansion is token-level (whole ``\\w+`` tokens only, done in
``normalize.py``) and single pass (an expansion is never expanded again).  See ``data/README.md`` for sources and licences and ``data/build_teencode.py``
for how the file is made.
"""
from __future__ import annotations

import re
from importlib import resources
from types import MappingProxyType

from ._trie import trie_pattern

_PATH = "data/teencode.tsv"


def _load() -> tuple[dict[str, str], dict[str, str], dict[str, str], frozenset[str]]:
    text = resources.files(__package__).joinpath(_PATH).read_text(encoding="utf-8")
    plain: dict[str, str] = {}
    upper: dict[str, str] = {}
    after_number: dict[str, str] = {}
    not_before_digit: set[str] = set()
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 2 or not cols[0] or not cols[1]:
            raise ValueError(f"{_PATH}:{lineno}: expected key<TAB>expansion[<TAB>source<TAB>flags]")
        key, exp = cols[0], cols[1]
        flags = set(cols[3].split(",")) if len(cols) > 3 and cols[3] else set()
        if "upper" in flags:
            upper[key] = exp
        elif "after_number" in flags:
            after_number[key] = exp
        else:
            plain[key] = exp
            if "not_before_digit" in flags:
                not_before_digit.add(key)
    return plain, upper, after_number, frozenset(not_before_digit)


_PLAIN, _UPPER, _AFTER_NUMBER, _NOT_BEFORE_DIGIT = _load()

#: read-only views of the dictionary (lowercase key -> expansion; case-sensitive capitals-only entries)
TEENCODE = MappingProxyType(_PLAIN)
TEENCODE_UPPER = MappingProxyType(_UPPER)

# "upper" keys are few: a substring test finds candidate texts before any regex runs
_UPPER_RE = re.compile(r"(?<!\w)" + trie_pattern(_UPPER) + r"(?!\w)")
_UPPER_KEYS = tuple(_UPPER)
# Starts with a digit class so that re can skip to digits quickly; the look-behind placed after the first digit
# rejects a start inside a number (or right after a letter, '.' or ','), which keeps matching linear on long runs.
_AFTER_NUMBER_RE = re.compile(
    r"(\d(?<![\w.,]\d)\d*(?:[.,]\d+)?) ?(" + trie_pattern(_AFTER_NUMBER) + r")(?!\w)", re.IGNORECASE
)
_NBD_RE = re.compile(r"(?<!\w)(" + trie_pattern(_NOT_BEFORE_DIGIT) + r")(?=\s*\d)", re.IGNORECASE)
_NBD_KEYS = tuple({v for k in _NOT_BEFORE_DIGIT for v in (k, k.capitalize(), k.upper())})
#: keys that are not expanded when a digit follows ("hem 45")
NOT_BEFORE_DIGIT = _NOT_BEFORE_DIGIT


def _after_number_sub(m: re.Match) -> str:
    return m.group(1) + " " + _AFTER_NUMBER[m.group(2).lower()]


def _shouting(text: str) -> bool:
    """True when the text has no lowercase letter and more than two words (an ALL-CAPS post)."""
    return text == text.upper() and len(text.split()) > 2


def expand_context(text: str) -> str:
    """The context-dependent expansions, applied to original-case text before the token-level pass:

    - capitals-only abbreviations (HN = Hà Nội, SG, ĐN), skipped in ALL-CAPS posts (there "HN" may be "hôm nay");
    - units right after a number ("500k" → "500 nghìn", "2 tr" → "2 triệu").

    Keys that must not expand before a digit ("hem 45" is "hẻm 45", an alley) are detected with
    :func:`has_not_before_digit`; the caller then takes a slower, context-aware path for that text.
    """
    for k in _UPPER_KEYS:
        if k in text:
            if not _shouting(text):
                text = _UPPER_RE.sub(lambda m: _UPPER[m.group()], text)
            break
    if _AFTER_NUMBER:
        text = _AFTER_NUMBER_RE.sub(_after_number_sub, text)
    return text


def has_not_before_digit(text: str) -> bool:
    """True if a key that must not expand before a digit is followed by one ("hem 45")."""
    for k in _NBD_KEYS:
        if k in text:
            return _NBD_RE.search(text) is not None
    return False
