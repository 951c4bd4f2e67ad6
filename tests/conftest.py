"""Fixtures shared by every test folder.

- `kafka_broker` (session): one embedded Tansu broker on a free port for the whole run (memory-only; it dies with
  the test process, even on kill -9).
- `bus_settings`: `Settings` pointing at that broker, with a fresh `state_dir` and topic names unique to the test
  (the three bus topics are created), so tests never see each other's records.
- `group_id`: a fresh consumer-group id (Tansu's first group join takes session_timeout/2, and a reused id would
  resume from another test's offsets).
"""

from __future__ import annotations

import re
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.settings import Settings

with warnings.catch_warnings():
    # kafka-python 3.0 loads its protocol schemas with the deprecated importlib.resources text API at import.
    warnings.filterwarnings("ignore", r"(read|open)_text is deprecated", DeprecationWarning)
    from common.bus import EmbeddedBroker, ensure_topics


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    log_path = tmp_path_factory.mktemp("tansu") / "tansu.log"
    with EmbeddedBroker(port=0, log_path=log_path) as broker:
        yield broker


def _slug(request: pytest.FixtureRequest) -> str:
    name = re.sub(r"[^a-zA-Z0-9]+", "-", request.node.name).strip("-")[:40]
    return f"{name}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def bus_settings(kafka_broker: EmbeddedBroker, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    slug = _slug(request)
    settings = Settings(
        kafka_bootstrap_servers=kafka_broker.bootstrap_servers,
        state_dir=tmp_path / "state",
        topic_raw=f"{slug}.raw",
        topic_classified=f"{slug}.classified",
        topic_dlq=f"{slug}.dlq",
    )
    ensure_topics(settings)
    return settings


@pytest.fixture
def group_id(request: pytest.FixtureRequest) -> str:
    return f"g-{_slug(request)}"


# --- classifier: a tiny random encoder and an artifact trained on it ----------------------------------------------
TINY_LAYERS = 2


@pytest.fixture(scope="session")
def tiny_base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random 2-layer, 32-wide BertModel with the real XLM-R tokenizer, saved like the built e5-small."""
    import torch
    from transformers import BertConfig, BertModel

    from classifier.model.build import _load_tokenizer

    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("tiny-e5")
    config = BertConfig(vocab_size=250_037, hidden_size=32, num_hidden_layers=TINY_LAYERS, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512, pad_token_id=1)
    BertModel(config, add_pooling_layer=False).save_pretrained(out)
    _load_tokenizer().save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_artifact(tmp_path_factory: pytest.TempPathFactory, tiny_base_dir: Path):
    """A classifier artifact trained end to end (lexical on the real corpus, transformer = the tiny encoder):
    (artifact_dir, TrainResult). The lexical part is real, so clear cases get the right labels."""
    from classifier.training.train import TrainConfig, train

    out = tmp_path_factory.mktemp("artifact")
    config = TrainConfig(n_tuned=1, epochs=1, max_length=64, lexical_c=(8.0,))
    result = train(out, base_dir=tiny_base_dir, config=config)
    return out, result
