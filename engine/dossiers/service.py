"""Dossiers: start one, complete its human tasks, deliver messages to it, fire its timers.

Every advance is one transaction that holds a lock on the dossier, runs SpiffWorkflow, saves the
state and projects it (tasks, timers, status, events, outbox). A refused action changes nothing.
"""

from __future__ import annotations

import enum
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Select, exists, literal_column, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import forms
from engine.clock import Clock
from engine.config import Settings
from engine.data import search_index, store
from engine.data.audit import GENESIS
from engine.data.db import Database, insert_now, rows_to_insert
from engine.data.journal import link_events, record
from engine.data.models import Document, Dossier, Event, HumanTask, Incident, TaskStatus, Timer, TimerStatus
from engine.data.store import DossierRow, TaskRow
from engine.dossiers import cards, incidents, kept
from engine.dossiers.codes import next_dossier_code
from engine.dossiers.documents import NewDocument, attach, next_round
from engine.dossiers.projection import Effects, find_task, open_user_tasks, project
from engine.errors import (
    NotFound,
    NotWaitingForMessage,
    ProcedureUnavailable,
    RuleRefused,
    StepFailed,
    TaskNotOpen,
    not_found,
)
from engine.people import assignment
from engine.people.officers import Actor
from engine.sla import deadlines, late
from engine.sla.office_calendar import current_calendar
from engine.statuses import DossierStatus
from engine.workflow import refusals
from engine.workflow.bpmn_specs import message_names
from engine.workflow.rules import RULES
from engine.workflow.scripting import Limits, RestrictedScriptEngine, ScriptError
from engine.workflow.state import dump_state, load_state
from engine.workflow.versions import RunnableVersion, VersionCache


class Delivery(str, enum.Enum):
    """What became of a message from outside."""

    DELIVERED = "delivered"  # the dossier took it
    KEPT = "kept"  # it came before the step waiting for it: kept until the dossier gets there


class _NothingToDo(Exception):
    """A step found the work already done (say, by another scheduler): roll back quietly."""


@dataclass(frozen=True)
class _Origin:
    """What an advance does, for the incident opened if a script fails in it: its kind ("task",
    "message", "timer", "submit"), what a retry needs to do it again, and the incident a retry
    resolves when it passes."""

    kind: str
    retry_with: dict[str, Any]
    resolves: int | None = None
    retried_by: Actor | None = None  # who retries it (the step is done as whoever was acting then)


