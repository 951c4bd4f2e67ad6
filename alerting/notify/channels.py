"""The channel protocol and the channels configured in settings.

A channel is active when its settings are filled in (e-mail: ``smtp_host`` and ``notify_email_to``; webhook:
``notify_webhook_url``; Zalo: ``zalo_duty_officer_user_id``). A half-configured channel (webhook without its
secret, Zalo without a token, e-mail without recipients) is a configuration error raised at start-up, not a
notification that silently never leaves.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from alerting.notify.mail import EmailChannel
from alerting.notify.messages import Notification
from alerting.notify.retry import Delivery
from alerting.notify.webhook import WebhookChannel
from alerting.notify.zalo import ZaloChannel
from common.settings import Settings


@runtime_checkable
class Channel(Protocol):
    name: str

    def send(self, notification: Notification) -> Delivery:
        """Deliver once; never raise (every failure is a `Delivery`), return within the channel's timeout."""
        ...


class ChannelConfigError(ValueError):
    """A notification channel is only partly configured; the message names the missing setting."""


def build_channels(settings: Settings) -> dict[str, Channel]:
    """The active channels by name ("email", "webhook", "zalo"); empty when none is configured."""
    channels: dict[str, Channel] = {}
    if settings.smtp_host or settings.notify_email_to:
        if not settings.smtp_host:
            raise ChannelConfigError("Kênh e-mail: có notify_email_to nhưng thiếu smtp_host")
        if not settings.notify_email_to:
            raise ChannelConfigError("Kênh e-mail: có smtp_host nhưng thiếu notify_email_to (danh sách người nhận)")
        channels["email"] = EmailChannel(
            host=settings.smtp_host, port=settings.smtp_port, security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            sender=settings.notify_email_from, recipients=tuple(settings.notify_email_to),
            timeout_s=settings.smtp_timeout_s)
    if settings.notify_webhook_url:
        if not settings.notify_webhook_url.startswith(("https://", "http://")):
            raise ChannelConfigError(f"Kênh webhook: notify_webhook_url phải là URL http(s) "
                                     f"(nhận {settings.notify_webhook_url!r})")
        if settings.notify_webhook_secret is None or not settings.notify_webhook_secret.get_secret_value():
            raise ChannelConfigError("Kênh webhook: thiếu notify_webhook_secret (khóa ký HMAC)")
        channels["webhook"] = WebhookChannel(url=settings.notify_webhook_url,
                                             secret=settings.notify_webhook_secret.get_secret_value(),
                                             timeout_s=settings.notify_timeout_s)
    if settings.zalo_duty_officer_user_id:
        if settings.zalo_oa_access_token is None or not settings.zalo_oa_access_token.get_secret_value():
            raise ChannelConfigError("Kênh Zalo: có zalo_duty_officer_user_id nhưng thiếu zalo_oa_access_token")
        channels["zalo"] = ZaloChannel(base_url=settings.zalo_openapi_url,
                                       access_token=settings.zalo_oa_access_token.get_secret_value(),
                                       user_id=settings.zalo_duty_officer_user_id,
                                       timeout_s=settings.notify_timeout_s)
    return channels
