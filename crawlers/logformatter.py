"""Scrapy log formatter that never writes item contents: a raw item still holds the unmasked text (phone numbers,
ID numbers), and logs are stored. Items are named by source and id only."""

from __future__ import annotations

from typing import Any

from scrapy import logformatter


def describe(item: Any) -> str:
    mention = getattr(item, "mention", None)
    if mention is not None:  # after the normalize pipeline
        return f"{mention.source}:{mention.source_id} ({mention.id})"
    source, source_id = getattr(item, "source", None), getattr(item, "source_id", None)
    if source is not None:
        return f"{source}:{source_id}"
    return type(item).__name__


class RedactingLogFormatter(logformatter.LogFormatter):
    def scraped(self, item: Any, response: Any, spider: Any) -> logformatter.LogFormatterResult:
        result = super().scraped(item, response, spider)
        result["args"] = {**result["args"], "item": describe(item)}
        return result

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any,
                ) -> logformatter.LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        result["args"] = {**result["args"], "item": describe(item)}
        return result

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any,
                   ) -> logformatter.LogFormatterResult:
        result = super().item_error(item, exception, response, spider)
        result["args"] = {**result["args"], "item": describe(item)}
        return result
