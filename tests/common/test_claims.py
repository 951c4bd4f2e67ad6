from __future__ import annotations

import copy

import pytest
import yaml

from common.claims import DEFAULT_CLAIMS_FILE, RegistryError, load_registry, parse_registry
from common.schema import Topic


@pytest.fixture
def data() -> dict:
    return yaml.safe_load(DEFAULT_CLAIMS_FILE.read_text(encoding="utf-8"))


def test_packaged_registry_is_valid_and_covers_the_crisis_types() -> None:
    registry = load_registry()
    assert registry.version >= 1
    assert len(registry.claims) >= 8
    for claim in registry.claims:
        assert len(claim.paraphrases) >= 4
        assert claim.topic in Topic
        assert claim.source.name and claim.source.illustrative
    topics = {c.topic for c in registry.claims}
    assert {Topic.one_time_withdrawal, Topic.pension, Topic.health_insurance,
            Topic.scam_impersonation, Topic.law_policy} <= topics


def test_unknown_claim_key_names_claim_and_key(data: dict) -> None:
    data["claims"][2]["severity"] = "high"
    with pytest.raises(RegistryError, match=r"claim 'tang-muc-dong-30-phan-tram'.*'severity'"):
        parse_registry(data)


def test_unknown_top_level_key(data: dict) -> None:
    data["owner"] = "x"
    with pytest.raises(RegistryError, match="owner"):
        parse_registry(data)


def test_duplicate_ids_rejected(data: dict) -> None:
    data["claims"].append(copy.deepcopy(data["claims"][0]))
    with pytest.raises(RegistryError, match="duplicate claim id 'cam-rut-bhxh-mot-lan'"):
        parse_registry(data)


@pytest.mark.parametrize("field, value, pattern", [
    ("paraphrases", ["a", "b"], "paraphrases"),
    ("topic", "rumor", "topic"),
    ("date", "20/6/2025", "date"),
    ("id", "Cấm Rút", "id"),
])
def test_field_errors_name_the_claim(data: dict, field: str, value: object, pattern: str) -> None:
    data["claims"][1][field] = value
    with pytest.raises(RegistryError, match=rf"claim .*: {pattern}"):
        parse_registry(data)


def test_missing_key_and_invalid_yaml(data: dict, tmp_path) -> None:
    del data["claims"][0]["rebuttal"]
    with pytest.raises(RegistryError, match=r"claim 'cam-rut-bhxh-mot-lan': rebuttal"):
        parse_registry(data)
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: [1\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="invalid YAML"):
        load_registry(bad)
