"""The wire contract: strict, stable ids, UTC times, lossless JSON round-trip."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from common.schema import (
    ClaimMatch,
    ClaimStance,
    ClassifiedMention,
    Labels,
    Mention,
    Sentiment,
    Source,
    Topic,
    mention_id,
)

ICT = timezone(timedelta(hours=7))


def make_mention(**overrides) -> Mention:
    fields = dict(
        source="facebook",
        source_id="123_456",
        text="Lương hưu tháng 7 chậm quá 😡 SĐT [SĐT#a1b2c3d4]",
        text_normalized="lương hưu tháng 7 chậm quá 😡 sđt [sđt#a1b2c3d4]",
        created_at=datetime(2025, 7, 1, 8, 30, tzinfo=ICT),
        url="https://www.facebook.com/123/posts/456",
        author={"id": "u1", "name": "Nguyễn Văn A"},
        reach={"reactions": 12, "shares": 3, "comments": 5, "author_followers": None},
        province={"written": "Bình Dương", "old": "Bình Dương", "new": "TP. Hồ Chí Minh"},
        language="vi",
    )
    fields.update(overrides)
    return Mention.create(**fields)


def make_labels() -> Labels:
    return Labels(
        relevant=True,
        relevant_score=0.97,
        sentiment=Sentiment.negative,
        sentiment_scores={Sentiment.negative: 0.8, Sentiment.neutral: 0.15, Sentiment.positive: 0.05},
        misinformation=False,
        misinformation_score=0.1,
        topic=Topic.pension,
        topic_scores={Topic.pension: 0.9, Topic.other: 0.1},
    )


def test_id_is_stable_and_depends_on_source_and_source_id():
    assert make_mention().id == make_mention(text="edited later").id == mention_id(Source.facebook, "123_456")
    assert mention_id("zalo", "123_456") != mention_id("facebook", "123_456")
    assert mention_id("facebook", "123_4567") != mention_id("facebook", "123_456")


def test_times_are_stored_in_utc():
    mention = make_mention()
    assert mention.created_at.utcoffset() == timedelta(0)
    assert mention.created_at == datetime(2025, 7, 1, 1, 30, tzinfo=timezone.utc)


def test_naive_datetime_is_rejected():
    with pytest.raises(ValidationError, match="timezone"):
        make_mention(created_at=datetime(2025, 7, 1, 8, 30))


def test_json_round_trip_is_lossless_for_vietnamese_and_emoji():
    mention = make_mention()
    raw = mention.model_dump_json().encode()
    assert Mention.model_validate_json(raw) == mention
    assert "Lương hưu" in raw.decode()


def test_classified_mention_round_trip():
    classified = ClassifiedMention.from_mention(
        make_mention(),
        labels=make_labels(),
        claims=[ClaimMatch(claim_id="rut-1-lan-bi-cam", score=0.83, stance=ClaimStance.spreads)],
        model_version="e5-small-ft-2026.11.1",
    )
    again = ClassifiedMention.model_validate_json(classified.model_dump_json())
    assert again == classified
    assert again.labels.topic is Topic.pension
    assert again.claims[0].stance is ClaimStance.spreads


def test_unknown_field_is_a_clear_error():
    data = json.loads(make_mention().model_dump_json())
    data["likes"] = 5
    with pytest.raises(ValidationError) as error:
        Mention.model_validate(data)
    assert "likes" in str(error.value) and "Extra inputs are not permitted" in str(error.value)


@pytest.mark.parametrize("field", ["url", "reach", "created_at", "province", "schema_version"])
def test_missing_field_is_a_clear_error(field):
    data = json.loads(make_mention().model_dump_json())
    del data[field]
    with pytest.raises(ValidationError) as error:
        Mention.model_validate(data)
    assert field in str(error.value) and "Field required" in str(error.value)


def test_tampered_id_is_rejected():
    data = json.loads(make_mention().model_dump_json())
    data["source_id"] = "999"
    with pytest.raises(ValidationError, match="is not the hash"):
        Mention.model_validate(data)


def test_invalid_utf8_and_broken_json_are_validation_errors():
    raw = make_mention().model_dump_json().encode()
    with pytest.raises(ValidationError):
        Mention.model_validate_json(raw.replace("Lương".encode(), b"L\xff\xfeng"))
    with pytest.raises(ValidationError):
        Mention.model_validate_json(raw[:-10])


def test_negative_reach_and_out_of_range_scores_are_rejected():
    with pytest.raises(ValidationError):
        make_mention(reach={"reactions": -1, "shares": 0, "comments": 0, "author_followers": None})
    labels = make_labels().model_dump()
    labels["misinformation_score"] = 1.5
    with pytest.raises(ValidationError):
        Labels.model_validate(labels)


def test_unknown_source_topic_and_sentiment_are_rejected():
    with pytest.raises(ValidationError, match="facebook"):
        make_mention(source="tiktok")
    labels = make_labels().model_dump()
    labels["topic"] = "weather"
    with pytest.raises(ValidationError):
        Labels.model_validate(labels)


def test_mentions_are_immutable():
    mention = make_mention()
    with pytest.raises(ValidationError):
        mention.text = "changed"
