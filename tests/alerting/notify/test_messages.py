from __future__ import annotations

from html.parser import HTMLParser

from alerting.notify.messages import ZALO_MAX_CHARS, build_notification, compose
from tests.alerting.notify.samples import HOSTILE, make_update

BASE = "https://crisiswatch.bhxh.example/"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [value or "" for name, value in attrs if name == "href"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_hostile_mention_text_and_drops_unsafe_links() -> None:
    message = compose(make_update(), 7, BASE)
    parsed = _Collector()
    parsed.feed(message.html)
    assert "script" not in parsed.tags and "b" not in parsed.tags  # no markup from the public survives as markup
    text = "".join(parsed.text)
    assert "<script>alert('xss')</script>" in text and "<b>vỡ</b>" in text  # shown literally instead
    assert parsed.hrefs == ["https://facebook.com/groups/1/posts/2", "https://crisiswatch.bhxh.example/alerts/7"]
    assert "javascript:" not in message.html


def test_plain_text_carries_the_facts_in_vietnam_time() -> None:
    message = compose(make_update(), 7, BASE)
    assert message.subject == ("[CrisisWatch][Nghiêm trọng] Cảnh báo mới: Tin đồn 'cấm rút BHXH một lần' lan nhanh "
                               "(42 bài/giờ)")
    assert "Thời gian: 01/07/2025 08:05 – 01/07/2025 10:40 (giờ Việt Nam)" in message.text
    assert "Lượt tiếp cận: 185.400" in message.text
    assert "Tỉnh/thành: Thành phố Hồ Chí Minh (50), Hà Nội (30), Nghệ An (10)" in message.text
    assert HOSTILE in message.text  # plain text: printed as is, never interpreted
    assert message.text.rstrip().endswith("https://crisiswatch.bhxh.example/alerts/7")
    assert message.url == "https://crisiswatch.bhxh.example/alerts/7"


def test_zalo_text_fits_2000_characters_and_keeps_the_link() -> None:
    long_post = "Rất dài " * 400
    update = make_update(title="T" * 5000, facts={"top_posts": [
        make_update().facts.top_posts[0].model_copy(update={"text": long_post})] * 5})
    short = compose(update, "abc", BASE).short
    assert len(short) <= ZALO_MAX_CHARS
    assert short.endswith("Chi tiết: https://crisiswatch.bhxh.example/alerts/abc")
    normal = compose(make_update(), 7, BASE).short
    assert normal.startswith("⚠ Cảnh báo mới [Nghiêm trọng]") and "Nguyễn Văn A" in normal


def test_notification_round_trips_through_json_like_the_outbox() -> None:
    notification = build_notification(make_update(), 7, BASE, notification_id="n-1")
    again = type(notification).model_validate_json(notification.model_dump_json())
    assert again == notification
    payload = notification.webhook_payload()
    assert payload["event"] == "opened" and payload["alert_id"] == "7" and "mention_ids" not in payload["facts"]
    from_json = build_notification(make_update().model_dump(mode="json"), 7, BASE, notification_id="n-1")
    assert from_json.message == notification.message
