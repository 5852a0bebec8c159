"""Database access: one engine per process, short sessions, and the rules for writing.

Every change goes through `Database.write()`: one transaction, committed or rolled back whole.
On SQLite a write transaction starts with BEGIN IMMEDIATE, so writers queue on the database lock
instead of failing half-way; on PostgreSQL the rows being changed are locked with SELECT ... FOR
UPDATE (see store.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, Executable, create_engine, event, insert
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
        self._reading = reading
        self._reader = sessionmaker(reading, expire_on_commit=False)
        self._writer = sessionmaker(self.engine.execution_options(motcua_write=True), expire_on_commit=False)
        if not self.is_sqlite:
            _begin_with_first_statement(self.engine)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    @contextmanager
    def read_rows(self) -> Iterator[Connection]:
        """A connection for Core reads that need no ORM session (a hot read such as a dossier's
        open tasks: the session's own setup costs about as much as the query)."""
        with self._reading.connect() as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits when the block ends and rolls back on any error."""
        with self._writer() as session, session.begin():
            yield session
            _write_queued(session, pipelined=not self.is_sqlite)

    @contextmanager
    def rehearsal(self) -> Iterator[Session]:
        """A write transaction rolled back when the block ends: everything a write does (locks,
        statements, the queued writes), tried on the database and then undone."""
        with self._writer() as session:
            session.begin()
            try:
                yield session
                _write_queued(session, pipelined=False)
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


def execute_at_commit(session: Session, statement: Executable, params: dict | list[dict]) -> None:
    """Queue a write whose result nothing reads and which no later statement of this transaction
    depends on (the dossier row's update after an advance): run at commit, in the order queued,
    before the insert_later rows."""
    session.info.setdefault(_DEFERRED, []).append((statement, params))


_BUFFER = "motcua_insert_later"
_DEFERRED = "motcua_execute_at_commit"


def insert_now(session: Session, model: type) -> None:
    """Write the rows of `model` queued with insert_later so far now, not at commit (to have a
    large write behind the transaction before it takes a lock others wait for)."""
    rows = session.info.get(_BUFFER, {}).pop(model, [])
    if rows:
        session.connection().execute(_insert_statement(model), rows)


def rows_to_insert(session: Session, model: type) -> list[dict]:
    """The rows of `model` queued with insert_later in this transaction (to complete them)."""
    return session.info.get(_BUFFER, {}).get(model, [])


def _write_queued(session: Session, pipelined: bool) -> None:
    """The queued writes, just before the commit. On PostgreSQL they go in psycopg's pipeline
    mode with the COMMIT: none returns anything, so they travel in one round trip instead of one
    each (an error in any is raised by the commit, and the transaction rolls back whole)."""
    buffered = session.info.pop(_BUFFER, {})
    deferred = session.info.pop(_DEFERRED, [])
    if not buffered and not deferred:
        return
    session.flush()  # rows the buffered ones refer to (a new dossier) go first; the ORM reads results
    connection = session.connection()
    unlinked = [row for row in buffered.get(Event, []) if "hash" not in row]
    if unlinked:  # chained after the dossier's last event, which a queued update may move: run those first
        for statement, params in deferred:
            connection.execute(statement, params)
        deferred = []
        audit.link_at_commit(connection, unlinked)  # reads
    with ExitStack() as pipeline:
        if pipelined:
            driver = connection.connection.driver_connection
            pipeline.enter_context(driver.pipeline())
        for statement, params in deferred:
            connection.execute(statement, params)
        for model, rows in buffered.items():
            connection.execute(_insert_statement(model), rows)
        if pipelined:
            # inside the pipeline, so the COMMIT goes with the writes; the connection leaves
            # pipeline mode before it goes back to the pool, and SQLAlchemy's own commit then
            # finds the transaction done
            driver.commit()


@cache
def _insert_statement(model: type):
    # inline: no RETURNING of the new ids, which nobody reads (and a pipeline cannot give back)
    return insert(model.__table__).inline()


_BEGIN_PIPELINE = "motcua_begin_pipeline"


def _begin_with_first_statement(engine: Engine) -> None:
    """psycopg sends a transaction's BEGIN in a round trip of its own before the first statement;
    in pipeline mode it goes with it. A write transaction opens the pipeline when it begins and
    closes it (waiting for both results) right after its first statement, before SQLAlchemy reads
    that statement's result; the rest of the transaction runs as usual."""

    @event.listens_for(engine, "begin")
    def _open(connection):
        if connection.get_execution_options().get("motcua_write", False):
            pipeline = connection.connection.driver_connection.pipeline()
            pipeline.__enter__()
            connection.info[_BEGIN_PIPELINE] = pipeline

    @event.listens_for(engine, "after_cursor_execute")
    def _close_after_first(connection, *_args):
        _close_pipeline(connection)

    # a transaction that ends before it ran a statement
    event.listen(engine, "commit", _close_pipeline)
    event.listen(engine, "rollback", _close_pipeline)

    @event.listens_for(engine, "handle_error")
    def _close_on_error(context):
        if context.connection is not None:
            with suppress(Exception):  # the error being handled is the one to raise
                _close_pipeline(context.connection)


def _close_pipeline(connection: Connection) -> None:
    pipeline = connection.info.pop(_BEGIN_PIPELINE, None)
    if pipeline is not None:
        pipeline.__exit__(None, None, None)  # sends what is queued, waits for its results


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
