"""Page 3, search: a real tantivy index in the settings' state dir, opened read-only by the dashboard. Results with
safe highlights (hostile mention texts stay text), facets that narrow, cursor paging, saved searches with CSRF,
inline query errors with their position, and the JSON API (export) mounted behind the analyst login."""

from __future__ import annotations

import csv
import io
import re

import pytest

from common.schema import Sentiment, Source, Topic
from common.settings import Settings
from dashboard.routes.search import safe_highlight
from index.backend import positive_text_terms, parse_request_query
from index.tantivy_backend import TantivyBackend
from tests.alerting.factory import mention
from tests.dashboard.conftest import HOSTILE, token_of

RUMOR = "Nghe nói từ tháng sau cấm rút BHXH một lần, ai cần thì rút ngay!"


def build_index(settings: Settings) -> list:
    """25 rumor posts (Facebook, negative, misinformation, TP HCM) + 3 about VssID (Zalo, neutral) + 1 hostile."""
    mentions = [mention(f"{RUMOR} (bài {i})", minutes=i * 10, sentiment=Sentiment.negative, misinformation=True,
                        topic=Topic.one_time_withdrawal, province="Thành phố Hồ Chí Minh", reactions=i)
                for i in range(25)]
    mentions += [mention(f"Ứng dụng VssID lỗi đăng nhập {i}", minutes=300 + i, source=Source.zalo,
                         topic=Topic.vssid_app) for i in range(3)]
    markup, unbroken = HOSTILE[:30], HOSTILE[30:]
    mentions.append(mention(f"{markup} rút bảo hiểm xã hội {unbroken}", minutes=400, source=Source.news))
    backend = TantivyBackend(settings.state_dir / "index")
    backend.index(mentions)
    backend.close()
    return mentions


@pytest.fixture
def indexed(settings: Settings) -> list:
    return build_index(settings)


def test_highlight_escapes_first_then_marks() -> None:
    terms = positive_text_terms(parse_request_query("rut bhxh"), "text")
    html = str(safe_highlight("<em>rút</em> BHXH <script>x</script>", terms))
    assert html == "&lt;em&gt;<mark>rút</mark>&lt;/em&gt; <mark>BHXH</mark> &lt;script&gt;x&lt;/script&gt;"


def test_search_without_diacritics_highlights_and_escapes(indexed, client_for) -> None:
    page = client_for("analyst").get("/search", params={"q": "rut bhxh"})
    assert page.status_code == 200
    assert "26 kết quả" in page.text  # 25 rumors + the hostile one ("bảo hiểm xã hội" = bhxh)
    assert "<mark>rút</mark>" in page.text and "<mark>BHXH</mark>" in page.text
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page.text
    assert 'id="next-page"' in page.text  # 26 hits, 20 per page
    assert 'id="histogram-data"' in page.text


def test_cursor_paging_returns_every_hit_once(indexed, client_for) -> None:
    client = client_for("analyst")
    first = client.get("/search", params={"q": "rut bhxh", "source": "facebook"})
    assert "25 kết quả" in first.text
    next_url = re.search(r'href="([^"]+)" id="next-page"', first.text).group(1).replace("&amp;", "&")
    second = client.get(next_url)
    assert second.status_code == 200 and 'id="next-page"' not in second.text
    seen = re.findall(r"\(bài (\d+)\)", first.text) + re.findall(r"\(bài (\d+)\)", second.text)
    assert sorted(map(int, seen)) == list(range(25))
    assert "← Trang đầu" in second.text


def test_facets_narrow_the_search(indexed, client_for) -> None:
    client = client_for("analyst")
    page = client.get("/search")
    assert "29 kết quả" in page.text
    link = re.search(r'href="([^"]+)" data-facet="source">Zalo<', page.text).group(1).replace("&amp;", "&")
    narrowed = client.get(link)
    assert "3 kết quả" in narrowed.text and 'id="active-filters"' in narrowed.text
    assert "VssID" in narrowed.text and "cấm rút" not in narrowed.text


def test_filters_and_a_bad_query_are_shown_inline(indexed, client_for) -> None:
    client = client_for("analyst")
    page = client.get("/search", params={"q": "vssid", "sentiment": "neutral", "min_reach": "0",
                                         "from": "2026-03-01", "to": "2026-03-02", "sort": "reach"})
    assert page.status_code == 200 and "3 kết quả" in page.text
    bad = client.get("/search", params={"q": 'title:"bảo'})
    assert bad.status_code == 400
    assert "vị trí 6" in bad.text and 'id="query-error"' in bad.text
    assert re.search(r'<pre class="caret"[^>]*>title:&#34;bảo\n {6}\^</pre>', bad.text)
    wrong = client.get("/search", params={"from": "2026-03-05", "to": "2026-03-01"})
    assert wrong.status_code == 400 and "Bộ lọc không hợp lệ" in wrong.text


def test_saved_searches_per_user_with_csrf(indexed, client_for, users) -> None:
    client = client_for("analyst")
    token = token_of(client)
    refused = client.post("/search/saved", data={"name": "tin đồn", "search": "q=rut+bhxh"}, follow_redirects=False)
    assert refused.status_code == 403
    saved = client.post("/search/saved", data={"name": "tin đồn", "search": "q=rut+bhxh&source=facebook",
                                               "csrf_token": token}, follow_redirects=False)
    assert saved.status_code == 303
    page = client.get(saved.headers["location"])
    assert 'Đã lưu tìm kiếm "tin đồn"' in page.text.replace("&#34;", '"')
    href = re.search(r'<li><a href="([^"]+)">tin đồn</a>', page.text).group(1).replace("&amp;", "&")
    assert "25 kết quả" in client.get(href).text
    [row] = users.list_saved_searches("analyst1")
    assert row.query == "rut bhxh" and row.filters == {"source": ["facebook"]}
    assert users.list_saved_searches("admin1") == []  # per user
    client.post("/search/saved/delete", data={"name": "tin đồn", "csrf_token": token})
    assert users.list_saved_searches("analyst1") == []


def test_export_csv_and_api_behind_analyst_login(indexed, client_for) -> None:
    analyst = client_for("analyst")
    export = analyst.get("/api/search/export", params={"q": "rut bhxh", "format": "csv"})
    assert export.status_code == 200 and export.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) == 26 and any("cấm rút BHXH" in row["text"] for row in rows)
    api = analyst.get("/api/search", params={"q": 'title:"bảo'})
    assert api.status_code == 400 and api.json()["detail"]["position"] == 6
    assert client_for("viewer").get("/api/search").status_code == 403
    assert client_for(None).get("/api/search/export").status_code == 401


def test_unreachable_index_is_a_message_not_a_500(settings: Settings, engine, users, client_for) -> None:
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    (settings.state_dir / "index").write_text("not a directory")  # tantivy cannot open it
    page = client_for("analyst").get("/search", params={"q": "bhxh"})
    assert page.status_code == 503 and "Chỉ mục tìm kiếm chưa sẵn sàng" in page.text


def test_pages_render_in_english(indexed, client_for) -> None:
    client = client_for("admin")
    client.cookies.set("lang", "en")
    assert "26 results" in client.get("/search", params={"q": "rut bhxh"}).text
    assert "Dry-run over past data" in client.get("/rules").text
    assert "No forecast report yet." in client.get("/forecast").text
    dry = client.get("/rules/dry-run", params={"from": "2026-03-02", "to": "2026-03-02"})
    assert dry.status_code == 200 and "Result: " in dry.text
