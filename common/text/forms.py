"""clean / normalize / fold / tokens: the Vietnamese text forms used everywhere in crisiswatch.

- :func:`clean`: display/storage form (NFC, one tone style, no invisible characters, entities decoded,
  whitespace folded; emoji kept).
- :func:`normalize`: analysis form (clean, lowercase, squeeze repeated letters, expand teencode).
- :func:`fold`: accent-folded key (no diacritics, đ → d; case kept).
- :func:`tokens`: THE analyzer shared with the query language and the search indices.

Speed: posts are split on spaces once and every word goes through a per-word cache (a dict; a social-media
vocabulary is small), so the regex work (tone placement, squeeze, teencode, folding) runs once per distinct word,
not once per post.  The caches are cleared when they reach ``_CACHE_MAX`` entries.
"""
from __future__ import annotations

import html
import re
import unicodedata

from . import teencode
from ._tone import SQUEEZE_RE, fix_tones

_CACHE_MAX = 200_000
_CACHE_WORD_MAX = 48  # longer "words" (URLs, garbage) are processed but not cached

# --- clean ------------------------------------------------------------------------------------------------------
_TRANSLATE: dict[int, int | str | None] = {}
for _cp in list(range(0x00, 0x20)) + [0x7F] + list(range(0x80, 0xA0)):
    _TRANSLATE[_cp] = None  # C0/C1 control characters
_TRANSLATE[ord("\n")] = "\n"
for _ch in "\r\x0b\x0c\x85\u2028\u2029":
    _TRANSLATE[ord(_ch)] = "\n"  # line breaks of other kinds
for _ch in "\t\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000":
    _TRANSLATE[ord(_ch)] = " "  # tabs and Unicode spaces
# zero-width and invisible format characters (U+200D ZWJ is handled separately: emoji sequences need it)
for _ch in "\u200b\u200c\u2060\ufeff\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u180e":
    _TRANSLATE[ord(_ch)] = None
_TRANSLATE[0x00D0] = "\u0110"  # Ð (Icelandic eth, common in legacy Vietnamese text) -> Đ
_TRANSLATE[0x00F0] = "\u0111"  # ð -> đ
del _TRANSLATE[ord("\n")]


def _char_class(chars) -> str:
    return "[" + "".join(re.escape(chr(c)) for c in sorted(chars)) + "]"


# one character class (re skips to it quickly) finding any character that _TRANSLATE changes; the changes are then
# made by constant-replacement substitutions, much faster than str.translate on non-ASCII text
_SPECIAL = re.compile(_char_class(_TRANSLATE))
_DELETE = re.compile(_char_class(c for c, v in _TRANSLATE.items() if v is None) + "+")
_TO_SPACE = re.compile(_char_class(c for c, v in _TRANSLATE.items() if v == " "))
_TO_NEWLINE = re.compile(_char_class(c for c, v in _TRANSLATE.items() if v == "\n"))

_EMOJI = "\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF"
# ZWJ is kept only between two emoji (family / profession sequences); anywhere else it is removed
_ZWJ = re.compile(rf"(?<![{_EMOJI}\uFE0F])\u200d|\u200d(?![{_EMOJI}])")
_SPACES = re.compile(" {2,}")
_NEWLINES = re.compile(r" \n[ \n]*|\n[ \n]+")

_TONE_CACHE: dict[str, str] = {}


def _tone_miss(word: str) -> str:
    r = fix_tones(word)
    if len(word) <= _CACHE_WORD_MAX:
        if len(_TONE_CACHE) >= _CACHE_MAX:
            _TONE_CACHE.clear()
        _TONE_CACHE[word] = r
    return r


def _fix_tones_cached(text: str) -> str:
    get = _TONE_CACHE.get
    return " ".join([get(w) or _tone_miss(w) for w in text.split(" ")])


def clean(text: str) -> str:
    """Display/storage form of a post. Idempotent: ``clean(clean(x)) == clean(x)``."""
    if "&" in text:
        text = html.unescape(text)
    if _SPECIAL.search(text):
        text = _DELETE.sub("", text.replace("\r\n", "\n"))
        text = _TO_NEWLINE.sub("\n", _TO_SPACE.sub(" ", text))
        if "\u00d0" in text or "\u00f0" in text:
            text = text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    if "\u200d" in text:
        text = _ZWJ.sub("", text)
    if not text.isascii():
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        text = _fix_tones_cached(text)
    if "  " in text:
        text = _SPACES.sub(" ", text)
    if "\n" in text:
        text = _NEWLINES.sub("\n", text)
    return text.strip()


