from __future__ import annotations

import multiprocessing
import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from alerting.episodes import EpisodeUpdate
from alerting.store.alerts import AlertStore, Outcome, backoff_delay, update_digest
from alerting.store.errors import InvalidTransitionError, LeaseLostError, NotFoundError, ValidationError
from alerting.store.models import Alert, AlertUpdate, Notification

from ._replica import apply_stream
from .conftest import T0, episode_update

NOW = T0 + timedelta(minutes=1)


def _kinds(store: AlertStore, alert_id: int | None = None) -> list[str]:
    return [row.kind for row in reversed(store.list_notifications(alert_id=alert_id))]


def test_an_episode_opens_grows_escalates_and_resolves(alerts: AlertStore) -> None:
    opened = alerts.apply(episode_update("opened", score=45, count=10), now=NOW)
    assert opened.outcome == Outcome.opened and opened.alert is not None
    alert_id = opened.alert.id
    assert opened.alert.status == "open" and opened.alert.severity == "medium"
    assert [n.kind for n in opened.notifications] == ["opened"]
    assert opened.notifications[0].payload["title"].startswith("Tin đồn")
    assert opened.notifications[0].channel == "email"

    grown = alerts.apply(episode_update("updated", minutes=5, score=50, count=20), now=NOW)
    assert (grown.outcome, grown.alert.id, grown.notifications) == (Outcome.updated, alert_id, ())
    assert grown.alert.facts["count"] == 20

    escalated = alerts.apply(episode_update("updated", minutes=10, score=70, count=40), now=NOW)
    assert escalated.outcome == Outcome.escalated and escalated.alert.severity == "high"
    assert [n.kind for n in escalated.notifications] == ["escalated"]

    calmer = alerts.apply(episode_update("updated", minutes=15, score=50, count=45), now=NOW)
    assert calmer.outcome == Outcome.updated and calmer.notifications == ()
    back_up = alerts.apply(episode_update("updated", minutes=16, score=75, count=50), now=NOW)
    assert back_up.outcome == Outcome.escalated and back_up.notifications == ()  # people already know "high"

    resolved = alerts.apply(episode_update("resolved", minutes=60, score=75, count=50), now=NOW)
    assert resolved.outcome == Outcome.resolved and resolved.alert.status == "resolved"
    assert resolved.alert.resolved_at == NOW and [n.kind for n in resolved.notifications] == ["resolved"]

    detail = alerts.get_alert(alert_id)
    assert [u.count for u in detail.updates] == [10, 20, 40, 45, 50, 50]
    assert [u.outcome for u in detail.updates] == ["opened", "updated", "escalated", "updated", "escalated",
                                                   "resolved"]
    assert _kinds(alerts, alert_id) == ["opened", "escalated", "resolved"]


def test_an_ongoing_episode_the_store_never_saw_opens_after_a_restart(alerts: AlertStore) -> None:
    """A restarted engine (warmed up without writing) reports an episode that began while it was down as
    `updated`: it must open, not be dropped as stale — unless the latest alert of the key covered it."""
    old = alerts.apply(episode_update("opened"), now=NOW).alert
    alerts.apply(episode_update("resolved", minutes=30), now=NOW)
    covered = episode_update("updated", minutes=40)  # first_seen = T0: the resolved alert covered this episode
    assert alerts.apply(covered, now=NOW).outcome == Outcome.stale
    new_episode = episode_update("updated", minutes=300, count=12)
    new_episode = new_episode.model_copy(update={"facts": new_episode.facts.model_copy(
        update={"first_seen": T0 + timedelta(minutes=240)})})
    applied = alerts.apply(new_episode, now=NOW)
    assert applied.outcome == Outcome.opened and applied.alert.id != old.id
    assert [n.kind for n in applied.notifications] == ["opened"]


def test_equal_updates_are_duplicates_and_older_ones_are_stale(alerts: AlertStore) -> None:
    first = episode_update("opened")
    alerts.apply(first, now=NOW)
    assert alerts.apply(first, now=NOW).outcome == Outcome.duplicate
    assert alerts.apply(EpisodeUpdate.model_validate_json(first.model_dump_json()), now=NOW).outcome \
        == Outcome.duplicate
    alerts.apply(episode_update("updated", minutes=10, count=30), now=NOW)
    older = alerts.apply(episode_update("updated", minutes=5, count=20), now=NOW)
    assert older.outcome == Outcome.stale and older.alert.facts["count"] == 30
    assert [u.count for u in alerts.get_alert(older.alert.id).updates] == [10, 30]
    assert _kinds(alerts) == ["opened"]


