"""`Notifier` on a real SQLite outbox and a real local SMTP server (aiosmtpd): what the duty officer receives, and
what the outbox says afterwards (sent, retried later, failed for good: never dropped, never sent twice)."""

from __future__ import annotations

import email
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import update as sql_update

from alerting.episodes import EpisodeUpdate, Severity, UpdateKind
from alerting.notifier import Notifier
from alerting.notify.mail import EmailChannel
from alerting.store.alerts import AlertStore
from alerting.store.audit import AuditLog
from alerting.store.database import create_engine_for, upgrade
from alerting.store.models import Notification
from tests.alerting.notify.samples import make_update
from tests.alerting.notify.test_mail import Recorder, free_port, smtp  # noqa: F401 - `smtp` is a fixture

DASHBOARD = "https://cw.bhxh.example"
T0 = datetime(2026, 3, 4, 2, 10, tzinfo=UTC)  # 09:10 in Hà Nội


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("outbox") / "store.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def db_path(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    shutil.copyfile(template, path)
    return path


@pytest.fixture
def store(db_path: Path) -> Iterator[AlertStore]:
    engine = create_engine_for(f"sqlite:///{db_path}")
    yield AlertStore(engine, channels=("email",), max_attempts=3)
    engine.dispose()


def email_channel(port: int) -> EmailChannel:
    return EmailChannel(host="127.0.0.1", port=port, security="none", sender="crisiswatch@bhxh.example",
                        recipients=("truc.ban@bhxh.example",), timeout_s=5)


def notifier(store: AlertStore, port: int, worker_id: str = "w1", **options) -> Notifier:
    return Notifier(store, {"email": email_channel(port)}, worker_id=worker_id, dashboard_base_url=DASHBOARD,
                    **options)


def opened(key: str = "one_time_withdrawal", *, score: float = 84.0, minutes: float = 0,
           title: str | None = None) -> EpisodeUpdate:
    return make_update(key=key, kind=UpdateKind.opened, at=T0 + timedelta(minutes=minutes), severity_score=score,
                       severity=Severity.from_score(score),
                       title=title or f"Tin đồn 'cấm rút BHXH một lần' lan nhanh [{key}]")


def received(recorder: Recorder) -> list[EmailMessage]:
    return [email.message_from_bytes(e.original_content, policy=policy.default) for e in recorder.envelopes]


