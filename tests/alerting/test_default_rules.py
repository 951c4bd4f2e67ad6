"""The default rule set (alerting/rules.d) on synthetic timelines: crises alert, a quiet week does not."""

import random

import pytest

from alerting.dry_run import dry_run
from alerting.rules import DEFAULT_RULES_DIR, PLAYBOOKS, load_rules
from common.claims import load_registry
from common.schema import ClaimStance, Sentiment, Source, Topic
from tests.alerting.factory import mention

RULES = load_rules()
PROVINCES = ["Hà Nội", "Thành phố Hồ Chí Minh", "Đà Nẵng", "Thanh Hóa", "Nghệ An", "Cần Thơ", "Huế", "Lâm Đồng"]
TEXTS = ["hỏi thủ tục hưởng lương hưu", "đóng bảo hiểm y tế hộ gia đình ở đâu", "cảm ơn cán bộ bảo hiểm xã hội",
         "thủ tục thai sản cần giấy tờ gì", "tra cứu quá trình đóng trên VssID", "mức đóng bảo hiểm tự nguyện",
         "chậm nhận trợ cấp thất nghiệp", "luật bảo hiểm xã hội mới có gì"]


TOPIC_WEIGHTS = {Topic.other: 30, Topic.pension: 15, Topic.health_insurance: 15, Topic.one_time_withdrawal: 8,
                 Topic.law_policy: 8, Topic.maternity_sickness: 6, Topic.unemployment: 6, Topic.vssid_app: 6,
                 Topic.service_quality: 4, Topic.contribution_evasion: 2, Topic.scam_impersonation: 1}


def quiet_week(seed: int = 7, days: int = 7) -> list:
    """~6 posts an hour, mostly neutral, topics in realistic proportions, every province, three sources."""
    rnd = random.Random(seed)
    out, minute = [], 0.0
    while minute < days * 24 * 60:
        minute += rnd.expovariate(1 / 10)
        out.append(mention(rnd.choice(TEXTS), minutes=minute,
                           source=rnd.choice([Source.facebook] * 3 + [Source.news, Source.zalo]),
                           topic=rnd.choices(list(TOPIC_WEIGHTS), list(TOPIC_WEIGHTS.values()))[0],
                           province=rnd.choice(PROVINCES + [None]),
                           sentiment=rnd.choices(list(Sentiment), [2, 6, 2])[0], reactions=rnd.randint(0, 80)))
    return out


def opened(updates, rule: str | None = None) -> list:
    return [u for u in updates if u.kind.value == "opened" and (rule is None or u.rule == rule)]


def test_every_default_rule_loads_and_names_a_playbook():
    assert len(RULES) >= 10
    assert {r.type for r in RULES} == {"frequency", "spike", "percentage", "new_term", "known_claim", "reach",
                                       "flatline"}
    for r in RULES:
        assert r.playbook in PLAYBOOKS or r.type == "flatline", r.name
        text = (DEFAULT_RULES_DIR / f"{r.name}.yaml").read_text(encoding="utf-8")
        assert text.startswith("# "), f"{r.name}: explain the rule in a Vietnamese comment"


def test_a_quiet_week_with_one_bait_post_opens_nothing():
    stream = quiet_week()
    bait = mention("Nhận ngay 5 triệu hỗ trợ BHXH, bấm link", minutes=3 * 24 * 60 + 1, reactions=900, shares=60,
                   topic=Topic.scam_impersonation, sentiment=Sentiment.negative, misinformation=True,
                   claims=("can-bo-goi-thu-phi-rut-nhanh",))
    stream = sorted(stream + [bait], key=lambda m: m.created_at)
    assert opened(dry_run(RULES, stream)) == []


