"""Zalo OA customer-service message to the duty officer (Zalo OA API v3.0).

``POST {zalo_openapi_url}/v3.0/oa/message/cs`` with header ``access_token`` and body
``{"recipient":{"user_id":"…"},"message":{"text":"…"}}`` (text ≤ 2,000 characters). Zalo answers HTTP 200 with
``{"error":0,"message":"Success","data":{"message_id","user_id"}}`` or a negative ``error`` code. The duty officer
must follow the OA and have interacted with it recently (Zalo's consultation-message window), otherwise Zalo
refuses the message: that is a permanent failure here (the e-mail and webhook channels still deliver).

Error codes (Zalo OA API documentation and observed responses):

- retry: -32 (app rate limit exceeded), -224 (OA quota for the period exhausted) and HTTP 5xx, timeouts,
  connection errors, unparseable answers;
- permanent: -216 / -124 (access token invalid / expired: renew ``zalo_oa_access_token``), -213 (user does not
  follow the OA), -230 (user has not interacted with the OA in the allowed window), -201 (invalid parameters,
  e.g. wrong user id), and any other code (reported with Zalo's own message).

The access token is read from settings (not the crawler's token file): the crawlers own the refresh cycle of the
pull token; an operator sets the token used for sending explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from alerting.notify.messages import ZALO_MAX_CHARS, Notification
from alerting.notify.retry import Delivery

SEND_PATH = "/v3.0/oa/message/cs"

RATE_LIMITED = {-32: "vượt giới hạn tần suất gọi API", -224: "OA đã hết hạn mức gửi tin trong kỳ"}
PERMANENT = {
    -216: "access token không hợp lệ: cập nhật zalo_oa_access_token",
    -124: "access token đã hết hạn: cập nhật zalo_oa_access_token",
    -213: "cán bộ trực chưa quan tâm (follow) OA",
    -230: "cán bộ trực chưa tương tác với OA trong thời hạn Zalo cho phép gửi tin tư vấn",
    -201: "tham số không hợp lệ (kiểm tra zalo_duty_officer_user_id)",
}
RATE_LIMIT_WAIT = timedelta(minutes=1)


@dataclass(frozen=True)
class ZaloChannel:
    base_url: str
    access_token: str = field(repr=False)
    user_id: str
    timeout_s: float = 10.0
    name: str = "zalo"

    def request_body(self, notification: Notification) -> dict[str, Any]:
        text = notification.message.short[:ZALO_MAX_CHARS]
        return {"recipient": {"user_id": self.user_id}, "message": {"text": text}}

    def send(self, notification: Notification) -> Delivery:
        where = "Zalo OA"
        try:
            with httpx.Client(timeout=self.timeout_s, follow_redirects=False) as client:
                response = client.post(self.base_url.rstrip("/") + SEND_PATH, json=self.request_body(notification),
                                       headers={"access_token": self.access_token})
        except httpx.TimeoutException:
            return Delivery.retry(f"{where}: quá thời gian chờ {self.timeout_s:g}s")
        except httpx.TransportError as error:
            return Delivery.retry(f"{where}: không kết nối được ({type(error).__name__}: {error})")
        except Exception as error:  # noqa: BLE001 - a sender never raises into the outbox loop
            return Delivery.permanent_failure(f"{where}: lỗi không mong đợi {type(error).__name__}: {error}")
        if response.status_code >= 500 or response.status_code == 429:
            return Delivery.retry(f"{where}: HTTP {response.status_code}")
        if response.status_code != 200:
            return Delivery.permanent_failure(f"{where}: HTTP {response.status_code}")
        try:
            answer = response.json()
            code = int(answer["error"])
        except (ValueError, KeyError, TypeError):
            return Delivery.retry(f"{where}: câu trả lời không đọc được: {response.text[:200]!r}")
        if code == 0:
            message_id = (answer.get("data") or {}).get("message_id")
            return Delivery.sent(detail=f"message_id={message_id}" if message_id else None)
        zalo_message = str(answer.get("message", ""))
        if code in RATE_LIMITED:
            return Delivery.retry(f"{where}: lỗi {code} ({zalo_message}): {RATE_LIMITED[code]}", after=RATE_LIMIT_WAIT)
        meaning = PERMANENT.get(code, "lỗi không xác định")
        return Delivery.permanent_failure(f"{where}: lỗi {code} ({zalo_message}): {meaning}")