def plain(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def test_an_opened_alert_is_mailed_in_vietnamese_and_marked_sent(store: AlertStore, smtp) -> None:  # noqa: F811
    recorder, port = smtp
    alert = store.apply(opened(), now=T0).alert
    sender = notifier(store, port)
    assert sender.run_once(now=T0 + timedelta(seconds=1)) == 1
    (message,) = received(recorder)
    assert message["Subject"] == ("[CrisisWatch][Nghiêm trọng] Cảnh báo mới: Tin đồn 'cấm rút BHXH một lần' lan "
                                  "nhanh [one_time_withdrawal]")
    assert message["X-Crisiswatch-Alert"] == str(alert.id)
    body = plain(message)
    assert f"Xem chi tiết và xử lý theo kịch bản: {DASHBOARD}/alerts/{alert.id}" in body
    assert "Lượt tiếp cận: 185.400" in body
    (row,) = store.list_notifications()
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at == T0 + timedelta(seconds=1)
    assert sender.stats.sent == 1
    assert [e.action for e in AuditLog(store.engine).entries(object_type="notification")] == ["notification.sent"]
    # Nothing left to send: a second round sends nothing again.
    assert sender.run_once(now=T0 + timedelta(minutes=5)) == 0
    assert len(recorder.envelopes) == 1


def test_escalation_and_recovery_are_mailed_too(store: AlertStore, smtp) -> None:  # noqa: F811
    recorder, port = smtp
    sender = notifier(store, port)
    store.apply(opened(score=45), now=T0)
    sender.run_once(now=T0)
    store.apply(opened(score=85, minutes=20).model_copy(update={"kind": UpdateKind.updated}), now=T0)
    sender.run_once(now=T0)
    store.apply(opened(score=30, minutes=90).model_copy(update={"kind": UpdateKind.resolved}), now=T0)
    sender.run_once(now=T0)
    subjects = [message["Subject"] for message in received(recorder)]
    assert [subject.split(":")[0] for subject in subjects] == [
        "[CrisisWatch][Trung bình] Cảnh báo mới", "[CrisisWatch][Nghiêm trọng] Cập nhật cảnh báo",
        "[CrisisWatch][Thấp] Đã hạ nhiệt"]
    assert {row.status for row in store.list_notifications()} == {"sent"}


def test_a_row_left_by_a_crashed_sender_is_sent_once_after_its_lease(store: AlertStore, smtp) -> None:  # noqa: F811
    recorder, port = smtp
    store.apply(opened(), now=T0)
    (claimed,) = store.claim_notifications("w-crashed", now=T0)  # claimed, then the process died before sending
    sender = notifier(store, port, worker_id="w2")
    assert sender.run_once(now=T0 + timedelta(minutes=1)) == 0  # still leased to the dead sender
    assert sender.run_once(now=T0 + timedelta(minutes=3)) == 1
    (row,) = store.list_notifications()
    assert row.id == claimed.id and row.status == "sent" and row.claimed_by == "w2" and row.attempts == 2
    assert len(recorder.envelopes) == 1


def test_server_down_is_retried_with_backoff_then_failed_but_kept(store: AlertStore) -> None:
    store.apply(opened(), now=T0)
    sender = notifier(store, free_port())  # nothing listens there
    now = T0
    for attempt in (1, 2):
        assert sender.run_once(now=now) == 1
        (row,) = store.list_notifications()
        assert row.status == "pending" and row.attempts == attempt
        assert row.next_attempt_at > now
        assert "không kết nối được" in row.last_error and "127.0.0.1" in row.last_error
        assert sender.run_once(now=now) == 0  # not due before its retry time
        now = row.next_attempt_at
    assert sender.run_once(now=now) == 1  # the third attempt is the last (max_attempts=3)
    (row,) = store.list_notifications()
    assert row.status == "failed" and row.attempts == 3 and "không kết nối được" in row.last_error
    assert (sender.stats.sent, sender.stats.retried, sender.stats.failed) == (0, 2, 1)
    assert store.list_notifications(status="failed")[0].id == row.id
    assert sender.run_once(now=now + timedelta(days=1)) == 0  # failed for good: never claimed again


def test_a_channel_this_process_lacks_fails_permanently_and_names_it(store: AlertStore, smtp) -> None:  # noqa: F811
    recorder, port = smtp
    store.apply(opened(), now=T0, channels=("email", "zalo"))
    sender = notifier(store, port)
    assert sender.run_once(now=T0) == 2
    rows = {row.channel: row for row in store.list_notifications()}
    assert rows["email"].status == "sent"
    assert rows["zalo"].status == "failed" and rows["zalo"].attempts == 1
    assert "kênh 'zalo' chưa được cấu hình" in rows["zalo"].last_error
    assert len(recorder.envelopes) == 1
    assert sender.run_once(now=T0 + timedelta(days=1)) == 0


def test_a_digest_is_one_message_listing_every_alert_most_severe_first(store: AlertStore, smtp) -> None:  # noqa: F811
    recorder, port = smtp
    mild = opened("pension", score=45, minutes=1, title="Phản ánh chậm chi lương hưu tăng")
    severe = opened("vssid_app", score=90, minutes=2, title="VssID lỗi đăng nhập hàng loạt")
    medium = opened("health_insurance", score=65, minutes=3, title="Thẻ BHYT bị từ chối ở bệnh viện tỉnh")
    ids = {u.key: store.apply(u, now=u.at, notify="digest").alert.id for u in (mild, severe, medium)}
    (row,) = store.list_notifications()
    assert row.kind == "digest" and len(row.payload["items"]) == 3
    sender = notifier(store, port)
    assert sender.run_once(now=T0 + timedelta(minutes=10)) == 0  # sent when its window ends, not before
    assert sender.run_once(now=row.next_attempt_at) == 1
    (message,) = received(recorder)
    assert message["Subject"] == "[CrisisWatch] Bản tin tổng hợp: 3 cảnh báo (từ 04/03/2026 09:00)"  # Vietnam time
    body = plain(message)
    titles = [severe.title, medium.title, mild.title]
    positions = [body.index(title) for title in titles]
    assert positions == sorted(positions), body  # critical, high, then medium
    for key, alert_id in ids.items():
        assert f"{DASHBOARD}/alerts/{alert_id}" in body, key
    assert store.list_notifications()[0].status == "sent"


@pytest.mark.parametrize(("breaks", "says"), [
    (lambda payload: {k: v for k, v in payload.items() if k != "rule"}, "thiếu trường 'rule'"),
    (lambda payload: {**payload, "severity": "apocalyptic"}, "apocalyptic"),
    (lambda payload: "not an object", "nội dung thông báo hỏng"),
])
def test_a_broken_payload_fails_for_good_with_a_clear_message(store: AlertStore, smtp, breaks,  # noqa: F811
                                                              says: str) -> None:
    recorder, port = smtp
    store.apply(opened(), now=T0)
    (row,) = store.list_notifications()
    with store.engine.begin() as connection:
        connection.execute(sql_update(Notification).values(payload=breaks(row.payload)))
    sender = notifier(store, port)
    assert sender.run_once(now=T0) == 1
    (row,) = store.list_notifications()
    assert row.status == "failed" and row.last_error.startswith("nội dung thông báo")
    assert says in row.last_error
    assert recorder.envelopes == []


def test_two_notifiers_never_send_the_same_row_twice(db_path: Path, store: AlertStore, smtp) -> None:  # noqa: F811
    recorder, port = smtp
    keys = [f"topic-{i}" for i in range(12)]
    ids = sorted(store.apply(opened(key), now=T0).alert.id for key in keys)
    engines = [create_engine_for(f"sqlite:///{db_path}") for _ in range(2)]
    senders = [notifier(AlertStore(engine, channels=("email",), max_attempts=3), port, worker_id=f"w{i}", batch=2)
               for i, engine in enumerate(engines)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def drain(sender: Notifier) -> None:
        try:
            barrier.wait()
            while sender.run_once(now=T0 + timedelta(seconds=1)):
                pass
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=drain, args=(sender,)) for sender in senders]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for engine in engines:
            engine.dispose()
    assert errors == []
    sent_ids = sorted(int(message["X-Crisiswatch-Alert"]) for message in received(recorder))
    assert sent_ids == ids  # every alert exactly once
    assert sum(sender.stats.sent for sender in senders) == len(keys)
    rows = store.list_notifications()
    assert {row.status for row in rows} == {"sent"} and {row.attempts for row in rows} == {1}
    assert {row.claimed_by for row in rows} <= {"w0", "w1"}
