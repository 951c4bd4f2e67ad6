"""An item pipeline that fails on every post (a disk-full stand-in) for the watermark tests."""

from __future__ import annotations

from crawlers.items import RawMention


class FailOnPostsPipeline:
    def process_item(self, item: RawMention) -> RawMention:
        if item.extra.get("kind") == "post":
            raise OSError("No space left on device")
        return item
