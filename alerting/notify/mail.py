"""Alert e-mail over SMTP (smtplib): a text and an HTML part, UTF-8 headers, STARTTLS / implicit TLS / none.

Failure mapping (never raised): cannot connect, timeout, disconnect, 4xx replies → retry; 5xx replies, rejected
login, a server without STARTTLS when STARTTLS is required, TLS handshake errors → permanent failure.
Recipients the server refuses while accepting others are reported in ``detail`` of a ``sent`` delivery.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from typing import Literal

from alerting.notify.messages import Notification
from alerting.notify.retry import Delivery

Security = Literal["none", "starttls", "ssl"]


@dataclass(frozen=True)
class EmailChannel:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    security: Security = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_s: float = 10.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)  # None = system CAs, hostname checked
    name: str = "email"

    def build_message(self, notification: Notification) -> MIMEMultipart:
        # The compat32 MIME classes on purpose: Python 3.11's default-policy folder drops the space between two
        # RFC 2047 encoded words ("Cảnh báo mới" arrives as "Cảnh báomới"); `Header` keeps spaces inside words.
        msg = MIMEMultipart("alternative")
        msg["Subject"] = Header(notification.message.subject, "utf-8")
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Date"] = formatdate(notification.created_at.timestamp(), localtime=False)
        domain = self.sender.rpartition("@")[2] or "crisiswatch.local"
        msg["Message-ID"] = make_msgid(idstring=notification.id, domain=domain)
        msg["X-Crisiswatch-Alert"] = notification.alert_id
        msg.attach(MIMEText(notification.message.text, "plain", "utf-8"))
        msg.attach(MIMEText(notification.message.html, "html", "utf-8"))
        return msg

    def _connect(self) -> smtplib.SMTP:
        context = self.ssl_context or ssl.create_default_context()
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s, context=context)
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        if self.security == "starttls":
            client.ehlo()
            client.starttls(context=context)
            client.ehlo()
        return client

    def send(self, notification: Notification) -> Delivery:
        where = f"E-mail qua {self.host}:{self.port}"
        if not self.recipients:
            return Delivery.permanent_failure(f"{where}: chưa cấu hình người nhận (notify_email_to)")
        try:
            message = self.build_message(notification)
            client = self._connect()
            try:
                if self.username:
                    client.login(self.username, self.password or "")
                refused = client.send_message(message, from_addr=self.sender, to_addrs=list(self.recipients))
            finally:
                try:
                    client.quit()
                except (smtplib.SMTPException, OSError):
                    client.close()
        except smtplib.SMTPNotSupportedError as error:
            return Delivery.permanent_failure(f"{where}: máy chủ không hỗ trợ {error} (kiểm tra smtp_security)")
        except smtplib.SMTPAuthenticationError as error:
            return Delivery.permanent_failure(f"{where}: đăng nhập bị từ chối ({_reply(error)})")
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            detail = "; ".join(f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in error.recipients.items())
            if all(code >= 500 for code in codes):
                return Delivery.permanent_failure(f"{where}: mọi người nhận bị từ chối ({detail})")
            return Delivery.retry(f"{where}: người nhận tạm thời bị từ chối ({detail})")
        except smtplib.SMTPResponseException as error:
            if error.smtp_code >= 500:
                return Delivery.permanent_failure(f"{where}: máy chủ từ chối thư ({_reply(error)})")
            return Delivery.retry(f"{where}: máy chủ tạm thời từ chối ({_reply(error)})")
        except ssl.SSLError as error:
            return Delivery.permanent_failure(f"{where}: lỗi TLS ({error}); kiểm tra smtp_security và chứng chỉ")
        except (smtplib.SMTPServerDisconnected, socket.timeout, TimeoutError) as error:
            return Delivery.retry(f"{where}: mất kết nối hoặc quá thời gian chờ {self.timeout_s:g}s ({error})")
        except (smtplib.SMTPException, OSError) as error:
            return Delivery.retry(f"{where}: không kết nối được ({error})")
        except Exception as error:  # noqa: BLE001 - a sender never raises into the outbox loop
            return Delivery.permanent_failure(f"{where}: lỗi không mong đợi {type(error).__name__}: {error}")
        if refused:
            listed = ", ".join(f"{rcpt} ({code})" for rcpt, (code, _) in refused.items())
            return Delivery.sent(detail=f"một số người nhận bị từ chối: {listed}")
        return Delivery.sent(detail=message["Message-ID"])


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _reply(error: smtplib.SMTPResponseException) -> str:
    return f"{error.smtp_code} {_text(error.smtp_error)}"
