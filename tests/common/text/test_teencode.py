"""The committed teencode/abbreviation dictionary and its use by normalize()."""
from __future__ import annotations

from importlib import resources

import pytest

from common.text import TEENCODE, clean, normalize, tokens
from common.text.teencode import TEENCODE_UPPER

TSV = resources.files("common.text").joinpath("data/teencode.tsv").read_text(encoding="utf-8")
ROWS = [line.split("\t") for line in TSV.splitlines() if line and not line.startswith("#")]


def test_tsv_states_sources_and_licences():
    header = "\n".join(line for line in TSV.splitlines() if line.startswith("#"))
    assert "visonorm-0.1.4" in header and "soe-vinorm-0.3.2" in header and "crisiswatch" in header
    assert header.count("MIT") >= 2
    assert resources.files("common.text").joinpath("data/THIRD_PARTY_LICENSES.md").is_file()


def test_tsv_rows_are_well_formed():
    sources = {"crisiswatch", "visonorm-0.1.4", "soe-vinorm-0.3.2"}
    assert len(ROWS) > 1000
    seen = set()
    for row in ROWS:
        assert len(row) == 4, row
        key, exp, source, flags = row
        assert key and exp and source in sources, row
        assert flags in ("", "upper", "after_number", "not_before_digit"), row
        assert (key, flags) not in seen, f"duplicate key {key!r}"
        seen.add((key, flags))
        # keys must be in the form normalize() looks up: clean, lowercase (except capitals-only keys)
        assert clean(key) == key
        assert key == (key.upper() if flags == "upper" else key.lower())
        assert exp == clean(exp).lower()


REQUIRED = {
    "bhxh": "bảo hiểm xã hội", "bhyt": "bảo hiểm y tế", "bhtn": "bảo hiểm thất nghiệp",
    "bhxhvn": "bảo hiểm xã hội việt nam", "nlđ": "người lao động", "nld": "người lao động",
    "nsdlđ": "người sử dụng lao động", "nsdld": "người sử dụng lao động", "hđlđ": "hợp đồng lao động",
    "hdld": "hợp đồng lao động", "tnlđ": "tai nạn lao động", "bnn": "bệnh nghề nghiệp", "kcb": "khám chữa bệnh",
    "cccd": "căn cước công dân", "cmnd": "chứng minh nhân dân", "kcn": "khu công nghiệp", "ubnd": "ủy ban nhân dân",
    "k": "không", "ko": "không", "kh": "không", "hok": "không", "khum": "không", "hem": "không", "kô": "không",
    "dc": "được", "đc": "được", "j": "gì", "r": "rồi", "vs": "với", "mn": "mọi người", "cx": "cũng",
    "ntn": "như thế nào", "ad": "quản trị viên", "sđt": "số điện thoại", "sdt": "số điện thoại",
    "stk": "số tài khoản", "tks": "cảm ơn", "thanks": "cảm ơn",
}


@pytest.mark.parametrize("key", sorted(REQUIRED))
def test_required_domain_and_chat_entries(key):
    assert TEENCODE[key] == REQUIRED[key]


@pytest.mark.parametrize("word", ["hông", "hỏng", "làm", "hoi", "thoai", "huong", "hue", "dong", "tien", "bao", "xa"])
def test_real_vietnamese_syllables_are_never_rewritten(word):
    # visonorm maps e.g. 'hông'/'hỏng' to 'không' and 'hoi' to 'thôi'; 'hoi' typed without diacritics may be 'hội'
    assert word not in TEENCODE
    assert normalize(f"cái {word} này") == f"cái {word} này"


def test_ambiguous_abbreviations_are_kept_as_typed():
    # decided: bn (bạn / bao nhiêu), mk (mình / mật khẩu), ck (chồng / chuyển khoản) are not expanded
    for key in ("bn", "mk", "ck", "tk", "cmt", "qđ"):
        assert key not in TEENCODE
        assert normalize(f"{key} ơi") == f"{key} ơi"


def test_every_plain_entry_is_reachable_and_expanded_in_one_pass():
    for row in ROWS:
        key, exp, _, flags = row
        if flags == "":
            assert normalize(key) == exp, key


def test_capitals_only_short_forms():
    assert TEENCODE_UPPER["HN"] == "hà nội"
    assert normalize("Công nhân ở HN chờ lương") == "công nhân ở hà nội chờ lương"
    assert normalize("hn đi nộp hồ sơ") == "hôm nay đi nộp hồ sơ"
    assert tokens("HN") == ["ha", "noi"]


def test_all_caps_post_does_not_expand_capitals_only_forms():
    assert normalize("HN TRỜI MƯA TO QUÁ") == "hôm nay trời mưa to quá"


def test_units_after_numbers():
    assert normalize("lương 5tr, thưởng 500k, phạt 2 TR") == "lương 5 triệu, thưởng 500 nghìn, phạt 2 triệu"
    assert normalize("k biết") == "không biết"


def test_alley_number_is_not_teencode():
    assert normalize("nhà ở hem 45 Lê Lợi, hem biết") == "nhà ở hem 45 lê lợi, không biết"


def test_punctuation_attached_to_teencode():
    assert normalize("(bhxh), ntn? ko!") == "(bảo hiểm xã hội), như thế nào? không!"


def test_dictionary_is_not_recursive():
    # 'tphcm' expands to 'thành phố hồ chí minh' and nothing in that expansion is expanded again
    assert normalize("tphcm") == "thành phố hồ chí minh"
    assert normalize("k k k") == "không không không"
