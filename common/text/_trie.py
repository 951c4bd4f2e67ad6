"""Build one regex from many literal phrases, as a character trie.

Python's ``re`` tries the branches of ``a|b|c|...`` one after the other at every position, so an alternation of
~1,000 literals is slow.  A trie-shaped pattern (``b(?:hxh|hyt)``) branches on one character at a time; it is
deterministic apart from the optional tails, so matching stays linear.  Longer phrases win at the same start
(the optional tail is greedy) and backtrack to shorter ones when a trailing assertion fails.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

_END = ""


def trie_pattern(phrases: Iterable[str], space: str | None = None) -> str:
    """Return a non-capturing regex matching any of ``phrases``.

    ``space``: if given, every " " in a phrase is emitted as this sub-pattern (e.g. a class of separators).
    """
    root: dict = {}
    for p in phrases:
        if not p:
            continue
        node = root
        for ch in p:
            node = node.setdefault(ch, {})
        node[_END] = True
    if not root:
        return "(?!)"
    return _emit(root, space)


def _emit(node: dict, space: str | None) -> str:
    ends = _END in node
    alts = []
    for ch in sorted(k for k in node if k != _END):
        lit = space if (ch == " " and space is not None) else re.escape(ch)
        alts.append(lit + _emit(node[ch], space))
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    if ends:
        if len(alts) == 1:
            body = "(?:" + body + ")"
        return body + "?"
    return body
