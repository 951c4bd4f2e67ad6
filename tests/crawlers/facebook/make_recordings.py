"""Writes crawlers/recordings/facebook/ (Graph API v23.0 responses, manifest.yaml, sources files) from the readable
description below: ``python -m tests.crawlers.facebook.make_recordings``.

All content is synthetic (people, ids, phone numbers and the companies named are invented), written the way people
write on Vietnamese Facebook. Bodies are emitted as Graph emits them: compact JSON, non-ASCII as \\u escapes,
``\\/`` in URLs, ``paging.next`` URLs that echo an ``access_token`` (the spider must strip it).

`EXPECTED` (imported by the tests) lists every mention the recordings contain with what the default watchlist
decides about it (`kept`), and why when it is a miss worth knowing about.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

from crawlers.facebook.graph import COMMENT_FIELDS, FEED_FIELDS, comment_source_id

ROOT = Path(__file__).resolve().parents[3] / "crawlers" / "recordings" / "facebook"
VERSION = "v23.0"
RECORDED_TOKEN = "EAAJZCrecordedT0KENechoedByGraphZDZD"  # what Graph echoes in paging.next: must never be logged

JSON_HEADERS = {
    "Content-Type": "application/json; charset=UTF-8",
    "facebook-api-version": VERSION,
    "Cache-Control": "private, no-cache, no-store, must-revalidate",
    "Access-Control-Allow-Origin": "*",
}


def app_usage(call: int, cpu: int = 1, total: int = 2) -> dict[str, str]:
    return {"X-App-Usage": json.dumps({"call_count": call, "total_cputime": cpu, "total_time": total},
                                      separators=(",", ":"))}


def buc_usage(object_id: str, call: int, cpu: int = 1, total: int = 1, regain_min: int = 0) -> dict[str, str]:
    return {"X-Business-Use-Case-Usage": json.dumps(
        {object_id: [{"type": "pages", "call_count": call, "total_cputime": cpu, "total_time": total,
                      "estimated_time_to_regain_access": regain_min}]}, separators=(",", ":"))}


def trace(seed: str) -> str:
    return base64.b64encode(hashlib.blake2b(seed.encode(), digest_size=8).digest()).decode().rstrip("=")


def cursor(seed: str) -> str:
    raw = hashlib.blake2b(seed.encode(), digest_size=30).digest()
    return "QVFIU" + base64.urlsafe_b64encode(raw).decode().rstrip("=").replace("-", "Z").replace("_", "Y")


def graph_json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode()


def ts(value: str) -> str:
    """'2025-07-15 02:30' (UTC) → Graph's '2025-07-15T02:30:00+0000'."""
    return datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def epoch(graph_time: str) -> int:
    return int(datetime.strptime(graph_time, "%Y-%m-%dT%H:%M:%S%z").timestamp())


# -- description -----------------------------------------------------------------------------------------------


@dataclass
class C:  # a comment or reply
    suffix: str
    at: str
    text: str | None
    who: tuple[str, str] | None = None  # (name, id); None: Graph left `from` out
    likes: int = 0
    replies: list[C] = field(default_factory=list)
    kept: bool = True  # what the default watchlist decides
    note: str = ""


@dataclass
class P:  # a post
    suffix: str
    at: str
    text: str | None
    updated: str | None = None
    reactions: int = 0
    shares: int | None = None
    who: tuple[str, str] | None = ("page", "")  # ("page", "") = the page itself; None: no `from`
    comments: list[C] = field(default_factory=list)
    comment_pages: int = 1
    kept: bool = True
    note: str = ""


@dataclass
class Pg:  # a page
    id: str
    name: str
    slug: str
    feed_pages: list[list[P]]  # [] = an empty page that still has `next`
    full_comments: bool = True  # False: Page Public Content Access, comment id/from/permalink withheld
    usage: str = "app"  # "app" → X-App-Usage, "buc" → X-Business-Use-Case-Usage


BHXH_NA = ("Bảo hiểm xã hội tỉnh Nghệ An", "100064813572468")

