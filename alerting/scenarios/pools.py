"""Hand-written text pools for the alerting evaluation timelines (see README.md in this folder).

Every text is fictional: authors, pages, companies and officers are invented; numbers that would be personal data
(phones, ID numbers) appear masked, the way the ingest pipeline stores them. Style follows the classifier corpus:
teencode, missing diacritics, emoji, news as "Headline. Lead."
"""

from __future__ import annotations

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý"]
GIVEN = ["Thị Hoa", "Văn Hùng", "Minh Tuấn", "Thu Trang", "Ngọc Ánh", "Văn Tài", "Thị Mai", "Quốc Bảo", "Thanh Hằng",
         "Hữu Phước", "Kim Liên", "Đức Anh", "Thị Nga", "Hoài Nam", "Bích Ngọc", "Văn Lợi", "Thị Thúy", "Gia Huy",
         "Mỹ Duyên", "Công Danh", "Thị Lan", "Tấn Phát", "Hồng Nhung", "Văn Sơn"]
GROUPS = ["hoicongnhankcnvsip", "congnhanbinhduong", "hoibimsua.hanoi", "hoinguoilaodongdongnai", "chosinhvienhcm",
          "hoicongnhanlongan", "cantho24h", "hoihuutri.thanhhoa", "hoimebimsg", "congdongthatnghiep"]
OUTLET_HOSTS = {"VnExpress": "vnexpress.net", "Tuổi Trẻ": "tuoitre.vn", "Thanh Niên": "thanhnien.vn",
                "Dân Trí": "dantri.com.vn", "Lao Động": "laodong.vn", "Người Lao Động": "nld.com.vn",
                "VietNamNet": "vietnamnet.vn"}

REPOST_PREFIXES = ["Share: ", "Chia sẻ lại: ", "Nóng!! ", "Ai chưa biết thì đọc: ", "Copy từ nhóm khác: ",
                   "Mọi người đọc nè: ", "Fw từ nhóm Zalo: ", "Tin mới: ", "Cho ae biết: "]
COMMENT_PREFIXES = ["Thật sự ", "Nói thật, ", "Hic, ", "Ôi trời, ", "Đồng ý, ", "Xem xong thấy ", "Trời ơi, ",
                    "Haizz, ", "Chuẩn luôn, "]

