"""Strict decoding of a consumed record into a contract model, with errors that say what and where.

Each stage passes its own exception classes, so a dead letter's `dlq.error_class` names the stage that refused it
(`classifier.worker.InvalidJson`, `index.indexer.SchemaViolation`, ...).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ValidationError

from common.text import InvalidTextError, decode_utf8

if TYPE_CHECKING:
    from kafka.consumer.fetcher import ConsumerRecord

Model = TypeVar("Model", bound=BaseModel)
MAX_ERRORS_SHOWN = 20


def where(record: ConsumerRecord) -> str:
    """`topic[partition]@offset` of a record, for error messages."""
    return f"{record.topic}[{record.partition}]@{record.offset}"


def parse_strict(value: bytes, model: type[Model], place: str, *, encoding_error: type[Exception],
                 json_error: type[Exception], schema_error: type[Exception]) -> Model:
    """Strict UTF-8, then strict validation (no coercion: "3" is not a number; unknown fields are refused).
    Raises ``encoding_error``, ``json_error`` or ``schema_error`` with a message naming ``place``."""
    at = f" in {place}" if place else ""
    try:
        text = decode_utf8(value, where=place)
    except InvalidTextError as error:
        raise encoding_error(str(error)) from None
    try:
        return model.model_validate_json(text, strict=True)
    except ValidationError as error:
        problems = error.errors(include_url=False, include_input=False)
        if problems and problems[0]["type"] == "json_invalid":
            raise json_error(f"invalid JSON{at}: {problems[0]['msg'].removeprefix('Invalid JSON: ')}") from None
        shown = "; ".join(f"{'.'.join(map(str, p['loc'])) or '(record)'}: {p['msg']}"
                          for p in problems[:MAX_ERRORS_SHOWN])
        more = f" (+{len(problems) - MAX_ERRORS_SHOWN} more)" if len(problems) > MAX_ERRORS_SHOWN else ""
        raise schema_error(f"not a valid {model.__name__}{at}: {len(problems)} error(s): {shown}{more}") from None
