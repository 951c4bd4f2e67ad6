"""Every string the dashboard shows, in Vietnamese (default) and English (toggle kept in the ``lang`` cookie).

Templates call ``t("key", name=value)``; a key missing from the catalogue raises at render time (tests render
every page, so a typo fails a test instead of showing a raw key to users). Times are stored in UTC and shown in
Vietnam time (UTC+7); relative ages ("5 phút trước") are rendered on the server and refreshed in the browser.
"""

from __future__ import annotations

from datetime import UTC, datetime

from alerting.playbook import ROLE_VI
from common.labels import SENTIMENT_VI, SOURCE_VI, TOPIC_VI
from index.aggregations import VN_TZ

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"
LANG_COOKIE = "lang"

# key → (Vietnamese, English). Placeholders use str.format names.
MESSAGES: dict[str, tuple[str, str]] = {
    "app.name": ("CrisisWatch BHXH", "CrisisWatch VSS"),
    "app.tagline": ("Giám sát khủng hoảng truyền thông", "Media crisis monitoring"),
    "nav.board": ("Cảnh báo", "Alerts"),
    "nav.health": ("Tình trạng hệ thống", "System health"),
    "nav.search": ("Tìm kiếm", "Search"),
    "nav.rules": ("Luật cảnh báo", "Alert rules"),
    "nav.forecast": ("Dự báo", "Forecast"),
    "nav.logout": ("Đăng xuất", "Log out"),
    "nav.lang_other": ("English", "Tiếng Việt"),
    "nav.signed_in_as": ("Đăng nhập: {name} ({role})", "Signed in: {name} ({role})"),
    "nav.menu": ("Trình đơn", "Menu"),
    # login
    "login.title": ("Đăng nhập", "Log in"),
    "login.username": ("Tên đăng nhập", "Username"),
    "login.password": ("Mật khẩu", "Password"),
    "login.submit": ("Đăng nhập", "Log in"),
    "login.failed": ("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password."),
    "login.rate_limited": ("Đăng nhập sai quá nhiều lần. Hãy thử lại sau {minutes} phút.",
                           "Too many failed logins. Try again in {minutes} minutes."),
    "login.logged_out": ("Bạn đã đăng xuất.", "You are logged out."),
    "login.hint": ("Tài khoản do quản trị viên cấp (lệnh `crisiswatch user add`).",
                   "Accounts are created by an administrator (`crisiswatch user add`)."),
    # errors
    "error.title": ("Lỗi", "Error"),
    "error.forbidden": ("Vai trò của bạn ({role}) không được phép làm việc này (cần: {needed}).",
                        "Your role ({role}) may not do this (needed: {needed})."),
    "error.login_required": ("Cần đăng nhập.", "Login required."),
    "error.csrf": ("Yêu cầu bị từ chối: mã bảo vệ CSRF thiếu hoặc không đúng. Hãy tải lại trang rồi thử lại.",
                   "Request refused: missing or wrong CSRF token. Reload the page and try again."),
    "error.not_found": ("Không tìm thấy trang hoặc đối tượng này.", "This page or object does not exist."),
    "error.back": ("Về bảng cảnh báo", "Back to the alert board"),
    "error.invalid_form": ("Dữ liệu gửi lên không hợp lệ: {detail}", "Invalid form data: {detail}"),
    # severities, statuses, roles
    "severity.low": ("thấp", "low"),
    "severity.medium": ("trung bình", "medium"),
    "severity.high": ("cao", "high"),
    "severity.critical": ("nghiêm trọng", "critical"),
    "status.open": ("đang mở", "open"),
    "status.acknowledged": ("đã tiếp nhận", "acknowledged"),
    "status.resolved": ("đã đóng", "resolved"),
    "role.viewer": ("người xem", "viewer"),
    "role.analyst": ("phân tích viên", "analyst"),
    "role.responder": ("người ứng phó", "responder"),
    "role.admin": ("quản trị viên", "admin"),
    "run.active": ("đang chạy", "active"),
    "run.completed": ("đã hoàn thành", "completed"),
    "run.closed": ("đã đóng theo cảnh báo", "closed with the alert"),
    "step.pending": ("đang chờ", "pending"),
    "step.acknowledged": ("đã nhận việc", "acknowledged"),
    "step.done": ("đã xong", "done"),
    "step.skipped": ("bỏ qua", "skipped"),
    # relative time
    "time.just_now": ("vừa xong", "just now"),
    "time.minutes_ago": ("{n} phút trước", "{n} min ago"),
    "time.hours_ago": ("{n} giờ trước", "{n} h ago"),
    "time.days_ago": ("{n} ngày trước", "{n} days ago"),
    "time.vn_suffix": ("giờ Việt Nam", "Vietnam time"),
    "time.overdue": ("quá hạn", "overdue"),
    "time.left": ("còn", "left"),
    # board
    "board.title": ("Bảng cảnh báo trực tiếp", "Live alert board"),
    "board.filter_province": ("Tỉnh/thành", "Province"),
    "board.filter_topic": ("Chủ đề", "Topic"),
    "board.filter_all": ("Tất cả", "All"),
    "board.filter_apply": ("Lọc", "Filter"),
    "board.filter_clear": ("Bỏ lọc", "Clear"),
    "board.col_severity": ("Mức độ", "Severity"),
    "board.col_title": ("Cảnh báo", "Alert"),
    "board.col_status": ("Trạng thái", "Status"),
    "board.col_count": ("Số bài", "Posts"),
    "board.col_provinces": ("Tỉnh/thành", "Provinces"),
    "board.col_opened": ("Mở lúc", "Opened"),
    "board.col_updated": ("Cập nhật", "Updated"),
    "board.empty": ("Không có cảnh báo nào đang mở.", "No open alerts."),
    "board.live": ("Đang cập nhật trực tiếp", "Live"),
    "board.offline": ("Mất kết nối, đang thử lại…", "Disconnected, retrying…"),
    "board.new_critical": ("Cảnh báo nghiêm trọng mới!", "New critical alert!"),
    "board.sound_on": ("Bật âm báo", "Enable sound"),
    "board.sound_ready": ("Âm báo đã bật", "Sound on"),
    "board.count": ("{n} cảnh báo", "{n} alerts"),
    # alert detail
    "alert.title": ("Cảnh báo #{id}", "Alert #{id}"),
    "alert.rule": ("Luật", "Rule"),
    "alert.key": ("Khóa", "Key"),
    "alert.opened": ("Mở lúc", "Opened"),
    "alert.last_event": ("Sự kiện mới nhất", "Latest event"),
    "alert.acknowledged_by": ("Tiếp nhận bởi {user} lúc {at}", "Acknowledged by {user} at {at}"),
    "alert.resolved_by": ("Đóng bởi {user} lúc {at}", "Resolved by {user} at {at}"),
    "alert.facts": ("Số liệu", "Facts"),
    "alert.count": ("Số bài", "Posts"),
    "alert.velocity": ("Tốc độ (bài/giờ)", "Velocity (posts/hour)"),
    "alert.reach": ("Lượt tiếp cận", "Reach"),
    "alert.negative_share": ("Tỷ lệ tiêu cực", "Negative share"),
    "alert.misinfo_share": ("Tỷ lệ tin sai", "Misinformation share"),
    "alert.top_terms": ("Từ khóa nổi bật", "Top terms"),
    "alert.sources": ("Nguồn", "Sources"),
    "alert.timeline": ("Diễn biến (số bài theo thời gian)", "Timeline (posts over time)"),
    "alert.timeline_count": ("Tổng số bài", "Total posts"),
    "alert.timeline_window": ("Số bài trong cửa sổ", "Posts in window"),
    "alert.sentiment": ("Sắc thái", "Sentiment"),
    "alert.provinces": ("Tỉnh/thành", "Provinces"),
    "alert.no_data": ("Chưa có dữ liệu.", "No data yet."),
    "alert.top_posts": ("Bài viết tiêu biểu", "Top posts"),
    "alert.open_source": ("Mở bài gốc", "Open the source"),
    "alert.misinformation": ("tin sai", "misinformation"),
    "alert.claims": ("Tin sai đã biết và nội dung bác bỏ", "Known claims and the approved rebuttal"),
    "alert.claim_mentions": ("{n} bài", "{n} posts"),
    "alert.rebuttal": ("Nội dung bác bỏ đã duyệt", "Approved rebuttal"),
    "alert.claim_unknown": ("Tin sai '{id}' không có trong danh mục.", "Claim '{id}' is not in the registry."),
    "alert.actions": ("Xử lý cảnh báo", "Alert actions"),
    "alert.acknowledge": ("Tiếp nhận", "Acknowledge"),
    "alert.snooze": ("Tạm tắt thông báo", "Snooze notifications"),
    "alert.snooze_for": ("Trong", "For"),
    "alert.reason": ("Lý do", "Reason"),
    "alert.note": ("Ghi chú", "Note"),
    "alert.resolve": ("Đóng cảnh báo", "Resolve"),
    "alert.resolve_confirm": ("Đóng cảnh báo này bằng tay?", "Resolve this alert manually?"),
    "alert.readonly": ("Cần vai trò người ứng phó để xử lý.", "The responder role is needed to act."),
    "alert.acknowledged_ok": ("Đã tiếp nhận cảnh báo.", "Alert acknowledged."),
    "alert.snoozed_ok": ("Đã tạm tắt thông báo đến {until}.", "Notifications snoozed until {until}."),
    "alert.resolved_ok": ("Đã đóng cảnh báo.", "Alert resolved."),
    "alert.audit": ("Nhật ký thao tác", "Audit trail"),
    "alert.audit_when": ("Lúc", "When"),
    "alert.audit_who": ("Người thực hiện", "Who"),
    "alert.audit_what": ("Thao tác", "Action"),
    "alert.audit_details": ("Chi tiết", "Details"),
    "duration.30m": ("30 phút", "30 minutes"),
    "duration.1h": ("1 giờ", "1 hour"),
    "duration.4h": ("4 giờ", "4 hours"),
    "duration.24h": ("24 giờ", "24 hours"),
    # playbook
    "playbook.title": ("Kịch bản ứng phó: {name}", "Response playbook: {name}"),
    "playbook.none": ("Cảnh báo này chưa có kịch bản ứng phó.", "No response playbook runs for this alert."),
    "playbook.step": ("Bước", "Step"),
    "playbook.role": ("Vai trò", "Role"),
    "playbook.assignee": ("Người phụ trách", "Assignee"),
    "playbook.status": ("Trạng thái", "Status"),
    "playbook.due": ("Hạn (SLA)", "Due (SLA)"),
    "playbook.unassigned": ("chưa giao", "unassigned"),
    "playbook.acknowledge": ("Nhận việc", "Acknowledge"),
    "playbook.assign": ("Giao cho", "Assign to"),
    "playbook.assign_submit": ("Giao", "Assign"),
    "playbook.complete": ("Hoàn thành", "Complete"),
    "playbook.note_placeholder": ("Ghi chú kết quả (không bắt buộc)", "Result note (optional)"),
    "playbook.done_by": ("{user} hoàn thành lúc {at}", "Done by {user} at {at}"),
    "playbook.escalates_to": ("Quá hạn chuyển cho: {role}", "Escalates to: {role}"),
    "playbook.escalated": ("đã chuyển cấp", "escalated"),
    "playbook.instructions": ("Hướng dẫn và mẫu nội dung", "Instructions and template"),
    "playbook.step_acknowledged": ("Đã nhận bước \"{title}\".", "Step \"{title}\" acknowledged."),
    "playbook.step_assigned": ("Đã giao bước \"{title}\" cho {user}.", "Step \"{title}\" assigned to {user}."),
    "playbook.step_completed": ("Đã hoàn thành bước \"{title}\".", "Step \"{title}\" completed."),
    "playbook.step_not_in_alert": ("Bước #{step} không thuộc cảnh báo #{alert}.",
                                   "Step #{step} does not belong to alert #{alert}."),
    "playbook.unknown_user": ("Không có người dùng đang hoạt động tên '{user}'.", "No active user '{user}'."),
    # health
    "health.title": ("Tình trạng hệ thống", "System health"),
    "health.crawlers": ("Thu thập dữ liệu (theo nguồn)", "Crawlers (per source)"),
    "health.source": ("Nguồn", "Source"),
    "health.state": ("Trạng thái", "State"),
    "health.last_success": ("Thành công gần nhất", "Last success"),
    "health.runs": ("Số lượt / lỗi", "Runs / failures"),
    "health.last_items": ("Bài lượt trước", "Items last run"),
    "health.last_error": ("Lỗi gần nhất", "Last error"),
    "health.no_crawl": ("Chưa có số liệu thu thập (chưa chạy `crisiswatch crawl`).",
                        "No crawl health yet (`crisiswatch crawl` has not run)."),
    "health.crawl_ok": ("ổn định", "ok"),
    "health.crawl_failing": ("đang lỗi", "failing"),
    "health.crawl_waiting": ("chờ lượt đầu", "waiting"),
    "health.never": ("chưa có", "never"),
    "health.workers": ("Tiến trình xử lý", "Worker processes"),
    "health.stage": ("Giai đoạn", "Stage"),
    "health.worker": ("Tiến trình", "Worker"),
    "health.processed": ("Đã xử lý", "Processed"),
    "health.dead_lettered": ("Vào DLQ", "Dead-lettered"),
    "health.rate": ("Tốc độ (bản ghi/giây)", "Rate (records/s)"),
    "health.updated": ("Cập nhật", "Updated"),
    "health.no_workers": ("Không có tiến trình nào đang chạy.", "No worker is running."),
    "health.kafka": ("Kafka", "Kafka"),
    "health.kafka_down": ("Không kết nối được Kafka ({servers}): {error}",
                          "Kafka is unreachable ({servers}): {error}"),
    "health.kafka_ok": ("Kafka đang hoạt động ({servers}).", "Kafka is up ({servers})."),
    "health.lag": ("Độ trễ consumer (lag) theo nhóm", "Consumer lag per group"),
    "health.group": ("Nhóm", "Group"),
    "health.topic": ("Topic", "Topic"),
    "health.partitions": ("Partition", "Partitions"),
    "health.lag_total": ("Lag", "Lag"),
    "health.no_groups": ("Chưa có consumer group nào.", "No consumer group yet."),
    "health.dlq": ("Hàng đợi lỗi (DLQ): {topic}", "Dead-letter queue (DLQ): {topic}"),
    "health.dlq_size": ("{n} bản ghi", "{n} records"),
    "health.dlq_latest": ("{n} bản ghi mới nhất", "Latest {n} records"),
    "health.dlq_empty": ("DLQ trống.", "The DLQ is empty."),
    "health.failed_at": ("Lúc lỗi", "Failed at"),
    "health.reason": ("Lý do", "Reason"),
    "health.error": ("Lỗi", "Error"),
    "health.origin": ("Gốc (topic[partition]@offset)", "Origin (topic[partition]@offset)"),
    "health.payload": ("Nội dung (xem trước)", "Payload (preview)"),
    "health.bytes": ("{n} byte", "{n} bytes"),
    "health.unparsable": ("Bản ghi DLQ thiếu tiêu đề dlq.*: {error}", "DLQ record without dlq.* headers: {error}"),
    # search
    "search.title": ("Tìm kiếm đề cập", "Search mentions"),
    "search.query": ("Truy vấn", "Query"),
    "search.placeholder": ("ví dụ: rut bhxh \"mot lan\" (gõ không dấu được)", "e.g. rut bhxh \"mot lan\" (accents optional)"),
    "search.submit": ("Tìm", "Search"),
    "search.help": ("Cú pháp truy vấn", "Query syntax"),
    "search.help_intro": ("Gõ có dấu hay không dấu đều được, viết tắt (bhxh, ko, dc) được hiểu; toán tử AND, OR, NOT viết hoa.",
                          "Accents are optional and teencode (bhxh, ko, dc) is understood; operators AND, OR, NOT in capitals."),
    "search.ex_words": ("cả hai từ, ở bất kỳ đâu (\"rút\", \"BHXH\")", "both words, anywhere (\"rút\", \"BHXH\")"),
    "search.ex_phrase": ("cụm từ đúng thứ tự và một từ nữa", "an exact phrase and one more word"),
    "search.ex_or": ("một trong hai", "either"),
    "search.ex_not": ("loại bài có cụm từ sau dấu -", "exclude posts with the phrase after -"),
    "search.ex_fields": ("theo nhãn đã phân loại", "by classified labels"),
    "search.ex_province": ("tỉnh (tên cũ hay mới) và mức lan truyền", "province (old or new name) and reach"),
    "search.ex_time": ("tin sai trong 24 giờ qua", "misinformation of the last 24 hours"),
    "search.help_docs": ("Đầy đủ: docs/query-language.md.", "Full reference: docs/query-language.md."),
    "search.source": ("Nguồn", "Source"),
    "search.sentiment": ("Sắc thái", "Sentiment"),
    "search.topic": ("Chủ đề", "Topic"),
    "search.misinformation": ("Tin sai", "Misinformation"),
    "search.misinfo_yes": ("tin sai", "misinformation"),
    "search.misinfo_no": ("không phải tin sai", "not misinformation"),
    "search.province": ("Tỉnh/thành", "Province"),
    "search.from": ("Từ ngày", "From"),
    "search.to": ("Đến ngày", "To"),
    "search.min_reach": ("Tương tác tối thiểu", "Min reach"),
    "search.sort": ("Sắp xếp", "Sort"),
    "search.sort_time": ("mới nhất trước", "newest first"),
    "search.sort_relevance": ("liên quan nhất", "most relevant"),
    "search.sort_reach": ("lan truyền nhiều nhất", "highest reach"),
    "search.dates_note": ("Ngày theo giờ Việt Nam; \"đến ngày\" gồm cả ngày đó. Giữ Ctrl để chọn nhiều giá trị.",
                          "Dates in Vietnam time; \"to\" includes that day. Hold Ctrl to pick several values."),
    "search.remove_filter": ("Bỏ bộ lọc này", "Remove this filter"),
    "search.filter_source": ("Nguồn", "Source"),
    "search.filter_sentiment": ("Sắc thái", "Sentiment"),
    "search.filter_topic": ("Chủ đề", "Topic"),
    "search.filter_misinformation": ("Tin sai", "Misinformation"),
    "search.filter_province": ("Tỉnh/thành", "Province"),
    "search.filter_from": ("Từ ngày", "From"),
    "search.filter_to": ("Đến ngày", "To"),
    "search.filter_min_reach": ("Tương tác ≥", "Reach ≥"),
    "search.facets": ("Thống kê (bấm để lọc)", "Facets (click to filter)"),
    "search.saved": ("Tìm kiếm đã lưu", "Saved searches"),
    "search.no_saved": ("Chưa lưu tìm kiếm nào.", "No saved searches yet."),
    "search.save_name": ("Lưu tìm kiếm này với tên", "Save this search as"),
    "search.save": ("Lưu", "Save"),
    "search.delete": ("Xoá", "Delete"),
    "search.delete_confirm": ("Xoá tìm kiếm đã lưu \"{name}\"?", "Delete the saved search \"{name}\"?"),
    "search.saved_ok": ("Đã lưu tìm kiếm \"{name}\".", "Search \"{name}\" saved."),
    "search.save_failed": ("Không lưu được: {error}", "Could not save: {error}"),
    "search.deleted_ok": ("Đã xoá tìm kiếm \"{name}\".", "Search \"{name}\" deleted."),
    "search.total": ("{n} kết quả", "{n} results"),
    "search.export_csv": ("Xuất CSV (Excel)", "Export CSV (Excel)"),
    "search.export_jsonl": ("Xuất JSONL", "Export JSONL"),
    "search.histogram": ("Số bài theo {interval} (giờ Việt Nam)", "Posts per {interval} (Vietnam time)"),
    "search.histogram_count": ("Số bài", "Posts"),
    "search.interval_hour": ("giờ", "hour"),
    "search.interval_day": ("ngày", "day"),
    "search.interval_week": ("tuần", "week"),
    "search.reach": ("{n} tương tác", "reach {n}"),
    "search.no_hits": ("Không có kết quả nào khớp.", "No matching mentions."),
    "search.next_page": ("Trang sau →", "Next page →"),
    "search.first_page": ("← Trang đầu", "← First page"),
    "search.syntax_error": ("Truy vấn sai cú pháp tại vị trí {position} (cột {column}): {message}",
                            "Query syntax error at position {position} (column {column}): {message}"),
    "search.unsupported": ("Chỉ mục không chạy được truy vấn này: {message}", "The index cannot run this query: {message}"),
    "search.invalid_filters": ("Bộ lọc không hợp lệ: {detail}", "Invalid filters: {detail}"),
    "search.unavailable": ("Chỉ mục tìm kiếm chưa sẵn sàng, hãy thử lại sau ({error}).",
                           "The search index is not available, try again later ({error})."),
    # rules
    "rules.title": ("Luật cảnh báo", "Alert rules"),
    "rules.name": ("Luật", "Rule"),
    "rules.type": ("Loại", "Type"),
    "rules.key": ("Khóa", "Key"),
    "rules.playbook": ("Kịch bản", "Playbook"),
    "rules.state": ("Trạng thái", "State"),
    "rules.description": ("Mô tả", "Description"),
    "rules.on": ("đang bật", "enabled"),
    "rules.off": ("đang tắt", "disabled"),
    "rules.changed": ("{user} đổi lúc {at}", "changed by {user} at {at}"),
    "rules.from_file": ("theo tệp luật", "as in the rule file"),
    "rules.enable": ("Bật", "Enable"),
    "rules.disable": ("Tắt", "Disable"),
    "rules.disable_confirm": ("Tắt luật \"{name}\"? Luật sẽ không mở cảnh báo mới.",
                              "Disable rule \"{name}\"? It will open no new alerts."),
    "rules.enabled_ok": ("Đã bật luật \"{name}\".", "Rule \"{name}\" enabled."),
    "rules.disabled_ok": ("Đã tắt luật \"{name}\".", "Rule \"{name}\" disabled."),
    "rules.unknown": ("Không có luật tên \"{name}\".", "No rule named \"{name}\"."),
    "rules.load_error": ("Không đọc được các tệp luật: {error}", "Cannot read the rule files: {error}"),
    "rules.admin_only": ("Chỉ quản trị viên được bật/tắt luật.", "Only administrators can enable or disable rules."),
    "rules.engine_note": ("Bật/tắt có hiệu lực với tiến trình cảnh báo (crisiswatch alert) ở lần đọc trạng thái kế tiếp.",
                          "Switches apply to the alerting process (crisiswatch alert) the next time it reads them."),
    "rules.dry_run": ("Chạy thử trên dữ liệu đã qua", "Dry-run over past data"),
    "rules.dry_run_intro": ("Chạy các luật trên các bài đã đánh chỉ mục trong khoảng thời gian chọn, không mở cảnh báo thật. Tối đa {days} ngày và {n} bài.",
                            "Runs the rules over the indexed mentions of the chosen period without opening real alerts. At most {days} days and {n} mentions."),
    "rules.dry_from": ("Từ ngày", "From"),
    "rules.dry_to": ("Đến ngày (gồm cả ngày này)", "To (inclusive)"),
    "rules.dry_rule": ("Luật", "Rule"),
    "rules.dry_all": ("Mọi luật đang bật", "Every enabled rule"),
    "rules.dry_submit": ("Chạy thử", "Run"),
    "rules.dry_result": ("Kết quả: {n} cảnh báo sẽ được mở từ {mentions} bài ({start} – {end}, giờ Việt Nam)",
                         "Result: {n} alerts would have opened from {mentions} mentions ({start} – {end}, Vietnam time)"),
    "rules.dry_none": ("Không có cảnh báo nào được mở trong khoảng này.", "No alert would have opened in this period."),
    "rules.dry_when": ("Mở lúc", "Opened"),
    "rules.dry_peak": ("Mức cao nhất", "Peak severity"),
    "rules.dry_title": ("Tiêu đề", "Title"),
    "rules.dry_chart": ("Số cảnh báo mở theo ngày", "Alerts opened per day"),
    "rules.dry_missing": ("Hãy chọn cả ngày bắt đầu và ngày kết thúc.", "Choose both a start and an end date."),
    "rules.dry_bad_date": ("Ngày không hợp lệ: {value!r} (dạng YYYY-MM-DD).", "Invalid date: {value!r} (YYYY-MM-DD)."),
    "rules.dry_order": ("Ngày kết thúc phải không trước ngày bắt đầu.", "The end date must not be before the start date."),
    "rules.dry_too_long": ("Khoảng thời gian dài {days} ngày, tối đa {max} ngày: hãy chọn khoảng ngắn hơn.",
                           "The period spans {days} days, at most {max}: choose a shorter one."),
    "rules.dry_too_many": ("Khoảng này có {n} bài, vượt giới hạn {max} bài: hãy chọn khoảng ngắn hơn.",
                           "This period holds {n} mentions, over the limit of {max}: choose a shorter one."),
    "rules.dry_no_rules": ("Không có luật nào để chạy thử.", "No rule to dry-run."),
    "rules.dry_index": ("Không đọc được chỉ mục tìm kiếm: {error}", "Cannot read the search index: {error}"),
    "rules.dry_analyst": ("Cần vai trò phân tích viên để chạy thử.", "The analyst role is needed to dry-run."),
    # forecast
    "forecast.title": ("Dự báo hằng tuần", "Weekly forecast"),
    "forecast.latest": ("Báo cáo mới nhất: {name}", "Latest report: {name}"),
    "forecast.open": ("Mở toàn trang", "Open full page"),
    "forecast.previous": ("Các báo cáo trước", "Previous reports"),
    "forecast.generated": ("tạo lúc {at}", "generated {at}"),
    "forecast.empty": ("Chưa có báo cáo dự báo nào.", "No forecast report yet."),
    "forecast.empty_help": ("Báo cáo được tạo bởi lệnh `crisiswatch forecast` và lưu trong {dir} (tệp report-*.html); trang này hiện báo cáo mới nhất khi có.",
                            "Reports are made by `crisiswatch forecast` and saved in {dir} (report-*.html files); this page shows the newest one once it exists."),
}

