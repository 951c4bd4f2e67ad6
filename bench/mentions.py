"""Realistic synthetic `ClassifiedMention`s for benchmarks: deterministic, streamed in chunks, fast.

What makes them realistic enough to load an index the way production traffic does:

- texts: Vietnamese sentences from templates × vocabulary about BHXH (pension, one-time withdrawal, health
  insurance, VssID, scams...), each in three spellings — with diacritics, without diacritics, teencode — joined
  1–3 sentences for comments / Zalo, 2–8 for posts, 6–20 for news articles (with a headline);
- all three sources (Facebook 60 %, news 25 %, Zalo 15 %); authors, topics, provinces (old and new names from the
  gazetteer), claims and clusters drawn from Zipf-like (1/rank^s) distributions; sentiment skewed negative;
  about 4 % misinformation;
- reach heavy-tailed (Pareto): most mentions get a handful of reactions, a few get tens of thousands;
- two years of timestamps with weekly (fewer on weekends) and daily (morning / evening peaks) seasonality and a
  few crisis spikes.

Speed: sentences are analysed once (``normalize``) when the pools are built, and mentions are assembled with
``model_construct`` from shared immutable parts (labels, authors, provinces are pooled), so 1M mentions take
about a minute on an idle core (~20,000/s) and never sit in memory together.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import common.text as _text
from common.schema import (
    SCHEMA_VERSION,
    Author,
    ClaimMatch,
    ClaimStance,
    ClassifiedMention,
    Labels,
    Province,
    Reach,
    Sentiment,
    Source,
    Topic,
    mention_id,
)

__all__ = ["generate", "START", "DAYS", "CLAIMS"]

START = datetime(2024, 11, 1, tzinfo=UTC)
DAYS = 730
CLAIMS = [f"claim-{i:02d}" for i in range(1, 31)]

_TEMPLATES = [
    "{subject} tháng này bị chậm {time}, {ask}",
    "Cho mình hỏi {action} {subject} ở {place} thì cần giấy tờ gì",
    "Tin đồn {rumor}, mọi người {verify}",
    "{place} thông báo {policy} từ {time}",
    "Ứng dụng VssID {app_issue}, {ask}",
    "Cảnh báo {scam} mạo danh cơ quan bảo hiểm xã hội",
    "Em {action} {subject} mà {complaint}",
    "Người lao động {place} xếp hàng {action} {subject} {time}",
    "Bảo hiểm xã hội Việt Nam khẳng định {rumor} là thông tin sai sự thật",
    "Chính sách {policy} giúp người dân {benefit}",
]
_SLOTS = {
    "subject": ["lương hưu", "bảo hiểm xã hội một lần", "bảo hiểm y tế", "trợ cấp thất nghiệp", "chế độ thai sản",
                "sổ bảo hiểm", "thẻ bảo hiểm y tế", "tiền ốm đau", "trợ cấp hưu trí xã hội"],
    "time": ["hôm nay", "từ đầu tháng", "tuần sau", "ngày 1/7", "cuối năm", "mấy hôm nay", "đợt này"],
    "ask": ["ai biết chỉ giúp với", "cơ quan bảo hiểm trả lời đi", "làm sao bây giờ", "có ai bị giống không",
            "bực quá"],
    "action": ["rút", "đóng", "làm thủ tục", "gia hạn", "tra cứu", "nhận", "chốt"],
    "place": ["quận 7", "Bình Dương", "Hà Nội", "TP.HCM", "Đà Nẵng", "Cần Thơ", "Nghệ An", "Thanh Hóa",
              "Hải Phòng", "Quảng Nam", "Đồng Nai", "Bắc Ninh"],
    "rumor": ["từ tháng sau không được rút bảo hiểm xã hội một lần", "lương hưu sẽ bị cắt giảm",
              "quỹ bảo hiểm xã hội sắp vỡ", "thẻ bảo hiểm y tế giấy hết hiệu lực", "phải đóng thêm tiền để giữ sổ"],
    "verify": ["cẩn thận kẻo mất quyền lợi", "chia sẻ ngay", "có thật không vậy", "đừng tin",
               "đã được cơ quan chức năng bác bỏ"],
    "policy": ["tăng lương hưu", "hỗ trợ đóng bảo hiểm tự nguyện", "chi trả qua tài khoản ngân hàng",
               "giảm thời gian đóng tối thiểu", "liên thông dữ liệu căn cước"],
    "app_issue": ["không đăng nhập được", "lỗi xác thực", "báo sai quá trình đóng", "chậm quá",
                  "cập nhật xong mất dữ liệu"],
    "scam": ["cuộc gọi lừa đảo", "tin nhắn giả mạo", "trang web giả", "nhóm Zalo lạ", "người tự xưng cán bộ"],
    "complaint": ["chờ ba tháng chưa có", "bị trả hồ sơ", "không ai nghe máy", "sai thông tin", "phải đi lại nhiều lần"],
    "benefit": ["yên tâm hơn", "được khám chữa bệnh", "có thu nhập khi về già", "giảm thủ tục giấy tờ"],
}
_TEENCODE = {"không": "ko", "được": "dc", "biết": "bít", "với": "vs", "bảo hiểm xã hội": "bhxh",
             "bảo hiểm y tế": "bhyt", "mọi người": "mn", "rồi": "r", "gì": "j", "quá": "wá"}
_SOURCES = [Source.facebook, Source.news, Source.zalo]
_SOURCE_WEIGHTS = [60, 25, 15]
_SENTENCES = {Source.facebook: (2, 8), Source.zalo: (1, 3), Source.news: (6, 20)}
_OUTLETS = ["VnExpress", "Tuổi Trẻ", "Thanh Niên", "Dân trí", "Lao Động", "VietNamNet", "Người Lao Động",
            "Báo Bảo hiểm xã hội", "Zing News", "Tiền Phong"]
_HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 7, 9, 9, 8, 7, 6, 6, 6, 6, 6, 6, 7, 8, 9, 8, 5, 2]  # by hour in Vietnam
_VN = timedelta(hours=7)


def _zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return list(itertools.accumulate(1 / (rank ** s) for rank in range(1, n + 1)))


def _sentence_pool(rng: random.Random, size: int) -> list[tuple[str, str]]:
    """`size` distinct (text, normalized) sentences, a third each with diacritics, folded, teencode."""
    pool, seen = [], set()
    while len(pool) < size:
        template = rng.choice(_TEMPLATES)
        sentence = template.format(**{k: rng.choice(v) for k, v in _SLOTS.items()})
        style = len(pool) % 3
        if style == 1:
            sentence = _text.fold(sentence)
        elif style == 2:
            for word, code in _TEENCODE.items():
                sentence = sentence.replace(word, code)
        if sentence in seen:
            sentence = f"{sentence} ({len(pool)})"
        seen.add(sentence)
        pool.append((sentence, _text.normalize(sentence)))
    return pool


def _labels_pool() -> dict[tuple[Topic, Sentiment, bool], Labels]:
    out = {}
    for topic, sentiment, misinformation in itertools.product(Topic, Sentiment, (False, True)):
        out[topic, sentiment, misinformation] = Labels(
            relevant=True, relevant_score=0.93, sentiment=sentiment,
            sentiment_scores={s: (0.8 if s is sentiment else 0.1) for s in Sentiment},
            misinformation=misinformation, misinformation_score=0.91 if misinformation else 0.04,
            topic=topic, topic_scores={t: (0.9 if t is topic else 0.01) for t in Topic})
    return out


def generate(n: int, *, seed: int = 20261101, chunk: int = 5000) -> Iterator[list[ClassifiedMention]]:
    """`n` mentions in lists of `chunk`, the same for the same `seed` (the first k of n are the k of any n ≥ k)."""
    if n < 0 or chunk < 1:
        raise ValueError("n must be >= 0 and chunk >= 1")
    rng = random.Random(seed)
    sentences = _sentence_pool(rng, 3000)
    sentence_weights = _zipf_weights(len(sentences), 0.6)
    labels = _labels_pool()
    topics, topic_weights = list(Topic), _zipf_weights(len(Topic), 0.9)
    sentiments, sentiment_weights = [Sentiment.negative, Sentiment.neutral, Sentiment.positive], [45, 80, 100]
    olds = list(_text.OLD_TO_NEW)
    rng.shuffle(olds)
    provinces = [Province(written=old, old=old, new=_text.OLD_TO_NEW[old]) for old in olds]
    provinces += [Province(written=new, old=None, new=new) for new in _text.PROVINCES_NEW]
    province_weights = _zipf_weights(len(provinces), 1.0)
    n_authors = 200_000
    author_weights = _zipf_weights(n_authors, 1.05)
    authors: dict[int, Author] = {}
    claim_weights = _zipf_weights(len(CLAIMS), 1.2)
    claim_matches = {c: ClaimMatch(claim_id=c, score=0.88, stance=ClaimStance.spreads) for c in CLAIMS}
    day_weights = list(itertools.accumulate(
        (0.6 if (START + timedelta(days=d)).weekday() >= 5 else 1.0) * (1 + d / DAYS)
        * (6.0 if d % 97 < 3 else 1.0)  # a crisis every ~3 months
        for d in range(DAYS)))
    hour_weights = list(itertools.accumulate(_HOUR_WEIGHTS))
    fetched = START + timedelta(days=DAYS)
    construct = ClassifiedMention.model_construct
    for first in range(0, n, chunk):
        k = min(chunk, n - first)
        sources = rng.choices(_SOURCES, cum_weights=list(itertools.accumulate(_SOURCE_WEIGHTS)), k=k)
        days = rng.choices(range(DAYS), cum_weights=day_weights, k=k)
        hours = rng.choices(range(24), cum_weights=hour_weights, k=k)
        author_ranks = rng.choices(range(n_authors), cum_weights=author_weights, k=k)
        topic_k = rng.choices(topics, cum_weights=topic_weights, k=k)
        sentiment_k = rng.choices(sentiments, cum_weights=sentiment_weights, k=k)
        province_k = rng.choices(provinces, cum_weights=province_weights, k=k)
        out = []
        for i in range(k):
            number = first + i
            source = sources[i]
            low, high = _SENTENCES[source]
            picked = rng.choices(sentences, cum_weights=sentence_weights, k=rng.randint(low, high))
            text = " ".join(s for s, _ in picked)
            normalized = " ".join(s for _, s in picked)
            misinformation = topic_k[i] in (Topic.one_time_withdrawal, Topic.pension) and rng.random() < 0.15
            rank = author_ranks[i]
            if source is Source.news:
                author = authors.setdefault(-1 - rank % len(_OUTLETS),
                                            Author(id=None, name=_OUTLETS[rank % len(_OUTLETS)]))
            else:
                author = authors.get(rank) or authors.setdefault(
                    rank, Author(id=f"u{rank}", name=None if rank % 4 == 0 else f"Người dùng {rank}"))
            reactions = min(int(rng.paretovariate(1.3)) - 1, 500_000)
            created = (START + timedelta(days=days[i], hours=hours[i], seconds=rng.randrange(3600)) - _VN)
            source_id = f"bench-{number}"
            claims = ([claim_matches[c] for c in rng.choices(CLAIMS, cum_weights=claim_weights,
                                                               k=1 + (rng.random() < 0.2))]
                      if misinformation else [])
            out.append(construct(
                schema_version=SCHEMA_VERSION, id=mention_id(source, source_id), source=source,
                source_id=source_id, url=f"https://example.vn/{source.value}/{number}", author=author,
                title=picked[0][0] if source is Source.news else None, text=text, text_normalized=normalized,
                created_at=created, fetched_at=fetched,
                reach=Reach.model_construct(reactions=reactions, shares=reactions // 7, comments=reactions // 3,
                                            author_followers=None if rank % 3 else int(math.sqrt(rank) * 10)),
                parent_id=None, cluster_id=f"cluster-{number % 997}" if number % 10 == 0 else None,
                province=province_k[i] if rng.random() < 0.55 else None, language="vi",
                labels=labels[topic_k[i], sentiment_k[i], misinformation], claims=claims,
                model_version="bench-1", classified_at=fetched))
        yield out
