"""Topic admin and the consumer-lag view (correct on Tansu, whose ListOffsets is off for batched topics)."""

from __future__ import annotations

from kafka import KafkaConsumer
from kafka.structs import OffsetAndMetadata, TopicPartition

from common.bus import BusProducer, LagRow, consumer_lag, end_offsets, ensure_topics, list_topics, topic_offsets
from common.settings import Settings


def test_ensure_topics_is_idempotent(bus_settings: Settings) -> None:
    extra = f"{bus_settings.topic_raw}.extra"
    assert ensure_topics(bus_settings) == []  # the fixture created the bus topics already
    assert ensure_topics(bus_settings, [extra], partitions=2) == [extra]
    assert ensure_topics(bus_settings, [extra], partitions=2) == []
    topics = list_topics(bus_settings)
    assert topics[extra] == 2
    assert topics[bus_settings.topic_raw] == topics[bus_settings.topic_dlq] == bus_settings.topic_partitions


def test_consumer_lag_counts_records_not_batches(bus_settings: Settings, group_id: str) -> None:
    topic = f"{bus_settings.topic_raw}.lag"
    ensure_topics(bus_settings, [topic], partitions=2)
    with BusProducer(bus_settings, linger_ms=100) as producer:  # 10 records of one key: one batch, one partition
        futures = [producer.send(topic, "same-key", b"m%d" % i) for i in range(10)]
    busy = futures[0].get(5).partition
    idle = 1 - busy
    tps = {busy: TopicPartition(topic, busy), idle: TopicPartition(topic, idle)}
    assert end_offsets(bus_settings, tps.values()) == {tps[busy]: 10, tps[idle]: 0}
    assert topic_offsets(bus_settings, [topic]) == {topic: {busy: 10, idle: 0}}
    assert topic_offsets(bus_settings)[topic] == {busy: 10, idle: 0}

    committer = KafkaConsumer(group_id=group_id, enable_auto_commit=False, **bus_settings.kafka_client_config())
    try:
        committer.assign(list(tps.values()))
        committer.commit({tps[busy]: OffsetAndMetadata(3, "", -1)})
    finally:
        committer.close(autocommit=False)

    assert sorted(consumer_lag(bus_settings, [group_id]), key=lambda row: row.partition != busy) == [
        LagRow(group_id, topic, busy, end_offset=10, committed=3, lag=7),
        LagRow(group_id, topic, idle, end_offset=0, committed=None, lag=0),
    ]
    assert group_id in {row.group for row in consumer_lag(bus_settings)}  # found through list_groups too
