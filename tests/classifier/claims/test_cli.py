from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from classifier.claims import DEFAULT_CLAIMS_FILE, load_registry
from classifier.cli import register

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:  # a group, like the real crisiswatch app
        pass

    register(app)
    return app


def _run(app: typer.Typer, *args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_list(app: typer.Typer) -> None:
    result = _run(app, "claims", "list")
    assert result.exit_code == 0, result.output
    assert "Mã" in result.output and "Chủ đề" in result.output
    for claim in load_registry().claims:
        assert claim.id in result.output


def test_test_match_and_no_match(app: typer.Typer) -> None:
    result = _run(app, "claims", "test", "BHXH VN khẳng định thông tin cấm rút BHXH một lần là sai sự thật")
    assert result.exit_code == 0, result.output
    assert "cam-rut-bhxh-mot-lan" in result.output and "refutes" in result.output
    assert "41/2024/QH15" in result.output  # the rebuttal
    result = _run(app, "claims", "test", "hôm nay trời đẹp quá")
    assert result.exit_code == 0
    assert "Không khớp tin đồn nào" in result.output


ADD = ["--id", "bhyt-het-han-khi-nghi-viec", "--claim", "Nghỉ việc là thẻ BHYT bị khóa ngay lập tức.",
       "--rebuttal", "Thẻ BHYT còn giá trị đến hết thời hạn ghi trên thẻ. BHXH Việt Nam đề nghị người dân "
       "tra cứu trên VssID.", "--source", "BHXH Việt Nam", "--date", "2025-09-01", "--topic", "health_insurance",
       "--paraphrase", "nghỉ việc là bị khóa thẻ bhyt", "--paraphrase", "nghi viec the bhyt bi khoa ngay",
       "--paraphrase", "nghỉ làm thẻ bảo hiểm y tế hết dùng được", "--paraphrase", "nghỉ việc khóa bhyt hả mn"]


def test_add_writes_valid_file_and_bumps_version(app: typer.Typer, tmp_path: Path) -> None:
    file = tmp_path / "claims.yaml"
    shutil.copy(DEFAULT_CLAIMS_FILE, file)
    before = load_registry(file)
    result = _run(app, "claims", "add", "--file", str(file), *ADD)
    assert result.exit_code == 0, result.output
    after = load_registry(file)
    assert after.version == before.version + 1
    assert after.get("bhyt-het-han-khi-nghi-viec").source.illustrative
    # the same id again: refused, file unchanged
    result = _run(app, "claims", "add", "--file", str(file), *ADD)
    assert result.exit_code == 2
    assert "duplicate" in result.output
    assert load_registry(file).version == after.version


def test_add_rejects_invalid_claim(app: typer.Typer, tmp_path: Path) -> None:
    file = tmp_path / "claims.yaml"
    shutil.copy(DEFAULT_CLAIMS_FILE, file)
    original = file.read_text(encoding="utf-8")
    args = [a if a != "health_insurance" else "rumors" for a in ADD]
    result = _run(app, "claims", "add", "--file", str(file), *args)
    assert result.exit_code == 2
    assert "topic" in result.output
    assert file.read_text(encoding="utf-8") == original


def test_subprocess_with_env_file(tmp_path: Path) -> None:
    file = tmp_path / "claims.yaml"
    shutil.copy(DEFAULT_CLAIMS_FILE, file)
    code = ("import typer; from classifier.cli import register\n"
            "app = typer.Typer()\n@app.callback()\ndef main(): pass\nregister(app); app()")
    env = {**os.environ, "CRISISWATCH_CLAIMS_FILE": str(file), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", code, "claims", "add", *ADD], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert load_registry(file).get("bhyt-het-han-khi-nghi-viec")
    done = subprocess.run([sys.executable, "-c", code, "claims", "list"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "bhyt-het-han-khi-nghi-viec" in done.stdout
