"""Match a post against the known-claims registry and tell its stance (spreads / questions / refutes).

- :class:`Scorer`: ``similarity(text_tokens, claim, embedding=None) -> float`` in 0–1. :class:`LexicalScorer`
  (IDF-weighted unigram + bigram coverage, IDF from the registry) and :class:`EmbeddingScorer` (e5 cosine to the
  closest variant), combined by :class:`MaxScorer`.
- :func:`detect_stance`: Vietnamese cue rules on the shared analyzer's tokens (accent-folded, teencode expanded).
- :class:`ClaimMatcher`: ``match(text) -> list[ClaimMatch]``, scores above a threshold, best first.

See README.md in this folder for the rules and their limits.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import numpy as np

from common.schema import ClaimMatch, ClaimStance
from common.text import normalize
from common.text import tokens as analyze

from common.claims import Claim, Registry

# very common function words: they carry no claim identity (accent-folded forms, as `tokens` produces them)
STOPWORDS = frozenset(
    "la co thi va cua cac nhung mot cho de voi o tai da dang se bi duoc nay do roi nua ma thi lai cung "
    "ai nhe a ha nha di oi ne vay the nao gi khi neu ra vao len ve moi nguoi minh toi em anh chi ban".split()
)
# e5 cosine → 0–1 similarity (chosen on the corpus validation split; README.md)
EMBEDDING_FLOOR = 0.88
EMBEDDING_CEILING = 0.96
# spelling variants unified before scoring ("một lần" / "1 lần")
_SYNONYMS = {"mot": "1", "phan": "%", "tram": "%"}


def claim_terms(toks: Sequence[str]) -> list[str]:
    """Analyzer tokens → scoring terms: synonyms unified, stopwords kept only inside bigrams."""
    return [_SYNONYMS.get(t, t) for t in toks]


def features(toks: Sequence[str]) -> set[str]:
    """Unigrams (minus stopwords) and adjacent bigrams (``a_b``, at least one side not a stopword)."""
    terms = claim_terms(toks)
    out = {t for t in terms if t not in STOPWORDS}
    for a, b in zip(terms, terms[1:]):
        if a not in STOPWORDS or b not in STOPWORDS:
            out.add(f"{a}_{b}")
    return out


class Scorer(Protocol):
    def similarity(self, text_tokens: Sequence[str], claim: Claim, embedding: np.ndarray | None = None) -> float:
        """How much the analyzed text states (or quotes) ``claim``, in 0–1. ``embedding``: the text's e5
        embedding when the caller computed one (scorers that do not use it ignore it)."""
        ...


class LexicalScorer:
    """IDF-weighted coverage of a claim variant (the claim or one paraphrase) by the text, best variant wins.

    coverage(variant) = Σ idf(f) for f in features(variant) ∩ features(text) / Σ idf(f) for f in features(variant)

    IDF comes from the registry: each claim (all its variants together) is one document, so words shared by every
    claim ("bảo hiểm xã hội") weigh little and words that identify one claim ("cấm", "vỡ quỹ", "30") weigh a lot.
    """

    def __init__(self, registry: Registry, *, power: float = 2.0) -> None:
        self._variants: dict[str, list[set[str]]] = {}
        df: Counter[str] = Counter()
        for claim in registry.claims:
            variants = [features(analyze(v)) for v in (claim.claim, *claim.paraphrases)]
            self._variants[claim.id] = [v for v in variants if v]
            for variant in variants:
                df.update(variant)
        n = max(sum(len(v) for v in self._variants.values()), 1)
        self._idf = {term: math.log(1 + (n + 1) / (count + 0.5)) ** power for term, count in df.items()}
        self._default_idf = math.log(1 + (n + 1) / 0.5) ** power
        self._totals = {cid: [sum(self.idf(f) for f in v) for v in vs] for cid, vs in self._variants.items()}
        # a text is scored against every claim in a row (and twice by the classifier): keep the last text's scores
        self._last: tuple[tuple[str, ...], dict[str, float]] | None = None

    def idf(self, term: str) -> float:
        return self._idf.get(term, self._default_idf)

    def _scores(self, text_tokens: Sequence[str]) -> dict[str, float]:
        key = tuple(text_tokens)
        if self._last is None or self._last[0] != key:
            text = features(key)
            scores = {}
            for cid, variants in self._variants.items():
                scores[cid] = max((sum(self.idf(f) for f in variant & text) / total
                                   for variant, total in zip(variants, self._totals[cid]) if total), default=0.0)
            self._last = (key, scores)
        return self._last[1]

    def similarity(self, text_tokens: Sequence[str], claim: Claim, embedding: np.ndarray | None = None) -> float:
        return self._scores(text_tokens).get(claim.id, 0.0)


class EmbeddingScorer:
    """Semantic similarity: cosine between the text's e5 embedding and each variant's (the claim and its
    paraphrases), best variant, mapped linearly from [floor, ceiling] to [0, 1].

    Catches paraphrases that share no words with the registry ("ko đc lấy tiền bảo hiểm về nữa"). e5 cosines are
    compressed (unrelated Vietnamese texts on BHXH reach 0.85–0.9), hence the rescaling; floor and ceiling
    were chosen on the corpus validation split (see classifier/claims/README.md).
    """

    def __init__(self, registry: Registry, embed: Callable[[list[str]], np.ndarray], *,
                 floor: float = EMBEDDING_FLOOR, ceiling: float = EMBEDDING_CEILING) -> None:
        self.embed = embed
        self.floor, self.ceiling = floor, ceiling
        self._variants: dict[str, np.ndarray] = {}
        for claim in registry.claims:
            self._variants[claim.id] = _unit(embed([claim.claim, *claim.paraphrases]))

    def cosine(self, embedding: np.ndarray, claim: Claim) -> float:
        return float(np.max(self._variants[claim.id] @ _unit(embedding[None, :])[0]))

    def similarity(self, text_tokens: Sequence[str], claim: Claim, embedding: np.ndarray | None = None) -> float:
        if embedding is None or claim.id not in self._variants:
            return 0.0
        return min(max((self.cosine(embedding, claim) - self.floor) / (self.ceiling - self.floor), 0.0), 1.0)


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


class MaxScorer:
    """Combine scorers by taking the best similarity (lexical overlap + embedding similarity)."""

    def __init__(self, scorers: Iterable[Scorer]) -> None:
        self.scorers = list(scorers)

    def similarity(self, text_tokens: Sequence[str], claim: Claim, embedding: np.ndarray | None = None) -> float:
        return max((s.similarity(text_tokens, claim, embedding) for s in self.scorers), default=0.0)


# --- stance -----------------------------------------------------------------------------------------------------
# Cues are token sequences on the analyzer's output (accent-folded, lowercase, teencode expanded).
REFUTE_CUES: tuple[tuple[str, ...], ...] = tuple(tuple(c.split()) for c in (
    "sai su that", "khong dung su that", "khong dung", "khong chinh xac", "tin gia", "bac bo", "that thiet",
    "dung tin", "dung chia se", "dung share", "canh giac", "gia mao", "lua dao", "gia danh", "bia dat",
    "khong co chuyen", "khong he", "sai lech", "tin don sai", "khang dinh khong", "dinh chinh", "fake news",
    "tin fake", "la fake", "mao danh", "khong ban hanh", "chi la tin don",
))
QUESTION_CUES: tuple[tuple[str, ...], ...] = tuple(tuple(c.split()) for c in (
    "co that khong", "that khong", "phai khong", "dung khong", "co dung la", "co dung khong", "that ha",
    "that a", "ai biet", "co ai biet", "cho hoi", "xin hoi", "hoi chut", "khong nhi", "co phai", "dung chua",
    "that hay", "hay khong", "co dung", "that sao", "the that a",
))
# sentence-final question particles, checked on the normalized (NOT folded) last word of a sentence: folding
# would merge "à" (question) with "ạ" (politeness) and "hả" with "Hà"; "ha" without diacritics is taken as "hả"
QUESTION_FINALS = frozenset({"hả", "à", "ha", "sao", "chứ", "nhỉ", "không", "hông", "chưa", "hở"})
# "khang dinh" (affirms) + a negation within a few tokens: "BHXH khẳng định không có chuyện ..."
_AFFIRM = ("khang", "dinh")
_SENTENCES = re.compile(r"[^.!?\n]+[.!?\n]*")


def _contains(seq: Sequence[str], cue: Sequence[str]) -> bool:
    n = len(cue)
    return any(tuple(seq[i:i + n]) == tuple(cue) for i in range(len(seq) - n + 1))


def _affirms_negation(seq: Sequence[str]) -> bool:
    for i in range(len(seq) - 1):
        if (seq[i], seq[i + 1]) == _AFFIRM:
            window = seq[i + 2:i + 10]
            if "khong" in window or "sai" in window or "gia" in window:
                return True
    return False


def detect_stance(text: str, text_tokens: Sequence[str] | None = None) -> ClaimStance:
    """refutes if any refutation cue; else questions if any question cue (or a sentence ending in '?' or in a
    question particle); else spreads."""
    toks = list(text_tokens) if text_tokens is not None else analyze(text)
    if any(_contains(toks, cue) for cue in REFUTE_CUES) or _affirms_negation(toks):
        return ClaimStance.refutes
    if any(_contains(toks, cue) for cue in QUESTION_CUES):
        return ClaimStance.questions
    for sentence in _SENTENCES.findall(text):
        if sentence.rstrip().endswith("?"):
            return ClaimStance.questions
        words = re.findall(r"\w+", normalize(sentence))
        if len(words) > 2 and words[-1] in QUESTION_FINALS:
            return ClaimStance.questions
    return ClaimStance.spreads


# --- matcher ----------------------------------------------------------------------------------------------------
DEFAULT_THRESHOLD = 0.5


class ClaimMatcher:
    def __init__(self, registry: Registry, scorer: Scorer | None = None, *,
                 threshold: float = DEFAULT_THRESHOLD, max_matches: int = 3) -> None:
        self.registry = registry
        self.scorer = scorer if scorer is not None else LexicalScorer(registry)
        self.threshold = threshold
        self.max_matches = max_matches

    def scores(self, text: str, embedding: np.ndarray | None = None, *, tokens: Sequence[str] | None = None
               ) -> dict[str, float]:
        toks = analyze(text) if tokens is None else tokens
        return {c.id: self.scorer.similarity(toks, c, embedding) for c in self.registry.claims}

    def match(self, text: str, embedding: np.ndarray | None = None, *, tokens: Sequence[str] | None = None
              ) -> list[ClaimMatch]:
        """``tokens``: ``common.text.tokens(text)`` when the caller has them already."""
        toks = analyze(text) if tokens is None else tokens
        scored = [(min(max(self.scorer.similarity(toks, c, embedding), 0.0), 1.0), c.id)
                  for c in self.registry.claims]
        kept = sorted(((s, cid) for s, cid in scored if s >= self.threshold), key=lambda x: (-x[0], x[1]))
        if not kept:
            return []
        stance = detect_stance(text, toks)
        return [ClaimMatch(claim_id=cid, score=round(s, 4), stance=stance) for s, cid in kept[:self.max_matches]]
