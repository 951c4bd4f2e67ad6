"""Realistic Vietnamese posts (Facebook style: teencode, no diacritics, ALL CAPS) with the expected claim and
stance. Written for this test set, not taken from real users."""

W = "cam-rut-bhxh-mot-lan"
V = "quy-bhxh-vo-quy"
P30 = "tang-muc-dong-30-phan-tram"
DOC = "cong-van-gia-thu-hoi-the-bhyt"
APP = "vssid-gia-cap-nhat-du-lieu"
FEE = "can-bo-goi-thu-phi-rut-nhanh"
STOP = "ngung-chi-tra-luong-huu"
Y20 = "phai-dong-du-20-nam-moi-co-luong-huu"

# (text, expected claim id, expected stance)
CASES: list[tuple[str, str, str]] = [
    ("từ 1/7 cấm rút bhxh 1 lần rồi, ai chưa rút thì nhanh lên", W, "spreads"),
    ("nghe nói sắp cấm rút bảo hiểm 1 lần có thật ko mn?", W, "questions"),
    ("BHXH VN khẳng định thông tin cấm rút BHXH một lần là sai sự thật", W, "refutes"),
    ("TỪ 1/7/2025 CẤM RÚT BHXH 1 LẦN!!! CHIA SẺ NGAY CHO ANH EM CÔNG NHÂN", W, "spreads"),
    ("luat moi cam rut bhxh 1 lan roi, nghi viec cung ko rut dc nua dau", W, "spreads"),
    ("Cty e đồn là sắp ko đc rút bh 1 lần nữa hả mọi người", W, "questions"),
    ("Đừng tin tin đồn cấm rút BHXH một lần, luật mới vẫn cho rút nếu đủ điều kiện nhé", W, "refutes"),
    ("quỹ bhxh vỡ rồi, đóng làm gì nữa cho mất tiền", V, "spreads"),
    ("BHXH SẮP VỠ QUỸ, HƯU TRÍ SAU NÀY KHÔNG CÒN TIỀN ĐÂU", V, "spreads"),
    ("nghe bảo quỹ hưu trí vỡ quỹ rồi đúng không mn", V, "questions"),
    ("Thông tin vỡ quỹ BHXH là tin giả, quỹ vẫn chi trả đầy đủ", V, "refutes"),
    ("mức đóng bhxh tăng 30% từ tháng sau, lương đã thấp còn bị trừ thêm", P30, "spreads"),
    ("Sắp tới đóng bảo hiểm xã hội tăng 30 phần trăm có đúng ko ạ?", P30, "questions"),
    ("BHXH bác bỏ thông tin tăng mức đóng BHXH 30%", P30, "refutes"),
    ("bhxh vua ra cong van thu hoi the bhyt giay, ai chua doi the thi bi khoa", DOC, "spreads"),
    ("có công văn thu hồi thẻ bảo hiểm y tế thật hả mn, em thấy share nhiều quá", DOC, "questions"),
    ("Cảnh giác: văn bản thu hồi thẻ BHYT đang lan truyền là giả mạo, BHXH không ban hành", DOC, "refutes"),
    ("Các cô chú vào link này cập nhật dữ liệu VssID ngay kẻo bị mất lương hưu nhé", APP, "spreads"),
    ("CAP NHAT DU LIEU TREN VSSID TRUOC 30/9 NEU KHONG SE BI CAT LUONG HUU", APP, "spreads"),
    ("mẹ em nhận tin nhắn bảo bấm link cập nhật thông tin không thì mất lương hưu, có phải thật không ạ", APP,
     "questions"),
    ("Cảnh giác link giả mạo VssID yêu cầu cập nhật dữ liệu để giữ lương hưu, đây là lừa đảo", APP, "refutes"),
    ("hôm qua cán bộ bhxh gọi điện bảo chuyển phí 2 triệu là rút bhxh nhanh trong 3 ngày", FEE, "spreads"),
    ("Có ai được nhân viên bảo hiểm xã hội gọi thu phí làm hồ sơ rút nhanh chưa, có thật ko", FEE, "questions"),
    ("Cảnh giác cuộc gọi giả danh cán bộ BHXH đòi phí làm nhanh hồ sơ rút BHXH một lần", FEE, "refutes"),
    ("sang năm bhxh ko trả lương hưu nữa đâu các bác ạ", STOP, "spreads"),
    ("TỪ NĂM SAU NGỪNG CHI TRẢ LƯƠNG HƯU???", STOP, "questions"),
    ("BHXH Việt Nam khẳng định không có chuyện ngừng chi trả lương hưu từ năm sau", STOP, "refutes"),
    ("phai dong du 20 nam bhxh moi co luong huu, tui moi dong 16 nam thoi", Y20, "spreads"),
    ("Chưa đủ 20 năm đóng bảo hiểm thì không được lương hưu phải không các anh chị?", Y20, "questions"),
    ("Thông tin phải đóng đủ 20 năm mới có lương hưu là không đúng, từ 1/7/2025 chỉ cần 15 năm", Y20, "refutes"),
]

# BHXH-related posts that state none of the refuted claims
UNRELATED: list[str] = [
    "Hôm nay đi làm thủ tục rút BHXH một lần ở quận 7, đông quá chờ 2 tiếng",
    "cho em hỏi đóng bhxh tự nguyện mỗi tháng bao nhiêu tiền ạ",
    "App VssID hôm nay lỗi không đăng nhập được, ai bị giống em không",
    "Công ty nợ BHXH của công nhân 6 tháng rồi, không chốt sổ cho nghỉ việc",
    "mẹ mình vừa nhận lương hưu tháng này qua tài khoản ngân hàng, nhanh ghê",
    "Thẻ BHYT đi khám ở bệnh viện tỉnh được hưởng bao nhiêu phần trăm vậy mọi người",
    "Nhân viên BHXH huyện mình nhiệt tình, hướng dẫn hồ sơ thai sản rất kỹ",
    "Làm sao để tra cứu quá trình đóng BHXH trên VssID vậy mn",
    "hướng dẫn hồ sơ hưởng trợ cấp thất nghiệp sau khi nghỉ việc",
]
