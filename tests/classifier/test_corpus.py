"""The labeled corpus: big and varied enough, labels consistent, the split fixed and leak-free."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from classifier.corpus import CorpusError, load_corpus, near_duplicate_groups, split_of
from common.schema import Sentiment, Topic


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_corpus_is_large_and_covers_every_label(corpus) -> None:
    records = corpus.records
    assert len(records) >= 3000
    relevant = [r for r in records if r.relevant]
    assert Counter(r.topic for r in relevant).keys() == set(Topic)
    sentiments = Counter(r.sentiment for r in relevant)
    assert sentiments.keys() == set(Sentiment) and min(sentiments.values()) >= 300
    assert Counter(r.source for r in records).keys() == {"facebook_post", "facebook_comment", "zalo", "news"}
    assert sum(not r.relevant for r in records) >= 500  # distractors
    stances = Counter(r.stance for r in records if r.stance)
    assert min(stances.values()) >= 80  # spreads, refutes and questions all present
    styles = Counter(s for r in records for s in r.style)
    for tag in ("no_diacritics", "teencode", "caps", "emoji", "sarcasm", "long"):
        assert styles[tag] >= 50, tag


def test_split_is_fixed_and_proportioned(corpus) -> None:
    again = load_corpus()
    assert again.splits == corpus.splits
    shares = Counter(corpus.splits.values())
    n = len(corpus.records)
    assert abs(shares["train"] / n - 0.70) < 0.04
    assert abs(shares["test"] / n - 0.15) < 0.03
    # every label has test examples, so every figure can be computed on test
    test = corpus.split("test")
    assert {r.topic for r in test if r.relevant} == set(Topic)
    assert sum(r.misinformation for r in test) >= 40


def test_near_duplicates_never_straddle_splits(corpus) -> None:
    texts = [r.text for r in corpus.records]
    groups = near_duplicate_groups(texts)
    by_group: dict[int, set[str]] = {}
    for record, group in zip(corpus.records, groups):
        by_group.setdefault(group, set()).add(corpus.splits[record.id])
    assert all(len(splits) == 1 for splits in by_group.values())


def test_near_duplicate_grouping() -> None:
    texts = [
        "BHXH quận 7 làm việc chậm quá, nộp hồ sơ rút một lần 3 tháng chưa có tiền",
        "bhxh quan 7 lam viec cham qua, nop ho so rut mot lan 3 thang chua co tien!!!",  # same text, no diacritics
        "Thẻ BHYT bị từ chối ở bệnh viện tỉnh, phải tự trả tiền thuốc",
    ]
    groups = near_duplicate_groups(texts)
    assert groups[0] == groups[1] != groups[2]
    assert split_of("pension-0001") == split_of("pension-0001")


def _write(tmp_path: Path, lines: list[str]) -> Path:
    (tmp_path / "part.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


GOOD = {"id": "t-1", "source": "zalo", "text": "Dạ cho em hỏi rút BHXH 1 lần ạ", "relevant": True,
        "sentiment": "neutral", "misinformation": False, "topic": "one_time_withdrawal", "claim": None,
        "stance": None, "style": []}


@pytest.mark.parametrize(("change", "message"), [
    ({"sentiment": None}, "needs a sentiment"),
    ({"relevant": False, "sentiment": None, "topic": None, "misinformation": True}, "irrelevant"),
    ({"claim": "quy-bhxh-vo-quy", "stance": "spreads"}, "spreading a refuted claim"),
    ({"topic": "weather"}, "topic"),
    ({"extra": 1}, "extra"),
])
def test_a_bad_record_is_an_error_naming_file_and_line(tmp_path: Path, change: dict, message: str) -> None:
    good = json.dumps(GOOD, ensure_ascii=False)
    bad = json.dumps({**GOOD, "id": "t-2", **change}, ensure_ascii=False)
    with pytest.raises(CorpusError, match=rf"(?s)part\.jsonl:2: .*{message}"):
        load_corpus(_write(tmp_path, [good, bad]))


def test_broken_json_and_duplicate_ids_are_errors(tmp_path: Path) -> None:
    good = json.dumps(GOOD, ensure_ascii=False)
    with pytest.raises(CorpusError, match=r"part\.jsonl:2"):
        load_corpus(_write(tmp_path, [good, '{"id": "t-2", "text": ']))
    with pytest.raises(CorpusError, match="duplicate id 't-1'"):
        load_corpus(_write(tmp_path, [good, good]))
