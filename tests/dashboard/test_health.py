"""The health page without a broker (clear message, no 500) and with the real embedded broker (lag, DLQ)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

from fastapi.testclient import TestClient
from kafka import KafkaConsumer, KafkaProducer
from kafka.structs import OffsetAndMetadata, TopicPartition

from common.bus.dlq import dead_letter_headers
from common.bus.status import write_status
from common.settings import Settings
from dashboard.app import create_app
from tests.dashboard.conftest import login


def _crawl_health(settings: Settings) -> None:
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    (settings.state_dir / "crawl-health.json").write_text(json.dumps([
        {"source": "news", "interval_s": 600, "runs": 3, "failures": 1, "last_start": "2026-03-02T01:00:00+00:00",
         "last_success": "2026-03-02T01:00:05+00:00", "last_error": "<b>HTTP 503</b> từ vnexpress.net",
         "last_items": 12, "total_items": 40, "last_dropped": 0}]), encoding="utf-8")


def test_health_without_a_broker_says_so(settings: Settings, client_for) -> None:
    _crawl_health(settings)
    write_status(settings, "classifier", {"worker_id": "host-123", "pid": 123, "processed": 987, "dead_lettered": 2,
                                          "rate": 41.5, "updated_at": datetime.now(UTC).isoformat()})
    response = client_for("viewer").get("/health")
    assert response.status_code == 200
    assert 'id="kafka-down"' in response.text and "Không kết nối được Kafka" in response.text
    assert settings.bootstrap_servers in response.text
    assert "Báo chí" in response.text and "08:00 02/03/2026" in response.text  # last success in Vietnam time
    assert "&lt;b&gt;HTTP 503&lt;/b&gt;" in response.text
    assert "host-123" in response.text and "987" in response.text and "41.5" in response.text


def test_health_with_the_broker_shows_lag_and_the_dlq(bus_settings: Settings, engine, users, db_url) -> None:
    settings = bus_settings.model_copy(update={"database_url": Settings(database_url=db_url).database_url})
    servers = settings.kafka_client_config()["bootstrap_servers"]
    original = SimpleNamespace(topic=settings.topic_raw, partition=2, offset=17, key=b"k", timestamp=1_700_000_000_000,
                               headers=[])
    headers = dead_letter_headers(original, reason="handler_error", error=ValueError("JSON <hỏng> ở dòng 1"),
                                  attempts=3, group_id="classifier", worker_id="w-1")
    producer = KafkaProducer(bootstrap_servers=servers)
    producer.send(settings.topic_dlq, value=b"<script>x</script>\xff\x00 payload", key=b"k", headers=headers,
                  partition=0)
    producer.send(settings.topic_raw, value=b"{}", partition=0)
    producer.flush()
    producer.close()
    group = f"dash-{settings.topic_raw}"
    consumer = KafkaConsumer(bootstrap_servers=servers, group_id=group, enable_auto_commit=False)
    consumer.commit({TopicPartition(settings.topic_raw, 0): OffsetAndMetadata(0, "", -1)})
    consumer.close(autocommit=False)

    with TestClient(create_app(settings, engine=engine), base_url="http://127.0.0.1") as client:
        html = login(client, "viewer1").get("/health").text
    assert 'id="kafka-down"' not in html and "Kafka đang hoạt động" in html
    assert f"{settings.topic_dlq}: 1 bản ghi" in html
    assert "builtins.ValueError" in html and "JSON &lt;hỏng&gt; ở dòng 1" in html
    assert f"{settings.topic_raw}[2]@17" in html and "handler_error" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
    assert group in html  # the consumer group's lag row
