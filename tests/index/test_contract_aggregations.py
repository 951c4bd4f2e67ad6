"""Facets, date histograms and streamed export (`index.aggregations`), run against every backend with the contract
fixtures: the same data gives the same counts / buckets / rows on tantivy and on Elasticsearch (osmem)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from common.schema import Author, ClassifiedMention, Sentiment, Source, Topic
from index.aggregations import VN_TZ, FacetField, Interval, bucket_start, write_csv, write_jsonl
from index.backend import SearchBackend, SearchFilters, SearchRequest, SearchSort
from tests.index.test_contract import T0, Opener, make, open_backend  # noqa: F401  (fixture re-used)

_SOURCES = [Source.facebook, Source.news, Source.zalo]
_SENTIMENTS = list(Sentiment)
_TOPICS = [Topic.pension, Topic.health_insurance, Topic.one_time_withdrawal, Topic.vssid_app]
_PROVINCES = [("Bình Dương", "TP. Hồ Chí Minh"), ("Hà Nội", "Hà Nội"), None, ("Quảng Nam", "Đà Nẵng")]


def _with_author(m: ClassifiedMention, name: str | None) -> ClassifiedMention:
    return m.model_copy(update={"author": Author(id=None if name else "uid-x", name=name)})


# 45 mentions over ~19 days (T0 = Sunday 2026-03-01 15:00 in Vietnam), so hours, days and 4 weeks are exercised
SPREAD = [
    _with_author(make(f"s{i}", f"Bảo hiểm xã hội thông báo số {i}" + (" rút một lần" if i % 3 == 0 else ""),
                      source=_SOURCES[i % 3], hours=i * 10 + (i % 4), reactions=i % 7,
                      sentiment=_SENTIMENTS[i % len(_SENTIMENTS)], topic=_TOPICS[i % 4],
                      misinformation=i % 5 == 0, province=_PROVINCES[i % 4],
                      claims=("claim-a",) if i % 5 == 0 else (("claim-a", "claim-b") if i % 7 == 0 else ()),
                      cluster=f"c-{i % 6}" if i % 2 == 0 else None),
                 [None, "Nguyễn Văn A", "Trần Thị B"][i % 3] if i % 11 else None)
    for i in range(45)
]
BY_ID = {m.id: m for m in SPREAD}


@pytest.fixture
def spread(open_backend: Opener) -> SearchBackend:  # noqa: F811
    b = open_backend("agg")
    b.index(SPREAD)
    b.commit()
    return b


def _expected_terms(mentions: list[ClassifiedMention], get, size: int = 10) -> list[tuple[str, int]]:
    c: Counter[str] = Counter()
    for m in mentions:
        c.update(set(get(m)))
    return sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:size]


_GETTERS = {
    "source": lambda m: [m.source.value],
    "sentiment": lambda m: [m.labels.sentiment.value],
    "topic": lambda m: [m.labels.topic.value],
    "misinformation": lambda m: [str(m.labels.misinformation).lower()],
    "province": lambda m: [m.province.new] if m.province else [],
    "author": lambda m: [m.author.name or m.author.id],
    "cluster": lambda m: [m.cluster_id] if m.cluster_id else [],
    "claim": lambda m: [c.claim_id for c in m.claims],
}


def test_facets_count_every_label_over_all_hits(spread: SearchBackend) -> None:
    result = spread.facets(SearchRequest(), list(FacetField), size=10)
    assert set(result) == set(_GETTERS)
    for field, get in _GETTERS.items():
        assert result[field] == _expected_terms(SPREAD, get), field
    # hand-checked anchors
    assert dict(result["source"]) == {"facebook": 15, "news": 15, "zalo": 15}
    assert dict(result["misinformation"]) == {"true": 9, "false": 36}
    assert dict(result["claim"]) == {"claim-a": 9 + 5, "claim-b": 5}  # i%5==0 → a; i%7==0 (7..42, not 35) → a+b
    assert {v for v, _ in result["province"]} == {"TP. Hồ Chí Minh", "Hà Nội", "Đà Nẵng"}
    assert result["author"] == [("uid-x", 18), ("Nguyễn Văn A", 14), ("Trần Thị B", 13)]  # no name → the id


def test_facets_follow_query_filters_and_size(spread: SearchBackend) -> None:
    request = SearchRequest(query="rut", filters=SearchFilters(source=[Source.facebook, Source.zalo]))
    hits = [m for m in SPREAD if m.source is not Source.news and "rút" in m.text]
    result = spread.facets(request, ["topic", "cluster", "author"], size=2)
    assert set(result) == {"topic", "cluster", "author"}
    for field in result:
        assert result[field] == _expected_terms(hits, _GETTERS[field], size=2)
    assert all(len(v) <= 2 for v in result.values())
    assert spread.facets(SearchRequest(query="khongcogi"), ["source"]) == {"source": []}
    with pytest.raises(ValueError):
        spread.facets(SearchRequest(), ["nosuch"])


def _expected_histogram(mentions: list[ClassifiedMention], interval: Interval) -> list[tuple[datetime, int]]:
    counts = Counter(bucket_start(m.created_at, interval) for m in mentions)
    step = {Interval.hour: timedelta(hours=1), Interval.day: timedelta(days=1), Interval.week: timedelta(days=7)}
    out, t = [], min(counts)
    while t <= max(counts):
        out.append((t, counts[t]))
        t += step[interval]
    return out


def test_bucket_start_in_vietnam_time() -> None:
    late = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # Monday 00:30 in Vietnam
    assert bucket_start(late, "hour") == datetime(2026, 3, 2, 0, 0, tzinfo=VN_TZ)
    assert bucket_start(late, "day") == datetime(2026, 3, 2, tzinfo=VN_TZ)
    assert bucket_start(late, "week") == datetime(2026, 3, 2, tzinfo=VN_TZ)  # weeks start on Monday
    early = datetime(2026, 3, 1, 16, 59, tzinfo=UTC)  # Sunday 23:59 in Vietnam
    assert bucket_start(early, "day") == datetime(2026, 3, 1, tzinfo=VN_TZ)
    assert bucket_start(early, "week") == datetime(2026, 2, 23, tzinfo=VN_TZ)
    assert bucket_start(early, "day").utcoffset() == timedelta(hours=7)


def test_date_histogram_small_hand_checked(open_backend: Opener) -> None:  # noqa: F811
    # T0 = 2026-03-01 08:00 UTC = Sunday 15:00 in Vietnam
    mentions = [make("h1", "a", hours=0), make("h2", "b", hours=0.5), make("h3", "c", hours=9.5),  # Mon 00:30
                make("h4", "d", hours=9.6), make("h5", "e", hours=24 * 3 + 1)]  # Wed 16:00
    b = open_backend("hist")
    b.index(mentions)
    b.commit()
    d = lambda day: datetime(2026, 3, day, tzinfo=VN_TZ)  # noqa: E731
    assert b.date_histogram(SearchRequest(), Interval.day) == [(d(1), 2), (d(2), 2), (d(3), 0), (d(4), 1)]
    assert b.date_histogram(SearchRequest(), "week") == [(datetime(2026, 2, 23, tzinfo=VN_TZ), 2), (d(2), 3)]
    hours = b.date_histogram(SearchRequest(filters=SearchFilters(created_to=T0 + timedelta(hours=10))), "hour")
    assert hours[0] == (datetime(2026, 3, 1, 15, tzinfo=VN_TZ), 2)
    assert hours[-1] == (datetime(2026, 3, 2, 0, tzinfo=VN_TZ), 2)
    assert len(hours) == 10 and sum(c for _, c in hours) == 4  # empty hours in between included
    assert b.date_histogram(SearchRequest(query="khongcogi"), "day") == []


@pytest.mark.parametrize("interval", list(Interval))
def test_date_histogram_over_weeks(spread: SearchBackend, interval: Interval) -> None:
    result = spread.date_histogram(SearchRequest(), interval)
    assert result == _expected_histogram(SPREAD, interval)
    assert sum(c for _, c in result) == len(SPREAD)
    assert all(t.utcoffset() == timedelta(hours=7) for t, _ in result)
    if interval is Interval.week:
        assert len(result) == 4 and all(t.weekday() == 0 and t.hour == 0 for t, _ in result)
    filtered = spread.date_histogram(SearchRequest(filters=SearchFilters(misinformation=True)), interval)
    assert filtered == _expected_histogram([m for m in SPREAD if m.labels.misinformation], interval)


@pytest.mark.parametrize("sort", [SearchSort.time, SearchSort.reach, SearchSort.relevance])
def test_export_streams_every_hit_once_in_sort_order(spread: SearchBackend, sort: SearchSort,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int] = []
    search = spread.search

    def spy(request: SearchRequest):
        sizes.append(request.size)
        return search(request)

    monkeypatch.setattr(spread, "search", spy)
    request = SearchRequest(query="bao hiem", sort=sort, size=3)
    exported = [m.id for m in spread.export(request, page_size=7)]
    assert len(sizes) >= 45 // 7 and set(sizes) == {7}  # paged, never one big request
    assert sorted(exported) == sorted(BY_ID) and len(set(exported)) == 45  # every hit exactly once
    whole = search(SearchRequest(query="bao hiem", sort=sort, size=100))
    assert exported == [h.id for h in whole.hits]  # in the request's sort order
    filtered = list(spread.export(SearchRequest(filters=SearchFilters(source=[Source.zalo])), page_size=4))
    assert {m.id for m in filtered} == {m.id for m in SPREAD if m.source is Source.zalo}
    assert all(m == BY_ID[m.id] for m in filtered)  # full mentions


def test_export_to_csv_and_jsonl(spread: SearchBackend, tmp_path: Path) -> None:
    request = SearchRequest(sort=SearchSort.time)
    rows = write_csv(spread.export(request, page_size=10), tmp_path / "out.csv")
    assert rows == 45
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as fp:
        table = list(csv.DictReader(fp))
    assert len(table) == 45 and len({r["id"] for r in table}) == 45
    first = BY_ID[table[0]["id"]]
    assert table[0]["text"] == first.text and "Bảo hiểm xã hội" in table[0]["text"]
    assert datetime.fromisoformat(table[0]["created_at"]) == first.created_at
    assert table[0]["created_at"].endswith("+07:00")
    hcm = next(r for r in table if BY_ID[r["id"]].province and BY_ID[r["id"]].province.old == "Bình Dương")
    assert (hcm["province"], hcm["province_old"]) == ("TP. Hồ Chí Minh", "Bình Dương")
    narrow = write_csv(spread.export(request), tmp_path / "narrow.csv", columns=["id", "claims"])
    assert narrow == 45
    header = (tmp_path / "narrow.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "id,claims"
    with pytest.raises(ValueError, match="unknown CSV column"):
        write_csv([], tmp_path / "bad.csv", columns=["nosuch"])

    assert write_jsonl(spread.export(request, page_size=10), tmp_path / "out.jsonl") == 45
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    back = [ClassifiedMention.model_validate(json.loads(line)) for line in lines]
    assert [m.id for m in back] == [m.id for m in spread.export(request)]
    assert all(m == BY_ID[m.id] for m in back)
    assert "Bảo hiểm" in lines[0]  # not \u-escaped


# (author, mentions): "Zed" leads; four authors tie at 2 around the cut of size=2, spread over three commits
# (segments / monthly indices), so the engine's own order at the cut cannot leak: count desc, then code point asc.
_TIES = [("Ánh", 2), ("Zed", 3), ("an", 2), ("Cường", 2), ("Bảo", 2), ("lẻ", 1)]


def test_facets_exact_with_ties_at_the_cut_and_across_segments(open_backend: Opener) -> None:  # noqa: F811
    mentions = [_with_author(make(f"t-{name}-{k}", f"tin số {k}", hours=24 * 40 * (k % 3), cluster="Cụm-A",
                                  claims=("claim-X", "claim-X") if k == 0 else ()), name)
                for name, n in _TIES for k in range(n)]
    b = open_backend("ties")
    for part in (mentions[0::3], mentions[1::3], mentions[2::3]):
        b.index(part)
        b.commit()
    result = b.facets(SearchRequest(), ["author", "cluster", "claim", "province"], size=2)
    assert result["author"] == [("Zed", 3), ("Bảo", 2)]  # "Bảo" < "Cường" < "an" < "Ánh" by code point
    assert b.facets(SearchRequest(), ["author"], size=4)["author"] == [("Zed", 3), ("Bảo", 2), ("Cường", 2),
                                                                       ("an", 2)]
    assert b.facets(SearchRequest(), ["author"], size=100)["author"] == sorted(
        _TIES, key=lambda kv: (-kv[1], kv[0]))  # fewer values than size: all of them
    assert result["cluster"] == [("Cụm-A", len(mentions))]  # the display value, not the folded key
    assert result["claim"] == [("claim-X", len(_TIES))]  # first mention of each author; listed twice, counted once
    assert result["province"] == []  # missing values are not counted


def test_aggregations_on_an_empty_backend(open_backend: Opener) -> None:  # noqa: F811
    b = open_backend("empty")
    assert b.facets(SearchRequest(), ["source", "author"]) == {"source": [], "author": []}
    assert b.date_histogram(SearchRequest(), "week") == []
    with pytest.raises(ValueError):
        b.date_histogram(SearchRequest(), "month")


def test_facets_and_histograms_run_in_the_engine(spread: SearchBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_paging(request: SearchRequest):
        raise AssertionError("facets / histograms must not page through the hits")

    monkeypatch.setattr(spread, "search", no_paging)
    assert dict(spread.facets(SearchRequest(), ["source"])["source"]) == {"facebook": 15, "news": 15, "zalo": 15}
    assert sum(c for _, c in spread.date_histogram(SearchRequest(), "day")) == len(SPREAD)


def test_an_hour_histogram_over_too_many_buckets_is_refused_in_vietnamese(open_backend: Opener) -> None:  # noqa: F811
    # 8 years of hours = 70,081 buckets > 65,000 (tantivy's limit, promised by both backends)
    b = open_backend("wide")
    b.index([make("w1", "bảo hiểm", hours=0), make("w2", "bảo hiểm", hours=24 * 365 * 8)])
    b.commit()
    with pytest.raises(ValueError, match=r"^biểu đồ theo giờ cần 70\.081 cột \(các mention từ 01/03/2026 15:00 "
                                         r"đến 27/02/2034 15:00 giờ Việt Nam\), quá giới hạn 65\.000 cột: "
                                         r"hãy thu hẹp khoảng thời gian"):
        b.date_histogram(SearchRequest(), "hour")
    # the same span by day, or a narrower window by hour, is answered
    assert sum(c for _, c in b.date_histogram(SearchRequest(), "day")) == 2
    narrow = SearchRequest(filters=SearchFilters(created_to=T0 + timedelta(days=365)))
    assert b.date_histogram(narrow, "hour") == [(datetime(2026, 3, 1, 15, tzinfo=VN_TZ), 1)]
