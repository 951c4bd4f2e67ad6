"""Zalo OA events: decode and validate a webhook body, decide what it is, turn a message into a `RawMention`.

Formats (see crawlers/zalo/README.md for sources): every event has ``app_id``, ``event_name`` and ``timestamp``
(epoch milliseconds, a string). Message events (``user_send_text``, ``user_send_image``, ``user_send_link``,
``user_send_sticker``, ``user_send_gif``, ``user_send_audio``, ``user_send_video``, ``user_send_file``,
``user_send_location``…) carry ``sender.id``, ``recipient.id`` and ``message.msg_id`` (+ ``message.text``,
``message.attachments``). ``oa_send_*`` events are the same shape for messages the OA itself sent (our echo).
``follow`` / ``unfollow`` carry ``follower.id`` and ``oa_id``.

Ids are always handled as strings: Zalo ids exceed 2**53, so a JSON number would be rounded by most parsers. Python
keeps JSON integers exact, so an integer id is accepted and converted with ``str``; a float id is rejected.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from common.schema import Source
from crawlers.items import RawMention

# Plausible epoch milliseconds: 2001-09-09 .. 2286-11-20 (13 digits). Seconds (10 digits) are rejected.
_MIN_MS = 1_000_000_000_000
_MAX_MS = 9_999_999_999_999


class EventError(ValueError):
    """A webhook body that is not a valid Zalo event. `where` names the place: a byte offset, a line and column,
    or a JSON path such as ``message.msg_id``."""

    def __init__(self, message: str, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class EventKind(StrEnum):
    message = "message"  # a user's message with text: forwarded as a mention
    no_text = "no_text"  # a user's image, sticker, audio… without any text: stored, not forwarded
    echo = "echo"  # oa_send_*: a message the OA (we) sent
    follow = "follow"
    unfollow = "unfollow"
    other = "other"  # seen/received receipts, reactions, tags, shop events…: stored, not forwarded


@dataclass(frozen=True)
class ZaloEvent:
    event_name: str
    app_id: str
    timestamp: str  # as sent (digits): part of the signed material
    created_at: datetime
    sender_id: str | None = None
    recipient_id: str | None = None
    msg_id: str | None = None
    text: str | None = field(default=None, repr=False)  # may contain personal data
    attachment_types: tuple[str, ...] = ()
    follower_id: str | None = None
    oa_id: str | None = None

    @property
    def kind(self) -> EventKind:
        name = self.event_name
        if name.startswith("oa_send_"):
            return EventKind.echo
        if name == "follow":
            return EventKind.follow
        if name == "unfollow":
            return EventKind.unfollow
        if name.startswith("user_send_"):
            return EventKind.message if self.text and self.text.strip() else EventKind.no_text
        return EventKind.other


# -- decoding -----------------------------------------------------------------------------------------------------


def decode_body(raw: bytes) -> dict[str, Any]:
    """UTF-8 → JSON object, with the place of the first error."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise EventError(f"invalid UTF-8 ({error.reason})", f"byte {error.start}") from None
    if not text.strip():
        raise EventError("empty body")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise EventError(f"invalid JSON: {error.msg}",
                         f"line {error.lineno} column {error.colno} (char {error.pos})") from None
    if not isinstance(data, dict):
        raise EventError(f"expected a JSON object, got {type(data).__name__}", "$")
    return data


