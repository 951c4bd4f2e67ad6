"""Zalo Official Account: messages people send to the BHXH OA, as mentions (see README.md in this folder).

- `crawlers.zalo.webhook.create_app(settings)`: the webhook receiver (signature check, durable spool, 200).
- `crawlers.zalo.spool.Spool`: the crash-safe local spool (SQLite WAL, synchronous=FULL).
- `crawlers.zalo.forwarder.Forwarder`: spool → Kafka `mentions.raw` (ack-gated), bad entries → `mentions.dlq`.
- `crawlers.spiders.zalo.ZaloSpider`: backfill through the OA pull API (listrecentchat / conversation).
- `crawlers.zalo.token.TokenStore`: access/refresh token persistence and refresh (single-use refresh token).
- `crawlers.zalo.cli.register(app)`: the `zalo-*` commands.
"""
