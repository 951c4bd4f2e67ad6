"""clean / normalize / fold / tokens / decode_utf8 on hostile input."""
from __future__ import annotations

import time
import unicodedata

import pytest

from common.text import InvalidTextError, clean, decode_utf8, fold, normalize, tokens

from .vn_corpus import make_posts


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


# --- clean: NFC, tone placement ---------------------------------------------------------------------------------
def test_nfd_input_becomes_nfc():
    text = "Bảo hiểm xã hội Việt Nam chi trả lương hưu đúng hạn"
    assert nfd(text) != text
    assert clean(nfd(text)) == text
    assert unicodedata.is_normalized("NFC", clean(nfd(text)))


@pytest.mark.parametrize(
    "new_style, traditional",
    [("hoà", "hòa"), ("thuý", "thúy"), ("khoẻ", "khỏe"), ("hoá", "hóa"), ("tuỳ", "tùy"), ("loà", "lòa"),
     ("Thanh Hoá", "Thanh Hóa"), ("Khánh Hoà", "Khánh Hòa"), ("HOÀ BÌNH", "HÒA BÌNH"), ("Hoà", "Hòa"),
     ("sức khoẻ", "sức khỏe"), ("thuở", "thuở")],
)
def test_both_tone_styles_give_identical_clean_output(new_style, traditional):
    assert clean(new_style) == traditional
    assert clean(traditional) == traditional
    assert clean(nfd(new_style)) == traditional


@pytest.mark.parametrize(
    "word", ["quý", "quá", "già", "giữa", "hoàng", "khoảng", "thuyền", "người", "mía", "múa", "của", "ngoài",
             "khuỷu", "xoáy", "Nguyễn", "huỳnh", "giếng", "rượu", "khuấy", "quyết", "QUÝ", "Hoàng"],
)
def test_correctly_placed_words_are_untouched(word):
    assert clean(word) == word


@pytest.mark.parametrize(
    "typo, fixed",
    [("qúa", "quá"), ("gìa", "già"), ("hòang", "hoàng"), ("ngòai", "ngoài"), ("ngừơi", "người"), ("thùyên", "thuyền")],
)
def test_misplaced_tone_marks_are_moved(typo, fixed):
    assert clean(typo) == fixed


@pytest.mark.parametrize("word", ["Chloé", "naïve", "café", "Zoé", "résumé", "Schröder", "Fiancée"])
def test_non_vietnamese_words_are_left_alone(word):
    assert clean(word) == word


def test_eth_becomes_d_with_stroke():
    assert clean("\u00d0à Nẵng \u00d0ồng Nai") == "Đà Nẵng Đồng Nai"


# --- clean: invisible characters, entities, whitespace -----------------------------------------------------------
def test_zero_width_and_control_characters_are_removed_inside_words():
    dirty = "b\u200bh\u200cx\u2060h\ufeff bả\u00ado hi\u200dểm\x00 x\x07ã hội\x1b"
    assert clean(dirty) == "bhxh bảo hiểm xã hội"
    assert tokens(dirty) == tokens("bhxh bảo hiểm xã hội")


def test_zero_width_inside_nfd_sequence_does_not_block_composition():
    assert clean("hoa\u200b\u0300") == "hoà".replace("oà", "òa")


def test_zwj_emoji_sequences_are_kept():
    family = "👨\u200d👩\u200d👧"
    assert clean(f"gia đình {family} vui") == f"gia đình {family} vui"


def test_html_entities_are_unescaped():
    assert clean("Lương &amp; phụ cấp &#7843;nh hưởng&nbsp;ít") == "Lương & phụ cấp ảnh hưởng ít"
    assert clean("&lt;b&gt;BHXH&lt;/b&gt;") == "<b>BHXH</b>"


def test_whitespace_is_folded():
    raw = "  Xin\t\tchào\u00a0\u00a0mọi   người \r\n\r\n\n  BHXH\u3000trả lời\u2028ngay  "
    assert clean(raw) == "Xin chào mọi người\nBHXH trả lời\nngay"


def test_emoji_are_kept():
    assert clean("Quá tệ 😡😡 👍") == "Quá tệ 😡😡 👍"
    assert normalize("Quá tệ 😡😡 👍") == "quá tệ 😡😡 👍"


def test_clean_is_idempotent_on_realistic_posts():
    for post in make_posts(500, seed=3):
        once = clean(post)
        assert clean(once) == once


# --- normalize ----------------------------------------------------------------------------------------------------
def test_normalize_lowercases_and_expands_teencode():
    assert normalize("BHXH khum trả lương, ko hiểu sao") == "bảo hiểm xã hội không trả lương, không hiểu sao"


@pytest.mark.parametrize(
    "raw, expected",
    [("quáaaa", "quá"), ("đượccc", "được"), ("QUÁAAA", "quá"), ("nữaaaa", "nữa"), ("chánnnn quá", "chán quá"),
     ("khummm", "không"), ("kooo", "không")],
)
def test_repeated_letters_are_squeezed(raw, expected):
    assert normalize(raw) == expected