# --- background: ordinary, low-volume chatter --------------------------------------------------------------------
BACKGROUND_QUESTIONS = [
    "Cho em hỏi em nghỉ việc được 8 tháng rồi, giờ muốn đóng BHXH tự nguyện tiếp thì làm ở đâu ạ?",
    "mn ơi thẻ bhyt của con e hết hạn tháng sau, gia hạn online trên vssid đc ko hay phải ra đại lý ạ",
    "Mẹ mình 58 tuổi, đóng được 16 năm thì đủ điều kiện lương hưu chưa các bác?",
    "cty chốt sổ cho e rồi mà vssid vẫn hiện đang tham gia là sao ạ",
    "Hỏi chút: đi khám BHYT trái tuyến ở bệnh viện tỉnh thì được thanh toán bao nhiêu %?",
    "e sinh con tháng 5, đóng bhxh được 7 tháng trong 12 tháng trước sinh thì có được hưởng thai sản ko ạ",
    "Ai biết tra quá trình đóng BHXH trên cổng dịch vụ công thì chỉ mình với, VssID mình quên mật khẩu.",
    "Làm hồ sơ hưởng thất nghiệp thì nộp ở trung tâm dịch vụ việc làm nơi ở hay nơi làm việc vậy mọi người?",
    "bố e mất, đang hưởng lương hưu, thì gia đình làm trợ cấp mai táng ở đâu ạ",
    "Cho mình hỏi mức đóng BHYT hộ gia đình năm nay người thứ 2 là bao nhiêu ạ?",
    "Em làm 2 công ty cùng lúc thì đóng BHXH ở cả 2 chỗ hay 1 chỗ thôi ạ?",
    "vssid của mình không hiện thẻ bhyt năm nay, có ai bị giống vậy ko",
    "Nghỉ ốm 3 ngày có giấy của bệnh viện thì có được hưởng chế độ ốm đau không mọi người?",
    "Chồng em đóng BHXH, em ở nhà không đi làm thì sinh con có được hỗ trợ gì không ạ?",
    "Làm sao để gộp 2 sổ BHXH vậy mọi người, mình có 2 mã số do 2 công ty khai.",
    "e đi làm từ tháng 9/2025 thì sau này nghỉ việc có rút 1 lần được không ạ",
    "Ai đã làm thủ tục cấp lại sổ BHXH bị mất chưa, cần giấy tờ gì vậy?",
    "Cho hỏi lương hưu tháng này lĩnh ngày mấy ạ, bưu điện xã mình chưa thông báo.",
    "cho e hỏi hưởng thất nghiệp xong 3 tháng rồi đi làm lại thì thời gian còn lại có bảo lưu k ạ",
    "Thẻ BHYT học sinh năm nay đóng ở trường hay ra bưu điện đóng vậy các mẹ?",
    "Mình 45 tuổi mới bắt đầu đóng tự nguyện thì đến 60 có kịp lương hưu không các bạn?",
    "có ai biết đăng ký khám chữa bệnh ban đầu đổi sang bệnh viện khác thì làm online dc ko",
    "Nhân viên thử việc 2 tháng thì công ty có phải đóng BHXH không mọi người?",
    "Mẹ em bị tai nạn lao động ở xưởng, công ty bảo tự lo, vậy có được hưởng chế độ gì không ạ?",
    "cho hỏi đổi số điện thoại trên vssid làm ntn ạ, số cũ mất rồi",
    "Hồ sơ thai sản nộp qua công ty thì bao lâu có tiền vậy các chị?",
    "Bác nào đang hưởng hưu cho hỏi năm nay có tăng lương hưu không ạ?",
    "Mình ở trọ, tạm trú thì mua BHYT hộ gia đình ở đâu được vậy?",
    "Cần tư vấn: bị công ty cho nghỉ ngang thì còn được hưởng thất nghiệp không?",
    "cho e hỏi tra mã số bhxh bằng cccd ở đâu ạ",
    "Đi khám răng có được BHYT chi trả không mọi người, hay chỉ nhổ răng mới được?",
    "Ai làm hồ sơ hưởng chế độ dưỡng sức sau sinh chưa, công ty mình bảo không có chế độ này.",
    "Mình định đóng BHXH tự nguyện cho bố, mức thấp nhất mỗi tháng khoảng bao nhiêu ạ?",
    "có ai xin cấp lại thẻ bhyt bị sai ngày sinh chưa, mất bao lâu vậy",
    "Cho hỏi đóng BHYT 5 năm liên tục thì có được miễn cùng chi trả không ạ?",
    "e làm giáo viên hợp đồng, trường có đóng bhtn cho e k các chị",
    "Bà ngoại mình 80 tuổi có trợ cấp xã hội thì có thẻ BHYT miễn phí không ạ?",
    "Muốn xem công ty đã đóng bảo hiểm đến tháng nào thì xem ở mục nào trên VssID vậy?",
    "Hỏi ngu xíu: thẻ BHYT ảnh trên VssID đi khám bệnh viện tư nhận không mọi người?",
    "Ai biết thủ tục hưởng trợ cấp tuất hàng tháng cho mẹ chỉ giúp mình với, bố mình mới mất.",
    "Em mới đi làm công ty đầu tiên, làm sao biết công ty đã đăng ký BHXH cho em chưa ạ?",
    "cho hỏi nghỉ thai sản 6 tháng thì tháng nào công ty không phải đóng bhxh vậy mn",
    "Bảo hiểm thất nghiệp được hưởng tối đa bao nhiêu tháng vậy mọi người, em đóng 4 năm.",
    "Mình 52 tuổi, nữ, đóng 14 năm rồi, đóng thêm tự nguyện 1 năm nữa là có lương hưu phải không?",
    "Có ai đi khám mắt bằng BHYT ở bệnh viện mắt tỉnh chưa, có cần giấy chuyển tuyến không?",
    "Đơn vị mình báo giảm lao động rồi mà sổ vẫn chưa trả về, chờ bao lâu nữa vậy?",
    "Hỏi: lương đóng BHXH có tính phụ cấp chuyên cần không mọi người?",
    "Xin hỏi hồ sơ hưởng chế độ sinh con cho chồng khi vợ sinh cần những gì?",
    "cho e hỏi e làm thời vụ 2 tháng ở kho hàng thì có phải đóng bảo hiểm k",
    "Tra cứu thẻ BHYT còn hạn hay không thì vào trang nào của BHXH vậy ạ?",
    "Mẹ mình đóng BHXH tự nguyện, năm nay nhà nước hỗ trợ bao nhiêu phần trăm vậy?",
    "Hồ sơ hưởng lương hưu nộp trước ngày nghỉ hưu bao lâu là hợp lý các bác?",
    "Đi khám ở trạm y tế xã có được BHYT thanh toán 100% không?",
    "Cho mình hỏi sổ BHXH giấy giờ còn cần giữ không hay chỉ dùng VssID là đủ?",
    "Ai từng làm thủ tục hưởng trợ cấp tai nạn lao động chưa, mất khoảng bao lâu?",
    "Em sắp chuyển công ty, có cần chốt sổ bảo hiểm ở công ty cũ không ạ?",
    "bhyt hộ gia đình đóng theo năm hay theo 6 tháng vậy các bạn",
    "Cho hỏi người nước ngoài làm việc ở Việt Nam có phải đóng BHXH không?",
    "Con mình đi học đại học xa nhà, thẻ BHYT sinh viên đăng ký khám ở đâu?",
    "Mình làm freelancer, muốn có lương hưu sau này thì nên đóng tự nguyện mức nào?",
    "Chế độ dưỡng sức sau ốm đau được mấy ngày vậy mọi người?",
    "Hỏi xíu: nghỉ việc giữa tháng thì tháng đó công ty có đóng BHXH không?",
    "Ba mình là cựu chiến binh, thẻ BHYT đổi mẫu mới thì làm ở đâu ạ?",
    "Cho em hỏi khám BHYT ở bệnh viện tư có liên kết thì được hưởng như công không?",
    "Có ai làm hồ sơ hưởng BHTN qua dịch vụ công chưa, chỉ em với.",
    "Ở quê mình bưu điện chi lương hưu tận nhà cho người già, tiện thật.",
    "Nhờ mọi người: mình bị trùng 2 mã số BHXH thì gộp ở BHXH quận hay tỉnh?",
    "Nghỉ ốm chăm con dưới 7 tuổi được hưởng tối đa bao nhiêu ngày trong năm ạ?",
    "Em ở Thủ Đức (cũ), giờ làm thủ tục BHXH thì đến cơ sở nào ạ?",
    "Nếu đóng BHXH 2 năm rồi nghỉ, sau này đi làm lại có cộng nối thời gian không mọi người?",
    "Mẹ mình 75 tuổi có được cấp thẻ BHYT miễn phí không hay phải 80 tuổi?",
    "Cho hỏi mức lương tối thiểu để đóng BHXH bắt buộc năm nay là bao nhiêu?",
    "Bác sĩ kê thuốc ngoài danh mục BHYT thì mình phải trả hết à mọi người?",
    "Có bạn nào đóng BHXH ở 2 tỉnh khác nhau, giờ hưởng thất nghiệp nộp ở đâu?",
]
DISTRACTORS = [
    "Bảo hiểm xe máy bắt buộc mua ở đâu rẻ mà uy tín vậy mn, cảnh sát giao thông hay kiểm tra quá.",
    "Mua bảo hiểm nhân thọ cho con có đáng không các mẹ, bạn mình làm đại lý cứ rủ suốt.",
    "Vừa bị quẹt xe, bảo hiểm thân vỏ ô tô bồi thường nhanh không ai có kinh nghiệm không?",
    "Tuyển CTV tư vấn bảo hiểm nhân thọ, thu nhập không giới hạn, làm online tại nhà 💰",
    "VAY TIỀN NHANH CHỈ CẦN CCCD, không thẩm định, giải ngân 30 phút, nhắn tin ngay!",
    "Quả penalty phút 89 đúng là bàn thắng bảo hiểm, đội nhà lên đỉnh bảng rồi ⚽",
    "Đi Đà Lạt mùa này nhớ mang áo khoác cho bảo hiểm nha mọi người, tối lạnh lắm.",
    "Nhật Bản tăng tuổi nghỉ hưu lên 70? Người Nhật phản ứng thế nào với cải cách lương hưu mới.",
    "Pháp lại biểu tình phản đối cải cách hưu trí, nhiều tuyến tàu ngừng chạy.",
    "Bảo hiểm du lịch đi Hàn có bắt buộc khi xin visa không mọi người?",
    "Tuyển công nhân may, lương 9-12 triệu, đóng BHXH đầy đủ, có xe đưa đón, ở KCN Tân Tạo.",
    "Có nên mua bảo hiểm sức khỏe Bảo Việt cho bố mẹ không, gói nào quyền lợi nội trú tốt vậy mọi người?",
    "Bảo hiểm TNDS ô tô năm nay tăng giá hả mọi người, mình thấy đắt hơn năm ngoái.",
    "Thất nghiệp 2 tháng rồi, ai biết chỗ nào tuyển kế toán ở Thủ Đức không ạ, cứu em 🥲",
    "Dịch vụ làm visa Úc trọn gói, hỗ trợ chứng minh tài chính, bảo hiểm du lịch miễn phí.",
    "Chung cư nhà mình vừa bắt mua bảo hiểm cháy nổ, có ai biết phí vậy có hợp lý không?",
    "Đóng phim về thời bao cấp, ông bố về hưu ngồi đếm tem phiếu, xem mà thương ghê.",
    "Lãi suất gửi tiết kiệm tháng này ngân hàng nào cao nhất vậy mọi người?",
    "Bán gấp xe SH 2022 chính chủ, còn bảo hiểm 1 năm, giá thương lượng.",
    "Hàn Quốc: quỹ hưu trí quốc gia đầu tư cổ phiếu công nghệ lãi lớn trong quý.",
    "Sếp bảo làm thêm giờ không trả tiền, ở đây ai gặp cảnh này chưa 😤",
    "Công ty bảo hiểm nhân thọ từ chối chi trả vì khai thiếu bệnh sử, uất ức quá.",
    "Khuyến mãi gói khám sức khỏe tổng quát 990k tại phòng khám đa khoa, tặng kèm bảo hiểm tai nạn.",
    "Nghỉ việc rồi mới thấy đi làm văn phòng sướng, thất nghiệp ở nhà chán quá mọi người ạ.",
    "Bảo hiểm vật chất xe máy có cần không hay chỉ cần bảo hiểm bắt buộc thôi?",
    "Mỹ: tranh cãi về tương lai quỹ An sinh xã hội trước kỳ bầu cử giữa nhiệm kỳ.",
    "Tuyển tài xế giao hàng, thu nhập 15 triệu, không cần kinh nghiệm, nhận việc ngay.",
    "Mùa mưa rồi, ai có kinh nghiệm mua bảo hiểm ngập nước cho ô tô không?",
    "Cô giáo về hưu mở lớp dạy vẽ miễn phí cho trẻ em trong xóm, đáng yêu quá ❤️",
    "Quỹ đầu tư nào đang cho lãi tốt, mình muốn để dành tiền về già mà không tin chứng khoán.",
    "Đại lý Manulife gọi điện mời mua gói tích lũy giáo dục cho con suốt, chặn số rồi vẫn gọi.",
    "Xe máy hết hạn bảo hiểm bị phạt bao nhiêu vậy các bác?",
    "Tuyển nhân viên kho, đóng bảo hiểm đủ, thưởng tháng 13, phỏng vấn ngay trong tuần.",
    "Đức tăng tuổi nghỉ hưu, công đoàn phản đối kế hoạch mới của chính phủ.",
    "Bảo hiểm điện thoại rơi vỡ có đáng mua không, mua iPhone mới mà sợ quá.",
    "Thất nghiệp mùa dịch năm nào giờ nghĩ lại vẫn sợ, may giờ có việc ổn định.",
    "Mua bảo hiểm cho chuyến du lịch Thái Lan ở đâu online nhanh nhất vậy?",
    "Ông ngoại về hưu rồi suốt ngày trồng lan, vườn nhà đẹp như công viên 🌸",
    "Công ty bảo hiểm phi nhân thọ tuyển 20 chuyên viên bồi thường xe cơ giới.",
    "Thủ môn cản phá xuất sắc, trận này thắng 2-0 là bảo hiểm rồi.",
]
SERVICE_ORDINARY = [
    "Sáng nay ra BHXH quận nộp hồ sơ, chờ khoảng 40 phút, cũng ổn.",
    "Gọi tổng đài 1900 9068 hỏi về thẻ BHYT, chờ hơi lâu nhưng chị tư vấn dễ hiểu.",
    "Bộ phận một cửa BHXH huyện mình hôm nay đông quá, mọi người nên đi sớm.",
    "Hồ sơ cấp lại sổ của em bị trả lại vì thiếu tờ khai, lần sau phải đọc kỹ hơn.",
    "BHXH phường hướng dẫn nhiệt tình, còn chỉ em cài VssID luôn, cảm ơn các anh chị.",
    "Có ai biết giờ làm việc thứ 7 của BHXH thành phố không ạ?",
    "Nộp hồ sơ qua bưu điện cho BHXH có nhanh hơn đi trực tiếp không mọi người?",
    "Hôm qua nhắn Zalo OA của BHXH hỏi, sáng nay đã được trả lời, khá nhanh.",
    "Mình thấy thủ tục giờ đơn giản hơn trước nhiều, làm online được gần hết.",
    "chờ 2 tiếng ở bhxh huyện mới tới lượt, ghế ngồi thì thiếu, mệt thật",
]
VSSID_ORDINARY = [
    "Cách đăng nhập VssID bằng tài khoản định danh điện tử VNeID làm sao vậy mọi người?",
    "VssID báo sai mật khẩu dù mình nhập đúng, lấy lại mật khẩu qua email được không?",
    "Mọi người ơi tra lương hưu trên VssID ở mục nào vậy?",
    "vssid cap nhat ban moi xong giao dien dep hon ha",
    "Đăng ký VssID xong bao lâu thì có mật khẩu vậy các bạn?",
    "App VssID hôm qua chạy mượt, tra được quá trình đóng đầy đủ.",
    "Sao VssID của mình không thấy thẻ BHYT của con vậy, con 5 tuổi.",
    "Ai hướng dẫn mình thanh toán gia hạn BHYT hộ gia đình qua VssID với.",
    "Thẻ BHYT trên VssID có thay được thẻ giấy khi đi khám không nhỉ?",
    "VssID bắt xác thực lại khuôn mặt hả mọi người, làm mãi không qua.",
]
QUIET_POSITIVE = [
    "Mẹ mình vừa nhận lương hưu tăng theo điều chỉnh mới, cả nhà vui lắm 😊",
    "Đi khám ở bệnh viện huyện bằng CCCD gắn chip, không cần mang thẻ BHYT, tiện thật.",
    "Hồ sơ thai sản của em nộp thứ 2, thứ 6 đã có tiền về tài khoản, nhanh ghê.",
    "Cảm ơn chị cán bộ BHXH xã đã đến tận nhà hướng dẫn bà nội làm thủ tục.",
    "Nhờ có BHYT mà ca mổ ruột thừa của bố chỉ tốn hơn 2 triệu, may quá.",
    "Trợ cấp thất nghiệp tháng đầu về đúng hẹn, thủ tục cũng không rắc rối như mình nghĩ.",
    "Tuần này BHXH tỉnh tổ chức đối thoại với công nhân KCN, nhiều câu hỏi được giải đáp.",
    "Tra cứu trên VssID thấy đủ 15 năm đóng rồi, yên tâm chờ đến tuổi nghỉ hưu.",
]

