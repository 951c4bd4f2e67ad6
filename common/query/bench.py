"""Benchmark of the in-memory matcher: ``python -m common.query.bench [--docs N] [--seconds S]``.

Builds a seeded corpus of Facebook-style posts (most of them unrelated, some about BHXH, some about car or life
insurance), prepares every post once, then reports

- ``prepare``: MatchDocument.from_mention per second (analysis: common.text.tokens);
- ``match``: default-watchlist matches per second on prepared documents (what the brief's target is about);
- ``prepare+match``: the crawler's path, one fresh document per match.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime

from common.schema import Mention

from .matcher import MatchDocument
from .watchlist import default_watchlist

_CHATTER = [
    "Hôm nay trời đẹp quá, cả nhà đi chơi công viên",
    "Ai biết quán phở nào ngon ở quận 3 chỉ mình với",
    "Giá xăng tuần này lại tăng, đi làm tốn kém quá",
    "Con mình đang sốt 38 độ, có nên cho đi viện không các mẹ",
    "Bán gấp căn hộ 2 phòng ngủ, sổ hồng chính chủ, giá thương lượng",
    "Tuyển nhân viên bán hàng, lương cứng 7 triệu cộng hoa hồng",
    "Trận đấu tối qua hay quá, đội nhà thắng 2-1 phút bù giờ",
    "Mọi người cho mình hỏi thủ tục làm căn cước cho con dưới 14 tuổi",
    "Kẹt xe kinh khủng ở ngã tư, ai đi đường này thì tránh nhé",
    "Shop mới về hàng, freeship đơn từ 200k, inbox để được tư vấn",
    "Cuối tuần này có ai đi Đà Lạt không, cho mình đi ké với",
    "vừa nhận lương xong mà hết sạch tiền rồi, buồn ghê",
]
_BHXH = [
    "Cho mình hỏi rút BHXH 1 lần cần những giấy tờ gì vậy mọi người",
    "Lương hưu tháng này sao chưa về tài khoản, ai bị giống mình không",
    "App VssID không đăng nhập được từ sáng đến giờ",
    "Công ty nợ đóng bảo hiểm mấy tháng rồi, nghỉ việc không chốt sổ được",
    "cty ko dong bh cho nv thi bao o dau vay mn",
    "Thẻ BHYT của con em hết hạn rồi, gia hạn ở đâu ạ",
]
_INSURANCE = [
    "Mua bảo hiểm xe máy online giá rẻ, bồi thường nhanh trong 24h",
    "Bảo hiểm nhân thọ đáo hạn nhận về bao nhiêu, ai tham gia rồi cho xin review",
    "Bảo hiểm du lịch quốc tế cho chuyến đi châu Âu mua ở đâu rẻ",
]


def corpus(n: int, seed: int = 1) -> list[Mention]:
    rng = random.Random(seed)
    posts = []
    for i in range(n):
        sentences = [rng.choice(_CHATTER) for _ in range(rng.randint(1, 6))]
        roll = rng.random()
        if roll < 0.15:
            sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(_BHXH))
        elif roll < 0.25:
            sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(_INSURANCE))
        text = ". ".join(sentences)
        posts.append(Mention.create(source="facebook", source_id=str(i), text=text, text_normalized=text,
                                    created_at=datetime(2025, 7, 1, tzinfo=UTC)))
    return posts


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f}/s"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=3.0, help="time budget of the match loop")
    args = parser.parse_args(argv)

    watchlist = default_watchlist()
    mentions = corpus(args.docs)
    start = time.perf_counter()
    docs = [MatchDocument.from_mention(m) for m in mentions]
    prepare = time.perf_counter() - start
    for doc in docs:  # warm the lazily built per-document structures, as a second rule would
        watchlist.matches(doc)

    matched = sum(watchlist.matches(doc) for doc in docs)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        for doc in docs:
            watchlist.matches(doc)
        count += len(docs)
    match = time.perf_counter() - start

    start = time.perf_counter()
    for m in mentions:
        watchlist.matches(MatchDocument.from_mention(m))
    cold = time.perf_counter() - start

    tokens = sum(len(d.tokens) for d in docs) / len(docs)
    print(f"corpus: {len(docs)} posts, {tokens:.0f} tokens on average, {matched} match the default watchlist")
    print(f"prepare        {_rate(len(docs), prepare)}  (MatchDocument.from_mention)")
    print(f"match          {_rate(count, match)}  (default watchlist, prepared documents)")
    print(f"prepare+match  {_rate(len(docs), cold)}")


if __name__ == "__main__":
    main()
