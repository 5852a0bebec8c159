"""Database tables (SQLAlchemy 2, typed).

The SpiffWorkflow state of a dossier is one JSON text per dossier; everything inboxes and reports
need (status, human tasks, due times, timers) is projected into indexed tables in the same
transaction, so nothing ever queries inside the serialized state.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite keeps no zone by itself)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC time is expected")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


intpk = Annotated[int, mapped_column(Integer, primary_key=True, autoincrement=True)]
utc_time = Annotated[datetime, mapped_column(UTCDateTime())]
code_str = Annotated[str, mapped_column(String(64))]


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012 (SQLAlchemy reads it as is)


# --- catalogue -----------------------------------------------------------------------------------


class Procedure(Base):
    """A procedure of the office; points at the version new dossiers start on."""

    __tablename__ = "procedures"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    current_version_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_versions.id"))

    current_version: Mapped[ProcedureVersion | None] = relationship(foreign_keys=[current_version_id])


class ProcedureVersion(Base):
    """One deployed version of a procedure: its diagrams and metadata, stored once by content hash."""

    __tablename__ = "procedure_versions"
    __table_args__ = (Index("uq_procedure_versions_code_number", "code", "number", unique=True),)

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(16), index=True)
    number: Mapped[int]  # 1, 2, ... per procedure, in the order first deployed: what people see (P02 v3)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    process_id: Mapped[str] = mapped_column(String(200))
    sources: Mapped[dict[str, Any]]  # file name -> BPMN/DMN text, the main diagram and all it calls
    meta: Mapped[dict[str, Any]]  # the procedure's metadata, with shared-step metadata merged in
    deployed_at: Mapped[utc_time]


class Deployment(Base):
    """One act of deploying a procedure: which version it made live, what that was, who did it and
    what was live before (the log a designer reads to see who put what live when)."""

    __tablename__ = "deployments"
    __table_args__ = (Index("ix_deployments_procedure_at", "procedure_code", "at"),)

    id: Mapped[intpk]
    procedure_code: Mapped[str] = mapped_column(String(16))
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"))
    # new | unchanged (it was live already) | redeploy (an earlier version made live again)
    kind: Mapped[str] = mapped_column(String(20))
    by: Mapped[str] = mapped_column(String(200))  # a username, or "cli"
    at: Mapped[utc_time]
    previous_version_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_versions.id"))


class TaskPurpose(Base):
    """What a version's user task is for (`purpose:` in its metadata), written when the version is
    deployed, so inbox queries can pick the desk's intake or return tasks by purpose."""

    __tablename__ = "task_purposes"

    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"), primary_key=True)
    element_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(40), index=True)


class Draft(Base):
    """A designer's working copy of one procedure (diagram and metadata), not live until deployed.
    `checked_hash` is the content that last validated and passed every declared path: the deploy gate."""

    __tablename__ = "drafts"

    id: Mapped[intpk]
    procedure_code: Mapped[str] = mapped_column(String(16), index=True)
    origin: Mapped[str] = mapped_column(String(20))  # files (bpmn/ + workflows/), version, import
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_versions.id"))
    base_bpmn: Mapped[str] = mapped_column(Text)  # what it started from (tells new elements from old)
    bpmn: Mapped[str] = mapped_column(Text)
    meta_yaml: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[utc_time]
    updated_at: Mapped[utc_time]
    content_hash: Mapped[str] = mapped_column(String(64))  # of bpmn + meta_yaml, kept with them
    checked_hash: Mapped[str | None] = mapped_column(String(64))
    deployed_version_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_versions.id"))
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deployed_at: Mapped[utc_time | None]

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    deployed_by: Mapped[User | None] = relationship(foreign_keys=[deployed_by_id])


