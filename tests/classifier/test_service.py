"""The served classifier, loaded from an artifact trained on the real corpus (tiny encoder, real lexical model)."""
from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from classifier.service import ArtifactError, MentionClassifier
from common.schema import ClassifiedMention, Mention, Sentiment, Topic
from common.text import normalize


@pytest.fixture(scope="module")
def classifier(tiny_artifact, tiny_base_dir: Path) -> MentionClassifier:
    artifact_dir, _ = tiny_artifact
    return MentionClassifier.load(artifact_dir, base_dir=tiny_base_dir)


def test_predictions_carry_valid_calibrated_labels(classifier: MentionClassifier) -> None:
    texts = ["Mua bảo hiểm xe máy online ở đâu rẻ nhất vậy mn", "BHXH quận 3 hỗ trợ nhiệt tình, cảm ơn các chị ạ",
             "TỪ 1/7 CẤM RÚT BHXH 1 LẦN RỒI, AI CHƯA RÚT THÌ RÚT NGAY KẺO MẤT TIỀN!!!"]
    predictions = classifier.predict(texts)
    assert len(predictions) == 3
    for p in predictions:
        labels = p.labels
        assert abs(sum(labels.sentiment_scores.values()) - 1) < 1e-3
        assert abs(sum(labels.topic_scores.values()) - 1) < 1e-3
        assert labels.sentiment == max(labels.sentiment_scores, key=labels.sentiment_scores.get)
        assert 0 <= labels.misinformation_score <= labels.relevant_score + 1e-6
        assert p.settled_by in {"lexical", "transformer"}
    car, thanks, rumor = predictions
    assert not car.labels.relevant and car.claims == []
    assert thanks.labels.relevant and thanks.labels.sentiment == Sentiment.positive
    assert rumor.labels.relevant and rumor.labels.topic == Topic.one_time_withdrawal
    assert rumor.claims and rumor.claims[0].claim_id == "cam-rut-bhxh-mot-lan"
    line = rumor.as_json("m-1")
    assert line["id"] == "m-1" and line["claims"][0]["stance"] == "spreads"
    assert set(line) >= {"relevant", "relevant_score", "sentiment", "sentiment_scores", "misinformation",
                         "misinformation_score", "topic", "province", "claims"}


def test_classify_turns_mentions_into_classified_mentions(classifier: MentionClassifier) -> None:
    text = "Công ty ở Bình Dương nợ BHXH 8 tháng, nghỉ việc ko chốt được sổ 😤"
    mention = Mention.create(source="facebook", source_id="p1", text=text, text_normalized=normalize(text),
                             created_at=datetime(2026, 11, 20, 8, tzinfo=UTC))
    [classified] = classifier.classify([mention])
    assert isinstance(classified, ClassifiedMention)
    assert classified.id == mention.id and classified.model_version == classifier.version
    ClassifiedMention.model_validate_json(classified.model_dump_json())  # the wire contract holds


def test_province_comes_from_the_gazetteer(classifier: MentionClassifier) -> None:
    [p] = classifier.predict(["BHXH tỉnh Bình Dương chi trả lương hưu chậm"])
    assert p.province == "TP. Hồ Chí Minh" and p.province_old == "Bình Dương"


def test_missing_or_broken_artifacts_are_clear_errors(tiny_artifact, tiny_base_dir: Path, tmp_path: Path) -> None:
    artifact_dir, _ = tiny_artifact
    with pytest.raises(ArtifactError, match="run `crisiswatch train`"):
        MentionClassifier.load(tmp_path / "nothing", base_dir=tiny_base_dir)
    broken = tmp_path / "broken"
    shutil.copytree(artifact_dir, broken)
    (broken / "overlay.safetensors").unlink()
    with pytest.raises(ArtifactError, match="missing overlay.safetensors"):
        MentionClassifier.load(broken, base_dir=tiny_base_dir)
    manifest = json.loads((artifact_dir / "manifest.json").read_text())
    manifest["transformer"]["layers"] = 12
    wrong = tmp_path / "wrong"
    shutil.copytree(artifact_dir, wrong)
    (wrong / "manifest.json").write_text(json.dumps(manifest))
    if manifest["combination"]["transformer_weight"] > 0:
        with pytest.raises(ArtifactError, match="overlay is for 12 layers"):
            MentionClassifier.load(wrong, base_dir=tiny_base_dir)


def test_claim_embeddings_come_from_the_served_encoder_for_candidates_only(tiny_base_dir: Path, tmp_path: Path,
                                                                          tiny_artifact) -> None:
    """The e5 embedder shares the served model; only mentions that may be about a claim are embedded."""
    import numpy as np

    from classifier.service import load_transformer, read_manifest

    artifact_dir, _ = tiny_artifact
    manifest = read_manifest(artifact_dir)
    model, tokenizer = load_transformer(artifact_dir, manifest, base_dir=tiny_base_dir)
    from classifier.transformer import predict_embeddings

    vectors = predict_embeddings(model, tokenizer, ["quỹ bhxh vỡ rồi", "mua bảo hiểm xe máy"], max_length=64)
    assert vectors.shape == (2, 32) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)

    calls: list[list[str]] = []

    def embed(texts):
        calls.append(list(texts))
        return predict_embeddings(model, tokenizer, list(texts), max_length=64)

    from classifier.claims import load_registry
    from classifier.service import claim_matcher
    from classifier.lexical import LexicalModel

    served = MentionClassifier(manifest, LexicalModel.load(artifact_dir / "lexical.joblib"), model, tokenizer,
                               claim_matcher(load_registry(), embed), embed)
    calls.clear()  # the registry's variants were embedded once at construction
    texts = ["Mua bảo hiểm ô tô ở đâu rẻ", "Cảm ơn BHXH quận 3 hỗ trợ nhiệt tình",
             "Quỹ BHXH sắp vỡ, lương hưu sắp không còn ai trả"]
    served.predict(texts)
    embedded = [t for call in calls for t in call]
    assert "Mua bảo hiểm ô tô ở đâu rẻ" not in embedded  # irrelevant: never embedded
    assert len(embedded) <= 2
