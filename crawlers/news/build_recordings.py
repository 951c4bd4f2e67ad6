"""Render `crawlers/recordings/news/articles.yaml` into the recorded pages, feeds, listings and `manifest.yaml`.

    python -m crawlers.news.build_recordings          # rewrite crawlers/recordings/news/
    python -m crawlers.news.build_recordings --check  # exit 1 if the committed files differ from a fresh render

Each outlet has one template reproducing its CMS's markup (class names, JSON-LD block, date formats, RSS dialect)
with the usual noise around the content (navigation, ads, related-article boxes inside the body, captions,
scripts). Links in feeds and listings point at `{{base}}/<host>/…` so the spider follows them to the replay server;
the pages' own canonical URLs keep the real https://<host>/… address.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parent.parent / "recordings" / "news"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
RELEASES = (0, 120, 300)
WEEKDAYS = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]


@dataclass(frozen=True)
class OutletInfo:
    host: str
    feed: str  # path of the main feed
    parser: str
    content_type: str  # feed Content-Type as the outlet serves it
    site_name: str


OUTLETS: dict[str, OutletInfo] = {
    "vnexpress": OutletInfo("vnexpress.net", "/rss/tin-moi-nhat.rss", "vnexpress", "application/rss+xml; charset=utf-8",
                            "VnExpress"),
    "tuoitre": OutletInfo("tuoitre.vn", "/rss/tin-moi-nhat.rss", "detail", "text/xml; charset=utf-8",
                          "TUOI TRE ONLINE"),
    "thanhnien": OutletInfo("thanhnien.vn", "/rss/home.rss", "detail", "application/xml; charset=utf-8",
                            "Báo Thanh Niên"),
    "dantri": OutletInfo("dantri.com.vn", "/rss/home.rss", "dantri", "application/rss+xml; charset=utf-8",
                         "Báo điện tử Dân Trí"),
    "vietnamnet": OutletInfo("vietnamnet.vn", "/rss/home.rss", "vietnamnet", "text/xml; charset=utf-8",
                             "Báo VietNamNet"),
    "laodong": OutletInfo("laodong.vn", "/rss/home.rss", "laodong", "application/rss+xml; charset=utf-8",
                          "Báo Lao Động"),
    "nld": OutletInfo("nld.com.vn", "/rss/home.rss", "detail", "text/xml; charset=utf-8", "Báo Người Lao Động"),
}
BHXH_HOST = "baohiemxahoi.gov.vn"
BHXH_LISTING = "/tintuc/Pages/hoat-dong-he-thong-bhxh.aspx"
BHXH_CATE = "52"


def e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def paragraphs(article: dict[str, Any]) -> list[str]:
    return [" ".join(p.split()) for p in article["body"].strip().split("\n\n") if p.strip()]


def local(article: dict[str, Any]) -> datetime | None:
    value = article.get("published")
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.strptime(value, "%Y-%m-%d %H:%M")
    return value.replace(tzinfo=VN)


def real_url(article: dict[str, Any]) -> str:
    if article["outlet"] == "baohiemxahoi":
        return f"https://{BHXH_HOST}{BHXH_LISTING}?CateID={BHXH_CATE}&ItemID={article['item_id']}"
    return f"https://{OUTLETS[article['outlet']].host}{article['path']}"


def replay_url(article: dict[str, Any]) -> str:
    if article["outlet"] == "baohiemxahoi":
        return f"{{{{base}}}}/{BHXH_HOST}{BHXH_LISTING}?CateID={BHXH_CATE}&amp;ItemID={article['item_id']}"
    return f"{{{{base}}}}/{OUTLETS[article['outlet']].host}{article['path']}"


def jsonld(article: dict[str, Any], publisher: str, logo: str, author_type: str = "Person") -> str:
    when = local(article)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": real_url(article)},
        "headline": article["title"],
        "description": article["lead"],
        "image": {"@type": "ImageObject", "url": f"https://{logo}/2026/11/{article['id']}.jpg", "width": 1200,
                  "height": 675},
    }
    if when is not None and not article.get("no_date"):
        data["datePublished"] = when.isoformat()
        data["dateModified"] = when.replace(minute=min(when.minute + 7, 59)).isoformat()
    if article.get("author"):
        data["author"] = {"@type": author_type, "name": article["author"]}
    data["publisher"] = {"@type": "Organization", "name": publisher,
                         "logo": {"@type": "ImageObject", "url": f"https://{logo}/logo.png"}}
    body = json.dumps(data, ensure_ascii=False, indent=2)
    crumbs = json.dumps({"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": 1, "item": {"@id": f"https://{logo.split('/')[0]}", "name": "Trang chủ"}},
        {"@type": "ListItem", "position": 2, "item": {"@id": real_url(article).rsplit("/", 1)[0],
                                                      "name": article.get("section", "Tin tức")}}]},
        ensure_ascii=False)
    if article.get("no_jsonld"):
        return f'<script type="application/ld+json">{crumbs}</script>'
    return (f'<script type="application/ld+json">\n{body}\n</script>\n'
            f'<script type="application/ld+json">{crumbs}</script>')


def date_meta(article: dict[str, Any]) -> str:
    when = local(article)
    if when is None or article.get("no_date") or article.get("bad_date"):
        return ""
    return (f'<meta property="article:published_time" content="{when.isoformat()}" />\n'
            f'<meta property="article:modified_time" content="{when.isoformat()}" />')


def head_common(article: dict[str, Any], site: str) -> str:
    charset = "iso-8859-1" if article.get("latin1_header") else "utf-8"
    canonical = real_url(article) + (article.get("canonical_query") or "")
    return f"""<meta http-equiv="Content-Type" content="text/html; charset={charset}" />
