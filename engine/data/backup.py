"""Backups of the whole database, and restoring one into an empty database (or over one, forced).

Everything Motcua keeps is in the database, documents included (their bytes are in `documents`),
so a backup is the database: on SQLite a copy made with SQLite's online backup API (consistent
while the application writes; a single file, no WAL beside it), on PostgreSQL `pg_dump`'s custom
format (one snapshot). Not in it: the settings (environment) and `instance/secret_key`, the key
that signs web sessions; a restore on another machine without it only logs everyone out, and a
backup that held it would let whoever holds the file forge sessions.

A restore refuses a backup of the other database kind, a backup from a newer Motcua (its schema
version unknown here) and a database that already holds dossiers, applicants' accounts or
officers, unless forced; it replaces the database whole, in one transaction on PostgreSQL, then
migrates a backup from an older Motcua to this one's schema.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, func, inspect, select
from sqlalchemy.engine import URL

from engine.data.db import Database
from engine.data.migrate import revision_of, schema_at, schema_of, upgrade
from engine.data.models import Account, Base, Document, Dossier, Event, User
from engine.errors import EngineError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(EngineError):
    """A backup or restore that cannot be done as asked; nothing was changed."""


@dataclass(frozen=True)
class Contents:
    """What a database holds, as a backup or restore reports it."""

    revision: str | None
    dossiers: int
    events: int
    documents: int


@dataclass(frozen=True)
class Restored:
    contents: Contents
    from_revision: str  # the backup's schema version; contents.revision is the database's now


# --- backup --------------------------------------------------------------------------------------


def backup(db: Database, path: Path) -> Contents:
    """Write a backup of the database to `path` (which must not exist yet: an older backup is
    never overwritten). It is written beside `path` first and renamed when complete."""
    path = Path(path)
    if path.exists():
        raise BackupError(
            f"Tệp {path} đã có; hãy chọn tên khác (không ghi đè bản sao lưu cũ)",
            f"{path} already exists; choose another name (an older backup is never overwritten)",
        )
    if not path.parent.is_dir():
        raise BackupError(f"Không có thư mục {path.parent}", f"There is no folder {path.parent}")
    nothing = db.is_sqlite and not _sqlite_file(db).exists()  # (connecting would make an empty file)
    if not nothing:
        with db.engine.connect() as connection:
            contents = _contents(connection)
    if nothing or contents.revision is None:
        raise BackupError(
            "Cơ sở dữ liệu chưa có bảng nào của Motcua: không có gì để sao lưu",
            "The database has no Motcua tables: there is nothing to back up",
        )
    partial = path.with_name(path.name + ".partial")
    try:
        if db.is_sqlite:
            _sqlite_backup(_sqlite_file(db), partial)
        else:
            _check_client_version(db, "pg_dump")
            _run(
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}", "--dbname"],
                db,
            )
        _sync(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return contents


def _sqlite_backup(source: Path, target: Path) -> None:
    src = sqlite3.connect(source, timeout=60)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # one step: a consistent copy, while writers go on (WAL)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("Bản sao lưu bị lỗi khi kiểm tra", "The backup failed its integrity check")
    finally:
        dst.close()
        src.close()


def _sync(path: Path) -> None:
    with open(path, "rb+") as file:
        os.fsync(file.fileno())


# --- restore -------------------------------------------------------------------------------------


def restore(db: Database, path: Path, force: bool = False) -> Restored:
    """Replace the database with the backup at `path`; see the module's docstring for when it refuses."""
    path = Path(path)
    kind = backup_kind(path)
    here = "sqlite" if db.is_sqlite else "postgresql"
    if kind != here:
        raise BackupError(
            f"{path} là bản sao lưu {_NAMES[kind]}, không khôi phục được vào cơ sở dữ liệu {_NAMES[here]}",
            f"{path} is a {_NAMES[kind]} backup; it cannot be restored into a {_NAMES[here]} database",
        )
    from_revision = _sqlite_revision(path) if kind == "sqlite" else _pg_dump_revision(path)
    if schema_at(from_revision).newer:
        raise BackupError(
            f"Bản sao lưu có lược đồ {from_revision}, mới hơn phiên bản Motcua này: "
            "hãy khôi phục bằng phiên bản đã tạo ra nó",
            f"The backup's schema ({from_revision}) is newer than this Motcua knows: restore it with the version "
            "that made it",
        )
    _check_target(db, force)
    db.dispose()  # no pooled connection holds the old database
    if kind == "sqlite":
        _sqlite_restore(path, _sqlite_file(db))
    else:
        _pg_restore(db, path)
    db.dispose()
    upgrade(db)  # a backup from an older Motcua is migrated; at this one's schema, nothing happens
    with db.engine.connect() as connection:
        return Restored(_contents(connection), from_revision)