# --- scenario 1: rumour "one-time withdrawal banned" (claim cam-rut-bhxh-mot-lan) --------------------------------
RUMOR_SEED = [
    "NÓNG: Từ 1/7/2026 cấm rút BHXH 1 lần đối với tất cả người lao động, kể cả người đóng trước đây. Ai đang có ý "
    "định rút thì làm ngay trong tháng này kẻo không kịp!!!",
    "Chị em trong xưởng bảo nhau từ 1/7 năm nay luật mới cấm hẳn rút bảo hiểm 1 lần rồi, ai chưa rút thì nhanh lên. "
    "Mình đang nghỉ việc đây, lo quá 😭",
    "nghe cán bộ công đoàn cty nói sắp cấm rút bhxh 1 lần, tháng 7 là hết rút luôn, ae tính đi",
    "Share cho anh em công nhân: luật mới bỏ hẳn rút BHXH một lần, không rút được nữa, ai nghỉ việc rồi thì nộp hồ "
    "sơ liền đi.",
]
RUMOR_SPREAD = [
    "Ai chưa rút BHXH 1 lần thì nhanh lên kẻo luật mới cấm, từ 1/7 là hết đường rút.",
    "Tin từ người quen làm bên bảo hiểm: tháng 7 này cấm rút 1 lần, đóng bao nhiêu năm cũng phải chờ đến 60 tuổi.",
    "THÔNG BÁO KHẨN: từ 1/7 cấm rút bhxh 1 lần rồi, share cho người thân biết gấp!!!",
    "Vậy là tiền mồ hôi nước mắt đóng bao nhiêu năm giờ không được rút nữa, luật gì kỳ vậy 😡",
    "cấm rút 1 lần thật rồi mn ơi, cty e cả trăm người xin nghỉ việc để kịp rút",
    "Nhà nước cấm rút bảo hiểm 1 lần để giữ tiền, công nhân tụi mình lấy gì mà sống.",
    "từ 1/7 không được rút bhxh 1 lần nữa, ai nghỉ việc đủ 12 tháng thì nộp hồ sơ ngay đi",
    "Sáng nay BHXH huyện đông nghẹt người đi rút vì nghe tin sắp cấm, xếp hàng từ 5h.",
    "Đóng 10 năm giờ bảo cấm rút, bắt đợi tới 62 tuổi, ai chịu nổi? Cấm rút là cướp tiền người lao động.",
    "Chồng em nói luật mới cấm rút BHXH 1 lần từ tháng 7, em đang bầu mà phải nghỉ việc để rút cho kịp huhu",
    "Tranh thủ rút đi anh em, tháng 7 là đóng băng hết, không rút được đâu.",
    "Nhóm công nhân KCN đang rủ nhau nghỉ việc hàng loạt vì tin cấm rút bảo hiểm 1 lần.",
    "Cấm rút BHXH 1 lần từ 1/7!!! Ai ở Bình Dương, Đồng Nai, Long An thì chuẩn bị hồ sơ gấp.",
    "Biết ngay mà, đóng vào là không lấy ra được, giờ cấm rút luôn. Ai còn tin bảo hiểm nữa?",
    "Mẹ em nghe tin cấm rút 1 lần, cả đêm không ngủ được vì đang tính rút lấy tiền chữa bệnh cho bố.",
    "Luật 41 có hiệu lực rồi giờ thêm quy định cấm rút 1 lần với cả người đóng trước 2025, quá vô lý.",
    "Bạn mình làm nhân sự nói tháng 7 hết rút bảo hiểm 1 lần, đóng vào coi như gửi nhà nước giữ hộ tới già.",
    "tháng 7 cấm rút bhxh, ai cần dịch vụ làm hồ sơ nhanh thì ib, nhận làm trong tuần",
    "Vậy là hết rút BHXH 1 lần rồi hả trời, vừa nghỉ việc được 10 tháng, còn 2 tháng nữa mới đủ 12 tháng 😢",
    "Nghe đồn từ tháng 7 cấm rút bảo hiểm một lần, công ty em giờ ai cũng đòi nghỉ việc.",
    "Chuyển tiếp từ nhóm Zalo tổ sản xuất: luật mới cấm rút BHXH 1 lần từ 1/7, mọi người lưu ý.",
    "Cấm rút một lần thì công nhân thất nghiệp lấy gì sống qua ngày? Ai làm luật có hiểu dân không?",
    "Ai đủ điều kiện rút bhxh thì rút hết đi, tháng 7 cấm rồi, đừng để mất trắng.",
    "Đọc trên mạng thấy sắp cấm rút BHXH một lần, tin này đang lan khắp các nhóm công nhân.",
    "Xếp hàng ở BHXH từ 4h sáng vì sợ tháng 7 cấm rút, mấy chục người chen nhau.",
    "luat moi cam rut bhxh 1 lan, cong nhan kcn dang xin nghi hang loat",
    "Chốt lại là từ 1/7/2026 cấm rút BHXH 1 lần nhé cả nhà, đừng ai nói mình không báo trước.",
    "Đồng nghiệp vừa nghỉ việc hết vì tin cấm rút 1 lần, xưởng giờ thiếu người trầm trọng.",
    "Tiền của mình đóng mà cấm mình rút, nói thẳng là chiếm dụng chứ gì nữa.",
    "Tháng 7 này là hết rút 1 lần, đã nghỉ việc thì phải nộp hồ sơ trước 30/6.",
]
RUMOR_COMMENTS = [
    "thật không mọi người, em đang tính đi làm lại mà giờ hoang mang quá",
    "Cấm thật rồi, BHXH huyện em dán thông báo luôn.",
    "vậy ai đóng 5 năm rồi nghỉ thì tiền đó đi đâu?",
    "Trời ơi, mình còn 3 tháng nữa mới đủ 12 tháng nghỉ việc 😭",
    "Chính sách gì mà cứ đổi xoành xoạch, dân khổ",
    "Đọc mà tức, đóng cho lắm vào rồi cấm rút",
    "nghi viec het di ae, rut duoc dong nao hay dong do",
    "Mai em xin nghỉ luôn cho kịp rút bảo hiểm, không chờ nữa.",
    "Thôi xong, tiền đóng bao năm coi như mất.",
    "Ai có link văn bản cấm rút không cho mình xin với?",
    "Tin này chuẩn đó, chị mình làm kế toán nói.",
    "cty e hôm nay 30 người nộp đơn nghỉ việc vì tin này",
    "Không cho rút thì ít ra phải trả đủ lương hưu, đằng này đòi 15 năm.",
    "tag chồng vào đọc nè @",
    "Mới hỏi BHXH quận, họ bảo chưa có văn bản, mà sao ai cũng nói cấm vậy?",
    "Mình nghĩ là tin đồn thôi, chờ BHXH lên tiếng đi mọi người.",
    "Ra BHXH thì đông như kiến, chen không nổi luôn.",
    "Giờ đi làm lại cũng phải đóng, đóng xong không được rút, khác gì đóng thuế.",
    "cam rut that ha, vay lam cong nhan lam gi nua",
    "Hèn gì mấy hôm nay bên dịch vụ rút hộ quảng cáo rầm rộ.",
    "Bà con bình tĩnh, đợi thông tin chính thức, đừng nghỉ việc vội.",
    "Quá bất công cho người lao động nghèo!",
    "Tin nóng quá, mình share về nhóm gia đình rồi.",
    "Nghe nói cấm rút với cả người đóng từ trước, không biết đúng không?",
    "Em làm công nhân 7 năm, giờ không được rút thì chắc nghỉ luôn.",
    "Ai rút rồi thì thôi, ai chưa rút là thiệt.",
    "Đã báo cho mấy đứa em ở quê, tụi nó cũng định nghỉ việc để rút.",
    "Bớt share tin chưa kiểm chứng đi mọi người ơi.",
    "Mình vừa gọi 1900 9068 mà không ai nghe máy, chắc đang quá tải vì tin này.",
    "Lại cái kiểu làm luật trên trời, cấm rút mà không hỏi ý người lao động.",
]
RUMOR_NEWS_ASK = [
    ("Người Lao Động", "Công nhân đổ xô đi rút BHXH một lần vì tin đồn cấm rút",
     "Sáng nay, nhiều điểm tiếp nhận hồ sơ của cơ quan BHXH ở các khu công nghiệp phía Nam đông nghẹt người lao động "
     "đến hỏi thủ tục rút BHXH một lần sau khi thông tin \"từ 1/7 cấm rút\" lan truyền trên mạng xã hội."),
    ("Lao Động", "Tin đồn cấm rút BHXH một lần khiến công nhân hoang mang",
     "Một bài đăng khẳng định người lao động sẽ không còn được hưởng BHXH một lần từ ngày 1/7 được chia sẻ hàng "
     "nghìn lượt; nhiều công nhân cho biết đã nộp đơn nghỉ việc để kịp rút."),
]
RUMOR_OFFICIAL = (
    "BHXH Việt Nam khẳng định thông tin \"từ 1/7 cấm rút BHXH một lần\" đang lan truyền trên mạng xã hội là KHÔNG "
    "ĐÚNG SỰ THẬT. Luật BHXH số 41/2024/QH15 vẫn cho phép hưởng BHXH một lần trong các trường hợp luật định, trong đó "
    "có người lao động tham gia BHXH trước ngày 1/7/2025 khi đủ điều kiện. Đề nghị người dân không nghỉ việc vội vàng "
    "và chỉ tiếp nhận thông tin từ kênh chính thức của cơ quan BHXH."
)
RUMOR_NEWS_REFUTE = [
    ("VnExpress", "BHXH Việt Nam bác tin cấm rút bảo hiểm một lần",
     "BHXH Việt Nam khẳng định thông tin người lao động bị cấm rút BHXH một lần từ 1/7 là sai sự thật, người tham gia "
     "trước ngày 1/7/2025 vẫn được hưởng một lần khi đủ điều kiện theo Luật BHXH 2024."),
    ("Tuổi Trẻ", "Không có chuyện cấm rút BHXH một lần, người lao động đừng vội nghỉ việc",
     "Đại diện BHXH Việt Nam khuyến cáo công nhân không nên nghỉ việc để rút BHXH một lần vì tin đồn, bởi việc này "
     "làm mất quyền lợi lương hưu và BHYT lâu dài."),
    ("Dân Trí", "Tin đồn cấm rút BHXH một lần: cơ quan chức năng vào cuộc",
     "Cơ quan BHXH đã đề nghị cơ quan chức năng xác minh, xử lý các tài khoản đăng tải thông tin sai sự thật về việc "
     "cấm rút BHXH một lần gây hoang mang dư luận."),
]
RUMOR_DECAY = [
    "May quá, BHXH Việt Nam đã bác bỏ rồi, không có chuyện cấm rút 1 lần nhé mọi người.",
    "Đính chính: tin cấm rút BHXH 1 lần là tin giả, đừng ai nghỉ việc nữa.",
    "Hôm qua suýt nộp đơn nghỉ việc, may mà đọc được thông báo của BHXH.",
    "vậy là tin đồn thôi hả, làm cả xưởng hoảng loạn",
    "BHXH nói rõ rồi: ai tham gia trước 1/7/2025 vẫn rút 1 lần được khi đủ điều kiện.",
    "Mấy trang đăng tin cấm rút nên bị xử lý, làm bao nhiêu người nghỉ việc oan.",
    "Đã xóa bài share hôm qua, xin lỗi mọi người vì đưa tin chưa kiểm chứng.",
    "Cty em hôm nay nhiều người xin rút đơn nghỉ việc sau khi đọc tin bác bỏ.",
    "Vẫn rút được, chỉ là luật mới hạn chế với người đóng từ 7/2025 thôi, đọc kỹ đi mn.",
    "Cảm ơn BHXH đã lên tiếng kịp thời.",
    "Cho hỏi em tham gia từ 2019, nghỉ việc đủ 12 tháng vẫn rút được đúng không ạ?",
    "tin gia thoi, ai nghi viec roi thi tinh lai nha",
    "Mình thấy nên suy nghĩ kỹ trước khi rút 1 lần, giữ lại để có lương hưu vẫn lợi hơn.",
    "Đừng tin mấy trang câu view nữa, có gì xem trang chính thức của BHXH.",
    "Hôm qua đứng xếp hàng cả buổi, giờ mới biết là tin đồn, tức ghê.",
    "Anh em trong nhóm Zalo đã được chị tổ trưởng đính chính rồi nhé.",
    "Tin cấm rút sai sự thật, VnExpress với Tuổi Trẻ đều đăng rồi.",
    "Thế nhưng chính sách cứ thay đổi hoài nên dân mới dễ tin đồn như vậy.",
    "Tốt nhất là nhắn Zalo OA của BHXH hỏi trực tiếp cho chắc.",
    "Ủa vậy mấy chỗ nhận làm dịch vụ rút nhanh hôm qua là lừa đảo hả?",
    "Cơ quan BHXH giải thích rõ ràng, mong mọi người bình tĩnh.",
    "Mới hỏi BHXH huyện, cán bộ bảo không có văn bản nào cấm rút cả.",
    "Bài học: đừng thấy tin giật gân là share.",
    "Vậy giờ em có nên rút không hay tiếp tục đóng để sau này có lương hưu ạ?",
    "Chị em trong xưởng yên tâm đi làm lại rồi, hú hồn.",
]
RUMOR_RESIDUAL = (
    "Ai chưa rút BHXH 1 lần thì nhanh lên nha, nghe nói từ tháng 7 cấm rút rồi đó, bạn mình mới nói hôm qua."
)