<title>{e(article['title'])} - {e(site)}</title>
<meta name="description" content="{e(article['lead'])}" />
<meta name="keywords" content="bảo hiểm xã hội, tin tức, {e(article.get('section', ''))}" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<meta property="og:type" content="article" />
<meta property="og:site_name" content="{e(site)}" />
<meta property="og:title" content="{e(article['title'])}" />
<meta property="og:description" content="{e(article['lead'])}" />
<meta property="og:url" content="{e(canonical)}" />
<link rel="canonical" href="{e(canonical)}" />
{date_meta(article)}
<link rel="stylesheet" href="/static/css/article.min.css?v=20261118" />
<script async src="https://www.googletagmanager.com/gtag/js?id=G-CW2026"></script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}} gtag('js', new Date());
gtag('config', 'G-CW2026', {{"page_type": "detail", "article_id": "{e(article['id'])}"}});</script>"""


AD_SLOT = """<div class="banner-ads" id="admzone{n}"><script>(window.adsqueue = window.adsqueue || []).push({{zone: {n}}});</script>
<p class="ads-label">Quảng cáo</p></div>"""


def body_paragraphs(article: dict[str, Any], p_open: str, related: str, figure: str) -> str:
    parts = paragraphs(article)
    out = []
    for index, text in enumerate(parts):
        out.append(f"{p_open}{e(text)}</p>")
        if index == 0:
            out.append(figure)
        if index == 1 and len(parts) > 3:
            out.append(related)
        if index == 2:
            out.append(AD_SLOT.format(n=1010 + index))
    return "\n".join(out)


# -- VnExpress -------------------------------------------------------------------------------------------------------


def vnexpress_date(when: datetime) -> str:
    return f"{WEEKDAYS[when.weekday()]}, {when.day}/{when.month}/{when.year}, {when:%H:%M} (GMT+7)"


def render_vnexpress(a: dict[str, Any]) -> str:
    when = local(a)
    date = vnexpress_date(when) if when and not a.get("bad_date") else "Đang cập nhật"
    if a.get("no_date"):
        date = ""
    location = f'<span class="location-stamp">{e(a["location"])}</span>' if a.get("location") else ""
    related = """<div class="box-tinlienquanv2"><article class="item-news"><h4 class="title-news">
<a href="https://vnexpress.net/tin-lien-quan-4970001.html">Cách tra cứu quá trình đóng bảo hiểm trên điện thoại</a></h4>
<p class="description">Chỉ với vài thao tác trên ứng dụng, người lao động có thể xem toàn bộ quá trình tham gia.</p></article></div>"""
    figure = f"""<figure data-size="true" itemprop="associatedMedia image" itemscope itemtype="http://schema.org/ImageObject" class="tplCaption action_thumb_added">
<div class="fig-picture"><picture><img itemprop="contentUrl" loading="lazy" alt="{e(a['title'])}" src="https://i1-vnexpress.vnecdn.net/2026/11/{e(a['id'])}.jpg" /></picture></div>
<figcaption itemprop="description"><p class="Image">Ảnh minh họa: {e(a['title'][:40])}.</p></figcaption></figure>"""
    body = body_paragraphs(a, '<p class="Normal">', related, figure)
    author = f'<p class="Normal" style="text-align:right;"><strong>{e(a["author"])}</strong></p>' if a.get("author") else ""
    return f"""<!DOCTYPE html>
<html lang="vi" xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="utf-8" />
{head_common(a, "VnExpress")}
<meta name="its_id" content="{e(a['path'].rsplit('-', 1)[-1].split('.')[0])}" />
<meta name="its_section" content="{e(a.get('section', ''))}" />
{jsonld(a, "VnExpress", "s1.vnecdn.net/vnexpress")}
</head>
<body class="page-detail">
<header class="header"><div class="container flexbox"><a class="logo" href="https://vnexpress.net" title="VnExpress - Báo tiếng Việt nhiều người xem nhất">VnExpress</a>
<nav class="main-nav"><ul class="parent"><li class="home"><a href="/">Trang chủ</a></li><li><a href="/thoi-su">Thời sự</a></li>
<li><a href="/kinh-doanh">Kinh doanh</a></li><li><a href="/phap-luat">Pháp luật</a></li><li><a href="/suc-khoe">Sức khỏe</a></li>
<li><a href="/so-hoa">Số hóa</a></li><li><a href="/the-thao">Thể thao</a></li></ul></nav>
<div class="search-box"><form action="https://timkiem.vnexpress.net"><input type="text" name="q" placeholder="Tìm kiếm" /></form></div></div></header>
<div class="banner-ads" id="sis_masthead"><script>googletag.cmd.push(function() {{ googletag.display('div-gpt-ad-masthead'); }});</script></div>
<section class="section page-detail top-detail"><div class="container">
<div class="sidebar-1">
<div class="header-content width_common"><ul class="breadcrumb" data-campaign="Header"><li><a href="/{e(a.get('section', '').lower())}" title="{e(a.get('section', ''))}">{e(a.get('section', ''))}</a></li></ul>
<span class="date">{e(date)}</span></div>
<h1 class="title-detail">{e(a['title'])}</h1>
<p class="description">{location}{e(a['lead'])}</p>
<article class="fck_detail ">
{body}
{author}
</article>
<div class="footer-content"><div class="box-tag"><h4 class="item-tag"><a href="https://vnexpress.net/chu-de/bao-hiem-xa-hoi-1456">bảo hiểm xã hội</a></h4></div>
<div class="box-comment" id="box_comment_vne"><div class="box-area-input"><textarea placeholder="Ý kiến của bạn"></textarea></div></div></div>
</div>
<div class="sidebar-2"><div class="banner-ads sticky" id="sis_halfpage"><script>googletag.cmd.push(function() {{ googletag.display('div-gpt-ad-halfpage'); }});</script></div>
<div class="box-news-other"><h3 class="title-box">Xem nhiều</h3><ul class="list-news-other">
<li><h3 class="title-news"><a href="https://vnexpress.net/gia-vang-hom-nay-4981111.html">Giá vàng hôm nay tăng mạnh</a></h3></li>
<li><h3 class="title-news"><a href="https://vnexpress.net/lich-thi-tot-nghiep-4981112.html">Lịch thi tốt nghiệp năm 2027</a></h3></li></ul></div></div>
</div></section>
<footer class="footer"><p>Báo tiếng Việt nhiều người xem nhất. Thuộc Bộ Khoa học và Công nghệ. Số giấy phép: 548/GP-BTTTT.</p>
<p>Tổng biên tập: Phạm Văn Chiến. Địa chỉ: Tầng 10, Tòa A FPT Tower, số 10 Phạm Văn Bạch, Hà Nội. Điện thoại: 024 7300 8899 - máy lẻ 4500.</p></footer>
<script src="https://s1.vnecdn.net/vnexpress/restruct/j/v2026/main.js" async></script>
</body>
</html>
"""


# -- Tuổi Trẻ / Thanh Niên / Người Lao Động ("detail-" CMS) ----------------------------------------------------------


def detail_date(a: dict[str, Any], outlet: str) -> str:
    when = local(a)
    if a.get("no_date"):
        return ""
    if when is None or a.get("bad_date"):
        return '<div data-role="publishdate">Đang cập nhật</div>'
    suffix = " GMT+7" if outlet in ("tuoitre", "thanhnien") else ""
    return f'<div data-role="publishdate">{when:%d/%m/%Y %H:%M}{suffix}</div>'


def render_detail(a: dict[str, Any]) -> str:
    outlet = a["outlet"]
    info = OUTLETS[outlet]
    site = {"tuoitre": "TUOI TRE ONLINE", "thanhnien": "Báo Thanh Niên", "nld": "Báo Người Lao Động"}[outlet]
    cdn = {"tuoitre": "cdn2.tuoitre.vn", "thanhnien": "images2.thanhnien.vn", "nld": "nld.mediacdn.vn"}[outlet]
    related = f"""<div class="VCSortableInPreviewMode" type="RelatedOneNews" data-style="align-center">