class DecisionDraft(Base):
    """A designer's working copy of one decision table (bpmn/dmn/<file>), one per table: not used
    by any dossier until deployed, as part of new versions of the procedures that call it."""

    __tablename__ = "decision_drafts"
    __table_args__ = (UniqueConstraint("file", name="uq_decision_drafts_file"),)

    id: Mapped[intpk]
    file: Mapped[str] = mapped_column(String(120))  # e.g. p02_state_support.dmn
    dmn: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # who saved it last
    created_at: Mapped[utc_time]
    updated_at: Mapped[utc_time]
    # the last deploy of this content with the procedures calling it ("P02 v3, P08 v2"); cleared on save
    deployed_at: Mapped[utc_time | None]
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deployed_versions: Mapped[str | None] = mapped_column(String(400))

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    deployed_by: Mapped[User | None] = relationship(foreign_keys=[deployed_by_id])


# --- people --------------------------------------------------------------------------------------


class Unit(Base):
    """An office or branch that receives and processes dossiers."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))


class Role(Base):
    """An officer role; diagram lanes name these codes."""

    __tablename__ = "roles"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))


class User(Base):
    __tablename__ = "users"

    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2; None: cannot log in

    roles: Mapped[list[RoleAssignment]] = relationship(back_populates="user", cascade="all")


class RoleAssignment(Base):
    """User U holds role R in unit N: U is offered R's tasks of N's dossiers."""

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("user_id", "role_code", "unit_code"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role_code: Mapped[str] = mapped_column(ForeignKey("roles.code"))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))

    user: Mapped[User] = relationship(back_populates="roles")


class SavedFilter(Base):
    """An officer's named inbox filter: the view, filters and order as a query string, shown as a
    link above their inbox."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_filters_user_name"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(400))  # e.g. view=overdue&procedure=P02&sort=received
    created_at: Mapped[utc_time]


class Account(Base):
    """An applicant's own login: a person (by citizen ID) or an organisation (by tax code)."""

    __tablename__ = "accounts"

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(20))  # individual | employer | medical_facility
    id_number: Mapped[str] = mapped_column(String(20), unique=True)  # citizen ID or tax code
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(200), unique=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[utc_time]


class LoginSession(Base):
    """A browser's login, kept on the server: the cookie carries only its token (whose hash is kept
    here), so logging out, a password change or an idle timeout ends it for every copy of the cookie."""

    __tablename__ = "login_sessions"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[utc_time]
    last_seen_at: Mapped[utc_time]
    ended_at: Mapped[utc_time | None]


class PasswordReset(Base):
    """A one-time password-reset link, for an applicant's account or an officer (one of the two);
    only a hash of its token is kept."""

    __tablename__ = "password_resets"

    id: Mapped[intpk]
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[utc_time]
    expires_at: Mapped[utc_time]
    used_at: Mapped[utc_time | None]


# --- dossiers ------------------------------------------------------------------------------------


# Partial indexes' predicates. A query meant for one must state the same conditions without bound
# parameters: `status = $1` does not prove `status = 'pending'` to PostgreSQL in a generic plan
# (psycopg prepares a statement run five times on a connection, and PostgreSQL may then plan it once
# for every value), nor to SQLite at all. `IS NULL` needs no parameter; the status is written as
# literal SQL (engine.dossiers.service.due_timers).
RUNNING_DOSSIER = "processed_at IS NULL AND finished_at IS NULL AND paused_at IS NULL"
PENDING_TIMER = "status = 'pending'"
MESSAGE_TAKEN = "kind = 'message_received'"
# never received: refused at the desk's reception check (engine.figures.measures)
REFUSED_AT_RECEPTION = "status = 3 AND received_on IS NULL"


