"""The indexer on the embedded broker, against both backends: classified mentions become searchable exactly once
(redelivery never duplicates), bad records and refused documents go to the DLQ saying what and where, backend
outages are retried, and a kill -9 mid-stream loses nothing and duplicates nothing."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from common.bus.status import read_statuses
from common.bus import BusProducer, TransientError, consumer_lag, parse_dead_letter, read_topic
from common.schema import ClassifiedMention
from common.settings import Settings
from index.backend import SearchBackend, SearchRequest
from index.elasticsearch_backend import BulkWriteError, ElasticsearchBackend
from index.indexer import (
    IndexerStage,
    IndexRejected,
    InvalidEncoding,
    InvalidJson,
    SchemaViolation,
    build_worker,
    open_backend,
    parse_classified,
)
from index.tantivy_backend import TantivyBackend
from tests.index.test_contract import make
from tests.support import settings_env, wait_for


def classified(n: int, prefix: str = "m") -> list[ClassifiedMention]:
    return [make(f"{prefix}-{i}", f"Lương hưu tháng {i} bị chậm, bảo hiểm xã hội trả lời đi", hours=i % 48,
                 reactions=i) for i in range(n)]


def encoded(m: ClassifiedMention) -> bytes:
    return m.model_dump_json().encode()


def all_ids(backend: SearchBackend) -> Counter[str]:
    out: Counter[str] = Counter()
    after = None
    while True:
        page = backend.search(SearchRequest(size=1000, search_after=after))
        out.update(h.id for h in page.hits)
        after = page.search_after
        if after is None:
            return out


def produce(settings: Settings, values: list[tuple[str, bytes]]) -> dict[str, object]:
    with BusProducer(settings, max_request_size=100_000) as producer:
        futures = {key: producer.send(settings.topic_classified, key, value) for key, value in values}
    return {key: f.get(5) for key, f in futures.items()}


@pytest.fixture(params=["tantivy", "elasticsearch"])
def indexer_settings(request: pytest.FixtureRequest, bus_settings: Settings) -> Iterator[Settings]:
    if request.param == "tantivy":
        yield bus_settings
        return
    settings = bus_settings.model_copy(update={"search_backend": "elasticsearch",
                                               "elasticsearch_url": request.getfixturevalue("es_url")})
    yield settings
    cleanup = ElasticsearchBackend(settings.elasticsearch_url)
    cleanup.delete_index()
    cleanup.client.close()


# --- parsing and the batch handler (no broker) --------------------------------------------------------------------


def record(value: bytes, offset: int = 0) -> SimpleNamespace:
    return SimpleNamespace(topic="cls", partition=1, offset=offset, value=value, key=None, headers=[])


def test_parse_names_the_problem_and_the_place() -> None:
    m = classified(1)[0]
    assert parse_classified(encoded(m), "cls[1]@3") == m
    with pytest.raises(InvalidEncoding, match=r"invalid UTF-8 in cls\[1\]@3"):
        parse_classified(b'{"id": "\xff"}', "cls[1]@3")
    with pytest.raises(InvalidJson, match=r"invalid JSON in cls\[1\]@3"):
        parse_classified(b'{"id": ', "cls[1]@3")
    data = json.loads(encoded(m))
    del data["labels"]
    with pytest.raises(SchemaViolation, match=r"not a valid ClassifiedMention in cls\[1\]@3: 1 error\(s\): labels"):
        parse_classified(json.dumps(data).encode(), "cls[1]@3")


class FakeBackend:
    def __init__(self, error: Exception | None = None) -> None:
        self.error, self.indexed, self.commits = error, [], 0

    def index(self, mentions: list[ClassifiedMention]) -> None:
        self.indexed.append([m.id for m in mentions])
        if self.error is not None:
            raise self.error

    def commit(self) -> None:
        self.commits += 1


def test_one_bulk_call_per_batch_then_commit_and_per_item_failures_dead_letter_alone() -> None:
    ms = classified(3)
    backend = FakeBackend(BulkWriteError([(ms[1].id, 400, "mapper_parsing_exception")]))
    stage = IndexerStage(backend)  # type: ignore[arg-type]
    outcomes = stage.handle_batch([record(encoded(ms[0]), 0), record(b"nope", 1), record(encoded(ms[1]), 2),
                                   record(encoded(ms[2]), 3), record(encoded(ms[0]), 4)])
    assert backend.indexed == [[ms[0].id, ms[1].id, ms[2].id]] and backend.commits == 1  # deduplicated, one call
    assert outcomes[0] is None and outcomes[3] is None and outcomes[4] is None
    assert isinstance(outcomes[1], InvalidJson)
    assert isinstance(outcomes[2], IndexRejected)
    assert f"mention {ms[1].id} from cls[1]@2 (status 400): mapper_parsing_exception" in str(outcomes[2])
    assert (stage.stats.indexed, stage.stats.rejected, stage.stats.refused) == (2, 1, 1)


def test_a_backend_outage_is_transient() -> None:
    stage = IndexerStage(FakeBackend(ConnectionError("es down")))  # type: ignore[arg-type]
    with pytest.raises(TransientError, match="es down"):
        stage.handle_batch([record(encoded(classified(1)[0]))])


def test_open_backend_follows_the_settings(tmp_path: Path, es_url: str) -> None:
    tantivy = open_backend(Settings(state_dir=tmp_path))
    assert isinstance(tantivy, TantivyBackend) and tantivy.path == tmp_path / "index"
    tantivy.close()
    es = open_backend(Settings(state_dir=tmp_path, search_backend="elasticsearch", elasticsearch_url=es_url))
    assert isinstance(es, ElasticsearchBackend)
    es.client.close()
    with pytest.raises(ValueError, match="ELASTICSEARCH_URL"):
        open_backend(Settings(state_dir=tmp_path, search_backend="elasticsearch"))


# --- on the embedded broker, both backends ------------------------------------------------------------------------


def test_classified_mentions_become_searchable_once_and_bad_records_go_to_the_dlq(
    indexer_settings: Settings, group_id: str
) -> None:
    settings = indexer_settings
    mentions = classified(40)
    bad = {"broken-json": b'{"id": "x", "text": "Tr', "bad-utf8": b'{"text": "\xff\xfe"}',
           "raw-mention": json.dumps({"id": "y", "source": "facebook"}).encode()}
    produce(settings, [(m.id, encoded(m)) for m in mentions[:20]])
    where = produce(settings, list(bad.items()))
    produce(settings, [(m.id, encoded(m)) for m in mentions[20:]])

    backend = open_backend(settings)
    stage = IndexerStage(backend)
    stats = build_worker(settings, stage, group_id=group_id, worker_id="idx-1", batch_linger_ms=200).run(
        max_idle_s=1)
    assert (stats.processed, stats.dead_lettered) == (40, 3)
    assert all_ids(backend) == Counter({m.id: 1 for m in mentions})
    assert backend.count(SearchRequest(query="luong huu")) == 40  # analyzed and searchable, folded query
    assert sum(row.lag for row in consumer_lag(settings, [group_id])) == 0

    letters = {d.source_key.decode(): d for d in map(parse_dead_letter, read_topic(settings, settings.topic_dlq))}
    assert set(letters) == set(bad)
    for key, letter in letters.items():
        assert letter.value == bad[key] and letter.reason == "handler_error"
        place = f"{settings.topic_classified}[{where[key].partition}]@{where[key].offset}"
        assert place in letter.error, letter.error
    assert letters["broken-json"].error_class == "index.indexer.InvalidJson"
    assert letters["bad-utf8"].error_class == "index.indexer.InvalidEncoding"
    assert letters["raw-mention"].error_class == "index.indexer.SchemaViolation"

    # Redelivery (the same mentions again) never duplicates.
    produce(settings, [(m.id, encoded(m)) for m in mentions])
    assert build_worker(settings, stage, group_id=group_id, batch_linger_ms=200).run(max_idle_s=1).processed == 40
    assert all_ids(backend) == Counter({m.id: 1 for m in mentions})
    backend.close()


# --- kill -9 of the real command ------------------------------------------------------------------------------------


def start(settings: Settings, group_id: str, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "crisiswatch", "indexer", "--group", group_id,
                             "--linger-ms", "50", *extra], env=settings_env(settings, worker_batch_size="50"),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def committed(settings: Settings) -> int:
    backend = open_backend(settings)  # a fresh reader sees the last commit
    try:
        return backend.count()
    finally:
        if isinstance(backend, ElasticsearchBackend):
            backend.client.close()


def test_kill_9_mid_stream_then_restart_indexes_every_mention_exactly_once(
    indexer_settings: Settings, group_id: str
) -> None:
    settings = indexer_settings
    mentions = classified(600, prefix="k")
    produce(settings, [(m.id, encoded(m)) for m in mentions[:300]])
    proc = start(settings, group_id)
    try:
        wait_for(lambda: committed(settings) >= 50, timeout=30, what="the first committed batches")
        produce(settings, [(m.id, encoded(m)) for m in mentions[300:]])  # more arrive while it runs
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert committed(settings) < len(mentions)  # killed mid-stream

    again = start(settings, group_id)  # joins once the killed member's session (6 s) has timed out
    try:
        wait_for(lambda: committed(settings) >= len(mentions), timeout=40, interval=0.2, what="every mention")
        wait_for(lambda: [s for s in read_statuses(settings, "indexer") if s["pid"] == again.pid
                          and s["indexed"] >= len(mentions) - 300], timeout=10, what="the indexer's status file")
        [status] = [s for s in read_statuses(settings, "indexer") if s["pid"] == again.pid]  # + the killed one's
        assert status["group_id"] == group_id and status["backend"].split()[0] == settings.search_backend
        again.send_signal(signal.SIGTERM)  # finishes the current batch, commits, stops
        out, _ = again.communicate(timeout=30)
    finally:
        again.kill()
        again.wait(10)
    assert again.returncode == 0, out.decode()
    assert "Bộ đánh chỉ mục đã dừng" in out.decode()
    assert again.pid not in {s["pid"] for s in read_statuses(settings, "indexer")}  # a clean stop removes its file
    backend = open_backend(settings)
    try:
        assert all_ids(backend) == Counter({m.id: 1 for m in mentions})
    finally:
        backend.close()
    assert sum(row.lag for row in consumer_lag(settings, [group_id])) == 0


def test_help_is_in_vietnamese() -> None:
    result = subprocess.run([sys.executable, "-m", "crisiswatch", "indexer", "--help"], capture_output=True,
                            env={**os.environ, "COLUMNS": "200"}, timeout=60)
    assert result.returncode == 0
    assert "Đánh chỉ mục liên tục" in result.stdout.decode() and "--max-idle" in result.stdout.decode()