def test_a_rumor_wave_opens_a_rumor_alert_and_a_residual_post_does_not_reopen_it():
    claim = "quy-bhxh-vo-quy"
    start = 2 * 24 * 60
    wave = [mention("Quỹ BHXH sắp vỡ quỹ, rút hết tiền ra đi mọi người", minutes=start + i * 6,
                    claims=(claim,), misinformation=True, sentiment=Sentiment.negative, topic=Topic.pension,
                    reactions=50 + 30 * i, shares=10 * i, province=PROVINCES[i % 3]) for i in range(20)]
    refutation = mention("BHXH Việt Nam khẳng định quỹ không vỡ", minutes=start + 150, source=Source.news,
                         claims=(claim,), stance=ClaimStance.refutes, topic=Topic.pension, reactions=3000)
    residual = mention("nghe nói quỹ BHXH vỡ rồi à", minutes=start + 14 * 60, claims=(claim,),
                       misinformation=True, sentiment=Sentiment.negative, topic=Topic.pension)
    stream = sorted(quiet_week(days=3) + wave + [refutation, residual], key=lambda m: m.created_at)
    updates = dry_run(RULES, stream)
    rumor = opened(updates, "rumor-known-claim")
    assert [u.key for u in rumor] == [claim]
    assert rumor[0].playbook == "rumor" and rumor[0].at <= wave[2].created_at
    assert load_registry().get(claim).claim[:20] in rumor[0].title
    assert any(u.kind.value == "resolved" and u.rule == "rumor-known-claim" for u in updates)
    assert all(u.at < residual.created_at for u in opened(updates) if u.facts.claims.get(claim))


@pytest.mark.parametrize(("crisis", "rule", "playbook"), [
    ("outage", "vssid-outage", "outage"),
    ("scam", "scam-impersonation-wave", "scam_impersonation"),
    ("evasion", "contribution-evasion-province", "contribution_evasion"),
    ("evasion", "contribution-evasion-wave", "contribution_evasion"),
    ("viral", "viral-staff-behaviour", "service_quality"),
])
def test_each_crisis_type_opens_its_playbook(crisis, rule, playbook):
    start = 2 * 24 * 60
    make = {
        "outage": lambda i: mention("VssID không đăng nhập được, hạn chót rồi", minutes=start + i * 2,
                                    topic=Topic.vssid_app, sentiment=Sentiment.negative),
        "scam": lambda i: mention("Cập nhật thông tin VssID tại link này kẻo mất lương hưu", minutes=start + i * 20,
                                  topic=Topic.scam_impersonation, misinformation=True),
        "evasion": lambda i: mention("Công ty nợ BHXH của hàng nghìn công nhân", minutes=start + i * 30,
                                     topic=Topic.contribution_evasion, sentiment=Sentiment.negative,
                                     province="Đồng Nai"),
        "viral": lambda i: mention("Clip cán bộ BHXH quát người dân", minutes=start + i, reactions=4000 * (i + 1),
                                   topic=Topic.service_quality, sentiment=Sentiment.negative),
    }[crisis]
    stream = sorted(quiet_week(days=3) + [make(i) for i in range(10)], key=lambda m: m.created_at)
    hits = opened(dry_run(RULES, stream), rule)
    assert hits and hits[0].playbook == playbook
    assert hits[0].title


def test_a_slow_burn_in_one_province_opens_a_slow_burn_alert():
    burn = [mention("Lương hưu tháng này lại chậm, gọi tổng đài không ai nghe",
                    minutes=day * 1440 + 7 * 60 + i * (14 * 60 / n), topic=Topic.pension,
                    sentiment=Sentiment.negative, province="Thanh Hóa")
            for day, n in [(2, 3), (3, 5), (4, 7), (5, 9)] for i in range(n)]
    stream = sorted(quiet_week(days=6) + burn, key=lambda m: m.created_at)
    hits = [u for u in opened(dry_run(RULES, stream)) if u.playbook == "slow_burn"]
    assert [u.key for u in hits] == ["Thanh Hóa"]
    assert hits[0].facts.provinces == {"Thanh Hóa": hits[0].facts.count}