class _WorkflowCache:
    """Workflows kept in memory between advances, keyed by dossier and state version, each with the
    ids of its READY user tasks as the last advance left them (what the next advance starts from,
    without walking the task tree again).

    An entry is taken out while a dossier is being advanced and put back only after the commit, so
    a failed advance can never leave a half-changed workflow behind; a version mismatch (another
    process advanced the dossier) means the state is read again from the database.
    """

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[int, tuple[int, BpmnWorkflow, frozenset[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, dossier_id: int, version: int) -> tuple[BpmnWorkflow, frozenset[str]] | None:
        with self._lock:
            item = self._items.pop(dossier_id, None)
        return (item[1], item[2]) if item and item[0] == version else None

    def put(self, dossier_id: int, version: int, wf: BpmnWorkflow, open_tasks: frozenset[str]) -> None:
        if self.size <= 0 or wf.is_completed():  # a finished dossier is not advanced again: keep live ones
            return
        with self._lock:
            self._items[dossier_id] = (version, wf, open_tasks)
            self._items.move_to_end(dossier_id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def dossier_ids(self) -> set[int]:
        with self._lock:
            return set(self._items)


@dataclass(frozen=True)
class OpenTask:
    id: int
    dossier_code: str
    element_id: str
    title: str
    role: str
    unit: str
    status: str
    assignee: str | None
    created_at: datetime
    due_at: datetime | None


def due_timers(now: datetime, limit: int) -> Select[tuple[int, int]]:
    """The scheduler's due query: (timer id, dossier id) of pending timers due by `now`, earliest
    first."""
    # a dossier whose timer failed waits for a retry of its incident, not for the next pass
    failed_timer = exists().where(
        Incident.dossier_id == Timer.dossier_id, Incident.kind == "timer", Incident.resolved_at.is_(None)
    )
    # the status as literal SQL, not a parameter, so the partial index of pending timers serves
    # the query in every plan (see PENDING_TIMER in engine.data.models)
    pending = Timer.status == literal_column(f"'{TimerStatus.PENDING.value}'")
    return (
        select(Timer.id, Timer.dossier_id)
        .where(pending, Timer.due_at <= now, ~failed_timer)
        .order_by(Timer.due_at)
        .limit(limit)
    )


class DossierService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        versions: VersionCache | None = None,
        cache_size: int = 512,
    ):
        self.db = db
        self.clock = clock
        self.settings = settings
        self.versions = versions or VersionCache()
        self._cache = _WorkflowCache(cache_size)
        self._zone = ZoneInfo(settings.timezone)
        self._limits = Limits.of(settings.script_seconds, settings.script_memory_mb)
        # what another part of the engine writes, in the same transaction, when a dossier takes a
        # message of this name (the composition root fills it in: the bank's confirmed transfers)
        self.when_taken: dict[str, Callable[[Session, DossierRow, dict[str, Any], datetime], None]] = {}

    # --- starting ------------------------------------------------------------------------------

    def start(
        self,
        procedure_code: str,
        application: dict[str, Any],
        actor: Actor,
        unit_code: str | None = None,
        account_id: int | None = None,
        documents: Sequence[NewDocument] = (),
        submission_key: str | None = None,
        channel: str = "online",
    ) -> str:
        """Submit a dossier; returns its code. `channel` says how it came in (online, counter, post,
        post_agent, cli): kept on the dossier and in its history. The application is checked against
        the procedure's form; the documents (already checked by documents.check_upload) are stored in
        the same transaction. With a submission key, sending the same application again returns the
        first dossier's code."""
        if submission_key is not None:
            try:
                return self._start(
                    procedure_code, application, actor, unit_code, account_id, documents, submission_key, channel
                )
            except IntegrityError:  # the same form sent twice at once: the other request made it
                with self.db.read() as session:
                    code = session.scalar(select(Dossier.code).where(Dossier.submission_key == submission_key))
                if code is None:
                    raise
                return code
        return self._start(procedure_code, application, actor, unit_code, account_id, documents, None, channel)

    def _start(
        self, procedure_code, application, actor, unit_code, account_id, documents, submission_key, channel
    ) -> str:
        unit_code = unit_code or self.settings.office_code
        with self.db.write() as session:
            conn = session.connection()
            if submission_key is not None:
                done = session.scalar(select(Dossier.code).where(Dossier.submission_key == submission_key))
                if done is not None:
                    return done
            version_id, unit_exists, dossier_id = store.new_dossier_lookup(conn, procedure_code, unit_code)
            if version_id is None:
                raise ProcedureUnavailable(
                    f"Thủ tục {procedure_code} chưa được triển khai", f"Procedure {procedure_code} is not deployed"
                )
            version = self.versions.get(session, version_id)
            data = forms.validate(version.meta.application, application)
            refusals.check(version.meta, data)  # applications the law does not allow
            if not unit_exists:
                raise not_found("unit", unit_code)
            now = self.clock.now()
            dossier = DossierRow(
                id=dossier_id,
                code=f"~{dossier_id}",  # until the day's code is taken (below)
                procedure_code=procedure_code,
                version_id=version.id,
                unit_code=unit_code,
                status=0,
                state_version=0,
                next_timer_at=None,
                finished_at=None,
                updated_at=now,
                received_on=None,
                appointment_at=None,
                paused_at=None,
                processed_at=None,
                kept_messages=0,
                apologies=0,
                last_event_seq=0,
                last_event_hash=GENESIS,
                result_channel=data.get("result_channel"),
            )
            applicant_name, applicant_id_number = _applicant(data)
            columns = {  # the row's columns no advance reads
                "applicant_name": applicant_name,
                "applicant_id_number": applicant_id_number,
                "channel": channel,
                "submitted_at": now,
                "account_id": account_id,
                "submission_key": submission_key,
            }
            inserted = False  # else the row is written once, whole, when the dossier is saved
            received = []
            if documents:
                # The papers (up to 80 MB) are written before the day's code is taken: the day's
                # counter row stays locked from its bump to the commit, and every other submission
                # waits for it. They need the dossier's row first (their foreign key).
                store.insert_dossier(conn, dossier, columns, state=b"")
                inserted = True
                received = attach(session, dossier.id, documents, actor.name, now)
                insert_now(session, Document)
            code = next_dossier_code(conn, self.settings.office_code, now.astimezone(self._zone).date())
            dossier.code = code
            effects = Effects(statuses=[int(DossierStatus.SUBMITTED)])  # submission is itself a status change
            wf = BpmnWorkflow(
                version.parsed.spec, version.parsed.subprocess_specs, script_engine=self._script_engine(effects)
            )
            start_task = wf.get_next_task(state=TaskState.READY)
            start_data = dict(
                **data, dossier_code=code, procedure_code=procedure_code, submitted_on=now.astimezone(self._zone).date()
            )
            start_task.set_data(**start_data)
            failure = None
            try:
                wf.do_engine_steps()
            except ScriptError as err:
                if isinstance(err.__cause__, RuleRefused):  # the law refuses what the form says: say so
                    raise err.__cause__ from err
                # the applicant's dossier and papers are kept: it waits before its first step, with
                # an incident a retry after the fix resolves
                failure = err
                effects = Effects(statuses=[int(DossierStatus.SUBMITTED)])
                wf = BpmnWorkflow(
                    version.parsed.spec, version.parsed.subprocess_specs, script_engine=self._script_engine(effects)
                )
                wf.get_next_task(state=TaskState.READY).set_data(**start_data)
            record(
                session,
                dossier.id,
                actor,
                "submitted",
                now,
                procedure=procedure_code,
                version=version.id,
                version_number=version.number,
                application=_jsonable(data),
                documents=received,
                channel=channel,
            )
            if failure is not None:
                if not inserted:  # the incident refers to the row
                    store.insert_dossier(conn, dossier, columns, state=b"")
                    inserted = True
                incidents.opened(session, dossier, version.id, failure, "submit", {}, actor, now)
            self._save(session, dossier, wf, effects, actor, now, version.meta, new=None if inserted else columns)
            search_index.write_new_terms(
                session, dossier.id, search_index.terms(code, applicant_name, applicant_id_number, data)
            )
        self._cache.put(dossier.id, dossier.state_version, wf, effects.open_after)
        return code

    # --- advancing -----------------------------------------------------------------------------

    def complete_task(
        self, task_id: int, actor: Actor, data: dict[str, Any], _resolves: tuple[int, Actor] | None = None
    ) -> None:
        """Complete a human task with its form data; the dossier moves on to its next step."""
        origin = _Origin("task", {"task_id": task_id, "data": data}, *(_resolves or ()))

        def step(session, dossier, wf, version, now, effects, task: TaskRow):
            conn = session.connection()
            # who may act first (a stale form on a done task should hear who did it), then the form;
            # either error rolls the whole transaction back
            assignment.apply(conn, task, "complete", actor, now, self._zone)
            if late.is_office_task(task):  # the office's own task: the workflow is not involved
                store.save_task(conn, task)  # now: the end of processing may look for open apologies
                calendar = current_calendar(session, self.settings)
                late.complete_apology(session, dossier, task, actor, data, calendar, now)
                _record_completion(session, dossier, task, actor, now, data)
                return None
            # a workflow task's row is read no more in this advance: written with the commit
            store.save_task_at_commit(session, task)
            spiff_task = find_task(wf, task.spiff_task_id)
            if spiff_task is None or spiff_task.state != TaskState.READY:
                raise TaskNotOpen("Bước này không còn chờ xử lý", "This step is no longer waiting")
            fields = version.meta.tasks.get(task.element_id, ())
            cleaned = forms.validate(fields, data, spiff_task.data)
            cards.record_cards(session, dossier.id, fields, cleaned, now, spiff_task.data)
            spiff_task.set_data(**cleaned)
            spiff_task.run()
            if search_index.SEARCHED_FIELDS & cleaned.keys():  # the step corrected whom the dossier is found by
                _reindex(conn, dossier, spiff_task.data)
            effects.completed.add(task.spiff_task_id)
            _record_completion(session, dossier, task, actor, now, cleaned)

        def lock(conn):
            return store.lock_task_and_dossier(conn, task_id, actor.user_id, for_update=not self.db.is_sqlite)

        self._advance(lock, actor, step, missing=not_found("task", task_id), origin=origin)

    def move_to_version(
        self,
        dossier_code: str,
        from_version_id: int,
        to_version_id: int,
        actor: Actor,
        rebind: Callable[[BpmnWorkflow, RunnableVersion], None],
    ) -> None:
        """Move a running dossier to another version of its procedure, in one transaction under
        its lock: `rebind` re-binds the workflow to the new version's specs in place (raising
        refuses the move and changes nothing); then the engine runs on and the dossier's rows (open
        tasks, timers, due times) follow the new version. The history records the move."""

        def step(session, dossier, wf, version, now, effects, _):
            if dossier.version_id != from_version_id or dossier.finished_at is not None:
                raise TaskNotOpen(
                    f"Hồ sơ {dossier.code} không còn chạy trên phiên bản này",
                    f"Dossier {dossier.code} no longer runs on that version",
                )
            target = self.versions.get(session, to_version_id)
            rebind(wf, target)
            dossier.version_id = target.id
            _retitle_open_tasks(session, dossier, wf)
            record(
                session,
                dossier.id,
                actor,
                "version_moved",
                now,
                from_version=version.number,
                to_version=target.number,
                by=actor.name,
            )

        self._advance(self._dossier_lock("code", dossier_code), actor, step, missing=not_found("dossier", dossier_code))

    def claim(self, task_id: int, actor: Actor) -> None:
        self._transition(task_id, "claim", actor)

    def unclaim(self, task_id: int, actor: Actor) -> None:
        self._transition(task_id, "unclaim", actor)

    def reassign(self, task_id: int, actor: Actor, to_username: str) -> None:
        self._transition(task_id, "reassign", actor, to_username)

    def deliver_message(
        self,
        dossier_code: str,
        name: str,
        payload: dict[str, Any],
        actor: Actor,
        documents: Sequence[NewDocument] = (),
        keep_if_early: bool = False,
        also: Callable[[Session, datetime], None] | None = None,
        _resolves: tuple[int, Actor] | None = None,
    ) -> Delivery:
        """Deliver a message from outside (the applicant's supplement, a postal update), with the
        documents it brings, stored only if the dossier takes the message.

        With `keep_if_early` (an outside system's news, which it will not send again), a message the
        procedure waits for somewhere but the dossier not yet is kept, and delivered by the advance
        that reaches the step waiting for it. `also` writes in the same transaction (the sender's
        receipt), so a message is taken and its receipt kept together or not at all."""
        outcome = [Delivery.DELIVERED]
        origin = _Origin("message", {"name": name, "payload": payload}, *(_resolves or ()))

        def step(session, dossier, wf, version, now, effects, _):
            if kept.waits_for(wf, name):
                sent = dict(payload)
                if documents:
                    received = attach(
                        session, dossier.id, documents, actor.name, now, round=next_round(session, dossier.id)
                    )
                    sent["documents"] = [d["filename"] for d in received]
                self._take(session, dossier, wf, name, sent, actor, now)
            elif keep_if_early and not documents and not wf.is_completed() and name in message_names(version.parsed):
                kept.keep(session, dossier, name, payload, actor, now)
                outcome[0] = Delivery.KEPT
            else:
                raise NotWaitingForMessage(
                    f"Hồ sơ {dossier.code} không chờ thông điệp '{name}'",
                    f"Dossier {dossier.code} is not waiting for the message '{name}'",
                )
            if also is not None:
                also(session, now)

        self._advance(
            self._dossier_lock("code", dossier_code),
            actor,
            step,
            missing=not_found("dossier", dossier_code),
            origin=origin,
        )
        return outcome[0]

    def rehearse(self, dossier_code: str) -> None:
        """Advance the dossier as any step does, with nothing asked of it: lock it, restore its
        state from the database with its version's diagrams, fire what fell due, run the engine,
        save and project; then roll it all back. Raises what a real advance would raise (a copy of
        the database checks every open dossier this way)."""
        self._advance(
            self._dossier_lock("code", dossier_code),
            Actor.system(),
            lambda *_: None,
            missing=not_found("dossier", dossier_code),
            rehearse=True,
        )

    def fire_due_timers(self, limit: int = 100) -> int:
        """Fire the timers that are due by the clock; safe to run from several processes at once."""
        with self.db.read() as session:
            due = session.execute(due_timers(self.clock.now(), limit)).all()
        fired = 0
        for timer_id, dossier_id in due:
            try:
                fired += self._fire_timer(timer_id, dossier_id)
            except StepFailed:  # kept as an incident; the other timers still fire
                continue
        return fired

    def fire_timers_of(self, dossier_code: str) -> int:
        """Fire one dossier's timers that are due by the clock (a replay moving each dossier on its
        own time; the scheduler fires all dossiers' timers with fire_due_timers)."""
        with self.db.read() as session:
            dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == dossier_code))
            if dossier_id is None:
                raise not_found("dossier", dossier_code)
            due = session.scalars(
                select(Timer.id)
                .where(
                    Timer.dossier_id == dossier_id,
                    Timer.status == TimerStatus.PENDING,
                    Timer.due_at <= self.clock.now(),
                )
                .order_by(Timer.due_at)
            ).all()
        return sum(self._fire_timer(timer_id, dossier_id) for timer_id in due)

    def _fire_timer(self, timer_id: int, dossier_id: int, resolves: tuple[int, Actor] | None = None) -> int:
        fired_here = []

        def step(session, dossier, wf, version, now, effects, _):
            timer = session.scalars(
                select(Timer).where(Timer.id == timer_id).execution_options(populate_existing=True)
            ).one()
            if timer.status != TimerStatus.PENDING:  # another scheduler or an officer got there first
                return False
            wf.refresh_timers()
            fired_here.append(timer_id)

        self._advance(
            self._dossier_lock("id", dossier_id),
            Actor.system(),
            step,
            missing=not_found("dossier", dossier_id),
            origin=_Origin("timer", {"timer_id": timer_id}, *(resolves or ())),
        )
        return len(fired_here)

    # --- incidents -----------------------------------------------------------------------------

    def incidents(
        self, dossier_code: str | None = None, include_resolved: bool = False
    ) -> list[incidents.IncidentView]:
        """Incidents, oldest first: the open ones (all with `include_resolved`), of one dossier or all."""
        with self.db.read() as session:
            return incidents.all_incidents(session, dossier_code, include_resolved)

    def retry_incident(self, incident_id: int, actor: Actor) -> incidents.IncidentView:
        """Do the failed step of an open incident again, on the dossier's current data and version
        (after a fix); the incident is resolved in the same transaction when the step passes, and
        StepFailed (the incident counts another attempt) when it fails again. A step that was done
        meanwhile (the officer completed the task again) resolves the incident as such."""
        with self.db.read() as session:
            incident = incidents.row(session, incident_id)
            kind, retry_with, dossier_id = incident.kind, dict(incident.retry_with), incident.dossier_id
            dossier_code = session.scalar(select(Dossier.code).where(Dossier.id == dossier_id))
            was = incidents.acting_as(incident)
            if incident.resolved_at is not None:
                raise TaskNotOpen(f"Sự cố #{incident_id} đã được giải quyết", f"Incident #{incident_id} is resolved")
        try:
            if kind == "task":
                self.complete_task(retry_with["task_id"], was, retry_with["data"], _resolves=(incident_id, actor))
            elif kind == "message":
                self.deliver_message(
                    dossier_code, retry_with["name"], retry_with["payload"], was, _resolves=(incident_id, actor)
                )
            elif kind == "timer":
                if not self._fire_timer(retry_with["timer_id"], dossier_id, resolves=(incident_id, actor)):
                    raise TaskNotOpen("Hẹn giờ đã chạy", "The timer has fired")
            else:  # submit: run the dossier on from its start
                self._advance(
                    self._dossier_lock("id", dossier_id),
                    was,
                    lambda *args: None,
                    missing=not_found("dossier", dossier_id),
                    origin=_Origin("submit", {}, incident_id, actor),
                )
        except (TaskNotOpen, NotWaitingForMessage):
            with self.db.write() as session:
                dossier = store.lock_dossier(session.connection(), "id", dossier_id, for_update=not self.db.is_sqlite)
                incidents.resolve(
                    session, incidents.row(session, incident_id), actor, self.clock.now(), "the step was done meanwhile"
                )
                link_events(session, dossier)
                store.save_dossier(session.connection(), dossier)
        with self.db.read() as session:
            return next(i for i in incidents.all_incidents(session, dossier_code) if i.id == incident_id)

    def flag_late_dossiers(self) -> int:
        """Give the processing unit an apology task for each dossier that will miss its appointment
        within one working day; safe to run from several processes at once."""
        now = self.clock.now()
        with self.db.read() as session:
            ids = late.candidates(session, current_calendar(session, self.settings), now)
        flagged = 0
        for dossier_id in ids:
            with self.db.write() as session:
                dossier = store.lock_dossier(session.connection(), "id", dossier_id, for_update=not self.db.is_sqlite)
                meta = self.versions.get(session, dossier.version_id).meta
                role = meta.processing_units[0] if meta.processing_units else "desk"
                if late.flag(session, dossier, role, now):
                    flagged += 1
                    link_events(session, dossier)
                    store.save_dossier(session.connection(), dossier)
        return flagged

    # --- reading -------------------------------------------------------------------------------

    def open_tasks(
        self, dossier_code: str | None = None, role: str | None = None, unit: str | None = None
    ) -> list[OpenTask]:
        """Open tasks, earliest due first, optionally of one dossier, role or unit."""
        params = {k: v for k, v in (("code", dossier_code), ("role", role), ("unit", unit)) if v}
        query = store.open_tasks_query("code" in params, "role" in params, "unit" in params)
        with self.db.read_rows() as conn:
            return [OpenTask(*row[:6], row[6].value, *row[7:]) for row in conn.execute(query, params)]

    def cached_dossiers(self) -> set[int]:
        """Ids of the dossiers whose workflow this service keeps in memory between advances (for
        tests and diagnostics): only dossiers still running; an entry is used only while the
        dossier's stored state_version matches it."""
        return self._cache.dossier_ids()

    def get(self, dossier_code: str) -> Dossier:
        with self.db.read() as session:
            dossier = session.scalars(select(Dossier).where(Dossier.code == dossier_code)).one_or_none()
            if dossier is None:
                raise not_found("dossier", dossier_code)
            return dossier

    def history(self, dossier_code: str) -> list[Event]:
        with self.db.read() as session:
            return list(
                session.scalars(
                    select(Event)
                    .join(Dossier, Dossier.id == Event.dossier_id)
                    .where(Dossier.code == dossier_code)
                    .order_by(Event.id)
                )
            )

    def load_workflow(self, dossier_code: str) -> tuple[str, BpmnWorkflow]:
        """The dossier's stored state and the workflow restored from it (read-only use)."""
        with self.db.read() as session:
            dossier = session.scalars(select(Dossier).where(Dossier.code == dossier_code)).one_or_none()
            if dossier is None:
                raise not_found("dossier", dossier_code)
            version = self.versions.get(session, dossier.version_id)
            state = dossier.state
        return state, load_state(state, version.parsed, self._script_engine(Effects()))

    def workflow_data(self, dossier_code: str) -> dict[str, Any]:
        """The data of the dossier's most recently completed step (for display and tests)."""
        _state, wf = self.load_workflow(dossier_code)
        return dict(wf.last_task.data) if wf.last_task else {}

    def amount_to_pay(self, dossier_code: str) -> int | None:
        """What the procedure's own calculation set for the shared payout to pay (`payout_amount`,
        whole đồng), once it has run and found something to pay; else None. The leader signs the
        result and finance pays it from their task pages, so those pages show it."""
        amount = self.workflow_data(dossier_code).get("payout_amount")
        return amount if isinstance(amount, int) and not isinstance(amount, bool) and amount > 0 else None

    # --- internals -----------------------------------------------------------------------------

    def _script_engine(self, effects: Effects) -> RestrictedScriptEngine:
        engine = RestrictedScriptEngine(
            functions={**RULES, **effects.functions(), "working_days": self._working_days}, limits=self._limits
        )
        engine.clock = self.clock  # timer events read the time from here (see bpmn_specs)
        return engine

    def _dossier_lock(self, by: str, key: Any):
        def lock(conn):
            dossier = store.lock_dossier(conn, by, key, for_update=not self.db.is_sqlite)
            return None if dossier is None else (dossier, None)

        return lock

    def _working_days(self, count: int) -> str:
        """For timer events in diagrams (`<timeDate>working_days(2)</timeDate>`): the end of office
        hours of the `count`-th working day from now, on the office calendar."""
        with self.db.read() as session:
            calendar = current_calendar(session, self.settings)
        return calendar.deadline(self.clock.now(), int(count)).isoformat()

    def _advance(
        self,
        lock: Callable[[Any], tuple[DossierRow, Any] | None],
        actor: Actor,
        step: Callable[..., Any],
        missing: NotFound,
        origin: _Origin | None = None,
        rehearse: bool = False,
    ) -> None:
        """Lock the dossier (`lock` returns it and whatever else the step needs), run `step` on its
        workflow, run the engine on, save and project, all in one transaction.

        A script that fails (not a rule refusing what was entered) rolls it all back; then an
        incident is opened for `origin` and StepFailed raised. A rehearsal reads the state from the
        database (not the in-memory cache) and rolls back whatever happened."""
        wf = None
        locked_id = None
        try:
            with self.db.rehearsal() if rehearse else self.db.write() as session:
                conn = session.connection()
                locked = lock(conn)
                if locked is None:
                    raise missing
                dossier, extra = locked
                locked_id = dossier.id
                now = self.clock.now()
                version = self.versions.get(session, dossier.version_id)
                effects = Effects()
                cached = None if rehearse else self._cache.take(dossier.id, dossier.state_version)
                if cached is None:
                    wf = load_state(store.dossier_state(conn, dossier.id), version.parsed, self._script_engine(effects))
                    effects.open_before = open_user_tasks(wf)  # before anything moves, timers included
                else:
                    wf, open_before = cached
                    wf.script_engine = self._script_engine(effects)
                    effects.open_before = set(open_before)  # as the last advance left them
                if (
                    dossier.next_timer_at is not None
                    and dossier.next_timer_at <= now
                    and (origin is None or origin.kind == "timer" or not self._timer_failed(session, dossier.id))
                ):
                    # what fell due before this moment happens first, unless a timer of the dossier
                    # failed: that waits for its incident's retry and does not block the others' work
                    wf.refresh_timers()
                    wf.do_engine_steps()
                if step(session, dossier, wf, version, now, effects, extra) is False:
                    raise _NothingToDo
                if dossier.version_id != version.id:  # the step moved it to another version
                    version = self.versions.get(session, dossier.version_id)
                wf.do_engine_steps()
                if dossier.kept_messages:  # the advance may have reached a step a kept message waits for
                    kept.deliver_or_drop(session, dossier, wf, now, partial(self._take, session, dossier, wf))
                if origin is not None and origin.resolves is not None:
                    incident = incidents.row(session, origin.resolves)
                    incidents.resolve(session, incident, origin.retried_by or actor, now, "retried")
                self._save(session, dossier, wf, effects, actor, now, version.meta)
        except _NothingToDo:
            wf = None
        except ScriptError as err:
            wf = None  # possibly half-changed: never reuse it
            if isinstance(err.__cause__, RuleRefused):  # the law refuses what the step entered: say so
                raise err.__cause__ from err
            if origin is None or locked_id is None:
                raise
            raise incidents.failed(err, self._open_incident(locked_id, origin, err, actor)) from err
        except BaseException:
            wf = None  # possibly half-changed: never reuse it
            raise
        finally:
            if wf is not None and not rehearse:
                self._cache.put(dossier.id, dossier.state_version, wf, effects.open_after)

    @staticmethod
    def _timer_failed(session: Session, dossier_id: int) -> bool:
        return bool(
            session.scalar(
                select(Incident.id)
                .where(Incident.dossier_id == dossier_id, Incident.kind == "timer", Incident.resolved_at.is_(None))
                .limit(1)
            )
        )

    def _open_incident(self, dossier_id: int, origin: _Origin, err: ScriptError, actor: Actor) -> int:
        """After the failed step was rolled back: the incident, in a transaction of its own."""
        with self.db.write() as session:
            conn = session.connection()
            dossier = store.lock_dossier(conn, "id", dossier_id, for_update=not self.db.is_sqlite)
            now = self.clock.now()
            incident = incidents.opened(
                session, dossier, dossier.version_id, err, origin.kind, origin.retry_with, actor, now, origin.resolves
            )
            link_events(session, dossier)
            store.save_dossier(conn, dossier)
            return incident.id

    def _take(
        self, session: Session, dossier: DossierRow, wf: BpmnWorkflow, name: str, payload, actor, now, **noted
    ) -> None:
        """The workflow takes a message it waits for; the history says so, and whatever another part
        of the engine does when a dossier takes this message is written with it."""
        wf.send_event(BpmnEvent(MessageEventDefinition(name), payload))
        wf.do_engine_steps()
        record(session, dossier.id, actor, "message_received", now, message=name, payload=_jsonable(payload), **noted)
        hook = self.when_taken.get(name)
        if hook is not None:
            hook(session, dossier, payload, now)

    def _save(self, session: Session, dossier: DossierRow, wf, effects, actor, now, meta, new=None) -> None:
        """Project the advance and store the state, in the dossier's row, which is inserted here
        with the `new` columns for a dossier being submitted (one statement, not an insert and an
        update)."""
        moved_to = project(session, dossier, wf, effects, actor, now)
        calendar = None
        if moved_to:
            calendar = current_calendar(session, self.settings)
            deadlines.follow_status(session, dossier, moved_to, meta, calendar, now, _application(wf, meta))
        if rows_to_insert(session, HumanTask):  # new tasks: their due times
            deadlines.set_task_due_times(
                session,
                dossier,
                meta,
                calendar or current_calendar(session, self.settings),
                now,
                _application(wf, meta),
            )
        dossier.state_version += 1
        link_events(session, dossier)
        if new is None:
            store.save_dossier_at_commit(session, dossier, state=dump_state(wf))
        else:
            store.insert_dossier(session.connection(), dossier, new, state=dump_state(wf))

    def _transition(self, task_id: int, action: str, actor: Actor, to_username: str | None = None) -> None:
        """Claim, release or reassign: changes the task row and appends to the dossier's history,
        so both rows are locked, in the order completing a task locks them."""
        with self.db.write() as session:
            conn = session.connection()
            locked = store.lock_task_and_dossier(conn, task_id, actor.user_id, for_update=not self.db.is_sqlite)
            if locked is None:
                raise not_found("task", task_id)
            dossier, task = locked
            target = None
            if to_username is not None:
                target = store.colleague(conn, to_username)
                if target is None:
                    raise not_found("user", to_username)
            now = self.clock.now()
            assignment.apply(conn, task, action, actor, now, self._zone, target)
            # nothing reads the two rows again here: their updates go with the commit (on
            # PostgreSQL in one round trip with it)
            store.save_task_at_commit(session, task)
            record(
                session,
                task.dossier_id,
                actor,
                _PAST[action],
                now,
                task=task.element_id,
                task_id=task.id,
                to=to_username,
            )
            link_events(session, dossier)
            store.save_dossier_at_commit(session, dossier)


