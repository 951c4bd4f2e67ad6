"""`crisiswatch alerting` as real processes on the embedded broker and a real SQLite store."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from alerting.store.alerts import AlertStore
from alerting.store.audit import AuditLog
from alerting.store.database import create_engine_for, upgrade
from alerting.store.playbooks import PlaybookStore
from alerting.worker import AlertingStage, InvalidJson, SchemaViolation, parse_classified
from common.bus import BusProducer, consumer_lag, parse_dead_letter, read_topic
from common.bus.status import read_statuses
from common.settings import Settings
from common.schema import Sentiment, Topic
from tests.support import settings_env, wait_for

from .factory import mention

pytestmark = pytest.mark.integration
CLAIM = "cam-rut-bhxh-mot-lan"


def rumor(count: int = 6) -> list:
    return [mention(f"nghe nói sắp cấm rút bhxh một lần, chia sẻ gấp {i}", minutes=5 * i,
                    topic=Topic.one_time_withdrawal, misinformation=True, claims=(CLAIM,),
                    sentiment=Sentiment.negative) for i in range(count)]


@pytest.fixture
def settings(bus_settings: Settings, tmp_path: Path) -> Settings:
    url = f"sqlite:///{tmp_path / 'alerts.db'}"
    upgrade(url)
    return bus_settings.model_copy(update={"database_url": SecretStr(url)})


def produce(settings: Settings, values: list[tuple[str, bytes]]) -> None:
    with BusProducer(settings) as producer:
        for key, value in values:
            producer.send(settings.topic_classified, key, value)


def start(settings: Settings, replica: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "crisiswatch", "alerting", "--replica", replica,
                             "--from-beginning", "--no-warm-up", "--report-every", "0"],
                            env=settings_env(settings, alerting_tick_s="0.5"), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen[bytes]) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out.decode()
    return out.decode()


def test_parse_classified_refuses_what_is_not_a_classified_mention() -> None:
    m = rumor(1)[0]
    assert parse_classified(m.model_dump_json().encode()).id == m.id
    with pytest.raises(InvalidJson):
        parse_classified(b"{not json")
    with pytest.raises(SchemaViolation, match="labels"):
        parse_classified(m.model_dump_json(exclude={"labels"}).encode(), "t[0]@5")


def test_two_replicas_side_by_side_alert_once_and_dead_letter_bad_records(settings: Settings) -> None:
    mentions = rumor()
    produce(settings, [(m.id, m.model_dump_json().encode()) for m in mentions] + [("poison", b"{broken")])
    replicas = [start(settings, "a"), start(settings, "b")]
    engine = create_engine_for(settings.database_url.get_secret_value())
    alerts = AlertStore(engine)
    try:
        groups = ["crisiswatch-alerting-a", "crisiswatch-alerting-b"]
        wait_for(lambda: (rows := consumer_lag(settings, groups)) and len({r.group for r in rows}) == 2
                 and sum(r.lag for r in rows) == 0, timeout=60, interval=0.3,
                 what="both replicas to read and commit the whole stream")
        wait_for(lambda: len(read_statuses(settings, "alerting")) == 2, timeout=10, what="both status files")
        outputs = [stop(proc) for proc in replicas]
    finally:
        for proc in replicas:
            if proc.poll() is None:
                proc.kill()
    [alert] = alerts.list_alerts(status=["open", "acknowledged", "resolved"])
    assert alert.rule == "rumor-known-claim" and alert.key == CLAIM
    detail = alerts.get_alert(alert.id)
    assert len(detail.runs) == 1 and detail.runs[0].playbook == "rumor"
    # the mentions are from March: the replicas' clocks end the episode at once, each transition audited once
    transitions = [(e.action, e.actor) for e in AuditLog(engine).entries() if e.action.startswith("alert.")]
    assert [action for action, _ in transitions] == ["alert.opened", "alert.resolved"]
    assert {actor for _, actor in transitions} <= {"alerting-a", "alerting-b"}
    assert alerts.list_notifications() == []  # no channel configured: the dashboard is the only channel
    assert PlaybookStore(engine).get_run(detail.runs[0].id).steps
    # each replica read the poison record and dead-lettered it with the reason
    letters = [parse_dead_letter(r) for r in read_topic(settings, settings.topic_dlq)]
    assert [letter.error_class for letter in letters] == ["alerting.worker.InvalidJson"] * 2
    assert all("Bộ cảnh báo đã dừng" in out for out in outputs)
    assert read_statuses(settings, "alerting") == []  # clean stops remove their status files
    engine.dispose()
