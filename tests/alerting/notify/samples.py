"""Realistic alert updates for the playbook and notification tests (hostile text where the public writes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from alerting.episodes import EpisodeFacts, EpisodeUpdate, Severity, TopPost, UpdateKind

HOSTILE = "{{ 7*7 }} {% for x in range(3) %}X{% endfor %} <script>alert('xss')</script> & \"quỹ\" <b>vỡ</b>"


def make_update(**overrides: Any) -> EpisodeUpdate:
    facts = dict(
        count=128, window_count=42, baseline_rate=3.5, velocity=42.0, reach=185_400, negative_share=0.62,
        misinformation_share=0.48,
        first_seen=datetime(2025, 7, 1, 1, 5, tzinfo=UTC), last_seen=datetime(2025, 7, 1, 3, 40, tzinfo=UTC),
        sentiment={"negative": 79, "neutral": 40, "positive": 9}, sources={"facebook": 100, "zalo": 20, "news": 8},
        provinces={"Thành phố Hồ Chí Minh": 50, "Hà Nội": 30, "Nghệ An": 10, "Đồng Nai": 10},
        topics={"one_time_withdrawal": 120}, claims={"unknown-claim": 90, "cam-rut-bhxh-mot-lan": 80},
        top_terms=["cấm rút", "một lần", "1/7"],
        top_posts=[TopPost(mention_id="m1", source="facebook", url="https://facebook.com/groups/1/posts/2",
                           author="Nguyễn Văn A", created_at=datetime(2025, 7, 1, 2, 0, tzinfo=UTC), reach=52_000,
                           text="Từ 1/7 cấm rút BHXH 1 lần rồi mọi người ơi " + HOSTILE, sentiment="negative",
                           misinformation=True),
                   TopPost(mention_id="m2", source="zalo", url="javascript:alert(1)", author=HOSTILE,
                           created_at=datetime(2025, 7, 1, 2, 30, tzinfo=UTC), reach=300, text="ko rút dc nữa hả",
                           sentiment="neutral", misinformation=False)],
    )
    facts.update(overrides.pop("facts", {}))
    data: dict[str, Any] = dict(
        rule="tin-don-rut-mot-lan", rule_type="known_claim", key="one_time_withdrawal", kind=UpdateKind.opened,
        at=datetime(2025, 7, 1, 3, 40, tzinfo=UTC), severity_score=84.0, severity=Severity.critical,
        playbook="rumor", title="Tin đồn 'cấm rút BHXH một lần' lan nhanh (42 bài/giờ)", facts=EpisodeFacts(**facts))
    data.update(overrides)
    return EpisodeUpdate(**data)