class Dossier(Base):
    __tablename__ = "dossiers"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(40), unique=True)
    procedure_code: Mapped[str] = mapped_column(String(16))  # indexed with the id: __table_args__
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    status: Mapped[int] = mapped_column(index=True)
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_id_number: Mapped[str] = mapped_column(String(20), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)  # None: at the counter
    # the form's one-time key: the same application sent twice (a double click) makes one dossier
    submission_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    result_channel: Mapped[str | None] = mapped_column(String(20))
    # how it came in: online | counter | post (postal intake) | post_agent | cli; None: before 0019
    channel: Mapped[str | None] = mapped_column(String(20))
    submitted_at: Mapped[utc_time]
    updated_at: Mapped[utc_time]
    finished_at: Mapped[utc_time | None]
    received_on: Mapped[date | None] = mapped_column(Date)  # the working day it counts as received
    appointment_at: Mapped[utc_time | None]  # when the result is due (the receipt slip's date)
    paused_at: Mapped[utc_time | None]  # the clock stopped then: waiting for the applicant
    # processing finished (status 9): on time or late
    processed_at: Mapped[utc_time | None] = mapped_column(index=True)
    next_timer_at: Mapped[utc_time | None]  # earliest pending timer; None: nothing to sync
    # SpiffWorkflow state without the specs (those live once in procedure_versions)
    state: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only when the cache misses
    # bumped on every advance; lets a process reuse its in-memory workflow when nothing changed
    state_version: Mapped[int] = mapped_column(default=1)
    # outside messages kept for a step not reached yet (kept_messages rows): 0 spares every advance
    # the look for them
    kept_messages: Mapped[int] = mapped_column(default=0, server_default="0")
    # apology tasks the dossier was given (engine.sla.late): 0 spares the end of processing the
    # look for open ones
    apologies: Mapped[int] = mapped_column(default=0, server_default="0")
    # the head of the history's hash chain (engine.data.audit): its last event's seq and hash
    last_event_seq: Mapped[int] = mapped_column(default=0)
    last_event_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)

    version: Mapped[ProcedureVersion] = relationship()

    __table_args__ = (
        # a unit's dossiers newest first (the officers' search pages through them in this order)
        Index("ix_dossiers_unit_submitted", "unit_code", "submitted_at", "id"),
        # a procedure's dossiers, with their ids: the managers' task figures of one procedure join
        # the open tasks to them from the index alone (engine.figures.dashboard)
        Index("ix_dossiers_procedure_code", "procedure_code", "id"),
        # the desk's dossier views (awaiting supplement, withdrawn) read a unit's dossiers of one
        # status in their order (next timer, none last; last change; id)
        Index("ix_dossiers_unit_status_timer", "unit_code", "status", "next_timer_at", "updated_at", "id"),
        # the dossiers received in a period (engine.figures.measures): the public statistics' count by
        # month, procedure and channel read from the index alone, the dashboard's cohort
        Index("ix_dossiers_received", "received_on", "procedure_code", "channel"),
        # the late-dossier job's candidates (engine.sla.late): only dossiers still being processed,
        # by appointment, so the poll reads the few near their appointment and never the finished
        # millions.
        Index(
            "ix_dossiers_running_appointment",
            "appointment_at",
            postgresql_where=text(RUNNING_DOSSIER),
            sqlite_where=text(RUNNING_DOSSIER),
        ),
        # the dashboard's dossiers refused at reception in a period (engine.figures.measures), by
        # unit and procedure from the index alone rather than every refusal ever made
        Index(
            "ix_dossiers_refused_at_reception",
            "finished_at",
            "unit_code",
            "procedure_code",
            postgresql_where=text(REFUSED_AT_RECEPTION),
            sqlite_where=text(REFUSED_AT_RECEPTION),
        ),
    )


class SearchTerm(Base):
    """The search projection (engine.data.search_index): one row per word or number a dossier can
    be found by (name words folded to plain lowercase letters, ID number, phone, tax code, code
    parts), written with the dossier and rewritten when its application changes. Found by prefix:
    the index on value serves `LIKE 'x%'` on PostgreSQL (text_pattern_ops) and a range on SQLite."""

    __tablename__ = "search_terms"
    __table_args__ = (
        Index("ix_search_terms_value", "value", "dossier_id", postgresql_ops={"value": "text_pattern_ops"}),
    )

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # name | id | phone | tax | code
    value: Mapped[str] = mapped_column(String(100), primary_key=True)