<div class="kbwscwl-relatedbox type-1"><ul><li class="kbwscwl"><a class="kbwscwlrl" href="https://{info.host}/tin-lien-quan-20261101.htm" title="Những điều cần biết khi nghỉ việc">Những điều cần biết khi nghỉ việc</a>
<p class="kbwscwl-sapo">Người lao động cần làm gì để được chốt sổ, nhận trợ cấp khi nghỉ việc?</p></li></ul></div></div>"""
    figure = f"""<figure class="VCSortableInPreviewMode" type="Photo" style=""><div><a href="https://{cdn}/2026/11/{e(a['id'])}.jpg" data-fancybox="img-lightbox" target="_blank">
<img src="https://{cdn}/thumb_w/640/2026/11/{e(a['id'])}.jpg" alt="{e(a['title'])}" loading="lazy" /></a></div>
<figcaption class="PhotoCMS_Caption"><p data-placeholder="Nhập chú thích ảnh">{e(a['title'][:50])} - Ảnh: {e(site)}</p></figcaption></figure>"""
    body = body_paragraphs(a, "<p>", related, figure)
    author = a.get("author") or ""
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8" />
{head_common(a, site)}
<meta name="author" content="{e(site)}" />
<meta property="dable:author" content="{e(author)}" />
{jsonld(a, site, cdn)}
</head>
<body>
<div class="header__nav"><ul class="menu-nav"><li><a href="https://{info.host}/" title="Trang chủ">Trang chủ</a></li>
<li><a href="/thoi-su.htm" title="Thời sự">Thời sự</a></li><li><a href="/the-gioi.htm" title="Thế giới">Thế giới</a></li>
<li><a href="/kinh-doanh.htm" title="Kinh doanh">Kinh doanh</a></li><li><a href="/phap-luat.htm" title="Pháp luật">Pháp luật</a></li>
<li><a href="/the-thao.htm" title="Thể thao">Thể thao</a></li></ul></div>
<div class="adm-mainsection"><div id="admWrapsite"><div id="adm-slot-top"><script>admicroAD.unshift(function () {{ admicroAD.show('admzone474524'); }});</script></div></div></div>
<main class="detail-container"><div class="detail__cmain">
<div class="detail-top"><div class="detail-cate"><a href="/{e(a.get('section', '').lower())}.htm" title="{e(a.get('section', ''))}">{e(a.get('section', ''))}</a></div>
<div class="detail-time">{detail_date(a, outlet)}</div></div>
<h1 class="detail-title article-title" data-role="title">{e(a['title'])}</h1>
<div class="detail-author"><div class="author-info"><a class="name" href="https://{info.host}/tac-gia/{e(author.lower().replace(' ', '-'))}.htm" title="{e(author)}">{e(author)}</a></div></div>
<h2 class="detail-sapo" data-role="sapo">{e(a['lead'])}</h2>
<div class="detail-cmain"><div class="detail-content afcbc-body" data-role="content" itemprop="articleBody">
{body}
</div></div>
<div class="detail-tab"><span class="title">Từ khóa:</span><a href="/bhxh.html" title="BHXH">BHXH</a><a href="/bhyt.html" title="BHYT">BHYT</a></div>
<div class="detail-related"><h3>Tin liên quan</h3><ul><li><a href="https://{info.host}/bai-lien-quan-1.htm">Hướng dẫn tra cứu thẻ BHYT</a><p>Tra cứu nhanh trên điện thoại.</p></li></ul></div>
</div>
<aside class="detail__sidebar"><div id="admzone474525"></div><div class="box-category-most"><h3>Đọc nhiều</h3><ul>
<li><a href="https://{info.host}/gia-xang-dau-20261121.htm">Giá xăng dầu hôm nay</a></li></ul></div></aside></main>
<footer class="footer"><p>Cơ quan chủ quản: {e(site)}. Giấy phép hoạt động báo điện tử. Đường dây nóng: 0918 033 133.</p></footer>
<script src="https://static.mediacdn.vn/common/js/detail.min.js" async></script>
</body>
</html>
"""


