"""Hand-written recursive-descent parser: query string → AST.

Grammar (precedence NOT > AND > OR; adjacent clauses are joined with AND)::

    query   := or EOF
    or      := and ( "OR" and )*
    and     := unary ( "AND"? unary )*
    unary   := ( "NOT" | "-" ) unary | primary
    primary := "(" or ")" | FIELD ":" value | value
    value   := "(" or ")" | PHRASE | WORD | range
    range   := ( "[" | "{" ) bound "TO" bound ( "]" | "}" )

Operators are the uppercase words AND, OR, NOT; ``-`` is NOT only at the start of a clause (``-xe``), inside a
word it is part of it (``covid-19``, ``BR-VT``). A backslash escapes the next character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import common.text as _text

from .ast import And, Bound, MatchAll, Node, Not, Or, Phrase, Range, RelativeDate, Term, Wildcard, wildcard_regex
from .errors import QuerySyntaxError
from .fields import DEFAULT_FIELD, FIELDS, Field, FieldKind, get_field, normalize_keyword, parse_bool

__all__ = ["parse", "TIMEZONE"]

TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")  # a date without a time is a day here

# token kinds
WORD, PHRASE, FIELD, LPAREN, RPAREN, LBRACK, RBRACK, MINUS, AND, OR, NOT, EOF = (
    "word", "phrase", "field", "(", ")", "[", "]", "-", "AND", "OR", "NOT", "end of query")

_DELIMITERS = frozenset('()"[]{}')
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORD_CHARS = re.compile(r"\w*")


@dataclass(slots=True)
class _Token:
    kind: str
    pos: int
    end: int
    raw: str = ""
    chars: tuple[tuple[str, bool], ...] = ()  # (character, was escaped) for words and phrases
    wildcards: tuple[tuple[int, str], ...] = ()  # phrases: (offset, char) of each unescaped * and of ? in a word

    @property
    def value(self) -> str:
        return "".join(c for c, _ in self.chars)

    @property
    def wild(self) -> bool:
        return any(c in "*?" and not escaped for c, escaped in self.chars)

    @property
    def pattern(self) -> str:
        """The value with the escapes that matter to a wildcard pattern kept: ``\\*``, ``\\?``, ``\\\\``."""
        return "".join("\\" + c if escaped and c in "*?\\" else c for c, escaped in self.chars)


class _Lexer:
    def __init__(self, query: str) -> None:
        self.q = query

    def error(self, message: str, pos: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, pos, self.q)

    def tokens(self) -> list[_Token]:
        q, n, i, out = self.q, len(self.q), 0, []
        while i < n:
            ch = q[i]
            if ch.isspace():
                i += 1
            elif ch in "()[]{}":
                kind = {"(": LPAREN, ")": RPAREN, "[": LBRACK, "{": LBRACK}.get(ch, RBRACK)
                out.append(_Token(kind, i, i + 1, ch))
                i += 1
            elif ch == '"':
                token = self._phrase(i)
                out.append(token)
                i = token.end
            elif ch == "-" and i + 1 < n and not q[i + 1].isspace() and q[i + 1] not in ")]}":
                out.append(_Token(MINUS, i, i + 1, "-"))
                i += 1
            else:
                token, colon = self._word(i)
                if colon is not None:  # field:value — the value is lexed on the next turn
                    out.append(_Token(FIELD, i, colon + 1, q[i:colon]))
                    i = colon + 1
                    continue
                if token.raw in ("AND", "OR", "NOT"):
                    token.kind = token.raw
                out.append(token)
                i = token.end
        out.append(_Token(EOF, n, n))
        return out

    def _word(self, start: int) -> tuple[_Token, int | None]:
        q, n, i = self.q, len(self.q), start
        chars: list[tuple[str, bool]] = []
        colon = None
        while i < n and not q[i].isspace() and q[i] not in _DELIMITERS:
            if q[i] == "\\":
                if i + 1 >= n:
                    raise self.error("nothing to escape after '\\' (write '\\\\' for a backslash)", i)
                chars.append((q[i + 1], True))
                i += 2
                continue
            if q[i] == ":" and colon is None:
                colon = i
            chars.append((q[i], False))
            i += 1
        if colon is not None:
            name = q[start:colon]
            if not _FIELD_NAME.fullmatch(name) or q.startswith("//", colon + 1):
                colon = None  # "Lưu ý:", "09:30", "https://…" are text, not fields
        return _Token(WORD, start, i, q[start:i], tuple(chars)), colon

    def _phrase(self, start: int) -> _Token:
        q, n, i = self.q, len(self.q), start + 1
        chars: list[tuple[str, bool]] = []
        wildcards: list[tuple[int, str]] = []
        while i < n and q[i] != '"':
            if q[i] == "\\":
                if i + 1 >= n:
                    i = n
                    break
                chars.append((q[i + 1], True))
                i += 2
                continue
            if q[i] == "*" or (q[i] == "?" and i + 1 < n and _WORD_CHARS.match(q, i + 1).end() > i + 1):
                wildcards.append((i, q[i]))  # an error for text fields; the parser knows the field
            chars.append((q[i], False))
            i += 1
        if i >= n:
            raise self.error('unterminated quote (add the closing ")', start)
        return _Token(PHRASE, start, i + 1, q[start:i + 1], tuple(chars), tuple(wildcards))


MAX_DEPTH = 100
_CLAUSE_START = frozenset({WORD, PHRASE, FIELD, LPAREN, LBRACK, MINUS, NOT})
_COMPARISON = re.compile(r"(>=|<=|>|<)(.*)", re.S)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_VN_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\S.*", re.S)
_RELATIVE = re.compile(r"(?i:now)(?:([+-])(\d{1,9})([smhdw]))?")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _known_fields() -> str:
    return ", ".join(FIELDS)


def _combine(cls: type[And] | type[Or], parts: list[Node | None]) -> Node | None:
    children: list[Node] = []
    for part in parts:
        if part is None:
            continue  # a clause without searchable characters ("&", "…") is ignored, as in Lucene
        children.extend(part.children if isinstance(part, cls) else (part,))
    if not children:
        return None
    if len(children) == 1:
        return children[0]
    return cls(tuple(children), pos=children[0].pos)


class _Parser:
    def __init__(self, query: str) -> None:
        self.q = query
        self.toks = _Lexer(query).tokens()
        self.i = 0
        self.depth = 0

    # -- helpers ---------------------------------------------------------------------------------------------
    def error(self, message: str, pos: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, pos, self.q)

    def peek(self) -> _Token:
        return self.toks[self.i]

    def next(self) -> _Token:
        token = self.toks[self.i]
        self.i += 1
        return token

    def unexpected(self, token: _Token) -> QuerySyntaxError:
        if token.kind == RPAREN:
            return self.error("unbalanced parentheses: this ')' has no matching '('", token.pos)
        if token.kind in (AND, OR):
            return self.error(f"dangling operator {token.kind}: it needs a clause on each side", token.pos)
        if token.kind == EOF:
            return self.error("unexpected end of query", token.pos)
        return self.error(f"unexpected '{token.raw}'", token.pos)

    # -- grammar -----------------------------------------------------------------------------------------------
    def parse(self) -> Node:
        if not self.q.strip():
            raise self.error("empty query", 0)
        node = self.or_(None)
        if self.peek().kind != EOF:
            raise self.unexpected(self.peek())
        if node is None:
            raise self.error("the query has no words to search for (only punctuation)", 0)
        return node

    def clause_follows(self, operator: _Token) -> None:
        if self.peek().kind not in _CLAUSE_START:
            name = "NOT" if operator.kind == MINUS else operator.kind
            side = "after it" if name == "NOT" else "on each side"
            raise self.error(f"dangling operator {name}: it needs a clause {side}", operator.pos)

    def or_(self, field: Field | None) -> Node | None:
        parts = [self.and_(field)]
        while self.peek().kind == OR:
            self.clause_follows(self.next())
            parts.append(self.and_(field))
        return _combine(Or, parts)

    def and_(self, field: Field | None) -> Node | None:
        if self.peek().kind not in _CLAUSE_START:
            raise self.unexpected(self.peek())
        parts = [self.unary(field)]
        while True:
            kind = self.peek().kind
            if kind == AND:
                self.clause_follows(self.next())
            elif kind not in _CLAUSE_START:
                break
            parts.append(self.unary(field))
        return _combine(And, parts)

    def nest(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the query nests parentheses or NOTs more than {MAX_DEPTH} deep", token.pos)

    def unary(self, field: Field | None) -> Node | None:
        if self.peek().kind in (NOT, MINUS):
            operator = self.next()
            self.clause_follows(operator)
            self.nest(operator)
            child = self.unary(field)
            self.depth -= 1
            return None if child is None else Not(child, pos=operator.pos)
        return self.primary(field)

    def primary(self, field: Field | None) -> Node | None:
        token = self.peek()
        if token.kind == LPAREN:
            return self.group(field)
        if token.kind == FIELD:
            self.next()
            named = get_field(token.raw)
            if named is None:
                raise self.error(f"unknown field '{token.raw}'; known fields: {_known_fields()}", token.pos)
            if self.peek().kind not in (WORD, PHRASE, LPAREN, LBRACK):
                raise self.error(f"missing value after '{token.raw}:'", token.end)
            if self.peek().kind == LPAREN:
                return self.group(named)
            node = self.value(named)
            return None if node is None else replace(node, pos=token.pos)
        if token.kind in (WORD, PHRASE, LBRACK):
            return self.value(field)
        raise self.unexpected(token)

    def group(self, field: Field | None) -> Node | None:
        opening = self.next()
        self.nest(opening)
        if self.peek().kind == RPAREN:
            raise self.error("empty parentheses", opening.pos)
        if self.peek().kind == EOF:
            raise self.error("unbalanced parentheses: this '(' is never closed", opening.pos)
        node = self.or_(field)
        closing = self.peek()
        if closing.kind == EOF:
            raise self.error("unbalanced parentheses: this '(' is never closed", opening.pos)
        if closing.kind != RPAREN:
            raise self.unexpected(closing)
        self.next()
        self.depth -= 1
        return node

    # -- values ------------------------------------------------------------------------------------------------
    def value(self, field: Field | None) -> Node | None:
        token = self.next()
        f = field or FIELDS[DEFAULT_FIELD]
        if token.kind == PHRASE:
            # "a?b" in a keyword value (an URL query string) is literal; in text, and * anywhere, a mistake
            for at, ch in token.wildcards:
                if ch == "*" or f.kind is FieldKind.text:
                    raise self.error("wildcards do not work inside a phrase: remove the quotes or the wildcard "
                                     "(escape it as \\* for a literal character)", at)
        if token.kind == LBRACK:
            if f.kind not in (FieldKind.number, FieldKind.date):
                raise self.error(f"ranges only work on number and date fields ({self._ranged()}), "
                                 f"e.g. reach:[100 TO *]", token.pos)
            return self.range(f, token)
        if token.kind == WORD and (token.raw == "*:*" or (token.raw == "*" and field is None)):
            return MatchAll(pos=token.pos)
        if f.kind is FieldKind.text:
            return self.text_value(f, token)
        if f.kind is FieldKind.keyword:
            return self.keyword_value(f, token)
        if token.kind == WORD and token.raw in (">=", ">", "<=", "<") and self.peek().kind == PHRASE \
                and self.peek().pos == token.end:  # created_at:>="2025-07-01 08:30"
            quoted = self.next()
            token = _Token(WORD, token.pos, quoted.end, token.raw + quoted.raw, tuple((c, False) for c in token.raw)
                           + quoted.chars)
        if f.kind is FieldKind.bool:
            flag = parse_bool(token.value)
            if flag is None or (token.kind == WORD and token.wild):
                raise self.error(f"{f.name} is true or false, not '{token.value}'", token.pos)
            return Term(f.name, flag, pos=token.pos)
        return self.comparison(f, token)

    def text_value(self, f: Field, token: _Token) -> Node | None:
        if token.kind == PHRASE:
            return Phrase(f.name, token.value, pos=token.pos) if _text.tokens(token.value) else None
        chars = list(token.chars)
        while chars and chars[-1] == ("?", False):
            chars.pop()  # "tăng?" — a question mark at the end of a word is punctuation, not a wildcard
        token = _Token(WORD, token.pos, token.end, token.raw, tuple(chars))
        if token.wild:
            literal = re.sub(r"\\.|[*?]", lambda m: m.group() if m.group()[0] == "\\" else "", token.pattern)
            if not _WORD_CHARS.fullmatch(_text.fold(literal)):
                raise self.error("a wildcard term must be a single word of letters and digits, e.g. bảo* or vss?d",
                                 token.pos)
            return Wildcard(f.name, token.pattern, pos=token.pos)
        words = _text.tokens(token.value)
        if not words:
            return None
        cls = Term if len(words) == 1 else Phrase  # "BHXH" → bảo hiểm xã hội, "covid-19" → covid 19
        return cls(f.name, token.value, pos=token.pos)

    def keyword_value(self, f: Field, token: _Token) -> Node | None:
        if token.kind == WORD and token.wild:
            if f.allowed is not None:
                rx = re.compile(wildcard_regex(normalize_keyword(token.pattern)), re.S)
                if not any(rx.fullmatch(v) for v in f.allowed):
                    raise self.error(f"no {f.name} matches '{token.value}'; allowed: {', '.join(f.allowed)}",
                                     token.pos)
            return Wildcard(f.name, token.pattern, pos=token.pos)
        value = token.value
        if not normalize_keyword(value):
            return None
        if f.allowed is not None:
            canonical = normalize_keyword(value).replace(" ", "_").replace("-", "_")
            if canonical not in f.allowed:
                raise self.error(f"unknown {f.name} '{value}'; allowed: {', '.join(f.allowed)}", token.pos)
            value = canonical
        return Term(f.name, value, pos=token.pos)

    # -- numbers, dates, ranges --------------------------------------------------------------------------------
    @staticmethod
    def _ranged() -> str:
        return ", ".join(n for n, f in FIELDS.items() if f.kind in (FieldKind.number, FieldKind.date))

    def comparison(self, f: Field, token: _Token) -> Range:
        text, at = token.value.strip(), token.pos
        if text == "*":
            return Range(f.name, None, None, True, True, pos=at)
        match = _COMPARISON.fullmatch(text)
        if match is None:  # an exact value: a number, an instant, or a whole day
            lower, include_lower = self.bound(f, at, text, lower=True, inclusive=True)
            upper, include_upper = self.bound(f, at, text, lower=False, inclusive=True)
            return Range(f.name, lower, upper, include_lower, include_upper, pos=at)
        op, rest = match.groups()
        if not rest.strip():
            raise self.error(f"missing value after '{op}'", at)
        value_at = at + len(op) if token.kind == WORD and token.raw.startswith(op) else at
        if op[0] == ">":
            lower, include_lower = self.bound(f, value_at, rest.strip(), lower=True, inclusive=op == ">=")
            return Range(f.name, lower, None, include_lower, True, pos=at)
        upper, include_upper = self.bound(f, value_at, rest.strip(), lower=False, inclusive=op == "<=")
        return Range(f.name, None, upper, True, include_upper, pos=at)

    def range(self, f: Field, opening: _Token) -> Range:
        low = self.next()
        if low.kind not in (WORD, PHRASE):
            raise self.error("bad range: expected a lower bound after '" + opening.raw + "'", low.pos)
        to = self.next()
        if to.kind != WORD or to.raw != "TO":
            raise self.error("bad range: expected 'TO' between the bounds, e.g. [10 TO 100]", to.pos)
        high = self.next()
        if high.kind not in (WORD, PHRASE):
            raise self.error("bad range: expected an upper bound after 'TO'", high.pos)
        closing = self.next()
        if closing.kind != RBRACK:
            raise self.error("bad range: expected ']' or '}' to close it", closing.pos)
        lower, include_lower = self.bound(f, low.pos, low.value.strip(), lower=True, inclusive=opening.raw == "[")
        upper, include_upper = self.bound(f, high.pos, high.value.strip(), lower=False,
                                          inclusive=closing.raw == "]")
        if _empty(lower, upper, include_lower, include_upper):
            raise self.error("bad range: the lower bound is above the upper bound, nothing can match", opening.pos)
        return Range(f.name, lower, upper, include_lower, include_upper, pos=opening.pos)

    def bound(self, f: Field, pos: int, text: str, *, lower: bool, inclusive: bool) -> tuple[Bound, bool]:
        """(value, inclusive) of one bound; None = open. A whole day as a lower bound starts at its midnight
        (exclusive: the next midnight); as an upper bound it ends before the next midnight."""
        if text == "*":
            return None, True
        if f.kind is FieldKind.number:
            return self.number(text, pos), inclusive
        start, next_day = self.date(text, pos)
        if next_day is None:
            return start, inclusive
        if lower:
            return (start, True) if inclusive else (next_day, True)
        return (next_day, False) if inclusive else (start, False)

    def number(self, text: str, pos: int) -> int | float:
        if _NUMBER.fullmatch(text):
            try:
                if re.fullmatch(r"[+-]?\d+", text):
                    return int(text)
                value = float(text)
                if value not in (float("inf"), float("-inf")):
                    return value
            except ValueError:  # e.g. more digits than int() accepts
                pass
        raise self.error(f"bad number '{text}' (write digits without thousands separators, e.g. 1000 or 0.8)",
                         pos)

    def date(self, text: str, pos: int) -> tuple[datetime | RelativeDate, datetime | None]:
        """(start, start of the next day) for a day, (instant, None) otherwise."""
        try:
            if m := _RELATIVE.fullmatch(text):
                sign, amount, unit = m.groups()
                if sign is None:
                    return RelativeDate(), None
                offset = timedelta(**{_UNITS[unit]: int(amount)})
                return RelativeDate(-offset if sign == "-" else offset), None
            day = None
            if _ISO_DAY.fullmatch(text):
                day = date.fromisoformat(text)
            elif m := _VN_DAY.fullmatch(text):
                day = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            if day is not None:
                start = datetime.combine(day, time(0), TIMEZONE).astimezone(UTC)
                following = datetime.combine(day + timedelta(days=1), time(0), TIMEZONE).astimezone(UTC)
                return start, following
            if _ISO_DATETIME.fullmatch(text):
                moment = datetime.fromisoformat(text)
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=TIMEZONE)
                return moment.astimezone(UTC), None
        except (ValueError, OverflowError):
            pass
        raise self.error(f"bad date '{text}'; write 2025-07-01, 01/07/2025, 2025-07-01T08:30, "
                         "2025-07-01T08:30:00+07:00, now or now-7d (units s, m, h, d, w)", pos)


def _empty(lower: Bound, upper: Bound, include_lower: bool, include_upper: bool) -> bool:
    if lower is None or upper is None:
        return False
    if isinstance(lower, RelativeDate) and isinstance(upper, RelativeDate):
        lower, upper = lower.offset, upper.offset
    elif isinstance(lower, RelativeDate) or isinstance(upper, RelativeDate):
        return False  # depends on when it runs
    if lower > upper:  # type: ignore[operator]
        return True
    return lower == upper and not (include_lower and include_upper)


def parse(query: str) -> Node:
    """Parse a query into an AST. Raises `QuerySyntaxError` (and nothing else) for bad input."""
    if not isinstance(query, str):
        raise TypeError(f"query must be a str, not {type(query).__name__}")
    return _Parser(query).parse()
