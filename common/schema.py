"""The wire contract between stages: `Mention` (crawlers → `mentions.raw`) and `ClassifiedMention`
(classifier → `mentions.classified`).

Strict on purpose: every field must be present (nullable ones as ``null``) and unknown fields are rejected, so a
producer that drifts from the contract fails loudly instead of losing data. Times are timezone-aware and stored
in UTC. ``text`` is the text as published with personal data already masked; the unmasked original never leaves
the crawler.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = 1


class Source(StrEnum):
    facebook = "facebook"
    zalo = "zalo"
    news = "news"


class Topic(StrEnum):
    pension = "pension"
    one_time_withdrawal = "one_time_withdrawal"
    health_insurance = "health_insurance"
    unemployment = "unemployment"
    contribution_evasion = "contribution_evasion"
    vssid_app = "vssid_app"
    scam_impersonation = "scam_impersonation"
    law_policy = "law_policy"
    maternity_sickness = "maternity_sickness"
    service_quality = "service_quality"
    other = "other"


class Sentiment(StrEnum):
    negative = "negative"
    neutral = "neutral"
    positive = "positive"


def mention_id(source: Source | str, source_id: str) -> str:
    """Stable id of a mention: the same post fetched twice (or redelivered) gets the same id."""
    return _hash_id(Source(source).value, source_id)


def _hash_id(source: str, source_id: str) -> str:
    return hashlib.blake2b(f"{source}:{source_id}".encode(), digest_size=16).hexdigest()


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
Score = Annotated[float, Field(ge=0.0, le=1.0)]
Count = Annotated[int, Field(ge=0)]
NonEmpty = Annotated[str, Field(min_length=1)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Author(StrictModel):
    id: str | None
    name: str | None


class Reach(StrictModel):
    reactions: Count
    shares: Count
    comments: Count
    author_followers: Count | None


class Province(StrictModel):
    written: NonEmpty  # as the author wrote it: "Bình Dương", "SG", "tp hcm"
    old: str | None  # pre-1/7/2025 province, when the text names one
    new: NonEmpty  # post-1/7/2025 province (34 units)


class Mention(StrictModel):
    schema_version: Literal[1]
    id: NonEmpty
    source: Source
    source_id: NonEmpty
    url: str | None
    author: Author
    title: str | None  # news headline; None for posts, comments and messages
    text: str  # as published, personal data masked
    text_normalized: str  # normalized form of `text` (NFC, one tone style, teencode expanded)
    created_at: UtcDatetime
    fetched_at: UtcDatetime
    reach: Reach
    parent_id: str | None  # mention id of the post a comment or reply belongs to
    cluster_id: str | None  # near-duplicate group (reposts, copy-paste)
    province: Province | None
    language: str | None  # ISO 639-1, e.g. "vi"

    @model_validator(mode="after")
    def _id_matches_source(self) -> Self:
        expected = mention_id(self.source, self.source_id)
        if self.id != expected:
            raise ValueError(f"id {self.id!r} is not the hash of ({self.source.value}, {self.source_id!r}): {expected}")
        return self

    @classmethod
    def create(cls, *, source: Source | str, source_id: str, text: str, text_normalized: str,
               created_at: datetime, **fields: Any) -> Self:
        """Build a mention with the id derived and optional fields defaulted (Python callers only;
        the wire format stays strict)."""
        defaults: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "url": None,
            "author": {"id": None, "name": None},
            "title": None,
            "fetched_at": datetime.now(UTC),
            "reach": {"reactions": 0, "shares": 0, "comments": 0, "author_followers": None},
            "parent_id": None,
            "cluster_id": None,
            "province": None,
            "language": None,
        }
        defaults.update(fields)
        # An unknown source is left to field validation, which names the allowed values.
        return cls(id=_hash_id(str(source), source_id), source=source, source_id=source_id, text=text,
                   text_normalized=text_normalized, created_at=created_at, **defaults)


class ClaimStance(StrEnum):
    spreads = "spreads"  # states the refuted claim as true
    questions = "questions"  # asks whether it is true
    refutes = "refutes"  # quotes it to deny it


class ClaimMatch(StrictModel):
    claim_id: NonEmpty
    score: Score
    stance: ClaimStance


class Labels(StrictModel):
    relevant: bool
    relevant_score: Score
    sentiment: Sentiment
    sentiment_scores: dict[Sentiment, Score]
    misinformation: bool
    misinformation_score: Score
    topic: Topic
    topic_scores: dict[Topic, Score]


class ClassifiedMention(Mention):
    labels: Labels
    claims: list[ClaimMatch]
    model_version: NonEmpty
    classified_at: UtcDatetime

    @classmethod
    def from_mention(cls, mention: Mention, *, labels: Labels, claims: list[ClaimMatch], model_version: str,
                     classified_at: datetime | None = None) -> Self:
        return cls(**mention.model_dump(), labels=labels, claims=claims, model_version=model_version,
                   classified_at=classified_at or datetime.now(UTC))
