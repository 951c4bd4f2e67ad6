"""tantivy-specific behaviour: the commit policy and a real kill -9 (the shared contract is in test_contract.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from index.tantivy_backend import IndexSchemaError, TantivyBackend
from tests.index.test_contract import FIXTURES


def test_commit_policy(tmp_path: Path) -> None:
    with TantivyBackend(tmp_path / "every3", commit_every=3, commit_interval=3600) as b:
        b.index(FIXTURES[:2])
        assert b.pending == 2 and b.count() == 0  # not committed yet: not searchable
        b.index(FIXTURES[2:3])
        assert b.pending == 0 and b.count() == 3
    with TantivyBackend(tmp_path / "timed", commit_every=10**6, commit_interval=0) as b:
        b.index(FIXTURES[:1])
        assert b.pending == 0 and b.count() == 1


_CRASHER = """
import sys, time
sys.path[:0] = {paths!r}
from tests.index.test_contract import FIXTURES
import pytest

from index.tantivy_backend import IndexSchemaError, TantivyBackend
b = TantivyBackend({path!r}, commit_every=10**6, commit_interval=3600)
b.index(FIXTURES[:3])
b.commit()
b.index(FIXTURES[3:])  # never committed
print("ready", flush=True)
time.sleep(60)
"""


def test_kill_9_loses_only_uncommitted_writes_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "idx"
    root = str(Path(__file__).resolve().parents[2])
    proc = subprocess.Popen([sys.executable, "-c", _CRASHER.format(paths=[root], path=str(path))],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    with TantivyBackend(path) as reopened:  # the lock of the dead writer does not block a new one
        assert reopened.count() == 3
        reopened.index(FIXTURES)
        reopened.commit()
        assert reopened.count() == len(FIXTURES)


def test_an_index_with_another_schema_is_refused_with_what_to_do(tmp_path: Path) -> None:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("_id", tokenizer_name="raw")
    tantivy.Index(builder.build(), path=str(tmp_path))  # e.g. written by an older version
    with pytest.raises(IndexSchemaError, match=f"{tmp_path}.*lược đồ cũ.*đánh chỉ mục lại"):
        TantivyBackend(tmp_path)
