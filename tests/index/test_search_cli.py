"""`crisiswatch search` as an analyst runs it, on a tantivy index in CRISISWATCH_STATE_DIR filled with the contract
fixtures: the Vietnamese table, filters, facets / histogram tables, JSON Lines, exports, and the caret under a bad
query (exit 2)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import index.cli as index_cli
from common.schema import ClassifiedMention
from common.settings import get_settings
from crisiswatch.cli import app
from index.tantivy_backend import TantivyBackend
from tests.index.test_contract import FIXTURES, SID

BY_ID = {m.id: m for m in FIXTURES}


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    state = tmp_path / "state"
    with TantivyBackend(state / "index") as backend:
        backend.index(FIXTURES)
    monkeypatch.setenv("CRISISWATCH_STATE_DIR", str(state))
    monkeypatch.setenv("CRISISWATCH_SEARCH_BACKEND", "tantivy")
    get_settings.cache_clear()
    for console in (index_cli.console, index_cli.err_console):
        monkeypatch.setattr(console, "width", 200)  # wide enough that table cells do not wrap
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, ["search", *args], catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()


def test_table_without_diacritics(run) -> None:
    result = run("bao hiem")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "5 kết quả" in out
    assert "Đóng bảo hiểm y tế ở đâu nhanh nhất?" in out
    assert "Hội nghị bảo hiểm xã hội" in out  # the news title
    assert "01/03/2026 16:00" in out  # 09:00 UTC shown in Vietnam time
    assert "TP. Hồ Chí Minh" in out and "Báo chí" in out
    assert "tiêu cực · lương hưu" in out and "tin sai 90%" in out
    assert "VssID" not in out  # not a match
    assert out.index("Hội nghị") < out.index("Lương hưu")  # newest first


def test_filters_and_sort(run) -> None:
    out = run("", "--source", "zalo", "--source", "news").output
    assert "2 kết quả" in out and "VssID lỗi đăng nhập" in out and "Hội nghị" in out
    out = run("bhxh", "--misinfo", "--sort", "reach", "--limit", "1").output
    assert "2 kết quả (hiển thị 1)" in out and "Tin đồn: từ tháng sau" in out and "chia sẻ ngay" not in out
    out = run("", "--province", "binh duong", "--from", "2026-03-01", "--to", "2026-03-01").output
    assert "1 kết quả" in out and "Lương hưu tháng này" in out
    out = run("", "--min-reach", "100", "--claim", "claim-rut-1-lan", "--no-misinfo").output
    assert "0 kết quả" in out and "Không có kết quả nào" in out


def test_bad_query_prints_a_caret_and_exits_2(run) -> None:
    result = run('lương hưu AND title:"bảo hiểm')
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert "Truy vấn sai cú pháp tại vị trí 20 (cột 21)" in lines[0]
    query_line = next(i for i, line in enumerate(lines) if line.strip() == 'lương hưu AND title:"bảo hiểm')
    assert lines[query_line + 1] == " " * (2 + 20) + "^"  # under the opening quote
    unknown = run("nguon:zalo")
    assert unknown.exit_code == 2 and "unknown field 'nguon'" in unknown.output


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2026-13-01"], "--from: thời điểm không hợp lệ"),
    (["--from", "2026-03-02", "--to", "2026-03-01"], "--from/--to"),
    (["--source", "twitter"], "--source"),
    (["--sort", "random"], "Tham số không hợp lệ"),
    (["--facets", "topic,nope"], "Tham số không hợp lệ"),
    (["--histogram", "month"], "Tham số không hợp lệ"),
    (["--export", "out.xlsx"], "đuôi tệp phải là .csv hoặc .jsonl"),
])
def test_bad_options_exit_2(run, args: list[str], message: str) -> None:
    result = run("bhxh", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_json_lines(run) -> None:
    result = run("rut bhxh", "--json", "--sort", "reach")
    assert result.exit_code == 0
    mentions = [ClassifiedMention.model_validate_json(line) for line in result.output.splitlines()]
    assert mentions == [BY_ID[SID["p3"]], BY_ID[SID["p4"]]]


def test_facets_and_histogram_tables(run) -> None:
    out = run("bao hiem", "--facets", "topic,source", "--histogram", "hour").output
    assert "Chủ đề (5 kết quả)" in out and "rút BHXH một lần │        2 │ " + "█" * 30 in out
    assert "Nguồn (5 kết quả)" in out and "Facebook" in out and "Báo chí" in out
    assert "Theo giờ (giờ Việt Nam, 5 kết quả)" in out
    assert "01/03/2026 16:00 │        1" in out and "01/03/2026 20:00 │        1" in out


def test_export_csv_and_jsonl(run, tmp_path: Path) -> None:
    target = tmp_path / "ket-qua.csv"
    result = run("bao hiem", "--export", str(target), "--sort", "reach")
    assert result.exit_code == 0 and "Đã xuất 5 đề cập" in result.output
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,created_at,")  # BOM: Excel shows Vietnamese
    rows = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert [r["id"] for r in rows] == [SID[s] for s in ("p3", "p1", "p4", "n1", "p2")]
    assert rows[0]["text"] == "Tin đồn: từ tháng sau không được rút BHXH một lần nữa"
    assert rows[0]["created_at"] == "2026-03-01T18:00:00+07:00"

    target = tmp_path / "tin-sai.jsonl"
    assert run("", "--misinfo", "--export", str(target)).exit_code == 0
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [SID["p4"], SID["p3"]]
