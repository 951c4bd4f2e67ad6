"""Loading rule files: one YAML file per rule, the rule's name is the file stem.

Every problem is reported with the file, the key path and the YAML line, all problems of all files at once, so
an operator fixes a rules directory in one pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from alerting.rules.schema import Issue, Rule, RuleError

DEFAULT_RULES_DIR = Path(__file__).resolve().parent.parent / "rules.d"
SUFFIXES = (".yaml", ".yml")


def load_rule(path: str | Path) -> Rule:
    """Load and validate one rule file. Raises `RuleError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RuleError([Issue(str(path), "", f"không đọc được tệp (cannot read): {error}")]) from error
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise RuleError([Issue(str(path), "", f"YAML sai cú pháp (invalid YAML): {getattr(error, 'problem', error)}",
                               mark.line + 1 if mark else None)]) from error
    try:
        return Rule.from_dict(data if data is not None else {}, name=path.stem, file=str(path))
    except RuleError as error:
        raise RuleError([_with_line(issue, node) for issue in error.issues]) from None


def load_rules(directory: str | Path = DEFAULT_RULES_DIR) -> list[Rule]:
    """Load every ``*.yaml`` / ``*.yml`` rule of `directory`, sorted by name. Raises `RuleError` listing the
    problems of every file, including duplicate rule names (the same stem twice)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise RuleError([Issue(str(directory), "", "không phải thư mục luật (not a rules directory)")])
    issues: list[Issue] = []
    rules: dict[str, tuple[Path, Rule]] = {}
    for path in sorted(p for p in directory.iterdir() if p.suffix in SUFFIXES and p.is_file()):
        try:
            rule = load_rule(path)
        except RuleError as error:
            issues.extend(error.issues)
            continue
        if rule.name in rules:
            issues.append(Issue(str(path), "", f"tên luật '{rule.name}' bị trùng với {rules[rule.name][0].name} "
                                               "(duplicate rule name)"))
            continue
        rules[rule.name] = (path, rule)
    if issues:
        raise RuleError(issues)
    return [rule for _, (_, rule) in sorted(rules.items())]


def _with_line(issue: Issue, root: yaml.Node | None) -> Issue:
    """Attach the YAML line of the deepest node on the issue's key path; a query error points inside the query."""
    if root is None or not issue.path:
        return issue
    node: Any = root
    line = None
    for part in issue.path.split("."):
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    line, child = key.start_mark.line + 1, value
                    break
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            child = node.value[int(part)]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    if issue.path == "query" and isinstance(node, yaml.ScalarNode) and line is not None:
        line = _query_line(node, issue.message) or line
    return Issue(issue.file, issue.path, issue.message, line)


def _query_line(node: yaml.ScalarNode, message: str) -> int | None:
    """The file line of a query error inside a block scalar (``query: |`` spanning several lines)."""
    if node.style not in ("|", ">"):
        return node.start_mark.line + 1
    marker = "(line "
    at = message.find(marker)
    offset = int(message[at + len(marker):].split(",")[0]) if at >= 0 else 1
    return node.start_mark.line + 1 + offset
