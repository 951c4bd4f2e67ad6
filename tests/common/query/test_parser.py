"""Parser: grammar, fields, values, errors, round-trip, fuzz."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from common.query import (
    FIELDS,
    And,
    MatchAll,
    MatchDocument,
    Not,
    Or,
    Phrase,
    QuerySyntaxError,
    Range,
    RelativeDate,
    Term,
    Wildcard,
    analyzed,
    compile_query,
    parse,
)


def T(value: str, field: str = "text") -> Term:
    return Term(field, value)


def P(value: str, field: str = "text") -> Phrase:
    return Phrase(field, value)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ------------------------------------------------------------------------------------------------ structure

@pytest.mark.parametrize("query, expected", [
    ("a OR b AND c", Or((T("a"), And((T("b"), T("c")))))),
    ("a AND b OR c", Or((And((T("a"), T("b"))), T("c")))),
    ("NOT a AND b", And((Not(T("a")), T("b")))),
    ("NOT a OR b", Or((Not(T("a")), T("b")))),
    ("a OR NOT b c", Or((T("a"), And((Not(T("b")), T("c")))))),
    ("NOT NOT a", Not(Not(T("a")))),
])
def test_precedence_not_and_or(query, expected):
    assert parse(query) == expected


def test_implicit_and_binds_like_and():
    assert parse("lương hưu") == And((T("lương"), T("hưu")))
    assert parse("a b OR c d") == Or((And((T("a"), T("b"))), And((T("c"), T("d")))))
    assert parse("a b") == parse("a AND b")
    assert parse("a NOT b") == And((T("a"), Not(T("b"))))


def test_lowercase_operators_are_words():
    assert parse("a and b or not c") == And((T("a"), T("and"), T("b"), T("or"), T("not"), T("c")))
    assert parse("xe And máy") == And((T("xe"), T("And"), T("máy")))


def test_nested_parentheses_and_flattening():
    assert parse("((a OR b) (c OR (d e)))") == And((Or((T("a"), T("b"))), Or((T("c"), And((T("d"), T("e")))))))
    assert parse("a AND (b AND (c AND d))") == And((T("a"), T("b"), T("c"), T("d")))
    assert parse("(a OR (b OR c)) OR d") == Or((T("a"), T("b"), T("c"), T("d")))
    assert parse("(((a)))") == T("a")


def test_leading_minus_is_not_but_inner_minus_is_part_of_the_word():
    assert parse("bảo hiểm -xe") == And((T("bảo"), T("hiểm"), Not(T("xe"))))
    assert parse('-"xe máy"') == Not(P("xe máy"))
    assert parse("-(a OR b)") == Not(Or((T("a"), T("b"))))
    assert parse("covid-19") == P("covid-19")  # a term that analyzes to two tokens is a phrase
    assert parse("BR-VT") == P("BR-VT")
    assert parse("lương - hưu") == And((T("lương"), T("hưu")))  # a lone dash is punctuation
    assert parse("--a") == Not(Not(T("a")))


def test_phrases_and_escaped_quotes():
    assert parse('"bảo hiểm xã hội"') == P("bảo hiểm xã hội")
    assert parse(r'"nói \"không\" với lừa đảo"') == P('nói "không" với lừa đảo')
    assert parse(r'"a \\ b"') == P("a \\ b")
    assert parse('"lương hưu" OR "hưu trí"') == Or((P("lương hưu"), P("hưu trí")))
    assert parse('"có phải không?"') == P("có phải không?")  # a question mark ending a word is punctuation


def test_terms_without_searchable_characters_are_dropped():
    assert parse("lương & hưu") == And((T("lương"), T("hưu")))
    assert parse('hưu OR "" OR …') == T("hưu")
    assert parse("hưu -!!!") == T("hưu")


def test_a_term_that_analyzes_to_several_tokens_is_a_phrase():
    assert parse("BHXH") == P("BHXH")  # teencode: bảo hiểm xã hội
    assert parse("covid-19") == P("covid-19")
    assert parse("title:bhyt") == P("bhyt", "title")
    assert analyzed(parse("BHXH")) == analyzed(parse('"bảo hiểm xã hội"')) == ("bao", "hiem", "xa", "hoi")


def test_wildcards():
    assert parse("bảo*") == Wildcard("text", "bảo*")
    assert parse("vss?d") == Wildcard("text", "vss?d")
    assert parse("title:lươ*") == Wildcard("title", "lươ*")
    assert parse("*hiểm") == Wildcard("text", "*hiểm")
    assert parse("text:*") == Wildcard("text", "*")
    assert parse("*") == MatchAll() and parse("*:*") == MatchAll()
    assert parse(r"tăng\*") == T("tăng*")  # escaped: literal, and analysis drops it
    assert parse("tăng?") == T("tăng")  # a trailing question mark is punctuation, not a wildcard
    assert analyzed(parse("BẢO*")) == ("bao*",)
    assert analyzed(parse("url:*VnExpress*")) == ("*vnexpress*",)


def test_field_clauses():
    assert parse('title:"bảo hiểm"') == P("bảo hiểm", "title")
    assert parse("title:(lương OR hưu)") == Or((T("lương", "title"), T("hưu", "title")))
    assert parse("Title:hưu") == T("hưu", "title")
    assert parse("title:(a source:zalo)") == And((T("a", "title"), T("zalo", "source")))
    assert parse("source:Facebook") == T("facebook", "source")
    assert parse("topic:pension sentiment:NEGATIVE") == And((T("pension", "topic"), T("negative", "sentiment")))
    assert parse("topic:one-time-withdrawal") == T("one_time_withdrawal", "topic")
    assert parse('author:"Nguyễn Văn A"') == T("Nguyễn Văn A", "author")
    assert parse("province:HCM") == T("HCM", "province")
    assert parse("url:https://vnexpress.net/bhxh-123.html") == T("https://vnexpress.net/bhxh-123.html", "url")
    assert parse("misinformation:true relevant:no") == And((Term("misinformation", True), Term("relevant", False)))
    assert parse("topic:*") == Wildcard("topic", "*")
    assert parse("source:face*") == Wildcard("source", "face*")


def test_colons_that_are_not_fields():
    assert parse("Lưu ý: hưu") == And((T("Lưu"), T("ý:"), T("hưu")))  # not an ASCII field name
    assert parse("09:30") == P("09:30")
    assert parse("https://baohiemxahoi.gov.vn") == P("https://baohiemxahoi.gov.vn")
    assert parse(r"note\: hưu") == And((T("note:"), T("hưu")))


# --------------------------------------------------------------------------------------------------- ranges

@pytest.mark.parametrize("query, expected", [
    ("reach:[100 TO 1000]", Range("reach", 100, 1000, True, True)),
    ("reach:{100 TO 1000}", Range("reach", 100, 1000, False, False)),
    ("reach:[100 TO 1000}", Range("reach", 100, 1000, True, False)),
    ("reach:{100 TO 1000]", Range("reach", 100, 1000, False, True)),
    ("reach:[100 TO *]", Range("reach", 100, None, True, True)),
    ("reach:[* TO 100]", Range("reach", None, 100, True, True)),
    ("reach:{* TO 100}", Range("reach", None, 100, True, False)),
    ("reach:[* TO *]", Range("reach", None, None, True, True)),
    ("reach:*", Range("reach", None, None, True, True)),
    ("reach:>=100", Range("reach", 100, None, True, True)),
    ("reach:>100", Range("reach", 100, None, False, True)),
    ("reach:<100", Range("reach", None, 100, True, False)),
    ("reach:<=100", Range("reach", None, 100, True, True)),
    ("reach:100", Range("reach", 100, 100, True, True)),
    ("shares:(>10 OR 0)", Or((Range("shares", 10, None, False, True), Range("shares", 0, 0, True, True)))),
    ("misinformation_score:>=0.8", Range("misinformation_score", 0.8, None, True, True)),
    ("followers:[1e3 TO 2.5e4]", Range("followers", 1000.0, 25000.0, True, True)),
])
def test_number_ranges(query, expected):
    node = parse(query)
    assert node == expected
    if isinstance(node, Range):  # ints stay ints, floats floats
        assert (type(node.lower), type(node.upper)) == (type(expected.lower), type(expected.upper))


# 2025-07-01 in Asia/Ho_Chi_Minh (UTC+7) is [2025-06-30T17:00Z, 2025-07-01T17:00Z).
DAY_START, NEXT_DAY = utc(2025, 6, 30, 17), utc(2025, 7, 1, 17)


@pytest.mark.parametrize("query, expected", [
    ("created_at:2025-07-01", Range("created_at", DAY_START, NEXT_DAY, True, False)),
    ("created_at:01/07/2025", Range("created_at", DAY_START, NEXT_DAY, True, False)),
    ("created_at:[2025-07-01 TO 2025-07-31]", Range("created_at", DAY_START, utc(2025, 7, 31, 17), True, False)),
    ("created_at:{2025-07-01 TO 2025-07-31}", Range("created_at", NEXT_DAY, utc(2025, 7, 30, 17), True, False)),
    ("created_at:[2025-07-01 TO *]", Range("created_at", DAY_START, None, True, True)),
    ("created_at:>=2025-07-01", Range("created_at", DAY_START, None, True, True)),
    ("created_at:>2025-07-01", Range("created_at", NEXT_DAY, None, True, True)),
    ("created_at:<2025-07-01", Range("created_at", None, DAY_START, True, False)),
    ("created_at:<=2025-07-01", Range("created_at", None, NEXT_DAY, True, False)),
    ("created_at:>=2025-07-01T08:30", Range("created_at", utc(2025, 7, 1, 1, 30), None, True, True)),
    ("created_at:>=2025-07-01T08:30:00Z", Range("created_at", utc(2025, 7, 1, 8, 30), None, True, True)),
    ('created_at:>="2025-07-01 08:30:00+09:00"', Range("created_at", utc(2025, 6, 30, 23, 30), None, True, True)),
    ("created_at:[2025-07-01T00:00:00+07:00 TO 2025-07-01T12:00:00+07:00]",
     Range("created_at", DAY_START, utc(2025, 7, 1, 5), True, True)),
])
def test_dates_are_days_in_ho_chi_minh(query, expected):
    node = parse(query)
    assert node == expected
    for bound in (node.lower, node.upper):
        assert bound is None or (isinstance(bound, datetime) and bound.utcoffset() == timedelta(0))


def test_relative_dates():
    assert parse("created_at:>=now-7d") == Range("created_at", RelativeDate(timedelta(days=-7)), None)
    assert parse("created_at:>now-24h") == parse("created_at:>now-1d")
    assert parse("created_at:[now-2w TO now]") == Range("created_at", RelativeDate(timedelta(weeks=-2)),
                                                       RelativeDate(), True, True)
    assert parse("created_at:<now+30m").upper == RelativeDate(timedelta(minutes=30))
    assert str(RelativeDate(timedelta(hours=-36))) == "now-36h"
    now = datetime(2025, 7, 10, tzinfo=UTC)
    assert parse("created_at:>=now-7d").lower.resolve(now) == datetime(2025, 7, 3, tzinfo=UTC)
    before = datetime.now(UTC)
    resolved = RelativeDate(timedelta(days=-1)).resolve()
    assert before - timedelta(days=1) <= resolved <= datetime.now(UTC) - timedelta(days=1)


# --------------------------------------------------------------------------------------------------- errors

@pytest.mark.parametrize("query, position, fragment", [
    ("", 0, "empty query"),
    ("   \n ", 0, "empty query"),
    ("(bhxh OR bhyt", 0, "never closed"),
    ("a (b (c) d", 2, "never closed"),
    ("bhxh OR bhyt)", 12, "no matching '('"),
    ("()", 0, "empty parentheses"),
    ('lương "hưu trí', 6, "unterminated quote"),
    ('"abc\\', 0, "unterminated quote"),
    ("bhxh AND", 5, "dangling operator AND"),
    ("OR bhxh", 0, "dangling operator OR"),
    ("bhxh OR AND bhyt", 5, "dangling operator OR"),
    ("(bhxh OR) bhyt", 6, "dangling operator OR"),
    ("bhxh NOT", 5, "dangling operator NOT"),
    ("a -", None, None),  # a lone dash is punctuation: no error
    ("foo:bar", 0, "unknown field 'foo'"),
    ("bhxh tinh:hcm", 5, "known fields: text, title"),
    ("title:", 6, "missing value"),
    ("reach:[1 TO]", 11, "expected an upper bound"),
    ("reach:[1 10]", 9, "expected 'TO'"),
    ("reach:[1 TO 10", 14, "expected ']' or '}'"),
    ("reach:[10 TO 1]", 6, "lower bound is above"),
    ("reach:{5 TO 5}", 6, "lower bound is above"),
    ("created_at:[2025-07-02 TO 2025-07-01]", 11, "lower bound is above"),
    ("title:[a TO b]", 6, "ranges only work on number and date fields"),
    ("[1 TO 2]", 0, "ranges only work"),
    ("reach:abc", 6, "bad number 'abc'"),
    ("reach:>=1.000.000", 8, "bad number"),
    ("reach:[1 TO x]", 12, "bad number 'x'"),
    ("reach:>=", 6, "missing value after '>='"),
    ("created_at:2025-13-01", 11, "bad date"),
    ("created_at:>=yesterday", 13, "bad date 'yesterday'"),
    ("created_at:now-7M", 11, "bad date"),
    ('"bảo hiểm*"', 9, "wildcards do not work inside a phrase"),
    ('title:"vss?d"', 10, "wildcards do not work inside a phrase"),
    ("covid-1*", 0, "single word"),
    ("topic:pensions", 6, "allowed: pension, one_time_withdrawal"),
    ("sentiment:angry", 10, "allowed: negative, neutral, positive"),
    ("source:tiktok", 7, "allowed: facebook, zalo, news"),
    ("topic:xyz*", 6, "no topic matches"),
    ("misinformation:maybe", 15, "true or false"),
    ("a ]", 2, "unexpected ']'"),
    ("bhxh\\", 4, "nothing to escape"),
    ("&&& !!!", 0, "no words to search for"),
    ("(" * 150 + "a" + ")" * 150, 100, "nests"),
])
def test_errors_have_the_right_position(query, position, fragment):
    if fragment is None:
        parse(query)
        return
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    error = caught.value
    assert fragment in error.message
    assert error.position == position, str(error)
    assert error.query == query


def test_unknown_field_lists_every_known_field():
    with pytest.raises(QuerySyntaxError) as caught:
        parse("tinh:hcm")
    assert all(name in caught.value.message for name in FIELDS)


def test_error_shows_the_query_with_a_caret():
    with pytest.raises(QuerySyntaxError) as caught:
        parse('title:"lương hưu')
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("unterminated quote")
    assert lines[1] == '  title:"lương hưu'
    assert lines[2] == "  " + " " * 6 + "^"


def test_error_caret_in_a_multiline_query_and_with_combining_marks():
    query = "bhxh OR\n  (lương hưu OR\n  reach:abc)"
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    error = caught.value
    assert (error.line, error.column) == (3, 9)
    assert "line 3, column 9" in str(error)
    assert str(error).splitlines()[1:] == ["    reach:abc)", "  " + " " * 8 + "^"]
    nfd = "lu\u031bo\u031b\u0300ng reach:x"  # "lường" in NFD: 7 code points, 5 columns
    with pytest.raises(QuerySyntaxError) as caught:
        parse(nfd)
    assert str(caught.value).splitlines()[2] == "  " + " " * 12 + "^"


def test_error_is_a_value_error_and_pickles():
    import pickle

    with pytest.raises(ValueError):
        parse("(")
    error = pickle.loads(pickle.dumps(QuerySyntaxError("m", 3, "abcdef")))
    assert (error.message, error.position, error.query) == ("m", 3, "abcdef")


# --------------------------------------------------------------------------------------- AST, round trip

def test_positions_are_kept_but_ignored_by_equality():
    node = parse('bhxh AND title:"lương hưu" -xe reach:>10')
    a, b, c, d = node.children
    assert (a.pos, b.pos, c.pos, c.child.pos, d.pos) == (0, 9, 27, 28, 31)
    assert Term("text", "x", pos=5) == Term("text", "x", pos=0)
    with pytest.raises(AttributeError):
        a.value = "y"  # frozen


def test_analyzed_reuses_the_text_analyzer():
    assert analyzed(parse('"Bảo Hiểm  Xã-Hội"')) == ("bao", "hiem", "xa", "hoi")
    assert analyzed(parse("ĐÓNG")) == ("dong",)
    assert analyzed(parse('author:"Nguyễn  Văn A"')) == ("nguyen van a",)
    assert analyzed(parse("source:ZALO")) == ("zalo",)
    assert analyzed(parse("misinformation:true")) == ("true",)


ROUND_TRIP = [
    "a OR b AND c", "NOT a AND b", "(a OR b) (c OR -d)", '"nói \\"không\\" nhé"', "bảo* vss?d *hiểm",
    "title:(lương OR hưu) source:facebook", 'author:"Nguyễn Văn A" province:"Bình Dương"',
    "reach:[100 TO *] shares:{1 TO 5] comments:<3", "misinformation_score:>=0.75 followers:1e3",
    "created_at:[2025-07-01 TO 2025-07-31]", "created_at:>=now-7d created_at:<now-1h", "created_at:2025-07-01T08:30",
    "misinformation:true relevant:false", "topic:one_time_withdrawal sentiment:negative",
    "url:https://vnexpress.net/a?b=1", r"a\(b\) c\:d \-e \AND", "covid-19 BR-VT", "*", "claim:C-12 cluster:abc",
    "Lưu ý: bhxh", "tăng\\?", "title:\\-bhxh", r"author:nguyen\ van*", "url:*\\?id=*", "NOT NOT a", "topic:*",
]


@pytest.mark.parametrize("query", ROUND_TRIP)
def test_round_trip(query):
    node = parse(query)
    assert parse(node.to_string()) == node, node.to_string()


def test_default_watchlist_round_trips():
    from common.query import default_watchlist_query

    node = parse(default_watchlist_query())
    assert parse(node.to_string()) == node


# ---------------------------------------------------------------------------------------------------- fuzz

_ALPHABET = (list('()"[]{}:*?\\-<>= \t\n.,!#&|/+') + ["AND", "OR", "NOT", "TO", "now-7d", "2025-07-01"]
             + [f"{f}:" for f in ("title", "reach", "created_at", "topic", "source", "province", "misinformation",
                                  "bogus", "url", "author")]
             + list("abcxyz0159") + ["bảo", "hiểm", "BHXH", "đ", "ư\u0301", "lương", "pension", "true", "*", " "])


def test_fuzz_parse_never_raises_anything_else():
    rng = random.Random(20250701)
    doc = MatchDocument.from_text("Rút BHXH 1 lần, lương hưu tăng 15% từ 1/7", title="bảo hiểm")
    parsed = 0
    for _ in range(4000):
        query = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 14)))
        try:
            node = parse(query)
        except QuerySyntaxError as error:
            assert 0 <= error.position <= len(query)
            str(error)
            continue
        parsed += 1
        text = node.to_string()
        assert parse(text) == node, (query, text)
        compile_query(node).matches(doc)
    assert parsed > 500  # the fuzzer also reaches the success paths


def test_fuzz_random_unicode():
    rng = random.Random(7)
    for _ in range(1500):
        query = "".join(chr(rng.randint(0, 0x2FF)) for _ in range(rng.randint(0, 12)))
        try:
            node = parse(query)
        except QuerySyntaxError:
            continue
        assert parse(node.to_string()) == node, query
