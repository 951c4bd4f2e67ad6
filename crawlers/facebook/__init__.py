"""The Facebook crawler: Graph API requests, classification and parsing (`graph`), rate-limit back-off (`gate`),
per-page watermarks (`state`); the spider is `crawlers.spiders.facebook.FacebookSpider`. See README.md."""
