"""The e-mail channel against a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import socket
import ssl
from collections.abc import Iterator
from email import policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from alerting.notify.mail import EmailChannel
from alerting.notify.messages import build_notification
from alerting.notify.retry import DeliveryStatus
from tests.alerting.notify.samples import make_update

RECIPIENTS = ("truc.ban@bhxh.example", "lanh.dao@bhxh.example")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """Accepts mail, or answers with a scripted reply at RCPT / DATA."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd hook
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


def channel(port: int, **overrides: Any) -> EmailChannel:
    options: dict[str, Any] = dict(host="127.0.0.1", port=port, security="none", sender="crisiswatch@bhxh.example",
                                   recipients=RECIPIENTS, timeout_s=5)
    options.update(overrides)
    return EmailChannel(**options)


def notification():
    return build_notification(make_update(), 7, "https://cw.bhxh.example", notification_id="n42")


def test_delivers_a_vietnamese_multipart_message(smtp) -> None:
    recorder, port = smtp
    delivery = channel(port).send(notification())
    assert delivery.status is DeliveryStatus.sent, delivery.error
    (envelope,) = recorder.envelopes
    assert envelope.mail_from == "crisiswatch@bhxh.example"
    assert envelope.rcpt_tos == list(RECIPIENTS)
    raw = envelope.original_content
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0].lower()  # the Vietnamese subject is RFC 2047 encoded
    received = email.message_from_bytes(raw, policy=policy.default)
    assert received["Subject"] == notification().message.subject
    assert "Nghiêm trọng" in received["Subject"]
    assert received["To"] == ", ".join(RECIPIENTS)
    assert "n42" in received["Message-ID"] and received["X-Crisiswatch-Alert"] == "7"
    plain = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "Lượt tiếp cận: 185.400" in plain
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_server_down_is_retried() -> None:
    delivery = channel(free_port()).send(notification())
    assert delivery.status is DeliveryStatus.retry
    assert "không kết nối được" in delivery.error and "127.0.0.1" in delivery.error


def test_rejected_recipients_are_a_permanent_failure(smtp) -> None:
    recorder, port = smtp
    recorder.rcpt_reply = "550 5.1.1 No such user"
    delivery = channel(port).send(notification())
    assert delivery.status is DeliveryStatus.permanent_failure
    assert "mọi người nhận bị từ chối" in delivery.error and "550" in delivery.error


def test_temporary_rejection_is_retried(smtp) -> None:
    recorder, port = smtp
    recorder.data_reply = "451 4.3.0 Mailbox busy, try later"
    delivery = channel(port).send(notification())
    assert delivery.status is DeliveryStatus.retry and "451" in delivery.error


def test_starttls_required_but_not_offered_is_permanent(smtp) -> None:
    _, port = smtp
    delivery = channel(port, security="starttls").send(notification())
    assert delivery.status is DeliveryStatus.permanent_failure
    assert "smtp_security" in delivery.error


def test_no_recipients_is_permanent() -> None:
    delivery = channel(free_port(), recipients=()).send(notification())
    assert delivery.status is DeliveryStatus.permanent_failure and "notify_email_to" in delivery.error


# --- TLS: a self-signed certificate for 127.0.0.1 ------------------------------------------------------------------
@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smtp.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


def _server_context(certificate: tuple[str, str]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_modes_deliver_and_untrusted_certificates_fail_permanently(certificate, security: str) -> None:
    recorder, port = Recorder(), free_port()
    server_context = _server_context(certificate)
    options: dict[str, Any] = ({"tls_context": server_context, "require_starttls": True} if security == "starttls"
                               else {"ssl_context": server_context})
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        trusted = ssl.create_default_context(cafile=certificate[0])
        delivery = channel(port, security=security, ssl_context=trusted).send(notification())
        assert delivery.status is DeliveryStatus.sent, delivery.error
        assert len(recorder.envelopes) == 1
        untrusted = channel(port, security=security).send(notification())  # system CAs do not know this cert
        assert untrusted.status is DeliveryStatus.permanent_failure and "lỗi TLS" in untrusted.error
    finally:
        controller.stop()
