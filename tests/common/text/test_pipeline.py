"""process(): the one-call pipeline used by the crawlers and `crisiswatch inspect`."""
from __future__ import annotations

import dataclasses
import time
import unicodedata

import pytest

from common.text import clean, fold, mask_pii, normalize, tokens
from common.text.pipeline import ProcessedText, process

from .vn_corpus import make_posts

KEY = b"pipeline-key"


def test_process_chains_clean_mask_normalize_fold_and_province():
    raw = "BHXH tỉnh Bình Dương khum trả lương hưu!!! Gọi 0912 345 678 😡"
    p = process(raw, KEY)
    assert p.cleaned == clean(raw)
    assert p.masked == mask_pii(clean(raw), KEY).text
    assert p.normalized == normalize(p.masked)
    assert p.folded == fold(p.normalized)
    assert list(p.tokens) == tokens(p.masked)
    assert p.normalized.startswith("bảo hiểm xã hội tỉnh bình dương không trả lương hưu!!!")
    assert p.normalized.endswith("😡")
    assert (p.province.old, p.province.new) == ("Bình Dương", "TP. Hồ Chí Minh")
    assert p.pii == {"phone": 1}


def test_no_digits_of_personal_numbers_anywhere_except_cleaned():
    p = process("Em tên Lan, sđt 0912 345 678, CCCD 079123456789, STK 0071001234567", KEY)
    for field in ("masked", "normalized", "folded"):
        value = getattr(p, field)
        assert "345" not in value and "079123456789" not in value and "0071001234567" not in value
    assert "345 678" not in repr(p)  # cleaned (which still has them) is left out of repr
    assert p.pii == {"phone": 1, "citizen_id": 1, "bank_account": 1}
    assert "[SĐT#" in p.masked and "[CCCD#" in p.masked and "[STK#" in p.masked


def test_result_is_frozen():
    p = process("xin chào", KEY)
    assert isinstance(p, ProcessedText)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.masked = "x"  # type: ignore[misc]


def test_equivalent_inputs_give_equivalent_results():
    a = process("Bà Hoà ở Khánh Hoà khoẻ không?", KEY)
    b = process(unicodedata.normalize("NFD", "Bà Hòa ở Khánh Hòa khỏe không?"), KEY)
    assert a == b
    c = process("BA HOA O KHANH HOA KHOE KO?", KEY)
    assert c.tokens == a.tokens and c.province.old == "Khánh Hòa"


def test_emoji_only_post():
    p = process("😭😭😭 🙏", KEY)
    assert p.masked == "😭😭😭 🙏" and p.normalized == "😭😭😭 🙏"
    assert p.tokens == () and p.province is None and p.pii == {}


def test_empty_and_whitespace_posts():
    for raw in ("", "   \n\t ", "\u200b\ufeff"):
        p = process(raw, KEY)
        assert p.masked == "" and p.tokens == () and p.province is None


def test_same_number_same_token_across_posts():
    a = process("Liên hệ 0912.345.678", KEY)
    b = process("gọi +84 912 345 678 nhé", KEY)
    token = a.masked.split()[-1]
    assert token in b.masked


def test_one_megabyte_post_finishes():
    big = "\n".join(make_posts(6000, seed=21))[:1_000_000]
    t0 = time.process_time()
    p = process(big, KEY)
    assert time.process_time() - t0 < 10.0
    assert p.pii["phone"] > 100 and p.province is not None
