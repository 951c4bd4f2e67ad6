from __future__ import annotations

from pathlib import Path

import pytest

from alerting.notify.channels import Channel, ChannelConfigError, build_channels
from common.settings import Settings


def test_no_channel_configured(tmp_path: Path) -> None:
    assert build_channels(Settings(state_dir=tmp_path)) == {}


def test_every_channel_configured(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, smtp_host="smtp.bhxh.example", notify_email_to=["truc@bhxh.example"],
                        notify_webhook_url="https://hooks.bhxh.example/cw", notify_webhook_secret="s3cret",
                        zalo_oa_access_token="tok", zalo_duty_officer_user_id="1")
    channels = build_channels(settings)
    assert list(channels) == ["email", "webhook", "zalo"]
    assert all(isinstance(channel, Channel) for channel in channels.values())
    assert "s3cret" not in repr(channels["webhook"]) and "s3cret" not in str(settings.redacted())


@pytest.mark.parametrize(("options", "message"), [
    ({"notify_webhook_url": "https://hooks.bhxh.example/cw"}, "thiếu notify_webhook_secret"),
    ({"notify_webhook_url": "ftp://x", "notify_webhook_secret": "s"}, "phải là URL http"),
    ({"smtp_host": "smtp.bhxh.example"}, "thiếu notify_email_to"),
    ({"notify_email_to": ["a@b.vn"]}, "thiếu smtp_host"),
    ({"zalo_duty_officer_user_id": "1"}, "thiếu zalo_oa_access_token"),
])
def test_half_configured_channels_fail_at_startup(tmp_path: Path, options: dict, message: str) -> None:
    with pytest.raises(ChannelConfigError, match=message):
        build_channels(Settings(state_dir=tmp_path, **options))