PAGE_A = Pg(BHXH_NA[1], BHXH_NA[0], "bhxh-nghe-an", usage="buc", feed_pages=[
    [
        P("122190456781230", "2025-07-15 02:30", updated="2025-07-15 09:12", reactions=1250, shares=430,
          text="⚠️ BHXH TỈNH NGHỆ AN THÔNG TIN: KHÔNG CÓ CHUYỆN \"CẤM RÚT BHXH 1 LẦN\" TỪ 1/7/2025\n\n"
               "Thời gian qua trên mạng xã hội lan truyền thông tin \"từ 1/7/2025 người lao động không được rút "
               "BHXH một lần nữa\" khiến nhiều người hoang mang. BHXH tỉnh Nghệ An khẳng định đây là thông tin "
               "KHÔNG CHÍNH XÁC.\n\nTheo Luật BHXH số 41/2024/QH15, người lao động đã tham gia BHXH trước ngày "
               "1/7/2025, sau 12 tháng không thuộc đối tượng tham gia bắt buộc, không tham gia BHXH tự nguyện và "
               "có thời gian đóng dưới 20 năm, nếu có yêu cầu thì vẫn được hưởng BHXH một lần.\n\nMọi thắc mắc "
               "xin liên hệ Tổng đài 1900 9068 hoặc bộ phận một cửa BHXH cơ sở gần nhất. #BHXHNgheAn #bhxh1lan",
          comment_pages=2, comments=[
              C("1183920475610293", "2025-07-15 02:41", "vậy là vẫn rút đc hả ad? e nghỉ việc ở cty may từ t5/2024 "
                "r, đủ 12 tháng chưa ạ", ("Nguyễn Thị Hoa", "7104958317264510"), 3, kept=False,
                note="relevant question, but 'rút đc' without 'bhxh'/'bảo hiểm': the watchlist drops it", replies=[
                    C("1183920475610377", "2025-07-15 03:05", "Chào bạn Hoa, bạn nghỉ việc từ tháng 5/2024 thì đã đủ "
                      "12 tháng không đóng BHXH. Nếu không tiếp tục tham gia BHXH, bạn có thể nộp hồ sơ hưởng BHXH "
                      "một lần trên Cổng Dịch vụ công quốc gia hoặc tại BHXH cơ sở nhé.", BHXH_NA, 5),
                    C("1183920475610412", "2025-07-15 03:20", "dạ e cảm ơn ad nhiều ạ 🙏",
                      ("Nguyễn Thị Hoa", "7104958317264510"), kept=False),
                ]),
              C("1183920475610305", "2025-07-15 02:52", "TOÀN TIN ĐỒN NHẢM. Nhóm zalo cty e cứ share ầm ầm bảo 1/7 "
                "cấm rút bhxh 1 lần, mấy chục người bỏ việc đi rút, giờ ai chịu trách nhiệm 😤😤",
                ("Trần Văn Dũng", "6873021946573812"), 27),
              C("1183920475610351", "2025-07-15 03:15", "nghe nói quỹ bhxh sắp vỡ quỹ nên mới cấm rút, có thật ko mn",
                ("Lê Minh Tuấn", "5930184726354019"), 4, replies=[
                    C("1183920475610455", "2025-07-15 03:31", "vo quy cai gi, bao chinh thong noi roi quy bhxh van du "
                      "chi tra, dung tin may clip tiktok", ("Phạm Quỳnh Anh", "7261850394716253"), 11),
                    C("1183920475610498", "2025-07-15 04:02", "Thông tin \"quỹ BHXH vỡ quỹ\" là hoàn toàn sai sự "
                      "thật. Quỹ BHXH được Nhà nước bảo hộ và bảo đảm chi trả các chế độ cho người tham gia. Đề nghị "
                      "bà con chỉ tiếp nhận thông tin từ các kênh chính thức của ngành BHXH.", BHXH_NA, 19),
                ]),
              C("1183920475610520", "2025-07-15 04:30", "ad ơi e nộp hồ sơ rút bhxh 1 lần 25 ngày rồi mà chưa thấy "
                "tiền về tk, vậy là sao ạ??? gọi tổng đài thì toàn máy bận", ("Hoàng Thị Mai", "6018273645192837"), 6),
              C("1183920475610561", "2025-07-15 05:10", "Rút 1 lần thiệt thòi lắm mọi người ơi, giữ lại sổ BHXH mà "
                "hưởng lương hưu về già, đừng nghe mấy bên dịch vụ xúi", ("Võ Đức Thắng", "5819203746582910"), 34),
              C("1183920475610604", "2025-07-15 06:45", "👍👍👍", ("Đinh Thu Trang", "6650193847261538"), kept=False),
              C("1183920475610648", "2025-07-15 08:20", None, ("Bùi Văn Nam", "7012938475610293")),  # a sticker
              C("1183920475610690", "2025-07-15 09:12", "Sao hôm trước lên phường hỏi thì cán bộ bảo từ 1/7 không "
                "rút BHXH được nữa, giờ lại bảo rút được, rốt cuộc tin ai đây 😕",
                ("Ngô Thanh Hương", "6129384756102938")),
          ]),
        P("122190456781231", "2025-07-14 08:00", reactions=860, shares=1200,
          text="🚨 CẢNH BÁO LỪA ĐẢO MẠO DANH CÁN BỘ BHXH\n\nGần đây xuất hiện nhiều trường hợp đối tượng gọi điện tự "
               "xưng là cán bộ BHXH, yêu cầu người dân cài đặt ứng dụng \"VssID\" qua đường link lạ hoặc kết bạn "
               "Zalo để \"cập nhật dữ liệu, tích hợp CCCD\", sau đó chiếm đoạt tiền trong tài khoản ngân hàng.\n\n"
               "BHXH tỉnh Nghệ An khuyến cáo:\n✅ Ứng dụng VssID chính thức chỉ tải trên App Store và Google Play\n"
               "✅ Cơ quan BHXH KHÔNG gọi điện yêu cầu cài app, cung cấp mã OTP hay chuyển tiền\n✅ Khi nghi ngờ, "
               "liên hệ tổng đài 1900 9068 hoặc cơ quan công an gần nhất.",
          comments=[
              C("1184039281746510", "2025-07-14 08:35", "Hôm qua có số 0987 654 321 gọi cho mẹ e xưng cán bộ bhxh "
                "huyện bắt cài app VssID qua link, may mà e đang ở nhà chứ ko là mất tiền rồi",
                ("Phan Thị Lan", "6482019375610284"), 45),
              C("1184039281746553", "2025-07-14 09:10", "Bà con cần hỗ trợ cập nhật dữ liệu VssID, tích hợp CCCD, "
                "rút BHXH 1 lần nhanh trong ngày liên hệ zalo 0912.345.678 gặp cán bộ Hùng. Tải app tại: "
                "vssid-capnhat.com/vssid.apk", ("Cập Nhật VssID 2025", "61570123456789"),
                note="the scam itself: a fake 'cán bộ BHXH' with a phone number and a fake VssID app", replies=[
                    C("1184039281746597", "2025-07-14 09:18", "LỪA ĐẢO đấy mọi người đừng tin, bhxh ko bao giờ bắt "
                      "cài app qua link", ("Trần Hữu Phước", "7319028465718293"), 22),
                    C("1184039281746631", "2025-07-14 09:40", "BHXH tỉnh Nghệ An xác nhận tài khoản \"Cập Nhật VssID "
                      "2025\" là tài khoản mạo danh, không phải của cơ quan BHXH. Đề nghị bà con không liên hệ, không "
                      "cài đặt ứng dụng theo đường link trên.", BHXH_NA, 30),
                ]),
              C("1184039281746675", "2025-07-14 10:05", "cho hỏi app VssID chính thức tải ở đâu ạ, sợ tải nhầm app "
                "giả quá", ("Lý Thị Ngọc", "6901827364519203"), 2),
              C("1184039281746712", "2025-07-14 11:30", "ba mình già rồi ko biết dùng đt thông minh, bọn lừa đảo toàn "
                "nhắm vào người già 😡", ("Đặng Quốc Bảo", "5728190364751829"), kept=False,
                note="on topic in its thread, but no topic word of its own"),
          ]),
        P("122190456781232", "2025-07-12 01:00", reactions=320, shares=85,
          text="📢 LỊCH CHI TRẢ LƯƠNG HƯU, TRỢ CẤP BHXH THÁNG 8/2025\n\nBHXH tỉnh Nghệ An thông báo: việc chi trả "
               "lương hưu, trợ cấp BHXH hằng tháng kỳ tháng 8/2025 qua hệ thống Bưu điện được thực hiện từ ngày "
               "02/8 đến ngày 18/8/2025. Người hưởng nhận qua tài khoản cá nhân được chuyển tiền từ ngày 02/8/2025."
               "\n\nĐề nghị người hưởng mang theo CCCD khi đến nhận tại điểm chi trả.",
          comments=[
              C("1185012938476510", "2025-07-12 01:40", "Thang nay luong huu cua bo e cham 5 ngay roi ma chua nhan "
                "duoc, buu dien xa bao chua co danh sach", ("Hồ Văn Lợi", "6012938475610293"), 8),
              C("1185012938476553", "2025-07-12 02:15", "LƯƠNG HƯU THÁNG 7 CỦA TÔI VẪN CHƯA VỀ TÀI KHOẢN, GỌI TỔNG ĐÀI "
                "KHÔNG AI NGHE MÁY!!! LÀM ĂN KIỂU GÌ VẬY", ("Nguyễn Văn Bình", "5501928374651029"), 15, replies=[
                    C("1185012938476597", "2025-07-12 02:40", "bác thử gọi lại giờ hành chính xem, hôm qua con gọi đc "
                      "ạ", ("Trương Thị Yến", "6738291046571829"), 1, kept=False),
                ]),
              C("1185012938476631", "2025-07-12 03:30", "Cảm ơn BHXH Nghệ An, cô nhân viên bưu điện xã em chi trả "
                "lương hưu cho ông bà rất nhiệt tình ❤️❤️", ("Cao Thị Thanh", "6392817465019283"), 12),
          ]),
    ],
    [],  # an empty page that still has `next`
    [
        P("122190456781233", "2025-07-10 03:00", None, reactions=95, comments=[  # a photo without text
            C("1186023948576510", "2025-07-10 03:20", "ad cho hỏi mẫu tờ khai này nộp ở đâu ạ, e làm thủ tục hưởng "
              "chế độ ốm đau cho vợ", ("Lương Văn Hải", "6123984756102938")),
            C("1186023948576553", "2025-07-10 04:00", "hình mờ quá ko đọc đc ad ơi", ("Mai Xuân Trường",
              "5982736410293847"), kept=False),
        ]),
        P("122190456781234", "2025-07-08 10:00", updated="2025-07-08 13:00", reactions=210,
          text="🔧 THÔNG BÁO BẢO TRÌ HỆ THỐNG\n\nỨng dụng VssID - BHXH số tạm dừng hoạt động để nâng cấp từ 22h00 "
               "ngày 08/7/2025 đến 06h00 ngày 09/7/2025. Trong thời gian này, người dùng không thể đăng nhập và "
               "tra cứu thông tin. Mong bà con thông cảm!",
          comments=[
              C("1187034958671029", "2025-07-08 11:20", "app vssid lỗi ko đăng nhập đc từ sáng r, báo \"tài khoản "
                "không tồn tại\" 😭 mai hạn nộp hồ sơ thai sản rồi mà", ("Tạ Thị Bích", "6650293847561029"), 9),
              C("1187034958671063", "2025-07-08 12:00", "vssid cứ quay vòng vòng rồi văng ra, ai bị giống mình ko",
                ("Kiều Văn Sơn", "7182930465718290"), 5, replies=[
                    C("1187034958671098", "2025-07-08 12:30", "mình cũng bị, gỡ ra cài lại thì vô đc",
                      ("Hà Thị Thu", "6019283746510293"), 2, kept=False),
                ]),
              C("1187034958671132", "2025-07-08 13:00", "Sao tra cứu quá trình đóng BH trên vssid thiếu mất 6 tháng "
                "năm 2023 vậy ad? cty vẫn trừ lương đóng đều mà 😠", ("Đỗ Mạnh Cường", "5738291046573829"), 14),
          ]),
        P("122190456781235", "2025-07-03 02:00", reactions=540, shares=210,
          text="📌 8 ĐIỂM MỚI CỦA LUẬT BẢO HIỂM XÃ HỘI 2024 CÓ HIỆU LỰC TỪ 1/7/2025\n1. Giảm số năm đóng BHXH tối "
               "thiểu để hưởng lương hưu từ 20 năm xuống 15 năm\n2. Bổ sung trợ cấp hưu trí xã hội cho người từ "
               "75 tuổi\n3. Mở rộng đối tượng tham gia BHXH bắt buộc: chủ hộ kinh doanh, người làm việc không "
               "trọn thời gian...\n4. Lao động nữ tham gia BHXH tự nguyện được hưởng trợ cấp thai sản 2 triệu "
               "đồng/con\n… Xem chi tiết tại website BHXH tỉnh.",
          comments=[
              C("1188045069781029", "2025-07-03 03:00", "Luật mới đóng đủ 15 năm là được lương hưu đúng ko ad",
                ("Vũ Thị Hằng", "6293847561029384"), 6, replies=[
                    C("1188045069781063", "2025-07-03 03:45", "Đúng rồi bạn, từ 1/7/2025 người lao động có đủ 15 năm "
                      "đóng BHXH và đủ tuổi nghỉ hưu thì được hưởng lương hưu hằng tháng.", BHXH_NA, 8),
                ]),
              C("1188045069781098", "2025-07-03 05:10", "15 nam ma luong huu duoc co 1tr thi song sao noi, toan lam "
                "kho dan", ("Chu Văn Khánh", "5810293847562019"), 20),
          ]),
    ],
])

