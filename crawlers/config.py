"""The sources config file (`crawlers/sources.yaml` by default, or `CRISISWATCH_SOURCES_FILE`), validated."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from common.settings import Settings


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Outlet(_Strict):
    name: str
    feeds: list[str] = Field(min_length=1)
    parser: str  # a selector set of crawlers.news.parsers


class Listing(_Strict):
    name: str
    pages: list[str] = Field(min_length=1)
    parser: str


class NewsSources(_Strict):
    interval_s: int = Field(300, ge=10)
    outlets: list[Outlet] = []
    listings: list[Listing] = []


class FacebookPage(_Strict):
    id: str
    name: str | None = None
    # The agency's own page (e.g. a provincial BHXH fan page): posts and comments there are addressed to BHXH, so
    # they skip the relevance watchlist ("dạ em cảm ơn ad" is relevant on the agency's page).
    own: bool = False


class FacebookSources(_Strict):
    interval_s: int = Field(600, ge=10)
    pages: list[FacebookPage] = []


class ZaloSources(_Strict):
    backfill_interval_s: int = Field(900, ge=10)
    oa_id: str | None = None


class Sources(_Strict):
    watchlist: str | None = None
    news: NewsSources = NewsSources()
    facebook: FacebookSources = FacebookSources()
    zalo: ZaloSources = ZaloSources()


def load_sources(settings: Settings) -> Sources:
    """The validated sources file; a typo or unknown key is an error naming the field."""
    if settings.sources_file is not None:
        text = Path(settings.sources_file).read_text(encoding="utf-8")
    else:
        text = resources.files("crawlers").joinpath("sources.yaml").read_text(encoding="utf-8")
    return Sources.model_validate(yaml.safe_load(text) or {})
