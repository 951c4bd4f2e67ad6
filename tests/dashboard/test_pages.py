"""The board, the alert detail with its actions, the language toggle and /healthz."""

from __future__ import annotations

import re

from fastapi import FastAPI
from markupsafe import escape as html_escape

from alerting.store.audit import AuditLog
from tests.dashboard.conftest import HOSTILE, episode, start_playbook, token_of


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr id="alert-(\d+)"', html)


def test_board_sorts_by_severity_then_newest_and_filters(app: FastAPI, alerts, client_for) -> None:
    low = alerts.apply(episode(rule="a", score=30, minutes_ago=1, province="Hà Nội", topic="pension")).alert
    critical_old = alerts.apply(episode(rule="b", score=95, minutes_ago=50)).alert
    critical_new = alerts.apply(episode(rule="c", score=90, minutes_ago=5)).alert
    high = alerts.apply(episode(rule="d", score=70, minutes_ago=2, province="Hà Nội")).alert
    resolved = alerts.apply(episode(rule="e", score=99, minutes_ago=3)).alert
    alerts.resolve_manually(resolved.id, "admin1")
    client = client_for("viewer")

    html = client.get("/").text
    assert _rows(html) == [str(a.id) for a in (critical_new, critical_old, high, low)]
    assert "5 phút trước" in html and "50 phút trước" in html
    assert "nghiêm trọng" in html and "sev-critical" in html
    assert _rows(client.get("/", params={"province": "Hà Nội"}).text) == [str(high.id), str(low.id)]
    assert _rows(client.get("/", params={"topic": "pension"}).text) == [str(low.id)]
    api = client.get("/api/alerts", params={"province": "Hà Nội"}).json()["alerts"]
    assert [row["id"] for row in api] == [high.id, low.id]


def test_hostile_mention_text_is_escaped_everywhere(app: FastAPI, engine, alerts, client_for) -> None:
    update = episode(title=HOSTILE, province="<b>tỉnh</b>", post_text=HOSTILE + "<img src=x onerror=alert(1)>",
                     post_url="javascript:alert(document.cookie)")
    alert = alerts.apply(update).alert
    start_playbook(engine, alert, update)
    client = client_for("responder")
    for page in (client.get("/").text, client.get(f"/alerts/{alert.id}").text):
        assert "<script>alert('xss')</script>" not in page
        assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page
        assert "<b>tỉnh</b>" not in page and "<img src=x" not in page
    detail = client.get(f"/alerts/{alert.id}").text
    assert 'href="javascript:' not in detail  # a non-http link stays text
    assert "\\u003cb\\u003et\\u1ec9nh\\u003c/b\\u003e" in detail  # the province in the chart JSON
    css = client.get("/static/app.css").text
    assert "overflow-wrap: anywhere" in css


def test_detail_shows_facts_posts_claims_playbook_and_audit(app: FastAPI, alert_with_run, client_for) -> None:
    html = client_for("viewer").get(f"/alerts/{alert_with_run.id}").text
    assert 'href="https://example.test/p/1" target="_blank" rel="noopener noreferrer"' in html
    assert "Thành phố Hồ Chí Minh" in html and "chart-timeline" in html and "chart-sentiment" in html
    assert "Nội dung bác bỏ đã duyệt" in html  # the matched claim with its approved rebuttal
    assert str(html_escape(app.state.claims["cam-rut-bhxh-mot-lan"].rebuttal[:40])) in html
    assert 'class="countdown" data-due=' in html  # SLA countdown of the open steps
    assert "alert.opened" in html and "run.started" in html  # the audit trail
    assert "Cần vai trò người ứng phó để xử lý." in html and "/steps/" not in html  # viewers see no actions