class Document(Base):
    """A paper of a dossier, uploaded with it or later as a supplement. Kept in the database so it
    is saved (or refused) in the same transaction as the step that brings it."""

    __tablename__ = "documents"

    id: Mapped[intpk]
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(100))  # a document id of the procedure, or "supplement"
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))  # as found from the content
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[utc_time]
    uploaded_by: Mapped[str] = mapped_column(String(200))
    round: Mapped[int] = mapped_column(default=0)  # 0: with the application; n: the n-th supplement
    # a paper component brought to the counter: digitized | reused | paper_only (None: sent as a file)
    paper: Mapped[str | None] = mapped_column(String(20))


class CounterUpload(Base):
    """A file a counter officer chose on a form that came back with an error, kept so it need not be chosen again;
    the form carries its token, and only its owner may use it. Cleared when used or a day old."""

    __tablename__ = "counter_uploads"
    __table_args__ = (UniqueConstraint("token", name="uq_counter_uploads_token"),)

    id: Mapped[intpk]
    token: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(60))  # "officer:<id>"
    doc_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[utc_time] = mapped_column(index=True)


class Rating(Base):
    """The applicant's rating of the service once the result is returned (one per dossier)."""

    __tablename__ = "ratings"

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    rating: Mapped[str] = mapped_column(String(20))  # very_satisfied | satisfied | not_satisfied
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[utc_time]


class TaskStatus(str, enum.Enum):
    NEW = "new"  # offered to every holder of the role in the unit
    CLAIMED = "claimed"  # one officer is working on it
    DONE = "done"
    CANCELED = "canceled"  # the process moved on without it (timer, withdrawal)


