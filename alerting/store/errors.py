"""Errors of the relational store. Every message is Vietnamese: it reaches the dashboard and the CLI as is."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error the store raises on purpose (callers catch this one)."""


class NotFoundError(StoreError):
    """An id or name that does not exist."""


class InvalidTransitionError(StoreError):
    """An action that the current state does not allow (completing a done step, acting on a closed run...)."""


class ValidationError(StoreError):
    """A value the store refuses to keep (unknown role, empty name, naive datetime...)."""


class SchemaError(StoreError):
    """The database schema is not the one this code expects (run ``crisiswatch db upgrade``)."""


class LeaseLostError(StoreError):
    """A notification worker reports on a row it no longer holds (its lease expired and another worker took it)."""
