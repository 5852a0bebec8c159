"""Copying the office's whole database into an empty PostgreSQL database: the move an office makes
when it grows out of the embedded SQLite file (`motcua db copy --to URL`).

The tables are the models' metadata, every one of them, copied parents first
(`Base.metadata.sorted_tables`), in batches bounded by rows and by bytes (documents carry their
contents), with their primary keys; then each table's id sequence is set past its largest id, so
the next dossier, event or task takes a new one. The target is migrated to the newest schema and
filled in one transaction: a failure anywhere leaves it as it was.

Refused before anything is written: a target that is not PostgreSQL, cannot be reached, or holds a
row in any Motcua table (or tables that are not Motcua's); a source that is not at this Motcua's
newest schema (run `motcua db upgrade` on it first).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    JSON,
    Connection,
    LargeBinary,
    Table,
    Text,
    bindparam,
    cast,
    create_engine,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy import table as table_clause
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from engine.data.db import Database
from engine.data.migrate import schema_at, schema_of, upgrade_connection
from engine.data.models import Base
from engine.errors import EngineError

BATCH_ROWS = 1000
BATCH_BYTES = 8 * 1024 * 1024  # a batch of documents holds about this much content, then goes
BINARY_FETCH = 4  # rows with contents read from the source at a time (an upload is up to 10 MB)
CONNECT_SECONDS = 10


class CopyError(EngineError):
    """A copy refused before it began, or one that failed and was rolled back: the target is as it was."""


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int

    @property
    def equal(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True)
class Copied:
    revision: str
    rows: int  # rows copied in all
    sequences: int  # id sequences set past the largest id copied


def tables() -> list[Table]:
    """Every Motcua table, parents before the tables that refer to them."""
    return list(Base.metadata.sorted_tables)


def copy_database(source: Database, target_url: str, progress: Callable[[str], None] | None = None) -> Copied:
    """Copy everything in `source` into the empty PostgreSQL database at `target_url`; see the module.
    `progress` is told of each table as it is copied (a large office's copy takes minutes)."""
    target = target_engine(target_url)
    try:
        head = _check_source(source)
        _check_target(target)
        rows = 0
        try:
            with source.snapshot() as reading, target.begin() as writing:
                upgrade_connection(writing, head)  # in the copy's transaction: undone with it
                every = tables()
                for n, table in enumerate(every, 1):
                    copied = _copy_table(reading, writing, table)
                    rows += copied
                    if progress:
                        progress(f"table {n} of {len(every)}: {table.name}, {copied} row(s)")
                sequences = _reset_sequences(writing)
        except DBAPIError as err:
            raise CopyError(
                f"Sao chép thất bại, cơ sở dữ liệu đích giữ nguyên như trước: {err.orig}",
                f"The copy failed; the target database is as it was before: {err.orig}",
            ) from err
        return Copied(head, rows, sequences)
    finally:
        target.dispose()


def count_rows(source: Database, target_url: str) -> list[TableCount]:
    """Rows per table in the source and in the target, every Motcua table (and the schema version)."""
    target = target_engine(target_url)
    try:
        with source.snapshot() as left, target.connect() as right:
            counts = [TableCount(t.name, _count(left, t), _count(right, t)) for t in [*tables(), _ALEMBIC_VERSION]]
    finally:
        target.dispose()
    return counts


def target_engine(url: str) -> Engine:
    """An engine on the PostgreSQL database at `url`; refuses any other kind of database."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise CopyError(
            f"{url} không phải địa chỉ cơ sở dữ liệu (ví dụ postgresql+psycopg://user@host/db)",
            f"{url} is not a database URL (e.g. postgresql+psycopg://user@host/db)",
        ) from None
    if parsed.get_backend_name() != "postgresql":
        raise CopyError(
            f"Đích phải là cơ sở dữ liệu PostgreSQL, không phải {parsed.get_backend_name()}",
            f"The target must be a PostgreSQL database, not {parsed.get_backend_name()}",
        )
    try:
        return create_engine(parsed, connect_args={"connect_timeout": CONNECT_SECONDS})
    except (ArgumentError, NoSuchModuleError) as err:
        shown = parsed.render_as_string(hide_password=True)
        raise CopyError(f"Không dùng được địa chỉ {shown}: {err}", f"Cannot use {shown}: {err}") from None


# --- refusals ------------------------------------------------------------------------------------


def _check_source(source: Database) -> str:
    if source.is_sqlite and not _sqlite_file_exists(source):
        schema = schema_at(None)  # (connecting would make an empty file)
    else:
        with source.engine.connect() as connection:
            schema = schema_of(connection)
    revision, head = schema.revision, schema.head
    if not schema.at_head:
        at = "chưa có bảng nào" if revision is None else f"ở phiên bản lược đồ {revision}"
        at_en = "has no Motcua tables" if revision is None else f"is at schema {revision}"
        raise CopyError(
            f"Cơ sở dữ liệu nguồn {at}, không phải phiên bản mới nhất {head}: chạy `motcua db upgrade` trước",
            f"The source database {at_en}, not the newest schema {head}: run `motcua db upgrade` on it first",
        )
    return head


def _sqlite_file_exists(db: Database) -> bool:
    database = db.url.database
    return bool(database) and (database == ":memory:" or Path(database).exists())


def _check_target(target: Engine) -> None:
    where = target.url.render_as_string(hide_password=True)
    try:
        connection = target.connect()
    except DBAPIError as err:
        said = str(err.orig).strip().splitlines()[0] if str(err.orig).strip() else type(err.orig).__name__
        raise CopyError(
            f"Không kết nối được cơ sở dữ liệu đích {where}: {said}",
            f"Cannot reach the target database {where}: {said}",
        ) from None
    with connection:
        present = set(inspect(connection).get_table_names())
        ours = {t.name for t in tables()}
        foreign = sorted(present - ours - {_ALEMBIC_VERSION.name})
        if foreign:
            raise CopyError(
                f"Cơ sở dữ liệu đích {where} có bảng không phải của Motcua ({', '.join(foreign)}): "
                "hãy dùng một cơ sở dữ liệu trống",
                f"The target database {where} holds tables that are not Motcua's ({', '.join(foreign)}): "
                "give an empty database",
            )
        schema = schema_of(connection) if _ALEMBIC_VERSION.name in present else schema_at(None)
        if schema.newer:
            raise CopyError(
                f"Cơ sở dữ liệu đích có lược đồ {schema.revision}, mới hơn phiên bản Motcua này",
                f"The target database has a newer schema ({schema.revision}) than this Motcua knows",
            )
        held = {t.name: n for t in tables() if t.name in present and (n := _count(connection, t))}
    if held:
        listed = ", ".join(f"{name} {n}" for name, n in list(held.items())[:5])
        if len(held) > 5:
            listed += f", ... {len(held) - 5} more table(s)"
        raise CopyError(
            f"Cơ sở dữ liệu đích {where} không trống ({listed}): sao chép chỉ vào một cơ sở dữ liệu trống",
            f"The target database {where} is not empty ({listed} row(s)): the copy goes into an empty database only",
        )


# --- the copy ------------------------------------------------------------------------------------


def _copy_table(reading: Connection, writing: Connection, table: Table) -> int:
    statement = _insert(table)
    copied = 0
    for batch in _batches(reading, table):
        writing.execute(statement, batch)
        copied += len(batch)
    return copied


def _batches(reading: Connection, table: Table) -> Iterator[list[dict]]:
    """The table's rows in primary-key order, a batch at a time; JSON read as the text stored, so it
    is written back as it was (SQL NULL stays NULL, not JSON null)."""
    columns = [cast(c, Text).label(c.name) if _is_json(c) else c for c in table.columns]
    binary = [c.name for c in table.columns if isinstance(c.type, LargeBinary)]
    query = select(*columns).order_by(*table.primary_key.columns)
    rows = reading.execution_options(yield_per=BINARY_FETCH if binary else BATCH_ROWS).execute(query)
    batch: list[dict] = []
    size = 0
    for row in rows:
        values = dict(row._mapping)
        batch.append(values)
        size += sum(len(values[name] or b"") for name in binary)
        if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _insert(table: Table):
    """INSERT of every column; JSON columns take the stored text and PostgreSQL parses it."""
    return insert(table).values(
        {
            c.name: cast(bindparam(c.name, type_=Text), c.type) if _is_json(c) else bindparam(c.name, type_=c.type)
            for c in table.columns
        }
    )


def _is_json(column) -> bool:
    return isinstance(column.type, JSON)


def _reset_sequences(connection: Connection) -> int:
    """Each id sequence set so its next value is past the largest id copied."""
    reset = 0
    for table in tables():
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name})
        if sequence is None:
            continue
        highest = connection.scalar(select(func.max(column)))
        connection.execute(
            text("SELECT setval(CAST(:s AS regclass), :v, :called)"),
            {"s": sequence, "v": highest or 1, "called": highest is not None},
        )
        reset += 1
    return reset


_ALEMBIC_VERSION = table_clause("alembic_version")  # the schema version, kept by Alembic


def _count(connection: Connection, table: Table) -> int:
    return connection.scalar(select(func.count()).select_from(table)) or 0
