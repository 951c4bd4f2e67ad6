"""A local HTTP server that replays recorded responses of the remote sources (news sites, the Graph API, Zalo's
APIs) in their real formats, so the real spiders run against it in tests and in the demo.

Recordings are folders with a `manifest.yaml`: a list of entries

    - path: /vnexpress.net/rss/tin-moi-nhat.rss   # request path
      query: {since: "1751328000"}   # optional: parameters that must be present with these values (others ignored)
      method: GET                    # default GET
      status: 200                    # default 200
      headers: {Content-Type: "application/rss+xml; charset=utf-8"}
      body: vnexpress/rss-1.xml      # file next to the manifest; "{{base}}" in it becomes the server's base URL
      release_s: 0                   # timeline: served only this many (timeline) seconds after start
      times: 2                       # served at most this often, then the next matching entry applies
      delay_s: 0                     # wait before answering (timeouts)

Among the matching, released, not exhausted entries the one released last wins (ties: manifest order), so a feed
can gain items over time and a 503 can precede a 200. `speed` scales the timeline (10 = ten times faster).
ETag / If-None-Match revalidation is answered with 304, and `/robots.txt` allows everything unless recorded.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)

RECORDINGS = Path(__file__).parent / "recordings"


class ManifestEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    query: dict[str, str] = {}
    method: str = "GET"
    status: int = 200
    headers: dict[str, str] = {}
    body: str | None = None
    release_s: float = Field(0.0, ge=0)
    times: int | None = Field(None, ge=1)
    delay_s: float = Field(0.0, ge=0)


@dataclass
class _Recording:
    entry: ManifestEntry
    body: bytes
    order: int
    served: int = 0


def load_manifests(roots: Iterable[Path]) -> list[_Recording]:
    recordings: list[_Recording] = []
    for root in roots:
        for manifest in sorted(Path(root).rglob("manifest.yaml")):
            raw = yaml.safe_load(manifest.read_text(encoding="utf-8")) or []
            for number, item in enumerate(raw, 1):
                try:
                    entry = ManifestEntry.model_validate(item)
                except Exception as error:
                    raise ValueError(f"{manifest}: entry {number}: {error}") from error
                body = (manifest.parent / entry.body).read_bytes() if entry.body else b""
                recordings.append(_Recording(entry, body, len(recordings)))
    return recordings


class ReplayServer:
    """Serve recordings on loopback (context manager). `base_url` is known once started."""

    def __init__(self, recordings_dir: Path | Iterable[Path] = RECORDINGS, speed: float = 1.0,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        roots = [recordings_dir] if isinstance(recordings_dir, (str, Path)) else list(recordings_dir)
        self.recordings = load_manifests(Path(r) for r in roots)
        self.speed = speed
        self.host = host
        self.port = port
        self.requests: list[tuple[str, str]] = []  # (method, path with query), for tests and the demo view
        self.not_modified: list[str] = []  # paths answered 304 to a conditional GET
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._started = 0.0

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def timeline_s(self) -> float:
        return (time.monotonic() - self._started) * self.speed

    def start(self) -> ReplayServer:
        self._server = _QuietServer((self.host, self.port), _handler_for(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._server.serve_forever, name="replay-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def pick(self, method: str, path: str, query: dict[str, str]) -> _Recording | None:
        now = self.timeline_s()
        with self._lock:
            best: _Recording | None = None
            for recording in self.recordings:
                entry = recording.entry
                if (entry.method != method or entry.path != path or entry.release_s > now
                        or any(query.get(k) != v for k, v in entry.query.items())
                        or (entry.times is not None and recording.served >= entry.times)):
                    continue
                if best is None or entry.release_s > best.entry.release_s:
                    best = recording
            if best is not None:
                best.served += 1
            return best

    def render(self, body: bytes) -> bytes:
        return body.replace(b"{{base}}", self.base_url.encode())


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gives up on a delayed (recorded timeout) answer resets the connection: expected here.
        log.debug("replay: connection from %s closed early", client_address, exc_info=True)


def _handler_for(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            log.debug("replay: " + format, *args)

        def _answer(self) -> None:
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            server.requests.append((self.command, self.path))
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            recording = server.pick(self.command, parts.path, query)
            if recording is None and parts.path == "/robots.txt":
                self._send(200, {"Content-Type": "text/plain; charset=utf-8"}, b"User-agent: *\nAllow: /\n")
                return
            if recording is None:
                self._send(404, {"Content-Type": "text/plain; charset=utf-8"},
                           f"no recording for {self.command} {self.path}\n".encode())
                return
            entry = recording.entry
            if entry.delay_s:
                time.sleep(entry.delay_s)
            body = server.render(recording.body)
            headers = dict(entry.headers)
            if entry.status == 200:
                etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
                headers.setdefault("ETag", etag)
                if self.headers.get("If-None-Match") == headers["ETag"]:
                    server.not_modified.append(parts.path)
                    self._send(304, {"ETag": headers["ETag"]}, b"")
                    return
            self._send(entry.status, headers, body)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_HEAD = _answer

    return Handler


def render_sources(template: Path, base_url: str, out: Path) -> Path:
    """A recorded sources file with `{{base}}` pointed at a running replay server."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(template.read_text(encoding="utf-8").replace("{{base}}", base_url), encoding="utf-8")
    return out