# -- Dân Trí ---------------------------------------------------------------------------------------------------------


def render_dantri(a: dict[str, Any]) -> str:
    when = local(a)
    iso = f"{when:%Y-%m-%d %H:%M}" if when else ""
    shown = f"{WEEKDAYS[when.weekday()]}, {when:%d/%m/%Y - %H:%M}" if when else ""
    author = a.get("author") or ""
    related = """<article class="article-item"><div class="article-thumb"><a href="https://dantri.com.vn/an-sinh/lien-quan-20261101.htm"><img src="https://cdnphoto.dantri.com.vn/thumb.jpg" alt="" /></a></div>
<div class="article-content"><h3 class="article-title"><a href="https://dantri.com.vn/an-sinh/lien-quan-20261101.htm">Những thay đổi về chính sách an sinh từ tháng 12</a></h3><p class="article-excerpt">Nhiều chính sách mới có hiệu lực.</p></div></article>"""
    figure = f"""<figure class="image align-center" contenteditable="false"><img title="{e(a['title'])}" src="https://cdnphoto.dantri.com.vn/2026/11/{e(a['id'])}.jpg" alt="{e(a['title'])}" width="1200" height="800" />
<figcaption><p>{e(a['title'][:60])} (Ảnh: {e(author)}).</p></figcaption></figure>"""
    body = body_paragraphs(a, "<p>", related, figure)
    meta_charset = ('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1" />'
                    if a.get("latin1_header") else '<meta charset="utf-8" />')
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
{meta_charset}
{head_common(a, "Báo điện tử Dân Trí")}
<meta name="author" content="Dân Trí" />
<meta name="copyright" content="Dân Trí" />
{jsonld(a, "Báo điện tử Dân Trí", "cdnweb.dantri.com.vn")}
</head>
<body>
<header class="site-header"><div class="grid-container"><a class="logo" href="https://dantri.com.vn">Dân trí</a>
<ol class="menu-wrap"><li class="has-child"><a href="/xa-hoi.htm">Xã hội</a></li><li><a href="/the-gioi.htm">Thế giới</a></li>
<li><a href="/kinh-doanh.htm">Kinh doanh</a></li><li><a href="/an-sinh.htm">An sinh</a></li><li><a href="/lao-dong-viec-lam.htm">Lao động - Việc làm</a></li></ol></div></header>
<div class="grid-container"><div class="singular-wrap">
<ul class="dt-breadcrumb"><li><a href="/an-sinh.htm" data-content-name="article-breadcrumb">{e(a.get('section', ''))}</a></li></ul>
<article class="singular-container">
<h1 class="title-page detail">{e(a['title'])}</h1>
<div class="author-wrap"><div class="author-avatar"><a class="author-avatar__picture" href="https://dantri.com.vn/tac-gia/{e(author.lower().replace(' ', '-'))}.htm"><img alt="{e(author)}" src="https://cdnphoto.dantri.com.vn/avatar.jpg" /></a></div>
<div class="author-meta"><div class="author-name"><a href="https://dantri.com.vn/tac-gia/{e(author.lower().replace(' ', '-'))}.htm"><b>{e(author)}</b></a></div>
<time class="author-time" datetime="{iso}">{shown}</time></div></div>
<h2 class="singular-sapo">{e(a['lead'])}</h2>
<div class="singular-content">
{body}
</div>
<div class="singular-relate"><h3 class="title">Tin liên quan</h3><article class="article-item"><h3 class="article-title"><a href="https://dantri.com.vn/an-sinh/tin-khac-20261102.htm">Tin khác cùng chuyên mục</a></h3><p>Tóm tắt tin khác.</p></article></div>
<div class="author-wrap"><div class="author-name"><b>{e(author)}</b></div></div>
</article>
<aside class="sidebar"><div class="dt-ads" id="admzone41"><div class="banner-ads"><p>Quảng cáo</p></div></div></aside>
</div></div>
<footer class="dt-footer"><p>Cơ quan chủ quản: Bộ Nội vụ. Giấy phép số 298/GP-BTTTT. Hotline: 0973 567 567.</p></footer>
<script src="https://cdnweb.dantri.com.vn/dist/detail.min.js" defer></script>
</body>
</html>
"""


# -- VietnamNet ------------------------------------------------------------------------------------------------------


def render_vietnamnet(a: dict[str, Any]) -> str:
    when = local(a)
    shown = f"{WEEKDAYS[when.weekday()].title()}, {when:%d/%m/%Y - %H:%M}" if when else ""
    author = a.get("author") or ""
    related = """<div class="article-relate"><article class="verticalPost"><h3 class="verticalPost__main-title vnn-title">
<a href="https://vietnamnet.vn/tin-lien-quan-2459001.html" title="Tin liên quan">Quy định mới về thẻ BHYT từ năm 2027</a></h3>
<p class="verticalPost__main-desc">Một số thay đổi đáng chú ý.</p></article></div>"""
    figure = f"""<figure class="image vnn-content-image"><img src="https://static-images.vnncdn.net/files/2026/11/{e(a['id'])}.jpg" alt="{e(a['title'])}" />
