"""`X-ZEvent-Signature` of Zalo OA webhook requests.

``X-ZEvent-Signature: mac=<hex>`` with ``hex = sha256(app_id + raw_body + timestamp + OA_secret_key)``: a plain
SHA-256 (not an HMAC) of the concatenation, where ``raw_body`` is the request body exactly as received, ``timestamp``
is the event's ``timestamp`` field and the key is the OA secret key (not the app secret). See the README for the
sources this was checked against. Some integrations report that Zalo also sends the timestamp in an
``X-ZEvent-Timestamp`` header; when that header is present its value is accepted as the timestamp too.
"""

from __future__ import annotations

import hashlib
import hmac
import re

HEADER = "X-ZEvent-Signature"
TIMESTAMP_HEADER = "X-ZEvent-Timestamp"

_MAC = re.compile(r"^\s*(?:mac\s*=\s*)?([0-9a-fA-F]{64})\s*$")


class SignatureError(ValueError):
    """Missing or malformed signature header (the request is rejected with 401)."""


def compute_mac(app_id: str, raw_body: bytes, timestamp: str, secret: str) -> str:
    digest = hashlib.sha256()
    digest.update(app_id.encode("utf-8"))
    digest.update(raw_body)
    digest.update(timestamp.encode("utf-8"))
    digest.update(secret.encode("utf-8"))
    return digest.hexdigest()


def signature_header(app_id: str, raw_body: bytes, timestamp: str, secret: str) -> str:
    """The header value Zalo would send for this body: ``mac=<hex>``."""
    return f"mac={compute_mac(app_id, raw_body, timestamp, secret)}"


def parse_header(value: str | None) -> str:
    """The hex digest of a header value (``mac=<64 hex>``; a bare digest is accepted too)."""
    if value is None or not value.strip():
        raise SignatureError(f"missing {HEADER} header")
    match = _MAC.match(value)
    if not match:
        raise SignatureError(f"malformed {HEADER} header: expected 'mac=<64 hex digits>'")
    return match.group(1).lower()


def verify(header_value: str | None, app_id: str, raw_body: bytes, timestamps: list[str], secret: str) -> bool:
    """True when the header matches one of the candidate timestamps. Constant-time comparison.
    Raises `SignatureError` when the header is missing or malformed."""
    given = parse_header(header_value).encode()
    ok = False
    for timestamp in dict.fromkeys(timestamps):
        expected = compute_mac(app_id, raw_body, timestamp, secret).encode()
        ok |= hmac.compare_digest(given, expected)
    return ok