def test_recovery_then_a_new_episode_opens_a_new_alert(alerts: AlertStore) -> None:
    first = alerts.apply(episode_update("opened"), now=NOW).alert
    alerts.apply(episode_update("resolved", minutes=30), now=NOW)
    # A lagging replica's update of the closed episode, and a resolution of an episode never seen, change nothing.
    assert alerts.apply(episode_update("updated", minutes=31, count=99), now=NOW).outcome == Outcome.stale
    never_seen = alerts.apply(episode_update("resolved", key="pension"), now=NOW)
    assert (never_seen.outcome, never_seen.alert) == (Outcome.stale, None)
    second = alerts.apply(episode_update("opened", minutes=120, count=5), now=NOW)
    assert second.outcome == Outcome.opened and second.alert.id != first.id
    assert [a.id for a in alerts.list_alerts(rule="rumor_withdrawal_ban")] == [second.alert.id, first.id]


def test_an_update_for_an_episode_the_store_never_saw_opens_it(alerts: AlertStore) -> None:
    applied = alerts.apply(episode_update("updated", key="pension", score=85), now=NOW)
    assert applied.outcome == Outcome.opened and applied.alert.severity == "critical"
    assert [n.kind for n in applied.notifications] == ["opened"]


def test_acknowledge_and_manual_resolution(alerts: AlertStore, playbooks) -> None:
    alert = alerts.apply(episode_update("opened"), now=NOW).alert
    acked = alerts.acknowledge(alert.id, "lan.nguyen", "Đang xử lý", now=NOW)
    assert (acked.status, acked.acknowledged_by, acked.acknowledged_at) == ("acknowledged", "lan.nguyen", NOW)
    with pytest.raises(InvalidTransitionError, match="chỉ cảnh báo đang mở"):
        alerts.acknowledge(alert.id, "lan.nguyen")
    # Still acknowledged after it grows (a new severity level notifies again).
    grown = alerts.apply(episode_update("updated", minutes=5, score=90), now=NOW)
    assert grown.alert.status == "acknowledged" and [n.kind for n in grown.notifications] == ["escalated"]

    resolved = alerts.resolve_manually(alert.id, "lan.nguyen", "Tin đồn đã được cải chính", now=NOW)
    assert (resolved.status, resolved.resolved_by) == ("resolved", "lan.nguyen")
    assert _kinds(alerts, alert.id) == ["opened", "escalated", "resolved"]
    with pytest.raises(InvalidTransitionError, match=r"đã được đóng lúc 15:01 02/03/2026 \(giờ Việt Nam\) bởi lan"):
        alerts.resolve_manually(alert.id, "lan.nguyen")
    # The engine keeps reporting the episode it still sees: ignored, the alert stays closed.
    assert alerts.apply(episode_update("updated", minutes=10, score=90), now=NOW).outcome == Outcome.stale
    with pytest.raises(NotFoundError, match="#999"):
        alerts.acknowledge(999, "lan.nguyen")


def test_list_alerts_filters(alerts: AlertStore) -> None:
    alerts.apply(episode_update("opened", key="a", score=30), now=NOW)
    alerts.apply(episode_update("opened", key="b", score=65), now=NOW + timedelta(minutes=1))
    alerts.apply(episode_update("opened", rule="vssid_outage", key="", score=90), now=NOW + timedelta(minutes=2))
    alerts.apply(episode_update("resolved", key="b", score=65, minutes=5), now=NOW + timedelta(minutes=3))
    assert [a.key for a in alerts.list_alerts()] == ["b", "", "a"]
    assert [a.key for a in alerts.list_alerts(status="open")] == ["", "a"]
    assert [a.rule for a in alerts.list_alerts(min_severity="high")] == ["rumor_withdrawal_ban", "vssid_outage"]
    assert [a.key for a in alerts.list_alerts(rule="rumor_withdrawal_ban", limit=1)] == ["b"]
    assert [a.key for a in alerts.list_alerts(since=NOW + timedelta(minutes=2))] == ["b", ""]
    with pytest.raises(ValidationError, match="trạng thái"):
        alerts.list_alerts(status="closed")
    with pytest.raises(ValidationError, match="mức độ"):
        alerts.list_alerts(min_severity="urgent")