_TOPIC_EN = {key: key.replace("_", " ") for key in TOPIC_VI}
_SOURCE_EN = {"facebook": "Facebook", "zalo": "Zalo", "news": "News"}
_SENTIMENT_EN = {"negative": "negative", "neutral": "neutral", "positive": "positive"}
_PLAYBOOK_ROLE_EN = {"duty_officer": "Duty officer", "provincial_office": "Provincial office", "legal": "Legal",
                     "leadership": "Leadership", "spokesperson": "Spokesperson"}


def pick_lang(value: str | None) -> str:
    return value if value in LANGS else DEFAULT_LANG


class Translator:
    """`t(key, **values)` for one language, plus the label helpers templates need."""

    def __init__(self, lang: str) -> None:
        self.lang = pick_lang(lang)
        self._index = LANGS.index(self.lang)

    def __call__(self, key: str, **values: object) -> str:
        try:
            text = MESSAGES[key][self._index]
        except KeyError:
            raise KeyError(f"dashboard.i18n: khóa chuỗi giao diện {key!r} chưa có trong MESSAGES") from None
        return text.format(**values) if values else text

    def label(self, prefix: str, value: str) -> str:
        """`t(prefix.value)` when the catalogue has it, else the value itself (a new enum member stays readable)."""
        key = f"{prefix}.{value}"
        return self(key) if key in MESSAGES else value

    def topic(self, value: str) -> str:
        return TOPIC_VI.get(value, value) if self.lang == "vi" else _TOPIC_EN.get(value, value)

    def sentiment(self, value: str) -> str:
        return SENTIMENT_VI.get(value, value) if self.lang == "vi" else _SENTIMENT_EN.get(value, value)

    def source(self, value: str) -> str:
        return SOURCE_VI.get(value, value) if self.lang == "vi" else _SOURCE_EN.get(value, value)

    def playbook_role(self, value: str | None) -> str:
        if not value:
            return "—"
        return ROLE_VI.get(value, value) if self.lang == "vi" else _PLAYBOOK_ROLE_EN.get(value, value)

    def relative(self, moment: datetime | None, now: datetime | None = None) -> str:
        """"5 phút trước" / "5 min ago" (the browser refreshes it every 30 s from the element's data-ts)."""
        if moment is None:
            return "—"
        seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
        if seconds < 60:
            return self("time.just_now")
        if seconds < 3600:
            return self("time.minutes_ago", n=seconds // 60)
        if seconds < 86400:
            return self("time.hours_ago", n=seconds // 3600)
        return self("time.days_ago", n=seconds // 86400)

    def js_strings(self) -> dict[str, str]:
        """The few strings the browser scripts need (relative time, live status, SLA countdown)."""
        keys = ("time.just_now", "time.minutes_ago", "time.hours_ago", "time.days_ago", "time.overdue", "time.left",
                "board.live", "board.offline", "board.new_critical", "board.sound_ready", "board.count")
        return {key: MESSAGES[key][self._index] for key in keys}


def vn_time(moment: datetime | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
    """An aware time shown in Vietnam time (UTC+7)."""
    if moment is None:
        return "—"
    return moment.astimezone(VN_TZ).strftime(fmt)
