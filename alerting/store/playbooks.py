"""`PlaybookStore`: playbook runs of an alert and their steps (acknowledge, assign, complete with a note, skip,
SLA escalation). Playbook definitions and rendering are not here (`alerting.playbooks`, helper E): a run is
started with already-rendered `StepSpec`s. Every change writes an audit row in the same transaction.

Step states: pending → acknowledged → done; pending/acknowledged → done (complete directly) or skipped. done and
skipped are final. A run is ``active`` until every step is done or skipped (``completed``) or its alert is
resolved (``closed``); steps of a run that is not active cannot change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from alerting.store._base import SYSTEM_ACTOR, StoreBase, now_utc, require_text
from alerting.store.errors import InvalidTransitionError, NotFoundError, ValidationError
from alerting.store.models import Alert, AlertStatus, PlaybookRun, PlaybookStep, RunStatus, StepStatus

_OPEN_STEP = (StepStatus.pending, StepStatus.acknowledged)
ROLE_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


@dataclass(frozen=True)
class StepSpec:
    key: str
    title: str
    role: str  # the playbook's role slug: who should do it (duty_officer, spokesperson, leadership...)
    rendered_text: str  # the step's instructions and template with the alert's facts filled in
    due_at: datetime | None = None  # SLA deadline (aware)
    escalate_to: str | None = None  # the role that takes over when the deadline passes

    @classmethod
    def from_plan(cls, plan: Any) -> StepSpec:
        """From an `alerting.playbook.StepPlan` (duck-typed: key, title, role, escalate_to, due_at, text)."""
        return cls(key=plan.key, title=plan.title, role=plan.role, rendered_text=plan.text, due_at=plan.due_at,
                   escalate_to=plan.escalate_to)


def _share(value: float | None, what: str) -> float | None:
    if value is not None and not 0 <= value <= 1:
        raise ValidationError(f"{what} phải trong khoảng [0, 1] (nhận {value})")
    return value


class PlaybookStore(StoreBase):
    def start_run(self, alert_id: int, playbook: str, steps: list[StepSpec], *,
                  negative_share_before: float | None = None, by: str = SYSTEM_ACTOR,
                  now: datetime | None = None) -> PlaybookRun:
        """Start `playbook` for an open alert. Idempotent: a playbook runs once per alert, so a second call (e.g.
        from the other alerting replica) returns the existing run unchanged."""
        when = now_utc(now)
        playbook = require_text(playbook, "tên kịch bản", 100)
        _share(negative_share_before, "tỷ lệ tiêu cực trước ứng phó")
        if not steps:
            raise ValidationError(f"kịch bản {playbook}: cần ít nhất một bước")
        keys = [spec.key for spec in steps]
        if len(set(keys)) != len(keys):
            raise ValidationError(f"kịch bản {playbook}: mã bước bị trùng ({', '.join(keys)})")
        for position, spec in enumerate(steps, 1):
            where = f"kịch bản {playbook}, bước {position}"
            require_text(spec.key, f"{where}: mã bước", 100)
            require_text(spec.title, f"{where}: tiêu đề", 10_000)
            for what, role in (("vai trò", spec.role), ("vai trò nhận chuyển cấp", spec.escalate_to)):
                if role is not None and not ROLE_RE.match(role):
                    raise ValidationError(f"{where}: {what} {role!r} không hợp lệ (chữ thường a-z, 0-9, '_', "
                                          "tối đa 50 ký tự, ví dụ duty_officer)")
            if spec.due_at is not None:
                now_utc(spec.due_at)

        def work(session: Session) -> PlaybookRun:
            alert = session.scalar(select(Alert).where(Alert.id == alert_id).with_for_update())
            if alert is None:
                raise NotFoundError(f"Không có cảnh báo #{alert_id}")
            existing = session.scalar(select(PlaybookRun).where(PlaybookRun.alert_id == alert_id,
                                                                PlaybookRun.playbook == playbook)
                                      .options(selectinload(PlaybookRun.steps)))
            if existing is not None:
                return existing
            if alert.status == AlertStatus.resolved:
                raise InvalidTransitionError(f"Cảnh báo #{alert_id} đã đóng: không bắt đầu kịch bản {playbook}")
            run = PlaybookRun(alert_id=alert_id, playbook=playbook, status=RunStatus.active, started_at=when,
                              negative_share_before=negative_share_before)
            run.steps = [PlaybookStep(position=position, step_key=spec.key, title=spec.title, role=spec.role,
                                      escalate_to=spec.escalate_to, status=StepStatus.pending, due_at=spec.due_at and now_utc(spec.due_at),
                                      rendered_text=spec.rendered_text)
                         for position, spec in enumerate(steps, 1)]
            session.add(run)
            session.flush()
            self._audit(session, at=when, actor=by, action="run.started", object_type="playbook_run",
                        object_id=run.id, details={"alert_id": alert_id, "playbook": playbook, "steps": keys})
            return run
        return self._transaction(work, retries=3)

    def get_run(self, run_id: int) -> PlaybookRun:
        with self._sessions() as session:
            run = session.scalar(select(PlaybookRun).where(PlaybookRun.id == run_id)
                                 .options(selectinload(PlaybookRun.steps)))
            if run is None:
                raise NotFoundError(f"Không có lượt chạy kịch bản #{run_id}")
            return run

    def acknowledge_step(self, step_id: int, by: str, *, now: datetime | None = None) -> PlaybookStep:
        when, by = now_utc(now), require_text(by, "người nhận việc", 100)

        def work(session: Session) -> PlaybookStep:
            step = self._active_step(session, step_id, "xác nhận")
            if step.status != StepStatus.pending:
                raise InvalidTransitionError(f"Bước #{step_id} ({step.title}) đang ở trạng thái '{step.status}', "
                                             "chỉ bước đang chờ mới xác nhận được")
            step.status, step.acknowledged_at, step.acknowledged_by = StepStatus.acknowledged, when, by
            self._audit(session, at=when, actor=by, action="step.acknowledged", object_type="playbook_step",
                        object_id=step_id, details={"run_id": step.run_id})
            return step
        return self._transaction(work)

    def assign_step(self, step_id: int, assignee: str, by: str, *, now: datetime | None = None) -> PlaybookStep:
        when = now_utc(now)
        assignee, by = require_text(assignee, "người được giao", 100), require_text(by, "người giao việc", 100)

        def work(session: Session) -> PlaybookStep:
            step = self._active_step(session, step_id, "giao")
            if step.status not in _OPEN_STEP:
                raise InvalidTransitionError(f"Bước #{step_id} ({step.title}) đã '{step.status}': không giao lại")
            previous, step.assignee = step.assignee, assignee
            self._audit(session, at=when, actor=by, action="step.assigned", object_type="playbook_step",
                        object_id=step_id, details={"run_id": step.run_id, "assignee": assignee,
                                                    "previous": previous})
            return step
        return self._transaction(work)

    def complete_step(self, step_id: int, by: str, note: str | None = None, *,
                      now: datetime | None = None) -> PlaybookStep:
        return self._finish(step_id, by, note, StepStatus.done, now)

    def skip_step(self, step_id: int, by: str, note: str | None = None, *,
                  now: datetime | None = None) -> PlaybookStep:
        return self._finish(step_id, by, note, StepStatus.skipped, now)

    def _finish(self, step_id: int, by: str, note: str | None, status: StepStatus,
                now: datetime | None) -> PlaybookStep:
        when, by = now_utc(now), require_text(by, "người thực hiện", 100)
        verb = "hoàn thành" if status == StepStatus.done else "bỏ qua"

        def work(session: Session) -> PlaybookStep:
            step = self._active_step(session, step_id, verb)
            if step.status not in _OPEN_STEP:
                raise InvalidTransitionError(f"Bước #{step_id} ({step.title}) đã '{step.status}': không {verb} "
                                             "được nữa")
            step.status, step.completed_at, step.completed_by, step.note = status, when, by, note
            action = "step.completed" if status == StepStatus.done else "step.skipped"
            self._audit(session, at=when, actor=by, action=action, object_type="playbook_step", object_id=step_id,
                        details={"run_id": step.run_id, "note": note})
            session.flush()
            open_left = session.scalar(select(PlaybookStep.id).where(PlaybookStep.run_id == step.run_id,
                                                                     PlaybookStep.status.in_(_OPEN_STEP)).limit(1))
            if open_left is None:
                run = session.get_one(PlaybookRun, step.run_id)
                run.status, run.finished_at = RunStatus.completed, when
                self._audit(session, at=when, actor=by, action="run.completed", object_type="playbook_run",
                            object_id=run.id, details={"alert_id": run.alert_id})
            return step
        return self._transaction(work)

    def overdue_steps(self, now: datetime | None = None) -> list[PlaybookStep]:
        """Open steps of active runs past their SLA that have not been escalated yet (oldest deadline first)."""
        when = now_utc(now)
        query = (select(PlaybookStep).join(PlaybookRun)
                 .where(PlaybookRun.status == RunStatus.active, PlaybookStep.status.in_(_OPEN_STEP),
                        PlaybookStep.due_at <= when, PlaybookStep.escalated_at.is_(None))
                 .order_by(PlaybookStep.due_at, PlaybookStep.id))
        with self._sessions() as session:
            return list(session.scalars(query))

    def mark_escalated(self, step_id: int, now: datetime | None = None, *, by: str = SYSTEM_ACTOR) -> bool:
        """Record that an overdue step was escalated. Returns False when it already was (another process won):
        the conditional update makes the escalation happen once."""
        when = now_utc(now)

        def work(session: Session) -> bool:
            changed = session.execute(update(PlaybookStep).where(PlaybookStep.id == step_id,
                                                                 PlaybookStep.escalated_at.is_(None))
                                      .values(escalated_at=when)).rowcount
            if not changed:
                if session.get(PlaybookStep, step_id) is None:
                    raise NotFoundError(f"Không có bước kịch bản #{step_id}")
                return False
            self._audit(session, at=when, actor=by, action="step.escalated", object_type="playbook_step",
                        object_id=step_id)
            return True
        return self._transaction(work)

    def record_recovery(self, run_id: int, negative_share_after: float, *, by: str = SYSTEM_ACTOR,
                        now: datetime | None = None) -> PlaybookRun:
        """The negative share measured after the response, to compare with `negative_share_before`."""
        when = now_utc(now)
        _share(negative_share_after, "tỷ lệ tiêu cực sau ứng phó")

        def work(session: Session) -> PlaybookRun:
            run = session.scalar(select(PlaybookRun).where(PlaybookRun.id == run_id).with_for_update())
            if run is None:
                raise NotFoundError(f"Không có lượt chạy kịch bản #{run_id}")
            run.negative_share_after = negative_share_after
            self._audit(session, at=when, actor=by, action="run.recovery_recorded", object_type="playbook_run",
                        object_id=run_id, details={"before": run.negative_share_before,
                                                   "after": negative_share_after})
            return run
        return self._transaction(work)

    @staticmethod
    def _active_step(session: Session, step_id: int, verb: str) -> PlaybookStep:
        step = session.scalar(select(PlaybookStep).where(PlaybookStep.id == step_id).with_for_update())
        if step is None:
            raise NotFoundError(f"Không có bước kịch bản #{step_id}")
        run = session.get_one(PlaybookRun, step.run_id)
        if run.status != RunStatus.active:
            reason = "cảnh báo đã đóng" if run.status == RunStatus.closed else "kịch bản đã hoàn thành"
            raise InvalidTransitionError(f"Không {verb} được bước #{step_id} ({step.title}): {reason} "
                                         f"(lượt chạy #{run.id} ở trạng thái '{run.status}')")
        return step