# --- scenario 2: viral video of a one-stop-shop officer (service_quality, Nghệ An) -------------------------------
VIDEO_ORIGIN = (
    "Sáng nay đưa bà nội ra BHXH thị xã làm hồ sơ hưởng tuất, bà 78 tuổi hỏi lại có 2 lần mà cán bộ một cửa quát "
    "thẳng mặt \"không hiểu thì về hỏi con cháu, đừng làm mất thời gian\". Bà về nhà khóc cả buổi. Mình quay lại được "
    "clip, mọi người xem rồi đánh giá giúp. Thái độ như vậy có chấp nhận được không? #BHXH #NghệAn"
)
VIDEO_REPOSTS = [
    ("Tin Nóng Nghệ An", 412_000,
     "CLIP: Cán bộ BHXH quát cụ bà 78 tuổi đến làm hồ sơ tuất ở Nghệ An, cư dân mạng phẫn nộ 😡"),
    ("Nghệ An 24h", 268_000,
     "Xôn xao clip nữ cán bộ bộ phận một cửa BHXH thị xã quát người già: \"không hiểu thì về hỏi con cháu\"."),
    ("Hóng Biến Mỗi Ngày", 1_350_000,
     "Thái độ cán bộ BHXH với cụ bà khiến dân mạng bức xúc, clip đang lan truyền mạnh. Các bạn nghĩ sao?"),
    ("Góc Nhìn Công Dân", 530_000,
     "Người già đi làm thủ tục đã khổ, còn bị cán bộ BHXH quát như con. Cần xử lý nghiêm để làm gương!"),
    ("Xứ Nghệ Quê Mình", 190_000,
     "Clip cán bộ BHXH quát bà cụ ở Nghệ An: xấu hổ cho quê mình quá, mong lãnh đạo BHXH tỉnh vào cuộc."),
    ("Tin Tức Việt Nam 247", 2_100_000,
     "NÓNG: Cán bộ BHXH bị tố quát mắng cụ bà 78 tuổi, clip hơn 1 triệu lượt xem sau 2 giờ."),
    ("Hội Những Người Thích Công Bằng", 380_000,
     "Lại một clip thái độ cửa quyền ở cơ quan nhà nước. Dân đóng thuế nuôi mà bị đối xử vậy đó."),
    ("Đời Sống Quanh Ta", 720_000,
     "Cụ bà khóc sau khi bị cán bộ BHXH quát, cư dân mạng đòi danh tính nữ cán bộ."),
]
VIDEO_COMMENTS = [
    "Thái độ quá tệ, người già hỏi lại vài lần thì có sao đâu 😡",
    "Đề nghị BHXH tỉnh Nghệ An xử lý nghiêm cán bộ này.",
    "cán bộ kiểu này cho nghỉ việc đi, ăn lương dân mà quát dân",
    "Nhìn bà cụ run run mà thương quá 😢",
    "Mình cũng từng bị quát ở BHXH huyện, cứ tưởng chỉ mình gặp.",
    "Làm dịch vụ công mà như ban ơn, bực thật sự.",
    "Share mạnh để lãnh đạo BHXH biết!",
    "Bà cụ tuổi đó rồi, chỉ cần giải thích chậm một chút thôi mà.",
    "Cửa quyền, hách dịch, kiểu này phải xử lý kỷ luật.",
    "cán bộ một cửa ở đâu cũng vậy hết, nói chuyện cộc lốc",
    "Không hiểu sao tuyển được người như vậy vào làm việc với dân.",
    "Xem clip mà nóng mặt, bà như bà nội mình.",
    "Đề nghị công khai tên cán bộ và hình thức kỷ luật.",
    "Ông bà đi làm thủ tục đã khó, còn bị quát, ai chịu nổi.",
    "BHXH cần xin lỗi bà cụ và gia đình.",
    "Thái độ như vậy thì cải cách hành chính cái gì nữa.",
    "Mình ở Vinh, nghe nói chỗ này bị phản ánh nhiều lần rồi.",
    "tag BHXH Việt Nam vào xem đi ạ",
    "Người ta nói con sâu làm rầu nồi canh, nhưng con sâu này to quá.",
    "Cán bộ cũng áp lực nhưng không có lý do gì để quát người già.",
    "Kỷ luật luôn cả lãnh đạo quản lý bộ phận này.",
    "Mình làm hồ sơ ở đó tuần trước cũng bị nói trống không.",
    "Thương bà quá, mong bà sớm được giải quyết hồ sơ.",
    "Quá thất vọng với cách phục vụ của BHXH.",
    "Nhà nước nói phục vụ nhân dân mà thực tế thế này.",
    "Lên hẳn báo rồi mới chịu xử lý cho xem.",
    "Dân mình hiền quá nên bị coi thường.",
    "Nếu là mẹ của cán bộ đó bị quát thì sao?",
    "Phải có camera ở bộ phận một cửa và đường dây nóng phản ánh.",
    "Đi làm BHXH mà sợ hơn đi thi.",
    "Cái tôi bức xúc là bà nói nhỏ nhẹ vậy mà vẫn bị quát.",
    "Xin địa chỉ cụ thể để mọi người phản ánh.",
    "Cần đào tạo lại văn hóa ứng xử cho cán bộ BHXH.",
    "Lần sau đi làm hồ sơ nhớ quay clip hết, có bằng chứng mới được.",
    "Bà cụ bị tổn thương thật sự, nhìn mặt bà là biết.",
    "Mong cơ quan chức năng vào cuộc xác minh sớm.",
    "ai ở thị xã đó cho hỏi cán bộ này làm lâu chưa",
    "Chuyện này không phải lần đầu, phải xử lý tận gốc.",
    "Cán bộ phải là người hướng dẫn tận tình, đó là nhiệm vụ.",
    "Người già hỏi nhiều là bình thường, có gì mà phải bực.",
    "Chưa biết đầu đuôi thế nào nhưng quát người già là sai rồi.",
    "Một clip làm xấu hình ảnh cả ngành BHXH.",
    "Cán bộ như vậy thì dân ngại đến cơ quan nhà nước là phải.",
    "Ba mình cũng từng bị trả hồ sơ 3 lần ở đó, không ai giải thích.",
    "Sao không treo bảng hướng dẫn cho người già dễ hiểu?",
    "Quá buồn, cứ nghĩ giờ đã khác xưa rồi.",
    "Mọi người đừng công kích cá nhân, để cơ quan xử lý theo quy định.",
    "Xử lý xong phải thông báo công khai cho dân biết.",
    "Gọi đường dây nóng BHXH phản ánh luôn mọi người ơi.",
    "Ghê thật, bà hỏi có 2 câu.",
    "Đây là thái độ không thể chấp nhận ở nơi tiếp dân.",
    "Thế này thì ai dám đưa ông bà đi làm hồ sơ một mình nữa.",
    "Mong BHXH tỉnh xin lỗi công khai.",
    "Làm ơn đối xử tử tế với người già.",
    "Cán bộ trẻ mà thiếu lễ phép quá.",
    "Hôm nay cả nhóm mẹ bỉm mình ai cũng share clip này.",
    "Mấy người bênh cán bộ chắc chưa từng đi làm hồ sơ.",
    "Không phải cơ quan nào cũng vậy nhưng clip này quá tệ.",
    "đề nghị đình chỉ công tác ngay",
    "Hy vọng có kết quả xử lý trong hôm nay.",
]
VIDEO_NEWS = [
    ("VietNamNet", "Xôn xao clip cán bộ BHXH ở Nghệ An quát cụ bà đến làm hồ sơ",
     "Đoạn clip ghi lại cảnh nữ cán bộ bộ phận một cửa BHXH một thị xã ở Nghệ An lớn tiếng với cụ bà 78 tuổi đến làm "
     "hồ sơ hưởng chế độ tử tuất đang thu hút hàng triệu lượt xem trên mạng xã hội."),
    ("Thanh Niên", "BHXH Nghệ An xác minh clip cán bộ bị tố quát người cao tuổi",
     "Trao đổi với phóng viên, lãnh đạo BHXH tỉnh Nghệ An cho biết đã yêu cầu BHXH thị xã báo cáo vụ việc, tạm điều "
     "chuyển cán bộ liên quan khỏi vị trí tiếp dân để xác minh."),
    ("Dân Trí", "Cán bộ BHXH quát cụ bà: tạm đình chỉ công tác, xin lỗi gia đình",
     "BHXH tỉnh Nghệ An quyết định tạm đình chỉ công tác nữ cán bộ để kiểm điểm; lãnh đạo BHXH thị xã đã đến nhà xin "
     "lỗi cụ bà và trực tiếp hướng dẫn hoàn tất hồ sơ."),
]
VIDEO_OFFICIAL = (
    "BHXH tỉnh Nghệ An thông tin về clip phản ánh thái độ cán bộ tại bộ phận một cửa BHXH thị xã: BHXH tỉnh đã tạm "
    "đình chỉ công tác đối với viên chức liên quan, thành lập tổ xác minh và sẽ xử lý nghiêm theo quy định. BHXH tỉnh "
    "thành thật xin lỗi cụ bà, gia đình và người dân. Mọi phản ánh về thái độ phục vụ xin gửi qua đường dây nóng hoặc "
    "Zalo OA của BHXH tỉnh."
)
VIDEO_TAIL = [
    "Xử lý vậy là kịp thời, mong các nơi khác rút kinh nghiệm.",
    "Đình chỉ thôi chưa đủ, phải thay đổi cả cách làm việc.",
    "Cảm ơn BHXH tỉnh đã lên tiếng nhanh.",
    "Bà cụ được xin lỗi rồi, mong hồ sơ của bà xong sớm.",
    "Chờ kết quả kỷ luật cuối cùng.",
    "Đi làm hồ sơ mà phải có clip lên mạng mới được quan tâm, buồn.",
    "Ít ra lần này xử lý trong ngày, đáng ghi nhận.",
    "Mong sau vụ này cán bộ một cửa ở đâu cũng niềm nở hơn.",
    "Nên có hòm thư góp ý và đánh giá mức độ hài lòng ở mỗi quầy.",
    "Tạm đình chỉ rồi lại cho đi làm chỗ khác thôi, dân lạ gì.",
    "Hôm nay đi BHXH thị xã thấy cán bộ nói chuyện nhẹ nhàng hẳn.",
    "Chúc bà cụ mạnh khỏe, đừng buồn nữa bà ơi.",
    "Mọi người thôi chia sẻ thông tin cá nhân của cán bộ, để cơ quan xử lý.",
    "Cần khảo sát lại thái độ phục vụ ở tất cả các điểm một cửa.",
    "Ghi nhận sự cầu thị của BHXH Nghệ An.",
]

