"""Syllable-level Vietnamese tone-mark placement.

NFC does not unify tone placement: ``hoà``/``hòa``, ``thuý``/``thúy``, ``khoẻ``/``khỏe`` are different code-point
sequences.  :func:`fix_tones` rewrites every Vietnamese syllable of a text to ONE style, the traditional one
(``hòa``, ``thúy``, ``khỏe``), which is also what underthesea's ``text_normalize`` produces.

Rules (applied to the vowel nucleus of a syllable that carries exactly one tone mark):

1. ``qu`` and ``gi`` onsets are consonants: the ``u`` of ``qu`` and the ``i`` of ``gi`` (when another vowel follows)
   are not part of the nucleus (``quý``, ``quá``, ``già``, ``giữa``).
2. a vowel with a shape mark (ê ơ â ă ô ư) takes the tone; in ``ươ`` the ``ơ`` does (``người``, ``thuyền``).
3. otherwise, with a final consonant, the last vowel of the nucleus (``hoàng``, ``toán``, ``huỳnh``).
4. otherwise (open syllable): two vowels → the first (``hòa``, ``thúy``, ``mía``, ``múa``, ``khỏe``),
   three vowels → the middle one (``ngoài``, ``khuỷu``).

Words that do not parse as one Vietnamese syllable (foreign onset such as ``Chl``/``Z``, invalid vowel cluster,
invalid final, two tone marks) are left exactly as they are.  Letter case is preserved (``HOÀ`` → ``HÒA``).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# combining tone marks: grave, acute, tilde, hook above, dot below
_TONES = ("\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
_BASE_VOWELS_LOWER = "aăâeêioôơuưy"
_BASE_VOWELS = _BASE_VOWELS_LOWER + _BASE_VOWELS_LOWER.upper()
_SHAPED = frozenset("ăâêôơư")
_CONSONANTS = "bcdđfghjklmnpqrstvwxz"
_CONSONANTS = _CONSONANTS + _CONSONANTS.upper()

# toned precomposed letter -> (base letter with shape mark, tone mark); and the reverse
_SPLIT: dict[str, tuple[str, str]] = {}
_COMPOSE: dict[tuple[str, str], str] = {}
for _b in _BASE_VOWELS:
    _SPLIT[_b] = (_b, "")
    _COMPOSE[(_b, "")] = _b
    for _t in _TONES:
        _c = unicodedata.normalize("NFC", _b + _t)
        assert len(_c) == 1, (_b, _t)
        _SPLIT[_c] = (_b, _t)
        _COMPOSE[(_b, _t)] = _c
_TONED = "".join(c for c in _SPLIT if c not in _BASE_VOWELS)

VALID_ONSETS = frozenset(
    ["", "b", "c", "ch", "d", "đ", "g", "gh", "h", "k", "kh", "l", "m", "n", "ng", "ngh", "nh", "p", "ph", "q",
     "r", "s", "t", "th", "tr", "v", "x"]
)
VALID_CODAS = frozenset(["", "c", "ch", "m", "n", "ng", "nh", "p", "t"])
VALID_NUCLEI = frozenset(
    list(_BASE_VOWELS_LOWER)
    + "ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi oo ua uâ uê ui uô uơ uy ưa ưi ươ ưu yê".split()
    + "iêu yêu oai oay oeo uây uôi uya uyê uyu ươi ươu".split()
)

# A candidate syllable: optional consonant onset, a vowel cluster of 2-3 letters that contains one toned vowel,
# optional consonant final; delimited by non-word characters.  Classes are disjoint, quantifiers bounded: linear.
_VP = re.escape(_BASE_VOWELS)
_VT = re.escape(_TONED)
SYLLABLE_RE = re.compile(
    rf"(?<!\w)([{_CONSONANTS}]{{0,3}})((?:[{_VP}]{{1,2}}[{_VT}][{_VP}]?|[{_VT}][{_VP}]{{1,2}}))([{_CONSONANTS}]{{0,2}})(?!\w)"
)


def _target_index(nucleus: str, has_coda: bool, style: str) -> int:
    if len(nucleus) == 1:
        return 0
    if "ơ" in nucleus:
        return nucleus.index("ơ")
    for i, ch in enumerate(nucleus):
        if ch in _SHAPED:
            return i
    if has_coda:
        return len(nucleus) - 1
    if len(nucleus) == 2:
        if style == "new" and nucleus in ("oa", "oe", "uy"):
            return 1
        return 0
    return 1


def _place(word: str, style: str) -> str:
    m = SYLLABLE_RE.fullmatch(word)
    if m is None:
        return word
    onset, cluster, coda = m.groups()
    lo, lc = onset.lower(), coda.lower()
    if lo not in VALID_ONSETS or lc not in VALID_CODAS:
        return word
    parts = [_SPLIT[c] for c in cluster]
    tones = [t for _, t in parts if t]
    if len(tones) != 1:
        return word
    tone = tones[0]
    bases = [b for b, _ in parts]
    lower = "".join(bases).lower()
    skip = 0
    if lo == "q":
        if lower[0] != "u":
            return word
        skip = 1  # 'qu' onset
    elif lo == "g" and lower[0] == "i" and len(lower) >= 2:
        skip = 1  # 'gi' onset
    nucleus = lower[skip:]
    if nucleus not in VALID_NUCLEI:
        return word
    idx = skip + _target_index(nucleus, bool(lc), style)
    out = "".join(_COMPOSE[(b, tone if i == idx else "")] for i, b in enumerate(bases))
    if out == cluster:
        return word
    return onset + out + coda


@lru_cache(maxsize=1 << 16)
def _traditional(word: str) -> str:
    return _place(word, "traditional")


def _sub_traditional(m: re.Match) -> str:
    return _traditional(m.group())


def fix_tones(text: str) -> str:
    """Rewrite every Vietnamese syllable in ``text`` (NFC) to the traditional tone placement."""
    return SYLLABLE_RE.sub(_sub_traditional, text)


def to_style(text: str, style: str = "traditional") -> str:
    """Rewrite syllables to ``style``: "traditional" (hòa, thúy, khỏe) or "new" (hoà, thuý, khoẻ).

    Used to generate lookup variants (e.g. province aliases); analysis code uses :func:`fix_tones`.
    """
    if style == "traditional":
        return fix_tones(text)
    if style != "new":
        raise ValueError(f"unknown tone style {style!r}")
    return SYLLABLE_RE.sub(lambda m: _place(m.group(), "new"), text)


# --- repeated-letter squeeze ------------------------------------------------------------------------------------
# "quáaaa" -> "quá", "đượccc" -> "được", "nữaaaa" -> "nữa": a letter repeated 3+ times, or a toned vowel followed by
# 2+ copies of its plain base letter, becomes that one letter.  Digits are never touched.
def _squeeze_pattern() -> str:
    alts = [r"([^\W\d_])\1{2,}"]
    for base in _BASE_VOWELS_LOWER:
        toned = "".join(c for c, (b, t) in _SPLIT.items() if b == base and t)
        alts.append(f"[{toned}]{base}{{2,}}")
    return "|".join(alts)


SQUEEZE_RE = re.compile(_squeeze_pattern())


def _first(m: re.Match) -> str:
    return m.group()[0]


def squeeze(text: str) -> str:
    """Squeeze letter runs (lowercase input)."""
    return SQUEEZE_RE.sub(_first, text)
