"""Rich tables of the bus state, shared by `crisiswatch topics` and the live view of `crisiswatch run`."""

from __future__ import annotations

from rich.table import Table

from common.bus import consumer_lag, topic_offsets
from common.settings import Settings


def topics_table(settings: Settings) -> Table:
    table = Table(title=f"Topic trên {settings.bootstrap_servers}")
    table.add_column("Topic")
    table.add_column("Partition", justify="right")
    table.add_column("Bản ghi", justify="right")
    for topic, end_offsets in sorted(topic_offsets(settings).items()):
        table.add_row(topic, str(len(end_offsets)), f"{sum(end_offsets.values()):,}")
    return table


def lag_table(settings: Settings) -> Table:
    table = Table(title="Độ trễ consumer (lag)")
    table.add_column("Group")
    table.add_column("Topic")
    table.add_column("Partition", justify="right")
    table.add_column("Đã commit", justify="right")
    table.add_column("Cuối log", justify="right")
    table.add_column("Lag", justify="right")
    rows = consumer_lag(settings)
    for row in rows:
        style = "red" if row.lag > 10_000 else "yellow" if row.lag > 0 else ""
        table.add_row(row.group, row.topic, str(row.partition),
                      "—" if row.committed is None else f"{row.committed:,}",
                      f"{row.end_offset:,}", f"[{style}]{row.lag:,}[/]" if style else f"{row.lag:,}")
    if not rows:
        table.caption = "Chưa có consumer group nào."
    return table