# --- scenario 3: contribution evasion, shoe factory in old Bình Dương (now TP. Hồ Chí Minh) -----------------------
EVASION_WORKERS = [
    "Anh em Cty Giày Phú Thịnh ở Thuận An ơi, lên VssID xem đi, công ty nợ BHXH từ tháng 3/2023 tới giờ, trừ lương "
    "hàng tháng mà không đóng!!!",
    "Mở VssID mới thấy 3 năm nay cty không đóng đồng nào, vậy tiền trừ lương của tụi tui đi đâu?",
    "Công nhân Phú Thịnh mấy ngàn người bị nợ bảo hiểm, giờ nghỉ việc không chốt sổ được, không làm thất nghiệp được.",
    "Vợ em sinh con mà không được hưởng thai sản vì công ty nợ BHXH, đi hỏi thì BHXH bảo chờ công ty đóng.",
    "cty phu thinh no bhxh 3 nam roi, 4 ngan cong nhan dang dung truoc cong doi quyen loi",
    "Sáng nay hơn nghìn công nhân Phú Thịnh ngừng việc, tập trung trước cổng công ty ở Thuận An đòi đóng bảo hiểm.",
    "Ai làm Giày Phú Thịnh thì kiểm tra quá trình đóng ngay, nhiều người bị nợ 30 mấy tháng.",
    "Trừ 10,5% lương mỗi tháng rồi ôm luôn, đây là chiếm dụng tiền của công nhân chứ còn gì.",
    "BHXH Bình Dương cũ biết công ty nợ lâu vậy sao không xử lý sớm, để tới giờ công nhân lãnh đủ?",
    "Mẹ em làm ở Phú Thịnh 12 năm, sắp về hưu mà 3 năm cuối không được đóng, giờ tính lương hưu sao đây?",
    "Công ty hứa tháng sau đóng bù, hứa cả năm nay rồi, không ai tin nữa.",
    "Nghỉ việc từ tháng 1 mà cty không chốt sổ, đi nộp hồ sơ thất nghiệp bị trả về.",
    "Trưa nay công nhân Phú Thịnh vẫn chưa vào ca, ban giám đốc chưa ai ra đối thoại.",
    "Bị ốm nằm viện 1 tuần, về làm hồ sơ ốm đau thì mới biết công ty không đóng BHXH 2 năm.",
    "4.200 công nhân mà nợ gần 90 tỷ tiền bảo hiểm, chủ công ty thì vẫn đi xe sang.",
    "cty no bh ma bhxh van de the bhyt cua tui bi khoa, di kham benh phai tra tien tuoi",
    "Chúng tôi đề nghị cơ quan chức năng khởi tố hành vi trốn đóng BHXH của Công ty Giày Phú Thịnh.",
    "Nhắn BHXH thành phố: khi nào công nhân Phú Thịnh mới được chốt sổ để hưởng chế độ?",
    "Lúc ký hợp đồng thì nói đóng đầy đủ, giờ xem VssID toàn nợ, lừa công nhân quá.",
    "Đang mang bầu 8 tháng, công ty nợ bảo hiểm, không biết sinh xong có được đồng nào không 😭",
    "Cả dãy trọ của mình làm Phú Thịnh, ai cũng đi hỏi bảo hiểm, đông nghẹt BHXH Thuận An.",
    "Cty trốn đóng bảo hiểm 3 năm mà giờ mới lộ ra, cơ quan thanh tra ở đâu suốt thời gian qua?",
    "Chiều nay liên đoàn lao động xuống làm việc, công nhân vẫn đứng đợi ngoài cổng.",
    "Nợ BHXH kiểu này là phạm tội rồi chứ không còn là chậm đóng nữa.",
    "Em định nghỉ về quê mà giờ không chốt sổ được, kẹt luôn.",
    "Đã gửi đơn lên BHXH và Sở Nội vụ, mong được giải quyết sớm cho anh em.",
    "Mỗi tháng vẫn thấy dòng trừ bảo hiểm trên phiếu lương, vậy mà VssID báo nợ.",
    "Công nhân Phú Thịnh nghỉ việc hàng loạt chắc cũng không được hưởng thất nghiệp đâu.",
    "Làm 9 năm mà bảo hiểm chỉ đóng có 6 năm, 3 năm kia coi như mất?",
    "Tối nay công nhân vẫn chưa giải tán, chờ cam kết bằng văn bản của chủ doanh nghiệp.",
    "Chị em ở tổ may đế ai cũng bị nợ từ 2023, có người còn bị từ 2022.",
    "cong ty no bao hiem xa hoi thi minh kien o dau vay moi nguoi, ai biet chi voi",
    "Thẻ BHYT hết giá trị vì công ty không đóng, con nhập viện phải đóng tiền viện phí toàn bộ.",
    "Mong BHXH TP.HCM vào cuộc cưỡng chế thu nợ, đừng để công nhân chịu thiệt.",
    "Đi làm cực khổ, bị trừ tiền bảo hiểm, cuối cùng không có quyền lợi gì. Uất ức lắm.",
    "Ba năm nợ BHXH mà không ai biết, hệ thống quản lý kiểu gì vậy?",
    "Ngày mai công nhân tiếp tục ngừng việc nếu công ty không đưa ra lộ trình đóng bù.",
    "Bà con ai làm Phú Thịnh thì chụp màn hình VssID gửi công đoàn để tổng hợp.",
    "Tiền của công nhân mà doanh nghiệp chiếm dụng, phải buộc trả cả lãi chậm đóng.",
    "Hôm nay tin công ty Phú Thịnh nợ bảo hiểm lên khắp các nhóm công nhân Bình Dương.",
]
EVASION_NEWS = [
    ("Người Lao Động", "Hàng nghìn công nhân ngừng việc vì công ty nợ BHXH gần 3 năm",
     "Sáng 20/5, khoảng 4.200 công nhân Công ty TNHH Giày Phú Thịnh (phường Thuận An, TP.HCM, trước đây thuộc tỉnh "
     "Bình Dương) ngừng việc sau khi phát hiện doanh nghiệp nợ BHXH từ tháng 3/2023 dù vẫn trừ tiền lương hằng tháng."),
    ("Lao Động", "Công ty Giày Phú Thịnh nợ gần 90 tỷ đồng tiền BHXH của công nhân",
     "Theo cơ quan BHXH, tổng số tiền doanh nghiệp chậm đóng BHXH, BHYT, BHTN của hơn 4.000 lao động lên tới gần 90 tỷ "
     "đồng, nhiều người nghỉ việc không được chốt sổ để hưởng trợ cấp thất nghiệp."),
    ("Tuổi Trẻ", "Công nhân Giày Phú Thịnh: trừ lương đóng bảo hiểm nhưng doanh nghiệp không nộp",
     "Nhiều công nhân cho biết phiếu lương vẫn ghi khoản trích BHXH nhưng tra cứu trên VssID thì quá trình đóng dừng "
     "từ năm 2023; lao động nữ sinh con không được giải quyết chế độ thai sản."),
    ("Thanh Niên", "TP.HCM yêu cầu xử lý dứt điểm nợ BHXH tại Công ty Giày Phú Thịnh",
     "Lãnh đạo UBND TP.HCM chỉ đạo các sở ngành và BHXH thành phố làm việc với doanh nghiệp, xem xét chuyển hồ sơ sang "
     "cơ quan công an nếu có dấu hiệu tội trốn đóng BHXH theo Bộ luật Hình sự."),
    ("VnExpress", "Chủ doanh nghiệp giày cam kết đóng bù BHXH trong 3 tháng",
     "Tối 20/5, sau buổi đối thoại với công đoàn và cơ quan BHXH, chủ Công ty Giày Phú Thịnh cam kết đóng bù 30 tỷ "
     "đồng trong tháng 6 và phần còn lại trước tháng 9; công nhân nghỉ việc sẽ được xác nhận thời gian đóng."),
    ("Dân Trí", "Vụ nợ BHXH ở Công ty Giày Phú Thịnh: công an vào cuộc",
     "Cơ quan cảnh sát điều tra Công an TP.HCM đã tiếp nhận hồ sơ do BHXH thành phố chuyển đến để xác minh dấu hiệu "
     "trốn đóng BHXH, BHYT, BHTN cho người lao động tại doanh nghiệp này."),
]
EVASION_COMMENTS = [
    "Doanh nghiệp kiểu này phải xử lý hình sự, không thể để công nhân chịu thiệt.",
    "Trừ lương mà không đóng là chiếm đoạt chứ chậm đóng gì nữa.",
    "BHXH cũng có trách nhiệm, nợ 3 năm mà không phát hiện sao?",
    "Thương công nhân quá, làm cả đời mà quyền lợi không được bảo đảm.",
    "Luật mới có quy định trốn đóng rồi đó, phải áp dụng nghiêm.",
    "Cty mình ở Dĩ An cũng đang nợ 6 tháng, chắc sắp như vậy.",
    "Sao không cho công nhân được chốt sổ trước để còn hưởng chế độ?",
    "Mong cơ quan chức năng cưỡng chế tài khoản doanh nghiệp.",
    "Chủ doanh nghiệp vẫn sống sung sướng, công nhân thì khổ.",
    "Công đoàn ở đâu suốt 3 năm qua?",
    "Nợ 90 tỷ mà giờ mới xử lý, quá muộn.",
    "ai làm công nhân cũng nên thường xuyên kiểm tra VssID",
    "Thai sản không được hưởng, BHYT bị khóa, khổ đủ đường.",
    "Đóng bù trong 3 tháng? Hứa hoài rồi, phải có bảo lãnh.",
    "Cứ để nợ lâu rồi doanh nghiệp bỏ trốn là công nhân mất trắng.",
    "Bắt buộc đóng mà cơ quan thu không đòi được thì đóng làm gì.",
    "Đề nghị công khai danh sách doanh nghiệp nợ BHXH lớn.",
    "Nhà mình 3 người làm ở đó, cả 3 đều bị nợ.",
    "Công nhân phải đình công mới được quan tâm, buồn ghê.",
    "Cơ quan BHXH cần thông báo định kỳ cho người lao động khi doanh nghiệp nợ.",
    "Xử lý cả giám đốc lẫn kế toán trưởng.",
    "Vụ này phải làm gương cho các doanh nghiệp khác ở Bình Dương cũ.",
    "Trốn đóng cho hàng nghìn người là tội nghiêm trọng.",
    "Bao giờ mới hết cảnh công nhân bị nợ bảo hiểm?",
    "Hy vọng công an vào cuộc thì tiền về cho công nhân.",
    "cty no bhxh nhieu vay ma van nhan don hang binh thuong, la thiet",
    "Đã nợ thì phải tính lãi chậm đóng, không thì doanh nghiệp cứ nợ.",
    "Mình ủng hộ công nhân đấu tranh đòi quyền lợi.",
    "Làm sao để biết công ty mình có đang nợ không mọi người?",
    "Chiếm dụng tiền BHXH của người lao động phải xử lý thật nặng.",
    "Nghe nói còn mấy công ty giày khác ở Thuận An cũng nợ.",
    "Sở Nội vụ với BHXH phối hợp kiểu gì mà để vậy?",
    "Nhìn công nhân đứng dưới nắng cả ngày mà xót.",
    "Tiền của người nghèo mà cũng chiếm được, không còn gì để nói.",
    "Cứ công ty lớn là nợ bảo hiểm, chán thật.",
]
EVASION_OFFICIAL = (
    "BHXH TP. Hồ Chí Minh thông tin: Công ty TNHH Giày Phú Thịnh chậm đóng BHXH, BHYT, BHTN từ tháng 3/2023 với số "
    "tiền gần 90 tỷ đồng. BHXH thành phố đã nhiều lần đôn đốc, lập biên bản và chuyển hồ sơ đến cơ quan công an. Người "
    "lao động nghỉ việc được xác nhận thời gian đã đóng; thẻ BHYT được tiếp tục sử dụng trong thời gian xử lý. Người "
    "lao động cần hỗ trợ xin liên hệ tổng đài 1900 9068 hoặc Zalo OA BHXH TP. Hồ Chí Minh."
)

