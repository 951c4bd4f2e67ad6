"""Log lines of the long-running commands, through Rich on stderr."""
from __future__ import annotations

import logging

from rich.console import Console


def rich_logging(console: Console, *, kafka_level: int = logging.ERROR, quiet: tuple[str, ...] = ()) -> None:
    """Log INFO and up through Rich (unless logging is configured already); the Kafka client only at
    ``kafka_level`` (the stages report broker trouble themselves); loggers in ``quiet`` only warn."""
    from rich.logging import RichHandler

    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(RichHandler(console=console, show_path=False, rich_tracebacks=False))
        root.setLevel(logging.INFO)
    logging.getLogger("kafka").setLevel(kafka_level)
    for name in quiet:
        logging.getLogger(name).setLevel(logging.WARNING)
