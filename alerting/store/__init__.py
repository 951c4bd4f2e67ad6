"""The relational store: alerts (one per rule/key episode), their history, the notification outbox, playbook runs,
users, saved searches and the audit log. SQLAlchemy 2 + Alembic; SQLite by default, PostgreSQL in production."""
