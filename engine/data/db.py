"""Database access: one engine per process, short sessions, and the rules for writing.

Every change goes through `Database.write()`: one transaction, committed or rolled back whole.
On SQLite a write transaction starts with BEGIN IMMEDIATE, so writers queue on the database lock
instead of failing half-way; on PostgreSQL the rows being changed are locked with SELECT ... FOR
UPDATE (see store.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, create_engine, event, insert
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from engine.data import audit
from engine.data.models import Event

SQLITE_BUSY_TIMEOUT_MS = 60_000


class Database:
    def __init__(self, url: str, echo: bool = False):
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, echo)
        else:
            self.engine = create_engine(url, echo=echo, pool_recycle=1800, pool_size=10, max_overflow=20)
        # Reads need no transaction of their own on PostgreSQL: each statement sees committed data,
        # and skipping BEGIN/ROLLBACK saves two round trips per read.
        reading = self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._reader = sessionmaker(reading, expire_on_commit=False)
        self._writer = sessionmaker(self.engine.execution_options(motcua_write=True), expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits when the block ends and rolls back on any error."""
        with self._writer() as session, session.begin():
            yield session
            _insert_buffered(session)

    @contextmanager
    def rehearsal(self) -> Iterator[Session]:
        """A write transaction rolled back when the block ends: everything a write does (locks,
        statements, the buffered inserts), tried on the database and then undone."""
        with self._writer() as session:
            session.begin()
            try:
                yield session
                _insert_buffered(session)
            finally:
                session.rollback()

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read-only transaction that sees the database as of one moment, for long reads that
        must agree with themselves (an audit of every history) while others write."""
        options = {} if self.is_sqlite else {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        with self.engine.connect() as connection:
            connection.execution_options(**options)
            with connection.begin():
                yield connection

    def dispose(self) -> None:
        self.engine.dispose()


def insert_later(session: Session, model: type, **values) -> None:
    """Queue a row that nothing reads back in this transaction (events, outbox): all queued rows
    are written at commit with one bulk INSERT per table, skipping the ORM's per-object work."""
    session.info.setdefault(_BUFFER, {}).setdefault(model, []).append(values)


_BUFFER = "motcua_insert_later"


def rows_to_insert(session: Session, model: type) -> list[dict]:
    """The rows of `model` queued with insert_later in this transaction (to complete them)."""
    return session.info.get(_BUFFER, {}).get(model, [])


def _insert_buffered(session: Session) -> None:
    buffered = session.info.pop(_BUFFER, {})
    if buffered:
        session.flush()  # rows the buffered ones refer to (a new dossier) go first
        connection = session.connection()
        for model, rows in buffered.items():
            if model is Event:  # chained after the dossier's last event (unless the caller did)
                audit.link_at_commit(connection, rows)
            connection.execute(_insert_statement(model), rows)


@cache
def _insert_statement(model: type):
    return insert(model.__table__)


def _sqlite_engine(url: str, echo: bool) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event decide how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        writing = connection.get_execution_options().get("motcua_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine
