"""Province gazetteer: 63 → 34 mapping (Resolution 202/2025/QH15), detection rules and query resolution."""
from __future__ import annotations

import pytest

from common.text import (
    NEW_TO_OLD,
    OLD_TO_NEW,
    PROVINCES_NEW,
    PROVINCES_OLD,
    clean,
    detect_province,
    detect_provinces,
    fold,
    resolve_province,
)

MERGED = {
    "Tuyên Quang": ["Hà Giang"], "Lào Cai": ["Yên Bái"], "Thái Nguyên": ["Bắc Kạn"],
    "Phú Thọ": ["Vĩnh Phúc", "Hòa Bình"], "Bắc Ninh": ["Bắc Giang"], "Hưng Yên": ["Thái Bình"],
    "Hải Phòng": ["Hải Dương"], "Ninh Bình": ["Hà Nam", "Nam Định"], "Quảng Trị": ["Quảng Bình"],
    "Đà Nẵng": ["Quảng Nam"], "Quảng Ngãi": ["Kon Tum"], "Gia Lai": ["Bình Định"], "Khánh Hòa": ["Ninh Thuận"],
    "Lâm Đồng": ["Đắk Nông", "Bình Thuận"], "Đắk Lắk": ["Phú Yên"],
    "TP. Hồ Chí Minh": ["Bình Dương", "Bà Rịa – Vũng Tàu"], "Đồng Nai": ["Bình Phước"], "Tây Ninh": ["Long An"],
    "Cần Thơ": ["Sóc Trăng", "Hậu Giang"], "Vĩnh Long": ["Bến Tre", "Trà Vinh"], "Đồng Tháp": ["Tiền Giang"],
    "Cà Mau": ["Bạc Liêu"], "An Giang": ["Kiên Giang"],
}
UNCHANGED = ["Hà Nội", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa", "Nghệ An", "Hà Tĩnh",
             "Cao Bằng"]


def one(text: str):
    hits = detect_provinces(clean(text))
    assert len(hits) == 1, (text, hits)
    return hits[0]


def none(text: str) -> None:
    assert detect_provinces(clean(text)) == [], text


# --- the data -----------------------------------------------------------------------------------------------------
def test_34_new_and_63_old_units():
    assert len(PROVINCES_NEW) == len(set(PROVINCES_NEW)) == 34
    assert len(OLD_TO_NEW) == len(PROVINCES_OLD) == 63
    assert set(OLD_TO_NEW.values()) == set(PROVINCES_NEW)
    assert sum(len(v) for v in NEW_TO_OLD.values()) == 63


@pytest.mark.parametrize("new", sorted(MERGED))
def test_merged_units(new):
    for old in MERGED[new]:
        assert OLD_TO_NEW[old] == new
    assert set(NEW_TO_OLD[new]) == {new, *MERGED[new]}


def test_unchanged_units_and_hue():
    for name in UNCHANGED:
        assert OLD_TO_NEW[name] == name and NEW_TO_OLD[name] == (name,)
    assert OLD_TO_NEW["Thừa Thiên Huế"] == "Huế"
    assert "Huế" in PROVINCES_NEW and "Huế" not in OLD_TO_NEW


def test_canonical_names_use_traditional_tone_marks():
    for name in list(PROVINCES_NEW) + list(PROVINCES_OLD):
        assert clean(name) == name
    assert "Thanh Hóa" in PROVINCES_NEW and "Khánh Hòa" in PROVINCES_NEW and "Hòa Bình" in OLD_TO_NEW


# --- detection ----------------------------------------------------------------------------------------------------
def test_old_name_maps_to_new_unit_and_keeps_the_written_span():
    text = clean("BHXH tỉnh Bình Dương chậm chi trả")
    h = one(text)
    assert (h.written, h.old, h.new) == ("Bình Dương", "Bình Dương", "TP. Hồ Chí Minh")
    assert text[h.start:h.end] == "Bình Dương"


@pytest.mark.parametrize("name", sorted(OLD_TO_NEW))
def test_every_old_province_is_detected_in_title_case_and_with_a_prefix(name):
    h = one(f"Người lao động ở tỉnh {name} phản ánh")
    assert (h.old, h.new) == (name, OLD_TO_NEW[name])


@pytest.mark.parametrize(
    "text, old",
    [("ở TP.HCM", "TP. Hồ Chí Minh"), ("dân TPHCM", "TP. Hồ Chí Minh"), ("về HCM", "TP. Hồ Chí Minh"),
     ("sống ở Sài Gòn", "TP. Hồ Chí Minh"), ("quê SG", "TP. Hồ Chí Minh"), ("TP. Hồ Chí Minh", "TP. Hồ Chí Minh"),
     ("ra HN làm", "Hà Nội"), ("ĐN mưa to", "Đà Nẵng"), ("về BRVT", "Bà Rịa – Vũng Tàu"),
     ("về BR-VT", "Bà Rịa – Vũng Tàu"), ("Bà Rịa - Vũng Tàu", "Bà Rịa – Vũng Tàu"), ("quê Hà Tây", "Hà Nội"),
     ("ở Daklak", "Đắk Lắk"), ("ở Đắc Lắc", "Đắk Lắk"), ("Thừa Thiên - Huế", "Thừa Thiên Huế"),
     ("quê Bắc Cạn", "Bắc Kạn"), ("Khánh Hoà", "Khánh Hòa"), ("Thanh Hoá", "Thanh Hóa")],
)
def test_short_forms_and_other_spellings(text, old):
    assert one(text).old == old


@pytest.mark.parametrize(
    "text, old",
    [("TP Thủ Đức", "TP. Hồ Chí Minh"), ("ở Dĩ An", "Bình Dương"), ("Thuận An", "Bình Dương"),
     ("Thủ Dầu Một", "Bình Dương"), ("Biên Hòa", "Đồng Nai"), ("Nhơn Trạch", "Đồng Nai"),
     ("Vũng Tàu", "Bà Rịa – Vũng Tàu"), ("Nha Trang", "Khánh Hòa"), ("Đà Lạt", "Lâm Đồng"),
     ("Buôn Ma Thuột", "Đắk Lắk"), ("Quy Nhơn", "Bình Định"), ("Pleiku", "Gia Lai"), ("Hạ Long", "Quảng Ninh"),
     ("Phan Thiết", "Bình Thuận"), ("KCN Tân Tạo", "TP. Hồ Chí Minh"), ("KCN Yên Phong", "Bắc Ninh"),
     ("thành phố Vinh", "Nghệ An"), ("TP Vinh", "Nghệ An")],
)
def test_cities_districts_and_industrial_parks(text, old):
    h = one(f"Công nhân {text} nghỉ việc")
    assert h.old == old and h.new == OLD_TO_NEW[old]


def test_text_without_diacritics():
    assert one("bhxh tinh binh duong").old == "Bình Dương"
    assert one("o ha noi").old == "Hà Nội"
    assert one("BINH DUONG").old == "Bình Dương"


@pytest.mark.parametrize(
    "text",
    ["chị Huệ bán hàng", "sống trong hòa bình", "Thái Bình Dương rộng lớn", "hn đi làm", "sg đẹp", "đn",
     "thai binh qua", "long an toàn", "Vinh quang", "đa năng da nang", "diễn biến dien bien phức tạp",
     "chủ tịch Hồ Chí Minh", "tư tưởng Hồ Chí Minh", "hue", "cao bằng nhau", "tăng gia lai"],
)
def test_ambiguous_words_are_not_provinces(text):
    none(text)


@pytest.mark.parametrize(
    "text, old",
    [("Hòa Bình", "Hòa Bình"), ("BHXH tỉnh hòa bình", "Hòa Bình"), ("Thái Bình", "Thái Bình"),
     ("tinh thai binh", "Thái Bình"), ("Thai Binh", "Thái Bình"), ("Long An", "Long An"),
     ("chị Huệ ở Huế", "Thừa Thiên Huế"), ("Hue", "Thừa Thiên Huế"), ("Da Nang", "Đà Nẵng"),
     ("thành phố da nang", "Đà Nẵng"), ("Điện Biên", "Điện Biên"), ("Cao Bằng", "Cao Bằng"),
     ("BHXH TỈNH THANH HÓA", "Thanh Hóa")],
)
def test_ambiguous_names_with_title_case_or_prefix_are_provinces(text, old):
    assert one(text).old == old


def test_huế_hit_names_old_and_new_unit():
    h = one("cố đô Huế")
    assert (h.old, h.new) == ("Thừa Thiên Huế", "Huế")


def test_detect_province_most_mentioned_new_unit():
    text = clean("Công nhân Bình Dương và Dĩ An bức xúc, đoàn công tác từ Hà Nội vào làm việc")
    h = detect_province(text)
    assert h.new == "TP. Hồ Chí Minh" and h.old == "Bình Dương"
    assert detect_province(clean("Hà Nội rồi Đà Nẵng")).new == "Hà Nội"  # tie: first mentioned
    assert detect_province("không có địa danh nào 😀") is None


# --- resolve (query values) -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, expected",
    [("HCM", ("TP. Hồ Chí Minh", "TP. Hồ Chí Minh")), ("binh duong", ("Bình Dương", "TP. Hồ Chí Minh")),
     ("Bình Dương", ("Bình Dương", "TP. Hồ Chí Minh")), ("tỉnh Hòa Bình", ("Hòa Bình", "Phú Thọ")),
     ("hoa binh", ("Hòa Bình", "Phú Thọ")), ("hn", ("Hà Nội", "Hà Nội")), ("Huế", ("Thừa Thiên Huế", "Huế")),
     ("thanh hoa", ("Thanh Hóa", "Thanh Hóa")), ("Khánh Hoà", ("Khánh Hòa", "Khánh Hòa")),
     ("  TP.HCM ", ("TP. Hồ Chí Minh", "TP. Hồ Chí Minh")), ("BRVT", ("Bà Rịa – Vũng Tàu", "TP. Hồ Chí Minh"))],
)
def test_resolve_query_values(value, expected):
    assert resolve_province(value) == expected


def test_resolve_every_canonical_name_with_and_without_diacritics():
    for old, new in OLD_TO_NEW.items():
        assert resolve_province(old) == (old, new)
        assert resolve_province(fold(old).lower()) == (old, new)
    for new in PROVINCES_NEW:
        assert resolve_province(new)[1] == new


@pytest.mark.parametrize("value", ["", "   ", "xyz", "bảo hiểm", "Thái Bình Dương"])
def test_resolve_unknown(value):
    assert resolve_province(value) is None
