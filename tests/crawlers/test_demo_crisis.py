"""The demo crisis timeline (crawlers/demo_crisis.py): the rendered recordings replay the `rumor_wave` scenario as
a Facebook page dated from the demo's start, and the REAL Facebook spider reads it back through the replay server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from common.schema import Mention
from crawlers.demo_crisis import PAGE_ID, PAGE_NAME, TIMELINES, render_crisis_demo
from crawlers.replay import RECORDINGS, ReplayServer
from tests.crawlers.facebook.conftest import run_spider

START = datetime(2026, 11, 22, 9, 0, 0, tzinfo=UTC)
NORMALIZE = {"ITEM_PIPELINES": {"crawlers.pipelines.NormalizePipeline": 100}}
INSTANT = 1e9  # a replay speed at which the whole rendered timeline is released at once


def scenario_lines(name: str = "rumor_wave") -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in TIMELINES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row for row in rows if row["scenario"] == name]


def mentions_of(run: Any) -> dict[str, Mention]:
    return {m.source_id: m for m in (Mention.model_validate(item["mention"]) for item in run.items)}


def test_rendered_manifest_follows_the_compressed_timeline(tmp_path: Path) -> None:
    demo = render_crisis_demo(tmp_path / "demo", start=START, speed=10, minutes=8)

    # the crisis day of the scenario: its facebook lines between an hour before the first crisis post and two hours
    # after BHXH Việt Nam's refutation; reactions become comments
    window = [row for row in scenario_lines() if row["source"] == "facebook"
              and "2026-03-04T06:40:00+07:00" <= row["ts"] <= "2026-03-04T16:30:00+07:00"]
    assert [d.isoformat() for d in demo.window] == ["2026-03-04T06:40:00+07:00", "2026-03-04T16:30:00+07:00"]
    assert len(demo.posts) == sum(row["role"] != "reaction" for row in window) == 51
    assert len(demo.comments) == sum(row["role"] == "reaction" for row in window) == 37
    assert sorted(m.text for m in demo.mentions) == sorted(row["text"] for row in window)
    official = next(m for m in demo.posts if m.role == "official")
    assert official.author == "Bảo hiểm xã hội Việt Nam" and "khẳng định" in official.text

    # created_time = start + compressed offset, released at that offset whatever the speed
    span = timedelta(hours=9, minutes=50).total_seconds()
    for m in demo.mentions:
        expected = round((m.scenario_ts - demo.window[0]).total_seconds() / span * 480)
        assert m.offset_s == expected
        assert m.created_at == START + timedelta(seconds=expected)
        assert m.release_s == expected * 10
    assert all(a.created_at <= b.created_at for a, b in zip(demo.mentions, demo.mentions[1:]))
    assert START < demo.mentions[0].created_at and demo.mentions[-1].created_at <= START + timedelta(minutes=8)
    # the wave: the official refutation comes after most of the crisis, 6'22" into the demo
    assert official.offset_s == 382

    # comments belong to crisis posts released before them
    posts = {m.source_id: m for m in demo.posts}
    for comment in demo.comments:
        parent = posts[comment.parent_source_id]
        assert parent.role == "crisis" and parent.offset_s <= comment.offset_s

    manifest = yaml.safe_load((demo.recordings_dir / "manifest.yaml").read_text(encoding="utf-8"))
    feeds = [e for e in manifest if e["path"] == f"/v23.0/{PAGE_ID}/feed"]
    assert feeds[0]["release_s"] == 0
    assert [e["release_s"] for e in feeds[1:]] == sorted({m.offset_s * 10 for m in demo.mentions})
    last = json.loads((demo.recordings_dir / feeds[-1]["body"]).read_text(encoding="utf-8"))
    assert [node["id"] for node in last["data"]] == [m.source_id for m in reversed(demo.posts)]
    with ReplayServer([RECORDINGS, demo.recordings_dir]) as server:  # served beside the usual recordings
        assert len(server.recordings) == len(ReplayServer(RECORDINGS).recordings) + len(manifest)

    # deterministic, and a re-render replaces the earlier one; a foreign folder is never overwritten
    again = render_crisis_demo(tmp_path / "demo", start=START, speed=10, minutes=8)
    assert again.mentions == demo.mentions
    assert again.page == {"id": PAGE_ID, "name": PAGE_NAME}
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="không ghi đè"):
        render_crisis_demo(tmp_path / "other", start=START, speed=10)
    with pytest.raises(ValueError, match="không có kịch bản 'khong-co'"):
        render_crisis_demo(tmp_path / "x", start=START, speed=10, scenario="khong-co")
    with pytest.raises(ValueError, match="múi giờ"):
        render_crisis_demo(tmp_path / "x", start=datetime(2026, 1, 1), speed=10)


def test_page_is_added_to_the_rendered_sources(tmp_path: Path) -> None:
    demo = render_crisis_demo(tmp_path / "demo", start=START, speed=10)
    sources = tmp_path / "demo-sources.yaml"
    sources.write_text((RECORDINGS / "demo-sources.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    demo.add_page_to(sources)
    demo.add_page_to(sources)  # once only
    data = yaml.safe_load(sources.read_text(encoding="utf-8"))
    pages = data["facebook"]["pages"]
    assert pages[-1] == {"id": PAGE_ID, "name": "Hội Người Lao Động Bình Dương"}
    assert [p["id"] for p in pages].count(PAGE_ID) == 1 and len(pages) == 4
    assert data["news"]["outlets"][0]["name"] == "vnexpress"  # the rest of the file is kept


def test_spider_reads_the_crisis_as_mentions_dated_now(tmp_path: Path) -> None:
    start = datetime.now(UTC)
    demo = render_crisis_demo(tmp_path / "demo", start=start, speed=1)
    with ReplayServer([RECORDINGS, demo.recordings_dir], speed=INSTANT) as server:
        run = run_spider(tmp_path / "run", server, [PAGE_ID], scrapy=NORMALIZE)
    assert run.reason == "finished"
    got = mentions_of(run)
    assert set(got) == {m.source_id for m in demo.mentions}
    for expected in demo.mentions:
        mention = got[expected.source_id]
        assert mention.source == "facebook"
        assert mention.text == expected.text  # Vietnamese, with and without diacritics, intact
        assert mention.created_at == expected.created_at
        assert abs(mention.created_at - start - timedelta(seconds=expected.offset_s)) < timedelta(seconds=1)
        assert mention.author.name == expected.author
        if expected.kind == "comment":
            assert mention.parent_id is not None and mention.parent_id == got[expected.parent_source_id].id
    official = next(m for m in demo.posts if m.role == "official")
    assert got[official.source_id].reach.reactions == 8400 and got[official.source_id].reach.shares == 5100


def test_later_posts_appear_only_after_their_release(tmp_path: Path) -> None:
    """A small scenario: 06:00 background, 07:00 crisis (+ a reaction), 08:00 official → window 06:00–10:00, i.e.
    offsets 0 s, 120 s, 240 s of an 8-minute demo."""
    lines = [("2026-03-04T06:00:00+07:00", "background", "Cho hỏi lương hưu tháng này lĩnh ngày mấy ạ?"),
             ("2026-03-04T07:00:00+07:00", "crisis", "NÓNG: từ 1/7 cấm rút BHXH 1 lần, share gấp!"),
             ("2026-03-04T07:30:00+07:00", "reaction", "Trời ơi thật không mọi người?"),
             ("2026-03-04T08:00:00+07:00", "official", "BHXH Việt Nam khẳng định không có chuyện cấm rút.")]
    timelines = tmp_path / "timelines.jsonl"
    timelines.write_text("".join(json.dumps({"scenario": "t", "ts": ts, "source": "facebook", "text": text,
                                             "author": f"Tác giả {i}", "role": role}, ensure_ascii=False) + "\n"
                                 for i, (ts, role, text) in enumerate(lines)), encoding="utf-8")
    demo = render_crisis_demo(tmp_path / "demo", start=datetime.now(UTC), speed=1, scenario="t",
                              timelines=timelines)
    assert [m.offset_s for m in demo.mentions] == [0, 120, 180, 240]
    background, crisis, reaction, official = demo.mentions

    with ReplayServer(demo.recordings_dir, speed=1) as server:  # real time: only the 0 s post is out yet
        early = run_spider(tmp_path / "run", server, [PAGE_ID], scrapy=NORMALIZE)
    assert set(mentions_of(early)) == {background.source_id}

    with ReplayServer(demo.recordings_dir, speed=INSTANT) as server:  # the whole timeline has been released
        later = run_spider(tmp_path / "run", server, [PAGE_ID], scrapy=NORMALIZE)
    got = mentions_of(later)
    assert {crisis.source_id, reaction.source_id, official.source_id} <= set(got)
    assert got[reaction.source_id].text == "Trời ơi thật không mọi người?"
    assert reaction.parent_source_id == crisis.source_id
    # the second run asked since the first run's watermark: the 0 s post's time
    assert any(f"since={int(background.created_at.timestamp())}" in path for path in later.requests)