def test_squeeze_never_touches_digits_or_masks():
    text = "lương 1000000 năm 2222 mã [SĐT#aaab12cccd]"
    assert normalize(text) == "lương 1000000 năm 2222 mã [SĐT#aaab12cccd]"


def test_single_letter_laughs_are_not_turned_into_teencode():
    assert normalize("kkkk") == "kkkk"
    assert "không" not in normalize("hahaha kkkkk")


def test_all_caps_and_no_diacritics_give_the_same_tokens_as_proper_text():
    proper = tokens("BHXH không trả lương hưu")
    assert tokens("BHXH KHÔNG TRẢ LƯƠNG HƯU") == proper
    assert tokens("bhxh khong tra luong huu") == proper
    assert tokens("BHXH KO TRA LUONG HUU") == proper


# --- fold / tokens ------------------------------------------------------------------------------------------------
def test_fold_drops_diacritics_keeps_case():
    assert fold("Đường Hồ Chí Minh, quận Gò Vấp") == "Duong Ho Chi Minh, quan Go Vap"
    assert fold("ưƯơƠăĂâÂêÊôÔđĐ") == "uUoOaAaAeEoOdD"
    assert fold(nfd("Thừa Thiên Huế")) == "Thua Thien Hue"
    assert fold("😀 ok") == "😀 ok"


def test_tokens_example_from_the_query_language_contract():
    assert tokens("BHXH tỉnh Bình Dương khum trả lương hưu") == [
        "bao", "hiem", "xa", "hoi", "tinh", "binh", "duong", "khong", "tra", "luong", "huu",
    ]


def test_tokens_are_identical_across_forms_of_the_same_text():
    base = tokens("Bà Hoà ở Khánh Hoà khoẻ, thuý")
    assert tokens("Bà Hòa ở Khánh Hòa khỏe, thúy") == base
    assert tokens(nfd("Bà Hoà ở Khánh Hoà khoẻ, thuý")) == base
    assert tokens("BA HOA O KHANH HOA KHOE, THUY") == base


def test_emoji_only_post_has_no_tokens_but_is_kept():
    post = "😡😡😡 🙏"
    assert clean(post) == post
    assert normalize(post) == post
    assert tokens(post) == []


def test_public_names_keep_their_signatures():
    import common.text as ct

    assert ct.fold("Đ") == "D"
    assert ct.tokens("Đà Nẵng") == ["da", "nang"]
    assert callable(ct.resolve_province)


# --- big / pathological input -------------------------------------------------------------------------------------
PATHOLOGICAL = {
    "letters": "a" * 1_000_000,
    "digits": "1" * 1_000_000,
    "digits and spaces": "1 " * 500_000,
    "toned vowels": "oàoàoà" * 160_000,
    "combining marks": "a" + "\u0301" * 999_999,
    "newlines": "\n \n" * 333_333,
    "emoji": "😀" * 500_000,
    "dots": "1." * 500_000,
}


def test_one_megabyte_realistic_text_is_processed_quickly():
    big = "\n".join(make_posts(6000, seed=11))[:1_000_000]
    t0 = time.process_time()
    out = tokens(big)
    assert time.process_time() - t0 < 5.0
    assert len(out) > 100_000


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_one_megabyte_pathological_text_finishes(name):
    text = PATHOLOGICAL[name]
    t0 = time.process_time()
    clean(text)
    normalize(text)
    tokens(text)
    assert time.process_time() - t0 < 5.0, f"{name}: super-linear regex?"


# --- decode_utf8 --------------------------------------------------------------------------------------------------
def test_decode_utf8_accepts_valid_text_and_drops_bom():
    assert decode_utf8("Bảo hiểm 😀".encode()) == "Bảo hiểm 😀"
    assert decode_utf8(b"\xef\xbb\xbfabc") == "abc"


def test_decode_utf8_error_names_offset_and_bad_bytes():
    data = "Lương hưu".encode() + b"\xff\xfe" + b" ok"
    with pytest.raises(InvalidTextError) as exc:
        decode_utf8(data, where="facebook:post/42")
    err = exc.value
    assert isinstance(err, ValueError)
    assert err.offset == len("Lương hưu".encode())
    msg = str(err)
    assert f"offset {err.offset}" in msg
    assert "ff" in msg and "facebook:post/42" in msg


def test_decode_utf8_rejects_truncated_sequence_and_surrogates():
    with pytest.raises(InvalidTextError) as exc:
        decode_utf8("xã".encode()[:-1])
    assert exc.value.offset == 1
    with pytest.raises(InvalidTextError):
        decode_utf8(b"\xed\xa0\x80")  # an encoded UTF-16 surrogate is not valid UTF-8


def test_fold_agrees_with_its_definition_on_every_latin_character():
    def reference(s: str) -> str:
        d = unicodedata.normalize("NFD", s)
        d = "".join(c for c in d if not unicodedata.combining(c))
        return unicodedata.normalize("NFC", d.replace("đ", "d").replace("Đ", "D"))

    sample = "".join(chr(c) for c in range(0x20, 0x3000) if not 0xD800 <= c < 0xE000)
    assert fold(sample) == reference(sample)
