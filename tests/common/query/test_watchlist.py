"""The default BHXH relevance watchlist: recall on social-insurance talk, no plain car/life/travel insurance."""

from __future__ import annotations

import unicodedata

import pytest

from common.query import MatchDocument, QuerySyntaxError, default_watchlist, default_watchlist_query, load_watchlist
from common.query.watchlist import strip_comments

POSITIVES = [
    # Facebook groups, with diacritics
    "Cho mình hỏi rút BHXH 1 lần cần những giấy tờ gì vậy mọi người?",
    "bhxh huyện làm việc chậm quá, nộp hồ sơ 2 tháng rồi chưa có kết quả 😡😡",
    "Lương hưu tháng 7 có tăng không ạ? Mẹ em nghỉ hưu từ năm 2015",
    "App VssID cứ báo lỗi đăng nhập, ai bị giống mình không",
    "Công ty em nợ đóng bảo hiểm 8 tháng rồi, giờ nghỉ việc không chốt sổ được",
    "CẢNH BÁO: đối tượng giả danh cán bộ bảo hiểm gọi điện yêu cầu cài app để cập nhật thông tin",
    "Thẻ BHYT của con em hết hạn rồi, gia hạn ở đâu ạ",
    "Luật Bảo hiểm xã hội 2024 có hiệu lực từ 1/7/2025, những điểm mới người lao động cần biết",
    "Chế độ thai sản cho lao động nam khi vợ sinh con được bao nhiêu tiền?",
    "Nghỉ ốm 3 ngày có được hưởng chế độ ốm đau không mn",
    "Doanh nghiệp trốn đóng bảo hiểm cho công nhân bị xử phạt 500 triệu",
    "Mất sổ bảo hiểm thì làm lại thế nào các bác",
    "đi khám bằng bảo hiểm mà vẫn phải trả thêm tiền thuốc, vậy đóng làm gì",
    "BẢO HIỂM XÃ HỘI VIỆT NAM THÔNG BÁO LỊCH CHI TRẢ",
    "Mức đóng BHXH tự nguyện năm 2025 là bao nhiêu?",
    "Con em mới sinh, làm sao để đăng ký bhyt cho bé",
    "Hưu trí xã hội cho người từ 75 tuổi không có lương hưu",
    "Mạo danh nhân viên bảo hiểm lừa người già chuyển tiền, mọi người cảnh giác",
    "Tôi đóng bảo hiểm được 12 năm, giờ muốn rút một lần có thiệt không?",
    "Tra cứu quá trình đóng bảo hiểm trên điện thoại như thế nào",
    "Lãnh thất nghiệp 3 tháng cần chuẩn bị gì vậy ạ",
    "Công ty có đóng BHXH cho nhân viên nhưng bảo hiểm xe máy thì tự mua",  # also car: still relevant
    # without diacritics
    "cho e hoi lam ho so huong tro cap that nghiep o dau a",
    "luong huu cua ba em bi cham 2 thang roi",
    "so bao hiem bi sai ngay sinh thi sua o dau",
    # teencode
    "ko dc rut bh 1 lan nua ha mn???",
    "cty ko đóng bh cho nv, nghỉ việc có lấy đc sổ ko",
    "bhtn dc huong may thang vay",
    "vss id ko vao dc, ai chi em voi",
    # NFD (decomposed) input
    unicodedata.normalize("NFD", "Sổ bảo hiểm bị sai ngày sinh, phải làm sao"),
    # hashtags
    "#bhxh #luonghuu tin vui cho người về hưu",
]

