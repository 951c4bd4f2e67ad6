"""A crisis that unfolds NOW in the demo: one scenario of alerting/scenarios/timelines.jsonl replayed as a Facebook
community page whose posts are dated from the moment the stack starts.

The recordings of crawlers/recordings/ are from mid-2025, but the alerting engine's clock ticks in wall time: a
demo fed only those would open and close every episode at once. `render_crisis_demo` writes a recordings folder
(`manifest.yaml` + Graph API v23.0 bodies, the shapes of crawlers/recordings/facebook/) for ONE extra page, served
by `crawlers.replay.ReplayServer` beside the usual recordings (it takes several roots):

    demo = render_crisis_demo(state_dir / "demo-crisis", start=datetime.now(UTC), speed=10)
    server = ReplayServer([RECORDINGS, demo.recordings_dir], speed=10)
    demo.add_page_to(rendered_sources_file)

Timeline. The scenario's crisis window runs from one hour before its first ``crisis`` line to two hours after its
last ``official`` line (no official line: one hour after the last ``crisis``/``reaction`` line); it is compressed
linearly into `minutes` of real time. A line at scenario time ``ts`` gets the real offset
``o = round((ts - window_start) / (window_end - window_start) * minutes * 60)`` seconds, its ``created_time`` is
``start + o`` and it is released at replay timeline ``release_s = o * speed``: the replay server multiplies elapsed
real time by `speed`, so it serves the entry ``release_s / speed = o`` real seconds after it started, whatever the
speed the rest of the demo replays at. Render just before starting the server (``start`` = now): no post is then
served before its ``created_time``.

Mapping. Facebook lines become posts on the page (visitor posts ``from`` their fictional author), except
``reaction`` lines, which become comments on the most engaged of the five latest ``crisis`` posts before them (a
post otherwise). Every release adds a feed snapshot (all posts so far, newest first, with their comment counts so
far) and, for a comment, a snapshot of that post's comments: among released entries the last released wins, so
the page grows as a real one would. The feed is served whole whatever ``since`` says (Graph would filter it; the
crawler's dedupe drops what it already delivered). Zalo and news lines are not replayed. Ids embed ``start``: a
second demo run does not collide with the first in the crawler's persistent dedupe state.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

TIMELINES = Path(__file__).resolve().parents[1] / "alerting" / "scenarios" / "timelines.jsonl"
PAGE_ID = "100095551234567"
PAGE_NAME = "Hội Người Lao Động Bình Dương"
GRAPH_VERSION = "v23.0"
MAX_POSTS = 100  # one Graph feed page (limit=100): the snapshots are served without paging
LEAD = timedelta(hours=1)
TAIL = timedelta(hours=2)
TAIL_NO_OFFICIAL = timedelta(hours=1)
MANIFEST_HEADER = "# Demo crisis timeline, written by crawlers/demo_crisis.py for `crisiswatch run`.\n"

JSON_HEADERS = {
    "Content-Type": "application/json; charset=UTF-8",
    "facebook-api-version": GRAPH_VERSION,
    "Cache-Control": "private, no-cache, no-store, must-revalidate",
    "Access-Control-Allow-Origin": "*",
}


@dataclass(frozen=True)
class DemoMention:
    """One replayed post or comment: what the crawler should deliver, and when it becomes visible."""

    source_id: str  # Graph id: "<page>_<post>" or "<post>_<comment>"
    kind: str  # "post" | "comment"
    parent_source_id: str | None  # the post of a comment
    text: str
    author: str
    created_at: datetime  # UTC, = start + offset_s
    offset_s: int  # real seconds after `start`
    release_s: float  # replay timeline seconds (= offset_s * speed)
    role: str
    scenario_ts: datetime  # the line's time in the scenario
    reactions: int = 0  # the scenario's reach snapshot (a comment's likes)
    shares: int = 0


@dataclass
class CrisisDemo:
    recordings_dir: Path
    page: dict[str, str]  # the entry for `facebook.pages` of the sources file
    start: datetime
    speed: float
    window: tuple[datetime, datetime]  # the scenario's compressed window
    mentions: list[DemoMention] = field(default_factory=list)  # in release order

    @property
    def posts(self) -> list[DemoMention]:
        return [m for m in self.mentions if m.kind == "post"]

    @property
    def comments(self) -> list[DemoMention]:
        return [m for m in self.mentions if m.kind == "comment"]

    def add_page_to(self, sources: Path) -> None:
        """Append the page to a rendered sources file (the demo's copy of demo-sources.yaml)."""
        data = yaml.safe_load(sources.read_text(encoding="utf-8")) or {}
        facebook = data.get("facebook") or {}
        pages = [p for p in facebook.get("pages") or [] if str(p.get("id")) != self.page["id"]]
        data["facebook"] = {**facebook, "pages": [*pages, dict(self.page)]}
        sources.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")


def render_crisis_demo(out_dir: Path, *, start: datetime, speed: float, scenario: str = "rumor_wave",
                       timelines: Path = TIMELINES, minutes: float = 8.0) -> CrisisDemo:
    """Write the recordings of `scenario` compressed into `minutes` from `start` into `out_dir` (see the module
    doc). Deterministic for the same arguments; `out_dir` is replaced if it holds an earlier rendering."""
    if start.tzinfo is None:
        raise ValueError(f"start phải có múi giờ (aware datetime), nhận {start!r}")
    if not speed > 0:
        raise ValueError(f"speed phải > 0, nhận {speed!r}")
    if not minutes > 0:
        raise ValueError(f"minutes phải > 0, nhận {minutes!r}")
    start = start.astimezone(UTC).replace(microsecond=0)
    lines = _read_scenario(timelines, scenario)
    window = _window(lines, timelines, scenario)
    facebook = [line for line in lines if line["source"] == "facebook" and window[0] <= line["_ts"] <= window[1]]
    if not facebook:
        raise ValueError(f"{timelines}: kịch bản {scenario!r} không có dòng Facebook nào trong cửa sổ khủng hoảng")
    span = (window[1] - window[0]).total_seconds()
    mentions = _mentions(facebook, start, speed, lambda ts: round((ts - window[0]).total_seconds() / span
                                                                  * minutes * 60))
    posts = [m for m in mentions if m.kind == "post"]
    if len(posts) > MAX_POSTS:
        raise ValueError(f"{timelines}: kịch bản {scenario!r} có {len(posts)} bài Facebook trong cửa sổ khủng hoảng, "
                         f"quá {MAX_POSTS} bài của một trang feed Graph")
    _prepare(out_dir)
    entries = _render(out_dir, mentions, speed)
    (out_dir / "manifest.yaml").write_text(
        MANIFEST_HEADER + yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    return CrisisDemo(out_dir, {"id": PAGE_ID, "name": PAGE_NAME}, start, speed, window, mentions)


# -- the scenario ----------------------------------------------------------------------------------------------


def _read_scenario(timelines: Path, scenario: str) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    with timelines.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
            except ValueError as error:
                raise ValueError(f"{timelines}:{number}: không phải JSON ({error})") from error
            if line.get("scenario") != scenario:
                continue
            for key in ("ts", "source", "text", "role"):
                if not isinstance(line.get(key), str) or not line[key]:
                    raise ValueError(f"{timelines}:{number}: thiếu trường {key!r}")
            try:
                ts = datetime.fromisoformat(line["ts"])
            except ValueError as error:
                raise ValueError(f"{timelines}:{number}: ts {line['ts']!r} không phải ISO 8601") from error
            if ts.tzinfo is None:
                raise ValueError(f"{timelines}:{number}: ts {line['ts']!r} thiếu múi giờ")
            lines.append({**line, "_ts": ts, "_line": number})
    if not lines:
        raise ValueError(f"{timelines}: không có kịch bản {scenario!r}")
    lines.sort(key=lambda line: (line["_ts"], line["_line"]))
    return lines


def _window(lines: list[dict[str, Any]], timelines: Path, scenario: str) -> tuple[datetime, datetime]:
    crisis = [line["_ts"] for line in lines if line["role"] == "crisis"]
    if not crisis:
        raise ValueError(f"{timelines}: kịch bản {scenario!r} không có dòng nào vai trò 'crisis'")
    official = [line["_ts"] for line in lines if line["role"] == "official"]
    end = max(official) + TAIL if official else max(
        line["_ts"] for line in lines if line["role"] in ("crisis", "reaction")) + TAIL_NO_OFFICIAL
    return min(crisis) - LEAD, end


def _number(seed: str, digits: int) -> str:
    """A stable numeric id of `digits` digits (Graph ids are numeric strings)."""
    value = int.from_bytes(hashlib.blake2b(seed.encode(), digest_size=8).digest(), "big")
    return str(10 ** (digits - 1) + value % (9 * 10 ** (digits - 1)))


def _reach(line: dict[str, Any], key: str) -> int:
    value = (line.get("reach") or {}).get(key)
    return value if isinstance(value, int) and value > 0 else 0


def _engagement(line: dict[str, Any]) -> int:
    return sum(_reach(line, key) for key in ("reactions", "shares", "comments"))


def _mentions(lines: list[dict[str, Any]], start: datetime, speed: float,
              offset: Callable[[datetime], int]) -> list[DemoMention]:
    stamp = int(start.timestamp())
    mentions: list[DemoMention] = []
    crisis_posts: list[tuple[DemoMention, int]] = []
    posts: list[DemoMention] = []
    for index, line in enumerate(lines):
        seconds = offset(line["_ts"])
        author = str(line.get("author") or "Người dùng Facebook")
        common = {"text": line["text"], "author": author, "created_at": start + timedelta(seconds=seconds),
                  "offset_s": seconds, "release_s": seconds * speed, "role": line["role"],
                  "scenario_ts": line["_ts"], "reactions": _reach(line, "reactions"),
                  "shares": _reach(line, "shares")}
        suffix = f"{stamp}{index:05d}"  # 15 digits; ids are new for every demo start
        parent = None
        if line["role"] == "reaction":
            recent = crisis_posts[-5:] or [(p, 0) for p in posts[-1:]]
            if recent:
                parent = max(recent, key=lambda pair: pair[1])[0]
        if parent is not None:
            post_suffix = parent.source_id.split("_", 1)[1]
            mentions.append(DemoMention(f"{post_suffix}_{suffix}", "comment", parent.source_id, **common))
            continue
        post = DemoMention(f"{PAGE_ID}_{suffix}", "post", None, **common)
        mentions.append(post)
        posts.append(post)
        if line["role"] == "crisis":
            crisis_posts.append((post, _engagement(line)))
    mentions.sort(key=lambda m: m.offset_s)  # stable: scenario order within a second
    return mentions


# -- Graph bodies and the manifest ------------------------------------------------------------------------------


def _graph_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _graph_json(obj: Any) -> bytes:
    """Compact JSON with non-ASCII as \\u escapes and ``\\/`` in URLs, as Graph emits it."""
    return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode()


def _author(name: str) -> dict[str, str]:
    return {"name": name, "id": _number(f"author:{name}", 16)}


def _prepare(out_dir: Path) -> None:
    manifest = out_dir / "manifest.yaml"
    if out_dir.exists() and any(out_dir.iterdir()):
        if not manifest.exists() or not manifest.read_text(encoding="utf-8").startswith(MANIFEST_HEADER):
            raise ValueError(f"{out_dir}: thư mục không trống và không phải bản dựng demo trước đó; không ghi đè")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)


def _render(out_dir: Path, mentions: list[DemoMention], speed: float) -> list[dict[str, Any]]:
    feed_path = f"/{GRAPH_VERSION}/{PAGE_ID}/feed"
    bodies = out_dir / "bodies"
    bodies.mkdir()
    entries: list[dict[str, Any]] = []

    def add(path: str, name: str, body: bytes, release_s: float) -> None:
        (bodies / name).write_bytes(body)
        entries.append({"path": path, "method": "GET", "status": 200, "headers": dict(JSON_HEADERS),
                        "body": f"bodies/{name}", "release_s": release_s})

    released: list[DemoMention] = []
    comments: dict[str, list[DemoMention]] = {}
    offsets = sorted({m.offset_s for m in mentions})
    if offsets[0] > 0:  # before the first post: an empty feed, not a 404 the crawler would retry
        add(feed_path, "feed-0000.json", _graph_json({"data": []}), 0.0)
    for step, offset in enumerate(offsets, 1):
        now = [m for m in mentions if m.offset_s == offset]
        released.extend(now)
        for parent in dict.fromkeys(m.parent_source_id for m in now if m.kind == "comment"):
            assert parent is not None
            comments.setdefault(parent, []).extend(m for m in now if m.parent_source_id == parent)
            add(f"/{GRAPH_VERSION}/{parent}/comments", f"comments-{parent.split('_', 1)[1]}-{step:04d}.json",
                _comments_body(parent, comments[parent]), offset * speed)
        posts = [m for m in released if m.kind == "post"]
        add(feed_path, f"feed-{step:04d}.json", _feed_body(posts, comments), offset * speed)
    return entries


def _feed_body(posts: list[DemoMention], comments: dict[str, list[DemoMention]]) -> bytes:
    data = []
    for post in reversed(posts):  # released in order: newest first
        suffix = post.source_id.split("_", 1)[1]
        node: dict[str, Any] = {
            "id": post.source_id,
            "message": post.text,
            "created_time": _graph_time(post.created_at),
            "updated_time": _graph_time(post.created_at),
            "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/{suffix}",
            "from": _author(post.author),
        }
        if post.shares:
            node["shares"] = {"count": post.shares}
        node["reactions"] = {"data": [], "summary": {"total_count": post.reactions, "viewer_reaction": "NONE"}}
        node["comments"] = {"data": [], "summary": {"order": "ranked", "can_comment": True,
                                                    "total_count": len(comments.get(post.source_id, []))}}
        data.append(node)
    body: dict[str, Any] = {"data": data}
    if data:
        first, last = data[0]["id"], data[-1]["id"]
        body["paging"] = {"cursors": {"before": _cursor(f"before:{first}"), "after": _cursor(f"after:{last}")}}
    return _graph_json(body)


def _comments_body(post_id: str, comments: list[DemoMention]) -> bytes:
    post_suffix = post_id.split("_", 1)[1]
    data = []
    for comment in reversed(comments):  # order=reverse_chronological
        comment_suffix = comment.source_id.split("_", 1)[1]
        data.append({
            "id": comment.source_id,
            "message": comment.text,
            "created_time": _graph_time(comment.created_at),
            "from": _author(comment.author),
            "like_count": comment.reactions,
            "comment_count": 0,
            "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/{post_suffix}/?comment_id={comment_suffix}",
        })
    first, last = data[0]["id"], data[-1]["id"]
    return _graph_json({"data": data, "paging": {"cursors": {"before": _cursor(f"before:{first}"),
                                                             "after": _cursor(f"after:{last}")}},
                        "summary": {"order": "reverse_chronological", "total_count": len(data),
                                    "can_comment": True}})


def _cursor(seed: str) -> str:
    return "QVFIU" + hashlib.blake2b(seed.encode(), digest_size=24).hexdigest()
