"""Assemble `timelines.jsonl` from the hand-written text pools in `pools.py`.

Why a script: the timelines need realistic *shapes* (a quiet background, a burst of reposts within hours, a trend
rising over weeks) that are tedious and error-prone to lay out by hand, while the texts themselves stay
hand-written. The seed is fixed, so running it again rewrites the very same file:

    .venv/bin/python -m alerting.scenarios.build            # writes alerting/scenarios/timelines.jsonl
    .venv/bin/python -m alerting.scenarios.build --check    # fails if the committed file is stale
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from alerting.scenarios import pools as P

VN = timezone(timedelta(hours=7))
OUT = Path(__file__).with_name("timelines.jsonl")
SEED = 20260302


def vn(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """A Vietnam-time instant (all timelines are written in +07:00, as the sources publish them)."""
    return datetime(y, mo, d, h, mi, tzinfo=VN)


def fold(text: str) -> str:
    """The same text typed without diacritics, as many phone users write (đ → d too)."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped.replace("đ", "d").replace("Đ", "D"))


@dataclass
class Timeline:
    """One scenario being assembled: lines plus the randomness and the counters that make ids unique."""

    name: str
    short: str
    rng: random.Random
    used: Counter[str]  # background texts already used, shared by all scenarios
    lines: list[dict] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    serial: int = 0

    def _url(self, source: str, page: str | None) -> str | None:
        self.serial += 1
        if source == "facebook":
            return f"https://www.facebook.com/{page or 'profile'}/posts/{self.short}{self.serial:05d}"
        return None

    def emit(self, ts: datetime, source: str, text: str, *, role: str, author: str, province: str | None = None,
             reach: dict | None = None, page: str | None = None, title: str | None = None,
             url: str | None = None, fold_ok: bool = False) -> None:
        """Add one mention; a social text may be typed without diacritics (fold_ok) — never a news item."""
        if fold_ok and source != "news" and self.rng.random() < 0.22:
            text = fold(text)
        key = text.casefold()
        if key in self.seen:  # a pool was sampled twice: skip rather than copy-paste
            return
        self.seen.add(key)
        line: dict = {"scenario": self.name, "ts": ts.isoformat(), "source": source, "text": text}
        if title is not None:
            line["title"] = title
        line["author"] = author
        line["province"] = province
        line["reach"] = reach or self.reach_small(source)
        line["url"] = url if url is not None else self._url(source, page)
        line["role"] = role
        self.lines.append(line)

    # --- reach -------------------------------------------------------------------------------------------------
    def reach_small(self, source: str) -> dict:
        """An ordinary personal post or comment: a handful of reactions."""
        if source == "zalo":
            return {"reactions": 0, "shares": 0, "comments": 0, "followers": None}
        r = self.rng
        return {"reactions": r.randint(0, 40), "shares": r.randint(0, 3), "comments": r.randint(0, 12),
                "followers": r.choice([None, r.randint(80, 2500)])}

    def reach(self, reactions: int, shares: int, comments: int, followers: int | None) -> dict:
        return {"reactions": reactions, "shares": shares, "comments": comments, "followers": followers}

    def comment_reach(self) -> dict:
        return {"reactions": self.rng.randint(0, 60), "shares": 0, "comments": self.rng.randint(0, 6),
                "followers": None}

    # --- helpers -------------------------------------------------------------------------------------------------
    def times(self, start: datetime, end: datetime, n: int, *, day_only: bool = True,
              skew: float = 1.0) -> list[datetime]:
        """`n` sorted instants in [start, end); with day_only, people post between 6:00 and 23:00. skew < 1
        packs them towards the end (a wave building up), skew > 1 towards the start (news breaking, then fading)."""
        out: list[datetime] = []
        span = (end - start).total_seconds()
        while len(out) < n:
            t = start + timedelta(seconds=self.rng.random() ** skew * span)
            if day_only and not 6 <= t.hour < 23:
                continue
            out.append(t.replace(second=0, microsecond=0))
        return sorted(out)

    def author(self) -> str:
        return f"{self.rng.choice(P.FAMILY)} {self.rng.choice(P.GIVEN)}"

    def take(self, pool: Sequence[str], n: int) -> list[str]:
        """`n` texts from a pool, without repeats while the pool lasts."""
        picks: list[str] = []
        while len(picks) < n:
            batch = list(pool)
            self.rng.shuffle(batch)
            picks.extend(batch[: n - len(picks)])
        return picks

    def vary(self, pool: Sequence[str], n: int, prefixes: Sequence[str]) -> list[str]:
        """`n` texts: the pool once as written, then reposts that add a short lead-in (realistic small edits)."""
        picks = self.take(pool, min(n, len(pool)))
        while len(picks) < n:
            prefix, text = self.rng.choice(prefixes), self.rng.choice(pool)
            if not prefix.endswith(": ") and text[1:2].islower():  # "Hic, thương bà quá", not "Hic, Thương"
                text = text[0].lower() + text[1:]
            picks.append(prefix + text)
        return picks

    def background(self, start: datetime, end: datetime, n: int, province: str | None = None,
                   pools: Iterable[Sequence[str]] = (P.BACKGROUND_QUESTIONS, P.DISTRACTORS)) -> None:
        """Ordinary chatter: questions about BHXH and keyword-caught distractors, spread over the period."""
        texts = [t for pool in pools for t in pool]
        self.rng.shuffle(texts)
        texts.sort(key=lambda t: self.used[t])  # least used across all scenarios first: few FAQs repeat
        for ts, text in zip(self.times(start, end, n), texts[:n]):
            self.used[text] += 1
            source = self.rng.choices(["facebook", "zalo"], [4, 1])[0]
            role = "distractor" if text in P.DISTRACTORS else "background"
            self.emit(ts, source, text, role=role, author=self.author(), province=province, fold_ok=True,
                      page=self.rng.choice(P.GROUPS) if source == "facebook" else None)

    def news(self, ts: datetime, item: tuple[str, str, str], province: str | None = None,
             comments: int = 0, role: str = "news") -> None:
        """A news article: text is "Headline. Lead." as the crawler stores it."""
        outlet, title, lead = item
        slug = fold(title).lower().replace(" ", "-")[:60].strip("-")
        slug = "".join(c for c in slug if c.isalnum() or c == "-")
        self.serial += 1
        self.emit(ts, "news", f"{title}. {lead}", role=role, title=title, author=outlet, province=province,
                  reach=self.reach(0, 0, comments, None),
                  url=f"https://{P.OUTLET_HOSTS[outlet]}/{slug}-{self.short}{self.serial:05d}.html")


