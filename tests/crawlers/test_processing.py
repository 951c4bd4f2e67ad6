"""Crawler processing steps: raw → masked Mention, watchlist, persistent dedupe, near-duplicate clusters."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from common.schema import mention_id
from crawlers.items import RawMention
from crawlers.processing import CrawlState, MentionBuilder, Watchlist

ICT = timezone(timedelta(hours=7))
RUMOR = ("KHẨN: Từ tháng sau nhà nước cấm rút bảo hiểm xã hội một lần, ai muốn rút thì làm hồ sơ ngay trong tuần "
         "này kẻo mất trắng, chia sẻ cho mọi người cùng biết nhé")


def raw(source_id: str, text: str, **fields) -> RawMention:
    return RawMention(source="facebook", source_id=source_id, text=text,
                      created_at=datetime(2025, 7, 2, 9, 0, tzinfo=ICT), **fields)


def test_builder_masks_pii_normalizes_and_finds_the_province_in_the_title():
    builder = MentionBuilder(b"k")
    mention, tokens = builder.build(RawMention(
        source="news", source_id="https://vnexpress.net/a-1.html", title="Bình Dương: công nhân mất sổ BHXH",
        text="Liên hệ 0912 345 678 để được hỗ trợ", created_at=datetime(2025, 7, 2, 9, 0, tzinfo=ICT)))
    assert "0912" not in mention.text and "[SĐT#" in mention.text
    assert mention.province.old == "Bình Dương" and mention.province.new == "TP. Hồ Chí Minh"
    assert mention.created_at.utcoffset() == timedelta(0)
    assert {"bao", "hiem", "xa", "hoi"} <= set(tokens)


def test_comment_points_at_its_post():
    mention, _ = MentionBuilder(b"k").build(raw("10_20", "đúng vậy", parent_source_id="10"))
    assert mention.parent_id == mention_id("facebook", "10")


def test_watchlist_keeps_bhxh_and_drops_car_insurance():
    builder, watchlist = MentionBuilder(b"k"), Watchlist()
    assert watchlist.matches(builder.build(raw("1", "rút bhxh 1 lần mất bao lâu mn"))[1])
    assert not watchlist.matches(builder.build(raw("2", "mua bảo hiểm xe máy ở đâu rẻ"))[1])
    custom = Watchlist('vssid OR "lương hưu"')
    assert custom.matches(builder.build(raw("3", "App VssID lỗi"))[1])


def test_dedupe_is_persistent_and_lets_edits_and_reach_growth_through(tmp_path):
    builder = MentionBuilder(b"k")
    first, _ = builder.build(raw("1", RUMOR, shares=100))
    state = CrawlState(tmp_path / "crawl.sqlite")
    assert state.is_news(first)
    state.mark_delivered([first])
    state.close()
    state = CrawlState(tmp_path / "crawl.sqlite")  # a new run
    assert not state.is_news(first)
    assert not state.is_news(builder.build(raw("1", RUMOR, shares=110))[0])  # small growth: no update
    assert state.is_news(builder.build(raw("1", RUMOR, shares=400))[0])  # going viral: update
    assert state.is_news(builder.build(raw("1", RUMOR + " (đã sửa)", shares=100))[0])  # edited


def test_copies_of_a_rumor_share_one_cluster_and_other_posts_do_not(tmp_path):
    builder = MentionBuilder(b"k")
    state = CrawlState(tmp_path / "crawl.sqlite")
    original, tokens = builder.build(raw("1", RUMOR))
    assert state.cluster_of(original.id, tokens) == original.id
    copies = [RUMOR + " 😱😱", "Chia sẻ: " + RUMOR, RUMOR.replace("KHẨN: ", "").upper(), RUMOR.replace("nhé", "nha")]
    for number, text in enumerate(copies, 2):
        copy, copy_tokens = builder.build(raw(str(number), text))
        assert state.cluster_of(copy.id, copy_tokens) == original.id, text
    other, other_tokens = builder.build(raw("9", "BHXH Việt Nam khẳng định thông tin cấm rút bảo hiểm xã hội một lần "
                                                 "là sai sự thật, người lao động vẫn được hưởng theo quy định"))
    assert state.cluster_of(other.id, other_tokens) == other.id
    state.close()
    again = CrawlState(tmp_path / "crawl.sqlite")
    assert again.cluster_of(mention_id("facebook", "3"), ()) == original.id  # remembered across runs


def test_a_copy_paste_campaign_stays_one_cluster(tmp_path):
    builder = MentionBuilder(b"k")
    state = CrawlState(tmp_path / "crawl.sqlite")
    ids = set()
    for number in range(300):
        copy, tokens = builder.build(raw(f"c{number}", RUMOR + (" 😡" * (number % 3))))
        ids.add(state.cluster_of(copy.id, tokens))
    assert len(ids) == 1