class HumanTask(Base):
    """A user task waiting for (or done by) an officer: the inbox row."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        UniqueConstraint("dossier_id", "spiff_task_id"),
        # the inboxes read each (unit, status, role), an officer's claimed and done tasks, in their
        # order (earliest due, none last; oldest; id), from these indexes alone (engine.dossiers.inbox);
        # a led unit's tasks are read by (unit, status) whatever the role; the intake and return
        # views read the few tasks of the shared steps that serve them (element_id); the assignee
        # index also serves every look-up by assignee (it replaces ix_human_tasks_assignee_id)
        Index("ix_human_tasks_queue", "unit_code", "status", "role_code", "due_at", "created_at", "id"),
        # a led unit's tasks whatever the role (the leader's due-soon and overdue overviews)
        Index("ix_human_tasks_unit_queue", "unit_code", "status", "due_at", "created_at", "id"),
        Index(
            "ix_human_tasks_purpose_queue",
            "unit_code",
            "status",
            "element_id",
            "due_at",
            "created_at",
            "id",
            # the intake and return views count an officer's roles' tasks, and the return view's per
            # channel, from this index alone
            postgresql_include=["result_channel", "role_code"],
        ),
        Index(
            "ix_human_tasks_assignee_queue",
            "assignee_id",
            "status",
            "role_code",
            "unit_code",
            "due_at",
            "created_at",
            "id",
        ),
        Index(
            "ix_human_tasks_completer_queue",
            "completed_by_id",
            "status",
            "role_code",
            "unit_code",
            "due_at",
            "created_at",
            "id",
        ),
    )

    id: Mapped[intpk]
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    role_code: Mapped[str] = mapped_column(ForeignKey("roles.code"))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    status: Mapped[TaskStatus] = mapped_column(
        Enum(TaskStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[utc_time]
    claimed_at: Mapped[utc_time | None]
    finished_at: Mapped[utc_time | None]
    due_at: Mapped[utc_time | None]
    # the dossier's result channel, copied when the task opens (it never changes after submission):
    # the result-return view filters and counts by it without reading the dossiers
    result_channel: Mapped[str | None] = mapped_column(String(20))

    dossier: Mapped[Dossier] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])


class Event(Base):
    """Append-only history of a dossier (a database trigger refuses updates and deletes), each
    event chained to the one before by its hash (engine.data.audit)."""

    __tablename__ = "events"
    # one event per place in a dossier's chain (also the index for reading a dossier's history)
    __table_args__ = (
        Index("ix_events_dossier_seq", "dossier_id", "seq", unique=True),
        # the messages dossiers took, by when (engine.figures: benefits paid in a period)
        Index(
            "ix_events_message_at",
            "at",
            postgresql_where=text(MESSAGE_TAKEN),
            sqlite_where=text(MESSAGE_TAKEN),
        ),
    )

    id: Mapped[intpk]
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    at: Mapped[utc_time]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(200))  # name as shown, also for the system/applicant
    kind: Mapped[str] = mapped_column(String(50))
    data: Mapped[dict[str, Any]]
    seq: Mapped[int]  # 1, 2, ... within the dossier
    prev_hash: Mapped[str] = mapped_column(String(64))  # the hash of the event before (GENESIS for the first)
    hash: Mapped[str] = mapped_column(String(64))


class KeptMessage(Base):
    """A message from an outside system (the post, the bank) that came before the step waiting for
    it: kept, and delivered by the advance that reaches that step (once), or dropped with a note in
    the history when the dossier ends without reaching it."""

    __tablename__ = "kept_messages"

    id: Mapped[intpk]
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(200))  # who sent it, as the history names them
    received_at: Mapped[utc_time]


class TimerStatus(str, enum.Enum):
    PENDING = "pending"
    FIRED = "fired"
    CANCELED = "canceled"


class Timer(Base):
    """A timer event a dossier waits on, with its due time, for the scheduler to pick."""

    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("dossier_id", "spiff_task_id"),
        # the scheduler's due query: pending timers by due time. Fired and canceled timers pile up
        # (millions) and stay out of this index, so a poll with nothing due reads one index page.
        Index(
            "ix_timers_pending_due",
            "due_at",
            postgresql_where=text(PENDING_TIMER),
            sqlite_where=text(PENDING_TIMER),
        ),
    )

    id: Mapped[intpk]
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[utc_time]
    status: Mapped[TimerStatus] = mapped_column(
        Enum(TimerStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    fired_at: Mapped[utc_time | None]


class Incident(Base):
    """A step of a live dossier whose script, condition or timer expression failed (as Camunda calls
    it): the dossier stayed where it was; the incident is kept until a retry passes. ``kind`` says
    what was being done ("submit", "task", "message", "timer") and ``retry_with`` what a retry
    needs to do it again (the task and its form, the message and its payload, the timer)."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_open", "resolved_at", "dossier_id"),)

    id: Mapped[intpk]
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"))
    element_id: Mapped[str] = mapped_column(String(200))
    element_name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    error: Mapped[str] = mapped_column(Text)
    retry_with: Mapped[dict[str, Any]]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # who was acting when it failed
    actor: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[utc_time]
    failed_at: Mapped[utc_time]  # the last failure (a retry that fails again moves it)
    attempts: Mapped[int] = mapped_column(default=1)
    resolved_at: Mapped[utc_time | None]
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolution: Mapped[str | None] = mapped_column(String(200))

    dossier: Mapped[Dossier] = relationship()


