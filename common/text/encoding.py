"""Strict UTF-8 decoding for incoming records (bad records are quarantined by the caller, never guessed)."""
from __future__ import annotations


class InvalidTextError(ValueError):
    """Raised by :func:`decode_utf8`; ``offset`` is the byte offset of the first invalid byte."""

    def __init__(self, message: str, offset: int, bad: bytes) -> None:
        super().__init__(message)
        self.offset = offset
        self.bad = bad


def decode_utf8(data: bytes, where: str = "") -> str:
    """Decode ``data`` as strict UTF-8 (a leading BOM is dropped).

    Raises :class:`InvalidTextError` naming ``where`` (e.g. "facebook:post/123"), the byte offset and the bad bytes
    (hex) with a little context, e.g. ``invalid UTF-8 in facebook:1 at byte offset 5: bytes ff fe (invalid start
    byte); context: 61 62 63 64 65 [ff fe] 66``.
    """
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise TypeError(f"decode_utf8 expects bytes, got {type(data).__name__}")
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        bad = data[e.start:e.end]
        before = data[max(0, e.start - 8):e.start]
        after = data[e.end:e.end + 8]
        context = " ".join(filter(None, [before.hex(" "), f"[{bad.hex(' ')}]", after.hex(" ")]))
        place = f" in {where}" if where else ""
        raise InvalidTextError(
            f"invalid UTF-8{place} at byte offset {e.start}: bytes {bad.hex(' ')} ({e.reason}); context: {context}",
            e.start,
            bad,
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text