<figcaption><p>{e(a['title'][:60])}. Ảnh: VietNamNet</p></figcaption></figure>"""
    body = body_paragraphs(a, "<p>", related, figure)
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8" />
{head_common(a, "Báo VietNamNet")}
{jsonld(a, "Báo VietNamNet", "static.vnncdn.net")}
</head>
<body>
<header class="header"><div class="mainNav"><ul class="mainNav__list"><li><a href="/thoi-su">Thời sự</a></li><li><a href="/kinh-doanh">Kinh doanh</a></li>
<li><a href="/xa-hoi">Xã hội</a></li><li><a href="/phap-luat">Pháp luật</a></li><li><a href="/suc-khoe">Sức khỏe</a></li><li><a href="/the-gioi">Thế giới</a></li></ul></div></header>
<div class="container"><div class="content-detail container-690">
<div class="bread-crumb-detail sm-show-time"><ul><li><a href="/{e(a.get('section', '').lower())}" title="{e(a.get('section', ''))}">{e(a.get('section', ''))}</a></li></ul>
<div class="bread-crumb-detail__time">{e(shown)}</div></div>
<h1 class="content-detail-title">{e(a['title'])}</h1>
<h2 class="content-detail-sapo sm-sapo-mb-0">{e(a['lead'])}</h2>
<div class="maincontent main-content" id="maincontent">
{body}
<p style="text-align: right;"><strong>{e(author)}</strong></p>
</div>
<div class="article-detail-author-wrapper"><p class="article-detail-author__info"><span class="name"><a href="https://vietnamnet.vn/tac-gia/{e(author.lower().replace(' ', '-'))}" title="{e(author)}">{e(author)}</a></span></p></div>
<div class="tag-cotnent"><ul><li><a href="/bao-hiem-xa-hoi-tag123.html">bảo hiểm xã hội</a></li></ul></div>
</div>
<div class="sidebar"><div class="banner-ads" id="vnn-ads-right"><script>window.vnnAds = window.vnnAds || []; vnnAds.push("right-1");</script></div></div></div>
<footer class="footer"><p>Tòa soạn: Tầng 15, Tòa nhà Viettel, 285 Cách Mạng Tháng Tám, TP.HCM. Điện thoại: 028 3930 5555.</p></footer>
</body>
</html>
"""


# -- Lao Động --------------------------------------------------------------------------------------------------------


def render_laodong(a: dict[str, Any]) -> str:
    when = local(a)
    if a.get("bad_date") or when is None:
        time_tag = '<time class="f-datetime">Đang cập nhật</time>'
    else:
        time_tag = f'<time class="f-datetime">{WEEKDAYS[when.weekday()]}, {when:%d/%m/%Y %H:%M} (GMT+7)</time>'
    author = a.get("author") or ""
    related = """<div class="related-news"><ul><li><a href="https://laodong.vn/cong-doan/tin-lien-quan-1609001.ldo">Công đoàn đồng hành cùng người lao động</a>
<p class="chappeau-mini">Nhiều hoạt động hỗ trợ đoàn viên khó khăn.</p></li></ul></div>"""
    figure = f"""<figure class="insert-center-image"><img src="https://media-cdn-v2.laodong.vn/storage/newsportal/2026/11/{e(a['id'])}.jpg" alt="{e(a['title'])}" />
<figcaption class="image-caption"><p>{e(a['title'][:60])}. Ảnh: {e(author)}</p></figcaption></figure>"""
    body = body_paragraphs(a, "<p>", related, figure)
    return f"""<!DOCTYPE html>
<html lang="vi" xmlns:og="http://ogp.me/ns#" itemscope="itemscope" itemtype="http://schema.org/WebPage">
<head prefix="og: http://ogp.me/ns# article: http://ogp.me/ns/article#">
<meta charset="utf-8" />
{head_common(a, "Báo Lao Động")}
{jsonld(a, "Báo Lao Động", "media-cdn-v2.laodong.vn")}
</head>
<body>
<div class="header"><div class="container"><a href="https://laodong.vn" class="logo">Lao Động</a>
<ul class="main-menu"><li><a href="/thoi-su">Thời sự</a></li><li><a href="/cong-doan">Công đoàn</a></li><li><a href="/xa-hoi">Xã hội</a></li>
<li><a href="/viec-lam">Việc làm</a></li><li><a href="/phap-luat">Pháp luật</a></li><li><a href="/bong-da">Bóng đá</a></li></ul></div></div>
<div class="container"><div class="article-detail">
<div class="breadcrumbs"><a href="/{e(a.get('section', '').lower())}">{e(a.get('section', ''))}</a></div>
<div class="time">{time_tag}</div>
<h1 class="title">{e(a['title'])}</h1>
<div class="chappeau"><p>{e(a['lead'])}</p></div>
<div class="art-body">
{body}
<div class="art-authors"><span class="author">{e(author)}</span></div>
</div>
<div class="box-tinlq"><h3>Tin mới</h3><ul><li><a href="https://laodong.vn/xa-hoi/tin-moi-1611999.ldo">Tin mới nhất</a></li></ul></div>
</div>
<div class="sidebar"><div class="banner-ads" id="ld-ads-1"><p>Quảng cáo</p></div></div></div>
<div class="footer"><p>Cơ quan của Tổng Liên đoàn Lao động Việt Nam. Đường dây nóng: 0967 988 833.</p></div>
</body>
</html>
"""


# -- baohiemxahoi.gov.vn (SharePoint) --------------------------------------------------------------------------------


