"""In-memory matcher: analysis, phrases, wildcards, fields on Mention / ClassifiedMention, ranges, NOT."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest

from common.query import MatchDocument, Matcher, QuerySyntaxError, compile_query, parse
from common.schema import Sentiment, Topic


def matches(query: str, doc) -> bool:
    return compile_query(query).matches(doc)


# ------------------------------------------------------------------------------------------------ analysis

@pytest.mark.parametrize("query, text", [
    ('"bảo hiểm xã hội"', "Bao hiem xa hoi huyen lam viec cham qua"),
    ('"bao hiem xa hoi"', "Bảo hiểm xã hội huyện làm việc chậm quá"),
    ("lương hưu", "LUONG HUU THANG NAY CHUA VE"),
    ("LƯƠNG HƯU", "lương hưu tháng này chưa về"),
    ('"lương hưu"', "Lương hưu của mẹ tôi bị trừ"),
    ("đóng", "Dong bao hiem"),  # đ folds to d
    ("hoà", "hòa"),  # old and new tone placement
    ('"thất nghiệp"', unicodedata.normalize("NFD", "Trợ cấp thất nghiệp tháng 7")),
    (unicodedata.normalize("NFD", '"trợ cấp thất nghiệp"'), "tro cap that nghiep"),
    ('"BẢO HIỂM XÃ HỘI VIỆT NAM"', "BẢO HIỂM XÃ HỘI VIỆT NAM THÔNG BÁO KHẨN"),
])
def test_accents_case_and_unicode_forms_do_not_matter(query, text):
    assert matches(query, text)


def test_teencode_is_expanded_on_both_sides():
    assert matches('"bảo hiểm xã hội"', "cho e hỏi rút bhxh 1 lần đc ko mn")
    assert matches("BHXH", "Bảo hiểm xã hội quận 3")
    assert matches("BHXH", "BHXH quận 3") and matches("bhxh", "Bhxh quận 3")
    assert matches('"không được"', "ko dc đâu")
    assert matches('"người lao động"', "cty nợ bh của nlđ")
    assert not matches('"bảo hiểm xã hội"', "bảo hiểm nhân thọ")


def test_teencode_via_the_analyzer_hook(teencode):
    # the matcher calls common.text.tokens at compile and prepare time, whatever analyzer it is
    assert matches('"không đóng bảo hiểm"', "cty ko dong bh cho nv")
    assert matches('"công ty" "nhân viên"', "cty ko dong bh cho nv")


def test_phrases_are_consecutive_tokens_across_punctuation():
    assert matches('"lương hưu"', "lương-hưu!!! tháng 7")
    assert matches('"rút bảo hiểm một lần"', "Rút bảo hiểm (một) lần?")
    assert matches('"covid 19"', "covid-19") and matches("covid-19", "COVID 19")
    assert not matches('"lương hưu"', "lương tháng và hưu trí")
    assert not matches('"hưu lương"', "lương hưu")
    assert matches('"lương hưu" "hưu trí"', "lương hưu, hưu trí")


def test_phrase_does_not_span_title_and_text(mention):
    doc = MatchDocument.from_mention(mention("hưu của mẹ tôi", title="Chuyện lương"))
    assert matches("lương hưu", doc)
    assert not matches('"lương hưu"', doc)
    assert matches('title:lương -title:hưu', doc)


def test_repeated_first_token_positions():
    assert matches('"bảo hiểm xã hội"', "bảo hiểm xe, bảo hiểm nhà, bảo hiểm xã hội")
    assert matches('"a b" OR "a c d"', "a x a c d")  # the trie walks every occurrence
    assert not matches('"a c d"', "a c x d")


def test_wildcards():
    assert matches("vss?d", "Ứng dụng VssID lỗi")
    assert matches("bảo*", "bao hiem")
    assert matches("hi?m", "bảo hiểm")
    assert matches("*nghiệp", "thất nghiệp")
    assert not matches("vss?d", "vssd")
    assert not matches("bảo*", "hiểm")
    assert matches("lươ* OR xyz*", "LƯƠNG")
    assert matches("title:*", MatchDocument.from_text("x", title="có tiêu đề"))
    assert not matches("title:*", MatchDocument.from_text("x"))
    assert matches("*", "anything") and matches("*", "")


def test_terms_and_sets(mention):
    doc = MatchDocument.from_mention(mention("Rút bảo hiểm một lần", title="Hỏi đáp"))
    assert doc.tokens == ["hoi", "dap", "\x00", "rut", "bao", "hiem", "mot", "lan"]
    assert doc.token_set == {"hoi", "dap", "rut", "bao", "hiem", "mot", "lan"}
    assert matches("rút lần", doc) and matches("hỏi rút", doc)
    assert not matches("rút xe", doc)
    assert matches("rút OR xe", doc)


def test_not():
    assert matches("bảo hiểm -xe", "bảo hiểm xã hội")
    assert not matches("bảo hiểm -xe", "bảo hiểm xe máy")
    assert matches('NOT ("xe máy" OR "ô tô")', "lương hưu")
    assert not matches('NOT ("xe máy" OR "ô tô")', "bảo hiểm ô tô")
    assert matches("NOT NOT hưu", "lương hưu")
    assert matches('-"nhân thọ" lương', "lương hưu")


# ----------------------------------------------------------------------------------------------- fields

def test_field_clauses_on_a_mention(mention):
    m = mention("Lương hưu chậm", title=None, source="zalo", url="https://zalo.me/g/ABC?x=1",
                author={"id": "10001", "name": "Nguyễn Văn Ánh"}, language="vi", cluster_id="c-7",
                parent_id="p-1", reach={"reactions": 120, "shares": 30, "comments": 50, "author_followers": None})
    doc = MatchDocument.from_mention(m)
    assert matches("source:zalo", doc) and not matches("source:facebook", doc)
    assert matches('author:"nguyen van anh"', doc) and matches("author:10001", doc)
    assert matches("author:nguyen*", doc) and not matches("author:nguyen", doc)  # keyword: whole value
    assert matches("language:VI", doc)
    assert matches("url:*zalo.me/g/abc*", doc) and matches('url:"https://zalo.me/g/ABC?x=1"', doc)
    assert matches("cluster:c-7 parent:p-1", doc)
    assert matches(f"id:{m.id}", doc)
    assert matches("reach:200 reactions:>100 shares:<=30 comments:[50 TO 50]", doc)
    assert not matches("reach:>200", doc)
    assert not matches("followers:*", doc) and not matches("followers:<10", doc)  # unknown: no match
    assert matches("-followers:>1000", doc)
    assert not matches("title:*", doc)
    assert not matches("province:*", doc)


def test_label_fields_need_a_classified_mention(mention, classified):
    raw = mention("Thông tin sai: lương hưu bị cắt từ tháng 7")
    doc = MatchDocument.from_mention(raw)
    for clause in ("topic:pension", "sentiment:negative", "misinformation:false", "misinformation_score:*",
                   "relevant:true", "claim:*"):
        assert not matches(clause, doc), clause
        assert matches(f"NOT {clause}", doc), clause

    labelled = MatchDocument.from_mention(classified(raw, topic=Topic.pension, sentiment=Sentiment.negative,
                                                     misinformation=True, misinformation_score=0.93,
                                                     claims=("CLAIM-12",)))
    assert matches("topic:pension sentiment:negative misinformation:true relevant:yes", labelled)
    assert matches("misinformation_score:>=0.9 claim:claim-12", labelled)
    assert not matches("topic:(unemployment OR vssid_app)", labelled)
    assert not matches("misinformation_score:>0.95", labelled)
    assert matches('topic:pension "lương hưu"', labelled)  # text and labels together


def test_plain_text_documents_only_have_text_fields():
    doc = MatchDocument.from_text("Lương hưu chậm", title="Tin nóng")
    assert matches("title:nóng lương", doc)
    assert not matches("title:lương", doc)
    assert not matches("source:facebook", doc) and not matches("reach:*", doc)
    assert not matches("created_at:<now", doc)


def test_province_pre_and_post_merger(mention, gazetteer):
    binh_duong = MatchDocument.from_mention(mention("BHXH Bình Dương", province={
        "written": "Bình Dương", "old": "Bình Dương", "new": "Thành phố Hồ Chí Minh"}))
    saigon = MatchDocument.from_mention(mention("BHXH quận 1", province={
        "written": "SG", "old": "Thành phố Hồ Chí Minh", "new": "Thành phố Hồ Chí Minh"}))
    long_an = MatchDocument.from_mention(mention("BHXH Long An", province={
        "written": "Long An", "old": "Long An", "new": "Tây Ninh"}))
    # the new city covers the provinces merged into it; the old name only its own area
    for query in ("province:HCM", 'province:"TP HCM"', "province:(sai\\ gon)", 'province:"Thành phố Hồ Chí Minh"'):
        assert matches(query, binh_duong) and matches(query, saigon) and not matches(query, long_an), query
    for query in ('province:"binh duong"', 'province:"Bình Dương"', "province:Bình\\ Dương", 'province:"tỉnh bình dương"'):
        assert matches(query, binh_duong) and not matches(query, saigon), query
    assert matches('province:"Tây Ninh"', long_an) and matches('province:"long an"', long_an)
    assert not matches('province:"long an"', saigon)
    assert matches("province:binh*", binh_duong)
    assert not matches('province:"Hà Nội"', saigon)


def test_province_with_the_real_gazetteer(mention):
    import common.text

    assert common.text.resolve_province("binh duong") is not None  # wired to common.text
    old, new = common.text.resolve_province("Bình Dương")
    binh_duong = MatchDocument.from_mention(mention("x", province={"written": "BD", "old": old, "new": new}))
    saigon = MatchDocument.from_mention(mention("x", province={"written": "SG", "old": new, "new": new}))
    hanoi = MatchDocument.from_mention(mention("x", province={"written": "HN", "old": "Hà Nội", "new": "Hà Nội"}))
    for query in ("province:HCM", "province:hcm", 'province:"Sài Gòn"', 'province:"thanh pho ho chi minh"'):
        assert matches(query, binh_duong) and matches(query, saigon) and not matches(query, hanoi), query
    for query in ('province:"binh duong"', 'province:"Bình Dương"', 'province:"tỉnh Bình Dương"'):
        assert matches(query, binh_duong) and not matches(query, saigon), query
    assert matches("province:HN", hanoi) and matches('province:"ha noi"', hanoi)
    assert matches('province:"Quảng Nam" OR province:"BR-VT" OR province:HN', hanoi)


def test_province_without_gazetteer_falls_back_to_folded_equality(mention, no_gazetteer):
    doc = MatchDocument.from_mention(mention("BHXH", province={
        "written": "Bình Dương", "old": "Bình Dương", "new": "Thành phố Hồ Chí Minh"}))
    assert matches('province:"binh duong"', doc)
    assert matches('province:"THÀNH PHỐ HỒ CHÍ MINH"', doc)
    assert not matches("province:HCM", doc)  # needs the gazetteer


# ------------------------------------------------------------------------------------------------ ranges

def test_created_at_days_are_in_ho_chi_minh(mention):
    late_evening = MatchDocument.from_mention(mention("x", created_at=datetime(2025, 7, 1, 16, 30, tzinfo=UTC)))
    after_midnight = MatchDocument.from_mention(mention("x", created_at=datetime(2025, 7, 1, 17, 10, tzinfo=UTC)))
    assert matches("created_at:2025-07-01", late_evening)  # 23:30 on 1/7 in Vietnam
    assert not matches("created_at:2025-07-01", after_midnight)  # 00:10 on 2/7 in Vietnam
    assert matches("created_at:02/07/2025", after_midnight)
    assert matches("created_at:[2025-06-01 TO 2025-07-01]", late_evening)
    assert not matches("created_at:[2025-06-01 TO 2025-07-01]", after_midnight)
    assert matches("created_at:>2025-07-01", after_midnight) and not matches("created_at:>2025-07-01", late_evening)
    assert matches("created_at:<2025-07-02", late_evening) and not matches("created_at:<2025-07-02", after_midnight)
    assert matches("created_at:>=2025-07-01T23:30", late_evening)
    assert not matches("created_at:>2025-07-01T23:30", late_evening)
    assert matches("created_at:[2025-07-01T16:30:00Z TO 2025-07-01T16:30:00Z]", late_evening)


def test_relative_dates_are_resolved_at_match_time(mention):
    now = datetime.now(UTC)
    recent = MatchDocument.from_mention(mention("x", created_at=now - timedelta(days=3)))
    old = MatchDocument.from_mention(mention("x", created_at=now - timedelta(days=10)))
    rule = compile_query("created_at:>=now-7d")
    assert rule.matches(recent) and not rule.matches(old)
    assert matches("created_at:[now-14d TO now-7d]", old) and not matches("created_at:[now-14d TO now-7d]", recent)
    assert matches("created_at:>now-24h", MatchDocument.from_mention(mention("x", created_at=now - timedelta(hours=2))))


def test_reach_is_reactions_plus_shares_plus_comments(mention):
    doc = MatchDocument.from_mention(mention("x", reach={"reactions": 600, "shares": 300, "comments": 100,
                                                          "author_followers": 5000}))
    assert matches("reach:1000", doc) and matches("reach:[1000 TO *]", doc) and not matches("reach:{1000 TO *]", doc)
    assert matches("reach:>=1000 followers:>=5000", doc)
    assert matches('"lương hưu" OR reach:>500', doc)


# -------------------------------------------------------------------------------------------------- API

def test_compile_accepts_strings_and_nodes_and_matches_accepts_anything(mention):
    node = parse('"lương hưu"')
    assert isinstance(compile_query(node), Matcher)
    rule = compile_query(node)
    m = mention("Lương hưu tháng 7")
    assert rule.matches(m) and rule(m) and rule.matches("lương hưu") and rule.matches(MatchDocument.from_mention(m))
    assert rule.query == node
    with pytest.raises(QuerySyntaxError):
        compile_query("lương (")
    with pytest.raises(TypeError):
        rule.matches(42)


def test_hand_built_trees_are_checked_at_compile_time():
    from common.query import Range, Term

    with pytest.raises(ValueError):
        compile_query(Range("title", 1, 2))
    with pytest.raises(ValueError):
        compile_query(Term("nope", "x"))
    assert compile_query(Term("text", "lương")).matches("Lương hưu")


def test_several_rules_share_one_prepared_document(mention):
    doc = MatchDocument.from_mention(mention("Ứng dụng VssID lỗi, không tra cứu được quá trình đóng BHXH"))
    rules = [compile_query(q) for q in ("vssid", '"quá trình đóng"', "lương hưu", "BHXH -xe", "tra*")]
    assert [r.matches(doc) for r in rules] == [True, True, False, True, True]


def test_pipeline_tokens_match_like_the_text_itself():
    from common.text import process

    text = "Mn ơi BHXH tp HCM khum trả lương hưu 😡"
    prepared = MatchDocument.from_tokens(process(text, b"k").tokens)
    for query in ('"bảo hiểm xã hội"', "khong AND luong", "luong*", "-vssid", '"tra luong huu"'):
        rule = compile_query(query)
        assert rule.matches(prepared) == rule.matches(MatchDocument.from_text(text)) == True  # noqa: E712
