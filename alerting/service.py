"""`AlertingService`: the rule engine's updates → the alert store, playbook runs, escalations and recovery.

One service per alerting process. Mentions and clock ticks go through the in-memory `RuleEngine` (under a lock:
the consumer thread and the ticker thread share it); every `EpisodeUpdate` is applied to the store, which keeps one
alert per (rule, key) episode and writes the notifications to its outbox (sending is `alerting.notifier`'s job, so
a slow mail server never delays evaluation). Two replicas run side by side safely: each sees the whole stream,
their equal updates are deduplicated by the store, a playbook starts once per alert.

Playbooks. When an alert opens and its rule names a playbook, the run starts with every step's deadline and
rendered response text (`alerting.playbook.plan_run`; the claim's approved rebuttal comes from the registry).
Overdue steps are escalated to the step's ``escalate_to`` role (recorded on the step and in the audit log, and
shown on the dashboard).

Recovery (the playbook's last step). Before = the episode's negative share when the run started; after = the
negative share of the mentions that arrived after it started, measured when the episode ends. The difference of
the episode's cumulative counts gives the second figure without storing mentions: with C₀ mentions and share s₀
at the start and C₁, s₁ at the end, after = (s₁·C₁ − s₀·C₀) / (C₁ − C₀). Both are kept on the run; the dashboard
shows the verdict (`alerting.playbook.recovery`) in the ``recovery`` step.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from alerting.engine import RuleEngine
from alerting.episodes import EpisodeUpdate, UpdateKind
from alerting.playbook import Playbook, plan_run, recovery
from alerting.rules import Rule
from alerting.store.alerts import AlertStore, AppliedUpdate, Outcome
from alerting.store.errors import StoreError
from alerting.store.playbooks import PlaybookStore, StepSpec
from alerting.store.rules import RuleStateStore
from common.claims import Registry
from common.schema import ClassifiedMention

log = logging.getLogger(__name__)

@dataclass
class ServiceStats:
    mentions: int = 0
    updates: int = 0
    opened: int = 0
    escalated_severity: int = 0
    resolved: int = 0
    suppressed: int = 0
    duplicates: int = 0  # already applied by another replica (or redelivered)
    playbooks_started: int = 0
    steps_escalated: int = 0
    recoveries: int = 0

    def count(self, applied: AppliedUpdate) -> None:
        outcome = applied.outcome
        if outcome is Outcome.opened:
            self.opened += 1
        elif outcome is Outcome.escalated:
            self.escalated_severity += 1
        elif outcome is Outcome.resolved:
            self.resolved += 1
        elif outcome in (Outcome.suppressed_snoozed, Outcome.suppressed_maintenance):
            self.suppressed += 1
        elif outcome is Outcome.duplicate:
            self.duplicates += 1


class AlertingService:
    def __init__(self, rules: Iterable[Rule], alerts: AlertStore, playbook_runs: PlaybookStore, *,
                 playbooks: Mapping[str, Playbook], claims: Registry | None = None,
                 dashboard_base_url: str = "", actor: str = "alerting",
                 rule_states: RuleStateStore | None = None) -> None:
        self.rules = {rule.name: rule for rule in rules}
        self.engine = RuleEngine(list(self.rules.values()), claims=claims)
        self.alerts = alerts
        self.playbook_runs = playbook_runs
        self.playbooks = dict(playbooks)
        self.claims = claims
        self.dashboard_base_url = dashboard_base_url.rstrip("/")
        self.actor = actor
        self.stats = ServiceStats()
        self._lock = threading.Lock()  # the engine: consumer and ticker threads share it
        self._apply_lock = threading.Lock()
        self._pending: deque[EpisodeUpdate] = deque()
        self.rule_states = rule_states
        self.sync_rules()

    # -- evaluation ---------------------------------------------------------------------------------------------

    def process(self, mentions: Iterable[ClassifiedMention], *, now: datetime | None = None) -> list[AppliedUpdate]:
        """Evaluate every rule on each mention (in order) and apply the resulting updates. A redelivered mention
        is not counted twice (the engine knows its id), so a batch can be handed in again after a failure."""
        with self._lock:
            updates = []
            for mention in mentions:
                self.stats.mentions += 1
                updates.extend(self.engine.process(mention))
        return self.apply(updates, now=now)

    def warm_up(self, mentions: Iterable[ClassifiedMention]) -> int:
        """Rebuild the rules' windows from history (oldest first) WITHOUT applying anything: after a restart
        the engine must know the baseline, or every key would look like a spike. Episodes found ongoing are
        reported by their next live update (the store opens an episode it has not seen)."""
        count = 0
        with self._lock:
            for mention in mentions:
                self.engine.process(mention)
                count += 1
        return count

    def sync_rules(self) -> list[str]:
        """Apply the operators' enable/disable switches (the dashboard's rules page); returns the rules changed.
        A rule nobody switched keeps the ``enabled`` of its file."""
        if self.rule_states is None:
            return []
        switches = self.rule_states.states()
        changed = []
        with self._lock:
            for name, rule in self.rules.items():
                if self.engine.set_enabled(name, switches.get(name, rule.enabled)):
                    changed.append(name)
        for name in changed:
            log.info("rule %s %s by an operator", name, "enabled" if switches.get(name) else "disabled")
        return changed

    def tick(self, now: datetime | None = None) -> list[AppliedUpdate]:
        """The operators' rule switches, time-driven evaluation (flatlines, episode ends), then overdue
        playbook steps."""
        now = now or datetime.now(UTC)
        self.sync_rules()
        with self._lock:
            updates = self.engine.tick(now)
        applied = self.apply(updates, now=now)
        self.escalate(now)
        return applied

    def apply(self, updates: Iterable[EpisodeUpdate], *, now: datetime | None = None) -> list[AppliedUpdate]:
        """Apply `updates` after any left over by an earlier failure, in order. If the store fails, the updates
        not yet applied stay queued (the engine will not emit them again) and the error propagates."""
        with self._apply_lock:
            self._pending.extend(updates)
            done = []
            while self._pending:
                done.append(self._apply_one(self._pending[0], now))
                self._pending.popleft()
            return done

    @property
    def pending(self) -> int:
        return len(self._pending)

    def _apply_one(self, update: EpisodeUpdate, now: datetime | None) -> AppliedUpdate:
        rule = self.rules.get(update.rule)
        applied = self.alerts.apply(update, now=now, actor=self.actor,
                                    notify="digest" if rule is not None and rule.digest else "immediate")
        self.stats.updates += 1
        self.stats.count(applied)
        if applied.alert is not None:
            try:
                # a duplicate "opened" may be our own retry after the store failed between alert and playbook:
                # starting a run is idempotent, so make sure it exists
                reopened = applied.outcome is Outcome.duplicate and update.kind is UpdateKind.opened \
                    and applied.alert.status != "resolved"
                if applied.transition is Outcome.opened or reopened:
                    self._start_playbook(applied.alert.id, update, now)
                elif applied.transition is Outcome.resolved:
                    self._record_recovery(applied.alert.id, update, now)
            except StoreError as error:  # e.g. the alert was resolved by hand meanwhile: say so, go on
                log.warning("alert #%s: %s", applied.alert.id, error)
        return applied

    # -- playbooks ----------------------------------------------------------------------------------------------

    def _start_playbook(self, alert_id: int, update: EpisodeUpdate, now: datetime | None) -> None:
        playbook = self.playbooks.get(update.playbook or "")
        if playbook is None:
            if update.playbook:
                log.warning("rule %s names playbook %r, which is not loaded", update.rule, update.playbook)
            return
        started = now or datetime.now(UTC)
        plans = plan_run(playbook, update, started, claims_registry=self.claims,
                         alert_url=f"{self.dashboard_base_url}/alerts/{alert_id}" if self.dashboard_base_url else "")
        self.playbook_runs.start_run(alert_id, playbook.name, [StepSpec.from_plan(p) for p in plans],
                                     negative_share_before=update.facts.negative_share, by=self.actor, now=started)
        self.stats.playbooks_started += 1

    def _record_recovery(self, alert_id: int, update: EpisodeUpdate, now: datetime | None) -> None:
        alert = self.alerts.get_alert(alert_id)
        for run in alert.runs:
            if run.negative_share_before is None or run.negative_share_after is not None:
                continue
            opened_count = min((u.count for u in alert.updates), default=0)
            after = share_after(run.negative_share_before, opened_count, update.facts.negative_share,
                                update.facts.count)
            self.playbook_runs.record_recovery(run.id, after, by=self.actor, now=now)
            self.stats.recoveries += 1
            log.info("alert #%s recovery: %s", alert_id, recovery(run.negative_share_before, after).message)

    def escalate(self, now: datetime) -> int:
        """Mark every overdue step escalated (once); returns how many were."""
        escalated = 0
        for step in self.playbook_runs.overdue_steps(now):
            if self.playbook_runs.mark_escalated(step.id, now, by=self.actor):
                escalated += 1
        self.stats.steps_escalated += escalated
        return escalated


def share_after(share_before: float, count_before: int, share_end: float, count_end: int) -> float:
    """Negative share of the mentions that arrived after the start (see the module docstring)."""
    added = count_end - count_before
    if added <= 0:
        return share_end
    negative_added = share_end * count_end - share_before * count_before
    return min(1.0, max(0.0, negative_added / added))