# ---------------------------------------------------------------------------------------------------------------
# The scenarios. Each function lays out one period; the comments say what a reader of the replay should see.
# ---------------------------------------------------------------------------------------------------------------

def rumor_wave(tl: Timeline) -> None:
    """Rumour "from 1/7 one-time withdrawal is banned" (claim cam-rut-bhxh-mot-lan), refuted, then one residual."""
    tl.background(vn(2026, 3, 2, 6), vn(2026, 3, 4, 7), 44)
    # 07:40 the seed posts in two workers' groups, then reposts snowball from 09:00.
    seeds = [vn(2026, 3, 4, 7, 40), vn(2026, 3, 4, 8, 5), vn(2026, 3, 4, 8, 26), vn(2026, 3, 4, 8, 48)]
    for ts, text in zip(seeds, P.RUMOR_SEED):
        tl.emit(ts, "facebook", text, role="crisis", author=tl.author(), page=tl.rng.choice(P.GROUPS),
                reach=tl.reach(tl.rng.randint(40, 300), tl.rng.randint(20, 180), tl.rng.randint(15, 90),
                               tl.rng.randint(300, 4000)))
    spread = tl.times(vn(2026, 3, 4, 9), vn(2026, 3, 4, 14, 30), 96, skew=0.7)
    texts = ([(t, "crisis") for t in tl.vary(P.RUMOR_SPREAD, 52, P.REPOST_PREFIXES)]
             + [(t, "reaction") for t in tl.vary(P.RUMOR_COMMENTS, 44, P.COMMENT_PREFIXES)])
    tl.rng.shuffle(texts)
    for i, (ts, (text, role)) in enumerate(zip(spread, texts)):
        grow = 1 + i / 10
        source = tl.rng.choices(["facebook", "zalo"], [5, 1])[0]
        tl.emit(ts, source, text, role=role, author=tl.author(), fold_ok=True, page=tl.rng.choice(P.GROUPS),
                reach=tl.reach(int(tl.rng.randint(20, 300) * grow), int(tl.rng.randint(5, 120) * grow),
                               int(tl.rng.randint(5, 80) * grow), tl.rng.choice([None, tl.rng.randint(500, 90000)]))
                if source == "facebook" else None)
    # Press picks it up late morning, mostly asking; the agency refutes at 14:30; outlets carry the refutation.
    for ts, item in zip([vn(2026, 3, 4, 11, 20), vn(2026, 3, 4, 12, 45)], P.RUMOR_NEWS_ASK):
        tl.news(ts, item, comments=tl.rng.randint(100, 600))
    tl.emit(vn(2026, 3, 4, 14, 30), "facebook", P.RUMOR_OFFICIAL, role="official", author="Bảo hiểm xã hội Việt Nam",
            page="baohiemxahoivietnam", reach=tl.reach(8400, 5100, 1300, 1_100_000))
    for ts, item in zip(tl.times(vn(2026, 3, 4, 15), vn(2026, 3, 4, 20), len(P.RUMOR_NEWS_REFUTE)),
                        P.RUMOR_NEWS_REFUTE):
        tl.news(ts, item, comments=tl.rng.randint(20, 200), role="refutation")
    # Decay: people share the refutation, a few still ask, over the next 2 days.
    decay = tl.times(vn(2026, 3, 4, 14, 40), vn(2026, 3, 6, 22), len(P.RUMOR_DECAY))
    for ts, text in zip(decay, P.RUMOR_DECAY):
        tl.emit(ts, tl.rng.choices(["facebook", "zalo"], [4, 1])[0], text, role="decay", author=tl.author(),
                fold_ok=True,
                page=tl.rng.choice(P.GROUPS))
    tl.background(vn(2026, 3, 7, 6), vn(2026, 3, 10, 23), 26)
    # Days later one residual post repeats the rumour: it must not open a new crisis.
    tl.emit(vn(2026, 3, 9, 20, 12), "facebook", P.RUMOR_RESIDUAL, role="residual", author=tl.author(),
            page="hoicongnhanlongan",
            reach=tl.reach(14, 3, 6, 720))