NEWS = ("Tin Nhanh Lao Động 24h", "100083921456710")

PAGE_B = Pg(NEWS[1], NEWS[0], "tin-nhanh-lao-dong", full_comments=False, feed_pages=[
    [
        P("1290345612778901", "2025-07-15 04:00", reactions=3400, shares=980,
          text="NÓNG: Mạng xã hội lan truyền tin \"từ 1/7 cấm rút BHXH một lần\", BHXH Việt Nam chính thức lên tiếng "
               "👇\n\nBHXH Việt Nam khẳng định thông tin trên là sai sự thật. Người tham gia BHXH trước 1/7/2025 vẫn "
               "được hưởng BHXH một lần nếu đủ điều kiện. #tintuc #bhxh",
          comments=[
              C("a", "2025-07-15 04:10", "tin nay co that ko vay, e dang tinh nghi viec de rut bhxh 1 lan", likes=2),
              C("b", "2025-07-15 04:25", "Vỡ quỹ thì nói vỡ quỹ đi, cấm rút là vì hết tiền chứ gì nữa 😡😡 đóng bhxh "
                "bao nhiêu năm giờ ko biết có lấy lại được ko", likes=56, note="spreads the 'vỡ quỹ' rumor"),
              C("c", "2025-07-15 04:40", "Nhà nước ra luật rồi đó, đọc kĩ đi: ai đóng trước 1/7/2025 vẫn rút được bhxh "
                "1 lần nhé, đừng hoang mang", likes=31),
              C("d", "2025-07-15 05:00", "Bịa đặt hết, hôm qua e vừa lên BHXH quận làm hồ sơ rút 1 lần bình thường, 5 "
                "ngày có tiền", likes=18),
              C("e", "2025-07-15 05:30", "share cho mọi người biết, đừng để bị lừa", kept=False),
          ]),
        P("1290345612778845", "2025-07-14 11:00", reactions=2100, shares=760,
          text="Hơn 2.000 công nhân Công ty TNHH May mặc Hưng Phát (Bình Dương) bị công ty nợ BHXH 14 tháng, nhiều "
               "người nghỉ thai sản, ốm đau không được hưởng chế độ. Công ty đã trừ tiền BHXH hằng tháng vào lương "
               "nhưng không đóng cho cơ quan BHXH.",
          comments=[
              C("a", "2025-07-14 11:20", "cty e cũng vậy, trừ tiền bhxh hàng tháng mà ko đóng, giờ đi khám ko dùng "
                "được thẻ bhyt 😤", likes=40),
              C("b", "2025-07-14 11:45", "Đề nghị cơ quan chức năng xử lý nghiêm mấy cty trốn đóng BHXH cho công nhân, "
                "tù luôn cho chừa", likes=25),
              C("c", "2025-07-14 12:10", "khổ thân công nhân", kept=False),
          ]),
        P("1290345612778790", "2025-07-14 06:00", reactions=45, kept=False, note="distractor: car insurance",
          text="Bảo hiểm ô tô: chủ xe cần lưu ý gì khi mua bảo hiểm vật chất xe để được bồi thường đầy đủ? 🚗",
          comments=[C("a", "2025-07-14 06:30", "Mua bảo hiểm xe ở đâu rẻ vậy ad", kept=False)]),
        P("1290345612778734", "2025-07-13 23:00", reactions=300, kept=False, note="distractor: gold price",
          text="Giá vàng hôm nay 14/7: vàng nhẫn tăng mạnh, SJC vượt mốc 120 triệu đồng/lượng",
          comments=[C("a", "2025-07-13 23:30", "vàng lên nữa rồi, hôm qua ko mua 😭", kept=False)]),
    ],
    [
        P("1290345612778678", "2025-07-12 03:00", reactions=760, shares=150,
          text="Từ 1/7/2025, người từ đủ 75 tuổi không có lương hưu, trợ cấp BHXH hằng tháng được hưởng trợ cấp hưu "
               "trí xã hội 500.000 đồng/tháng. Người từ 70 đến dưới 75 tuổi thuộc hộ nghèo, cận nghèo cũng được "
               "hưởng.",
          comments=[C("a", "2025-07-12 04:00", "bố e 76 tuổi ko có lương hưu, giờ làm hồ sơ trợ cấp hưu trí xã hội "
                      "ở đâu ạ", likes=3)]),
        P("1290345612778623", "2025-07-11 09:00", reactions=12, kept=False, note="distractor: life insurance ad",
          text="[Tài trợ] Bảo hiểm nhân thọ Manulife: bảo vệ trọn đời, đáo hạn nhận lãi cao, hỗ trợ chi phí nằm "
               "viện. Đăng ký tư vấn miễn phí ngay hôm nay! 👉 Inbox page"),
        P("1290345612778567", "2025-07-10 02:00", reactions=890, shares=120,
          text="Hà Nội: hàng trăm người lao động xếp hàng từ 5h sáng trước Trung tâm Dịch vụ việc làm để làm hồ sơ "
               "hưởng trợ cấp thất nghiệp",
          comments=[
              C("a", "2025-07-10 02:30", "hồ sơ thất nghiệp nộp online trên cổng dịch vụ công nhanh hơn nha mn, khỏi "
                "xếp hàng", likes=30),
              C("b", "2025-07-10 03:15", "nhận tiền thất nghiệp tháng thứ 2 mà chưa thấy đâu, trung tâm hẹn hoài",
                likes=7),
          ]),
    ],
])

