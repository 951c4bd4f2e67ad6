"""Build real `ClassifiedMention`s for the alerting tests (the wire schema validates every one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from alerting.rules import Rule
from common.text import normalize
from common.schema import (
    ClaimMatch, ClaimStance, ClassifiedMention, Labels, Mention, Province, Sentiment, Source, Topic,
)

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
_ids = count()


def mention(text: str = "bài viết về bảo hiểm xã hội", *, minutes: float = 0, source: Source = Source.facebook,
            source_id: str | None = None, sentiment: Sentiment = Sentiment.neutral, topic: Topic = Topic.other,
            misinformation: bool = False, province: str | None = None, claims: tuple[str, ...] = (),
            stance: ClaimStance = ClaimStance.spreads, cluster: str | None = None, reactions: int = 0,
            shares: int = 0, followers: int | None = None, fetched_after: timedelta = timedelta(minutes=5),
            author: str | None = None) -> ClassifiedMention:
    created = T0 + timedelta(minutes=minutes)
    m = Mention.create(
        source=source, source_id=source_id or f"s{next(_ids)}", text=text, text_normalized=normalize(text),
        created_at=created, fetched_at=created + fetched_after, url="https://example.test/p",
        author={"id": None, "name": author},
        reach={"reactions": reactions, "shares": shares, "comments": 0, "author_followers": followers},
        province=None if province is None else Province(written=province, old=None, new=province),
        cluster_id=cluster)
    labels = Labels(relevant=True, relevant_score=0.9, sentiment=sentiment,
                    sentiment_scores={s: (0.8 if s is sentiment else 0.1) for s in Sentiment},
                    misinformation=misinformation, misinformation_score=0.9 if misinformation else 0.1,
                    topic=topic, topic_scores={t: (0.9 if t is topic else 0.01) for t in Topic})
    return ClassifiedMention.from_mention(
        m, labels=labels, model_version="test-1", classified_at=created,
        claims=[ClaimMatch(claim_id=c, score=0.9, stance=stance) for c in claims])


def rule(name: str = "test-rule", **data) -> Rule:
    data.setdefault("description", "luật thử")
    return Rule.from_dict(data, name=name)


def feed(engine, mentions) -> list:
    """Process mentions in order; every update emitted."""
    out = []
    for m in mentions:
        out.extend(engine.process(m))
    return out


def kinds(updates, key: str | None = None) -> list[str]:
    return [u.kind.value for u in updates if key is None or u.key == key]