def test_a_snoozed_episode_is_recorded_silently_then_notifies_when_the_snooze_ends(alerts: AlertStore) -> None:
    snooze = alerts.snooze("rumor_withdrawal_ban", until=NOW + timedelta(hours=1), reason="Đã biết, đang xử lý",
                           by="lan.nguyen", now=NOW)
    opened = alerts.apply(episode_update("opened"), now=NOW)
    assert (opened.outcome, opened.transition, opened.notifications) == (Outcome.suppressed_snoozed,
                                                                          Outcome.opened, ())
    assert opened.alert.status == "open"
    muted = alerts.apply(episode_update("updated", minutes=5, score=85), now=NOW + timedelta(minutes=30))
    assert (muted.outcome, muted.transition) == (Outcome.suppressed_snoozed, Outcome.escalated)
    assert [s.id for s in alerts.active_snoozes(now=NOW)] == [snooze.id]
    assert alerts.active_snoozes(now=NOW + timedelta(hours=1)) == []
    # Another rule is not muted.
    other = alerts.apply(episode_update("opened", rule="vssid_outage", key=""), now=NOW)
    assert other.outcome == Outcome.opened and len(other.notifications) == 1

    later = alerts.apply(episode_update("updated", minutes=70, score=85), now=NOW + timedelta(minutes=61))
    assert later.outcome == Outcome.updated
    assert [n.kind for n in later.notifications] == ["opened"]  # nobody was told yet: announced as a new alert
    assert later.notifications[0].payload["severity"] == "critical"
    assert [u.outcome for u in alerts.get_alert(opened.alert.id).updates] == [
        "suppressed_snoozed", "suppressed_snoozed", "updated"]


def test_snoozing_one_key_and_ending_a_snooze_early(alerts: AlertStore) -> None:
    snooze = alerts.snooze("rumor_withdrawal_ban", key="a", until=NOW + timedelta(hours=2), reason="trùng",
                           by="lan.nguyen", now=NOW)
    assert alerts.apply(episode_update("opened", key="a"), now=NOW).outcome == Outcome.suppressed_snoozed
    assert alerts.apply(episode_update("opened", key="b"), now=NOW).outcome == Outcome.opened
    ended = alerts.unsnooze(snooze.id, by="lan.nguyen", now=NOW + timedelta(minutes=5))
    assert ended.ended_by == "lan.nguyen"
    with pytest.raises(InvalidTransitionError, match="hết hiệu lực"):
        alerts.unsnooze(snooze.id, by="lan.nguyen", now=NOW + timedelta(minutes=6))
    resumed = alerts.apply(episode_update("updated", key="a", minutes=10), now=NOW + timedelta(minutes=6))
    assert [n.kind for n in resumed.notifications] == ["opened"]
    with pytest.raises(ValidationError, match="phải ở sau hiện tại"):
        alerts.snooze("x", until=NOW, reason="r", by="u", now=NOW)


def test_maintenance_windows_mute_matching_rules(alerts: AlertStore) -> None:
    alerts.add_maintenance_window(starts_at=NOW, ends_at=NOW + timedelta(hours=2), rule_pattern="vssid_*",
                                  reason="Nâng cấp VssID đêm nay", by="admin", now=NOW)
    muted = alerts.apply(episode_update("opened", rule="vssid_outage", key=""), now=NOW + timedelta(minutes=1))
    assert muted.outcome == Outcome.suppressed_maintenance and muted.notifications == ()
    loud = alerts.apply(episode_update("opened"), now=NOW + timedelta(minutes=1))
    assert loud.outcome == Outcome.opened
    # The outage outlives the window: it is announced with its first update after the window.
    after = alerts.apply(episode_update("updated", rule="vssid_outage", key="", minutes=150),
                         now=NOW + timedelta(hours=2))
    assert [n.kind for n in after.notifications] == ["opened"]
    assert len(alerts.list_maintenance_windows(active_at=NOW + timedelta(hours=1))) == 1
    assert alerts.list_maintenance_windows(active_at=NOW + timedelta(hours=3)) == []
    with pytest.raises(ValidationError, match="kết thúc"):
        alerts.add_maintenance_window(starts_at=NOW, ends_at=NOW, rule_pattern="*", reason="r", by="admin")


def test_an_alert_resolved_while_muted_before_anyone_heard_of_it_sends_nothing(alerts: AlertStore) -> None:
    alerts.snooze("rumor_withdrawal_ban", until=NOW + timedelta(days=1), reason="r", by="u", now=NOW)
    alerts.apply(episode_update("opened"), now=NOW)
    alerts.apply(episode_update("resolved", minutes=30), now=NOW)
    assert alerts.list_notifications() == []


