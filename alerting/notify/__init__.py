"""Alert notifications: e-mail (SMTP), a signed generic webhook and a Zalo OA message to the duty officer.

Every sender turns every failure into a :class:`~alerting.notify.retry.Delivery` (never an exception), with a
bounded timeout, so a slow or broken channel cannot stall rule evaluation: the store keeps an outbox and calls the
channels from its own loop, rescheduling ``retry`` outcomes with :func:`~alerting.notify.retry.backoff`.
"""

from alerting.notify.channels import Channel, ChannelConfigError, build_channels
from alerting.notify.messages import AlertMessage, Notification, build_notification, compose
from alerting.notify.retry import Delivery, DeliveryStatus, RetryPolicy, backoff

__all__ = ["AlertMessage", "Channel", "ChannelConfigError", "Delivery", "DeliveryStatus", "Notification",
           "RetryPolicy", "backoff", "build_channels", "build_notification", "compose"]