def _retitle_open_tasks(session: Session, dossier: DossierRow, wf: BpmnWorkflow) -> None:
    """Open task rows of tasks that stay open across a version move take the new version's
    element, title and role (a renamed step reads as renamed in the inbox)."""
    for row in session.scalars(
        select(HumanTask).where(HumanTask.dossier_id == dossier.id, HumanTask.status.in_(OPEN_STATUSES))
    ):
        task = find_task(wf, row.spiff_task_id)
        if task is not None and task.state == TaskState.READY and task.task_spec.manual:
            spec = task.task_spec
            row.element_id, row.title = spec.bpmn_id, spec.bpmn_name or spec.bpmn_id
            row.role_code = spec.lane or row.role_code


def _reindex(conn, dossier: DossierRow, data: dict[str, Any]) -> None:
    """The dossier's search terms from its data as it now stands (the task's data carries the
    application and what later steps set)."""
    name, id_number = _applicant(data)
    search_index.write_terms(conn, dossier.id, search_index.terms(dossier.code, name, id_number, data))


def _applicant(data: dict[str, Any]) -> tuple[str, str]:
    """Whom a dossier is filed under (name, ID number): the organisation when one applies, also for
    an employee whose citizen ID the form holds; otherwise the person."""
    organisation = data.get("applicant_type") in ("employer", "medical_facility") or not data.get("citizen_id")
    if organisation and data.get("tax_code"):
        return str(data.get("organisation_name") or ""), str(data["tax_code"])
    return (
        str(data.get("full_name") or data.get("organisation_name") or ""),
        str(data.get("citizen_id") or data.get("tax_code") or ""),
    )


OPEN_STATUSES = (TaskStatus.NEW, TaskStatus.CLAIMED)
_PAST = {"claim": "task_claimed", "unclaim": "task_unclaimed", "reassign": "task_reassigned"}


def _record_completion(session, dossier: DossierRow, task: TaskRow, actor: Actor, now: datetime, data) -> None:
    """A completed task in the history, with the form as it was kept."""
    record(
        session, dossier.id, actor, "task_completed", now, task=task.element_id, task_id=task.id, data=_jsonable(data)
    )


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """Event data is JSON: dates as ISO text."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


def _application(wf: BpmnWorkflow, meta) -> dict[str, Any]:
    """The application's data as submitted (the start task's), for limits that depend on it;
    read only for procedures that have such limits."""
    if not meta.limit_cases:
        return {}
    for task in wf.get_tasks():
        if "dossier_code" in task.data:
            return dict(task.data)
    return {}