# --- scenario 4: VssID outage on the last day to renew household health insurance (30/6) --------------------------
OUTAGE_BURST = [
    "VssID lỗi rồi hả mọi người, đăng nhập mãi không được, hôm nay hạn chót gia hạn BHYT hộ gia đình 😭",
    "vssid ko đăng nhập được, cứ quay vòng vòng rồi báo lỗi kết nối",
    "App VssID sập à? Mình vào từ 8h đến giờ toàn báo \"hệ thống đang bận\".",
    "Hôm nay hạn cuối gia hạn thẻ BHYT cho cả nhà mà VssID không vào được, làm sao đây?",
    "vssid loi dang nhap, nhap dung mat khau van bao sai",
    "Có ai thanh toán BHYT trên VssID được không, mình bấm thanh toán thì báo lỗi giao dịch.",
    "VssID báo lỗi 500 liên tục, cổng dịch vụ công cũng không vào được.",
    "Trời ơi đúng ngày cuối quý VssID sập, ai gánh trách nhiệm nếu thẻ hết hạn?",
    "k vao dc vssid, ca nha ai cung bi",
    "Đăng nhập VssID bằng VNeID cũng lỗi nốt, không có cách nào vào.",
    "VssID bị gì vậy? Mình cần tra quá trình đóng gấp để nộp hồ sơ vay ngân hàng hôm nay.",
    "Lần nào hạn chót cũng sập, năm nào cũng vậy, không rút kinh nghiệm à?",
    "vssid lỗi không gửi được OTP, chờ mãi không thấy tin nhắn",
    "Vừa trừ tiền trong tài khoản mà VssID báo giao dịch thất bại, thẻ BHYT chưa gia hạn 😡",
    "Mình ở Hải Phòng, VssID không đăng nhập được từ sáng, chỗ khác có bị không?",
    "App VssID treo ở màn hình chờ, gỡ cài lại cũng không được.",
    "Cổng dịch vụ công BHXH không truy cập được, VssID cũng chết, hạn chót hôm nay thì sao?",
    "Ai gọi được tổng đài BHXH chưa, mình gọi 20 cuộc không ai nghe.",
    "Hệ thống BHXH sập đúng ngày cuối, đi ra bưu điện thì xếp hàng dài.",
    "VssID lỗi nặng quá, công ty mình không nộp được hồ sơ báo tăng lao động.",
    "vssid dang nhap bao phien dang nhap het han, vua dang nhap xong ma",
    "Hỏi thật ngân sách làm app nhiều vậy mà không chịu nổi một ngày cao điểm?",
    "Không vào được VssID để xem thẻ BHYT, đang ở bệnh viện mà không có thẻ giấy.",
    "Đang ở phòng khám, VssID không mở được, phải đóng viện phí trước rồi tính.",
    "App báo \"không thể kết nối máy chủ\", wifi 4G đều thử rồi.",
    "Mọi người đừng gỡ app nha, lỗi từ hệ thống chứ không phải điện thoại đâu.",
    "Hôm nay VssID sập toàn quốc hay chỉ mình bị vậy?",
    "VssID lỗi, dịch vụ công lỗi, tổng đài bận, dân biết kêu ai?",
    "Đã cố đăng nhập VssID 15 lần, vẫn lỗi. Hết kiên nhẫn.",
    "vssid sập r, hạn chót mà làm ăn kiểu này",
    "Con mình nhập học cần thẻ BHYT mà VssID không vào được để lấy ảnh thẻ.",
    "Thanh toán gia hạn BHYT qua VssID bị treo, không biết tiền đi đâu.",
    "Từ 8h đến giờ không làm được gì trên VssID, phải xin nghỉ làm ra đại lý thu.",
    "VssID không hiện dữ liệu, toàn màn hình trắng.",
    "Lỗi đăng nhập VssID: tài khoản bị khóa tạm thời? Mình có làm gì đâu.",
    "Cả phòng kế toán không ai vào được VssID và cổng kê khai BHXH sáng nay.",
    "Sập đúng ngày đông người, đầu tư hạ tầng kiểu gì vậy BHXH?",
    "mn ơi vssid lỗi thì có được gia hạn thêm hạn đóng không",
    "Ngân hàng báo đã trừ tiền, VssID báo chưa thanh toán, lỗi kiểu này ai chịu?",
    "Tải lại VssID trên CH Play rồi mà vẫn không đăng nhập được.",
    "Khổ ghê, cả xóm nhờ mình gia hạn BHYT qua VssID mà app sập.",
    "VssID lỗi đăng nhập liên tục, mong BHXH sớm khắc phục.",
    "Đăng nhập VssID báo \"Lỗi hệ thống, vui lòng thử lại sau\" suốt 45 phút rồi.",
    "Tình hình là VssID vẫn chưa vào được, ai vào được chỉ cách với.",
    "Có thông báo gì chưa mọi người, VssID sập mà không thấy ai nói gì.",
]
OUTAGE_LATER = [
    "10h rồi VssID vẫn lỗi, BHXH nói đang khắc phục mà chưa thấy gì.",
    "Ra điểm thu BHYT ở bưu điện xếp hàng dài vì app không dùng được.",
    "Vẫn không đăng nhập được VssID, hôm nay hết hạn thẻ rồi, mai đi khám không có thẻ sao?",
    "Thông báo gia hạn đến hết ngày mai thì mới tạm yên tâm, chứ app vẫn chưa chạy.",
    "Gọi 1900 9068 được rồi nhưng tư vấn viên bảo chờ, hệ thống đang quá tải.",
    "Đang làm thủ tục cho mẹ nhập viện, không có thẻ BHYT trên VssID, bệnh viện bắt tạm ứng.",
    "vssid van loi, chan qua",
    "Có ai bị trừ tiền 2 lần khi gia hạn BHYT trên VssID không?",
    "VssID lúc vào được lúc không, vào được thì lại báo lỗi khi thanh toán.",
    "Ngày hạn chót mà hệ thống sập thì người dân thiệt chứ ai.",
    "Đại lý thu BHYT ở xã cũng không nhập được vì hệ thống lỗi.",
    "Mình đăng nhập được rồi nhưng chậm kinh khủng, mỗi thao tác mất cả phút.",
    "Công ty mình phải hoãn nộp hồ sơ BHXH vì cổng kê khai lỗi cả sáng.",
    "Mong BHXH có thông báo rõ ràng là ai gia hạn trễ vì lỗi hệ thống có bị gián đoạn thẻ không.",
    "Nghe nói do quá tải vì quá nhiều người gia hạn cùng lúc.",
    "Lỗi kiểu này sao không nâng cấp trước ngày cao điểm?",
    "App VssID 1 sao, đúng lúc cần thì không dùng được.",
    "Đã thử VNeID, thử VssID, thử web, không cách nào vào được.",
    "Hôm qua còn vào được, hôm nay hạn chót thì sập, đúng là luật Murphy.",
    "BHXH ơi bao giờ VssID chạy lại ạ?",
    "Tiền bị trừ mà thẻ chưa gia hạn, ai hoàn tiền cho mình đây?",
    "Mình cần xác nhận quá trình đóng để nộp hồ sơ xin việc chiều nay mà VssID vẫn sập.",
    "Cả nhóm mẹ bỉm ai cũng than VssID lỗi.",
    "Không có thẻ BHYT điện tử, mang CCCD đi khám thì bệnh viện bảo không tra được.",
    "Ủa vẫn chưa sửa xong hả, gần trưa rồi.",
]
OUTAGE_NEWS = [
    ("VnExpress", "Ứng dụng VssID gặp sự cố đúng ngày hạn chót gia hạn BHYT",
     "Từ sáng 30/6, nhiều người dùng phản ánh không thể đăng nhập ứng dụng VssID và cổng dịch vụ công của BHXH Việt "
     "Nam, trong khi hôm nay là hạn cuối gia hạn thẻ BHYT hộ gia đình để không bị gián đoạn quyền lợi."),
    ("Tuổi Trẻ", "VssID lỗi, người dân xếp hàng ở điểm thu BHYT",
     "Nhiều điểm thu BHYT tại bưu điện quá tải khi người dân không thể thanh toán gia hạn qua ứng dụng VssID; BHXH "
     "Việt Nam cho biết đang khắc phục sự cố quá tải hệ thống."),
]
OUTAGE_OFFICIAL = (
    "BHXH Việt Nam thông báo: sáng 30/6, hệ thống ứng dụng VssID và Cổng dịch vụ công BHXH Việt Nam bị gián đoạn do "
    "lượng truy cập tăng đột biến. Đơn vị kỹ thuật đang khẩn trương khắc phục. Người tham gia BHYT hộ gia đình chưa "
    "kịp gia hạn trong ngày 30/6 do sự cố được tiếp tục đóng đến hết ngày 2/7 mà không bị gián đoạn quyền lợi. Thành "
    "thật xin lỗi người dân vì sự bất tiện."
)
OUTAGE_RECOVERED = [
    "VssID vào lại được rồi mọi người ơi, gia hạn xong cho cả nhà.",
    "Đã thanh toán BHYT thành công trên VssID, hơi chậm nhưng được rồi.",
    "Cảm ơn BHXH đã gia hạn thêm đến 2/7, đỡ lo hẳn.",
    "App chạy lại bình thường, ai chưa gia hạn thì làm đi kẻo mai lại đông.",
    "Tiền bị trừ hồi sáng đã được hoàn, cũng may.",
    "Sự cố xong rồi nhưng mong lần sau nâng cấp hệ thống trước hạn chót.",
    "Chiều nay VssID mượt rồi, tra quá trình đóng được.",
    "Vẫn còn hơi chậm lúc thanh toán nhưng đăng nhập được rồi.",
    "Đã gia hạn BHYT cho bố mẹ qua VssID, xong việc.",
    "Mong BHXH công bố nguyên nhân sự cố và cách phòng tránh.",
    "Gia hạn thêm 2 ngày là hợp lý, cảm ơn.",
    "Tối rồi vẫn có người không vào được, chắc do bản app cũ.",
]

