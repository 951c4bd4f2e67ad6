"""The default BHXH relevance watchlist: what the crawlers keep (see ``default_watchlist.txt``)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from .matcher import Matcher, compile_query

__all__ = ["default_watchlist", "default_watchlist_query", "load_watchlist", "read_watchlist"]

DEFAULT_WATCHLIST_FILE = "default_watchlist.txt"


def strip_comments(text: str) -> str:
    """Blank out lines whose first non-blank character is ``#`` (kept as empty lines so error positions
    still point at the right line of the file)."""
    return "\n".join("" if line.lstrip().startswith("#") else line for line in text.splitlines())


def read_watchlist(path: str | Path) -> str:
    """The query of a watchlist file, comments stripped."""
    return strip_comments(Path(path).read_text(encoding="utf-8"))


def default_watchlist_query() -> str:
    """The query text of the default watchlist, comments stripped."""
    text = resources.files(__package__).joinpath(DEFAULT_WATCHLIST_FILE).read_text(encoding="utf-8")
    return strip_comments(text)


def load_watchlist(path: str | Path | None = None) -> Matcher:
    """Compile a watchlist file (default: the packaged one). Not cached: use `default_watchlist` in hot paths."""
    return compile_query(default_watchlist_query() if path is None else read_watchlist(path))


@cache
def default_watchlist() -> Matcher:
    """The compiled default watchlist, compiled once per process."""
    return load_watchlist()