class OutboxMessage(Base):
    """A side effect to deliver (portal push, SMS, e-mail, postal order, payout), written in the
    same transaction as the change that causes it; a worker delivers it later."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)

    id: Mapped[intpk]
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]]
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[utc_time]
    next_attempt_at: Mapped[utc_time]
    sent_at: Mapped[utc_time | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # a worker holds the row until then; a worker killed mid-delivery lets it go when this passes
    locked_until: Mapped[utc_time | None]
    response: Mapped[dict[str, Any] | None]  # what the outside system answered (a waybill, a transfer id)


class WebhookReceipt(Base):
    """A signed update from an outside system (the post, the bank), kept by its event id so that a
    replayed update is refused; refused updates are kept too, with the reason."""

    __tablename__ = "webhook_receipts"
    __table_args__ = (UniqueConstraint("source", "event_id"),)

    id: Mapped[intpk]
    source: Mapped[str] = mapped_column(String(20))  # post | bank
    event_id: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[utc_time]
    payload: Mapped[dict[str, Any]]


class WebhookRefusalCount(Base):
    """Updates refused (unsigned, wrongly signed, too old, replayed, ...), counted by source, reason
    and office day, with the start of the latest one: a flood of bad requests adds to a count, never
    a row per request."""

    __tablename__ = "webhook_refusal_counts"
    __table_args__ = (UniqueConstraint("source", "reason", "day"),)

    id: Mapped[intpk]
    source: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date, index=True)
    count: Mapped[int]
    first_at: Mapped[utc_time]
    last_at: Mapped[utc_time]
    last_body: Mapped[str] = mapped_column(Text)  # the start of the latest refused body


class ConfirmedTransfer(Base):
    """A transfer the bank confirmed to a dossier that took the confirmation, by the bank's
    settlement time: the daily reconciliation reads one day of these by its index."""

    __tablename__ = "confirmed_transfers"

    id: Mapped[intpk]
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    transfer_id: Mapped[str] = mapped_column(String(100))
    amount: Mapped[int | None] = mapped_column(BigInteger)  # None: not a whole number of đồng as sent
    settled_at: Mapped[utc_time] = mapped_column(index=True)  # the bank's time, or when we took it
    recorded_at: Mapped[utc_time]


class LateDossier(Base):
    """A dossier found about to miss its appointment: the office owes the applicant an apology
    with a new date (form 04). One row per missed appointment, which is what makes the job safe
    to run from several processes at once."""

    __tablename__ = "late_dossiers"
    __table_args__ = (UniqueConstraint("dossier_id", "appointment_at"),)

    id: Mapped[intpk]
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    procedure_code: Mapped[str] = mapped_column(String(16), index=True)
    unit_code: Mapped[str] = mapped_column(String(64), index=True)
    appointment_at: Mapped[utc_time]  # the appointment about to be missed
    detected_at: Mapped[utc_time]
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    new_appointment_at: Mapped[utc_time | None]
    apologized_at: Mapped[utc_time | None]


class HealthInsuranceCard(Base):
    """A health-insurance card a dossier's task issued (number and expiry), kept where a query can
    find the cards about to expire; filled in the transaction of the task that issues it."""

    __tablename__ = "hi_cards"
    __table_args__ = (UniqueConstraint("dossier_id", "card_number"),)

    id: Mapped[intpk]
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    card_number: Mapped[str] = mapped_column(String(20), index=True)
    # whose card: the applicant's citizen ID (P03), or an employee's from the card list an employer's
    # registration issued (P01); what a medical facility's check looks up
    holder_id_number: Mapped[str] = mapped_column(String(20), index=True)
    valid_to: Mapped[date] = mapped_column(Date, index=True)
    # from the dossier's data (collect_review's card_valid_from); None for cards recorded before 0035
    valid_from: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[utc_time]
    # the valid_to a renewal reminder was queued for; a renewed card (new valid_to) gets its own
    reminded_for: Mapped[date | None] = mapped_column(Date)


class CalendarDay(Base):
    """The office's own change to the working-day calendar: a day off, or a working day."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool]
    note: Mapped[str] = mapped_column(String(300), default="")


class AdminChange(Base):
    """The administration's own log: who changed which unit, officer, role grant or calendar day,
    when, and how. Append-only and chained by hash like a dossier's history (engine.data.audit)."""

    __tablename__ = "admin_changes"

    id: Mapped[intpk]
    seq: Mapped[int] = mapped_column(unique=True)  # 1, 2, ...: one chain for the whole office
    at: Mapped[utc_time]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(20), index=True)  # units | officers | roles | calendar
    kind: Mapped[str] = mapped_column(String(50))
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class DossierCodeCounter(Base):
    """Last sequence number used for dossier codes of one office on one day."""

    __tablename__ = "dossier_code_counters"

    prefix: Mapped[str] = mapped_column(String(40), primary_key=True)
    last: Mapped[int]


