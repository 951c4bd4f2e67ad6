"""The crisiswatch query language: one boolean query syntax for the crawlers' watchlist, alert rules and search.

    from common.query import compile_query, MatchDocument
    rule = compile_query('("lương hưu" OR BHXH) -"bảo hiểm xe" reach:>=100')
    rule.matches(MatchDocument.from_mention(mention))

`parse` gives a backend-neutral AST (`common.query.ast`) that the index compiles to Elasticsearch and tantivy;
`analyzed` gives the normalized form of a leaf so every backend applies the same analysis. See
docs/query-language.md for the language.
"""

from .ast import (
    And,
    Bound,
    MatchAll,
    Node,
    Not,
    Or,
    Phrase,
    Range,
    RelativeDate,
    Term,
    Wildcard,
    analyzed,
    walk,
)
from .errors import QuerySyntaxError
from .fields import DEFAULT_FIELD, FIELDS, Field, FieldKind, get_field, keyword_key
from .matcher import MatchDocument, Matcher, compile_query
from .parser import TIMEZONE, parse
from .watchlist import default_watchlist, default_watchlist_query, load_watchlist

__all__ = [
    "And", "Bound", "MatchAll", "Node", "Not", "Or", "Phrase", "Range", "RelativeDate", "Term", "Wildcard",
    "analyzed", "walk",
    "QuerySyntaxError",
    "DEFAULT_FIELD", "FIELDS", "Field", "FieldKind", "get_field", "keyword_key",
    "MatchDocument", "Matcher", "compile_query",
    "TIMEZONE", "parse",
    "default_watchlist", "default_watchlist_query", "load_watchlist",
]
