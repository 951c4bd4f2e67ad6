"""The search HTTP API (`index.api`) on both backends (tantivy in tmp_path, Elasticsearch on osmem): results,
filters, paging cursors, facets / histogram / export, error statuses for hostile input, OpenAPI, a real server."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from common.bus.broker import death_signal_preexec
from common.schema import ClassifiedMention
from index.api import create_app, encode_cursor, lazy_backend
from index.backend import SearchBackend, SearchRequest
from index.elasticsearch_backend import ElasticsearchBackend
from index.tantivy_backend import TantivyBackend
from tests.index.conftest import OSMEM_BIN, _free_port
from tests.index.test_contract import FIXTURES, SID, Opener, make, open_backend  # noqa: F401  (fixture re-used)
from tests.support import wait_for

BY_ID = {m.id: m for m in FIXTURES}


@pytest.fixture
def backend(open_backend: Opener) -> SearchBackend:
    b = open_backend("api")
    b.index(FIXTURES)
    b.commit()
    return b


@pytest.fixture
def client(backend: SearchBackend) -> Iterator[TestClient]:
    with TestClient(create_app(backend), raise_server_exceptions=False) as c:
        yield c


def sids(body: dict) -> list[str]:
    by_mid = {mid: sid for sid, mid in SID.items()}
    return [by_mid[h["id"]] for h in body["hits"]]


def get_ok(client: TestClient, url: str, **params) -> dict:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


# --------------------------------------------------------------------------------------------------- search

def test_search_without_diacritics_returns_hits_with_labels_and_highlights(client: TestClient) -> None:
    body = get_ok(client, "/api/search", q="bao hiem", highlight="true")
    assert body["total"] == 5 and body["next"] is None
    assert sids(body) == ["n1", "p4", "p3", "p2", "p1"]  # newest first
    news = body["hits"][0]
    assert news["highlights"]["title"] == "Hội nghị <em>bảo</em> <em>hiểm</em> xã hội"
    assert news["source"] == "news" and news["labels"]["topic"] == "law_policy"
    assert news["created_at_local"] == "2026-03-01T20:00:00+07:00"
    pension = body["hits"][-1]
    assert pension["province"] == {"written": "TP. Hồ Chí Minh", "old": "Bình Dương", "new": "TP. Hồ Chí Minh"}
    assert pension["reach_total"] == 50 and pension["labels"]["sentiment"] == "negative"


@pytest.mark.parametrize(("params", "expected"), [
    ({"source": ["zalo", "news"]}, {"z1", "n1"}),
    ({"sentiment": "positive"}, {"n1", "p5"}),
    ({"topic": ["pension", "vssid_app"]}, {"p1", "z1"}),
    ({"misinformation": "true"}, {"p3", "p4"}),
    ({"misinformation": "false", "q": "bhxh"}, {"n1", "p1"}),  # BHXH = bảo hiểm xã hội
    ({"province": "binh duong"}, {"p1"}),  # the old name, without diacritics
    ({"province": "HCM"}, {"p1"}),
    ({"min_reach": 50}, {"p1", "p3"}),
    ({"claim": "claim-rut-1-lan"}, {"p3", "p4"}),
    ({"cluster": "c-1", "q": "chia se"}, {"p4"}),
    # T0 = 2026-03-01 15:00 in Vietnam; the fixtures are 16:00 ... 22:00 that day
    ({"from": "2026-03-01", "to": "2026-03-01"}, set(SID)),  # a date-only "to" includes the whole day
    ({"from": "2026-03-02"}, set()),
    ({"to": "2026-02-28"}, set()),
    ({"from": "2026-03-01T20:00:00"}, {"n1", "z1", "p5"}),  # no offset = Vietnam time
    ({"from": "2026-03-01T13:00:00Z", "to": "2026-03-01T21:00:00+07:00"}, {"n1"}),
])
def test_filters(client: TestClient, params: dict, expected: set[str]) -> None:
    body = get_ok(client, "/api/search", size=200, **params)
    assert set(sids(body)) == expected
    assert body["total"] == len(expected)
    assert get_ok(client, "/api/search/count", **params)["total"] == len(expected)


@pytest.mark.parametrize("sort", ["time", "reach", "relevance"])
def test_cursor_pages_through_every_hit_once(client: TestClient, sort: str) -> None:
    q = "" if sort != "relevance" else "bhxh OR bao OR vssid OR cam"
    whole = get_ok(client, "/api/search", q=q, sort=sort, size=200)
    seen, cursor = [], None
    for _ in range(10):
        body = get_ok(client, "/api/search", q=q, sort=sort, size=2, **({"cursor": cursor} if cursor else {}))
        assert body["total"] == whole["total"]
        seen += sids(body)
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == sids(whole) and len(seen) == whole["total"] > 2
    if sort == "reach":
        assert seen[:2] == ["p3", "p1"]


def test_post_body_equals_get(client: TestClient) -> None:
    params = {"q": "rut bhxh", "source": ["facebook"], "from": "2026-03-01", "size": 1, "sort": "reach"}
    got = get_ok(client, "/api/search", **params)
    posted = client.post("/api/search", json=params)
    assert posted.status_code == 200, posted.text
    assert posted.json() == got and sids(got) == ["p3"]
    following = client.post("/api/search", json={**params, "cursor": got["next"]}).json()
    assert sids(following) == ["p4"]


def test_facets_histogram_count(client: TestClient) -> None:
    body = get_ok(client, "/api/search/facets", q="bhxh", field=["topic", "misinformation"], size=1)
    assert body["facets"] == {"topic": [{"value": "one_time_withdrawal", "count": 2}],
                              "misinformation": [{"value": "false", "count": 2}]}  # 2-2 tie: value ascending
    default = get_ok(client, "/api/search/facets")["facets"]
    assert set(default) == {"source", "sentiment", "topic", "province"}
    assert default["source"][0] == {"value": "facebook", "count": 5}
    hist = get_ok(client, "/api/search/histogram", q="bhxh", interval="hour")
    assert hist["timezone"] == "Asia/Ho_Chi_Minh"
    assert [(b["start"], b["count"]) for b in hist["buckets"]] == [
        ("2026-03-01T16:00:00+07:00", 1), ("2026-03-01T17:00:00+07:00", 0), ("2026-03-01T18:00:00+07:00", 1),
        ("2026-03-01T19:00:00+07:00", 1), ("2026-03-01T20:00:00+07:00", 1)]
    assert get_ok(client, "/api/search/histogram", interval="week")["buckets"] == [
        {"start": "2026-02-23T00:00:00+07:00", "count": 7}]  # 2026-03-01 is a Sunday
    assert get_ok(client, "/api/search/count")["total"] == len(FIXTURES)


def test_export_csv_and_jsonl(client: TestClient) -> None:
    response = client.get("/api/search/export", params={"q": "bao hiem", "format": "csv", "sort": "reach"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="crisiswatch-20')
    assert response.headers["content-disposition"].endswith('.csv"')
    assert response.content.startswith("\ufeffid,created_at,".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == [SID[s] for s in ("p3", "p1", "p4", "n1", "p2")]
    assert rows[1]["text"] == BY_ID[SID["p1"]].text and rows[1]["province_old"] == "Bình Dương"
    assert rows[1]["created_at"] == "2026-03-01T16:00:00+07:00"

    response = client.get("/api/search/export", params={"format": "jsonl", "misinformation": "true"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    mentions = [ClassifiedMention.model_validate_json(line) for line in response.text.splitlines()]
    assert mentions == [BY_ID[SID["p4"]], BY_ID[SID["p3"]]]
    assert "Tin đồn" in response.text  # UTF-8, not \\u escapes


def test_export_of_many_hits_streams_every_row(open_backend: Opener) -> None:
    b = open_backend("many")
    b.index([make(f"m{i}", f"Bảo hiểm xã hội số {i}", hours=i / 60) for i in range(1234)])
    b.commit()
    with TestClient(create_app(b)) as c:
        response = c.get("/api/search/export", params={"q": "bao hiem"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 1234 and len({r[0] for r in rows[1:]}) == 1234
    assert response.content.count("\ufeff".encode()) == 1


# --------------------------------------------------------------------------------------------------- errors

@pytest.mark.parametrize(("url", "status", "position"), [
    ('/api/search?q="bảo hiểm', 400, 0),  # unbalanced quote
    ("/api/search?q=(luong huu OR bhxh", 400, 0),  # unbalanced parenthesis
    ("/api/search?q=lương huu)", 400, 9),
    ("/api/search?q=topic:", 400, 6),  # a field with no value
    ("/api/search?q=foo:bar", 400, 0),  # unknown field
    ("/api/search?q=reach:>abc", 400, 7),
    ("/api/search/count?q=(", 400, 0),
    ("/api/search/facets?q=topic:", 400, 6),
    ("/api/search/histogram?q=topic:", 400, 6),
    ("/api/search/export?q=topic:", 400, 6),  # before streaming starts
    ("/api/search?q=😀", 400, 0),
    ("/api/search?q=" + "(" * 500, 400, 100),  # nesting deeper than 100
    ("/api/search?q=a%00b", 200, None),  # NUL bytes are just characters
    ("/api/search?q=%F0%9F%98%80 bhxh", 200, None),
    ("/api/search?size=100000", 422, None),  # huge size
    ("/api/search?size=0", 422, None),
    ("/api/search?size=abc", 422, None),
    ("/api/search?from=2026-13-01", 422, None),  # bad dates
    ("/api/search?from=hôm qua", 422, None),
    ("/api/search?from=2026-03-02&to=2026-03-01", 422, None),
    ("/api/search?source=twitter", 422, None),
    ("/api/search?sort=random", 422, None),
    ("/api/search?min_reach=-1", 422, None),
    ("/api/search?unknown=1", 422, None),
    ("/api/search/facets?field=nope", 422, None),
    ("/api/search/histogram?interval=month", 422, None),
    ("/api/search/export?format=xlsx", 422, None),
    ("/api/search?cursor=not-a-cursor!!", 400, None),  # bad cursor
    ("/api/search?cursor=" + "A" * 2000, 422, None),
    ("/api/search?q=" + "bhxh+" * 12_000, 422, None),  # 60 KB (HTTP clients cap URLs at 64 KB)
])
def test_hostile_input_never_500(client: TestClient, url: str, status: int, position: int | None) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text
    if status == 400:
        detail = response.json()["detail"]
        assert set(detail) == {"message", "position", "query"}
        assert detail["position"] == position
        assert detail["message"]  # Vietnamese text: "Truy vấn sai cú pháp ..." / "con trỏ trang ..."
        if position is not None:
            assert detail["message"].startswith("Truy vấn sai cú pháp tại vị trí")
    if status == 422:
        assert response.json()["detail"][0]["loc"][0] in ("query", "body")


def test_100_kb_query_in_a_body_is_422(client: TestClient) -> None:
    response = client.post("/api/search", json={"q": "bảo hiểm " * 10_000})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "q"]
    nul = client.post("/api/search", json={"q": "rút\u0000 bhxh", "size": 200})
    assert nul.status_code == 200


def test_cursor_of_another_search_or_forged_is_400(client: TestClient) -> None:
    first = get_ok(client, "/api/search", q="bhxh", size=1)
    foreign = client.get("/api/search", params={"q": "vssid", "cursor": first["next"]})
    assert foreign.status_code == 400 and "tìm kiếm khác" in foreign.json()["detail"]["message"]
    other_sort = client.get("/api/search", params={"q": "bhxh", "sort": "reach", "cursor": first["next"]})
    assert other_sort.status_code == 400
    forged = encode_cursor(SearchRequest(query="bhxh"), ["not-a-number", "x"])
    response = client.get("/api/search", params={"q": "bhxh", "cursor": forged})
    assert response.status_code == 400 and "con trỏ" in response.json()["detail"]["message"]


def test_unavailable_backend_is_503(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{_free_port()}"
    app = create_app(lazy_backend(lambda: ElasticsearchBackend(closed, max_retries=0)))
    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/api/search", params={"q": "bhxh"})
    assert response.status_code == 503
    assert response.json()["detail"]["message"].startswith("Không mở được chỉ mục tìm kiếm")


def test_index_going_down_after_start_is_503() -> None:
    port = _free_port()
    proc = subprocess.Popen([str(OSMEM_BIN), "-addr", f"127.0.0.1:{port}", "-no-ja", "-no-stdin-watch",
                             "-parent-pid", str(os.getpid())], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, preexec_fn=death_signal_preexec())
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(url), timeout=15, what="osmem-server")
        b = ElasticsearchBackend(url, max_retries=0)
        b.index(FIXTURES)
        b.commit()
        with TestClient(create_app(b), raise_server_exceptions=False) as c:
            assert c.get("/api/search/count").json() == {"total": len(FIXTURES)}
            proc.kill()
            proc.wait(timeout=10)
            for path in ("/api/search", "/api/search/count", "/api/search/facets", "/api/search/export"):
                response = c.get(path, params={"q": "bhxh"})
                assert response.status_code == 503, (path, response.text)
                assert "không sẵn sàng" in response.json()["detail"]["message"]
    finally:
        proc.kill()
        proc.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


# --------------------------------------------------------------------------------------------------- openapi

def test_openapi_documents_every_endpoint(client: TestClient) -> None:
    spec = get_ok(client, "/openapi.json")
    assert "tìm kiếm" in spec["info"]["title"] and spec["info"]["version"]
    expected = {("/api/search", "get"), ("/api/search", "post"), ("/api/search/count", "get"),
                ("/api/search/facets", "get"), ("/api/search/histogram", "get"), ("/api/search/export", "get")}
    found = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert found == expected
    for path, method in expected:
        operation = spec["paths"][path][method]
        assert operation["summary"] and operation["description"], (path, method)
        assert {"200", "400", "422", "503"} <= set(operation["responses"]), (path, method)
        assert operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/ErrorResponse")
    names = [p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]]
    assert names == ["q", "source", "sentiment", "topic", "misinformation", "province", "from", "to", "min_reach",
                     "claim", "cluster", "sort", "size", "cursor", "highlight"]
    ok = spec["paths"]["/api/search"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/SearchResponse")
    assert {"SearchHit", "FacetsResponse", "HistogramResponse", "CountResponse"} <= set(spec["components"]["schemas"])


# --------------------------------------------------------------------------------------------------- processes

def test_search_only_instance_sees_commits_of_the_indexer(tmp_path: Path) -> None:
    reader = TantivyBackend(tmp_path / "index")  # what search-api opens: never writes
    with TestClient(create_app(reader)) as c:
        assert get_ok(c, "/api/search/count")["total"] == 0
        writer = TantivyBackend(tmp_path / "index")  # the indexer: takes the single writer after the reader served
        writer.index(FIXTURES[:3])
        assert get_ok(c, "/api/search/count")["total"] == 0  # not committed: invisible
        writer.commit()
        # tantivy reloads a reader shortly after a commit (ReloadPolicy::OnCommitWithDelay)
        wait_for(lambda: get_ok(c, "/api/search/count")["total"] == 3, timeout=10, what="the committed documents")
        writer.index(FIXTURES[3:])
        writer.close()
        wait_for(lambda: get_ok(c, "/api/search", q="vssid")["total"] == 1, timeout=10, what="the second commit")
    reader.close()


def test_real_uvicorn_server(tmp_path: Path) -> None:
    b = TantivyBackend(tmp_path / "index")
    b.index(FIXTURES)
    b.commit()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(b), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started, timeout=15, what="uvicorn")
        base = f"http://127.0.0.1:{port}"
        body = httpx.get(f"{base}/api/search", params={"q": "luong huu cham"}).json()
        assert [h["id"] for h in body["hits"]] == [SID["p1"]]
        bad = httpx.get(f"{base}/api/search", params={"q": 'title:"bảo'})
        assert bad.status_code == 400 and bad.json()["detail"]["position"] == 6
        with httpx.stream("GET", f"{base}/api/search/export", params={"format": "jsonl"}) as response:
            lines = [json.loads(line) for line in response.iter_lines() if line]
        assert len(lines) == len(FIXTURES)
        assert httpx.get(f"{base}/docs").status_code == 200
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        b.close()
    assert not thread.is_alive()