COMMUNITY = ("Hội Công Nhân KCN Sóng Thần - Dĩ An", "100090876543210")

PAGE_C = Pg(COMMUNITY[1], COMMUNITY[0], "hoi-cong-nhan-song-than", feed_pages=[
    [
        P("1301928374650192", "2025-07-15 13:00", reactions=85, who=None,
          text="AE ơi cty mình chốt sổ bhxh cho mọi người chưa, mình nghỉ từ tháng 3 mà giờ cty ko chịu chốt sổ, đi "
               "rút ko được 😤😤",
          comments=[
              C("1302938475610291", "2025-07-15 13:20", "cty cũ e cũng vậy, phải lên Liên đoàn lao động khiếu nại mới "
                "chịu chốt sổ cho", ("Lâm Văn Tài", "6012837465019283"), 4),
              C("1302938475610334", "2025-07-15 13:45", "nợ bhxh thì báo lên thanh tra lao động đi bạn",
                ("Nguyễn Thị Kim Ngân", "6758291037465102"), 2, replies=[
                    C("1302938475610378", "2025-07-15 14:10", "báo rồi mà 3 tháng chưa giải quyết 😞",
                      ("Huỳnh Văn Tâm", "5930281746501928"), kept=False),
                ]),
          ]),
        P("1301928374650137", "2025-07-15 07:00", reactions=6, who=("Dịch Vụ Hồ Sơ Nhanh 24h", "61560987654321"),
          note="a shady 'withdrawal service' with a phone number",
          text="NHẬN LÀM HỒ SƠ RÚT BHXH 1 LẦN NHANH - KHÔNG CẦN CHỜ ĐỦ 12 THÁNG 💰 Ứng trước 70% tiền, phí chỉ 10%. "
               "Liên hệ 0938 111 222 (Zalo) gặp Ms Thảo",
          comments=[
              C("1303948576102918", "2025-07-15 07:30", "lừa đảo đó đừng tin, tự làm trên dịch vụ công cũng được mà",
                ("Phùng Văn Lực", "6192837465102938"), kept=False, note="refutes, but no topic word of its own"),
              C("1303948576102952", "2025-07-15 08:00", "rút bhxh 1 lần tự làm mất có 1 tuần thôi, đừng đưa sổ với "
                "CCCD cho người lạ nha mn", ("Âu Thị Diệu", "6829103746519203"), 9),
          ]),
        P("1301928374650081", "2025-07-14 12:00", reactions=20, who=("Tuyển Dụng KCN Bình Dương", "61551234567890"),
          kept=False, note="distractor: job ad",
          text="🔥 CẦN TUYỂN GẤP 50 NỮ CÔNG NHÂN MAY 🔥 Lương 8-10tr, bao cơm trưa, tăng ca đều, có xe đưa đón. LH: "
               "0909 888 777 (chị Hạnh)"),
        P("1301928374650026", "2025-07-14 05:00", reactions=3, who=None, kept=False, note="distractor: room for rent",
          text="Cho thuê phòng trọ gần KCN Sóng Thần, giá 1tr5/tháng, có gác, wifi free, giờ giấc tự do. Ai cần ib "
               "mình nha",
          comments=[C("1304958671029381", "2025-07-14 05:40", "còn phòng ko b", ("Sầm Thị Nhung", "6019283746518273"),
                      kept=False)]),
        P("1301928374649971", "2025-07-13 10:00", reactions=2, who=("Thu Hà Manulife", "61541234500000"), kept=False,
          note="distractor: life insurance agent",
          text="Tư vấn bảo hiểm nhân thọ Manulife 💖 bảo vệ cả gia đình, đáo hạn nhận lãi cao, đóng chỉ 15k/ngày. "
               "Inbox em để được tư vấn miễn phí nhé!"),
    ],
    [
        P("1301928374649915", "2025-07-12 15:00", reactions=14, who=None,
          text="Mn cho hỏi nghỉ thai sản thì cty có phải đóng BHXH ko ạ? e được nhận tiền thai sản bao nhiêu tháng "
               "lương vậy",
          comments=[
              C("1305968710293847", "2025-07-12 15:30", "thai sản được 6 tháng lương bình quân đóng BHXH nhé b, thêm "
                "trợ cấp 1 lần bằng 2 lần lương cơ sở", ("Ông Thị Phượng", "6102938475610298"), 5),
              C("1305968710293881", "2025-07-12 16:00", "e nghỉ thai sản mà cty chưa làm hồ sơ, h phải làm sao ạ",
                ("Quách Văn Hùng", "5720193847561092"), 1),
          ]),
        P("1301928374649860", "2025-07-12 02:00", reactions=640, shares=890,
          who=("Nguyễn Hoàng Long", "6501928374650192"),
          text="CẢNH BÁO: ai nhận được tin nhắn \"BHXH thông báo cập nhật dữ liệu để tránh bị khóa sổ\" kèm link tải "
               "app thì đừng bấm nha, mẹ mình bị mất 30 triệu rồi 😭😭",
          comments=[C("1306978102938475", "2025-07-12 02:30", "trời ơi, dạo này bọn giả danh bảo hiểm xã hội nhiều "
                      "quá, mn cẩn thận", ("Diệp Thị Xuân", "6920193847562910"), 12)]),
        P("1301928374649804", "2025-07-11 08:00", reactions=33, who=None, note="spreads the 'premiums +30%' rumor",
          text="Nghe nói từ năm sau tăng mức đóng BHXH lên 30% hả mọi người? lương đã thấp còn bị trừ thêm, sống sao "
               "nổi",
          comments=[
              C("1307981029384756", "2025-07-11 08:20", "tin xàm, lên trang bhxh xem đi, tỷ lệ đóng vẫn vậy mà",
                ("Thân Văn Bảo", "6019283745610298"), 6),
              C("1307981029384790", "2025-07-11 08:50", "ĐÚNG RỒI TĂNG ĐÓNG BHXH LÊN 30% ĐÓ, TIVI NÓI RỒI",
                ("Lạc Thị Ngọc", "6391028374651029"), 1),
          ]),
        P("1301928374649748", "2025-07-10 09:00", reactions=150, who=("Trần Thị Mỹ Dung", "6720193846571029"),
          text="Cảm ơn cô cán bộ BHXH phường mình hướng dẫn tận tình, làm thủ tục hưởng BHXH 1 lần có 10 ngày là nhận "
               "tiền 👍👍 ai cần thì cứ lên phường hỏi, ko cần qua dịch vụ",
          comments=[C("1308910293847561", "2025-07-10 09:30", "ở phường nào vậy b, để mình qua làm",
                      ("Tôn Văn Hậu", "5810293746512093"), kept=False)]),
        P("1301928374649693", "2025-07-09 06:00", None, reactions=8, who=None),  # a shared link without text
    ],
])

