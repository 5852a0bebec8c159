"""`motcua audit verify`, `motcua backup` and `motcua restore` as an administrator runs them, on
SQLite and PostgreSQL: a tampered history is reported event by event, and a backup restored into
an empty database gives back every row (documents' bytes included) with every history intact."""

from __future__ import annotations

import os
from contextlib import ExitStack
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text

from engine.clock import ManualClock
from engine.config import Settings
from engine.data.audit import verify_database
from engine.data.db import Database
from engine.data.migrate import scripts, upgrade
from engine.data.models import Base
from engine.data.scratch import scratch_database
from engine.demo import DOSSIERS, OFFICERS
from engine.design.simulation import apply_step
from engine.dossiers.documents import NewDocument
from engine.integration.inbound import record_event
from engine.people.officers import Actor, add_user, grant
from engine.runtime import Runtime
from tests.cli.test_cli import POSTGRES_URL, REQUIRE_POSTGRES, Motcua
from tests.conftest import START
from tests.engine.data.test_migrations import seed_0010
from tests.helpers import P02_APPLICATION

HEAD = scripts().get_current_head()  # the newest schema, which every backup of today is at
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + bytes(range(256))
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17


class MotcuaOn(Motcua):
    """`motcua` on the database at a URL (SQLite or PostgreSQL)."""

    def __init__(self, url: str):
        self.url = url
        self.env = {**os.environ, "MOTCUA_DATABASE_URL": url}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def databases(request, tmp_path):
    """Two databases of this test's own, not even migrated: where an office works, and an empty
    one to restore into."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'office.db'}", f"sqlite:///{tmp_path / 'restored.db'}"
        return
    with ExitStack() as stack:
        try:
            urls = [stack.enter_context(scratch_database(POSTGRES_URL)) for _ in range(2)]
        except Exception as err:  # no server here
            if REQUIRE_POSTGRES:
                pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL}: {err}")
            pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}: {err}")
        yield urls


def build_office(url: str, catalogue) -> list[str]:
    """An office's database with dossiers at several steps of P02 (the demo's), papers uploaded
    with an application and with a supplement, a task left claimed and a note from the post."""
    runtime = Runtime.create(Settings(database_url=url), ManualClock(START))
    try:
        runtime.upgrade_database()
        runtime.deploy(catalogue)
        officers = {}
        with runtime.db.write() as session:
            for username, name, roles in OFFICERS:
                user = add_user(session, username, name)
                for role in roles:
                    grant(session, user, role, runtime.settings.office_code)
                    officers.setdefault(role, Actor.of(user))
        paths = catalogue.procedures["P02"].meta.paths
        codes = []
        for name, steps in DOSSIERS:
            code = runtime.dossiers.start("P02", paths[name].start, Actor.applicant("Nguyễn Văn Hùng"))
            for step in paths[name].steps[:steps]:
                apply_step(runtime, runtime.clock, code, step, officers)
            codes.append(code)
        papers = [NewDocument("TK1-TS", "to-khai.pdf", PDF, "application/pdf")]
        code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"), documents=papers)
        apply_step(runtime, runtime.clock, code, paths["supplement_at_reception"].steps[0], officers)
        runtime.clock.advance(timedelta(hours=2))
        more = [NewDocument("supplement", "anh.png", PNG, "image/png")]
        runtime.dossiers.deliver_message(code, "supplement_received", {}, Actor.applicant("An"), documents=more)
        task = next(t for t in runtime.dossiers.open_tasks(code))
        runtime.dossiers.claim(task.id, officers[task.role])
        with runtime.db.write() as session:
            record_event(session, codes[3], Actor("Bưu điện", None, "system"), "postal_tracking", START, n=1)
        return [*codes, code]
    finally:
        runtime.close()


def every_row(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = {
                table.name: [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables
            }
            rows["alembic_version"] = [tuple(r) for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    finally:
        engine.dispose()
    return rows


def test_a_backup_restores_into_an_empty_database_whole(databases, tmp_path, catalogue):
    office_url, empty_url = databases
    codes = build_office(office_url, catalogue)
    office, restored = MotcuaOn(office_url), MotcuaOn(empty_url)
    before = every_row(office_url)
    assert len(before["dossiers"]) == len(codes) == 8
    assert {(d[2], d[3]) for d in before["documents"]} == {("TK1-TS", "to-khai.pdf"), ("supplement", "anh.png")}
    backup = tmp_path / "office.backup"

    said = office.ok("backup", str(backup))

    events = len(before["events"])
    assert said == f"backup written to {backup}: 8 dossier(s), {events} event(s), 2 document(s), schema {HEAD}\n"

    said = restored.ok("restore", str(backup))

    assert said.splitlines()[0] == f"restored {backup}: 8 dossier(s), {events} event(s), 2 document(s), schema {HEAD}"
    after = every_row(empty_url)
    assert after == before  # every dossier, task, event, document (its bytes), officer, outbox row...
    contents = {row[3]: row[7] for row in after["documents"]}  # filename -> content
    assert contents == {"to-khai.pdf": PDF, "anh.png": PNG}
    assert restored.ok("audit", "verify") == (
        f"8 dossier(s), {events} event(s): every history intact\n0 administration change(s): the change log intact\n"
    )

    # a database that holds dossiers is not replaced unless asked, and says why
    refused = restored.fails("restore", str(backup))
    assert refused == (
        f"error: The database to restore into already holds 8 dossier(s), {len(OFFICERS)} officer(s); a restore "
        "replaces all of it. "
        "Add --force to overwrite it\n"
    )
    assert every_row(empty_url) == before
    runtime = Runtime.create(Settings(database_url=empty_url), ManualClock(START))
    runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))  # the restored office works on
    runtime.close()
    assert len(every_row(empty_url)["dossiers"]) == 9
    assert restored.ok("restore", str(backup), "--force").startswith(f"restored {backup}: 8 dossier(s)")
    assert every_row(empty_url) == before


def test_a_backup_from_an_older_motcua_is_migrated_and_verifies(databases, tmp_path):
    office_url, empty_url = databases
    old = Database(office_url)
    upgrade(old, "0010")
    seed_0010(old)
    old.dispose()
    backup = tmp_path / "old.backup"
    MotcuaOn(office_url).ok("backup", str(backup))

    said = MotcuaOn(empty_url).ok("restore", str(backup))

    assert said.splitlines()[0] == (
        f"restored {backup}: 3 dossier(s), 5 event(s), 0 document(s), schema {HEAD} (migrated from 0010)"
    )
    db = Database(empty_url)
    report = verify_database(db)
    db.dispose()
    assert report.intact and (report.dossiers, report.events) == (3, 5)


# --- audit verify --------------------------------------------------------------------------------


def disarm(conn, sqlite: bool) -> None:
    """What someone with the database in hand does first: drop the append-only trigger and the
    one-event-per-place index."""
    if sqlite:
        conn.exec_driver_sql("DROP TRIGGER events_no_update")
        conn.exec_driver_sql("DROP TRIGGER events_no_delete")
    else:
        conn.exec_driver_sql("DROP TRIGGER events_append_only ON events")
    conn.exec_driver_sql("DROP INDEX ix_events_dossier_seq")


def test_audit_verify_reports_an_edited_a_removed_and_a_swapped_event(databases, catalogue):
    url = databases[0]
    codes = build_office(url, catalogue)
    cli = MotcuaOn(url)
    db = Database(url)
    assert verify_database(db).intact  # as written: what follows is what the tampering did
    db.dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        ids = {}
        for code in codes[:3]:
            ids[code] = conn.scalars(
                text(
                    "SELECT e.id FROM events e JOIN dossiers d ON d.id = e.dossier_id WHERE d.code = :c ORDER BY e.id"
                ),
                {"c": code},
            ).all()
        edited, removed, swapped = codes[:3]
        disarm(conn, url.startswith("sqlite"))
        conn.execute(text('UPDATE events SET data = \'{"decision": "refuse"}\' WHERE id = :id'), {"id": ids[edited][1]})
        conn.execute(text("DELETE FROM events WHERE id = :id"), {"id": ids[removed][1]})
        a, b = ids[swapped][1:3]
        for old, new in ((a, -1), (b, a), (-1, b)):
            conn.execute(text("UPDATE events SET id = :new WHERE id = :old"), {"old": old, "new": new})
    engine.dispose()

    result = cli.run("audit", "verify")

    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{edited}: event #{ids[edited][1]}: edited",
        f"{removed}: removed before event #{ids[removed][2]}",
        f"{swapped}: event #{b}: out of order",
        "0 administration change(s): the change log intact",
    ]
    assert result.stderr == f"error: 3 problem(s) in 3 of {len(codes)} dossier(s) checked\n"
    assert cli.run("audit", "verify", "--dossier", removed).stdout == (
        f"{removed}: removed before event #{ids[removed][2]}\n"
    )
    assert (
        cli.fails("audit", "verify", "--dossier", "BHXH.QNI-000000-0000") == "error: No dossier BHXH.QNI-000000-0000\n"
    )
