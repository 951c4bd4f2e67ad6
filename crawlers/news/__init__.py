"""News crawling: parsers for Vietnamese outlets' RSS feeds, article pages and baohiemxahoi.gov.vn's SharePoint
listings (`parsers`), per-outlet watermarks (`watermarks`), the recordings builder and the parse benchmark.
The spider itself is `crawlers.spiders.news.NewsSpider`. Decisions: README.md in this folder."""
