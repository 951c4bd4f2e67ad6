"""Shared builders for the query-language tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import common.text
from common.schema import ClaimMatch, ClaimStance, ClassifiedMention, Labels, Mention, Sentiment, Topic

_counter = iter(range(1_000_000))


def make_mention(text: str = "", *, title: str | None = None, created_at: datetime | None = None,
                 source: str = "facebook", **fields: Any) -> Mention:
    """A Mention with defaults; `text_normalized` is the text itself (the matcher re-analyzes it anyway)."""
    return Mention.create(source=source, source_id=f"post-{next(_counter)}", text=text,
                          text_normalized=fields.pop("text_normalized", text), title=title,
                          created_at=created_at or datetime(2025, 7, 1, 3, 0, tzinfo=UTC), **fields)


def make_classified(mention: Mention | None = None, *, topic: Topic = Topic.pension,
                    sentiment: Sentiment = Sentiment.negative, misinformation: bool = False,
                    misinformation_score: float = 0.1, relevant: bool = True,
                    claims: tuple[str, ...] = ()) -> ClassifiedMention:
    mention = mention or make_mention("Lương hưu tháng này bị chậm")
    labels = Labels(relevant=relevant, relevant_score=0.9, sentiment=sentiment,
                    sentiment_scores={s: (0.8 if s is sentiment else 0.1) for s in Sentiment},
                    misinformation=misinformation, misinformation_score=misinformation_score, topic=topic,
                    topic_scores={t: (0.9 if t is topic else 0.01) for t in Topic})
    return ClassifiedMention.from_mention(
        mention, labels=labels, model_version="test-1",
        claims=[ClaimMatch(claim_id=c, score=0.9, stance=ClaimStance.spreads) for c in claims])


# A few teencode expansions, as the full `common.text.tokens` does them (bhxh → bảo hiểm xã hội, ko → không).
TEENCODE = {
    "bhxh": ["bao", "hiem", "xa", "hoi"], "bhyt": ["bao", "hiem", "y", "te"], "bhtn": ["bao", "hiem", "that", "nghiep"],
    "bh": ["bao", "hiem"], "ko": ["khong"], "k": ["khong"], "dc": ["duoc"], "cty": ["cong", "ty"],
    "nv": ["nhan", "vien"], "mn": ["moi", "nguoi"],
}


@pytest.fixture
def teencode(monkeypatch: pytest.MonkeyPatch):
    """Make `common.text.tokens` expand teencode (whatever stage the real toolkit is at)."""
    plain = common.text.tokens

    def tokens(text: str) -> list[str]:
        out: list[str] = []
        for token in plain(text):
            out.extend(TEENCODE.get(token, [token]))
        return out

    monkeypatch.setattr(common.text, "tokens", tokens)
    return tokens


# Pre-merger name (or None) and post-merger name, keyed by folded spelling: a tiny stand-in gazetteer.
_HCM = "Thành phố Hồ Chí Minh"
GAZETTEER = {
    "hcm": (_HCM, _HCM), "tp hcm": (_HCM, _HCM), "sai gon": (_HCM, _HCM), "thanh pho ho chi minh": (_HCM, _HCM),
    "binh duong": ("Bình Dương", _HCM), "ba ria vung tau": ("Bà Rịa - Vũng Tàu", _HCM),
    "long an": ("Long An", "Tây Ninh"), "tay ninh": ("Tây Ninh", "Tây Ninh"), "ha noi": ("Hà Nội", "Hà Nội"),
}


def fake_resolve_province(value: str) -> tuple[str | None, str] | None:
    key = " ".join(common.text.fold(value).lower().replace("-", " ").replace(".", " ").split())
    key = key.removeprefix("tinh ").removeprefix("tp. ")
    return GAZETTEER.get(key)


@pytest.fixture
def gazetteer(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(common.text, "resolve_province", fake_resolve_province, raising=False)
    return fake_resolve_province


@pytest.fixture
def no_gazetteer(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delattr(common.text, "resolve_province", raising=False)


@pytest.fixture
def mention():
    """Factory: mention(text, title=..., created_at=..., **Mention fields)."""
    return make_mention


@pytest.fixture
def classified():
    """Factory: classified(mention, topic=..., sentiment=..., misinformation=..., claims=(...))."""
    return make_classified
