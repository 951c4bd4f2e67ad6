"""The known-claims registry: a versioned YAML file of refuted claims (``common/data/claims.yaml``).

Shared by the stages: the classifier matches posts against it, alerting quotes its approved rebuttals.

Strict like the wire schema: unknown keys and duplicate ids are errors, and every error names the claim (its id,
or its position when the id itself is missing) and the key.
"""
from __future__ import annotations

import os
import tempfile
from datetime import date as Date
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from common.schema import Topic

DEFAULT_CLAIMS_FILE = Path(__file__).resolve().parent / "data" / "claims.yaml"

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
Text = Annotated[str, Field(min_length=1)]


class RegistryError(ValueError):
    """The registry file is unreadable or invalid; the message names the claim and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClaimSource(_Strict):
    name: Text  # who refuted it, e.g. "BHXH Việt Nam"
    reference: Text  # URL-like reference
    illustrative: bool = True  # the reference is an example, not a verified link


class Claim(_Strict):
    id: Slug
    claim: Text  # the false statement, in Vietnamese
    paraphrases: Annotated[list[Text], Field(min_length=4)]  # as people write it (teencode, no diacritics, ...)
    rebuttal: Text  # official rebuttal, Vietnamese
    source: ClaimSource
    date: Date
    topic: Topic

    @field_validator("claim", "rebuttal")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value


class Registry(_Strict):
    version: Annotated[int, Field(ge=1)]
    claims: list[Claim]

    @model_validator(mode="after")
    def _unique_ids(self) -> "Registry":
        seen: set[str] = set()
        for claim in self.claims:
            if claim.id in seen:
                raise ValueError(f"duplicate claim id {claim.id!r}")
            seen.add(claim.id)
        return self

    def get(self, claim_id: str) -> Claim:
        for claim in self.claims:
            if claim.id == claim_id:
                return claim
        raise KeyError(claim_id)


_CLAIM_KEYS = set(Claim.model_fields)
_TOP_KEYS = set(Registry.model_fields)


def _claim_name(raw: Any, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"]:
        return f"claim {raw['id']!r}"
    return f"claim #{index + 1}"


def parse_registry(data: Any, *, where: str = "registry") -> Registry:
    """Validate already-parsed YAML data; raise :class:`RegistryError` with readable messages."""
    if not isinstance(data, dict):
        raise RegistryError(f"{where}: expected a mapping with 'version' and 'claims'")
    for key in data:
        if key not in _TOP_KEYS:
            raise RegistryError(f"{where}: unknown top-level key {key!r}")
    raw_claims = data.get("claims")
    if isinstance(raw_claims, list):
        for index, raw in enumerate(raw_claims):
            if isinstance(raw, dict):
                unknown = sorted(str(k) for k in raw if k not in _CLAIM_KEYS)
                if unknown:
                    raise RegistryError(f"{where}: {_claim_name(raw, index)}: unknown key(s) {', '.join(map(repr, unknown))}")
    try:
        return Registry.model_validate(data)
    except ValidationError as error:
        messages = []
        for item in error.errors():
            loc = list(item["loc"])
            prefix = where
            if len(loc) >= 2 and loc[0] == "claims" and isinstance(loc[1], int) and isinstance(raw_claims, list):
                prefix += f": {_claim_name(raw_claims[loc[1]], loc[1])}"
                loc = loc[2:]
            field = ".".join(str(part) for part in loc)
            messages.append(f"{prefix}: {field + ': ' if field else ''}{item['msg']}")
        raise RegistryError("\n".join(messages)) from None


def load_registry(path: str | Path | None = None) -> Registry:
    path = Path(path) if path is not None else DEFAULT_CLAIMS_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RegistryError(f"{path}: cannot read: {error}") from error
    except yaml.YAMLError as error:
        raise RegistryError(f"{path}: invalid YAML: {error}") from error
    return parse_registry(data, where=str(path))


def dump_registry(registry: Registry) -> str:
    data = registry.model_dump(mode="json")
    header = ("# Sổ đăng ký các tin đồn đã được bác bỏ (crisiswatch). Các đường dẫn `source.reference` có\n"
              "# `illustrative: true` chỉ mang tính minh họa.\n")
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)


def save_registry(registry: Registry, path: str | Path) -> None:
    """Write atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    text = dump_registry(registry)
    parse_registry(yaml.safe_load(text), where=str(path))  # round-trip check before replacing the file
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_claim(path: str | Path, claim: dict[str, Any]) -> Registry:
    """Validate ``claim`` against the registry at ``path``, append it, bump ``version`` and save. Returns the new
    registry; raises :class:`RegistryError` (nothing written) when the claim or the result is invalid."""
    current = load_registry(path)
    data = current.model_dump(mode="json")
    data["claims"].append(claim)
    data["version"] = current.version + 1
    updated = parse_registry(data, where=str(path))
    save_registry(updated, path)
    return updated