VIEWSTATE = "/wEPDwUKMTY1NDU2MTA1Mg9kFgJmD2QWAgIBD2QWBAIBD2QWAgIFD2QWAmYPZBYCAgEPFgIeE1ByZXZpb3VzQ29udHJvbE1vZGULKYgBTWljcm9zb2Z0LlNoYXJlUG9pbnQuV2ViQ29udHJvbHMuU1BDb250cm9sTW9kZQ=="


def sharepoint_page(title: str, inner: str, form_action: str, extra_head: str = "") -> str:
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html dir="ltr" lang="vi-VN">
<head><meta http-equiv="X-UA-Compatible" content="IE=10" /><meta name="GENERATOR" content="Microsoft SharePoint" />
<meta http-equiv="Content-type" content="text/html; charset=utf-8" /><meta http-equiv="Expires" content="0" />
<title>{e(title)}</title>
{extra_head}
<link rel="stylesheet" type="text/css" href="/_layouts/15/1066/styles/Themable/corev15.css?rev=2Ts7hLHM1xwi9gQaxJBXwA%3D%3D" />
<script type="text/javascript" src="/_layouts/15/init.js?rev=ZBD2T5oJpNTnJ3lBkD2bbQ%3D%3D"></script>
<script type="text/javascript">var _spPageContextInfo = {{webServerRelativeUrl: "\\u002ftintuc", webAbsoluteUrl: "https:\\u002f\\u002fbaohiemxahoi.gov.vn\\u002ftintuc", siteId: "{{9a1e7c4b-5d7a-4f0c-9b51-0f3e3c2a6d11}}", currentLanguage: 1066, pageListId: "{{f2c8a3e1-7b6d-4c1e-8e8a-3d9b1c0f5a22}}"}};</script>
</head>
<body>
<form method="post" action="{e(form_action)}" id="aspnetForm">
<div class="aspNetHidden"><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{VIEWSTATE}" />
<input type="hidden" name="__REQUESTDIGEST" id="__REQUESTDIGEST" value="0x8A2F6C1D5E4B3A29,21 Nov 2026 03:10:44 -0000" /></div>
<script type="text/javascript">//<![CDATA[
var theForm = document.forms['aspnetForm']; function __doPostBack(eventTarget, eventArgument) {{ theForm.__EVENTTARGET.value = eventTarget; theForm.submit(); }}
//]]></script>
<div id="s4-workspace"><div id="s4-bodyContainer">
<div class="header-bhxh"><div class="logo"><a href="/Pages/default.aspx"><img src="/_catalogs/masterpage/BHXH/images/logo.png" alt="BẢO HIỂM XÃ HỘI VIỆT NAM" /></a></div>
<ul class="menu-top"><li><a href="/gioi-thieu/Pages/default.aspx">Giới thiệu</a></li><li class="active"><a href="/tintuc/Pages/default.aspx">Tin tức</a></li>
<li><a href="/van-ban-chinh-sach/Pages/default.aspx">Văn bản</a></li><li><a href="/tracuu/Pages/default.aspx">Tra cứu</a></li>
<li><a href="/dich-vu-cong/Pages/default.aspx">Dịch vụ công</a></li><li><a href="/hoi-dap/Pages/default.aspx">Hỏi đáp</a></li></ul></div>
<div id="contentRow"><div id="contentBox" aria-live="polite" aria-relevant="all">
<div id="DeltaPlaceHolderMain"><div class="ms-webpart-zone ms-fullWidth"><div id="MSOZoneCell_WebPartWPQ2" class="s4-wpcell-plain ms-webpartzone-cell ms-webpart-cell-vertical ms-fullWidth">
<div class="ms-webpart-chrome ms-webpart-chrome-vertical ms-webpart-chrome-fullWidth"><div webpartid="7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f" haspers="false" id="WebPartWPQ2" width="100%" class="ms-WPBody noindex" allowdelete="false" style="">
{inner}
</div></div></div></div></div></div>
<div class="right-col"><div class="box-hotline"><p>Tổng đài hỗ trợ: <strong>1900 9068</strong></p></div>
<div class="box-link"><a href="/tracuu/Pages/tra-cuu-ho-gia-dinh.aspx">Tra cứu mã số BHXH</a><a href="/tracuu/Pages/diem-thu-dai-ly.aspx">Tra cứu điểm thu, đại lý</a></div></div>
</div>
<div class="footer-bhxh"><p>Cơ quan chủ quản: Bảo hiểm xã hội Việt Nam - Số 7 Tràng Thi, Hoàn Kiếm, Hà Nội. Điện thoại: 024 3936 1111.</p>
<p>Giấy phép số 200/GP-TTĐT do Cục Phát thanh, truyền hình và thông tin điện tử cấp.</p></div>
</div></div>
</form>
</body>
</html>
"""


def render_bhxh_article(a: dict[str, Any]) -> str:
    when = local(a)
    body = "\n".join(f'<p style="text-align:justify;">{e(p)}</p>' for p in paragraphs(a))
    inner = f"""<div class="news-detail">