def _check_target(db: Database, force: bool) -> None:
    with db.engine.connect() as connection:
        schema = schema_of(connection)
        if schema.newer:
            raise BackupError(
                f"Cơ sở dữ liệu đích có lược đồ {schema.revision}, mới hơn phiên bản Motcua này",
                f"The database to restore into has a newer schema ({schema.revision}) than this Motcua knows",
            )
        tables = set(inspect(connection).get_table_names())
        held = {
            what: connection.scalar(select(func.count()).select_from(model))
            for what, model in (("dossier", Dossier), ("account", Account), ("officer", User))
            if model.__tablename__ in tables
        }
    held = {what: n for what, n in held.items() if n}
    if held and not force:
        vi = {"dossier": "hồ sơ", "account": "tài khoản người nộp", "officer": "cán bộ"}
        raise BackupError(
            "Cơ sở dữ liệu đích đã có dữ liệu ("
            + ", ".join(f"{n} {vi[w]}" for w, n in held.items())
            + "); khôi phục sẽ thay thế toàn bộ. Thêm --force nếu thật sự muốn ghi đè",
            "The database to restore into already holds "
            + ", ".join(f"{n} {w}(s)" for w, n in held.items())
            + "; a restore replaces all of it. Add --force to overwrite it",
        )


def _sqlite_restore(backup_file: Path, target: Path) -> None:
    if target.exists() and target.samefile(backup_file):
        raise BackupError("Bản sao lưu chính là tệp cơ sở dữ liệu này", "The backup is this database's own file")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=60)
    try:
        src.backup(dst)  # replaces the whole database, in one write transaction on it
    finally:
        dst.close()
        src.close()


# the append-only guards' trigger functions (migrations 0001, 0019): a restore brings them back
_GUARD_FUNCTIONS = ("events_append_only", "admin_changes_append_only")