class ApplicationDraft(Base):
    """An application on its way in: the answers and the files already received, kept between a
    form error, the "check your answers" page and the submit, for the one login that made it
    (`login_hash`: the hash of that login's token) and for a day at most."""

    __tablename__ = "application_drafts"

    id: Mapped[intpk]
    key: Mapped[str] = mapped_column(String(32), unique=True)  # the form's one-time submission key
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    login_hash: Mapped[str] = mapped_column(String(64))
    procedure_code: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]]
    created_at: Mapped[utc_time] = mapped_column(index=True)


class PendingUpload(Base):
    """A file received with an application not yet submitted; it becomes a Document on submit."""

    __tablename__ = "pending_uploads"

    id: Mapped[intpk]
    draft_id: Mapped[int] = mapped_column(ForeignKey("application_drafts.id", ondelete="CASCADE"), index=True)
    doc_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


# --- the REST API --------------------------------------------------------------------------------


class ApiToken(Base):
    """A personal access token for the REST API, made by an applicant (account) or an officer (user)
    on their account page: only its SHA-256 is kept, with what it may do (`scopes`, space-separated:
    read, submit, work), until when, and whether its holder revoked it."""

    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))  # the token's first characters, to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[utc_time]
    expires_at: Mapped[utc_time]
    revoked_at: Mapped[utc_time | None]
    last_used_at: Mapped[utc_time | None]


class IdempotentRequest(Base):
    """A creating call of the REST API made with an Idempotency-Key: the same key from the same
    holder with the same request answers as the first time; with another request it is refused.
    `status` is None while the first request is still being handled."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("holder", "key", name="uq_idempotent_requests_holder_key"),)

    id: Mapped[intpk]
    holder: Mapped[str] = mapped_column(String(40))  # "account:12" or "user:3"
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the method, path and body
    status: Mapped[int | None]
    response: Mapped[dict[str, Any] | None]
    headers: Mapped[dict[str, Any] | None]
    created_at: Mapped[utc_time] = mapped_column(index=True)


class PartnerClient(Base):
    """A partner's software the administrator let into the REST API: an employer (filing dossiers for
    its employees under its tax code) or a medical facility (checking health-insurance cards). It
    trades its client id and secret (only the secret's SHA-256 is kept) for short-lived access tokens."""

    __tablename__ = "partner_clients"

    id: Mapped[intpk]
    client_id: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # employer | medical_facility
    name: Mapped[str] = mapped_column(String(200))
    tax_code: Mapped[str | None] = mapped_column(String(20))  # an employer's: its dossiers are filed under it
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[utc_time]
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[utc_time | None]


class PartnerToken(Base):
    """An access token a partner client was given (client credentials grant); its SHA-256 only."""

    __tablename__ = "partner_tokens"

    id: Mapped[intpk]
    client_id: Mapped[int] = mapped_column(ForeignKey("partner_clients.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[utc_time]
    expires_at: Mapped[utc_time] = mapped_column(UTCDateTime(), index=True)


class PartnerDossier(Base):
    """A dossier an employer's software filed through the API: what it may list and read back."""

    __tablename__ = "partner_dossiers"

    id: Mapped[intpk]
    client_id: Mapped[int] = mapped_column(ForeignKey("partner_clients.id"), index=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    submitted_at: Mapped[utc_time]


class CardLookup(Base):
    """One check of a citizen's health-insurance card by a medical facility: who asked, when, about
    which ID number and which day, and what it was told (valid, expired, not_yet_valid, no_card)."""

    __tablename__ = "card_lookups"

    id: Mapped[intpk]
    client_id: Mapped[int] = mapped_column(ForeignKey("partner_clients.id"), index=True)
    at: Mapped[utc_time] = mapped_column(UTCDateTime(), index=True)
    id_number: Mapped[str] = mapped_column(String(20), index=True)
    on_day: Mapped[date] = mapped_column(Date)
    answer: Mapped[str] = mapped_column(String(20))
    card_number: Mapped[str | None] = mapped_column(String(20))