def viral_video(tl: Timeline) -> None:
    """A clip of a one-stop-shop officer shouting at an elderly woman explodes on Facebook within 2–3 hours."""
    tl.background(vn(2026, 4, 13, 6), vn(2026, 4, 14, 9, 30), 22, pools=(P.BACKGROUND_QUESTIONS, P.DISTRACTORS,
                                                                           P.SERVICE_ORDINARY))
    origin = vn(2026, 4, 14, 9, 42)
    tl.emit(origin, "facebook", P.VIDEO_ORIGIN, role="crisis", author="Trần Minh Khôi", province="Nghệ An",
            page="minhkhoi.tran.vinh", reach=tl.reach(180, 64, 95, 2100))
    # Big pages repost it; each repost is a mention with its own, growing reach.
    reposts = tl.times(vn(2026, 4, 14, 10, 5), vn(2026, 4, 14, 12, 40), len(P.VIDEO_REPOSTS))
    for i, (ts, (page, followers, text)) in enumerate(zip(reposts, P.VIDEO_REPOSTS)):
        tl.emit(ts, "facebook", text, role="crisis", author=page, province="Nghệ An",
                page=fold(page).lower().replace(" ", ""),
                reach=tl.reach(2500 * (i + 2) + tl.rng.randint(0, 900), 600 * (i + 2) + tl.rng.randint(0, 300),
                               900 * (i + 2), followers))
    # Hundreds of comments within 3 hours (the crawler polls the original post and the big reposts).
    all_comments = tl.vary(P.VIDEO_COMMENTS, 130, P.COMMENT_PREFIXES)
    times = tl.times(vn(2026, 4, 14, 9, 55), vn(2026, 4, 14, 12, 45), len(all_comments))
    for ts, text in zip(times, all_comments):
        tl.emit(ts, "facebook", text, role="crisis", author=tl.author(), province="Nghệ An", reach=tl.comment_reach(),
                fold_ok=True, page="minhkhoi.tran.vinh")
    for ts, item in zip([vn(2026, 4, 14, 13, 10), vn(2026, 4, 14, 15, 20), vn(2026, 4, 14, 17, 5)],
                        P.VIDEO_NEWS):
        tl.news(ts, item, province="Nghệ An", comments=tl.rng.randint(150, 900))
    tl.emit(vn(2026, 4, 14, 16, 30), "facebook", P.VIDEO_OFFICIAL, role="official", author="BHXH tỉnh Nghệ An",
            province="Nghệ An", page="bhxhnghean", reach=tl.reach(3200, 410, 2100, 85000))
    tail = tl.times(vn(2026, 4, 14, 17, 30), vn(2026, 4, 15, 22), len(P.VIDEO_TAIL))
    for ts, text in zip(tail, P.VIDEO_TAIL):
        tl.emit(ts, "facebook", text, role="decay", author=tl.author(), province="Nghệ An", reach=tl.comment_reach(),
                fold_ok=True, page="bhxhnghean")
    tl.background(vn(2026, 4, 15, 6), vn(2026, 4, 16, 23), 16)


