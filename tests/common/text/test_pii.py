"""PII masking (Decree 13/2023): what is masked, what is not, and the keyed-hash tokens."""
from __future__ import annotations

import re
import time

import pytest

from common.text import clean, mask_pii

from .vn_corpus import make_posts

KEY = b"test-secret-key"
TOKEN_RE = re.compile(r"\[(SĐT|MÃ_BHXH|CCCD|STK)#[0-9a-f]{10}\]")


def masked(text: str, key: bytes = KEY):
    return mask_pii(clean(text), key)


def kinds(text: str) -> list[str]:
    return [f.kind for f in masked(text).findings]


def only_token(text: str) -> str:
    r = masked(text)
    assert len(r.findings) == 1, (text, r.findings)
    return r.findings[0].token


# --- phones -------------------------------------------------------------------------------------------------------
MOBILE_FORMS = ["0912345678", "0912 345 678", "0912.345.678", "0912-345-678", "091 234 5678", "+84 912 345 678",
                "+84912345678", "+84 912.345.678", "84912345678", "(+84) 912345678", "+84-912-345-678"]


def test_same_mobile_in_every_format_gives_the_same_token():
    tokens = {only_token(f"Liên hệ {form} nhé") for form in MOBILE_FORMS}
    assert len(tokens) == 1
    assert next(iter(tokens)).startswith("[SĐT#")


@pytest.mark.parametrize("prefix", ["03", "05", "07", "08", "09"])
def test_all_mobile_prefixes(prefix):
    assert kinds(f"gọi {prefix}12345678 ngay") == ["phone"]


def test_landline_forms_give_the_same_token():
    forms = ["(028) 3829 1234", "028 3829 1234", "028.3829.1234", "02838291234", "+84 28 3829 1234", "(028)38291234"]
    assert len({only_token(f"Tổng đài {f} của phòng") for f in forms}) == 1
    assert kinds("BHXH Đà Nẵng (0236) 382 1234") == ["phone"]


def test_digits_never_appear_in_masked_text():
    text = ("SĐT 0912 345 678, vợ +84 987.654.321, nhà (028) 3829 1234, CCCD 079123456789, "
            "mã số BHXH 7912345678, STK Vietcombank 0071 0012 34567")
    r = masked(text)
    assert len(r.findings) == 6
    for digits in ["0912345678", "912345678", "345678", "987654321", "38291234", "079123456789", "7912345678",
                   "0071001234567", "654"]:
        assert digits not in re.sub(r"\D", "", TOKEN_RE.sub("", r.text)), digits
    assert len(TOKEN_RE.findall(r.text)) == 6


def test_different_keys_give_different_tokens_same_key_is_stable():
    t1 = only_token("gọi 0912345678")
    assert only_token("gọi 0912345678") == t1
    r2 = masked("gọi 0912345678", key=b"another-key")
    assert r2.findings[0].token != t1
    assert only_token("gọi 0912345679") != t1


def test_findings_point_at_the_number_in_the_input():
    text = clean("Anh Nam, sđt: 0912 345 678 (zalo)")
    r = mask_pii(text, KEY)
    (f,) = r.findings
    assert text[f.start:f.end] == "0912 345 678"
    assert r.text == text[:f.start] + f.token + text[f.end:]
    assert f.kind == "phone"


def test_numbers_glued_to_words_are_masked():
    assert kinds("sdt0912345678 zalo:0987.654.321") == ["phone", "phone"]


# --- other kinds --------------------------------------------------------------------------------------------------
def test_bhxh_code_in_context_and_bare():
    assert kinds("mã số BHXH 7912345678") == ["bhxh_code"]
    assert kinds("Mã BHXH: 79 1234 5678") == ["bhxh_code"]
    assert kinds("tra cứu 7912345678 không ra") == ["bhxh_code"]
    # 0 + 3/5/7/8/9 + 8 digits is a mobile unless the context says it is a BHXH code
    assert kinds("tra cứu 0312345678") == ["phone"]
    assert kinds("mã số bhxh 0312345678") == ["bhxh_code"]


def test_health_insurance_card_number_hashes_as_its_bhxh_code():
    card = masked("thẻ BHYT GD4797912345678 hết hạn")
    code = masked("mã số BHXH 7912345678")
    assert card.findings[0].kind == "bhxh_code"
    assert card.findings[0].token == code.findings[0].token
    assert "GD47" not in card.text


def test_citizen_id():
    assert kinds("CCCD 079123456789") == ["citizen_id"]
    assert kinds("căn cước số 079 123 456 789") == ["citizen_id"]
    assert kinds("số 079123456789") == ["citizen_id"]  # bare 12 digits
    assert kinds("CMND: 023456789") == ["citizen_id"]  # 9-digit CMND only with context
    assert kinds("lô hàng 023456789") == []


