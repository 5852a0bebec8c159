"""Backups and restores that cannot be done as asked are refused with a reason, and change nothing.
(The round trips themselves run through the command line: tests/cli/test_backup_audit.py.)"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from engine.data.backup import BackupError, backup, restore
from engine.data.db import Database
from engine.data.migrate import upgrade
from engine.data.models import User
from engine.people.officers import add_user
from tests.conftest import POSTGRES_URL


@pytest.fixture
def office(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'office.db'}")
    upgrade(db)
    yield db
    db.dispose()


def refusal(action) -> str:
    with pytest.raises(BackupError) as refused:
        action()
    assert refused.value.message.vi and refused.value.message.vi != refused.value.message.en
    return refused.value.message.en


def test_a_backup_never_overwrites_a_file(office, tmp_path):
    path = tmp_path / "office.backup"
    path.write_bytes(b"an older backup")

    assert refusal(lambda: backup(office, path)) == (
        f"{path} already exists; choose another name (an older backup is never overwritten)"
    )
    assert path.read_bytes() == b"an older backup"
    assert refusal(lambda: backup(office, tmp_path / "no-such-folder" / "b")) == (
        f"There is no folder {tmp_path / 'no-such-folder'}"
    )


def test_a_database_without_motcua_tables_has_nothing_to_back_up(tmp_path):
    missing = Database(f"sqlite:///{tmp_path / 'never-made.db'}")
    assert refusal(lambda: backup(missing, tmp_path / "b")) == (
        "The database has no Motcua tables: there is nothing to back up"
    )
    assert not (tmp_path / "never-made.db").exists() and not (tmp_path / "b").exists()


def test_restore_refuses_what_it_cannot_take_and_touches_nothing(office, tmp_path):
    good, newer, notes = tmp_path / "office.backup", tmp_path / "newer.backup", tmp_path / "notes.txt"
    backup(office, good)
    newer.write_bytes(good.read_bytes())
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999'")
    conn.close()
    notes.write_text("không phải bản sao lưu")
    empty = Database(f"sqlite:///{tmp_path / 'empty.db'}")

    assert refusal(lambda: restore(empty, newer)) == (
        "The backup's schema (0999) is newer than this Motcua knows: restore it with the version that made it"
    )
    assert refusal(lambda: restore(empty, notes)) == f"{notes} is not a Motcua backup (SQLite or pg_dump)"
    assert refusal(lambda: restore(empty, tmp_path / "missing")) == f"There is no file {tmp_path / 'missing'}"
    assert refusal(lambda: restore(empty, tmp_path)) == f"{tmp_path} is a folder"
    assert not (tmp_path / "empty.db").exists()  # nothing was made or touched
    assert refusal(lambda: restore(office, tmp_path / "office.db")) == "The backup is this database's own file"
    with office.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0999'")
    assert refusal(lambda: restore(office, good)) == (
        "The database to restore into has a newer schema (0999) than this Motcua knows"
    )


def test_a_database_with_dossiers_accounts_or_officers_is_replaced_only_when_forced(office, tmp_path):
    path = tmp_path / "office.backup"
    backup(office, path)
    with office.write() as session:
        add_user(session, "lan", "Nguyễn Thị Lan")

    assert refusal(lambda: restore(office, path)) == (
        "The database to restore into already holds 1 officer(s); a restore replaces all of it. Add --force to "
        "overwrite it"
    )
    with office.read() as session:
        assert session.scalars(select(User.username)).all() == ["lan"]
    restore(office, path, force=True)
    with office.read() as session:
        assert session.scalars(select(User.username)).all() == []


def test_a_backup_of_the_other_database_kind_is_refused(office, tmp_path):
    path = tmp_path / "office.backup"
    backup(office, path)
    postgres = Database(POSTGRES_URL)  # (refused before it is ever connected to)
    assert refusal(lambda: restore(postgres, path)) == (
        f"{path} is a SQLite backup; it cannot be restored into a PostgreSQL database"
    )