# --- fold -------------------------------------------------------------------------------------------------------
def _fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in range(0xC0, 0x3000):
        ch = chr(cp)
        if unicodedata.combining(ch):
            table[cp] = None
            continue
        d = unicodedata.normalize("NFD", ch)
        if d == ch:
            continue
        stripped = unicodedata.normalize("NFC", "".join(c for c in d if not unicodedata.combining(c)))
        if stripped != ch:
            table[cp] = stripped
    table[ord("đ")] = "d"
    table[ord("Đ")] = "D"
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Accent-folded key: drop diacritics (NFD + remove combining marks), đ/Đ → d/D. Case is kept."""
    if text.isascii():
        return text
    return text.translate(_FOLD)


# --- normalize --------------------------------------------------------------------------------------------------
#: a PII mask token written by common.text.pii (never altered by normalize)
MASK_RE = re.compile(r"\[(?:SĐT|MÃ_BHXH|CCCD|STK)#[0-9a-f]{8,16}\]")
_WORD = re.compile(r"\w+")


_DOUBLE_LETTER = re.compile(r"([^\W\d_])\1")  # cheap pre-check: every squeeze match contains a doubled letter
_TEEN = teencode.TEENCODE


def _first(m: re.Match) -> str:
    return m.group()[0]


def _token_sub(m: re.Match) -> str:
    """One lowercase \\w+ token: dictionary lookup, else squeeze letter runs and look up again."""
    w = m.group()
    r = _TEEN.get(w)
    if r is not None:
        return r
    if _DOUBLE_LETTER.search(w):
        sq = SQUEEZE_RE.sub(_first, w)
        if sq != w:
            # a token that is one letter repeated ("kkkk", "zzz", "ờờờ") is left as typed: squeezing it to "k"
            # would turn a laugh into the teencode for "không"
            if len(set(w)) == 1:
                return w
            return _TEEN.get(sq, sq)
    return w


def _token_sub_context(m: re.Match) -> str:
    w = m.group()
    if w in teencode.NOT_BEFORE_DIGIT and _DIGIT_AFTER.match(m.string, m.end()):
        return w
    return _token_sub(m)


_DIGIT_AFTER = re.compile(r"\s*\d")


def _normalize_piece(low: str) -> str:
    return _WORD.sub(_token_sub, low)


# word (as written in clean text, no spaces) -> (normalized, folded, analyzer tokens joined by " ")
_WORD_CACHE: dict[str, tuple[str, str, str]] = {}


def _word_miss(word: str) -> tuple[str, str, str]:
    if "[" in word and MASK_RE.search(word):
        parts = []
        pos = 0
        for m in MASK_RE.finditer(word):
            parts.append(_normalize_piece(word[pos:m.start()].lower()))
            parts.append(m.group())
            pos = m.end()
        parts.append(_normalize_piece(word[pos:].lower()))
        norm = "".join(parts)
    else:
        norm = _normalize_piece(word.lower())
    folded = fold(norm)
    r = (norm, folded, " ".join(_WORD.findall(folded.lower())))
    if len(word) <= _CACHE_WORD_MAX:
        if len(_WORD_CACHE) >= _CACHE_MAX:
            _WORD_CACHE.clear()
        _WORD_CACHE[word] = r
    return r


def _slow_words(text: str) -> list[tuple[str, str, str]]:
    """Context-aware path for the rare texts where a key must not expand before a digit ("hem 45")."""
    parts = []
    pos = 0
    for m in MASK_RE.finditer(text):
        parts.append(_WORD.sub(_token_sub_context, text[pos:m.start()].lower()))
        parts.append(m.group())
        pos = m.end()
    parts.append(_WORD.sub(_token_sub_context, text[pos:].lower()))
    out = []
    for w in "".join(parts).split(" "):
        f = fold(w)
        out.append((w, f, " ".join(_WORD.findall(f.lower()))))
    return out


def analyze_cleaned(text: str) -> list[tuple[str, str, str]]:
    """Per space-separated word of clean text: (normalized, folded, analyzer tokens joined by spaces)."""
    text = teencode.expand_context(text)
    if teencode.has_not_before_digit(text):
        return _slow_words(text)
    get = _WORD_CACHE.get
    return [get(w) or _word_miss(w) for w in text.split(" ")]


def normalize_cleaned(text: str) -> str:
    """:func:`normalize` for text that is already ``clean()``-ed (the pipeline uses it to avoid cleaning twice)."""
    return " ".join([w[0] for w in analyze_cleaned(text)])


def normalize(text: str) -> str:
    """Analysis form: clean → lowercase → teencode/abbreviation expansion → repeated-letter squeeze.

    Per ``\\w+`` token: a dictionary key is expanded ("cccd" keeps its three c's); otherwise letter runs are
    squeezed ("quáaaa" → "quá") and the squeezed token is looked up again, so stretched teencode ("khummm") is
    expanded too.  A token made of one repeated letter ("kkkk") is kept.  Capitals-only abbreviations (HN, SG, ĐN)
    are expanded before lowercasing; units after numbers ("500k") are expanded.  Digits, PII mask tokens and emoji
    are kept.
    """
    return normalize_cleaned(clean(text))


# --- tokens -----------------------------------------------------------------------------------------------------
def tokens(text: str) -> list[str]:
    """THE analyzer: ``\\w+`` tokens of ``fold(normalize(text)).lower()`` (emoji and punctuation dropped)."""
    return " ".join([w[2] for w in analyze_cleaned(clean(text))]).split()


def tokens_of_normalized(normalized: str) -> list[str]:
    """:func:`tokens` for text that is already ``normalize()``-d."""
    return _WORD.findall(fold(normalized).lower())


# space-separated word of normalized text -> its analyzer tokens joined by " " ("" when it has none)
_NORMALIZED_CACHE: dict[str, str] = {}


def _normalized_miss(word: str) -> str:
    r = " ".join(_WORD.findall(fold(word).lower()))
    if len(word) <= _CACHE_WORD_MAX:
        if len(_NORMALIZED_CACHE) >= _CACHE_MAX:
            _NORMALIZED_CACHE.clear()
        _NORMALIZED_CACHE[word] = r
    return r


def joined_tokens_of_normalized(normalized: str) -> str:
    """:func:`tokens_of_normalized` joined by whitespace (empty words leave extra spaces), for whitespace-tokenized
    search fields. Per-word cache: fold, lowercase and ``\\w+`` are per-character / stop at spaces, so analysing
    each space-separated word alone gives the same tokens, and a social-media vocabulary is small (the search
    indexer's hot path: ~2.5× faster than :func:`tokens_of_normalized`, ~3.5× than :func:`tokens`)."""
    get = _NORMALIZED_CACHE.get
    return " ".join([w if (w := get(word)) is not None else _normalized_miss(word) for word in normalized.split(" ")])
