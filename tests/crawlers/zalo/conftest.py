"""Fixtures of the Zalo tests: settings with Zalo credentials (with and without the test broker)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from common.settings import Settings
from tests.crawlers.zalo.helpers import APP_ID, APP_SECRET, OA_SECRET, zalo_fields


@pytest.fixture
def zalo_settings(tmp_path: Path) -> Settings:
    """Settings with Zalo credentials and a fresh state dir (no Kafka)."""
    return Settings(**zalo_fields(tmp_path / "state"))


@pytest.fixture
def zalo_bus_settings(bus_settings: Settings) -> Settings:
    """`bus_settings` (test broker, isolated topics, fresh state dir) with Zalo credentials."""
    return bus_settings.model_copy(update={"zalo_app_id": APP_ID, "zalo_oa_secret_key": SecretStr(OA_SECRET),
                                           "zalo_app_secret_key": SecretStr(APP_SECRET)})