# --- the outbox ------------------------------------------------------------------------------------------------
def test_claim_lease_and_sent(alerts: AlertStore) -> None:
    alerts.apply(episode_update("opened", key="a"), now=NOW)
    alerts.apply(episode_update("opened", key="b"), now=NOW)
    first = alerts.claim_notifications("notifier-1", limit=1, lease=timedelta(minutes=2), now=NOW)
    assert len(first) == 1 and first[0].status == "sending" and first[0].attempts == 1
    assert first[0].claimed_by == "notifier-1" and first[0].claimed_until == NOW + timedelta(minutes=2)
    second = alerts.claim_notifications("notifier-2", limit=10, now=NOW)
    assert [n.id for n in second] != [first[0].id] and len(second) == 1
    assert alerts.claim_notifications("notifier-3", now=NOW) == []

    sent = alerts.mark_sent(first[0].id, "notifier-1", now=NOW)
    assert sent.status == "sent" and sent.sent_at == NOW
    # notifier-2 dies; its lease expires and notifier-3 takes the row over.
    retaken = alerts.claim_notifications("notifier-3", now=NOW + timedelta(minutes=3))
    assert [n.id for n in retaken] == [second[0].id] and retaken[0].attempts == 2
    with pytest.raises(LeaseLostError, match="notifier-3"):
        alerts.mark_sent(second[0].id, "notifier-2", now=NOW + timedelta(minutes=3))
    assert alerts.mark_sent(second[0].id, "notifier-3").status == "sent"
    assert alerts.claim_notifications("notifier-3", now=NOW + timedelta(hours=5)) == []


def test_failed_sends_back_off_then_give_up_visibly(alerts: AlertStore) -> None:
    alerts.apply(episode_update("opened"), now=NOW)
    [row] = alerts.claim_notifications("n1", now=NOW)
    failed = alerts.mark_failed(row.id, "n1", "SMTP 451: thử lại sau", now=NOW)
    assert failed.status == "pending" and failed.last_error == "SMTP 451: thử lại sau"
    delay = failed.next_attempt_at - NOW
    assert timedelta(seconds=24) <= delay <= timedelta(seconds=30)  # base 30 s, up to 20 % earlier (jitter)
    assert alerts.claim_notifications("n1", now=NOW + timedelta(seconds=20)) == []
    [row] = alerts.claim_notifications("n1", now=failed.next_attempt_at)
    assert row.attempts == 2
    explicit = alerts.mark_failed(row.id, "n1", "429", retry_at=NOW + timedelta(minutes=10), now=NOW)
    assert explicit.next_attempt_at == NOW + timedelta(minutes=10)
    [row] = alerts.claim_notifications("n1", now=NOW + timedelta(minutes=10))
    gave_up = alerts.mark_failed(row.id, "n1", "webhook 500", now=NOW + timedelta(minutes=10))
    assert (gave_up.status, gave_up.attempts) == ("failed", 3)  # max_attempts=3 in the fixture
    assert alerts.claim_notifications("n1", now=NOW + timedelta(days=1)) == []
    assert [n.id for n in alerts.list_notifications(status="failed")] == [row.id]

    requeued = alerts.requeue_notification(row.id, by="admin", now=NOW + timedelta(days=1))
    assert (requeued.status, requeued.attempts) == ("pending", 0)
    assert len(alerts.claim_notifications("n1", now=NOW + timedelta(days=1))) == 1
    with pytest.raises(InvalidTransitionError, match="đã thất bại"):
        alerts.requeue_notification(row.id, by="admin")


def test_a_permanent_failure_gives_up_at_once(alerts: AlertStore) -> None:
    alerts.apply(episode_update("opened"), now=NOW)
    [row] = alerts.claim_notifications("n1", now=NOW)
    failed = alerts.mark_failed(row.id, "n1", "Zalo -213: người nhận chưa quan tâm OA", permanent=True, now=NOW)
    assert (failed.status, failed.attempts) == ("failed", 1)
    with pytest.raises(LeaseLostError):
        alerts.mark_sent(row.id, "n1")


def test_a_worker_that_keeps_dying_exhausts_the_attempts(alerts: AlertStore) -> None:
    alerts.apply(episode_update("opened"), now=NOW)
    at = NOW
    for _ in range(3):
        assert len(alerts.claim_notifications("crashy", lease=timedelta(minutes=1), now=at)) == 1
        at += timedelta(minutes=2)
    assert alerts.claim_notifications("crashy", now=at) == []
    [row] = alerts.list_notifications(status="failed")
    assert "Hết số lần gửi" in row.last_error


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(7)
    base = timedelta(seconds=10)
    delays = [backoff_delay(n, base=base, cap=timedelta(minutes=5), jitter=0, rng=rng) for n in range(1, 8)]
    assert [d.total_seconds() for d in delays] == [10, 20, 40, 80, 160, 300, 300]
    jittered = {backoff_delay(3, base=base, jitter=0.25, rng=rng).total_seconds() for _ in range(50)}
    assert len(jittered) > 1 and all(30 <= value <= 40 for value in jittered)
    assert backoff_delay(10_000).total_seconds() <= 3600
    with pytest.raises(ValidationError):
        backoff_delay(0)


