"""Alert rules: the schema of a rule file, the registry of rule types, and the loader.

    from alerting.rules import load_rules
    rules = load_rules()              # alerting/rules.d/*.yaml
    rules = load_rules("my-rules/")   # RuleError lists every problem with file, key path and line

See docs/alert-rules.md for the file format and the rule types.
"""

from alerting.rules.registry import RULE_TYPES, Check, Context, RuleType, rule_type
from alerting.rules.schema import KEY_FIELDS, PLAYBOOKS, Issue, Params, Rule, RuleError, format_duration, parse_duration
import alerting.rules.types  # noqa: F401  (registers the built-in rule types)
from alerting.rules.loader import DEFAULT_RULES_DIR, load_rule, load_rules

__all__ = [
    "RULE_TYPES", "Check", "Context", "RuleType", "rule_type",
    "KEY_FIELDS", "PLAYBOOKS", "Issue", "Params", "Rule", "RuleError", "format_duration", "parse_duration",
    "DEFAULT_RULES_DIR", "load_rule", "load_rules",
]