<div class="breadcrumb-bhxh"><a href="/Pages/default.aspx">Trang chủ</a> &gt; <a href="{BHXH_LISTING}?CateID={BHXH_CATE}">Hoạt động hệ thống BHXH</a></div>
<h1 class="title-news-detail">{e(a['title'])}</h1>
<div class="date-news-detail">Ngày đăng: {when:%d/%m/%Y %H:%M}</div>
<div class="share-news"><a href="https://www.facebook.com/sharer/sharer.php?u={e(real_url(a))}">Chia sẻ</a><a href="javascript:window.print()">In bài</a></div>
<div class="sapo-news-detail"><strong>{e(a['lead'])}</strong></div>
<div class="content-news-detail ms-rtestate-field">
{body}
<p>&#8203;</p>
</div>
<div class="author-news-detail">{e(a.get('author') or '')}</div>
<div class="related-news"><h3>Các tin khác</h3><ul><li><a href="{BHXH_LISTING}?CateID={BHXH_CATE}&amp;ItemID=26001">Hội nghị trực tuyến toàn ngành</a> <span class="date">(10/11/2026)</span></li></ul></div>
</div>"""
    og = f'<meta property="og:url" content="{e(real_url(a))}" />\n<meta property="og:title" content="{e(a["title"])}" />'
    return sharepoint_page(a["title"], inner, f"./hoat-dong-he-thong-bhxh.aspx?CateID={BHXH_CATE}&ItemID={a['item_id']}",
                           og)


def render_bhxh_listing(items: list[dict[str, Any]], page: int, pages: int) -> str:
    rows = []
    for a in items:
        when = local(a)
        link = replay_url(a)
        rows.append(f"""<li class="item-news"><a class="img-news" href="{link}"><img src="/tintuc/PublishingImages/2026/11/{a['item_id']}.jpg" alt="" /></a>
<div class="content-news"><h3><a href="{link}" title="{e(a['title'])}">{e(a['title'])}</a></h3>
<span class="date">{when:%d/%m/%Y}</span><p class="sapo">{e(a['lead'][:160])}</p></div></li>""")
    pager = []
    base = f"{{{{base}}}}/{BHXH_HOST}{BHXH_LISTING}?CateID={BHXH_CATE}"
    for number in range(1, pages + 1):
        if number == page:
            pager.append(f'<a class="active">{number}</a>')
        else:
            pager.append(f'<a href="{base}&amp;Page={number}">{number}</a>')
    if page < pages:
        pager.append(f'<a class="next" href="{base}&amp;Page={page + 1}">Trang sau</a>')
    inner = f"""<div class="category-news"><div class="title-cate"><h2>Hoạt động hệ thống BHXH</h2></div>
<ul class="list-news">
{chr(10).join(rows)}
</ul>
<div class="paging">{''.join(pager)}</div></div>"""
    action = f"./hoat-dong-he-thong-bhxh.aspx?CateID={BHXH_CATE}" + (f"&Page={page}" if page > 1 else "")
    return sharepoint_page("Hoạt động hệ thống BHXH", inner, action)


RENDER = {"vnexpress": render_vnexpress, "tuoitre": render_detail, "thanhnien": render_detail, "nld": render_detail,
          "dantri": render_dantri, "vietnamnet": render_vietnamnet, "laodong": render_laodong}


# -- feeds -----------------------------------------------------------------------------------------------------------


def rss_item(a: dict[str, Any], outlet: str) -> str:
    info = OUTLETS[outlet]
    link = replay_url(a)
    if outlet == "dantri":
        link += "?utm_source=dantri-rss&amp;utm_medium=referral"
    when = local(a)
    img = f'<a href="{link}"><img src="https://{info.host}/thumb/2026/11/{a["id"]}.jpg" /></a></br>'
    title = a["title"]
    if outlet == "nld":  # the NLĐ CMS writes titles and descriptions unescaped, outside CDATA (malformed XML)
        title = title.replace(" - ", " &nbsp;- ")
        desc = f"{a['lead']} & tin liên quan"
        return (f"<item>\n<title>{title}</title>\n<link>{link}</link>\n"
                f"<description>{desc}&nbsp;</description>\n"
                + (f"<pubDate>{format_datetime(when)}</pubDate>\n" if when and not a.get('no_date') and not a.get('bad_date') else "")
                + "</item>")
    if when is None or a.get("no_date") or a.get("bad_date"):
        pub = ""
    elif outlet == "tuoitre":
        pub = f"<pubDate><![CDATA[{when:%a, %d %b %Y %H:%M:%S} GMT+7]]></pubDate>"
    elif outlet == "vietnamnet":
        pub = f"<pubDate>{format_datetime(when.astimezone(timezone.utc), usegmt=True)}</pubDate>"
    elif outlet == "laodong":
        pub = f"<pubDate>{when:%d/%m/%Y %H:%M:%S}</pubDate>"
    else:
        pub = f"<pubDate>{format_datetime(when)}</pubDate>"
    guid = f'<guid isPermaLink="false">{a["id"]}</guid>' if outlet in ("tuoitre", "thanhnien") else f"<guid>{link}</guid>"
    return (f"<item>\n<title><![CDATA[{title}]]></title>\n"
            f"<description><![CDATA[{img}{a['lead']}]]></description>\n{pub}\n<link>{link}</link>\n{guid}\n</item>")


def render_feed(outlet: str, items: list[dict[str, Any]], built: datetime) -> str:
    info = OUTLETS[outlet]
    body = "\n".join(rss_item(a, outlet) for a in items)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel>
<title>Tin mới nhất - {info.site_name}</title>
<description>{info.site_name} RSS - Tin mới nhất</description>
<image><url>https://{info.host}/logo_rss.png</url><title>{info.site_name}</title><link>https://{info.host}</link></image>
<pubDate>{format_datetime(built)}</pubDate>
<generator>{info.site_name}</generator>
<link>https://{info.host}{info.feed}</link>
<atom:link href="https://{info.host}{info.feed}" rel="self" type="application/rss+xml" />
{body}
</channel>
</rss>
"""


