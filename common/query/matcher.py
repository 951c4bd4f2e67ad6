"""In-memory matcher: compile a query once, test it against many documents.

A `MatchDocument` is prepared once per crawled text (analysis is the expensive part) and can then be tested
against any number of compiled rules. Compilation turns the AST into plain closures, and every OR of words and
phrases over one field into a token trie, so the typical "does this post mention any of 200 phrases?" is a
set intersection plus a few dictionary lookups.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import common.text as _text

from .ast import And, MatchAll, Node, Not, Or, Phrase, Range, RelativeDate, Term, Wildcard, analyzed, wildcard_regex
from .fields import FIELDS, FieldKind, keyword_key
from .parser import parse

__all__ = ["MatchDocument", "Matcher", "compile_query"]

_GAP = "\x00"  # between title and text, so a phrase never spans the two (never a token: tokens are \w+)
_END = ""  # trie key marking the end of a phrase (never a token either)


class _Stream:
    """The analyzed tokens of one text field of one document."""

    __slots__ = ("tokens", "token_set", "_bigrams", "_positions", "_joined")

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        token_set = set(tokens)
        token_set.discard(_GAP)
        self.token_set = frozenset(token_set)
        self._bigrams: frozenset[tuple[str, str]] | None = None
        self._positions: dict[str, list[int]] | None = None
        self._joined: str | None = None

    @property
    def bigrams(self) -> frozenset[tuple[str, str]]:
        """Pairs of consecutive tokens (built on first use)."""
        if self._bigrams is None:
            self._bigrams = frozenset(zip(self.tokens, self.tokens[1:]))
        return self._bigrams

    @property
    def positions(self) -> dict[str, list[int]]:
        """token → its indexes in `tokens` (built on first use: only documents that contain a phrase's
        first word ever need it)."""
        if self._positions is None:
            positions: dict[str, list[int]] = {}
            for i, token in enumerate(self.tokens):
                positions.setdefault(token, []).append(i)
            self._positions = positions
        return self._positions

    @property
    def joined(self) -> str:
        """The distinct tokens one per line, for wildcard regexes."""
        if self._joined is None:
            self._joined = "\n".join(sorted(self.token_set))
        return self._joined


def _analyze(*texts: str | None) -> list[str]:
    out: list[str] = []
    for text in texts:
        if text:
            if out:
                out.append(_GAP)
            out.extend(_text.tokens(text))
    return out


class MatchDocument:
    """A document prepared for matching: analyzed once, matched against many rules.

    ``tokens`` / ``token_set`` are the analyzed tokens of the default ``text`` field (title + text).
    """

    __slots__ = ("mention", "text_stream", "tokens", "token_set", "_streams", "_keywords")

    def __init__(self, text: _Stream, mention: Any = None, title: _Stream | None = None) -> None:
        self.mention = mention
        self.text_stream = text
        self.tokens = text.tokens
        self.token_set = text.token_set
        self._streams: dict[str, _Stream] = {"text": text}
        if title is not None:
            self._streams["title"] = title
        self._keywords: dict[str, tuple[str, ...]] = {}

    @classmethod
    def from_mention(cls, mention: Any) -> MatchDocument:
        """Prepare a `Mention` or `ClassifiedMention`: the default field is ``title + text_normalized``."""
        return cls(_Stream(_analyze(mention.title, mention.text_normalized)), mention)

    @classmethod
    def from_text(cls, text: str, *, title: str | None = None) -> MatchDocument:
        """Prepare a plain text (and optional title). Only the text fields exist; other clauses do not match."""
        return cls(_Stream(_analyze(title, text)), None, _Stream(_analyze(title)))

    @classmethod
    def from_tokens(cls, tokens: Sequence[str]) -> MatchDocument:
        """Wrap tokens already produced by the shared analyzer (e.g. `common.text.process(...).tokens`), so the
        crawler path analyzes each text once."""
        return cls(_Stream(list(tokens)), None, _Stream([]))

    @classmethod
    def of(cls, doc: Any) -> MatchDocument:
        if isinstance(doc, MatchDocument):
            return doc
        if isinstance(doc, str):
            return cls.from_text(doc)
        if hasattr(doc, "text_normalized"):
            return cls.from_mention(doc)
        raise TypeError(f"cannot match a {type(doc).__name__}; pass a Mention, a str or a MatchDocument")

    def stream(self, field: str) -> _Stream:
        stream = self._streams.get(field)
        if stream is None:
            texts = FIELDS[field].getter(self.mention) if self.mention is not None else ()
            stream = self._streams[field] = _Stream(_analyze(*texts))
        return stream

    def keywords(self, field: str) -> tuple[str, ...]:
        """Comparison keys of a keyword field (folded; provinces resolved), () when missing."""
        keys = self._keywords.get(field)
        if keys is None:
            raw = FIELDS[field].getter(self.mention) if self.mention is not None else ()
            keys = self._keywords[field] = tuple(k for k in (keyword_key(field, v) for v in raw) if k)
        return keys

    def value(self, field: str) -> Any:
        """Value of a number, date or bool field, None when missing."""
        return None if self.mention is None else FIELDS[field].getter(self.mention)


Predicate = Callable[[MatchDocument], bool]


class Matcher:
    """A compiled query. ``matcher.matches(doc)`` (or ``matcher(doc)``) with a `MatchDocument` (fast path),
    a `Mention` / `ClassifiedMention` or a str (prepared on the fly)."""

    __slots__ = ("query", "_predicate")

    def __init__(self, query: Node) -> None:
        self.query = query
        self._predicate = _compile(query)

    def matches(self, doc: MatchDocument | Any) -> bool:
        if type(doc) is not MatchDocument:
            doc = MatchDocument.of(doc)
        return self._predicate(doc)

    __call__ = matches

    def __repr__(self) -> str:
        text = self.query.to_string()
        return f"Matcher({text if len(text) < 120 else text[:117] + '...'})"


def compile_query(query: str | Node) -> Matcher:
    """Parse (if needed) and compile a query. Raises `QuerySyntaxError` for a bad query string."""
    return Matcher(parse(query) if isinstance(query, str) else query)


# ---------------------------------------------------------------------------------------------------- compiling

def _true(doc: MatchDocument) -> bool:
    return True


def _false(doc: MatchDocument) -> bool:
    return False


def _stream_of(field: str) -> Callable[[MatchDocument], _Stream]:
    if field == "text":
        return lambda d: d.text_stream
    return lambda d: d.stream(field)


class _PhraseSet:
    """Any of several phrases (a single word is a one-word phrase) over one text field.

    One-word phrases are a set intersection; longer ones are keyed by their first two words, so a document is
    only walked (through a token trie) where one of those word pairs occurs in it.
    """

    __slots__ = ("singles", "whole_pairs", "pairs", "trie", "stream")

    def __init__(self, field: str, phrases: list[tuple[str, ...]]) -> None:
        trie: dict[str, dict] = {}
        for phrase in phrases:
            node = trie
            for token in phrase:
                node = node.setdefault(token, {})
            node[_END] = {}
        self.trie = trie
        self.singles = frozenset(t for t, node in trie.items() if _END in node)
        whole, pairs = set(), set()
        for first, node in trie.items():
            if _END in node:
                continue  # the one-word phrase already covers every longer phrase starting with it
            for second, child in node.items():
                (whole if _END in child else pairs).add((first, second))
        self.whole_pairs = frozenset(whole)  # two-word phrases: present pair = match
        self.pairs = frozenset(pairs)  # longer phrases: present pair = walk the trie from there
        self.stream = _stream_of(field)

    def __call__(self, doc: MatchDocument) -> bool:
        stream = self.stream(doc)
        if self.singles and not self.singles.isdisjoint(stream.token_set):
            return True
        bigrams = stream.bigrams
        if self.whole_pairs and not self.whole_pairs.isdisjoint(bigrams):
            return True
        if not self.pairs or self.pairs.isdisjoint(bigrams):
            return False
        hits = self.pairs.intersection(bigrams)
        tokens, trie = stream.tokens, self.trie
        n, positions = len(tokens), stream.positions
        for first, second in hits:
            start = trie[first][second]
            for p in positions[first]:
                if p + 1 >= n or tokens[p + 1] != second:
                    continue
                node, i = start, p + 2
                while i < n:
                    node = node.get(tokens[i])
                    if node is None:
                        break
                    if _END in node:
                        return True
                    i += 1
        return False


def _all_of(field: str, tokens: frozenset[str]) -> Predicate:
    if field == "text":
        return lambda d: tokens <= d.token_set
    return lambda d: tokens <= d.stream(field).token_set


def _text_wildcards(field: str, patterns: list[str]) -> Predicate:
    source = "|".join(wildcard_regex(p, token=True) for p in patterns)
    search = re.compile(rf"^(?:{source})$", re.M).search
    stream = _stream_of(field)
    def predicate(d: MatchDocument) -> bool:
        joined = stream(d).joined
        return bool(joined) and search(joined) is not None  # no token, no match (even for "*")

    return predicate


def _keyword_term(node: Term) -> Predicate:
    keys = analyzed(node)
    if not keys:
        return _false
    key, field = keys[0], node.field
    return lambda d: key in d.keywords(field)


def _keyword_wildcard(node: Wildcard) -> Predicate:
    fullmatch = re.compile(wildcard_regex(analyzed(node)[0], token=False), re.S).fullmatch
    field = node.field
    return lambda d: any(fullmatch(k) is not None for k in d.keywords(field))


def _bool_term(node: Term) -> Predicate:
    field, wanted = node.field, node.value
    return lambda d: d.value(field) is wanted


def _range(node: Range) -> Predicate:
    kind = FIELDS[node.field].kind if node.field in FIELDS else None
    if kind not in (FieldKind.number, FieldKind.date):
        raise ValueError(f"cannot compile {node!r}: ranges need a number or date field")
    field, lower, upper = node.field, node.lower, node.upper
    include_lower, include_upper = node.include_lower, node.include_upper
    relative = isinstance(lower, RelativeDate) or isinstance(upper, RelativeDate)

    def predicate(d: MatchDocument) -> bool:
        value = d.value(field)
        if value is None:
            return False
        lo, hi = lower, upper
        if relative:
            now = datetime.now(UTC)
            lo = lo.resolve(now) if isinstance(lo, RelativeDate) else lo
            hi = hi.resolve(now) if isinstance(hi, RelativeDate) else hi
        if lo is not None and (value < lo if include_lower else value <= lo):
            return False
        if hi is not None and (value > hi if include_upper else value >= hi):
            return False
        return True

    return predicate


def _leaf(node: Node) -> Predicate:
    if isinstance(node, MatchAll):
        return _true
    if isinstance(node, Range):
        return _range(node)
    field = FIELDS.get(getattr(node, "field", None) or "")
    if field is None:
        raise ValueError(f"cannot compile {node!r}: unknown field")
    if field.kind is FieldKind.text:
        if isinstance(node, Wildcard):
            return _text_wildcards(node.field, [analyzed(node)[0]])
        tokens = analyzed(node)
        if not tokens:
            return _false
        if len(tokens) == 1:
            return _all_of(node.field, frozenset(tokens))
        return _PhraseSet(node.field, [tokens])
    if field.kind is FieldKind.keyword:
        return _keyword_wildcard(node) if isinstance(node, Wildcard) else _keyword_term(node)
    if field.kind is FieldKind.bool and isinstance(node, Term):
        return _bool_term(node)
    raise ValueError(f"cannot compile {node!r}: a {field.kind} field needs a "
                     f"{'Range' if field.kind in (FieldKind.number, FieldKind.date) else 'Term'}")


def _text_leaf(node: Node) -> str | None:
    """The field of a text Term/Phrase (groupable into tries and token sets), else None."""
    if isinstance(node, Term | Phrase) and not isinstance(node.value, bool):
        field = FIELDS.get(node.field)
        if field is not None and field.kind is FieldKind.text:
            return node.field
    return None


def _compile(node: Node) -> Predicate:
    if isinstance(node, Not):
        inner = _compile(node.child)
        return lambda d: not inner(d)
    if isinstance(node, Or):
        return _compile_or(node)
    if isinstance(node, And):
        return _compile_and(node)
    return _leaf(node)


def _compile_or(node: Or) -> Predicate:
    phrases: dict[str, list[tuple[str, ...]]] = {}
    wildcards: dict[str, list[str]] = {}
    rest: list[Predicate] = []
    for child in node.children:
        field = _text_leaf(child)
        if field is not None:
            tokens = analyzed(child)
            if tokens:
                phrases.setdefault(field, []).append(tokens)
        elif isinstance(child, Wildcard) and FIELDS[child.field].kind is FieldKind.text:
            wildcards.setdefault(child.field, []).append(analyzed(child)[0])
        else:
            rest.append(_compile(child))
    predicates: list[Predicate] = [_PhraseSet(f, p) for f, p in phrases.items()]
    predicates += [_text_wildcards(f, p) for f, p in wildcards.items()]
    predicates += rest
    return _any(predicates)


def _compile_and(node: And) -> Predicate:
    required: dict[str, set[str]] = {}
    predicates: list[Predicate] = []
    rest: list[Predicate] = []
    for child in node.children:
        field = _text_leaf(child)
        tokens = analyzed(child) if field is not None else ()
        if field is not None and len(tokens) == 1:
            required.setdefault(field, set()).update(tokens)
        elif field is not None and not tokens:
            return _false
        elif field is not None:
            predicates.append(_PhraseSet(field, [tokens]))
        else:
            rest.append(_compile(child))
    cheap = [_all_of(f, frozenset(t)) for f, t in required.items()]
    return _all(cheap + predicates + rest)


def _any(predicates: list[Predicate]) -> Predicate:
    if not predicates:
        return _false
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        a, b = predicates
        return lambda d: a(d) or b(d)
    items = tuple(predicates)

    def any_of(d: MatchDocument) -> bool:
        for predicate in items:
            if predicate(d):
                return True
        return False

    return any_of


def _all(predicates: list[Predicate]) -> Predicate:
    if not predicates:
        return _true
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        a, b = predicates
        return lambda d: a(d) and b(d)
    items = tuple(predicates)

    def all_of(d: MatchDocument) -> bool:
        for predicate in items:
            if not predicate(d):
                return False
        return True

    return all_of