NEGATIVES = [
    # car / motorbike
    "Mua bảo hiểm xe máy online chỉ 66k, giao tận nhà",
    "Bảo hiểm ô tô PVI bồi thường chậm quá, xe va chạm 1 tháng chưa giải quyết",
    "Bảo hiểm thân vỏ ô tô có đáng mua không các bác",
    "Bảo hiểm trách nhiệm dân sự bắt buộc xe máy, CSGT có phạt khi không mang theo không?",
    # life / private health
    "Bảo hiểm nhân thọ Prudential đáo hạn nhận về được bao nhiêu?",
    "Tuyển tư vấn viên bảo hiểm nhân thọ, thu nhập 20-30 triệu/tháng",
    "Gói bảo hiểm sức khỏe cho bé, quyền lợi thai sản cho mẹ, phí chỉ từ 5 triệu",
    "Bảo hiểm hưu trí Manulife - kế hoạch nghỉ hưu an nhàn cho bạn",
    # travel
    "Mua bảo hiểm du lịch quốc tế khi đi châu Âu cần lưu ý gì",
    # foreign pensions
    "Nhật Bản tăng tuổi nghỉ hưu lên 70 để đối phó già hóa dân số",
    "Lương hưu trung bình ở Mỹ là bao nhiêu? Quỹ Social Security sắp cạn",
    "Trung Quốc chính thức nâng tuổi nghỉ hưu từ năm 2025",
    "Hàn Quốc: người cao tuổi sống bằng lương hưu ít ỏi",
    # spam and everything else
    "Vay tiền nhanh không cần thế chấp, giải ngân trong 15 phút, lãi suất thấp",
    "Thanh lý lô đất nền giá rẻ, sổ đỏ chính chủ, liên hệ 09xx",
    "Săn sale 12.12 freeship toàn quốc, bh 12 tháng 1 đổi 1",
    "Hôm nay trời đẹp quá, đi cà phê với bạn bè",
    "Giá vàng hôm nay tăng mạnh, vượt 90 triệu đồng/lượng",
    "Manchester United thua trận thứ 3 liên tiếp",
    "AI có thể làm hàng triệu người thất nghiệp trong 10 năm tới",
]


@pytest.mark.parametrize("text", POSITIVES)
def test_positives(text):
    assert default_watchlist().matches(MatchDocument.from_text(text))


@pytest.mark.parametrize("text", NEGATIVES)
def test_negatives(text):
    assert not default_watchlist().matches(MatchDocument.from_text(text))


def test_enough_examples():
    assert len(POSITIVES) >= 20 and len(NEGATIVES) >= 15


def test_title_counts(mention):
    m = mention("Chi tiết xem tại đây", title="Từ 1/7, lương hưu tăng 15%", source="news")
    assert default_watchlist().matches(MatchDocument.from_mention(m))


def test_default_watchlist_is_compiled_once():
    assert default_watchlist() is default_watchlist()


def test_comments_are_stripped():
    text = default_watchlist_query()
    assert not any(line.lstrip().startswith("#") for line in text.splitlines())
    assert strip_comments("# c\n  # d\nlương hưu\n#bhxh") == "\n\nlương hưu\n"


def test_load_watchlist_from_a_file(tmp_path):
    path = tmp_path / "watch.txt"
    path.write_text("# pensions only\n\"lương hưu\" OR \"hưu trí\"\n  # trailing comment\n", encoding="utf-8")
    watchlist = load_watchlist(path)
    assert watchlist.matches("Lương hưu") and not watchlist.matches("BHXH")


def test_a_broken_watchlist_reports_the_line(tmp_path):
    path = tmp_path / "watch.txt"
    path.write_text("# header\n\"lương hưu\" OR\n(\"hưu trí\" OR\n", encoding="utf-8")
    with pytest.raises(QuerySyntaxError) as caught:
        load_watchlist(path)
    assert caught.value.line == 3
    assert "line 3" in str(caught.value)


def test_watchlist_with_a_simulated_teencode_analyzer(teencode):
    # compiled fresh under the analyzer of the fixture: the abbreviated entries collapse into the full ones
    watchlist = load_watchlist()
    assert watchlist.matches("cty ko dong bh cho nv")
    assert watchlist.matches("rút bhxh 1 lần")
    assert not watchlist.matches("bh xe máy giá rẻ")
