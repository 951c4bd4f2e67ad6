"""Realistic synthetic Vietnamese mentions for benchmarks: Facebook rants with teencode and emoji, Zalo
questions, news leads, distractors, text typed without diacritics or in ALL CAPS, phone and ID numbers."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from common.schema import Mention
from common.text import fold

TEMPLATES = [
    "Mn ơi cho e hỏi {prov} rút bhxh 1 lần thì mất bao lâu ạ, e nộp hồ sơ {days} ngày r mà chưa thấy j 😭",
    "BHXH {prov} làm việc kiểu gì vậy, gọi {phone} cả buổi ko ai nghe máy!!! 😡😡😡",
    "Lương hưu tháng này về chậm quá, các cụ ở {prov} ai nhận được chưa ạ?",
    "Nghe nói từ tháng 7 cấm rút bảo hiểm xã hội một lần, có thật không mọi người? Hoang mang quá",
    "CẢNH BÁO: đối tượng giả danh cán bộ BHXH gọi điện yêu cầu cài app VssID giả, "
    "ai nhận cuộc gọi từ số {phone} thì cẩn thận nhé",
    "Công ty mình ở KCN {park} nợ đóng bảo hiểm 8 tháng rồi, nlđ nghỉ việc ko chốt được sổ 😤",
    "App VssID lại lỗi ko đăng nhập được, đúng hạn chót nộp hồ sơ, chán thật sự",
    "Thủ tục hưởng trợ cấp thất nghiệp ở {prov} nhanh gọn, cán bộ nhiệt tình, cảm ơn BHXH 👍",
    "(Dân trí) - BHXH Việt Nam khẳng định thông tin quỹ hưu trí vỡ quỹ là hoàn toàn sai sự thật. "
    "Kết dư quỹ đến hết năm {year} đạt hơn {amount} tỷ đồng.",
    "Theo Luật Bảo hiểm xã hội 2024 có hiệu lực từ 1/7/2025, người lao động đóng đủ 15 năm được hưởng lương hưu.",
    "Mua bảo hiểm xe máy ở đâu rẻ nhất ạ? Giá {money} có đắt ko mn",
    "Bảo hiểm nhân thọ có nên mua không các bác, tư vấn viên cứ gọi {phone} suốt",
    "Chế độ thai sản khi sinh con được bao nhiêu tháng lương vậy ạ? Em đóng bhxh ở {prov} được {days} tháng",
    "Mã số BHXH của tôi là {bhxh}, tra cứu trên VssID không ra quá trình đóng, nhờ admin kiểm tra giúp",
    "CCCD {cccd}, sdt {phone}: chị ơi em bị trừ tiền bhyt 2 lần trong tháng {month}",
    "THẺ BHYT KHÔNG DÙNG ĐƯỢC Ở BỆNH VIỆN {prov_upper}, PHẢI TRẢ TIỀN TỰ TÚC, QUÁ BỨC XÚC",
    "Tin đồn đóng bảo hiểm tăng 30% từ năm sau là giả, BHXH {prov} đã bác bỏ chính thức.",
    "chuyen khoan vao stk {account} de duoc giai quyet ho so rut bhxh nhanh, lien he {phone}",
    "Hôm nay trời đẹp quá, đi cà phê với hội bạn ở {prov} ☕️",
    "Quỹ lương hưu của Mỹ sắp cạn kiệt theo báo cáo mới nhất của Social Security",
    "Hotline 1900 9068 của BHXH Việt Nam hỗ trợ tra cứu 24/7, mọi người lưu lại nha",
    "Ủa vậy giờ nghỉ việc thì rút bh 1 lần đc hok hay phải chờ 12 tháng, ai rành chỉ e vs 🙏",
    "Doanh nghiệp trốn đóng bhxh cho hơn {workers} công nhân tại {prov} bị xử phạt {money}",
    "giả mạo văn bản của BHXH Việt Nam về việc thu hồi thẻ bhyt, mn đừng tin nhé",
]
PROVINCES = ["Bình Dương", "binh duong", "TP.HCM", "Sài Gòn", "HN", "Hà Nội", "Đồng Nai", "Thanh Hoá", "Nghệ An",
             "Hải Dương", "Quảng Nam", "Đà Nẵng", "Cần Thơ", "Long An", "Bắc Giang", "Vũng Tàu", "Thủ Đức",
             "Gia Lai", "Đắk Lắk", "Kiên Giang", "Thái Nguyên", "Quảng Ninh", "Bình Định", "Huế"]
PARKS = ["Tân Tạo", "Yên Phong", "Nhơn Trạch", "Sóng Thần", "Quang Minh"]
EMOJI = ["", "", " 😭", " 🙏", " 👍", " 😡", " ❤️"]


def _phone(rng: random.Random) -> str:
    digits = f"09{rng.randrange(10**8):08d}"
    style = rng.randrange(3)
    if style == 0:
        return digits
    if style == 1:
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    return f"+84 {digits[1:4]}.{digits[4:7]}.{digits[7:]}"


def _variant(text: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.15:
        return fold(text)  # typed without diacritics
    if roll < 0.20:
        return text.upper()
    if roll < 0.30:
        import unicodedata

        return unicodedata.normalize("NFD", text)  # NFD input, common from some keyboards
    return text


def texts(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        province = rng.choice(PROVINCES)
        text = rng.choice(TEMPLATES).format(
            prov=province, prov_upper=province.upper(), phone=_phone(rng), park=rng.choice(PARKS),
            days=rng.randint(2, 90), year=rng.randint(2020, 2025), amount=f"{rng.randint(500, 999)}.{rng.randint(100, 999)}",
            money=f"{rng.randint(1, 900)}.{rng.randint(0, 999):03d}.000đ", bhxh=f"{rng.randrange(10**10):010d}",
            cccd=f"0{rng.randrange(10**11):011d}", month=rng.randint(1, 12), account=f"{rng.randrange(10**12):012d}",
            workers=rng.randint(100, 5000),
        )
        if rng.random() < 0.3:  # long rants
            text = " ".join([text] * rng.randint(2, 4))
        out.append(_variant(text, rng) + rng.choice(EMOJI))
    return out


def mentions(count: int, seed: int = 7) -> list[Mention]:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    sources = ["facebook", "facebook", "facebook", "news", "zalo"]
    return [
        Mention.create(
            source=rng.choice(sources), source_id=f"{seed}-{number}", text=text, text_normalized=text.lower(),
            created_at=start + timedelta(seconds=rng.randrange(2 * 365 * 86400)),
            reach={"reactions": rng.randrange(5000), "shares": rng.randrange(500), "comments": rng.randrange(800),
                   "author_followers": None},
            author={"id": f"u{rng.randrange(10**6)}", "name": "Người dùng"}, language="vi",
        )
        for number, text in enumerate(texts(count, seed))
    ]
