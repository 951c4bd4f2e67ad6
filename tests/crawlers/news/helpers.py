"""Helpers of the news tests: the recorded articles (articles.yaml) and responses built from the recorded files."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from scrapy.http import Headers, HtmlResponse, Response
from scrapy.responsetypes import responsetypes

from crawlers.news.build_recordings import BHXH_CATE, BHXH_HOST, BHXH_LISTING, OUTLETS

ROOT = Path(__file__).resolve().parents[3]
RECORDINGS = ROOT / "crawlers" / "recordings" / "news"
BASE = "http://127.0.0.1:8999"  # what "{{base}}" becomes in responses built without a server
VN = ZoneInfo("Asia/Ho_Chi_Minh")
PARSERS = {**{name: info.parser for name, info in OUTLETS.items()}, "baohiemxahoi": "baohiemxahoi"}


@cache
def articles() -> list[dict[str, Any]]:
    return yaml.safe_load((RECORDINGS / "articles.yaml").read_text(encoding="utf-8"))["articles"]


def by_id(article_id: str) -> dict[str, Any]:
    return next(a for a in articles() if a["id"] == article_id)


def kind(name: str) -> list[dict[str, Any]]:
    return [a for a in articles() if a["kind"] == name]


def published_utc(article: dict[str, Any]) -> datetime:
    value = datetime.strptime(str(article["published"]), "%Y-%m-%d %H:%M")
    return value.replace(tzinfo=VN).astimezone(UTC)


def real_url(article: dict[str, Any]) -> str:
    if article["outlet"] == "baohiemxahoi":
        return f"https://{BHXH_HOST}{BHXH_LISTING}?CateID={BHXH_CATE}&ItemID={article['item_id']}"
    return f"https://{OUTLETS[article['outlet']].host}{article['path']}"


def source_id(article: dict[str, Any]) -> str:
    if article["outlet"] == "baohiemxahoi":
        return f"{BHXH_HOST}/ItemID/{article['item_id']}"
    return real_url(article)


def page_file(article: dict[str, Any]) -> Path:
    if article["outlet"] == "baohiemxahoi":
        return RECORDINGS / "baohiemxahoi" / f"{article['item_id']}.html"
    return RECORDINGS / article["outlet"] / f"{article['id']}.html"


def served_url(article: dict[str, Any]) -> str:
    return real_url(article).replace("https://", f"{BASE}/")


def body_paragraphs(article: dict[str, Any]) -> str:
    return "\n".join(" ".join(p.split()) for p in article["body"].strip().split("\n\n") if p.strip())


def response(url: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> Response:
    """The response Scrapy would build (class chosen by Content-Type, like the downloader does)."""
    body = body.replace(b"{{base}}", BASE.encode())
    headers = Headers({"Content-Type": content_type})
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url=url, body=body, headers=headers)


def article_response(article: dict[str, Any], body: bytes | None = None) -> HtmlResponse:
    charset = "ISO-8859-1" if article.get("latin1_header") else "utf-8"
    data = page_file(article).read_bytes() if body is None else body
    result = response(served_url(article), data, f"text/html; charset={charset}")
    assert isinstance(result, HtmlResponse)
    return result


def recorded(name: str) -> bytes:
    return (RECORDINGS / name).read_bytes()
