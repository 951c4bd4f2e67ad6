"""The streaming classifier worker against the real embedded broker, with a model trained on the real corpus (tiny
random encoder, real lexical model): good mentions come out classified, bad records go to the DLQ saying what and
where, offsets are committed after the write, a consumer group shares the work, SIGTERM stops cleanly."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from classifier.service import MentionClassifier
from classifier.worker import (
    CLASSIFIER_GROUP,
    ClassifierStage,
    InvalidEncoding,
    InvalidJson,
    SchemaViolation,
    build_worker,
    parse_mention,
)
from common.bus.status import read_statuses
from common.bus import BusProducer, Worker, consumer_lag, parse_dead_letter, read_topic
from common.schema import ClassifiedMention, Mention, Sentiment, Topic
from common.settings import Settings
from tests.common.bus.helpers import make_mentions
from tests.support import settings_env, wait_for


@pytest.fixture(scope="module")
def classifier(tiny_artifact, tiny_base_dir: Path) -> MentionClassifier:
    artifact_dir, _ = tiny_artifact
    return MentionClassifier.load(artifact_dir, base_dir=tiny_base_dir)


def encoded(mention: Mention) -> bytes:
    return mention.model_dump_json().encode()


def with_extra_field(mention: Mention) -> bytes:
    data = json.loads(mention.model_dump_json())
    data["sentiment_hint"] = "negative"
    return json.dumps(data, ensure_ascii=False).encode()


def with_bad_utf8(mention: Mention) -> bytes:
    value = encoded(mention)
    cut = value.index(b'"text":') + 9
    return value[:cut] + b"\xff\xfe" + value[cut:]


def check_classified(value: bytes, key: bytes, mention: Mention, classifier: MentionClassifier) -> None:
    out = ClassifiedMention.model_validate_json(value, strict=True)  # the wire contract, strictly
    assert key == out.id.encode() == mention.id.encode()
    assert out.model_dump(include=set(Mention.model_fields)) == mention.model_dump()  # the mention, unchanged
    assert out.model_version == classifier.version
    labels = out.labels
    assert set(labels.sentiment_scores) == set(Sentiment) and set(labels.topic_scores) == set(Topic)
    assert abs(sum(labels.sentiment_scores.values()) - 1) < 1e-3 and abs(sum(labels.topic_scores.values()) - 1) < 1e-3
    assert labels.sentiment == max(labels.sentiment_scores, key=labels.sentiment_scores.get)
    assert 0 <= labels.misinformation_score <= labels.relevant_score + 1e-6


# --- parsing and the batch handler (no broker) --------------------------------------------------------------------


def test_parse_mention_names_the_problem_and_the_place() -> None:
    mention = make_mentions(1)[0]
    assert parse_mention(encoded(mention), "raw[0]@1") == mention
    assert parse_mention(b"\xef\xbb\xbf" + encoded(mention)) == mention  # a BOM is not an error

    with pytest.raises(InvalidEncoding,
                       match=r"invalid UTF-8 in raw\[2\]@7 at byte offset \d+: bytes ff \(invalid start byte\)"):
        parse_mention(with_bad_utf8(mention), "raw[2]@7")
    with pytest.raises(InvalidJson, match=r"invalid JSON in raw\[0\]@3: EOF while parsing"):
        parse_mention(b'{"schema_version": 1, "id": "trunc', "raw[0]@3")
    with pytest.raises(SchemaViolation, match=r"not a valid Mention in raw\[1\]@4: 1 error\(s\): "
                                              r"sentiment_hint: Extra inputs are not permitted"):
        parse_mention(with_extra_field(mention), "raw[1]@4")
    strict = json.loads(encoded(mention))
    strict["reach"]["shares"] = "3"  # the contract is strict: no coercion of "3" into 3
    with pytest.raises(SchemaViolation, match=r"reach\.shares: Input should be a valid integer"):
        parse_mention(json.dumps(strict).encode())
    with pytest.raises(SchemaViolation, match=r"\(record\): Input should be an object"):
        parse_mention(b"[1, 2]")


def test_one_model_call_per_batch_and_one_outcome_per_record(classifier: MentionClassifier) -> None:
    mentions = make_mentions(6)
    values = [encoded(mentions[0]), b"{broken", encoded(mentions[1]), with_extra_field(mentions[2]),
              *map(encoded, mentions[3:])]
    records = [SimpleNamespace(topic="raw", partition=0, offset=i, key=None, value=v) for i, v in enumerate(values)]
    calls: list[int] = []

    class Spy:
        version = classifier.version

        def classify(self, batch):
            calls.append(len(batch))
            return classifier.classify(batch)

    stage = ClassifierStage(Spy())  # type: ignore[arg-type]
    outcomes = stage.handle_batch(records)  # type: ignore[arg-type]

    assert calls == [5]
    assert isinstance(outcomes[1], InvalidJson) and "raw[0]@1" in str(outcomes[1])
    assert isinstance(outcomes[3], SchemaViolation) and "raw[0]@3" in str(outcomes[3])
    good = {0: mentions[0], 2: mentions[1], 4: mentions[3], 5: mentions[4], 6: mentions[5]}
    for i, mention in good.items():
        [(key, value)] = outcomes[i]
        check_classified(value, key.encode(), mention, classifier)
    assert (stage.stats.classified, stage.stats.rejected, stage.stats.model_calls) == (5, 2, 1)


# --- the worker on the broker -------------------------------------------------------------------------------------


def test_good_mentions_are_classified_and_bad_records_go_to_the_dlq(
    bus_settings: Settings, group_id: str, classifier: MentionClassifier
) -> None:
    mentions = make_mentions(12)
    oversized = make_mentions(1, prefix="long", text_chars=5000)[0]
    bad = {
        "broken-json": b'{"schema_version": 1, "source": "facebook", "text": "Tr',
        "bad-utf8": with_bad_utf8(mentions[0]),
        "extra-field": with_extra_field(make_mentions(1, prefix="extra")[0]),
        "oversized": encoded(oversized),
    }
    settings = bus_settings.model_copy(update={"max_message_bytes": 4096,
                                               "classifier_batch_size": len(mentions) + len(bad)})
    with BusProducer(settings, max_request_size=100_000) as producer:
        for m in mentions[:6]:
            producer.send(settings.topic_raw, m.id, encoded(m))
        where = {key: producer.send(settings.topic_raw, key, value, [("crawler", b"test")])
                 for key, value in bad.items()}
        for m in mentions[6:]:
            producer.send(settings.topic_raw, m.id, encoded(m))
    where = {key: future.get(5) for key, future in where.items()}

    stage = ClassifierStage(classifier)
    # The linger outlasts the test: the batch is full with every record, so this is one batch and one model call.
    worker = build_worker(settings, stage, group_id=group_id, worker_id="clf-1", batch_linger_ms=60_000)
    stats = worker.run(max_idle_s=1)

    out = read_topic(settings, settings.topic_classified)
    by_id = {m.id: m for m in mentions}
    assert sorted(r.key.decode() for r in out) == sorted(by_id)
    for record in out:
        check_classified(record.value, record.key, by_id[record.key.decode()], classifier)
    # The lexical half of the model is the real one: these complaints about BHXH are relevant.
    assert all(ClassifiedMention.model_validate_json(r.value).labels.relevant for r in out)

    letters = {d.source_key.decode(): d for d in map(parse_dead_letter, read_topic(settings, settings.topic_dlq))}
    assert set(letters) == set(bad)
    for key, letter in letters.items():
        assert letter.value == bad[key]  # the original bytes, for a replay once fixed
        assert (letter.source_topic, letter.source_partition, letter.source_offset) == (
            settings.topic_raw, where[key].partition, where[key].offset)
        assert (letter.group_id, letter.worker_id) == (group_id, "clf-1")
        assert letter.original_headers == [("crawler", b"test")]
    place = {key: f"{settings.topic_raw}[{where[key].partition}]@{where[key].offset}" for key in bad}
    expected = {
        "broken-json": ("handler_error", "classifier.worker.InvalidJson", f"invalid JSON in {place['broken-json']}"),
        "bad-utf8": ("handler_error", "classifier.worker.InvalidEncoding",
                     f"invalid UTF-8 in {place['bad-utf8']} at byte offset"),
        "extra-field": ("handler_error", "classifier.worker.SchemaViolation",
                        f"not a valid Mention in {place['extra-field']}: 1 error(s): sentiment_hint: Extra inputs"),
        "oversized": ("too_large", "common.bus.worker.RecordTooLarge", "over max_message_bytes=4096"),
    }
    for key, (reason, error_class, message) in expected.items():
        letter = letters[key]
        assert (letter.reason, letter.error_class) == (reason, error_class), key
        assert message in letter.error, (key, letter.error)
    assert letters["oversized"].attempts == 0 and letters["broken-json"].attempts == 1

    assert (stats.processed, stats.dead_lettered, stats.batches) == (12, 4, 1)
    assert stage.stats.model_calls == 1 and stage.stats.classified == 12
    assert sum(row.lag for row in consumer_lag(settings, [group_id])) == 0


def test_offsets_are_committed_after_the_write_so_the_group_never_rereads(
    bus_settings: Settings, group_id: str, classifier: MentionClassifier
) -> None:
    first, later = make_mentions(30), make_mentions(5, prefix="later")
    with BusProducer(bus_settings) as producer:
        for m in first:
            producer.send(bus_settings.topic_raw, m.id, encoded(m))

    one = build_worker(bus_settings, ClassifierStage(classifier), group_id=group_id)
    assert one.run(max_idle_s=1).processed == 30
    assert sum(row.lag for row in consumer_lag(bus_settings, [group_id])) == 0

    with BusProducer(bus_settings) as producer:
        for m in later:
            producer.send(bus_settings.topic_raw, m.id, encoded(m))
    two = build_worker(bus_settings, ClassifierStage(classifier), group_id=group_id)
    assert two.run(max_idle_s=1).processed == 5  # only what came after the first worker's commits

    out = Counter(r.key.decode() for r in read_topic(bus_settings, bus_settings.topic_classified))
    assert out == Counter(m.id for m in first + later)  # each exactly once


def test_two_workers_in_one_group_share_the_partitions_without_loss_or_duplicates(
    bus_settings: Settings, group_id: str, classifier: MentionClassifier
) -> None:
    assert bus_settings.topic_partitions >= 2
    workers = {name: build_worker(bus_settings, ClassifierStage(classifier), group_id=group_id, worker_id=name,
                                  poll_timeout_ms=100)
               for name in ("clf-a", "clf-b")}
    threads = [threading.Thread(target=w.run, name=name, daemon=True) for name, w in workers.items()]
    for thread in threads:
        thread.start()
    try:
        def settled() -> bool:
            owned = [set(w.status()["assignment"]) for w in workers.values()]
            everything = {f"{bus_settings.topic_raw}[{p}]" for p in range(bus_settings.topic_partitions)}
            return all(owned) and not (owned[0] & owned[1]) and owned[0] | owned[1] == everything

        wait_for(settled, timeout=25, what="the two workers to split the partitions")
        mentions = make_mentions(200)
        with BusProducer(bus_settings) as producer:
            for m in mentions:
                producer.send(bus_settings.topic_raw, m.id, encoded(m))
        wait_for(lambda: sum(w.stats.processed for w in workers.values()) >= len(mentions), timeout=25,
                 what="the group to classify every mention")
    finally:
        for w in workers.values():
            w.stop()
        for thread in threads:
            thread.join(30)
    assert not any(thread.is_alive() for thread in threads)

    out = Counter(r.key.decode() for r in read_topic(bus_settings, bus_settings.topic_classified))
    assert out == Counter(m.id for m in mentions)  # nothing lost, nothing twice
    assert all(w.stats.processed > 0 for w in workers.values()), {n: w.stats.processed for n, w in workers.items()}
    assert sum(row.lag for row in consumer_lag(bus_settings, [group_id])) == 0


# --- the command ------------------------------------------------------------------------------------------------


def test_help_is_in_vietnamese_and_the_default_group_is_the_classifier_group(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "crisiswatch", "classifier", "--help"], capture_output=True,
                            env={**os.environ, "COLUMNS": "200"}, timeout=60)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    assert "Phân loại liên tục" in text and "mentions.raw" in text
    for option in ("--group", "--artifact", "--base-dir", "--max-idle", "--worker-id"):
        assert option in text
    assert CLASSIFIER_GROUP in text


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CRISISWATCH_")},
           "CRISISWATCH_STATE_DIR": str(tmp_path / "state")}
    result = subprocess.run([sys.executable, "-m", "crisiswatch", "classifier", "--artifact", str(tmp_path / "none")],
                            capture_output=True, env=env, timeout=60)
    assert result.returncode == 2
    assert b"crisiswatch train" in result.stderr and b"Traceback" not in result.stderr


def test_the_command_classifies_until_sigterm_then_commits_and_stops(
    bus_settings: Settings, tiny_artifact, tiny_base_dir: Path, group_id: str
) -> None:
    mentions = make_mentions(10)
    with BusProducer(bus_settings) as producer:
        for m in mentions:
            producer.send(bus_settings.topic_raw, m.id, encoded(m))
        producer.send(bus_settings.topic_raw, "poison", b"not json at all")
    artifact_dir, _ = tiny_artifact
    proc = subprocess.Popen(
        [sys.executable, "-m", "crisiswatch", "classifier", "--group", group_id, "--artifact", str(artifact_dir),
         "--base-dir", str(tiny_base_dir), "--worker-id", "cli-1", "--report-every", "0"],
        env=settings_env(bus_settings), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: sum(r.lag for r in consumer_lag(bus_settings, [group_id])) == 0
                 and consumer_lag(bus_settings, [group_id]), timeout=40, interval=0.3,
                 what="the command to classify and commit everything")
        statuses = read_statuses(bus_settings, "classifier")
        assert [s["worker_id"] for s in statuses] == ["cli-1"] and statuses[0]["pid"] == proc.pid
        assert statuses[0]["model_version"] and statuses[0]["group_id"] == group_id
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.decode()
    text = out.decode()
    assert "Mô hình" in text and "đã phân loại" in text and "Bộ phân loại đã dừng" in text
    assert sorted(r.key.decode() for r in read_topic(bus_settings, bus_settings.topic_classified)) == sorted(
        m.id for m in mentions)
    [letter] = map(parse_dead_letter, read_topic(bus_settings, bus_settings.topic_dlq))
    assert letter.source_key == b"poison" and letter.error_class == "classifier.worker.InvalidJson"
    assert read_statuses(bus_settings, "classifier") == []  # a clean stop removes its status file


def test_build_worker_reads_its_batching_from_the_settings(bus_settings: Settings) -> None:
    settings = bus_settings.model_copy(update={"classifier_batch_size": 7, "classifier_batch_linger_ms": 250})
    worker = build_worker(settings, ClassifierStage())
    assert isinstance(worker, Worker) and worker.group_id == CLASSIFIER_GROUP
    assert (worker.batch_size, worker.batch_linger_ms) == (7, 250)
    assert (worker.in_topic, worker.out_topic, worker.dlq_topic) == (
        settings.topic_raw, settings.topic_classified, settings.topic_dlq)