# Pages that exist only to exercise the error classes (listed in sources-errors.yaml, not in sources.yaml).
RL = Pg("100071234560004", "[thử nghiệm] Giới hạn tần suất Graph", "errors/rate-limit", feed_pages=[
    [
        P("1401234567890101", "2025-07-15 01:00", reactions=40,
          text="BHXH Việt Nam: đến hết tháng 6/2025 cả nước có hơn 20 triệu người tham gia BHXH",
          comments=[C("1402345678901201", "2025-07-15 01:30", "số liệu đẹp vậy mà lương hưu vẫn trả chậm",
                      ("Kim Văn Phúc", "6012345678901234"))]),
        P("1401234567890102", "2025-07-14 01:00", reactions=25,
          text="Hướng dẫn cài đặt ứng dụng VssID chính thức trên điện thoại",
          comments=[C("1402345678901202", "2025-07-14 01:30", "cảm ơn ad, cài vssid đc rồi",
                      ("Mạc Thị Hòa", "6023456789012345"))]),
    ],
    [
        P("1401234567890103", "2025-07-13 01:00", reactions=18,
          text="Tổng đài 1900 9068 hỗ trợ giải đáp chính sách BHXH, BHYT",
          comments=[C("1402345678901203", "2025-07-13 01:30", "tổng đài bhxh gọi mãi ko ai nghe",
                      ("Giáp Văn Thành", "6034567890123456"))]),
    ],
])
SLOW = Pg("100071234560408", "[thử nghiệm] Phản hồi chậm", "errors/slow", feed_pages=[[
    P("1411234567890101", "2025-07-15 02:00", reactions=10, text="Lịch làm việc của BHXH cơ sở dịp nghỉ lễ 2/9/2025",
      comments=[C("1412345678901201", "2025-07-15 02:30", "(deleted)")]),  # comments answer 100/33 (post deleted)
]])
TRANSIENT = Pg("100071234560002", "[thử nghiệm] Lỗi tạm thời", "errors/transient", feed_pages=[[
    P("1421234567890101", "2025-07-15 03:00", reactions=7,
      text="BHYT học sinh sinh viên năm học 2025-2026: mức đóng và thời hạn đóng"),
]])
TOKEN = Pg("100071234560190", "[thử nghiệm] Token hết hạn", "errors/token", feed_pages=[])
PERMISSION = Pg("100071234560010", "[thử nghiệm] Thiếu quyền", "errors/permission", feed_pages=[])
GONE = Pg("100071234560100", "[thử nghiệm] Sai mã trang", "errors/unknown-page", feed_pages=[])
BROKEN = Pg("100071234560502", "[thử nghiệm] JSON bị cắt", "errors/truncated", feed_pages=[])
HTML = Pg("100071234560503", "[thử nghiệm] Trang lỗi HTML", "errors/html", feed_pages=[])
PARKED = Pg("100071234560080", "[thử nghiệm] Bị chặn lâu", "errors/parked", feed_pages=[])

