"""A session-wide osmem-server (in-memory, OpenSearch-compatible) for the Elasticsearch backend tests."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import osmem_server
import pytest

from common.bus.broker import death_signal_preexec

OSMEM_BIN = Path(osmem_server.__file__).parent / "bin" / "osmem-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def es_url() -> Iterator[str]:
    """URL of an osmem-server subprocess on a free port; killed at the end (and by the kernel if pytest dies)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([str(OSMEM_BIN), "-addr", f"127.0.0.1:{port}", "-no-ja", "-no-stdin-watch",
                             "-parent-pid", str(os.getpid())],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=death_signal_preexec())
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"osmem-server did not start (exit code {proc.poll()})") from None
                time.sleep(0.02)
        yield url
    finally:
        proc.kill()
        proc.wait(timeout=10)
