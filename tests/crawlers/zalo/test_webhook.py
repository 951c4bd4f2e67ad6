"""The webhook receiver: signature (401), malformed bodies (400 with where), storage before 200, health."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from common.settings import Settings
from crawlers.zalo import signature
from crawlers.zalo.send_events import load_events, prepare, signed_request
from crawlers.zalo.spool import Spool
from crawlers.zalo.webhook import WEBHOOK_PATH, WebhookConfigError, create_app
from tests.crawlers.zalo.helpers import APP_ID, OA_SECRET, make_client, signed, text_event


@pytest.fixture
def client(zalo_settings: Settings):  # type: ignore[no-untyped-def]
    with make_client(create_app(zalo_settings)) as client:
        yield client


def spool_bodies(settings: Settings) -> list[bytes]:
    with Spool.from_settings(settings) as spool:
        return [entry.body for entry in spool.pending(1000)]


# -- signature ----------------------------------------------------------------------------------------------------


def test_signature_formula_matches_a_hand_computed_digest() -> None:
    import hashlib

    body = b'{"event_name":"user_send_text","timestamp":"1752541200000"}'
    expected = hashlib.sha256(b"123" + body + b"1752541200000" + b"secret").hexdigest()
    assert signature.signature_header("123", body, "1752541200000", "secret") == f"mac={expected}"
    assert signature.verify(f"mac={expected.upper()}", "123", body, ["1752541200000"], "secret")
    assert not signature.verify(f"mac={expected}", "123", body + b" ", ["1752541200000"], "secret")


def test_valid_signature_is_stored_before_200(client, zalo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    body, headers = signed(text_event("m-1", "Cho em hỏi rút BHXH một lần"))
    response = client.post(WEBHOOK_PATH, content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["event_name"] == "user_send_text"
    assert spool_bodies(zalo_settings) == [body]  # the RAW bytes, unchanged


@pytest.mark.parametrize("mutation", ["other_secret", "body_changed", "other_app", "other_timestamp"])
def test_invalid_signature_is_401(client, zalo_settings: Settings, mutation: str) -> None:  # type: ignore[no-untyped-def]
    body = text_event("m-1", "xin chào")
    stamp = "1752541200000"
    secret, app_id = OA_SECRET, APP_ID
    if mutation == "other_secret":
        secret = "not-the-secret"
    elif mutation == "other_app":
        app_id = "999"
    elif mutation == "other_timestamp":
        stamp = "1752541200001"
    headers = signed_request(body, app_id, secret, stamp)
    if mutation == "body_changed":
        body = body.replace("xin chào".encode(), "xin chao".encode())
    response = client.post(WEBHOOK_PATH, content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_signature"
    assert "sha256(app_id + body + timestamp + OA secret key)" in response.json()["message"]
    assert spool_bodies(zalo_settings) == []


@pytest.mark.parametrize("header, code", [(None, "missing_signature"), ("", "missing_signature"),
                                          ("mac=xyz", "malformed_signature"), ("sha256=" + "a" * 64,
                                                                               "malformed_signature")])
def test_missing_or_malformed_signature_is_401(client, header: str | None, code: str) -> None:  # type: ignore[no-untyped-def]
    headers = {} if header is None else {signature.HEADER: header}
    response = client.post(WEBHOOK_PATH, content=text_event("m-1", "hi"), headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == code
    assert signature.HEADER in response.json()["message"]
    assert client.get("/health").json()["webhook"]["rejected_signature"] == 1


def test_bare_digest_and_timestamp_header_are_accepted(client) -> None:  # type: ignore[no-untyped-def]
    body = text_event("m-1", "hi")
    bare = signature.compute_mac(APP_ID, body, "1752541200000", OA_SECRET)
    assert client.post(WEBHOOK_PATH, content=body, headers={signature.HEADER: bare}).status_code == 200
    # signed with the X-ZEvent-Timestamp header's value instead of the body's
    body = text_event("m-2", "hi")
    mac = signature.signature_header(APP_ID, body, "1752541299999", OA_SECRET)
    response = client.post(WEBHOOK_PATH, content=body,
                           headers={signature.HEADER: mac, signature.TIMESTAMP_HEADER: "1752541299999"})
    assert response.status_code == 200


def test_every_recorded_event_is_accepted(client, zalo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    events = load_events()
    assert len(events) >= 17
    for event in events:
        body, headers = signed(event.body)
        response = client.post(WEBHOOK_PATH, content=body, headers=headers)
        assert response.status_code == 200, (event.name, response.text)
    health = client.get("/health").json()
    kinds = health["webhook"]["kinds"]
    # echo, follow/unfollow and the sticker are stored like everything else (the forwarder skips them)
    assert kinds["message"] >= 13 and kinds["echo"] == 1 and kinds["follow"] == 1 and kinds["unfollow"] == 1
    assert kinds["no_text"] == 1
    assert health["spool"]["pending"] == len(events)
    assert len(spool_bodies(zalo_settings)) == len(events)


# -- malformed bodies ---------------------------------------------------------------------------------------------


def _post_signed_raw(client, body: bytes, timestamp: str = "1752541200000"):  # type: ignore[no-untyped-def]
    return client.post(WEBHOOK_PATH, content=body, headers=signed_request(body, APP_ID, OA_SECRET, timestamp))


@pytest.mark.parametrize("body, where, words", [
    (b'{"event_name":"user_send_text", "timestamp":"1752541200000",}', "line 1 column 61", "invalid JSON"),
    (b'{"event_name":"user_send_text",\n "timestamp":"17525\xff41200000"}', "byte 51", "invalid UTF-8"),
    (b"[1, 2]", "$", "expected a JSON object"),
    (b"", None, "empty body"),
    (b'{"event_name":"user_send_text"}', "timestamp", "missing"),
    (b'{"event_name":"user_send_text","timestamp":"1752541200"}', "timestamp", "13 digits"),
])
def test_undecodable_bodies_are_400_with_where(client, body: bytes, where: str | None, words: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post(WEBHOOK_PATH, content=body, headers={signature.HEADER: "mac=" + "0" * 64})
    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["error"] == "malformed_body"
    assert words in answer["message"]
    if where:
        assert answer["where"] == where or answer["where"].startswith(where + " ")


@pytest.mark.parametrize("mutate, where", [
    (lambda e: e["message"].pop("msg_id"), "message.msg_id"),
    (lambda e: e["sender"].pop("id"), "sender.id"),
    (lambda e: e.pop("recipient"), "recipient.id"),
    (lambda e: e["message"].pop("text"), "message.text"),
    (lambda e: e["message"].update(text=12), "message.text"),
    (lambda e: e["message"].update(msg_id=1.5e18), "message.msg_id"),  # a float id would lose digits
    (lambda e: e["sender"].update(id=True), "sender.id"),
    (lambda e: e.update(message="hello"), "message"),
    (lambda e: e.update(event_name=""), "event_name"),
])
def test_signed_events_with_bad_fields_are_400_with_the_path(client, zalo_settings: Settings, mutate,  # type: ignore[no-untyped-def]
                                                             where: str) -> None:
    event = json.loads(text_event("m-1", "hi"))
    mutate(event)
    body = json.dumps(event).encode()
    response = _post_signed_raw(client, body)
    assert response.status_code == 400, response.text
    assert response.json()["where"] == where
    assert spool_bodies(zalo_settings) == []


def test_ids_sent_as_numbers_are_kept_exact(client, zalo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    body = (b'{"app_id":1784562930182736450,"sender":{"id":5812340918273645099},"recipient":{"id":2349871650938475612},'
            b'"event_name":"user_send_text","message":{"text":"hi","msg_id":"x1"},"timestamp":1752541200000}')
    response = client.post(WEBHOOK_PATH, content=body,
                           headers=signed_request(body, APP_ID, OA_SECRET, "1752541200000"))
    assert response.status_code == 200, response.text
    from crawlers.zalo.events import parse_body

    assert parse_body(body).sender_id == "5812340918273645099"  # not 5812340918273645000 (float rounding)


def test_oversized_body_is_400(client, zalo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    big = text_event("m-big", "a" * 1_100_000)
    response = _post_signed_raw(client, big)
    assert response.status_code == 400
    assert response.json()["error"] == "body_too_large" and response.json()["where"] == "body"

    def chunks():  # type: ignore[no-untyped-def]
        yield big[:600_000]
        yield big[600_000:]

    response = client.post(WEBHOOK_PATH, content=chunks(), headers={signature.HEADER: "mac=" + "0" * 64})
    assert response.status_code == 400  # streamed without Content-Length: counted while reading
    assert response.json()["error"] == "body_too_large"
    assert spool_bodies(zalo_settings) == []


def test_unsigned_empty_probe_is_answered_without_storing(client, zalo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    assert client.post(WEBHOOK_PATH, content=b"{}").status_code == 200
    assert client.get(WEBHOOK_PATH).status_code == 200
    assert spool_bodies(zalo_settings) == []
    assert client.get("/health").json()["webhook"]["probes"] == 1


def test_unknown_event_types_are_stored(client, zalo_settings: Settings) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps({"app_id": APP_ID, "event_name": "user_seen_message", "timestamp": "1752541200000",
                       "sender": {"id": "1"}, "recipient": {"id": "2"},
                       "message": {"msg_ids": ["a", "b"]}}).encode()
    assert _post_signed_raw(client, body).status_code == 200
    assert client.get("/health").json()["webhook"]["kinds"] == {"other": 1}


# -- failure modes -------------------------------------------------------------------------------------------------


def test_spool_failure_answers_503_so_zalo_retries(zalo_settings: Settings) -> None:
    class BrokenSpool(Spool):
        def append_many(self, items):  # type: ignore[no-untyped-def]
            raise OSError(28, "No space left on device")

    spool = BrokenSpool(zalo_settings.state_dir / "broken")
    with make_client(create_app(zalo_settings, spool)) as client:
        body, headers = signed(text_event("m-1", "hi"))
        response = client.post(WEBHOOK_PATH, content=body, headers=headers)
        assert response.status_code == 503
        assert client.get("/health").json()["webhook"]["spool_errors"] == 1
    spool.close()


def test_without_oa_secret_the_webhook_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(WebhookConfigError, match="zalo_oa_secret_key"):
        create_app(Settings(state_dir=tmp_path))


def test_concurrent_requests_share_fsyncs_and_all_are_stored(zalo_settings: Settings) -> None:
    import asyncio

    import httpx

    app = create_app(zalo_settings)
    calls: list[int] = []

    async def main() -> list[int]:
        async with app.router.lifespan_context(app):
            spool = app.state.spool
            original = spool.append_many

            def counting(items):  # type: ignore[no-untyped-def]
                calls.append(len(items))
                return original(items)

            spool.append_many = counting
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                bodies = [signed(text_event(f"m-{i}", f"tin nhắn {i}")) for i in range(200)]
                responses = await asyncio.gather(*(http.post(WEBHOOK_PATH, content=b, headers=h) for b, h in bodies))
            return [r.status_code for r in responses]

    statuses = asyncio.run(main())
    assert statuses == [200] * 200
    assert sum(calls) == 200
    assert len(calls) < 200  # group commit: fewer transactions (fsyncs) than requests
    assert len(spool_bodies(zalo_settings)) == 200


def test_recorded_event_can_be_retimed_and_resigned() -> None:
    event = load_events()[1]
    body, stamp = prepare(event.body, app_id="demo-app", timestamp_ms=1800000000000)
    data = json.loads(body)
    assert data["app_id"] == "demo-app" and data["timestamp"] == stamp == "1800000000000"
    assert data["message"]["msg_id"] == json.loads(event.body)["message"]["msg_id"]
