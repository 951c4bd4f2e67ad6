"""PII masking for Vietnamese social-media text (Decree 13/2023/NĐ-CP on personal data protection).

:func:`mask_pii` replaces phone numbers, social-insurance codes, citizen-ID numbers and bank accounts with a token
such as ``[SĐT#3f9a0c12be]``.  The suffix is a keyed hash (HMAC-SHA256 over ``kind:digits``, first 10 hex
characters), so the same number is recognised again across posts without being stored; without the key the token
cannot be reversed by enumerating the (small) space of Vietnamese phone numbers.

Kinds:

- ``phone``: mobile ``0[35789]`` + 8 digits, landline ``02`` + 9 digits (area code 02x/02xx), in ``0``/``84``/
  ``+84`` forms, with spaces, dots, dashes or a parenthesised area code.  The hash uses the national form
  (``+84 912.345.678`` and ``0912 345 678`` give the same token).
- ``bhxh_code``: the 10-digit social-insurance code, after a context word (mã số BHXH, sổ BHXH, thẻ BHYT, ...) or
  as a bare 10-digit run that is not a phone; also the 15-character health-insurance card number (``GD4797912345678``:
  its last 10 digits are the BHXH code, hashed as such).
- ``citizen_id``: a 12-digit CCCD number (bare or after a context word); a 9-digit CMND only after a context word.
- ``bank_account``: 6–19 digits only after a context word (STK, số tài khoản, tk ngân hàng, chuyển khoản vào, ...).

Not masked: 1800/1900 service numbers (hotline 1900 9068), amounts (``1.500.000đ``, ``2,5 triệu``,
``1500000000 đồng``, ``30%``), dates and times, law/document numbers (``41/2024/QH15``, ``13/2023/NĐ-CP``),
years and other short numbers.

Every regex is precompiled, bounded and free of nested quantifiers; a 1 MB text is processed in well under a second.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from bisect import bisect_right
from dataclasses import dataclass, field

from ._trie import trie_pattern

__all__ = ["PiiFinding", "MaskResult", "mask_pii", "PII_KINDS", "MASK_LABELS"]

PII_KINDS = ("phone", "bhxh_code", "citizen_id", "bank_account")
MASK_LABELS = {"phone": "SĐT", "bhxh_code": "MÃ_BHXH", "citizen_id": "CCCD", "bank_account": "STK"}
HASH_CHARS = 10


@dataclass(frozen=True, slots=True)
class PiiFinding:
    """One masked number: ``start``/``end`` are offsets in the text given to :func:`mask_pii`."""

    kind: str
    start: int
    end: int
    token: str


@dataclass(frozen=True, slots=True)
class MaskResult:
    text: str
    findings: list[PiiFinding] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.kind] = out.get(f.kind, 0) + 1
        return out


_SEP = r"[ .\-]"
# Candidate numbers, tried in this order at each start position.  Named groups say what was found.
_CANDIDATE = re.compile(
    r"(?<!\d)(?:"
    # every alternative below that starts with a digit needs two digits, a separator after the first digit, or
    # "0 ": this look-ahead rejects most positions of digit-heavy text with one test
    r"(?=\d\d|\d[/.,\-]|0 |\+ ?8|\(\+?[028]|[A-Z]{2}\d)(?:"
    # law / document numbers: 41/2024/QH15, 13/2023/NĐ-CP, 01/2025/TT-BLĐTBXH
    r"(?P<law>\d{1,5}/\d{2,4}/[^\W\d_][\w\-]*)"
    # dates: 01/07/2025, 1.7.2025, 2025-07-01
    r"|(?P<date>(?:[0-3]?\d[/.\-][01]?\d[/.\-](?:19|20)\d\d|(?:19|20)\d\d[/.\-][01]?\d[/.\-][0-3]?\d)(?!\d))"
    # 1800 / 1900 service numbers: 1900 9068, 1900.1234, 1800 123 456
    r"|(?P<service>1[89]00(?:" + _SEP + r"?\d){4,6}(?!\d))"
    # mobile: 0912 345 678, +84 912.345.678, (+84) 912345678, 84912345678
    r"|(?P<mobile>(?:\+ ?84|\(\+?84\)|84|0)" + _SEP + r"?[35789](?:" + _SEP + r"?\d){8}(?!\d))"
    # landline: 028 3829 1234, (028) 3829 1234, (0236) 382 1234, +84 28 3829 1234
    r"|(?P<land>(?:(?:\+ ?84|\(\+?84\)|84)" + _SEP + r"?|0)2(?:" + _SEP + r"?\d){9}(?!\d)"
    r"|\(0?2\d\)" + _SEP + r"?\d(?:" + _SEP + r"?\d){7}(?!\d)"
    r"|\(0?2\d\d\)" + _SEP + r"?\d(?:" + _SEP + r"?\d){6}(?!\d))"
    # amounts written with thousands separators: 1.500.000, 2,500,000,000
    r"|(?P<amount>[1-9]\d{0,2}(?:[.,]\d{3})+(?:[.,]\d+)?(?!\d))"
    # health-insurance card number: 2 letters + 13 digits
    r"|(?<![^\W\d_])(?P<bhyt>[A-Z]{2}\d{13})(?!\d)"
    # anything else with at least 6 digits: a digit run, or groups of >= 2 digits joined by one separator
    r"|(?P<run>(?=\d\d)(?=(?:\d" + _SEP + r"?){5}\d)\d{2,}(?:" + _SEP + r"\d{2,})*(?!\d))"
    r"))"
)
# A currency / percentage unit right after a number makes it an amount.  The short units k / tr / ty count only
# when attached ("500k"): after a space "k" is teencode for "không" ("gọi 0912345678 k ai nghe").  "dong" (ASCII)
# is not a unit: typed without diacritics it is as often "đóng" (paid) after a BHXH code.
_UNIT_AFTER = re.compile(
    r"(?: ?(?:₫|đồng|đ|vnđ|vnd|usd|\$|%|triệu|trieu|tỷ|tỉ|nghìn|ngàn|nghin|ngan)|k|tr|ty|ti)(?!\w)", re.IGNORECASE
)
# phone-shaped numbers are treated as amounts only before an unmistakable currency word
_CURRENCY_AFTER = re.compile(r" ?(?:₫|đồng|vnđ|vnd)(?!\w)", re.IGNORECASE)
# Context words before a number (lowercase).  The number must follow within 40 characters that contain no digit
# and no line break.
_CONTEXT_WORDS = {
    "bank_account": [
        "stk", "số tk", "so tk", "số tài khoản", "so tai khoan", "tài khoản ngân hàng", "tai khoan ngan hang",
        "tk ngân hàng", "tk ngan hang", "tk nh", "chuyển khoản", "chuyen khoan", "ck vào", "ck vao", "ck qua",
        "ck vô",
    ],
    "citizen_id": [
        "cccd", "cmnd", "cmt", "căn cước", "can cuoc", "chứng minh", "chung minh", "định danh", "dinh danh",
    ],
    "bhxh_code": ["mã số", "ma so", "mã bảo hiểm", "ma bao hiem", "mã bhxh", "ma bhxh", "số sổ", "so so"],
    # A topic word, not a label of the number: it makes a bare 10-digit run a BHXH code, but a phone-shaped
    # number stays a phone ("BHXH quận 1 không nghe máy, gọi 0912 345 678").
    "bhxh_topic": ["bhxh", "bhyt", "bảo hiểm xã hội", "bao hiem xa hoi", "bảo hiểm y tế", "bao hiem y te"],
}
_CONTEXT_KIND = {w: kind for kind, words in _CONTEXT_WORDS.items() for w in words}
# one trie-shaped regex (starts with a literal branch, so re skips quickly), matched on the lowercased text
_CTX_ALL = re.compile(trie_pattern(_CONTEXT_KIND))
_CTX = r"[^\d\n]{0,40}$"
_CTX_BANK = re.compile(trie_pattern(_CONTEXT_WORDS["bank_account"]) + _CTX)
_CTX_CITIZEN = re.compile(trie_pattern(_CONTEXT_WORDS["citizen_id"]) + _CTX)
_CTX_BHXH = re.compile(trie_pattern(_CONTEXT_WORDS["bhxh_code"]) + _CTX)
_CTX_BHXH_TOPIC = re.compile(trie_pattern(_CONTEXT_WORDS["bhxh_topic"]) + _CTX)
_CTX_WINDOW = 56
_WS = re.compile(r"[^\S\n]+")
_NON_DIGIT = re.compile(r"\D")
# numeric islands: a character class first, so re skips quickly over text without digits; candidates are then
# searched only inside islands of >= 6 characters
_ISLAND = re.compile(r"[\d+(][\d+() .\-/,]{5,}")
_FIRST_GROUP = re.compile(r"\d+")
_RESUME = re.compile(r"(?<!\d)(?:[08]|\d{10})")  # a later group that may start a phone or a bare code


def _token(kind: str, digits: str, key: bytes) -> str:
    mac = hmac.new(key, f"{kind}:{digits}".encode("ascii"), hashlib.sha256).hexdigest()[:HASH_CHARS]
    return f"[{MASK_LABELS[kind]}#{mac}]"


def _phone_digits(digits: str) -> str:
    """National form: 0 + subscriber number."""
    if digits.startswith("84") and len(digits) in (11, 12):
        return "0" + digits[2:]
    if not digits.startswith("0"):
        return "0" + digits
    return digits


_KIND_RANK = {"bank_account": 0, "citizen_id": 1, "bhxh_code": 2, "bhxh_topic": 3}
_GAP_BAD = re.compile(r"[\d\n]")
_CTX_GAP = 40


class _Context:
    """Context words of one text, found once (lazily) in a single pass over the lowercased text."""

    __slots__ = ("text", "ends", "kinds")

    def __init__(self, text: str) -> None:
        self.text = text
        self.ends: list[int] | None = None
        self.kinds: list[str] = []

    def _scan(self) -> None:
        low = self.text.lower()
        ends: list[int] = []
        if len(low) == len(self.text):
            for m in _CTX_ALL.finditer(low):
                ends.append(m.end())
                self.kinds.append(_CONTEXT_KIND[m.group()])
        self.ends = ends

    def kind_before(self, start: int) -> str | None:
        """The context kind of a number starting at ``start``: a context word ending at most 40 characters before,
        with no digit or line break in between; bank > citizen id > BHXH code when several qualify."""
        if self.ends is None:
            self._scan()
            if len(self.text.lower()) != len(self.text):  # rare: fall back to the per-window regexes
                return _context_window(self.text, start)
        ends = self.ends
        i = bisect_right(ends, start)
        best: str | None = None
        while i > 0:
            i -= 1
            e = ends[i]
            if start - e > _CTX_GAP or _GAP_BAD.search(self.text, e, start):
                break
            k = self.kinds[i]
            if best is None or _KIND_RANK[k] < _KIND_RANK[best]:
                best = k
        return best


def _context_window(text: str, start: int) -> str | None:
    window = _WS.sub(" ", text[max(0, start - _CTX_WINDOW):start].lower())
    if _CTX_BANK.search(window):
        return "bank_account"
    if _CTX_CITIZEN.search(window):
        return "citizen_id"
    if _CTX_BHXH.search(window):
        return "bhxh_code"
    if _CTX_BHXH_TOPIC.search(window):
        return "bhxh_topic"
    return None


def _classify_by_context(ctx: str | None, digits: str) -> str | None:
    n = len(digits)
    if ctx == "bank_account" and 6 <= n <= 19:
        return "bank_account"
    if ctx == "citizen_id" and n in (9, 12):
        return "citizen_id"
    if ctx in ("bhxh_code", "bhxh_topic") and n == 10:
        return "bhxh_code"
    return None


def mask_pii(text: str, key: bytes) -> MaskResult:
    """Mask personal numbers in ``text`` (pass ``clean()``-ed text) with keyed-hash tokens.

    ``key``: the secret pseudonymisation key (bytes, non-empty; a str is UTF-8 encoded).  The same number and key
    always give the same token; different keys give unrelated tokens.
    """
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)) or not key:
        raise ValueError("mask_pii needs a non-empty secret key (bytes)")
    key = bytes(key)
    findings: list[PiiFinding] = []
    out: list[str] = []
    last = 0
    search = _CANDIDATE.search
    ctx = _Context(text)
    tokens: dict[tuple[str, str], str] = {}  # per call only: digits are never kept beyond it
    for island in _ISLAND.finditer(text):
        pos, stop = island.span()
        if pos >= 2 and text[pos - 2:pos].isascii() and text[pos - 2:pos].isupper():
            pos -= 2  # a health-insurance card number starts with two capital letters
        while True:
            m = search(text, pos, stop)
            if m is None:
                break
            kind, digits, start, end, pos = _classify(text, m, ctx)
            if kind is None:
                continue
            token = tokens.get((kind, digits))
            if token is None:
                token = tokens[(kind, digits)] = _token(kind, digits, key)
            findings.append(PiiFinding(kind, start, end, token))
            out.append(text[last:start])
            out.append(token)
            last = end
    if not findings:
        return MaskResult(text, findings)
    out.append(text[last:])
    return MaskResult("".join(out), findings)


def _classify(text: str, m: re.Match, ctx: _Context) -> tuple[str | None, str, int, int, int]:
    """(kind or None, digits to hash, start, end, where the search resumes)."""
    group = m.lastgroup
    start, end = m.span()
    if group in ("law", "date", "service", "amount"):
        return None, "", start, end, end
    if group == "bhyt":
        return "bhxh_code", m.group()[-10:], start, end, end
    span = m.group()
    digits = _NON_DIGIT.sub("", span)
    if (_CURRENCY_AFTER if group in ("mobile", "land") else _UNIT_AFTER).match(text, end):
        return None, "", start, end, end
    context = ctx.kind_before(start)
    if context == "bhxh_topic" and group in ("mobile", "land"):
        context = None
    kind = _classify_by_context(context, digits) if 6 <= len(digits) <= 19 else None
    if kind is not None:
        return kind, digits, start, end, end
    if group in ("mobile", "land"):
        return "phone", _phone_digits(digits), start, end, end
    if span.isdigit():
        return _bare_kind(digits), digits, start, end, end
    # separated groups without context: the first group alone is PII only if it is 10 or 12 digits; resume at the
    # first later group that may start a phone or a bare code ("năm 2025 0912 345 678", "2025 7912345678"),
    # else after the whole run (keeps runs of short groups linear)
    first = _FIRST_GROUP.match(text, start)
    later = _RESUME.search(text, first.end(), end)
    resume = later.start() if later else end
    g = first.group()
    return _bare_kind(g), g, start, first.end(), resume


def _bare_kind(digits: str) -> str | None:
    n = len(digits)
    return "bhxh_code" if n == 10 else "citizen_id" if n == 12 else None
