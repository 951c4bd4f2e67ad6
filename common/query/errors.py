"""The one exception the query language raises for bad input."""

from __future__ import annotations

import unicodedata


def _width(text: str) -> int:
    """Display width of `text` in a terminal: combining marks take no column, wide (CJK) characters two."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


class QuerySyntaxError(ValueError):
    """A query that cannot be parsed. ``position`` is the 0-based character offset of the problem in ``query``.

    ``str(error)`` shows the message, then the offending line of the query with a caret under the position::

        unterminated quote (add the closing ")
          title:"bảo hiểm
                ^
    """

    def __init__(self, message: str, position: int, query: str) -> None:
        self.message = message
        self.position = max(0, min(position, len(query)))
        self.query = query
        super().__init__(message, self.position, query)

    @property
    def line(self) -> int:
        """1-based line number of the position (watchlists span several lines)."""
        return self.query.count("\n", 0, self.position) + 1

    @property
    def column(self) -> int:
        """1-based column (in characters) of the position within its line."""
        return self.position - (self.query.rfind("\n", 0, self.position) + 1) + 1

    def __str__(self) -> str:
        start = self.query.rfind("\n", 0, self.position) + 1
        end = self.query.find("\n", self.position)
        end = len(self.query) if end < 0 else end
        line = self.query[start:end].replace("\t", " ").replace("\r", " ")
        caret = " " * _width(line[: self.position - start]) + "^"
        where = f" (line {self.line}, column {self.column})" if "\n" in self.query else ""
        return f"{self.message}{where}\n  {line}\n  {caret}"

    def __reduce__(self):  # keep it picklable (multiprocessing, logging handlers)
        return (type(self), (self.message, self.position, self.query))