def contribution_evasion(tl: Timeline) -> None:
    """A shoe factory in old Bình Dương owes 3 years of contributions for ~4,200 workers; it breaks in one day."""
    hcm = "TP. Hồ Chí Minh"
    tl.background(vn(2026, 5, 18, 6), vn(2026, 5, 20, 6), 26)
    first = vn(2026, 5, 20, 6, 35)
    worker_times = tl.times(first, vn(2026, 5, 20, 21, 30), len(P.EVASION_WORKERS), skew=1.8)
    for ts, text in zip(worker_times, P.EVASION_WORKERS):
        source = tl.rng.choices(["facebook", "zalo"], [3, 1])[0]
        tl.emit(ts, source, text, role="crisis", author=tl.author(), province=hcm, fold_ok=True,
                page="congnhanbinhduong")
    news_times = [vn(2026, 5, 20, 9, 15), vn(2026, 5, 20, 10, 40), vn(2026, 5, 20, 13, 5), vn(2026, 5, 20, 15, 30),
                  vn(2026, 5, 20, 18, 0), vn(2026, 5, 21, 8, 20)]
    for ts, item in zip(news_times, P.EVASION_NEWS):
        tl.news(ts, item, province=hcm, comments=tl.rng.randint(40, 400))
    comment_times = tl.times(vn(2026, 5, 20, 9, 30), vn(2026, 5, 21, 12), len(P.EVASION_COMMENTS))
    for ts, text in zip(comment_times, P.EVASION_COMMENTS):
        tl.emit(ts, "facebook", text, role="crisis", author=tl.author(), province=hcm, reach=tl.comment_reach(),
                fold_ok=True,
                page="baolaodong")
    tl.emit(vn(2026, 5, 20, 17, 10), "facebook", P.EVASION_OFFICIAL, role="official", author="BHXH TP. Hồ Chí Minh",
            province=hcm,
            page="bhxhtphcm", reach=tl.reach(2100, 380, 640, 210000))
    tl.background(vn(2026, 5, 21, 6), vn(2026, 5, 22, 23), 14)