NOT_A_FEED = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8" /><title>VnExpress - Báo tiếng Việt nhiều người xem nhất</title>
<meta name="description" content="Thông tin nhanh &amp; mới nhất được cập nhật hằng giờ." /></head>
<body><header class="header"><a class="logo" href="https://vnexpress.net">VnExpress</a></header>
<section class="section section_topstory"><article class="item-news full-thumb"><h3 class="title-news"><a href="https://vnexpress.net/tin-noi-bat-4981999.html">Tin nổi bật trang chủ</a></h3>
<p class="description">Trang chủ được trả về thay cho RSS khi CDN chuyển hướng nhầm.</p></article></section></body></html>
"""


# -- build -----------------------------------------------------------------------------------------------------------


def build(out: Path) -> dict[str, bytes]:
    """Every recorded file (path relative to `out` → bytes)."""
    data = yaml.safe_load((out / "articles.yaml").read_text(encoding="utf-8"))["articles"]
    files: dict[str, bytes] = {}
    manifest: list[dict[str, Any]] = []

    for outlet, info in OUTLETS.items():
        articles = [a for a in data if a["outlet"] == outlet]
        for a in articles:
            name = f"{outlet}/{a['id']}.html"
            files[name] = RENDER[outlet](a).encode("utf-8")
            path = f"/{info.host}{a['path']}"
            charset = "ISO-8859-1" if a.get("latin1_header") else "utf-8"
            headers = {"Content-Type": f"text/html; charset={charset}", "Cache-Control": "max-age=60"}
            for status in a.get("status", []):
                manifest.append({"path": path, "status": status, "times": 1,
                                 "headers": {"Content-Type": "text/html; charset=utf-8", "Retry-After": "1"},
                                 "body": "errors/503.html"})
            if a.get("fail_status"):
                manifest.append({"path": path, "status": a["fail_status"],
                                 "headers": {"Content-Type": "text/html; charset=utf-8", "Retry-After": "60"},
                                 "body": "errors/429.html"})
                continue
            entry: dict[str, Any] = {"path": path, "headers": headers, "body": name}
            if a.get("delay_s"):  # too slow the first `slow_times` times (one crawl's attempts), then at once
                manifest.append({**entry, "delay_s": a["delay_s"], "times": a.get("slow_times", 4)})
            manifest.append(entry)
        previous: list[str] | None = None
        for release in RELEASES:
            listed = sorted((a for a in articles if a.get("release_s", 0) <= release),
                            key=lambda a: local(a) or datetime(2026, 11, 20, tzinfo=VN), reverse=True)
            ids = [a["id"] for a in listed]
            if ids == previous:
                continue
            previous = ids
            version = RELEASES.index(release) + 1
            name = f"{outlet}/rss-{version}.xml"
            built = max((local(a) for a in listed if local(a)), default=datetime(2026, 11, 21, tzinfo=VN))
            files[name] = render_feed(outlet, listed, built).encode("utf-8")
            entry = {"path": f"/{info.host}{info.feed}", "headers": {"Content-Type": info.content_type}, "body": name}
            if release:
                entry["release_s"] = release
            manifest.append(entry)
    # VnExpress: a second feed URL whose CDN answers with the home page (HTML where RSS was expected).
    files["vnexpress/not-a-feed.html"] = NOT_A_FEED.encode("utf-8")
    manifest.append({"path": "/vnexpress.net/rss/suc-khoe.rss", "headers": {"Content-Type": "text/html; charset=utf-8"},
                     "body": "vnexpress/not-a-feed.html"})
    files["errors/503.html"] = (b"<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
                                b"<center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center>"
                                b"</body></html>\n")
    files["errors/429.html"] = (b"<html><head><title>429 Too Many Requests</title></head><body><center>"
                                b"<h1>429 Too Many Requests</h1></center><hr><center>nginx</center></body></html>\n")

    # baohiemxahoi.gov.vn: specific entries (articles, page 2) before the page-1 entry they would also match,
    # repeated for each release so a later page-1 version does not shadow them (the latest release wins).
    bhxh = [a for a in data if a["outlet"] == "baohiemxahoi"]
    for a in bhxh:
        files[f"baohiemxahoi/{a['item_id']}.html"] = render_bhxh_article(a).encode("utf-8")
    pages = max(a["listing_page"] for a in bhxh)
    listing_path = f"/{BHXH_HOST}{BHXH_LISTING}"
    html_headers = {"Content-Type": "text/html; charset=utf-8", "X-SharePointHealthScore": "0",
                    "MicrosoftSharePointTeamServices": "15.0.0.5545"}
    for release in (0, 120):
        version = 1 if release == 0 else 2
        for a in bhxh:
            entry = {"path": listing_path, "query": {"ItemID": str(a["item_id"])}, "headers": html_headers,
                     "body": f"baohiemxahoi/{a['item_id']}.html"}
            manifest.append({**entry, "release_s": release} if release else entry)
        for page in range(pages, 0, -1):
            items = sorted((a for a in bhxh if a["listing_page"] == page and a.get("release_s", 0) <= release),
                           key=lambda a: local(a), reverse=True)
            name = f"baohiemxahoi/listing-p{page}-v{version}.html"
            files[name] = render_bhxh_listing(items, page, pages).encode("utf-8")
            query = {"CateID": BHXH_CATE, **({"Page": str(page)} if page > 1 else {})}
            entry = {"path": listing_path, "query": query, "headers": html_headers, "body": name}
            manifest.append({**entry, "release_s": release} if release else entry)

    header = ("# Generated by `python -m crawlers.news.build_recordings` from articles.yaml: edit that file and "
              "rebuild.\n# Format: crawlers/replay.py. Order matters for entries on the same path (ties → first).\n")
    files["manifest.yaml"] = (header + yaml.dump(manifest, Dumper=_NoAliases, allow_unicode=True, sort_keys=False,
                                                 width=200)).encode("utf-8")
    return files


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args(argv)
    files = build(ROOT)
    if args.check:
        stale = [n for n, data in files.items() if not (ROOT / n).exists() or (ROOT / n).read_bytes() != data]
        for name in stale:
            print(f"stale: {name}")
        return 1 if stale else 0
    for name, data in files.items():
        path = ROOT / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f"wrote {len(files)} files to {ROOT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
