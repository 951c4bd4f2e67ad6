from __future__ import annotations

import pytest

from classifier.claims import ClaimMatcher, LexicalScorer, MaxScorer, detect_stance, load_registry
from common.schema import ClaimStance
from common.text import tokens

from .cases import CASES, UNRELATED

# Floors measured on CASES (30 posts) with the lexical scorer, threshold 0.5: claim id 26/30, stance 26/30
# (the 4 misses are posts below the threshold, which therefore get no stance). Raise them when the scorer improves.
CLAIM_FLOOR = 0.85
STANCE_FLOOR = 0.85


@pytest.fixture(scope="module")
def matcher() -> ClaimMatcher:
    return ClaimMatcher(load_registry())


def test_case_set_is_big_and_balanced() -> None:
    assert len(CASES) >= 25
    assert {s for _, _, s in CASES} == {"spreads", "questions", "refutes"}
    assert len({c for _, c, _ in CASES}) >= 8


def test_accuracy_floors(matcher: ClaimMatcher) -> None:
    claim_ok = stance_ok = 0
    misses = []
    for text, claim_id, stance in CASES:
        found = matcher.match(text)
        got = found[0] if found else None
        claim_ok += got is not None and got.claim_id == claim_id
        stance_ok += got is not None and got.stance.value == stance
        if got is None or got.claim_id != claim_id or got.stance.value != stance:
            misses.append((text, got))
    claim_acc, stance_acc = claim_ok / len(CASES), stance_ok / len(CASES)
    print(f"claim accuracy {claim_ok}/{len(CASES)} = {claim_acc:.2f}; stance {stance_ok}/{len(CASES)} = {stance_acc:.2f}")
    assert claim_acc >= CLAIM_FLOOR, misses
    assert stance_acc >= STANCE_FLOOR, misses


@pytest.mark.parametrize("text", UNRELATED)
def test_unrelated_bhxh_posts_match_nothing(matcher: ClaimMatcher, text: str) -> None:
    assert matcher.match(text) == []


@pytest.mark.parametrize("text, stance", [
    ("từ 1/7 cấm rút bhxh 1 lần rồi, ai chưa rút thì nhanh lên", ClaimStance.spreads),
    ("nghe nói sắp cấm rút bảo hiểm 1 lần có thật ko mn?", ClaimStance.questions),
    ("BHXH VN khẳng định thông tin cấm rút BHXH một lần là sai sự thật", ClaimStance.refutes),
    ("bhxh sap vo quy ha", ClaimStance.questions),
    ("sang năm không trả lương hưu nữa đâu các bác ạ", ClaimStance.spreads),  # "ạ" is politeness, not "à"
    ("Đi Hà Nội làm hồ sơ bhxh", ClaimStance.spreads),  # "Hà" is not "hả"
    ("BHXH khẳng định không có chuyện vỡ quỹ", ClaimStance.refutes),
])
def test_stance_rules(text: str, stance: ClaimStance) -> None:
    assert detect_stance(text) == stance


def test_matches_sorted_bounded_and_schema_valid(matcher: ClaimMatcher) -> None:
    text = "Từ 1/7 cấm rút BHXH 1 lần, quỹ BHXH sắp vỡ quỹ rồi"
    found = matcher.match(text)
    ids = [m.claim_id for m in found]
    assert {"cam-rut-bhxh-mot-lan", "quy-bhxh-vo-quy"} <= set(ids)
    scores = [m.score for m in found]
    assert scores == sorted(scores, reverse=True)
    assert all(matcher.threshold <= s <= 1 for s in scores)
    assert matcher.match("") == []


def test_scorer_interface_is_pluggable() -> None:
    registry = load_registry()
    claim = registry.get("quy-bhxh-vo-quy")

    class Fixed:
        def similarity(self, text_tokens, claim, embedding=None):  # noqa: ANN001
            return 0.9 if claim.id == "quy-bhxh-vo-quy" else 0.0

    combined = MaxScorer([LexicalScorer(registry), Fixed()])
    assert combined.similarity(tokens("không liên quan"), claim) == 0.9
    found = ClaimMatcher(registry, scorer=Fixed()).match("bất kỳ")
    assert [m.claim_id for m in found] == ["quy-bhxh-vo-quy"]
    assert LexicalScorer(registry).similarity(tokens(claim.claim), claim) == pytest.approx(1.0)


def test_embedding_scorer_catches_a_paraphrase_without_shared_words() -> None:
    """The embedding side: cosine to the closest variant, rescaled; with no embedding it stays silent."""
    import numpy as np

    from classifier.claims import EmbeddingScorer

    registry = load_registry()
    claim = registry.get("quy-bhxh-vo-quy")
    directions = {c.id: np.eye(len(registry.claims), dtype=np.float32)[i] for i, c in enumerate(registry.claims)}

    def embed(texts: list[str]) -> np.ndarray:  # every variant of a claim points along that claim's axis
        rows = []
        for text in texts:
            owner = next((c.id for c in registry.claims if text in (c.claim, *c.paraphrases)), None)
            rows.append(directions[owner] if owner else np.ones(len(registry.claims), dtype=np.float32))
        return np.stack(rows)

    scorer = EmbeddingScorer(registry, embed, floor=0.5, ceiling=0.9)
    text = "tiền hưu trí cạn sạch rồi, không còn xu nào"  # no word of the registry's variants
    near = directions[claim.id] + 0.2 * directions["cam-rut-bhxh-mot-lan"]
    assert LexicalScorer(registry).similarity(tokens(text), claim) < 0.5
    assert scorer.similarity(tokens(text), claim, near) == pytest.approx(1.0)
    assert scorer.similarity(tokens(text), claim, None) == 0.0
    assert scorer.similarity(tokens(text), registry.get("tang-muc-dong-30-phan-tram"), near) == 0.0
    combined = ClaimMatcher(registry, MaxScorer([LexicalScorer(registry), scorer]))
    assert [m.claim_id for m in combined.match(text, near)] == ["quy-bhxh-vo-quy"]
    assert combined.match(text) == []
