"""The labeled mention corpus (``classifier/data/corpus/*.jsonl``, defined in ``classifier/LABELING.md``).

Loading validates every record strictly (a wrong label is an error naming the file and line), and the split is
fixed: a record's split is a hash of its near-duplicate group, so near copies never straddle train and test, and
adding records never moves an existing group to another split.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from common.schema import ClaimStance, Sentiment, Topic
from common.text import tokens

CORPUS_DIR = Path(__file__).parent / "data" / "corpus"
SPLITS = ("train", "validation", "test")
Split = Literal["train", "validation", "test"]
# train 70 % / validation 15 % / test 15 %, by hash bucket out of 100
_SPLIT_EDGES = ((70, "train"), (85, "validation"), (100, "test"))
# word-trigram Jaccard at or above which two texts are one near-duplicate group
NEAR_DUPLICATE_JACCARD = 0.5


class CorpusError(ValueError):
    """A corpus file or record is malformed; the message names the file and line."""


class LabeledMention(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    source: Literal["facebook_post", "facebook_comment", "zalo", "news"]
    text: str
    relevant: bool
    sentiment: Sentiment | None
    misinformation: bool
    topic: Topic | None
    claim: str | None
    stance: ClaimStance | None
    style: tuple[str, ...]

    @model_validator(mode="after")
    def _consistent(self) -> LabeledMention:
        if not self.text.strip():
            raise ValueError("empty text")
        if self.relevant and (self.sentiment is None or self.topic is None):
            raise ValueError("a relevant mention needs a sentiment and a topic")
        if not self.relevant and (self.sentiment or self.topic or self.misinformation or self.claim):
            raise ValueError("an irrelevant mention has sentiment, topic and claim null and misinformation false")
        if (self.claim is None) != (self.stance is None):
            raise ValueError("claim and stance go together")
        if self.stance == ClaimStance.spreads and not self.misinformation:
            raise ValueError("spreading a refuted claim is misinformation")
        if self.stance in (ClaimStance.refutes, ClaimStance.questions) and self.misinformation:
            raise ValueError("refuting or questioning a claim is not misinformation")
        return self

    @property
    def source_kind(self) -> str:
        """The ``common.schema.Source`` the mention would come from."""
        return self.source.split("_")[0]


@dataclass(frozen=True)
class Corpus:
    records: tuple[LabeledMention, ...]
    splits: dict[str, Split]  # record id → split

    def split(self, name: Split) -> list[LabeledMention]:
        return [r for r in self.records if self.splits[r.id] == name]

    def digest(self) -> str:
        """Content hash of the corpus: the artifact records which corpus it was trained on."""
        h = hashlib.blake2b(digest_size=8)
        for r in sorted(self.records, key=lambda r: r.id):
            h.update(r.model_dump_json().encode())
        return h.hexdigest()

    def summary(self) -> dict[str, Counter]:
        out: dict[str, Counter] = {}
        for name in SPLITS:
            recs = self.split(name)
            out[name] = Counter(
                relevant=sum(r.relevant for r in recs), irrelevant=sum(not r.relevant for r in recs),
                misinformation=sum(r.misinformation for r in recs), total=len(recs))
        return out


def read_records(paths: Iterable[Path]) -> list[LabeledMention]:
    records: list[LabeledMention] = []
    seen: dict[str, str] = {}
    for path in sorted(paths):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path.name}:{lineno}"
            try:
                record = LabeledMention.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError) as exc:
                raise CorpusError(f"{where}: {exc}") from exc
            if record.id in seen:
                raise CorpusError(f"{where}: duplicate id {record.id!r} (first at {seen[record.id]})")
            seen[record.id] = where
            records.append(record)
    return records


def _shingles(text: str) -> set[str]:
    toks = tokens(text)
    if len(toks) < 3:
        return {" ".join(toks)}
    return {" ".join(toks[i:i + 3]) for i in range(len(toks) - 2)}


def near_duplicate_groups(texts: Sequence[str], threshold: float = NEAR_DUPLICATE_JACCARD) -> list[int]:
    """Group index per text: union of pairs whose word-trigram Jaccard is ≥ threshold (candidates via an index)."""
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    shingles = [_shingles(t) for t in texts]
    postings: dict[str, list[int]] = {}
    for i, sh in enumerate(shingles):
        candidates = Counter(j for s in sh for j in postings.get(s, ()))
        for j, common in candidates.items():
            if common / (len(sh) + len(shingles[j]) - common) >= threshold:
                parent[find(i)] = find(j)
        for s in sh:
            postings.setdefault(s, []).append(i)
    return [find(i) for i in range(len(texts))]


def split_of(group_key: str) -> Split:
    bucket = int.from_bytes(hashlib.blake2b(group_key.encode(), digest_size=4).digest(), "big") % 100
    return next(name for edge, name in _SPLIT_EDGES if bucket < edge)


def load_corpus(directory: Path = CORPUS_DIR) -> Corpus:
    paths = list(directory.glob("*.jsonl"))
    if not paths:
        raise CorpusError(f"no *.jsonl corpus files in {directory}")
    records = read_records(paths)
    groups = near_duplicate_groups([r.text for r in records])
    # a group is keyed by its smallest id, so adding an unrelated record never moves a group
    key_of_group: dict[int, str] = {}
    for record, group in zip(records, groups):
        key_of_group[group] = min(key_of_group.get(group, record.id), record.id)
    splits = {r.id: split_of(key_of_group[g]) for r, g in zip(records, groups)}
    return Corpus(records=tuple(records), splits=splits)
