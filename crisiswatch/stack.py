"""The embedded stack behind `crisiswatch run`: everything on one machine, stopped cleanly on Ctrl-C/SIGTERM.

Today it runs the bus (embedded Tansu broker unless `kafka_bootstrap_servers` is set); each stage issue adds its
component here.
"""

from __future__ import annotations

import signal
import threading
from contextlib import ExitStack

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from common.bus import EmbeddedBroker, ensure_topics
from common.settings import Settings
from crisiswatch.status import lag_table, topics_table


class EmbeddedStack:
    def __init__(self, settings: Settings, console: Console, refresh_s: float = 1.0) -> None:
        self.settings = settings
        self.console = console
        self.refresh_s = refresh_s
        self._resources = ExitStack()
        self._stop = threading.Event()

    @property
    def topics(self) -> list[str]:
        return [self.settings.topic_raw, self.settings.topic_classified, self.settings.topic_dlq]

    def __enter__(self) -> EmbeddedStack:
        settings = self.settings
        try:
            if settings.embedded_broker:
                broker = EmbeddedBroker(host=settings.broker_host, port=settings.broker_port, topics=self.topics,
                                        partitions=settings.topic_partitions,
                                        log_path=settings.state_dir / "broker.log")
                self._resources.enter_context(broker)
                self.console.print(f"[green]✓[/green] Broker nhúng: {broker.bootstrap_servers}")
            else:
                ensure_topics(settings, self.topics, settings.topic_partitions)
                self.console.print(f"[green]✓[/green] Kafka: {settings.bootstrap_servers}")
        except BaseException:
            self._resources.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.console.print("Đang dừng…")
        self._resources.close()

    def stop(self) -> None:
        self._stop.set()

    def _view(self) -> Group:
        hint = Text("Ctrl-C để dừng. Cấu hình: crisiswatch settings", style="dim")
        return Group(topics_table(self.settings), lag_table(self.settings), hint)

    def watch(self) -> None:
        """Live topics and consumer-lag view until Ctrl-C or SIGTERM."""
        previous = signal.signal(signal.SIGTERM, lambda *_: self.stop())
        try:
            with Live(self._view(), console=self.console, refresh_per_second=2, transient=False) as live:
                while not self._stop.wait(self.refresh_s):
                    live.update(self._view())
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
