"""The four classification heads, their classes and how a labeled record maps onto them.

Binary heads are two-class softmax heads so every head is calibrated and combined the same way. Sentiment, topic
and misinformation are only defined for relevant mentions: their targets are ``None`` (masked) otherwise.
"""
from __future__ import annotations

from typing import Protocol

from common.schema import Sentiment, Topic

HEADS: dict[str, tuple[str, ...]] = {
    "relevant": ("no", "yes"),
    "sentiment": tuple(s.value for s in Sentiment),
    "misinformation": ("no", "yes"),
    "topic": tuple(t.value for t in Topic),
}
HEAD_NAMES = tuple(HEADS)


class Labeled(Protocol):
    relevant: bool
    sentiment: Sentiment | None
    misinformation: bool
    topic: Topic | None


def targets(record: Labeled) -> dict[str, int | None]:
    """Class index per head, ``None`` where the head does not apply (not relevant)."""
    if not record.relevant:
        return {"relevant": 0, "sentiment": None, "misinformation": None, "topic": None}
    return {
        "relevant": 1,
        "sentiment": HEADS["sentiment"].index(Sentiment(record.sentiment).value),
        "misinformation": int(record.misinformation),
        "topic": HEADS["topic"].index(Topic(record.topic).value),
    }