def test_playbook_step_actions_change_state_and_are_audited(app: FastAPI, engine, alert_with_run,
                                                            client_for) -> None:
    client = client_for("responder")
    alert_id = alert_with_run.id
    step = alert_with_run.runs[0].steps[0]
    base = f"/alerts/{alert_id}/steps/{step.id}"

    response = client.post(f"{base}/acknowledge", data={"csrf_token": token_of(client)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/alerts/{alert_id}"
    assert f"Đã nhận bước \"{step.title}\"" in client.get(f"/alerts/{alert_id}").text.replace("&#34;", '"')
    client.post(f"{base}/assign", data={"csrf_token": token_of(client), "assignee": "analyst1"})
    client.post(f"{base}/complete", data={"csrf_token": token_of(client), "note": "Đã đăng bài đính chính <b>"})

    saved = app.state.alerts.get_alert(alert_id).runs[0].steps[0]
    assert (saved.status, saved.assignee, saved.acknowledged_by, saved.completed_by) == \
        ("done", "analyst1", "responder1", "responder1")
    assert saved.note == "Đã đăng bài đính chính <b>"
    trail = [(e.actor, e.action) for e in AuditLog(engine).entries(object_type="playbook_step", object_id=step.id)]
    assert trail == [("responder1", "step.acknowledged"), ("responder1", "step.assigned"),
                     ("responder1", "step.completed")]
    page = client.get(f"/alerts/{alert_id}").text
    assert "Đã đăng bài đính chính &lt;b&gt;" in page

    again = client.post(f"{base}/complete", data={"csrf_token": token_of(client)})  # a done step stays done
    assert again.status_code == 200 and "không hoàn thành" in again.text


def test_assigning_to_an_unknown_user_is_refused(app: FastAPI, alert_with_run, client_for) -> None:
    client = client_for("admin")
    step = alert_with_run.runs[0].steps[1]
    page = client.post(f"/alerts/{alert_with_run.id}/steps/{step.id}/assign",
                       data={"csrf_token": token_of(client), "assignee": "khong-ton-tai"})
    assert "Không có người dùng đang hoạt động tên" in page.text
    assert app.state.alerts.get_alert(alert_with_run.id).runs[0].steps[1].assignee is None


def test_step_of_another_alert_is_not_found(app: FastAPI, alerts, alert_with_run, client_for) -> None:
    other = alerts.apply(episode(rule="other")).alert
    step = alert_with_run.runs[0].steps[0]
    client = client_for("responder")
    response = client.post(f"/alerts/{other.id}/steps/{step.id}/acknowledge",
                           data={"csrf_token": token_of(client)})
    assert response.status_code == 404
    assert app.state.alerts.get_alert(alert_with_run.id).runs[0].steps[0].status == "pending"


def test_alert_actions_acknowledge_snooze_resolve(app: FastAPI, engine, alert_with_run, client_for) -> None:
    client = client_for("responder")
    alert_id = alert_with_run.id
    client.post(f"/alerts/{alert_id}/acknowledge", data={"csrf_token": token_of(client)})
    assert app.state.alerts.get_alert(alert_id).acknowledged_by == "responder1"
    page = client.post(f"/alerts/{alert_id}/snooze",
                       data={"csrf_token": token_of(client), "duration": "4h", "reason": "đã phản hồi"}).text
    assert "Đã tạm tắt thông báo đến" in page
    snoozes = app.state.alerts.active_snoozes()
    assert [(s.rule, s.key, s.created_by) for s in snoozes] == [(alert_with_run.rule, alert_with_run.key,
                                                                  "responder1")]
    bad = client.post(f"/alerts/{alert_id}/snooze", data={"csrf_token": token_of(client), "duration": "99y"}).text
    assert "Dữ liệu gửi lên không hợp lệ" in bad
    client.post(f"/alerts/{alert_id}/resolve", data={"csrf_token": token_of(client), "note": "tin đồn đã lắng"})
    resolved = app.state.alerts.get_alert(alert_id)
    assert (resolved.status, resolved.resolved_by) == ("resolved", "responder1")
    assert resolved.runs[0].status == "closed"
    actions = [e.action for e in AuditLog(engine).entries(object_type="alert", object_id=alert_id)]
    assert actions == ["alert.opened", "alert.acknowledged", "alert.resolved"]
    html = client.get(f"/alerts/{alert_id}").text
    assert "snooze.created" in html and "đã phản hồi" in html  # the snooze is in the alert's audit trail


def test_missing_alert_is_a_404_page(client_for) -> None:
    response = client_for("viewer").get("/alerts/999999")
    assert response.status_code == 404 and "Không có cảnh báo #999999" in response.text


def test_language_toggle(app: FastAPI, alert_with_run, client_for) -> None:
    client = client_for("viewer")
    assert "Bảng cảnh báo trực tiếp" in client.get("/").text
    response = client.post("/lang", data={"lang": "en", "next": f"/alerts/{alert_with_run.id}",
                                          "csrf_token": token_of(client)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/alerts/{alert_with_run.id}"
    board = client.get("/").text
    assert "Live alert board" in board and "critical" in board and '<html lang="en">' in board
    assert "Response playbook" in client.get(f"/alerts/{alert_with_run.id}").text
    client.post("/lang", data={"lang": "vi", "csrf_token": token_of(client)})
    assert "Bảng cảnh báo trực tiếp" in client.get("/").text


def test_healthz_needs_no_login(client_for) -> None:
    response = client_for(None).get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_a_form_missing_a_field_gets_a_readable_error_page(alert_with_run, client_for) -> None:
    client = client_for("responder")
    step = alert_with_run.runs[0].steps[0]
    response = client.post(f"/alerts/{alert_with_run.id}/steps/{step.id}/assign",
                           data={"csrf_token": token_of(client)})
    assert response.status_code == 422 and "Dữ liệu gửi lên không hợp lệ: assignee" in response.text
