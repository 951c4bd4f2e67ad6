"""Validate the alerting evaluation data: alerting/scenarios/timelines.jsonl and expectations.yaml.

The replay harness trusts this data to grade the alert rules, so a malformed line, a timestamp outside its
scenario, a deadline before the crisis starts or personal data in a text must fail here, with the line named.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from alerting.scenarios import build, check_labels
from common.claims import load_registry
from common.schema import Topic

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "alerting" / "scenarios"
SOURCES = {"facebook", "zalo", "news"}
ROLES = {"background", "distractor", "crisis", "reaction", "news", "official", "refutation", "decay", "residual",
         "bait"}
TYPES = {"rumor", "scam_impersonation", "service_quality", "contribution_evasion", "outage", "slow_burn"}
PHONE = re.compile(r"(?<![\d])(?:\+84|84|0)(?:[ .-]?\d){9}(?![\d])")
LONG_NUMBER = re.compile(r"(?<!\d)(?:\d{12}|\d{10})(?!\d)")


def _parse(path: Path) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            line = json.loads(raw)
        except json.JSONDecodeError as exc:
            pytest.fail(f"{path.name}:{number}: không phải JSON: {exc}")
        assert isinstance(line, dict), f"{path.name}:{number}: không phải đối tượng JSON"
        out.append((number, line))
    return out


@pytest.fixture(scope="module")
def lines() -> list[tuple[int, dict[str, Any]]]:
    return _parse(SCENARIOS / "timelines.jsonl")


@pytest.fixture(scope="module")
def expectations() -> dict[str, dict[str, Any]]:
    return yaml.safe_load((SCENARIOS / "expectations.yaml").read_text(encoding="utf-8"))["scenarios"]


def _ts(value: str, where: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, f"{where}: thời điểm {value!r} thiếu múi giờ"
    return parsed


def _period(expect: dict[str, Any], name: str) -> tuple[datetime, datetime]:
    start, end = (_ts(v, f"expectations {name}.period") for v in expect["period"])
    assert start < end, f"expectations {name}: period rỗng"
    return start, end


def _new_provinces() -> set[str]:
    data = json.loads((ROOT / "common" / "text" / "data" / "provinces.json").read_text(encoding="utf-8"))
    return {unit["name"] for unit in data["new"]}


def test_every_line_has_the_required_fields_and_valid_documented_extras(lines) -> None:
    provinces = _new_provinces()
    for number, line in lines:
        where = f"timelines.jsonl:{number}"
        for key in ("scenario", "ts", "source", "text"):
            assert isinstance(line.get(key), str) and line[key].strip(), f"{where}: thiếu hoặc rỗng trường {key!r}"
        ts = _ts(line["ts"], where)
        assert ts.utcoffset() == timedelta(hours=7), f"{where}: phải là giờ Việt Nam (+07:00): {line['ts']}"
        assert line["source"] in SOURCES, f"{where}: nguồn {line['source']!r} không hợp lệ"
        assert ("title" in line) == (line["source"] == "news"), f"{where}: chỉ tin báo mới có 'title'"
        assert line["role"] in ROLES, f"{where}: vai trò {line.get('role')!r} không hợp lệ"
        assert isinstance(line["author"], str) and line["author"], f"{where}: thiếu tác giả"
        assert line["province"] is None or line["province"] in provinces, \
            f"{where}: {line['province']!r} không phải một trong 34 tỉnh, thành sau sáp nhập"
        reach = line["reach"]
        assert set(reach) == {"reactions", "shares", "comments", "followers"}, f"{where}: reach sai khóa"
        for key in ("reactions", "shares", "comments"):
            assert isinstance(reach[key], int) and reach[key] >= 0, f"{where}: reach.{key} phải là số nguyên ≥ 0"
        assert reach["followers"] is None or reach["followers"] >= 0, f"{where}: reach.followers sai"
        assert line["url"] is None or line["url"].startswith("https://"), f"{where}: url sai"


def test_scenarios_and_expectations_match_one_to_one(lines, expectations) -> None:
    in_data = {line["scenario"] for _, line in lines}
    assert in_data == set(expectations), (
        f"kịch bản thiếu kỳ vọng: {sorted(in_data - set(expectations))}; "
        f"kỳ vọng không có dữ liệu: {sorted(set(expectations) - in_data)}")
    assert len(in_data) >= 7


def test_each_scenario_stays_inside_its_period_with_a_realistic_volume(lines, expectations) -> None:
    per: Counter[str] = Counter()
    for number, line in lines:
        start, end = _period(expectations[line["scenario"]], line["scenario"])
        assert start <= _ts(line["ts"], "") < end, \
            f"timelines.jsonl:{number}: {line['ts']} ngoài kỳ của {line['scenario']} [{start}, {end})"
        per[line["scenario"]] += 1
    for name, count in per.items():
        assert 40 <= count <= 400, f"{name}: {count} dòng (phải từ 40 đến 400)"


def test_expectations_are_complete_and_consistent_with_the_timelines(lines, expectations) -> None:
    claims = {claim.id for claim in load_registry().claims}
    by_scenario: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _, line in lines:
        by_scenario[line["scenario"]].append(line)
    for name, expect in expectations.items():
        start, end = _period(expect, name)
        assert isinstance(expect["crisis"], bool), f"{name}: 'crisis' phải là true/false"
        assert expect["why"].strip(), f"{name}: thiếu lý do 'why'"
        crisis_ts = sorted(_ts(x["ts"], name) for x in by_scenario[name] if x["role"] == "crisis")
        if not expect["crisis"]:
            assert not crisis_ts, f"{name}: không có khủng hoảng nhưng có dòng vai trò 'crisis'"
            continue
        assert expect["type"] in TYPES, f"{name}: loại {expect['type']!r} không hợp lệ"
        assert expect["topic"] in {t.value for t in Topic}, f"{name}: chủ đề {expect['topic']!r} không hợp lệ"
        assert expect["claim"] is None or expect["claim"] in claims, f"{name}: mã tin đồn {expect['claim']!r} lạ"
        starts, alert_by = _ts(expect["starts_at"], name), _ts(expect["alert_by"], name)
        assert start <= starts < alert_by < end, f"{name}: cần period.start ≤ starts_at < alert_by < period.end"
        assert starts <= crisis_ts[0] <= starts + timedelta(hours=1), \
            f"{name}: dòng khủng hoảng đầu tiên ({crisis_ts[0]}) không khớp starts_at ({starts})"
        assert sum(ts <= alert_by for ts in crisis_ts) >= 5, \
            f"{name}: chưa tới 5 dòng khủng hoảng trước hạn cảnh báo, không hệ thống nào kịp"


def test_the_rumor_tail_has_a_residual_post_after_the_refutation(lines, expectations) -> None:
    rumor = expectations["rumor_wave"]
    after, residual_at = _ts(rumor["no_new_episode_after"], "rumor"), _ts(rumor["residual_post_at"], "rumor")
    residuals = [x for _, x in lines if x["role"] == "residual"]
    assert [(x["scenario"], _ts(x["ts"], "")) for x in residuals] == [("rumor_wave", residual_at)]
    assert residual_at - after >= timedelta(days=3), "bài tồn dư phải xuất hiện vài ngày sau khi bác bỏ"
    official = [x for _, x in lines if x["scenario"] == "rumor_wave" and x["role"] == "official"]
    assert official and all(_ts(x["ts"], "") <= after for x in official)
    spreading_after = [x for _, x in lines if x["scenario"] == "rumor_wave" and x["role"] == "crisis"
                       and _ts(x["ts"], "") > after]
    assert not spreading_after, "sau khi bác bỏ chỉ còn bài tồn dư lặp lại tin đồn"


def test_the_quiet_week_has_exactly_one_high_reach_bait_post(lines, expectations) -> None:
    quiet = [x for _, x in lines if x["scenario"] == "quiet_week_bait"]
    expect = expectations["quiet_week_bait"]
    assert expect["crisis"] is False
    top = max(quiet, key=lambda x: x["reach"]["reactions"] + x["reach"]["shares"])
    assert top["role"] == "bait" and _ts(top["ts"], "") == _ts(expect["bait_post_at"], "")
    assert top["reach"]["shares"] >= 10_000, "bài mồi phải có lượt chia sẻ rất lớn"
    others = sorted((x["reach"]["shares"] for x in quiet if x is not top), reverse=True)
    assert others[0] * 20 < top["reach"]["shares"], "chỉ một bài có lượt tiếp cận lớn trong tuần yên tĩnh"


def test_texts_contain_no_personal_numbers(lines) -> None:
    for number, line in lines:
        for key in ("text", "title", "author"):
            value = line.get(key) or ""
            for pattern in (PHONE, LONG_NUMBER):
                match = pattern.search(value)
                assert match is None, f"timelines.jsonl:{number}: {key} chứa số giống dữ liệu cá nhân: {match}"


def test_the_pii_patterns_catch_phone_and_id_numbers() -> None:
    assert PHONE.search("gọi 0912 345 678 nhé") and PHONE.search("sđt +84912345678")
    assert LONG_NUMBER.search("CCCD 001203004567") and LONG_NUMBER.search("mã số 7912345678")
    assert not PHONE.search("tổng đài 1900 9068") and not LONG_NUMBER.search("nợ gần 90 tỷ, 4.200 công nhân")


def test_texts_are_not_mass_duplicated(lines) -> None:
    per_scenario: Counter[tuple[str, str]] = Counter((x["scenario"], x["text"].casefold()) for _, x in lines)
    dupes = [key for key, n in per_scenario.items() if n > 1]
    assert not dupes, f"văn bản lặp trong cùng kịch bản: {dupes[:3]}"
    overall = Counter(x["text"].casefold() for _, x in lines)
    assert len(overall) >= 0.85 * len(lines), f"chỉ {len(overall)}/{len(lines)} văn bản khác nhau"
    text, n = overall.most_common(1)[0]
    assert n <= 4, f"văn bản lặp {n} lần trên toàn bộ dữ liệu: {text[:80]!r}"


def test_the_committed_timelines_are_what_build_py_generates() -> None:
    assert (SCENARIOS / "timelines.jsonl").read_text(encoding="utf-8") == build.render(build.build()), \
        "timelines.jsonl đã cũ: chạy lại `python -m alerting.scenarios.build`"


def test_check_labels_counts_a_missed_rumor_line(expectations) -> None:
    rumor = expectations["rumor_wave"]
    spreads = {"relevant": True, "topic": "one_time_withdrawal", "sentiment": "negative", "misinformation": True,
               "claims": [{"claim_id": rumor["claim"], "score": 1.0, "stance": "spreads"}]}
    irrelevant = {"relevant": False, "topic": None, "sentiment": None, "misinformation": False, "claims": []}
    rows = [{"scenario": "rumor_wave", "role": "crisis", "text": "a"},
            {"scenario": "rumor_wave", "role": "crisis", "text": "b"},
            {"scenario": "rumor_wave", "role": "distractor", "text": "c"}]
    out = check_labels.report(rows, [spreads, irrelevant, irrelevant], expectations, show_misses=True)
    assert "rumor_wave: 2/3 đúng ý định (crisis 1/2, distractor 1/1; crisis tiêu cực 1/2)" in out
    assert "[rumor_wave/crisis] rel=False" in out