MAIN_PAGES = [PAGE_A, PAGE_B, PAGE_C]
ERROR_PAGES = [RL, SLOW, TRANSIENT, TOKEN, PERMISSION, GONE, BROKEN, HTML, PARKED]


# -- rendering -------------------------------------------------------------------------------------------------


def author(page: Pg, who: tuple[str, str] | None) -> dict[str, str] | None:
    if who is None:
        return None
    if who == ("page", ""):
        return {"name": page.name, "id": page.id}
    return {"name": who[0], "id": who[1]}


def post_node(page: Pg, post: P) -> dict[str, Any]:
    node: dict[str, Any] = {"id": f"{page.id}_{post.suffix}"}
    if post.text is not None:
        node["message"] = post.text
    node["created_time"] = ts(post.at)
    node["updated_time"] = ts(post.updated or post.at)
    node["permalink_url"] = f"https://www.facebook.com/{page.id}/posts/{post.suffix}"
    if (who := author(page, post.who)) is not None:
        node["from"] = who
    if post.shares:
        node["shares"] = {"count": post.shares}
    node["reactions"] = {"data": [], "summary": {"total_count": post.reactions, "viewer_reaction": "NONE"}}
    total = sum(1 + len(c.replies) for c in post.comments)
    node["comments"] = {"data": [], "summary": {"order": "ranked", "total_count": total, "can_comment": True}}
    return node


def comment_nodes(page: Pg, post: P) -> list[dict[str, Any]]:
    flat: list[tuple[C, C | None]] = []
    for comment in post.comments:
        flat.append((comment, None))
        flat.extend((reply, comment) for reply in comment.replies)
    flat.sort(key=lambda pair: pair[0].at, reverse=True)  # order=reverse_chronological, filter=stream
    nodes = []
    for comment, parent in flat:
        node: dict[str, Any] = {}
        if page.full_comments:
            node["id"] = f"{post.suffix}_{comment.suffix}"
        if comment.text is not None:
            node["message"] = comment.text
        node["created_time"] = ts(comment.at)
        if page.full_comments and (who := author(page, comment.who)) is not None:
            node["from"] = who
        node["like_count"] = comment.likes
        node["comment_count"] = len(comment.replies)
        if page.full_comments:
            if parent is not None:
                node["parent"] = {"id": f"{post.suffix}_{parent.suffix}"}
                node["permalink_url"] = (f"https://www.facebook.com/{page.id}/posts/{post.suffix}/?comment_id="
                                         f"{parent.suffix}&reply_comment_id={comment.suffix}")
            else:
                node["permalink_url"] = (f"https://www.facebook.com/{page.id}/posts/{post.suffix}/?comment_id="
                                         f"{comment.suffix}")
        nodes.append(node)
    return nodes


def next_url(path: str, params: dict[str, Any], after: str) -> str:
    query = {"access_token": RECORDED_TOKEN, "pretty": "0", **params, "after": after}
    return "{{base}}" + path + "?" + urlencode(query)


def paging(path: str, params: dict[str, Any], seed: str, has_next: bool, has_previous: bool,
           empty: bool = False) -> tuple[dict, str]:
    """Graph's `paging` object; an empty page has no cursors of its own, only `next` / `previous`."""
    before, after = cursor(seed + ":before"), cursor(seed + ":after")
    result: dict[str, Any] = {} if empty else {"cursors": {"before": before, "after": after}}
    if has_previous:
        result["previous"] = "{{base}}" + path + "?" + urlencode(
            {"access_token": RECORDED_TOKEN, "pretty": "0", **params, "before": before})
    if has_next:
        result["next"] = next_url(path, params, after)
    return result, after


class Manifest:
    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}

    def add(self, path: str, body_name: str | None, body: bytes | None, *, status: int = 200,
            headers: dict[str, str] | None = None, query: dict[str, str] | None = None, **extra: Any) -> None:
        entry: dict[str, Any] = {"path": path}
        if query:
            entry["query"] = query
        entry.update({"method": "GET", "status": status, "headers": headers or {}})
        if body_name is not None:
            assert body is not None
            self.files[body_name] = body
            entry["body"] = body_name
        entry.update(extra)
        self.entries.append(entry)


def usage_headers(page: Pg, call: int) -> dict[str, str]:
    return {**JSON_HEADERS, **(buc_usage(page.id, call) if page.usage == "buc" else app_usage(call))}


