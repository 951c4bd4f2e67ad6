"""`AlertingService` on a real store (SQLite file and PostgreSQL): rules → alerts → playbooks → recovery."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from alerting.playbook import load_playbooks
from alerting.service import AlertingService, share_after
from alerting.store.alerts import AlertStore, Outcome
from alerting.store.audit import AuditLog
from alerting.store.database import create_engine_for
from alerting.store.playbooks import PlaybookStore
from common.claims import load_registry
from common.schema import Sentiment, Topic

from .factory import T0, mention, rule
from .store.conftest import db_url, engine, pg_url, sqlite_template  # noqa: F401  (fixtures)

CLAIM = "cam-rut-bhxh-mot-lan"


def rumor_rule():
    return rule("rumor", type="known_claim", playbook="rumor", realert="12h", resolve_after="1h",
                params={"window": "2h", "min_count": 3, "stances": ["spreads", "questions"]})


def wave(start: float = 0, count: int = 6, *, negative: int | None = None) -> list:
    """`count` posts spreading the claim, one every 5 minutes from `start`; the first `negative` are negative."""
    negative = count if negative is None else negative
    return [mention(f"nghe nói sắp cấm rút bhxh một lần, bài {start}-{i}", minutes=start + 5 * i,
                    topic=Topic.one_time_withdrawal, misinformation=True, claims=(CLAIM,),
                    sentiment=Sentiment.negative if i < negative else Sentiment.neutral)
            for i in range(count)]


def service_for(engine, actor: str = "alerting-a", rules=None) -> AlertingService:
    return AlertingService(rules or [rumor_rule()], AlertStore(engine, channels=("email",)), PlaybookStore(engine),
                           playbooks=load_playbooks(), claims=load_registry(),
                           dashboard_base_url="https://canhbao.bhxh.example", actor=actor)


def test_a_rumor_wave_opens_one_alert_and_starts_the_rumor_playbook(engine) -> None:
    service = service_for(engine)
    applied = service.process(wave(), now=T0 + timedelta(minutes=30))
    opened = [a for a in applied if a.outcome is Outcome.opened]
    assert len(opened) == 1 and opened[0].alert.key == CLAIM
    alert = service.alerts.get_alert(opened[0].alert.id)
    [run] = alert.runs
    assert run.playbook == "rumor" and run.negative_share_before == pytest.approx(1.0)
    keys = [step.step_key for step in run.steps]
    assert keys[0] == "verify" and keys[-1] == "recovery"
    # the response templates carry the registry's approved rebuttal and the alert's link
    rebuttal = load_registry().get(CLAIM).rebuttal
    assert any(rebuttal[:40] in step.rendered_text for step in run.steps)
    assert any(f"https://canhbao.bhxh.example/alerts/{alert.id}" in step.rendered_text for step in run.steps)
    assert all(step.due_at is not None and step.due_at > run.started_at for step in run.steps)
    assert [n.kind for n in service.alerts.list_notifications(alert_id=alert.id)] == ["opened"]
    assert service.stats.opened == 1 and service.stats.playbooks_started == 1


def test_two_replicas_fed_the_same_stream_alert_once(engine) -> None:
    first, second = service_for(engine, "alerting-a"), service_for(engine, "alerting-b")
    mentions = wave(count=8)
    for m in mentions:  # interleaved, as two live processes would be
        first.process([m], now=m.created_at)
        second.process([m], now=m.created_at)
    alerts = first.alerts.list_alerts(status=["open", "acknowledged", "resolved"])
    assert len(alerts) == 1
    detail = first.alerts.get_alert(alerts[0].id)
    assert len(detail.runs) == 1
    assert [n.kind for n in first.alerts.list_notifications(alert_id=detail.id)] == ["opened"]
    assert second.stats.duplicates >= 1 and second.stats.opened + first.stats.opened == 1


def test_the_episode_end_records_recovery_and_completes_the_recovery_step(engine) -> None:
    service = service_for(engine)
    service.process(wave(count=4), now=T0 + timedelta(minutes=20))  # 4 negative: share before = 1.0
    service.process(wave(start=20, count=8, negative=2), now=T0 + timedelta(minutes=60))  # after: 2 of 8
    ended = service.tick(T0 + timedelta(hours=4))  # quiet for longer than resolve_after
    assert [a.outcome for a in ended] == [Outcome.resolved]
    alert = service.alerts.get_alert(ended[0].alert.id)
    [run] = alert.runs
    assert run.negative_share_before == pytest.approx(1.0)
    assert run.negative_share_after is not None and run.negative_share_after < 0.5
    assert service.stats.recoveries == 1


def test_share_after_counts_only_mentions_after_the_start() -> None:
    assert share_after(1.0, 4, 0.5, 12) == pytest.approx(2 / 8)
    assert share_after(0.5, 10, 0.5, 10) == 0.5  # nothing new: the last share
    assert 0.0 <= share_after(0.9, 10, 0.1, 11) <= 1.0  # rounding in the inputs never leaves [0, 1]


def test_overdue_steps_are_escalated_once(engine) -> None:
    service = service_for(engine)
    service.process(wave(), now=T0 + timedelta(minutes=30))
    later = T0 + timedelta(days=3)
    first = service.escalate(later)
    assert first > 0 and service.escalate(later) == 0
    escalations = [e for e in AuditLog(engine).entries() if e.action.startswith("step.escalated")]
    assert len(escalations) == first


def test_a_locked_database_delays_alerts_but_loses_none(tmp_path: Path, sqlite_template: Path) -> None:  # noqa: F811
    path = tmp_path / "store.db"
    shutil.copyfile(sqlite_template, path)
    engine = create_engine_for(f"sqlite:///{path}", busy_timeout_s=0.2)
    service = service_for(engine)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        with pytest.raises(OperationalError):
            service.process(wave(), now=T0 + timedelta(minutes=30))
        assert service.pending >= 1  # the engine emitted the opening; it waits for the store
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    # the batch is handed in again (at-least-once): no double counting, the queued update is applied
    applied = service.process(wave(), now=T0 + timedelta(minutes=31))
    assert service.pending == 0
    assert [a.outcome for a in applied].count(Outcome.opened) == 1
    assert len(service.alerts.list_alerts()) == 1
    engine.dispose()
