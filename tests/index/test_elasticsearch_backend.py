"""Elasticsearch-specific behaviour on osmem-server: template/mappings, bulk retries and per-item failures
(the shared contract, run against both backends, is in test_contract.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
from elasticsearch import ApiError

from index.backend import SearchBackend, SearchRequest
from index.elasticsearch_backend import BulkWriteError, ElasticsearchBackend
from tests.index.test_contract import FIXTURES, make


@pytest.fixture
def es(es_url: str) -> Iterator[ElasticsearchBackend]:
    sleeps: list[float] = []
    b = ElasticsearchBackend(es_url, prefix=f"t{uuid.uuid4().hex[:12]}", backoff=0.01, sleep=sleeps.append)
    b.sleeps = sleeps  # type: ignore[attr-defined]
    yield b
    b.delete_index()
    b.close()


def _meta(status: int) -> ApiResponseMeta:
    return ApiResponseMeta(status=status, http_version="1.1", headers=HttpHeaders(), duration=0.0,
                           node=NodeConfig("http", "localhost", 9200))


def test_monthly_indices_from_the_template_behind_the_alias(es: ElasticsearchBackend) -> None:
    assert isinstance(es, SearchBackend)
    assert es.indices() == [] and es.count() == 0 and es.search(SearchRequest()).total == 0  # nothing written yet
    es.commit()
    april = make("a1", "Tháng tư: bảo hiểm xã hội", hours=24 * 40, reactions=7)  # 2026-04-10
    es.index(FIXTURES + [april])
    es.commit()
    march, april_index = f"{es.alias}-2026.03", f"{es.alias}-2026.04"
    assert es.indices() == [march, april_index] and es.index_for(april) == april_index
    mapping = es.client.indices.get_mapping(index=march)[march]["mappings"]["properties"]
    assert mapping["text"]["analyzer"] == "pretokenized" and mapping["raw"]["analyzer"] == "folding"
    assert mapping["mid"]["type"] == "keyword" and mapping["created_us"]["type"] == "long"
    doc = es.client.get(index=march, id=FIXTURES[0].id)["_source"]  # _id = mention id
    assert doc["text"].startswith("luong huu thang nay") and doc["mid"] == FIXTURES[0].id
    # facet display values in their own aggregation-only columns (the province facet is the new name)
    assert mapping["facet_province"] == {"type": "keyword", "index": False}
    assert (doc["facet_province"], doc["province"]) == (["TP. Hồ Chí Minh"], ["binh duong", "tp. ho chi minh"])
    # the alias searches across months: time order, search_after over the month boundary, upsert stays in its month
    assert es.count() == len(FIXTURES) + 1
    first = es.search(SearchRequest(size=1))
    assert first.hits[0].id == april.id
    assert es.search(SearchRequest(size=1, search_after=first.search_after)).hits[0].id == FIXTURES[-1].id
    es.index([april])
    es.commit()
    assert es.count() == len(FIXTURES) + 1 and es.count(SearchRequest(query='"thang tu"')) == 1


def test_bulk_retries_429_and_5xx_with_back_off(es: ElasticsearchBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    real_bulk = es.client.bulk
    calls: list[int] = []

    def flaky_bulk(*, operations: list[dict[str, Any]], **kw: Any) -> Any:
        calls.append(len(operations) // 2)
        if len(calls) == 1:  # the whole request is rejected
            raise ApiError("unavailable", meta=_meta(503), body={})
        response = real_bulk(operations=operations, **kw)
        if len(calls) == 2:  # the cluster accepted all but pretends the first item was throttled
            items = response.body["items"]
            items[0]["index"].update(status=429, error={"type": "es_rejected_execution_exception"})
        return response

    monkeypatch.setattr(es.client, "bulk", flaky_bulk)
    es.index(FIXTURES)
    es.commit()
    assert calls == [len(FIXTURES), len(FIXTURES), 1]  # whole batch, whole batch, then only the throttled item
    assert es.sleeps == [0.01, 0.02]  # type: ignore[attr-defined]
    assert es.count() == len(FIXTURES)


def test_per_item_failures_raise_with_the_reason(es: ElasticsearchBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    real_bulk = es.client.bulk

    def bulk(*, operations: list[dict[str, Any]], **kw: Any) -> Any:
        response = real_bulk(operations=operations, **kw)
        response.body["items"][1]["index"].update(
            status=400, error={"type": "mapper_parsing_exception", "reason": "failed to parse field [reach]"})
        return response

    monkeypatch.setattr(es.client, "bulk", bulk)
    with pytest.raises(BulkWriteError, match="mapper_parsing_exception") as err:
        es.index(FIXTURES[:3])
    assert [(i, s) for i, s, _ in err.value.failures] == [(FIXTURES[1].id, 400)]
    assert "failed to parse field [reach]" in err.value.failures[0][2]


def test_a_bulk_that_keeps_failing_raises(es: ElasticsearchBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    def bulk(**kw: Any) -> Any:
        raise ApiError("too many requests", meta=_meta(429), body={})

    monkeypatch.setattr(es.client, "bulk", bulk)
    with pytest.raises(ApiError):
        es.index(FIXTURES[:1])
    assert len(es.sleeps) == es.max_retries  # type: ignore[attr-defined]


def test_count_and_search_see_writes_after_commit(es: ElasticsearchBackend) -> None:
    es.index(FIXTURES)
    es.commit()
    assert es.count() == len(FIXTURES)
    assert es.search(SearchRequest(query="bhxh")).total == es.count(SearchRequest(query="bhxh")) == 4
