"""`crisiswatch classify` (one text, or JSONL from a file or stdin) and `crisiswatch train`, as a user runs them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crisiswatch.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def args(tiny_artifact, tiny_base_dir: Path) -> list[str]:
    artifact_dir, _ = tiny_artifact
    return ["--artifact", str(artifact_dir), "--base", str(tiny_base_dir)]


def test_classify_one_text_shows_labels_claim_and_rebuttal(args: list[str]) -> None:
    result = runner.invoke(app, ["classify", *args, "Nghe nói từ 1/7 cấm rút bhxh 1 lần rồi, rút nhanh kẻo mất"])
    assert result.exit_code == 0, result.output
    assert "Liên quan BHXH" in result.output and "cam-rut-bhxh-mot-lan" in result.output
    assert "Bác bỏ chính thức" in result.output and "41/2024/QH15" in result.output


def test_classify_one_text_as_json(args: list[str]) -> None:
    result = runner.invoke(app, ["classify", *args, "--json", "mua bảo hiểm ô tô ở đâu rẻ"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["relevant"] is False and out["claims"] == []


def test_classify_jsonl_file_labels_every_line_in_order(args: list[str], tmp_path: Path) -> None:
    lines = [{"id": i, "text": t} for i, t in enumerate([
        "Lương hưu tháng này về chậm quá các bác ơi", "BHXH quận 3 hỗ trợ nhiệt tình, cảm ơn ạ",
        "bán bảo hiểm xe máy giá rẻ inbox", "Quỹ bhxh vỡ rồi, sắp hết tiền trả lương hưu"], start=1)]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", *args, "--jsonl", str(path)])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, 2, 3, 4]
    for o in out:
        assert isinstance(o["relevant"], bool) and 0 <= o["relevant_score"] <= 1
        assert o["sentiment"] in {"negative", "neutral", "positive"} and set(o["sentiment_scores"]) == {
            "negative", "neutral", "positive"}
        assert isinstance(o["misinformation"], bool) and 0 <= o["misinformation_score"] <= 1
        assert o["topic"] and "province" in o and isinstance(o["claims"], list)
    assert out[2]["relevant"] is False
    assert out[3]["claims"][0]["claim_id"] == "quy-bhxh-vo-quy"


def test_classify_jsonl_from_stdin_reports_bad_lines_and_loses_nothing(args: list[str]) -> None:
    data = (b'{"id": "a", "text": "Th\xe1\xba\xbb BHYT b\xe1\xbb\x8b t\xe1\xbb\xab ch\xe1\xbb\x91i"}\n'
            b'{"id": "b", "text": \n'  # broken JSON
            b'{"id": "c"}\n'  # no text
            b'{"id": "d", "text": "bad \xff utf-8"}\n'
            b'["not", "an", "object"]\n'
            b'{"text": "rut bhxh 1 lan o dau"}\n')
    result = runner.invoke(app, ["classify", *args, "--jsonl", "-"], input=data)
    assert result.exit_code == 1  # some lines failed, and the exit code says so
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 6  # one output line per input line
    assert out[0]["id"] == "a" and "relevant" in out[0]
    assert out[1]["line"] == 2 and "JSON" in out[1]["error"]
    assert out[2]["id"] == "c" and "text" in out[2]["error"]
    assert out[3]["line"] == 4 and "UTF-8" in out[3]["error"]
    assert out[4]["line"] == 5 and "error" in out[4]
    assert "id" not in out[5] and "relevant" in out[5]
    assert "4 dòng lỗi" in result.stderr


def test_classify_needs_exactly_one_input(args: list[str]) -> None:
    assert runner.invoke(app, ["classify", *args]).exit_code == 2


def test_classify_without_a_model_says_how_to_get_one(tmp_path: Path, tiny_base_dir: Path) -> None:
    result = runner.invoke(app, ["classify", "--artifact", str(tmp_path), "--base", str(tiny_base_dir), "x"])
    assert result.exit_code == 1 and "crisiswatch train" in result.stderr


def test_train_command_writes_model_and_report(tiny_base_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "model"
    result = runner.invoke(app, ["train", "--out", str(out), "--base", str(tiny_base_dir), "--epochs", "1",
                                 "--tuned-layers", "1"])
    assert result.exit_code == 0, result.output
    assert (out / "manifest.json").is_file() and (out / "report" / "report.md").is_file()
    assert "relevance_f1" in result.output and "Báo cáo" in result.output
