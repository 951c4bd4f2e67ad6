"""Page 4, alert rules: the shipped rule files listed with their state, enable / disable by an admin (audited,
stored in `rule_states`), and a dry-run over a real tantivy index showing the episodes that would have opened."""

from __future__ import annotations

import re

from common.schema import Sentiment, Topic
from common.settings import Settings
from index.tantivy_backend import TantivyBackend
from tests.alerting.factory import mention
from tests.dashboard.conftest import token_of

CLAIM = "cam-rut-bhxh-mot-lan"


def index_wave(settings: Settings) -> None:
    """Six posts spreading the known claim, one every 5 minutes from 08:00 Vietnam time on 2 March 2026."""
    backend = TantivyBackend(settings.state_dir / "index")
    backend.index([mention(f"nghe nói sắp cấm rút bhxh một lần, bài {i}", minutes=5 * i, claims=(CLAIM,),
                           topic=Topic.one_time_withdrawal, misinformation=True, sentiment=Sentiment.negative)
                   for i in range(6)])
    backend.close()


def test_viewer_lists_rules_without_switches_or_dry_run(client_for) -> None:
    page = client_for("viewer").get("/rules")
    assert page.status_code == 200
    assert 'id="rule-rumor-known-claim"' in page.text and "known_claim" in page.text
    assert "Tin đồn trong sổ tin đồn đang lan truyền" in page.text
    assert "/enabled" not in page.text and 'action="/rules/dry-run"' not in page.text
    assert client_for("viewer").get("/rules/dry-run").status_code == 403


def test_admin_disables_and_enables_a_rule_audited(client_for, app) -> None:
    admin = client_for("admin")
    token = token_of(admin)
    response = admin.post("/rules/rumor-known-claim/enabled", data={"enabled": "false", "csrf_token": token},
                          follow_redirects=False)
    assert response.status_code == 303
    page = admin.get("/rules")
    row = re.search(r'<tr id="rule-rumor-known-claim".*?</tr>', page.text, re.S).group(0)
    assert 'data-state="off"' in row and "admin1 đổi lúc" in row
    assert app.state.rule_states.states() == {"rumor-known-claim": False}
    admin.post("/rules/rumor-known-claim/enabled", data={"enabled": "true", "csrf_token": token})
    assert app.state.rule_states.states() == {"rumor-known-claim": True}
    actions = [(e.actor, e.action) for e in app.state.audit.entries(object_type="rule")]
    assert actions == [("admin1", "rule.disabled"), ("admin1", "rule.enabled")]
    assert admin.post("/rules/no-such-rule/enabled", data={"enabled": "true", "csrf_token": token}).status_code == 404
    assert client_for("responder").post("/rules/rumor-known-claim/enabled",
                                        data={"enabled": "false", "csrf_token": token}).status_code == 403


def test_dry_run_lists_the_episodes_that_would_have_opened(settings: Settings, client_for) -> None:
    index_wave(settings)
    page = client_for("analyst").get("/rules/dry-run", params={"from": "2026-03-02", "to": "2026-03-02",
                                                                "rule": "rumor-known-claim"})
    assert page.status_code == 200, page.text
    assert re.search(r"Kết quả: 1 cảnh báo sẽ được mở từ 6 bài", page.text)
    table = re.search(r'<table class="list" id="dry-episodes">.*?</table>', page.text, re.S).group(0)
    assert CLAIM in table and "08:" in table and "02/03/2026" in table  # Vietnam time
    assert 'id="dry-run-data"' in page.text
    empty = client_for("analyst").get("/rules/dry-run", params={"from": "2026-03-05", "to": "2026-03-06"})
    assert empty.status_code == 200 and 'id="dry-none"' in empty.text


def test_dry_run_is_bounded_and_validated(client_for) -> None:
    analyst = client_for("analyst")
    too_long = analyst.get("/rules/dry-run", params={"from": "2026-01-01", "to": "2026-03-01"})
    assert too_long.status_code == 400 and "tối đa 31 ngày" in too_long.text
    reversed_ = analyst.get("/rules/dry-run", params={"from": "2026-03-05", "to": "2026-03-01"})
    assert reversed_.status_code == 400 and "không trước ngày bắt đầu" in reversed_.text
    bad = analyst.get("/rules/dry-run", params={"from": "05/03/2026", "to": "2026-03-06"})
    assert bad.status_code == 400 and "Ngày không hợp lệ" in bad.text
    unknown = analyst.get("/rules/dry-run", params={"from": "2026-03-05", "to": "2026-03-06", "rule": "x"})
    assert unknown.status_code == 400 and "Không có luật tên" in unknown.text