def outage(tl: Timeline) -> None:
    """VssID and the public-service portal fail on 30/6, the last day to renew household health insurance."""
    tl.background(vn(2026, 6, 29, 6), vn(2026, 6, 30, 8), 22,
                  pools=(P.BACKGROUND_QUESTIONS, P.DISTRACTORS, P.VSSID_ORDINARY))
    start = vn(2026, 6, 30, 8, 4)
    burst = tl.times(start, vn(2026, 6, 30, 9, 5), len(P.OUTAGE_BURST), day_only=False)
    for ts, text in zip(burst, P.OUTAGE_BURST):
        source = tl.rng.choices(["facebook", "zalo"], [3, 2])[0]
        tl.emit(ts, source, text, role="crisis", author=tl.author(), fold_ok=True, page=tl.rng.choice(P.GROUPS))
    later = tl.times(vn(2026, 6, 30, 9, 5), vn(2026, 6, 30, 12, 0), len(P.OUTAGE_LATER))
    for ts, text in zip(later, P.OUTAGE_LATER):
        tl.emit(ts, tl.rng.choices(["facebook", "zalo"], [3, 1])[0], text, role="crisis", author=tl.author(),
                fold_ok=True,
                page=tl.rng.choice(P.GROUPS))
    for ts, item in zip([vn(2026, 6, 30, 10, 25), vn(2026, 6, 30, 11, 50)], P.OUTAGE_NEWS):
        tl.news(ts, item, comments=tl.rng.randint(30, 300))
    tl.emit(vn(2026, 6, 30, 10, 5), "facebook", P.OUTAGE_OFFICIAL, role="official", author="Bảo hiểm xã hội Việt Nam",
            page="baohiemxahoivietnam", reach=tl.reach(5200, 900, 2600, 1_100_000))
    recovered = tl.times(vn(2026, 6, 30, 12, 0), vn(2026, 6, 30, 22, 0), len(P.OUTAGE_RECOVERED))
    for ts, text in zip(recovered, P.OUTAGE_RECOVERED):
        tl.emit(ts, "facebook", text, role="decay", author=tl.author(), fold_ok=True, page=tl.rng.choice(P.GROUPS))
    tl.background(vn(2026, 6, 30, 13), vn(2026, 6, 30, 23, 30), 10)


def quiet_week(tl: Timeline) -> None:
    """A week of ordinary chatter and one viral bait post (a retirement joke from a meme page): no crisis."""
    for day in range(7):  # an even 6–9 mentions a day, so the only outlier is the bait's reach, not volume
        d0 = vn(2026, 8, 3 + day)
        tl.background(d0 + timedelta(hours=6), d0 + timedelta(hours=23), tl.rng.randint(6, 9),
                      pools=(P.BACKGROUND_QUESTIONS, P.DISTRACTORS, P.SERVICE_ORDINARY, P.QUIET_POSITIVE))
    tl.emit(vn(2026, 8, 6, 20, 15), "facebook", P.BAIT_POST, role="bait", author="Hài Công Sở", page="haicongso",
            reach=tl.reach(48_200, 12_700, 3_900, 2_300_000))
    for ts, text in zip(tl.times(vn(2026, 8, 6, 20, 20), vn(2026, 8, 6, 23), len(P.BAIT_COMMENTS)),
                        P.BAIT_COMMENTS):
        tl.emit(ts, "facebook", text, role="bait", author=tl.author(), page="haicongso", reach=tl.comment_reach())