@pytest.mark.parametrize(
    "text",
    ["STK: 0123456789", "STK Vietcombank 0071 0012 34567", "số tài khoản 19036123456789 Techcombank",
     "tk ngân hàng Agribank 1500205123456", "chuyển khoản vào 123456789 giúp em", "stk 123456"],
)
def test_bank_accounts_only_in_context(text):
    assert kinds(text) == ["bank_account"]


def test_bank_context_wins_over_phone_shape():
    assert kinds("STK MB: 0912345678") == ["bank_account"]
    assert kinds("STK: 0123456789, SĐT 0987654321") == ["bank_account", "phone"]


def test_numbers_without_bank_context_are_not_accounts():
    assert kinds("đơn hàng 123456789 đã giao") == []
    assert kinds("mã đơn 12345678") == []


# --- not PII ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Tổng đài 1900 9068 hỗ trợ 24/7",
        "gọi 19009068 hoặc 1900.9068 hoặc 1800 1234 hoặc 1900 123 456",
        "mức hưởng 1.500.000đ mỗi tháng",
        "trợ cấp 2,5 triệu đồng",
        "nợ 1500000000 đồng tiền bảo hiểm",
        "nợ đọng 1500000000đ và 2500000000 VNĐ",
        "khoản vay 1,500,000,000 được duyệt",
        "tăng 30% từ 01/07/2025",
        "ngày 1/7, ngày 2025-07-01, ngày 01.07.2025, lúc 08:30",
        "Luật 41/2024/QH15 có hiệu lực",
        "Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân",
        "Thông tư 01/2025/TT-BLĐTBXH và Quyết định 595/QĐ-BHXH",
        "năm 2025, 2024-2025, giai đoạn 2021 - 2025",
        "có 3000 công nhân, 12 tháng, 45 ngày",
        "chỉ số 123456 tăng",
    ],
)
def test_non_pii_numbers_are_kept(text):
    r = masked(text)
    assert r.findings == [], r.findings
    assert r.text == clean(text)


def test_teencode_after_a_number_does_not_hide_it():
    # "k" after a space is "không", not "nghìn"; "dong" typed without diacritics is "đóng" (paid)
    assert kinds("gọi 0912345678 k ai nghe") == ["phone"]
    assert kinds("ma so bhxh 7912345678 dong tu 2015") == ["bhxh_code"]
    assert kinds("thu nhập 1500000000k") == []


def test_phone_right_after_a_year_is_still_found():
    assert kinds("năm 2025 0912 345 678 gọi mãi") == ["phone"]
    assert kinds("2025 7912345678") == ["bhxh_code"]


# --- API and robustness ----------------------------------------------------------------------------------------------
def test_key_is_required():
    with pytest.raises(ValueError):
        mask_pii("0912345678", b"")
    assert mask_pii("0912345678", "string-key").findings[0].kind == "phone"


def test_text_without_numbers_is_returned_unchanged():
    text = "Bảo hiểm xã hội tỉnh Bình Dương 😀"
    r = mask_pii(text, KEY)
    assert r.text is text and r.findings == []


def test_one_megabyte_realistic_text_well_under_a_second():
    big = clean("\n".join(make_posts(6000, seed=5))[:1_000_000])
    t0 = time.process_time()
    r = mask_pii(big, KEY)
    elapsed = time.process_time() - t0
    assert len(r.findings) > 1000
    assert not re.search(r"(?<!\d)0912 ?345 ?678(?!\d)", r.text)
    assert elapsed < 1.0, f"{elapsed:.2f}s"


@pytest.mark.parametrize(
    "text",
    ["1" * 1_000_000, "1 " * 500_000, "11 " * 333_333, "1." * 500_000, "(" * 1_000_000, "+84 " * 250_000,
     "0912345678 " * 90_000, "stk " * 250_000, "1/" * 500_000],
    ids=["digits", "digit-space", "pairs", "dots", "parens", "plus84", "phones", "stk", "slashes"],
)
def test_one_megabyte_pathological_text_is_linear(text):
    t0 = time.process_time()
    mask_pii(text, KEY)
    assert time.process_time() - t0 < 3.0


def test_a_phone_after_a_mention_of_bhxh_is_still_a_phone():
    text = "Mn ơi BHXH tp HCM khum trả lương hưu, gọi 0912 345 678 ko ai nghe 😡"
    result = mask_pii(text, b"key")
    assert [f.kind for f in result.findings] == ["phone"]
    assert "[SĐT#" in result.text and "0912" not in result.text
    labelled = mask_pii("Mã số BHXH: 0912345678, nhờ kiểm tra giúp", b"key")
    assert [f.kind for f in labelled.findings] == ["bhxh_code"]