def test_digest_rules_aggregate_per_window_without_dropping_anything(engine: Engine) -> None:
    store = AlertStore(engine, channels=("email",), digest_window=timedelta(hours=1))
    window_end = NOW.replace(minute=0) + timedelta(hours=1)
    results = [store.apply(episode_update("opened", key=key), now=NOW, notify="digest") for key in "abc"]
    results.append(store.apply(episode_update("updated", key="a", minutes=5, score=85), now=NOW, notify="digest"))
    ids = {n.id for r in results for n in r.notifications}
    assert len(ids) == 1
    [digest] = store.list_notifications()
    assert digest.kind == "digest" and digest.alert_id is None and digest.next_attempt_at == window_end
    assert [(item["key"], item["kind"]) for item in digest.payload["items"]] == [
        ("a", "opened"), ("b", "opened"), ("c", "opened"), ("a", "escalated")]
    assert store.claim_notifications("n", now=NOW + timedelta(minutes=30)) == []  # not before the window ends

    [claimed] = store.claim_notifications("n", now=window_end)
    # While it is being sent, new items go to the next window's digest.
    late = store.apply(episode_update("resolved", key="b", minutes=10), now=window_end - timedelta(seconds=1),
                       notify="digest")
    [next_digest] = late.notifications
    assert next_digest.id != claimed.id and next_digest.next_attempt_at == window_end + timedelta(hours=1)
    assert [item["kind"] for item in next_digest.payload["items"]] == ["resolved"]


# --- two replicas side by side --------------------------------------------------------------------------------
KEYS = "abcdefgh"


def _stream() -> list[EpisodeUpdate]:
    """Per key: opened (low), escalated (medium), 10 plain updates, escalated (critical), resolved; then a second
    episode of key "a" (opened + one update)."""
    updates = []
    for key in KEYS:
        updates += [episode_update("opened", key=key, score=30, count=1),
                    episode_update("updated", key=key, minutes=1, score=45, count=5)]
        updates += [episode_update("updated", key=key, minutes=2 + step / 10, score=50, count=6 + step)
                    for step in range(10)]
        updates += [episode_update("updated", key=key, minutes=3, score=85, count=30),
                    episode_update("resolved", key=key, minutes=30, score=85, count=30)]
    updates += [episode_update("opened", key="a", minutes=60, score=65, count=3),
                episode_update("updated", key="a", minutes=61, score=66, count=4)]
    return sorted(updates, key=lambda u: (u.at, u.key))


def _assert_applied_once(engine: Engine, outcomes: list[list[str]]) -> None:
    k = len(KEYS)
    applied = Counter(o for run in outcomes for o in run if o not in ("duplicate", "stale"))
    assert applied == {"opened": k + 1, "updated": 10 * k + 1, "escalated": 2 * k, "resolved": k}
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Alert)) == k + 1
        assert connection.scalar(select(func.count()).select_from(AlertUpdate)) == len(_stream())
        kinds = Counter(connection.scalars(select(Notification.kind)))
    assert kinds == {"opened": k + 1, "escalated": 2 * k, "resolved": k}


def test_two_processes_applying_the_same_stream_never_double_alert(db_url: str, engine: Engine) -> None:
    payloads = [update.model_dump_json() for update in _stream()]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    replicas = [context.Process(target=apply_stream, args=(db_url, payloads, NOW, barrier, results))
                for _ in range(2)]
    for replica in replicas:
        replica.start()
    outcomes = [results.get(timeout=120) for _ in replicas]
    for replica in replicas:
        replica.join(timeout=30)
        assert replica.exitcode == 0
    assert all(len(run) == len(payloads) for run in outcomes)
    _assert_applied_once(engine, outcomes)


def test_threads_applying_the_same_stream_never_double_alert(engine: Engine) -> None:
    store = AlertStore(engine, channels=("email",))
    stream, barrier, outcomes = _stream(), threading.Barrier(3), []
    lock = threading.Lock()

    def replica() -> None:
        barrier.wait(timeout=30)
        run = [store.apply(update, now=NOW).outcome.value for update in stream]
        with lock:
            outcomes.append(run)

    threads = [threading.Thread(target=replica) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == 3
    _assert_applied_once(engine, outcomes)


def test_update_digest_identifies_equal_updates() -> None:
    one, same, other = episode_update(), episode_update(), episode_update(count=11)
    assert update_digest(one) == update_digest(same) != update_digest(other)
