"""A generator of realistic, varied Vietnamese social-media posts about social insurance (for throughput checks).

Mixes: correct diacritics, both tone styles, NFD input, text typed without diacritics, ALL CAPS, teencode,
stretched letters, emoji, HTML entities, zero-width characters, phone numbers, BHXH codes, amounts, dates, law
numbers and province names (old and new, short forms).  Lengths ~50-400 characters.
"""
from __future__ import annotations

import random
import unicodedata

OPENERS = [
    "Cho em hỏi", "Mọi người ơi", "Bức xúc quá", "Ad cho mình hỏi", "Ai biết chỉ giúp với", "Thông báo",
    "Cảnh báo lừa đảo", "Xin hỏi BHXH", "Tin nóng", "Chia sẻ kinh nghiệm", "Mn ơi cho e hỏi", "Khẩn cấp",
]
BODIES = [
    "em đóng bhxh được {n} năm rồi giờ nghỉ việc muốn rút bhxh 1 lần thì làm thủ tục ntn ạ",
    "công ty nợ đóng bảo hiểm xã hội cho {n} công nhân ở {prov}, người lao động khum được chốt sổ",
    "lương hưu tháng này bị chậm, gọi tổng đài 1900 9068 mãi không ai nghe máy {emo}",
    "có người gọi điện tự xưng cán bộ BHXH bắt cập nhật thông tin trên ứng dụng VssID giả mạo, sđt {phone}",
    "nghe nói quỹ hưu trí sắp vỡ quỹ, có thật không ad? từ 01/07/2025 luật 41/2024/QH15 có hiệu lực",
    "mức đóng BHYT hộ gia đình năm nay là bao nhiêu vậy mọi người, em thấy có tin tăng 30% là sai",
    "hoà mình vào không khí, thuý bảo khoẻ không, bệnh viện khám chữa bệnh bhyt đông quá",
    "BHXH tỉnh {prov} chi trả trợ cấp thất nghiệp cho {n} người, mức hưởng 2,5 triệu đến 1.500.000đ mỗi tháng",
    "ứng dụng VssID lại lỗi đúng ngày cuối hạn, không đăng nhập được, quáaaa mệt mỏi luôn đượccc chưa",
    "mã số BHXH của mình là {code} mà tra cứu không ra quá trình đóng, nhờ ad kiểm tra giúp",
    "chị ơi em muốn chuyển khoản đóng bhxh tự nguyện, stk {bank} có đúng của cơ quan bhxh không",
    "nhân viên bhxh quận {n} làm việc thái độ kém, nlđ chờ cả buổi sáng vẫn chưa được giải quyết",
    "theo Nghị định 13/2023/NĐ-CP dữ liệu cá nhân phải được bảo vệ, sao lại bị lộ số cccd {cccd}",
    "ko hiểu sao hồ sơ thai sản nộp từ 1/7 đến giờ vẫn chưa dc duyệt, j mà lâu thế",
    "doanh nghiệp ở KCN Sóng Thần, Dĩ An trốn đóng bảo hiểm, 1500000000 đồng tiền nợ đọng",
    "ủng hộ ngành bảo hiểm xã hội, cán bộ ở Hà Nội hướng dẫn rất nhiệt tình {emo}{emo}",
    "tui ở sài gòn, hỏi về lương hưu sau khi sáp nhập tỉnh thì nộp hồ sơ ở đâu",
    "bao hiem xa hoi tinh {prov_ascii} tra luong huu cham qua, nguoi gia cho doi",
]
CLOSERS = ["Cảm ơn ạ!", "tks mn", "{emo}", "Mong được phản hồi.", "#bhxh #vssid", "huhu", "", "Share cho mọi người biết!!!"]
PROVS = ["Bình Dương", "TP.HCM", "Hà Nội", "Thanh Hóa", "Nghệ An", "Đồng Nai", "Long An", "Hải Dương", "Khánh Hòa",
         "Bà Rịa - Vũng Tàu", "Cần Thơ", "Quảng Nam", "Bắc Giang", "Đắk Lắk", "Thừa Thiên Huế", "Hòa Bình"]
PROVS_ASCII = ["binh duong", "dong nai", "ha noi", "nghe an", "can tho", "bac ninh"]
EMO = ["😡", "😭", "👍", "🙏", "❤️", "😤", "🤔", "👨\u200d👩\u200d👧"]
PHONES = ["0912 345 678", "0987.654.321", "+84 903 123 456", "(028) 3829 1234", "0376543210"]


def _fill(tpl: str, rnd: random.Random) -> str:
    return tpl.format(
        n=rnd.randint(2, 3000), prov=rnd.choice(PROVS), prov_ascii=rnd.choice(PROVS_ASCII), emo=rnd.choice(EMO),
        phone=rnd.choice(PHONES), code=str(rnd.randint(10**9, 10**10 - 1)), bank=str(rnd.randint(10**11, 10**13)),
        cccd="0" + str(rnd.randint(10**10, 10**11 - 1)),
    )


def make_posts(n: int = 2000, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    posts = []
    for _ in range(n):
        parts = [rnd.choice(OPENERS)]
        for _ in range(rnd.randint(1, 3)):
            parts.append(_fill(rnd.choice(BODIES), rnd))
        parts.append(_fill(rnd.choice(CLOSERS), rnd))
        text = ". ".join(p for p in parts if p)[:400]
        r = rnd.random()
        if r < 0.10:
            text = unicodedata.normalize("NFD", text)
        elif r < 0.15:
            text = text.upper()
        elif r < 0.20:
            text = text.replace(" ", "  ").replace("ả", "&#7843;").replace("&", "&amp;", 0) + "\u200b"
        posts.append(text)
    return posts