def slow_burn(tl: Timeline) -> None:
    """Unemployment allowances paid late in Đồng Nai (incl. old Bình Phước): 1–2 complaints a day to ~15 in 3 weeks."""
    province = "Đồng Nai"
    start = vn(2026, 9, 1)
    pool = iter(tl.vary(P.SLOW_COMPLAINTS, 200, P.SLOW_PREFIXES))
    for day in range(21):
        per_day = round(1 + (day / 20) ** 2 * 16 + tl.rng.uniform(-0.6, 0.6))
        d0 = start + timedelta(days=day)
        stamps = tl.times(d0 + timedelta(hours=6), d0 + timedelta(hours=23), max(per_day, 1))
        if day == 0:  # the first complaint, posted when the allowance was due that morning
            stamps = [vn(2026, 9, 1, 9, 10)]
        for ts in stamps:
            tl.emit(ts, tl.rng.choices(["facebook", "zalo"], [3, 2])[0], next(pool), role="crisis", author=tl.author(),
                    province=province, fold_ok=True, page="hoinguoilaodongdongnai")
        tl.background(d0 + timedelta(hours=6), d0 + timedelta(hours=23), tl.rng.randint(1, 2))
    tl.news(vn(2026, 9, 17, 9, 30), P.SLOW_NEWS[0], province=province, comments=180)
    tl.news(vn(2026, 9, 19, 16, 0), P.SLOW_NEWS[1], province=province, comments=95)


def scam_link(tl: Timeline) -> None:
    """SMS/Zalo messages with a fake "VssID update" link spread in Cần Thơ; victims and warnings follow."""
    province = "Cần Thơ"
    tl.background(vn(2026, 10, 5, 6), vn(2026, 10, 6, 19), 24)
    first = vn(2026, 10, 6, 19, 20)
    times = tl.times(first, vn(2026, 10, 7, 12), len(P.SCAM_POSTS))
    for ts, text in zip(times, P.SCAM_POSTS):
        source = tl.rng.choices(["facebook", "zalo"], [3, 2])[0]
        tl.emit(ts, source, text, role="crisis", author=tl.author(), province=province, fold_ok=True, page="cantho24h")
    for ts, item in zip([vn(2026, 10, 7, 9, 40), vn(2026, 10, 7, 14, 10)], P.SCAM_NEWS):
        tl.news(ts, item, province=province, comments=tl.rng.randint(40, 250))
    tl.emit(vn(2026, 10, 7, 10, 30), "facebook", P.SCAM_OFFICIAL, role="official", author="BHXH TP. Cần Thơ",
            province=province,
            page="bhxhcantho", reach=tl.reach(1900, 2400, 310, 64000))
    tail = tl.times(vn(2026, 10, 7, 11), vn(2026, 10, 8, 22), len(P.SCAM_TAIL))
    for ts, text in zip(tail, P.SCAM_TAIL):
        tl.emit(ts, "facebook", text, role="decay", author=tl.author(), province=province, fold_ok=True,
                page="cantho24h")


SCENARIOS: dict[str, tuple[str, Callable[[Timeline], None]]] = {
    "rumor_wave": ("rw", rumor_wave),
    "viral_video_staff": ("vv", viral_video),
    "contribution_evasion_binhduong": ("ce", contribution_evasion),
    "vssid_outage_deadline": ("ou", outage),
    "quiet_week_bait": ("qw", quiet_week),
    "slow_burn_unemployment_dongnai": ("sb", slow_burn),
    "scam_fake_vssid_link": ("sc", scam_link),
}


def build() -> list[dict]:
    """All scenarios' lines, each scenario sorted by time (the replay sorts too; sorted files read better)."""
    rng = random.Random(SEED)
    used: Counter[str] = Counter()
    out: list[dict] = []
    for name, (short, make) in SCENARIOS.items():
        tl = Timeline(name, short, random.Random(rng.randrange(2**32)), used)
        make(tl)
        out.extend(sorted(tl.lines, key=lambda line: line["ts"]))
    return out


def render(lines: Sequence[dict]) -> str:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Dựng alerting/scenarios/timelines.jsonl từ các kho văn bản.")
    parser.add_argument("--check", action="store_true", help="chỉ kiểm tra tệp đã commit có khớp không")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} đã cũ: chạy lại `python -m alerting.scenarios.build`.", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"Đã ghi {len(text.splitlines())} dòng vào {OUT}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
