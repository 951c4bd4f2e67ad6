from pathlib import Path

import pytest

from alerting.rules import RuleError, load_rule, load_rules

GOOD = """\
type: frequency
description: Sự cố VssID
query: "topic:vssid_app"
params:
  count: 3
  window: 30m
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_rule_name_is_the_file_stem(tmp_path):
    r = load_rule(write(tmp_path, "vssid-outage.yaml", GOOD))
    assert r.name == "vssid-outage" and r.params.count == 3


def test_errors_name_file_key_path_and_line(tmp_path):
    path = write(tmp_path, "bad.yaml", GOOD.replace("count: 3", "count: zero"))
    with pytest.raises(RuleError) as caught:
        load_rule(path)
    (issue,) = caught.value.issues
    assert (issue.file, issue.path, issue.line) == (str(path), "params.count", 5)
    assert f"{path}:5: khóa 'params.count'" in str(caught.value)


def test_query_error_in_a_block_scalar_points_at_its_line(tmp_path):
    text = GOOD.replace('query: "topic:vssid_app"', 'query: |\n  topic:vssid_app\n  AND (lỗi OR sập')
    with pytest.raises(RuleError) as caught:
        load_rule(write(tmp_path, "q.yaml", text))
    (issue,) = caught.value.issues
    assert issue.path == "query" and issue.line == 5


def test_invalid_yaml_reports_its_line(tmp_path):
    with pytest.raises(RuleError) as caught:
        load_rule(write(tmp_path, "broken.yaml", GOOD + "params: [\n"))
    assert caught.value.issues[0].line is not None


def test_every_problem_of_every_file_is_reported_at_once(tmp_path):
    write(tmp_path, "a.yaml", GOOD.replace("type: frequency", "type: nope"))
    write(tmp_path, "b.yaml", GOOD.replace("description: Sự cố VssID", "descripton: x"))
    write(tmp_path, "c.yaml", GOOD)
    with pytest.raises(RuleError) as caught:
        load_rules(tmp_path)
    files = {Path(i.file).name for i in caught.value.issues}
    assert files == {"a.yaml", "b.yaml"}


def test_duplicate_names_are_rejected(tmp_path):
    write(tmp_path, "same.yaml", GOOD)
    write(tmp_path, "same.yml", GOOD)
    with pytest.raises(RuleError, match="trùng"):
        load_rules(tmp_path)


def test_rules_are_sorted_and_other_files_ignored(tmp_path):
    write(tmp_path, "b.yaml", GOOD)
    write(tmp_path, "a.yml", GOOD)
    write(tmp_path, "README.md", "not a rule")
    assert [r.name for r in load_rules(tmp_path)] == ["a", "b"]


def test_missing_directory(tmp_path):
    with pytest.raises(RuleError, match="thư mục"):
        load_rules(tmp_path / "nope")