def _get(data: Mapping[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, Mapping):
            raise EventError("expected an object", path.rsplit(".", 1)[0] if "." in path else "$")
        if part not in value:
            raise EventError("missing field", path)
        value = value[part]
    return value


def _id(data: Mapping[str, Any], path: str, required: bool = True) -> str | None:
    try:
        value = _get(data, path)
    except EventError:
        if required:
            raise
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise EventError(f"expected a string id, got {type(value).__name__}", path)
    value = str(value).strip()
    if not value:
        raise EventError("empty id", path)
    return value


def timestamp_text(data: Mapping[str, Any]) -> str:
    """The event's `timestamp` as the digits that were signed."""
    value = _get(data, "timestamp")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise EventError(f"expected epoch milliseconds as a string, got {type(value).__name__}", "timestamp")
    text = str(value).strip()
    if not text.isdigit() or not (_MIN_MS <= int(text) <= _MAX_MS):
        raise EventError(f"expected epoch milliseconds (13 digits), got {text[:40]!r}", "timestamp")
    return text


def ms_to_datetime(ms: int | str) -> datetime:
    return datetime.fromtimestamp(int(ms) / 1000, UTC)


def parse_event(data: Mapping[str, Any]) -> ZaloEvent:
    """Validate a decoded webhook body. Raises `EventError` naming the first wrong field."""
    name = _get(data, "event_name")
    if not isinstance(name, str) or not name.strip():
        raise EventError("expected a non-empty string", "event_name")
    name = name.strip()
    app_id = _id(data, "app_id")
    stamp = timestamp_text(data)
    fields: dict[str, Any] = {}
    if name.startswith(("user_send_", "oa_send_")):
        fields["sender_id"] = _id(data, "sender.id")
        fields["recipient_id"] = _id(data, "recipient.id")
        message = _get(data, "message")
        if not isinstance(message, Mapping):
            raise EventError(f"expected an object, got {type(message).__name__}", "message")
        fields["msg_id"] = _id(data, "message.msg_id")
        text = message.get("text")
        if name.endswith("_send_text") and text is None:
            raise EventError("missing field", "message.text")
        if text is not None and not isinstance(text, str):
            raise EventError(f"expected a string, got {type(text).__name__}", "message.text")
        fields["text"] = text
        attachments = message.get("attachments") or []
        if not isinstance(attachments, list):
            raise EventError("expected a list", "message.attachments")
        fields["attachment_types"] = tuple(
            str(a.get("type")) for a in attachments if isinstance(a, Mapping) and a.get("type"))
    elif name in ("follow", "unfollow"):
        fields["follower_id"] = _id(data, "follower.id")
        fields["oa_id"] = _id(data, "oa_id", required=False)
    else:  # other events: keep the ids we recognize, require nothing more
        for key, path in (("sender_id", "sender.id"), ("recipient_id", "recipient.id")):
            try:
                fields[key] = _id(data, path, required=False)
            except EventError:
                fields[key] = None
    return ZaloEvent(event_name=name, app_id=app_id or "", timestamp=stamp, created_at=ms_to_datetime(stamp),
                     **fields)


def parse_body(raw: bytes) -> ZaloEvent:
    return parse_event(decode_body(raw))


# -- to mentions --------------------------------------------------------------------------------------------------


def event_to_raw_mention(event: ZaloEvent) -> RawMention:
    """A user's message (kind `message`) as the crawler item. Same fields as `backfill_to_raw_mention`, so the
    webhook copy and the backfill copy of one message become one mention (id = hash("zalo", msg_id))."""
    if event.kind is not EventKind.message:
        raise ValueError(f"{event.event_name} is not a user message with text")
    assert event.msg_id and event.text is not None
    return RawMention(
        source=Source.zalo,
        source_id=event.msg_id,
        text=event.text,
        created_at=event.created_at,
        author_id=event.sender_id,
        skip_watchlist=True,  # written to the agency's own OA: relevant by definition
        extra={"via": "webhook", "event_name": event.event_name, "oa_id": event.recipient_id or ""},
    )


def backfill_to_raw_mention(message: Mapping[str, Any]) -> RawMention:
    """One message of `listrecentchat` / `conversation` (``src`` 1 = from the user) as the crawler item."""
    msg_id = _id(message, "message_id")
    text = message.get("message")
    if not isinstance(text, str):
        raise EventError("expected a string", "message")
    when = message.get("time")
    if isinstance(when, bool) or not isinstance(when, (int, str)) or not str(when).isdigit():
        raise EventError("expected epoch milliseconds", "time")
    assert msg_id is not None
    return RawMention(
        source=Source.zalo,
        source_id=msg_id,
        text=text,
        created_at=ms_to_datetime(when),
        author_id=_id(message, "from_id", required=False),
        skip_watchlist=True,
        extra={"via": "backfill", "event_name": f"backfill_{message.get('type', '')}",
               "oa_id": _id(message, "to_id", required=False) or ""},
    )
