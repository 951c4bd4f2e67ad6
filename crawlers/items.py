"""What a spider yields: a mention as fetched, before normalization and PII masking.

The unmasked `text` exists only inside the crawler process: `crawlers.processing.MentionBuilder` turns a
`RawMention` into the `common.schema.Mention` that leaves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from common.schema import Source


@dataclass
class RawMention:
    source: Source
    source_id: str  # the platform's own id: Graph post/comment id, Zalo msg_id, news canonical URL or ItemID
    text: str  # as published (may contain personal data; never leaves the crawler)
    created_at: datetime  # timezone-aware
    url: str | None = None
    title: str | None = None
    author_id: str | None = None
    author_name: str | None = None
    reactions: int = 0
    shares: int = 0
    comments: int = 0
    author_followers: int | None = None
    parent_source_id: str | None = None  # the post a comment or reply belongs to (same source)
    language: str | None = "vi"
    # Sources addressed to the agency itself (Zalo OA messages) are relevant by definition: no watchlist filter.
    skip_watchlist: bool = False
    extra: dict[str, str] = field(default_factory=dict)  # outlet name, page id…: for stats and logs only