# --- scenario 5: quiet week with one viral bait post ------------------------------------------------------------
BAIT_POST = (
    "Lúc 20 tuổi: mơ về hưu sớm đi du lịch khắp thế giới ✈️\n"
    "Lúc 60 tuổi: cầm lương hưu ra chợ, đứng suy nghĩ nên mua cá hay mua thịt 🐟🥩\n"
    "Tag đứa bạn sau này sẽ đi chợ cùng bạn 😂"
)
BAIT_COMMENTS = [
    "Tag con bạn thân, già rồi đi chợ chung nha 😂",
    "Mình thì mơ 40 tuổi nghỉ hưu đi câu cá thôi 🤣",
    "Đúng quá, chợ là nơi tụ họp cuối cùng của tuổi già hahaha",
    "Về già chỉ mong khỏe để bế cháu là vui rồi.",
    "Cười xỉu, hình ảnh ông chú cầm giỏ đi chợ giống ba mình ghê.",
]

# --- scenario 6: slow burn, unemployment allowance paid late in Đồng Nai -----------------------------------------
SLOW_COMPLAINTS = [
    "Quyết định hưởng thất nghiệp từ đầu tháng mà tới giờ chưa có tiền tháng đầu, ai ở Đồng Nai bị vậy không?",
    "tro cap that nghiep thang nay cham qua, bhxh dong nai lam an kieu gi vay",
    "Em ở Biên Hòa, đúng hẹn nhận trợ cấp thất nghiệp mà tài khoản chưa thấy gì, hỏi thì bảo chờ.",
    "Trợ cấp thất nghiệp tháng thứ 2 trễ 10 ngày rồi, tiền nhà trọ chưa có trả 😞",
    "Mình ở Bình Phước cũ, giờ thuộc Đồng Nai, làm hồ sơ thất nghiệp xong chờ mãi chưa có tiền.",
    "Đồng Nai chi trả thất nghiệp chậm quá, gọi lên trung tâm dịch vụ việc làm toàn máy bận.",
    "tháng này bhtn chưa về, có ai biết lý do không ạ",
    "Nghỉ việc 3 tháng, sống nhờ trợ cấp thất nghiệp mà trả trễ hoài, khổ ghê.",
    "Sáp nhập tỉnh xong hồ sơ chuyển qua chuyển lại, tiền thất nghiệp của mình vẫn chưa nhận.",
    "BHXH Đồng Nai ơi, khi nào mới chi tiền thất nghiệp tháng 8 vậy?",
    "Ra trung tâm dịch vụ việc làm Biên Hòa hỏi, họ bảo bên BHXH chưa chuyển, BHXH thì bảo chờ.",
    "Trễ trợ cấp thất nghiệp cả tuần, không ai thông báo gì hết.",
    "Mọi người ở Long Khánh có nhận được tiền thất nghiệp tháng này chưa?",
    "Đồng Nai trả thất nghiệp chậm nhất nước chắc luôn.",
    "Hồ sơ thất nghiệp nộp từ tháng 7, đã có quyết định mà chưa thấy tiền, ai chỉ cách khiếu nại với.",
    "tien that nghiep thang 2 van chua co, goi tong dai thi doi 30p",
    "Mình thấy nhóm công nhân Nhơn Trạch ai cũng than chưa nhận trợ cấp thất nghiệp.",
    "Chậm trả trợ cấp thất nghiệp thì người lao động lấy gì sống? Thất nghiệp đã khổ rồi.",
    "Đi khai báo việc làm hàng tháng đầy đủ mà tiền vẫn chưa về, vậy là sao?",
    "Lại trễ tiền thất nghiệp nữa rồi, tháng trước trễ 5 ngày, tháng này 12 ngày.",
    "Đồng Xoài có ai nhận trợ cấp thất nghiệp chưa, mình chờ 2 tuần rồi.",
    "Con nhỏ, nợ tiền trọ, trông từng đồng trợ cấp mà cứ trễ, mệt mỏi.",
    "Nhắn Zalo OA hỏi tiền thất nghiệp thì nhận câu trả lời tự động, không giải quyết gì.",
    "Mọi người ở Đồng Nai có bị chậm tiền thất nghiệp tháng 9 không, hay chỉ mình?",
    "Đã hỏi 3 lần, lần nào cũng bảo đang xử lý. Trợ cấp thất nghiệp mà như đi xin.",
    "Thất nghiệp ở Trảng Bom, tiền trợ cấp tháng này chưa thấy đâu.",
    "Nghe nói do đổi hệ thống sau sáp nhập nên Đồng Nai chi thất nghiệp chậm, vậy người dân chịu hả?",
    "Chưa nhận trợ cấp thất nghiệp tháng thứ 3, đi hỏi thì đùn qua đẩy lại.",
    "Trả chậm mà không ai xin lỗi hay giải thích, quá coi thường người lao động.",
    "Hồ sơ mình đủ hết, đã ký nhận quyết định, vậy mà 20 ngày chưa có tiền thất nghiệp.",
    "Có ai ở Bình Phước cũ bị chậm trợ cấp thất nghiệp giống mình không, lên tiếng đi mọi người.",
    "Bạn ở Bình Dương cũ nhận tiền thất nghiệp đúng hạn, sao Đồng Nai lại chậm vậy?",
    "Tiền thất nghiệp tháng này chưa về, đi làm tạm phụ hồ để sống qua ngày.",
    "cham tra tro cap that nghiep 2 thang lien, dong nai oi",
    "Đề nghị BHXH Đồng Nai giải thích việc chậm chi trợ cấp thất nghiệp cho người lao động.",
    "Tháng nào cũng phải lên nhóm hỏi mới biết không phải mình mình bị chậm tiền thất nghiệp.",
    "Chi trả thất nghiệp trễ hàng loạt ở Đồng Nai, báo chí vào cuộc đi.",
    "Mấy trăm người trong nhóm này chưa nhận tiền thất nghiệp tháng 9, vậy mà không ai trả lời.",
    "Gửi đơn qua dịch vụ công hỏi tiền thất nghiệp, 10 ngày chưa thấy phản hồi.",
    "Trợ cấp thất nghiệp là tiền mình đóng mà nhận cứ như xin xỏ.",
    "Trung tâm dịch vụ việc làm Đồng Nai đông nghẹt người đi hỏi tiền thất nghiệp sáng nay.",
    "Trễ hơn 3 tuần rồi, mai mình lên thẳng BHXH tỉnh hỏi cho ra lẽ.",
    "Hình như ai nhận thất nghiệp qua tài khoản ngân hàng ở Đồng Nai đều bị chậm.",
    "chờ tiền thất nghiệp mà như chờ mưa giữa mùa khô",
    "Ai có số đường dây nóng BHXH Đồng Nai cho xin, chậm chi thất nghiệp quá lâu rồi.",
]
SLOW_PREFIXES = ["Cập nhật: ", "Lại nữa, ", "Ai giống mình không: ", "Hỏi lại lần nữa: ", "Up lại: ",
                 "Tiếp tục: ", "Vẫn chưa có: "]
