"""`FacebookSpider` end to end against the recorded Graph API (replay server), one Scrapy process per run."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from crawlers.replay import ReplayServer
from tests.crawlers.facebook.conftest import MAIN_PAGES, RECORDINGS, TOKEN, Crawl, Run, run_spider
from tests.crawlers.facebook.make_recordings import (
    BROKEN,
    EXPECTED_MAIN,
    GONE,
    HTML,
    PARKED,
    PERMISSION,
    RECORDED_TOKEN,
    RL,
    SLOW,
    TOKEN as TOKEN_PAGE,
    TRANSIENT,
    WATERMARKS,
)

NGHE_AN, NEWS, COMMUNITY = MAIN_PAGES


def feed_requests(run: Run, page_id: str) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(path).query) for path in run.requests if urlsplit(path).path == f"/v23.0/{page_id}/feed"]


def log_time(line: str) -> float:
    stamp = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.(\d{3})", line)
    assert stamp, line
    return datetime.strptime(stamp[1], "%Y-%m-%d %H:%M:%S").timestamp() + int(stamp[2]) / 1000


def first_line(log: str, *needles: str, after: float = 0.0) -> str:
    for line in log.splitlines():
        if all(n in line for n in needles) and (not after or log_time(line) >= after):
            return line
    raise AssertionError(f"no log line with {needles}")


# -- one run over the three recorded pages ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def main_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with ReplayServer(RECORDINGS) as server:
        yield run_spider(tmp_path_factory.mktemp("main"), server)


def test_every_feed_page_is_followed_until_next_is_absent(main_run: Run) -> None:
    assert main_run.reason == "finished"
    nghe_an = feed_requests(main_run, NGHE_AN)
    # page 1 → page 2 (empty, but with `next`) → page 3 (no `next`): three requests, nothing after
    assert len(nghe_an) == 3 and "after" not in nghe_an[0]
    empty_page = json.loads((RECORDINGS / "bhxh-nghe-an/feed-2.json").read_text())
    assert nghe_an[2]["after"] == parse_qs(urlsplit(empty_page["paging"]["next"]).query)["after"]
    assert all("access_token" not in q for q in nghe_an)
    assert all("since" not in q for q in nghe_an)  # first run: no watermark yet
    assert len(feed_requests(main_run, NEWS)) == 3  # 2 pages + 1 retry of the truncated page
    assert len(feed_requests(main_run, COMMUNITY)) == 3  # 2 pages + 1 retry of Graph error 2
    assert main_run.stat("feed_pages_followed") == 4 and main_run.stat("comment_pages_followed") == 1


def test_posts_comments_and_replies_are_all_yielded_once(main_run: Run) -> None:
    got = Counter(item["source_id"] for item in main_run.items)
    assert max(got.values()) == 1
    assert set(got) == {e.source_id for e in EXPECTED_MAIN}
    by_id = {item["source_id"]: item for item in main_run.items}
    for expected in EXPECTED_MAIN:
        item = by_id[expected.source_id]
        assert item["source"] == "facebook" and item["text"] == expected.text
        assert item["parent_source_id"] == expected.parent_source_id
        assert item["extra"]["kind"] == expected.kind and item["extra"]["page_id"] == expected.page_id
    assert (main_run.stat("posts"), main_run.stat("comments"), main_run.stat("replies")) == (21, 55, 10)
    assert main_run.stat("skipped_no_message") == 3  # a photo post, a sticker comment, a shared link
    # the photo post without text is skipped, but its comments are fetched
    assert by_id["122190456781233_1186023948576510"]["parent_source_id"] == "100064813572468_122190456781233"


def test_recovered_errors_are_logged_and_counted(main_run: Run) -> None:
    assert main_run.stat("transient") == 1 and main_run.stat("bad_response/html") == 1
    assert main_run.stat("bad_response/truncated_json") == 1 and main_run.stat("retries") == 3
    assert main_run.stat("gave_up") == 0 and main_run.stat("pages_complete") == 3
    first_line(main_run.log, "WARNING", "Hội Công Nhân KCN Sóng Thần", "Graph error 2 (HTTP 500", "retry 1/3")
    first_line(main_run.log, "WARNING", "Nghệ An", "an HTML page instead of JSON (HTTP 502", "retry 1/3")
    first_line(main_run.log, "WARNING", "Tin Nhanh Lao Động 24h", "truncated JSON (HTTP 200", "retry 1/3")
    assert "Traceback" not in main_run.log and " ERROR: " not in main_run.log


def test_watermarks_are_saved_per_page(main_run: Run) -> None:
    saved = main_run.watermarks()
    assert {page: v["since"] for page, v in saved["pages"].items()} == {p: WATERMARKS[p] for p in MAIN_PAGES}
    first_line(main_run.log, "INFO", "Nghệ An", "5 posts, 30 comments and replies", "complete, watermark → "
               "2025-07-15T09:12:00Z")


def test_the_token_is_never_logged_or_stored(main_run: Run) -> None:
    assert "[scrapy.core.engine] DEBUG: Crawled (200)" in main_run.log  # DEBUG logging was on
    places = {"log": main_run.log, "stats": json.dumps(main_run.stats), "items": json.dumps(main_run.items),
              "stderr": main_run.stderr}
    places |= {str(p): p.read_text(errors="replace") for p in main_run.state_dir.rglob("*") if p.is_file()}
    for name, text in places.items():
        assert TOKEN not in text, f"the access token leaked into {name}"
        assert RECORDED_TOKEN not in text, f"the token echoed in paging.next leaked into {name}"
        assert not re.search(r"[?&]access_token=", text), name
    assert "Bearer" not in main_run.log


# -- watermark ------------------------------------------------------------------------------------------------


def test_second_run_asks_since_the_watermark_and_yields_nothing(crawl: Crawl) -> None:
    first = crawl()
    assert len(first.items) == 76
    second = crawl()
    assert second.items == [] and second.reason == "finished"
    for page in MAIN_PAGES:
        (query,) = feed_requests(second, page)
        assert query["since"] == [str(WATERMARKS[page])]
    assert not [p for p in second.requests if "/comments" in p]
    assert second.watermarks() == first.watermarks()
    first_line(second.log, "INFO", "Nghệ An", "0 posts", "complete, watermark stays 2025-07-15T09:12:00Z")


def test_lookback_asks_a_little_earlier(crawl: Crawl) -> None:
    crawl([TRANSIENT.id])
    again = crawl([TRANSIENT.id], scrapy={"FACEBOOK_LOOKBACK_S": 3600})
    (query,) = feed_requests(again, TRANSIENT.id)
    assert query["since"] == [str(WATERMARKS[TRANSIENT.id] - 3600)]


# -- rate limits --------------------------------------------------------------------------------------------------


def test_rate_limits_back_off_then_succeed(crawl: Crawl) -> None:
    run = crawl([RL.id], scrapy={"FACEBOOK_BACKOFF_SCALE": 0.01})
    assert run.reason == "finished" and run.stat("pages_complete") == 1
    assert len(run.items) == 6  # 3 posts and their 3 comments, after every rate limit
    assert run.stat("rate_limited") == 5
    assert {code: run.stat(f"rate_limited/{code}") for code in (80001, 613, 4, 32, 17)} == dict.fromkeys(
        (80001, 613, 4, 32, 17), 1)
    # 80001 with X-Business-Use-Case-Usage estimated_time_to_regain_access = 2 min → 120 s × 0.01
    warning = first_line(run.log, "WARNING", "feed /v23.0/100071234560004/feed", "Graph error 80001",
                         "usage 100%", "this page waits 1.2 s",
                         "X-Business-Use-Case-Usage estimated_time_to_regain_access 2 min", "retry 1/3")
    retried = first_line(run.log, "Crawled (200)", "/v23.0/100071234560004/feed?", after=log_time(warning))
    assert log_time(retried) - log_time(warning) >= 1.1  # the page's next request really waited
    # 4 (app-wide, X-App-Usage without an estimate) → exponential: 60 s × 0.01, and every page waits
    first_line(run.log, "WARNING", "Graph error 4 ", "usage 100%", "every page waits 0.6 s",
               "no estimate in the usage headers")
    first_line(run.log, "WARNING", "Graph error 32 ", "this page waits 0.6 s", "estimated_time_to_regain_access 1 min")
    assert run.stats["crisiswatch/facebook/backoff_s"] == pytest.approx(1.2 + 0.6 * 4)
    assert run.watermarks()["pages"][RL.id]["since"] == WATERMARKS[RL.id]


def test_a_long_rate_limit_parks_the_page_across_runs(crawl: Crawl) -> None:
    settings = {"FACEBOOK_BACKOFF_SCALE": 1.0, "FACEBOOK_RETRY_BASE_S": 0.01}
    start = time.time()
    run = crawl([PARKED.id, TRANSIENT.id], scrapy=settings)
    assert run.stat("pages_paused") == 1 and run.stat("rate_limited") == 1
    assert len(feed_requests(run, PARKED.id)) == 1  # parked at once: no retry in this run
    first_line(run.log, "WARNING", PARKED.name, "rate limited by Graph", "this page paused until",
               "estimated_time_to_regain_access 45 min")
    paused = run.watermarks()["paused_until"][PARKED.id]
    assert start + 45 * 60 - 5 <= paused <= time.time() + 45 * 60 + 5
    assert PARKED.id not in run.watermarks()["pages"] and TRANSIENT.id in run.watermarks()["pages"]
    again = crawl([PARKED.id, TRANSIENT.id], scrapy=settings)
    assert feed_requests(again, PARKED.id) == []  # Graph is not called again before the pause is over
    first_line(again.log, "WARNING", PARKED.name, "skipped: Graph rate limit, paused until")


def test_rate_limit_retries_are_bounded(crawl: Crawl) -> None:
    run = crawl([PARKED.id], scrapy={"FACEBOOK_MAX_RATE_LIMIT_RETRIES": 2, "FACEBOOK_BACKOFF_SCALE": 0.0001})
    assert len(feed_requests(run, PARKED.id)) == 3 and run.stat("gave_up") == 1
    first_line(run.log, "ERROR", PARKED.name, "3 times in a row; gave up")
    assert PARKED.id not in run.watermarks().get("pages", {})


# -- errors that stop a page, and responses that never get better --------------------------------------------------


@pytest.fixture(scope="module")
def error_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    pages = [TOKEN_PAGE.id, PERMISSION.id, GONE.id, BROKEN.id, HTML.id, SLOW.id, TRANSIENT.id, COMMUNITY]
    with ReplayServer(RECORDINGS) as server:
        yield run_spider(tmp_path_factory.mktemp("errors"), server, pages, scrapy={"DOWNLOAD_TIMEOUT": 1})


def test_expired_token_stops_only_that_page(error_run: Run) -> None:
    assert len(feed_requests(error_run, TOKEN_PAGE.id)) == 1 and error_run.stat("token_rejected") == 1
    line = first_line(error_run.log, "ERROR", f"page '{TOKEN_PAGE.name}' ({TOKEN_PAGE.id})",
                      "Graph rejected the access token", "Graph error 190/463", "Session has expired",
                      "other pages go on", "CRISISWATCH_FACEBOOK_ACCESS_TOKEN")
    assert TOKEN not in line
    assert len(error_run.of_page(COMMUNITY)) == 21 and len(error_run.of_page(TRANSIENT.id)) == 1
    marks = error_run.watermarks()["pages"]
    assert TOKEN_PAGE.id not in marks and COMMUNITY in marks and TRANSIENT.id in marks
    first_line(error_run.log, "INFO", TOKEN_PAGE.name, "incomplete (token), watermark kept")


def test_permission_and_unknown_page_errors_stop_the_page(error_run: Run) -> None:
    assert error_run.stat("permission_denied") == 1 and error_run.stat("graph_error") == 1
    assert len(feed_requests(error_run, PERMISSION.id)) == 1 and len(feed_requests(error_run, GONE.id)) == 1
    first_line(error_run.log, "ERROR", PERMISSION.name, "no permission to read this page", "Graph error 10 ",
               "Page Public Content Access")
    first_line(error_run.log, "ERROR", GONE.name, "Graph error 100/33", "Check the page id")


def test_transient_errors_are_retried(error_run: Run) -> None:
    assert len(feed_requests(error_run, TRANSIENT.id)) == 3  # Graph error 1 twice, then the data
    first_line(error_run.log, "WARNING", TRANSIENT.name, "Graph error 1/99", "retry 2/3")
    assert error_run.of_page(TRANSIENT.id)[0]["text"].startswith("BHYT học sinh sinh viên")


def test_timeouts_are_retried_and_deleted_posts_skipped(error_run: Run) -> None:
    assert error_run.stat("bad_response/timeout") == 1
    first_line(error_run.log, "WARNING", SLOW.name, "timeout", "retry 1/3")
    assert [i["text"] for i in error_run.of_page(SLOW.id)] == ["Lịch làm việc của BHXH cơ sở dịp nghỉ lễ 2/9/2025"]
    # its comments answer "object does not exist" (deleted post): skipped, the page is still complete
    assert error_run.stat("comments_unavailable") == 1
    first_line(error_run.log, "WARNING", SLOW.name, "comments unavailable", "Graph error 100/33")
    assert SLOW.id in error_run.watermarks()["pages"]


def test_broken_bodies_give_up_without_yielding_anything(error_run: Run) -> None:
    for page, kind, what in ((BROKEN, "truncated_json", "truncated JSON"),
                             (HTML, "html", "an HTML page instead of JSON (HTTP 503")):
        assert len(feed_requests(error_run, page.id)) == 4  # 1 + 3 retries
        assert error_run.of_page(page.id) == []
        first_line(error_run.log, "ERROR", page.name, what, "gave up after 3 retries", "keeps its watermark")
        assert page.id not in error_run.watermarks()["pages"]
    assert error_run.stat("bad_response/truncated_json") == 4 and error_run.stat("gave_up") == 2
    assert error_run.reason == "finished"


def test_the_token_never_appears_in_error_logs(error_run: Run) -> None:
    assert TOKEN not in error_run.log and RECORDED_TOKEN not in error_run.log
    assert TOKEN not in json.dumps(error_run.stats)


def test_without_a_token_nothing_is_requested(crawl: Crawl) -> None:
    run = crawl(settings={"facebook_access_token": None})
    assert run.requests == [] and run.items == [] and run.stat("no_token") == 1
    first_line(run.log, "ERROR", "no Graph access token configured")


def test_a_pipeline_failure_keeps_the_watermark(crawl: Crawl) -> None:
    run = crawl([TRANSIENT.id], scrapy={
        "ITEM_PIPELINES": {"tests.crawlers.facebook.failing_pipeline.FailOnPostsPipeline": 100}})
    assert run.items == [] and run.reason == "finished"
    assert "pages" not in run.watermarks() or not run.watermarks()["pages"]
    first_line(run.log, "INFO", TRANSIENT.name, "incomplete (pipeline errors), watermark kept")


def test_feed_paging_is_capped(crawl: Crawl) -> None:
    run = crawl([NGHE_AN], scrapy={"FACEBOOK_MAX_FEED_PAGES": 2, "FACEBOOK_COMMENTS": False})
    assert len(feed_requests(run, NGHE_AN)) == 2 and run.stat("feed_page_cap") == 1
    assert not [p for p in run.requests if "/comments" in p]
    first_line(run.log, "WARNING", "stopped after 2 feed pages (FACEBOOK_MAX_FEED_PAGES)")
    # the newest posts were read: the watermark advances (the cap would otherwise block the page forever)
    assert run.watermarks()["pages"][NGHE_AN]["since"] == WATERMARKS[NGHE_AN]