def _pg_restore(db: Database, backup_file: Path) -> None:
    """pg_restore writes the backup as SQL and psql runs it, after dropping Motcua's tables, in one
    transaction that is committed only once pg_restore has written all of it: a failure anywhere
    leaves the database as it was."""
    _check_client_version(db, "psql")
    drop = [t.name for t in Base.metadata.sorted_tables] + ["alembic_version"]
    prelude = (
        "SET client_min_messages = warning;\nBEGIN;\n"
        + "".join(f'DROP TABLE IF EXISTS "{name}" CASCADE;\n' for name in drop)
        + "".join(f"DROP FUNCTION IF EXISTS {name}() CASCADE;\n" for name in _GUARD_FUNCTIONS)
    ).encode()
    psql_cmd = [_tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--file=-", "--dbname"]
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        reader = subprocess.Popen(
            [_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(backup_file)],
            stdout=subprocess.PIPE,
            stderr=restore_errors,
        )
        writer = subprocess.Popen(
            [*psql_cmd, _conninfo(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
            env=_pg_env(db),
        )
        try:
            writer.stdin.write(prelude)
            while chunk := reader.stdout.read(1 << 16):
                writer.stdin.write(chunk)
            if reader.wait() == 0:
                writer.stdin.write(b"\nCOMMIT;\n")
        except BrokenPipeError:  # psql stopped at an error: what it ran is rolled back
            pass
        finally:
            reader.stdout.close()
            reader.wait()
            with contextlib.suppress(BrokenPipeError):
                writer.stdin.close()
            writer.wait()
        # psql first: when it stops at an error, pg_restore dies of the closed pipe
        for name, code, log in (
            ("psql", writer.returncode, psql_errors),
            ("pg_restore", reader.returncode, restore_errors),
        ):
            if code == 0:
                continue
            log.seek(0)
            said = log.read().decode(errors="replace").strip()
            raise BackupError(
                f"{name} thất bại, cơ sở dữ liệu giữ nguyên như trước: {said}",
                f"{name} failed; the database is as it was before: {said}",
            )


# --- what a backup is ----------------------------------------------------------------------------

_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def backup_kind(path: Path) -> str:
    """ "sqlite" or "postgresql", from the file's first bytes."""
    try:
        with open(path, "rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(f"Không có tệp {path}", f"There is no file {path}") from None
    except IsADirectoryError:
        raise BackupError(f"{path} là một thư mục", f"{path} is a folder") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(
        f"{path} không phải bản sao lưu của Motcua (SQLite hoặc pg_dump)",
        f"{path} is not a Motcua backup (SQLite or pg_dump)",
    )


def _not_motcua(path: Path) -> BackupError:
    return BackupError(
        f"{path} không phải bản sao lưu của Motcua (không có phiên bản lược đồ)",
        f"{path} is not a Motcua backup (it has no schema version)",
    )


def _sqlite_revision(path: Path) -> str:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        raise _not_motcua(path) from None
    finally:
        connection.close()
    if row is None:
        raise _not_motcua(path)
    return row[0]


def _pg_dump_revision(path: Path) -> str:
    """The schema version in a pg_dump archive: the data of its alembic_version table."""
    result = subprocess.run(
        [_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(
            f"pg_restore không đọc được {path}: {result.stderr.strip()}",
            f"pg_restore cannot read {path}: {result.stderr.strip()}",
        )
    found = re.search(r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n(\S+)\n", result.stdout, re.M)
    if found is None:
        raise _not_motcua(path)
    return found.group(1)


def _contents(connection: Connection) -> Contents:
    revision = revision_of(connection)
    if revision is None:
        return Contents(None, 0, 0, 0)
    counts = [connection.scalar(select(func.count()).select_from(m)) for m in (Dossier, Event, Document)]
    return Contents(revision, *counts)


# --- PostgreSQL's own tools ----------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"Không tìm thấy {name}: hãy cài gói postgresql-client cùng phiên bản với máy chủ",
            f"{name} was not found: install the postgresql-client package of the server's version",
        )
    return found


def _check_client_version(db: Database, name: str) -> None:
    """pg_dump refuses a newer server; say which package to install instead of its own message."""
    said = subprocess.run([_tool(name), "--version"], capture_output=True, text=True).stdout
    client = int(re.search(r"(\d+)", said).group(1))
    with db.engine.connect() as connection:
        server = int(connection.exec_driver_sql("SHOW server_version_num").scalar()) // 10000
    if client < server:
        raise BackupError(
            f"{name} {client} cũ hơn máy chủ PostgreSQL {server}: hãy cài postgresql-client-{server}",
            f"{name} {client} is older than the PostgreSQL server {server}: install postgresql-client-{server}",
        )


def _conninfo(db: Database) -> str:
    """The database as a libpq URI, without its password (that goes in PGPASSWORD, not argv)."""
    url: URL = db.url.set(drivername="postgresql", password=None)
    return url.render_as_string(hide_password=False)


def _pg_env(db: Database) -> dict[str, str]:
    env = dict(os.environ)
    if db.url.password:
        env["PGPASSWORD"] = str(db.url.password)
    return env


def _run(command: list[str], db: Database) -> None:
    result = subprocess.run([*command, _conninfo(db)], capture_output=True, text=True, env=_pg_env(db))
    if result.returncode != 0:
        name = Path(command[0]).name
        raise BackupError(f"{name} thất bại: {result.stderr.strip()}", f"{name} failed: {result.stderr.strip()}")


def _sqlite_file(db: Database) -> Path:
    database = db.url.database
    if not database or database == ":memory:":
        raise BackupError(
            "Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu/khôi phục được",
            "An in-memory SQLite database cannot be backed up or restored",
        )
    return Path(database)
