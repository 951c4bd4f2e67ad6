"""`tokens_of_normalized` / `joined_tokens_of_normalized`: the search indexer's cheap analysis of text that the
crawler pipeline already normalized must give exactly the tokens of THE analyzer (`tokens`)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from common.text import normalize, process, tokens
from common.text.forms import joined_tokens_of_normalized, tokens_of_normalized

from .vn_corpus import make_posts

_CORPUS = sorted((Path(__file__).resolve().parents[3] / "classifier" / "data" / "corpus").glob("*.jsonl"))
_KEY = b"k" * 32


def _corpus_texts() -> list[str]:
    return [json.loads(line)["text"] for path in _CORPUS for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


@pytest.mark.parametrize("text", [
    "Lương hưu tháng này bị CHẬM, bảo hiểm xã hội trả lời đi!!!",
    "đc ko mn ơi 😡😭 quáaaa",
    "Đường dây nóng [SĐT#ab12cd34] và mã [MÃ_BHXH#0123abcd] — gọi ngay",
    "mã_số 123_456 x2 3,5% 1.000.000đ ①②",
    "ĐẠI HỘI Ưu Tiên  nhiều   khoảng trắng\nxuống dòng\ttab",
    "  ",
    "",
])
def test_equal_to_the_analyzer_on_normalized_text(text: str) -> None:
    normalized = normalize(text)
    assert tokens_of_normalized(normalized) == tokens(normalized) == tokens(text)
    assert joined_tokens_of_normalized(normalized).split() == tokens(normalized)
    assert joined_tokens_of_normalized(normalized) == joined_tokens_of_normalized(normalized)  # cached: same


def test_pii_masks_digits_underscores_and_d_are_kept_as_the_analyzer_keeps_them() -> None:
    joined = joined_tokens_of_normalized(normalize("Gọi [SĐT#ab12cd34] về mã_số đơn 42 ở Đà Nẵng 😡"))
    assert joined.split() == ["goi", "sdt", "ab12cd34", "ve", "ma_so", "don", "42", "o", "da", "nang"]


def test_equal_on_the_classifier_corpus_and_synthetic_posts() -> None:
    texts = _corpus_texts()
    assert len(texts) > 1000, _CORPUS
    texts += make_posts(500)
    mismatches = []
    for text in texts:
        for normalized in (normalize(text), process(text, _KEY).normalized):
            expected = tokens(normalized)
            if tokens_of_normalized(normalized) != expected or joined_tokens_of_normalized(normalized).split() != \
                    expected:
                mismatches.append(text)
    assert mismatches == []
