"""The `SearchBackend` contract, run against every backend (tantivy and Elasticsearch on osmem-server): analysis,
query language, filters, sorting, paging, upserts, persistence, query errors, highlights. Same query => same hits."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from common.query import MatchDocument, Term, QuerySyntaxError, compile_query
from common.schema import (
    ClaimMatch,
    ClaimStance,
    ClassifiedMention,
    Labels,
    Mention,
    Province,
    Sentiment,
    Source,
    Topic,
)
from common.text import normalize
from index.backend import UnsupportedQueryError, SearchBackend, SearchFilters, SearchRequest, SearchSort
from index.elasticsearch_backend import ElasticsearchBackend
from index.tantivy_backend import TantivyBackend

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def make(source_id: str, text: str, *, source: Source = Source.facebook, title: str | None = None,
         hours: float = 0, reactions: int = 0, shares: int = 0, sentiment: Sentiment = Sentiment.neutral,
         topic: Topic = Topic.other, misinformation: bool = False, province: tuple[str | None, str] | None = None,
         claims: tuple[str, ...] = (), cluster: str | None = None) -> ClassifiedMention:
    mention = Mention.create(
        source=source, source_id=source_id, text=text, text_normalized=normalize(text), title=title,
        created_at=T0 + timedelta(hours=hours),
        reach={"reactions": reactions, "shares": shares, "comments": 0, "author_followers": None},
        province=None if province is None else Province(written=province[1], old=province[0], new=province[1]),
        cluster_id=cluster)
    labels = Labels(relevant=True, relevant_score=0.9, sentiment=sentiment,
                    sentiment_scores={s: (0.8 if s is sentiment else 0.1) for s in Sentiment},
                    misinformation=misinformation, misinformation_score=0.9 if misinformation else 0.1,
                    topic=topic, topic_scores={t: (0.9 if t is topic else 0.01) for t in Topic})
    return ClassifiedMention.from_mention(
        mention, labels=labels, model_version="test-1",
        claims=[ClaimMatch(claim_id=c, score=0.9, stance=ClaimStance.spreads) for c in claims])


FIXTURES = [
    make("p1", "Lương hưu tháng này bị chậm, bảo hiểm xã hội trả lời đi", hours=1, reactions=50,
         sentiment=Sentiment.negative, topic=Topic.pension, province=("Bình Dương", "TP. Hồ Chí Minh")),
    make("p2", "Đóng bảo hiểm y tế ở đâu nhanh nhất?", hours=2, reactions=5, topic=Topic.health_insurance,
         province=("Hà Nội", "Hà Nội")),
    make("p3", "Tin đồn: từ tháng sau không được rút BHXH một lần nữa", hours=3, reactions=500, shares=100,
         sentiment=Sentiment.negative, topic=Topic.one_time_withdrawal, misinformation=True,
         claims=("claim-rut-1-lan",), cluster="c-1"),
    make("p4", "Tin đồn không được rút BHXH một lần, chia sẻ ngay", hours=4, reactions=20,
         sentiment=Sentiment.negative, topic=Topic.one_time_withdrawal, misinformation=True,
         claims=("claim-rut-1-lan",), cluster="c-1"),
    make("n1", "Bảo hiểm xã hội Việt Nam tổ chức hội nghị về chính sách mới", source=Source.news,
         title="Hội nghị bảo hiểm xã hội", hours=5, reactions=10, sentiment=Sentiment.positive,
         topic=Topic.law_policy),
    make("z1", "Ứng dụng VssID lỗi đăng nhập cả ngày", source=Source.zalo, hours=6, reactions=5,
         sentiment=Sentiment.negative, topic=Topic.vssid_app, province=("Đà Nẵng", "Đà Nẵng")),
    make("p5", "Cảm ơn cán bộ đã hỗ trợ nhiệt tình", hours=7, reactions=5, sentiment=Sentiment.positive,
         topic=Topic.service_quality),
]
SID = {m.source_id: m.id for m in FIXTURES}



Opener = Callable[[str], SearchBackend]


@pytest.fixture(params=["tantivy", "elasticsearch"])
def open_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """`open_backend(name)`: a backend instance on the store called `name` (the same name reopens the same store)."""
    opened: list[SearchBackend] = []
    run = uuid.uuid4().hex[:12]

    def open_(name: str) -> SearchBackend:
        if request.param == "tantivy":
            b: SearchBackend = TantivyBackend(tmp_path / name)
        else:
            b = ElasticsearchBackend(request.getfixturevalue("es_url"), prefix=f"t{run}-{name}", backoff=0.01)
        opened.append(b)
        return b

    yield open_
    for b in opened:
        b.close()
    if request.param == "elasticsearch":
        for name in {b.prefix for b in opened if isinstance(b, ElasticsearchBackend)}:
            cleanup = ElasticsearchBackend(request.getfixturevalue("es_url"), prefix=name)
            cleanup.delete_index()
            cleanup.client.close()


@pytest.fixture
def backend(open_backend: Opener) -> SearchBackend:
    b = open_backend("idx")
    b.index(FIXTURES)
    b.commit()
    return b


def ids(backend: SearchBackend, query: str = "", **kwargs) -> set[str]:
    result = backend.search(SearchRequest(query=query, size=100, **kwargs))
    assert result.total == len(result.hits)
    return {sid for sid, mid in SID.items() if mid in {h.id for h in result.hits}}


def test_implements_the_protocol(backend: SearchBackend) -> None:
    assert isinstance(backend, SearchBackend)
    assert backend.count() == len(FIXTURES)


@pytest.mark.parametrize(("query", "expected"), [
    ("bao hiem", {"p1", "p2", "p3", "p4", "n1"}),  # no diacritics finds accented text (and BHXH, expanded)
    ('"bao hiem xa hoi"', {"p1", "p3", "p4", "n1"}),
    ('"bao hiem y te"', {"p2"}),
    ("luong huu", {"p1"}),  # ư → u
    ("dong", {"p2"}),  # đ → d
    ("ĐÓNG", {"p2"}),
    ("ung dung vssid", {"z1"}),
    ('"tin don"', {"p3", "p4"}),
    ("rut AND NOT chia", {"p3"}),
    ("-chia rut", {"p3"}),
    ("vssid OR \"cam on\"", {"z1", "p5"}),
    ("title:hoi", {"n1"}),
    ('title:"bao hiem"', {"n1"}),
    ("hoi nghi", {"n1"}),
    ("nhiet*", {"p5"}),
    ("source:news", {"n1"}),
    ("topic:pension OR topic:vssid_app", {"p1", "z1"}),
    ("misinformation:true", {"p3", "p4"}),
    ("claim:claim-rut-1-lan", {"p3", "p4"}),
    ("province:\"binh duong\"", {"p1"}),
    ("reach:>=100", {"p3"}),
    ("reactions:[10 TO 50]", {"p1", "p4", "n1"}),
    ("created_at:>2026-03-01T14:00:00Z", {"p5"}),
    ("*", set(SID)),
    ("", set(SID)),
])
def test_query_language(backend: SearchBackend, query: str, expected: set[str]) -> None:
    assert ids(backend, query) == expected


@pytest.mark.parametrize("query", [
    "bao hiem", '"bao hiem xa hoi"', "rut AND NOT chia", "vssid OR \"cam on\"", "title:hoi", "nhiet*",
    "topic:pension OR topic:vssid_app", "province:\"binh duong\"", "reach:>=100", "NOT sentiment:negative",
    "cluster:c-1 AND reach:<100", "bhxh", "(rut OR luong) AND -misinformation:true", "title:*", "claim:claim-rut*",
    "th?ng", "misinformation_score:>=0.5", "created_at:>now-1d", "created_at:>now-1000d",
    "reach:>5.5", "reach:<=5.0", "followers:>0", 'author:x OR url:"http://a"', "relevant:false OR NOT source:facebook",
])
def test_same_hits_as_the_in_memory_matcher(backend: SearchBackend, query: str) -> None:
    matcher = compile_query(query)
    expected = {m.source_id for m in FIXTURES if matcher.matches(MatchDocument.from_mention(m))}
    assert ids(backend, query) == expected


@pytest.mark.parametrize(("filters", "expected"), [
    (SearchFilters(source=[Source.news, Source.zalo]), {"n1", "z1"}),
    (SearchFilters(sentiment=[Sentiment.positive]), {"n1", "p5"}),
    (SearchFilters(topic=[Topic.one_time_withdrawal]), {"p3", "p4"}),
    (SearchFilters(misinformation=True), {"p3", "p4"}),
    (SearchFilters(misinformation=False), {"p1", "p2", "n1", "z1", "p5"}),
    (SearchFilters(province="binh duong"), {"p1"}),  # old name, no diacritics
    (SearchFilters(province="Hồ Chí Minh"), {"p1"}),  # new name
    (SearchFilters(province="HN"), {"p2"}),
    (SearchFilters(created_from=T0 + timedelta(hours=3), created_to=T0 + timedelta(hours=5)), {"p3", "p4"}),
    (SearchFilters(min_reach=20), {"p1", "p3", "p4"}),
    (SearchFilters(claim_id="claim-rut-1-lan"), {"p3", "p4"}),
    (SearchFilters(cluster_id="c-1"), {"p3", "p4"}),
    (SearchFilters(sentiment=[Sentiment.negative], min_reach=30), {"p1", "p3"}),
])
def test_filters_narrow(backend: SearchBackend, filters: SearchFilters, expected: set[str]) -> None:
    assert ids(backend, filters=filters) == expected
    assert ids(backend, "bao hiem", filters=filters) == expected & {"p1", "p2", "p3", "p4", "n1"}


def test_sort_orders(backend: SearchBackend) -> None:
    def order(sort: SearchSort, query: str = "") -> list[str]:
        by_id = {mid: sid for sid, mid in SID.items()}
        return [by_id[h.id] for h in backend.search(SearchRequest(query=query, sort=sort, size=100)).hits]

    assert order(SearchSort.time) == ["p5", "z1", "n1", "p4", "p3", "p2", "p1"]
    reach_order = order(SearchSort.reach)
    assert reach_order[:4] == ["p3", "p1", "p4", "n1"]
    tied = [SID[s] for s in reach_order[4:]]  # reach 5 three times: broken by id, ascending
    assert sorted(tied) == tied and set(reach_order[4:]) == {"p2", "z1", "p5"}
    relevance = backend.search(SearchRequest(query="bao hiem xa hoi", sort=SearchSort.relevance, size=100)).hits
    scores = [h.score for h in relevance]
    assert scores == sorted(scores, reverse=True) and all(s is not None and s > 0 for s in scores)


@pytest.mark.parametrize("sort", list(SearchSort))
@pytest.mark.parametrize("size", [1, 2, 3, 7, 8])
def test_search_after_returns_every_hit_once(open_backend: Opener, sort: SearchSort, size: int) -> None:
    # many ties on purpose: 40 mentions over 3 timestamps and 2 reach values
    mentions = [make(f"m{i}", f"bảo hiểm số {i} " + "rút " * (i % 4), hours=i % 3, reactions=i % 2)
                for i in range(40)]
    with open_backend("paging") as b:
        b.index(mentions)
        b.commit()
        seen: list[str] = []
        cursor = None
        for _ in range(100):
            page = b.search(SearchRequest(query="bao hiem", sort=sort, size=size, search_after=cursor))
            assert page.total == 40
            seen += [h.id for h in page.hits]
            cursor = page.search_after
            if cursor is None:
                break
        assert sorted(seen) == sorted(m.id for m in mentions)  # every hit, once
        whole = b.search(SearchRequest(query="bao hiem", sort=sort, size=100))
        assert [h.id for h in whole.hits] == seen  # paging gives the same order as one big page


def test_reindexing_an_id_replaces_it(backend: SearchBackend) -> None:
    updated = make("p1", "Lương hưu đã được trả, cảm ơn", hours=1, reactions=999, sentiment=Sentiment.positive)
    backend.index([updated, updated])  # twice in one batch, too
    backend.index(FIXTURES[1:3])  # unchanged ones again
    backend.commit()
    assert backend.count() == len(FIXTURES)
    hits = backend.search(SearchRequest(query="luong huu", size=10)).hits
    assert [h.mention for h in hits] == [updated]
    assert ids(backend, "cham") == set()


def test_persists_across_close_and_reopen(open_backend: Opener) -> None:
    with open_backend("persist") as b:
        b.index(FIXTURES)  # close commits what is pending
    with open_backend("persist") as b:
        assert b.count() == len(FIXTURES)
        hit = b.search(SearchRequest(query='"tin don"', sort=SearchSort.reach, size=1)).hits[0]
        assert hit.mention == FIXTURES[2]  # the full mention round-trips
        b.index([make("z2", "Mới thêm sau khi mở lại", source=Source.zalo)])
        b.commit()
        assert b.count() == len(FIXTURES) + 1
    with open_backend("persist") as b:
        assert b.count() == len(FIXTURES) + 1


@pytest.mark.parametrize(("query", "position"), [('title:"bao hiem', 6), ("rut AND (chia", 8), ("nosuch:x", 0)])
def test_bad_query_raises_with_position(backend: SearchBackend, query: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError) as err:
        backend.search(SearchRequest(query=query))
    assert err.value.position == position


def test_unsupported_clause_is_a_clear_error(backend: SearchBackend) -> None:
    with pytest.raises(UnsupportedQueryError, match="range"):
        backend.compile(Term("reach", "5", pos=3))


def test_highlights(backend: SearchBackend) -> None:
    hits = backend.search(SearchRequest(query="bao hiem -chia", filters=SearchFilters(source=[Source.news]),
                                        highlight=True)).hits
    assert hits[0].highlights == {"title": "Hội nghị <em>bảo</em> <em>hiểm</em> xã hội",
                                  "text": "<em>Bảo</em> <em>hiểm</em> xã hội Việt Nam tổ chức hội nghị về chính sách mới"}


def test_highlights_escape_the_mention_text(open_backend: Opener) -> None:
    """Mention texts are hostile: a highlight is HTML whose only markup is the <em> around matches."""
    backend = open_backend("xss")
    backend.index([make("xss", '<script>alert("bảo hiểm")</script> & <b>bảo hiểm</b>')])
    backend.commit()
    [hit] = backend.search(SearchRequest(query="bao hiem", highlight=True)).hits
    assert hit.highlights == {"text": '&lt;script&gt;alert(&quot;<em>bảo</em> <em>hiểm</em>&quot;)&lt;/script&gt; '
                                      '&amp; &lt;b&gt;<em>bảo</em> <em>hiểm</em>&lt;/b&gt;'}