SLOW_NEWS = [
    ("Lao Động", "Người lao động ở Đồng Nai phản ánh chậm nhận trợ cấp thất nghiệp",
     "Nhiều lao động tại Đồng Nai, trong đó có địa bàn tỉnh Bình Phước cũ, phản ánh đã có quyết định hưởng nhưng tiền "
     "trợ cấp thất nghiệp chậm từ một đến ba tuần so với lịch chi trả."),
    ("Người Lao Động", "Đồng Nai: chậm chi trợ cấp thất nghiệp do chuyển đổi dữ liệu sau sáp nhập",
     "Cơ quan chức năng tỉnh Đồng Nai cho biết việc chuyển đổi dữ liệu hồ sơ sau sáp nhập khiến một số đợt chi trả trợ "
     "cấp thất nghiệp bị chậm, cam kết hoàn tất chi trả trong tuần tới."),
]

# --- scenario 7: fake "VssID update" link spreading in Cần Thơ (claim vssid-gia-cap-nhat-du-lieu) ---------------
SCAM_POSTS = [
    "Mọi người cẩn thận: mẹ mình nhận tin nhắn \"BHXH thông báo cập nhật dữ liệu VssID, bấm link để không bị dừng "
    "lương hưu\", bấm vào cài app xong tài khoản ngân hàng mất 40 triệu.",
    "Có ai nhận được tin nhắn bảo cập nhật dữ liệu VssID qua link vssid-capnhat chưa? Đừng bấm nha, lừa đảo đó!",
    "Ba mình ở Ninh Kiều vừa bị lừa, có người gọi xưng cán bộ BHXH bảo cài app VssID mới để nhận lương hưu tăng.",
    "Zalo nhóm xóm mình đang lan cái link \"cap nhat thong tin BHXH\", ai bấm vào là bị chiếm Zalo luôn.",
    "Cảnh báo: tin nhắn giả mạo BHXH gửi link cài VssID, đừng cài app ngoài CH Play và App Store.",
    "Cô mình hưu trí ở Cái Răng bị lừa mất hết tiền trong thẻ vì làm theo hướng dẫn \"cập nhật VssID\".",
    "ai chưa cập nhật dữ liệu trên vssid sẽ bị cắt lương hưu?? vừa nhận tin nhắn vậy, có thật không mn",
    "Tin nhắn giả BHXH: \"Hồ sơ lương hưu của ông/bà chưa đồng bộ, bấm link để cập nhật trước 10/10\". Lừa đảo 100%.",
    "Mẹ mình 67 tuổi, suýt chuyển tiền cho đứa xưng cán bộ BHXH đòi \"phí cập nhật dữ liệu\", may mình về kịp.",
    "Xin cảnh báo: số máy 09xx xxx xxx xưng BHXH TP Cần Thơ gọi bảo cài app, hãy chặn ngay.",
    "Hàng xóm mình bị chiếm tài khoản ngân hàng sau khi cài cái app VssID giả, giờ công an đang xác minh.",
    "Lại chiêu cũ: gửi link VssID giả, hù dừng lương hưu. Người già ở quê dễ tin lắm mọi người ơi.",
    "tin nhan bhxh bat cap nhat vssid qua link la lua dao nha ca nha, dung bam",
    "Có bác nào trong nhóm hưu trí Thốt Nốt bị nhắn tin bấm link cập nhật VssID không? Cẩn thận nhé.",
    "Nhóm Zalo hưu trí phường mình hôm nay có 5 người bị lừa qua link cập nhật VssID giả.",
    "Bà ngoại mình nhận cuộc gọi \"cán bộ BHXH\" bảo đọc mã OTP để cập nhật lương hưu, may bà không đọc.",
    "Lừa đảo giả danh BHXH đang nở rộ ở Cần Thơ, link cài app giả mạo VssID gửi qua SMS.",
    "Bấm link cập nhật thông tin bảo hiểm xã hội để giữ lương hưu?? Lừa đảo đấy mọi người, BHXH không gửi link.",
    "Cảnh giác: app VssID giả có logo y hệt, cài xong nó xin quyền trợ năng rồi đọc tin nhắn ngân hàng.",
    "Chú mình mất 120 triệu vì cài app VssID giả, tiền dưỡng già tích cóp bao năm 😢",
    "Tin nhắn giả mạo BHXH ghi tên người nhận đầy đủ, sao bọn lừa đảo có thông tin của mình?",
    "Ai ở Cần Thơ bị mất tiền vì link VssID giả thì tập hợp lại làm đơn gửi công an.",
    "Đứa bạn làm ngân hàng nói mấy ngày nay nhiều người già ở Cần Thơ bị trừ tiền vì cài app lạ.",
    "Link vssid-gov-update gì đó là giả nha, trang thật của BHXH đuôi gov.vn.",
    "Mấy ông lừa đảo gọi tới nhà xưng cán bộ BHXH, nói giọng rất chuyên nghiệp, người già tin liền.",
    "Cập nhật VssID kẻo mất lương hưu là tin lừa, ai có bố mẹ lớn tuổi nhắc giùm nha.",
    "Mẹ mình vừa hỏi có phải cài lại VssID mới được lãnh lương hưu tháng này không, sợ quá.",
    "Đã báo công an phường về tin nhắn giả mạo BHXH kèm link cài app.",
    "Bọn lừa đảo còn làm cả trang Facebook giả \"BHXH Cần Thơ hỗ trợ\" để dụ người dân.",
    "Mình nhận SMS từ đầu số lạ, nội dung dừng chi trả lương hưu nếu không cập nhật VssID.",
    "Ba má ở quê nhắn hỏi tin cập nhật VssID, mình đã dặn tuyệt đối không bấm.",
    "Giờ lừa đảo tinh vi quá, giả cả văn bản của BHXH có con dấu đỏ.",
    "Người già không rành điện thoại là mục tiêu số một của mấy trò link VssID giả.",
    "Có ai biết cách khóa tài khoản ngân hàng khẩn cấp không, mẹ mình vừa cài app VssID giả.",
    "Cảnh báo cả xóm rồi, ai nhận tin nhắn cập nhật VssID thì xóa ngay.",
]
SCAM_NEWS = [
    ("Thanh Niên", "Cần Thơ: nhiều người hưu trí mất tiền vì link cập nhật VssID giả",
     "Công an TP. Cần Thơ tiếp nhận hàng chục trình báo của người cao tuổi bị chiếm đoạt tiền trong tài khoản sau khi "
     "bấm đường link giả mạo yêu cầu \"cập nhật dữ liệu VssID để không bị dừng lương hưu\"."),
    ("VietNamNet", "Cảnh báo thủ đoạn giả danh BHXH gửi link cài ứng dụng VssID giả",
     "BHXH TP. Cần Thơ khẳng định không gửi tin nhắn, đường link yêu cầu cài ứng dụng hay cập nhật dữ liệu; ứng dụng "
     "VssID chính thức chỉ tải từ App Store và Google Play."),
]
SCAM_OFFICIAL = (
    "CẢNH BÁO LỪA ĐẢO: BHXH TP. Cần Thơ không gửi tin nhắn, đường link hay gọi điện yêu cầu người dân cài đặt ứng "
    "dụng, cập nhật dữ liệu VssID. Không có việc dừng chi trả lương hưu vì không cập nhật dữ liệu. Người dân tuyệt đối "
    "không bấm vào đường link lạ, không cung cấp mã OTP, không chuyển tiền; nếu nghi ngờ, liên hệ tổng đài 1900 9068 "
    "hoặc cơ quan công an gần nhất."
)
SCAM_TAIL = [
    "Cảm ơn BHXH Cần Thơ đã cảnh báo kịp thời, đã share cho ba mẹ.",
    "Đã in thông báo cảnh báo dán ở nhà văn hóa khu phố.",
    "Mong công an sớm bắt được nhóm lừa đảo này.",
    "Nên nhắn tin cảnh báo đến tất cả người hưởng lương hưu qua bưu điện.",
    "Ngân hàng cũng nên chặn các app giả mạo kiểu này.",
    "Share mạnh cảnh báo này cho người già trong gia đình.",
    "Bà nội mình đã được cán bộ phường đến nhà dặn dò, rất chu đáo.",
    "Mất tiền rồi có lấy lại được không mọi người?",
    "Sáng nay ở điểm chi trả lương hưu có cán bộ nhắc về lừa đảo VssID, hay ghê.",
    "Lừa đảo giả danh cơ quan nhà nước phải xử lý thật nặng.",
    "Đã báo cho cả nhóm Zalo hưu trí, mọi người cảm ơn rối rít.",
    "Vẫn có người nhận tin nhắn tối nay, bọn nó chưa dừng đâu.",
    "Mẹ mình nói giờ ai gọi xưng BHXH là cúp máy luôn.",
    "Mong nhà mạng chặn đầu số gửi tin nhắn giả mạo.",
    "Cảnh báo này nên phát trên loa phường mỗi sáng.",
]
