"""Compare the real classifier's labels on the timelines with what each line's `role` intends.

Why: a replay can only test the alert rules if the classifier reads the crisis mentions as crisis mentions; this
report shows, per scenario and role, how many lines the classifier labeled as intended (and lists the misses).

    .venv/bin/crisiswatch classify --jsonl alerting/scenarios/timelines.jsonl > /tmp/labels.jsonl
    .venv/bin/python -m alerting.scenarios.check_labels /tmp/labels.jsonl [--misses]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
TIMELINES = HERE / "timelines.jsonl"
EXPECTATIONS = HERE / "expectations.yaml"


def intended(role: str, labels: dict[str, Any], expect: dict[str, Any]) -> bool:
    """Whether `labels` (one output line of `crisiswatch classify`) are what a line of this role should get."""
    relevant = bool(labels["relevant"])
    if role in ("distractor", "bait"):
        return not relevant
    if role in ("background", "reaction"):  # reactions to a rumour: relevant, any topic, spreading or not
        return relevant
    topic_ok = relevant and labels["topic"] == expect["topic"]
    claims = {c["claim_id"]: c["stance"] for c in labels.get("claims") or []}
    if role == "residual":
        return relevant and bool(labels["misinformation"]) and claims.get(expect["claim"]) == "spreads"
    if role == "crisis":
        if expect["type"] == "rumor":
            return topic_ok and bool(labels["misinformation"]) and claims.get(expect["claim"]) == "spreads"
        return topic_ok  # sentiment is reported apart: a scam warning is neutral toward BHXH (LABELING.md)
    if role == "decay":  # after-crisis chatter often leaves the subject implicit: it only must not spread
        return relevant and not labels["misinformation"]
    # news, official, refutation: on topic and not spreading anything false
    return topic_ok and not labels["misinformation"]


def report(lines: Sequence[dict[str, Any]], labels: Sequence[dict[str, Any]], expectations: dict[str, Any],
           show_misses: bool = False) -> str:
    """A per-scenario, per-role table "intended/total", plus the texts that missed when asked."""
    if len(lines) != len(labels):
        raise SystemExit(f"Số dòng không khớp: {len(lines)} dòng dữ liệu, {len(labels)} dòng nhãn.")
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    negative: dict[str, int] = defaultdict(int)
    misses: list[str] = []
    for line, label in zip(lines, labels):
        expect = expectations[line["scenario"]]
        ok = intended(line["role"], label, expect)
        cell = counts[line["scenario"]][line["role"]]
        cell[0] += ok
        cell[1] += 1
        if line["role"] == "crisis" and label["sentiment"] == "negative":
            negative[line["scenario"]] += 1
        if not ok:
            misses.append(f"  [{line['scenario']}/{line['role']}] rel={label['relevant']} topic={label['topic']} "
                          f"sent={label['sentiment']} mis={label['misinformation']} :: {line['text'][:110]}")
    out = []
    for scenario, roles in counts.items():
        total = [sum(c[0] for c in roles.values()), sum(c[1] for c in roles.values())]
        cells = ", ".join(f"{role} {c[0]}/{c[1]}" for role, c in sorted(roles.items()))
        crisis = roles.get("crisis", [0, 0])[1]
        tone = f"; crisis tiêu cực {negative[scenario]}/{crisis}" if crisis else ""
        out.append(f"{scenario}: {total[0]}/{total[1]} đúng ý định ({cells}{tone})")
    if show_misses:
        out.append("Các dòng bị đọc khác ý định:")
        out.extend(misses)
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="So nhãn của bộ phân loại với vai trò từng dòng kịch bản.")
    parser.add_argument("labels", type=Path, help="đầu ra JSONL của `crisiswatch classify --jsonl`")
    parser.add_argument("--misses", action="store_true", help="liệt kê các dòng bị đọc khác ý định")
    args = parser.parse_args(argv)
    lines = [json.loads(x) for x in TIMELINES.read_text(encoding="utf-8").splitlines()]
    labels = [json.loads(x) for x in args.labels.read_text(encoding="utf-8").splitlines()]
    expectations = yaml.safe_load(EXPECTATIONS.read_text(encoding="utf-8"))["scenarios"]
    print(report(lines, labels, expectations, args.misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