def graph_error(message: str, type_: str, code: int, subcode: int | None = None, transient: bool | None = None,
                seed: str = "") -> bytes:
    error: dict[str, Any] = {"message": message, "type": type_, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient is not None:
        error["is_transient"] = transient
    error["fbtrace_id"] = trace(seed or message)
    return graph_json({"error": error})


HTML_ERROR = (b'<!DOCTYPE html>\n<html lang="en" id="facebook"><head><title>Facebook | Error</title>'
              b'<meta charset="utf-8"><meta name="robots" content="noindex,nofollow"><style>body{font-family:'
              b'Helvetica,Arial,sans-serif;background:#f0f2f5}</style></head><body><div id="content">'
              b'<h2>Sorry, something went wrong.</h2><p>We&#039;re working on getting this fixed as soon as we can.'
              b'</p><p><a href="https://www.facebook.com/">Go Back</a></p></div></body></html>\n')
HTML_HEADERS = {"Content-Type": 'text/html; charset="utf-8"', "Cache-Control": "private, no-cache, no-store"}

FEED_PARAMS = {"fields": FEED_FIELDS, "limit": "100"}
COMMENT_PARAMS = {"fields": COMMENT_FIELDS, "filter": "stream", "order": "reverse_chronological",
                  "summary": "true", "limit": "100"}


@dataclass
class Rendered:
    feed: list[tuple[str | None, bytes]]  # (after cursor that leads here or None, body) per feed page
    comments: dict[str, list[tuple[str | None, bytes]]]  # post id → pages
    watermark: int | None


def render_page(page: Pg, call_seed: int = 2) -> Rendered:
    feed_path = f"/{VERSION}/{page.id}/feed"
    feed: list[tuple[str | None, bytes]] = []
    comments: dict[str, list[tuple[str | None, bytes]]] = {}
    newest: int | None = None
    arrived_by: str | None = None
    for number, posts in enumerate(page.feed_pages):
        data = [post_node(page, post) for post in posts]
        for node in data:
            stamp = max(epoch(node["created_time"]), epoch(node["updated_time"]))
            newest = stamp if newest is None else max(newest, stamp)
        last = number == len(page.feed_pages) - 1
        body: dict[str, Any] = {"data": data}
        if data or not last:
            body["paging"], after = paging(feed_path, FEED_PARAMS, f"{page.id}:{number}", not last, number > 0,
                                           empty=not data)
        feed.append((arrived_by, graph_json(body)))
        arrived_by = after if not last else None
        for post in posts:
            if not post.comments:
                continue
            post_id = f"{page.id}_{post.suffix}"
            nodes = comment_nodes(page, post)
            size = -(-len(nodes) // post.comment_pages)
            chunks = [nodes[i:i + size] for i in range(0, len(nodes), size)]
            path = f"/{VERSION}/{post_id}/comments"
            pages: list[tuple[str | None, bytes]] = []
            came_by: str | None = None
            for index, chunk in enumerate(chunks):
                has_next = index < len(chunks) - 1
                body = {"data": chunk}
                body["paging"], after = paging(path, COMMENT_PARAMS, f"{post_id}:{index}", has_next, index > 0)
                body["summary"] = {"order": "reverse_chronological", "total_count": len(nodes), "can_comment": True}
                pages.append((came_by, graph_json(body)))
                came_by = after if has_next else None
            comments[post_id] = pages
    return Rendered(feed, comments, newest)


def build() -> Manifest:  # noqa: PLR0915 - one straight description of every recorded exchange
    m = Manifest()

    def feed_and_comments(page: Pg, rendered: Rendered, oneoffs: dict[tuple[str, int], dict[str, Any]]) -> None:
        feed_path = f"/{VERSION}/{page.id}/feed"
        # the second run: asked with since=<watermark>, nothing new
        if rendered.watermark is not None:
            m.add(feed_path, f"{page.slug}/feed-since.json", graph_json({"data": []}),
                  headers=usage_headers(page, 5), query={"since": str(rendered.watermark)})
        entries = []
        for number, (came_by, body) in enumerate(rendered.feed):
            query = {"after": came_by} if came_by else None
            entries.append(("feed", number, feed_path, query, f"{page.slug}/feed-{number + 1}.json", body))
        for post_id, pages in rendered.comments.items():
            suffix = post_id.split("_", 1)[1]
            for number, (came_by, body) in enumerate(pages):
                query = {"after": came_by} if came_by else None
                entries.append((post_id, number, f"/{VERSION}/{post_id}/comments", query,
                                f"{page.slug}/comments-{suffix}-{number + 1}.json", body))
        # entries with a query first: an entry without one matches every request on that path
        entries.sort(key=lambda e: e[3] is None)
        for key, number, path, query, name, body in entries:
            for oneoff in oneoffs.get((key, number), []):
                m.add(path, oneoff.pop("body_name", None), oneoff.pop("body", None), query=query, **oneoff)
            m.add(path, name, body, headers=usage_headers(page, 3 + number), query=query)

    # -- the three recorded pages, with errors that recover (served once) --
    a, b, c = (render_page(p) for p in MAIN_PAGES)
    truncated = b.feed[1][1][: len(b.feed[1][1]) * 11 // 20]
    a3 = f"{PAGE_A.id}_122190456781232"
    feed_and_comments(PAGE_A, a, {(a3, 0): [dict(
        status=502, headers=HTML_HEADERS, body_name="errors/html-502.html", body=HTML_ERROR, times=1)]})
    feed_and_comments(PAGE_B, b, {("feed", 1): [dict(
        status=200, headers=usage_headers(PAGE_B, 4), body_name=f"{PAGE_B.slug}/feed-2-truncated.json",
        body=truncated, times=1)]})
    feed_and_comments(PAGE_C, c, {("feed", 0): [dict(
        status=500, headers={**JSON_HEADERS, **app_usage(6)}, body_name="errors/transient-2.json", times=1,
        body=graph_error("An unexpected error has occurred. Please retry your request later.", "OAuthException", 2,
                         transient=True))]})

    # -- rate limits: every code once, then the data --
    rl = render_page(RL)
    rl_posts = list(rl.comments)
    feed_and_comments(RL, rl, {
        ("feed", 0): [dict(status=400, headers={**JSON_HEADERS, **buc_usage(RL.id, 100, 12, 18, regain_min=2)},
                           body_name="errors/rate-limit-80001.json", times=1,
                           body=graph_error("There have been too many calls to this Page account. Wait a bit and try "
                                            "again. For more info, please refer to https://developers.facebook.com/"
                                            "docs/graph-api/overview/rate-limiting.", "OAuthException", 80001,
                                            transient=True))],
        ("feed", 1): [dict(status=400, headers={**JSON_HEADERS, **app_usage(96, 40, 61)},
                           body_name="errors/rate-limit-613.json", times=1,
                           body=graph_error("Calls to this api have exceeded the rate limit.", "OAuthException", 613,
                                            transient=True))],
        (rl_posts[0], 0): [dict(status=403, headers={**JSON_HEADERS, **app_usage(100, 25, 40)},
                                body_name="errors/rate-limit-4.json", times=1,
                                body=graph_error("(#4) Application request limit reached", "OAuthException", 4,
                                                 transient=True))],
        (rl_posts[1], 0): [dict(status=400, headers={**JSON_HEADERS, **buc_usage(RL.id, 100, 30, 35, regain_min=1)},
                                body_name="errors/rate-limit-32.json", times=1,
                                body=graph_error("(#32) Page request limit reached", "OAuthException", 32,
                                                 transient=True))],
        (rl_posts[2], 0): [dict(status=403, headers={**JSON_HEADERS, **app_usage(100, 8, 12)},
                                body_name="errors/rate-limit-17.json", times=1,
                                body=graph_error("(#17) User request limit reached", "OAuthException", 17,
                                                 subcode=2446079, transient=True))],
    })

    # -- a timeout (the first answer comes after 5 s), then a deleted post's comments --
    slow = render_page(SLOW)
    slow_post = next(iter(slow.comments))
    slow.comments.clear()
    feed_and_comments(SLOW, slow, {("feed", 0): [dict(status=200, headers=usage_headers(SLOW, 2),
                                                      body_name=f"{SLOW.slug}/feed-1.json", body=slow.feed[0][1],
                                                      times=1, delay_s=5)]})
    m.add(f"/{VERSION}/{slow_post}/comments", "errors/unknown-object-100.json", status=400, headers=JSON_HEADERS,
          body=graph_error(f"Unsupported get request. Object with ID '{slow_post}' does not exist, cannot be loaded "
                           "due to missing permissions, or does not support this operation. Please read the Graph "
                           "API documentation at https://developers.facebook.com/docs/graph-api",
                           "GraphMethodException", 100, subcode=33, seed=slow_post))

    # -- transient Graph error 1, twice, then the data --
    transient = render_page(TRANSIENT)
    feed_and_comments(TRANSIENT, transient, {("feed", 0): [dict(
        status=500, headers={**JSON_HEADERS, **app_usage(7)}, body_name="errors/transient-1.json", times=2,
        body=graph_error("An unknown error occurred", "OAuthException", 1, subcode=99, transient=True))]})

    # -- errors that stop a page, and responses that never get better --
    def always(page: Pg, status: int, headers: dict[str, str], name: str, body: bytes) -> None:
        m.add(f"/{VERSION}/{page.id}/feed", name, body, status=status, headers=headers)

    always(TOKEN, 400, {**JSON_HEADERS, "WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token" "Error '
                        'validating access token: Session has expired on Tuesday, 15-Jul-25 01:00:00 PDT."'},
           "errors/token-expired-190.json",
           graph_error("Error validating access token: Session has expired on Tuesday, 15-Jul-25 01:00:00 PDT. The "
                       "current time is Tuesday, 15-Jul-25 02:13:44 PDT.", "OAuthException", 190, subcode=463))
    always(PERMISSION, 400, JSON_HEADERS, "errors/permission-10.json",
           graph_error("(#10) This endpoint requires the 'pages_read_engagement' permission or the 'Page Public "
                       "Content Access' feature. Refer to https://developers.facebook.com/docs/apps/review/"
                       "login-permissions#manage-pages and https://developers.facebook.com/docs/apps/review/"
                       "feature#reference-PAGES_ACCESS for details.", "OAuthException", 10))
    always(GONE, 400, JSON_HEADERS, "errors/unknown-page-100.json",
           graph_error(f"Unsupported get request. Object with ID '{GONE.id}' does not exist, cannot be loaded due to "
                       "missing permissions, or does not support this operation. Please read the Graph API "
                       "documentation at https://developers.facebook.com/docs/graph-api", "GraphMethodException", 100,
                       subcode=33))
    always(BROKEN, 200, {**JSON_HEADERS, **app_usage(3)}, f"{BROKEN.slug}/feed-truncated.json",
           b.feed[0][1][: len(b.feed[0][1]) // 3])
    always(HTML, 503, HTML_HEADERS, "errors/html-503.html", HTML_ERROR)
    always(PARKED, 400, {**JSON_HEADERS, **buc_usage(PARKED.id, 100, 100, 100, regain_min=45)},
           "errors/rate-limit-80001-long.json",
           graph_error("There have been too many calls to this Page account. Wait a bit and try again. For more "
                       "info, please refer to https://developers.facebook.com/docs/graph-api/overview/"
                       "rate-limiting.", "OAuthException", 80001, transient=True, seed="long"))
    return m


# -- what the recordings contain (for the tests) -----------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    page_id: str
    source_id: str
    kind: str  # post | comment | reply
    parent_source_id: str | None
    text: str
    kept: bool  # the default watchlist keeps it
    note: str = ""


def expected(pages: list[Pg]) -> list[Expected]:
    out: list[Expected] = []
    for page in pages:
        for posts in page.feed_pages:
            for post in posts:
                post_id = f"{page.id}_{post.suffix}"
                if post.text is not None:
                    out.append(Expected(page.id, post_id, "post", None, post.text, post.kept, post.note))
                if not page.full_comments:
                    for comment in post.comments:
                        node = {"created_time": ts(comment.at), "message": comment.text}
                        out.append(Expected(page.id, comment_source_id(post_id, node), "comment", post_id,
                                            comment.text or "", comment.kept, comment.note))
                    continue
                for comment in post.comments:
                    cid = f"{post.suffix}_{comment.suffix}"
                    if comment.text is not None:
                        out.append(Expected(page.id, cid, "comment", post_id, comment.text, comment.kept, comment.note))
                    for reply in comment.replies:
                        out.append(Expected(page.id, f"{post.suffix}_{reply.suffix}", "reply", cid, reply.text or "",
                                            reply.kept, reply.note))
    return out


EXPECTED_MAIN = expected(MAIN_PAGES)
WATERMARKS = {page.id: render_page(page).watermark for page in MAIN_PAGES + [RL, SLOW, TRANSIENT]}


def sources_yaml(pages: list[Pg], comment: str) -> str:
    lines = [comment, "watchlist: null", "facebook:", "  interval_s: 600", "  pages:"]
    lines += [f'    - {{id: "{page.id}", name: "{page.name}"}}' for page in pages]
    return "\n".join(lines) + "\n"


def main() -> None:
    manifest = build()
    for name, body in manifest.files.items():
        target = ROOT / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    header = ("# Graph API v23.0 exchanges of crawlers/spiders/facebook.py, served by crawlers.replay.ReplayServer.\n"
              "# Generated by tests/crawlers/facebook/make_recordings.py (synthetic content; see README.md).\n"
              "# An entry with `query` must come before the entry without one for the same path.\n")
    (ROOT / "manifest.yaml").write_text(header + yaml.safe_dump(manifest.entries, allow_unicode=True,
                                                                 sort_keys=False, width=120), encoding="utf-8")
    (ROOT / "sources.yaml").write_text(sources_yaml(
        MAIN_PAGES, "# The Facebook pages recorded in crawlers/recordings/facebook (synthetic content, real Graph "
                    "format).\n# Run with facebook_graph_url = the replay server's base URL and any dummy "
                    "facebook_access_token."), encoding="utf-8")
    (ROOT / "sources-errors.yaml").write_text(sources_yaml(
        ERROR_PAGES, "# Pages of crawlers/recordings/facebook that answer with Graph errors (one per error class)."),
        encoding="utf-8")
    print(f"{len(manifest.entries)} entries, {len(manifest.files)} bodies → {ROOT}")


if __name__ == "__main__":
    main()
