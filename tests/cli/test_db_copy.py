"""`motcua db copy --to URL` as an office runs it when it moves from the embedded SQLite file to
PostgreSQL: every row arrives (documents' bytes included), the histories verify there, the dossiers
go on there with new ids and codes; and a target that is not an empty, reachable PostgreSQL
database is refused and left as it was."""

from __future__ import annotations

import re
import shutil
from contextlib import ExitStack
from datetime import timedelta

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, inspect, select, text

from cli.common import _Context
from cli.main import cli
from engine.clock import ManualClock
from engine.config import Settings
from engine.data.audit import record_change, verify_changes, verify_database
from engine.data.db import Database
from engine.data.migrate import upgrade
from engine.data.models import Base, Dossier, Event, User
from engine.data.scratch import scratch_database
from engine.demo import seed_demo
from engine.design.simulation import apply_step
from engine.dossiers.documents import NewDocument
from engine.dossiers.saved_filters import save_filter
from engine.people.officers import Actor
from engine.people.sessions import open_login
from engine.runtime import Runtime
from engine.workflow.catalogue import Catalogue
from tests.cli.test_backup_audit import PDF, PNG, every_row
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, START


@pytest.fixture
def empty_postgres():
    """A database of this test's own on the PostgreSQL server, with nothing in it."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_database(POSTGRES_URL))
        except Exception as err:  # no server here
            if REQUIRE_POSTGRES:
                pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL}: {err}")
            pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}: {err}")
        yield url


def motcua(source_url: str, *args: str) -> Result:
    """`motcua ARGS...` on the database at source_url, in this process."""
    return CliRunner().invoke(cli, list(args), obj=_Context(), env={"MOTCUA_DATABASE_URL": source_url})


def p02_only(catalogue) -> Catalogue:
    """The demo on one procedure: its seven P02 dossiers at every kind of place, in seconds."""
    return Catalogue(procedures={"P02": catalogue.procedures["P02"]}, roles=catalogue.roles)


def build_office(url: str, catalogue) -> dict[str, str]:
    """The demo's office on SQLite, plus dossiers advanced through tasks with papers (one sent with
    the application, one with a supplement), a saved filter, a login and an administration change."""
    runtime = Runtime.create(Settings(database_url=url), ManualClock(START))
    try:
        runtime.upgrade_database()
        runtime.deploy(catalogue, only=["P02"])
        seed_demo(runtime, p02_only(catalogue))
        officers = officers_of(runtime)
        paths = catalogue.procedures["P02"].meta.paths
        papers = [NewDocument("TK1-TS", "to-khai.pdf", PDF, "application/pdf")]
        with_paper = runtime.dossiers.start("P02", paths["happy"].start, Actor.applicant("Hùng"), documents=papers)
        apply_step(runtime, runtime.clock, with_paper, paths["happy"].steps[0], officers)
        supplemented = runtime.dossiers.start("P02", paths["supplement_at_reception"].start, Actor.applicant("An"))
        apply_step(runtime, runtime.clock, supplemented, paths["supplement_at_reception"].steps[0], officers)
        runtime.clock.advance(timedelta(hours=2))
        more = [NewDocument("supplement", "anh.png", PNG, "image/png")]
        runtime.dossiers.deliver_message(supplemented, "supplement_received", {}, Actor.applicant("An"), documents=more)
        with runtime.db.write() as session:
            lan = session.scalars(select(User).where(User.username == "lan.motcua")).one()
            save_filter(session, lan.id, "Quá hạn", "view=overdue&procedure=P02", runtime.clock.now())
            open_login(session, runtime.clock.now(), user_id=lan.id)
            record_change(session, None, "cli", "calendar", "added", runtime.clock.now(), day="2026-03-10")
        return {"with_paper": with_paper, "supplemented": supplemented}
    finally:
        runtime.close()


def officers_of(runtime: Runtime) -> dict[str, Actor]:
    """One officer per role, as the demo granted them."""
    with runtime.db.read() as session:
        users = session.scalars(select(User).order_by(User.id)).all()
        return {grant.role_code: Actor.of(user) for user in reversed(users) for grant in user.roles}


def printed_counts(output: str) -> dict[str, tuple[int, int]]:
    return {m[1]: (int(m[2]), int(m[3])) for m in re.finditer(r"^(\w+) +(\d+) +(\d+)$", output, re.M)}


@pytest.mark.postgres
def test_the_office_moves_whole_and_goes_on_on_postgresql(tmp_path, empty_postgres, catalogue):
    source = f"sqlite:///{tmp_path / 'motcua.db'}"
    codes = build_office(source, catalogue)
    before = every_row(source)
    assert {d[3] for d in before["documents"]} == {"to-khai.pdf", "anh.png"}
    office = Database(source)
    with office.read() as session:
        open_dossiers = len(session.scalars(select(Dossier.id).where(Dossier.finished_at.is_(None))).all())
    office.dispose()
    assert 0 < open_dossiers < len(before["dossiers"]) == 9

    result = motcua(source, "db", "copy", "--to", empty_postgres)

    assert result.exit_code == 0, result.output + repr(result.exception)
    # every table of the models, and the schema version, with its rows counted on both sides
    counts = printed_counts(result.output)
    assert set(counts) == {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"}
    assert counts == {name: (len(rows), len(rows)) for name, rows in before.items()}
    assert counts["dossiers"] == (9, 9) and counts["saved_filters"] == (1, 1) and counts["admin_changes"] == (1, 1)
    events = len(before["events"])
    assert f"9 dossier(s), {events} event(s): every history intact on the copy\n" in result.output
    assert f"{open_dossiers} open dossier(s): each ran one step on the copy (rolled back)\n" in result.output
    assert result.output.endswith(f"set MOTCUA_DATABASE_URL={empty_postgres} and start Motcua on it\n")
    # how far it got, on stderr: each table as it is copied, then the rehearsal's count
    progress = result.stderr.splitlines()
    tables = len(Base.metadata.sorted_tables)
    assert f"table 1 of {tables}: {Base.metadata.sorted_tables[0].name}, " in progress[0]
    assert any(re.fullmatch(rf"table \d+ of {tables}: dossiers, 9 row\(s\)", line) for line in progress)
    assert progress[-1] == f"rehearsed {open_dossiers} of {open_dossiers} open dossier(s)"
    assert "rehearsed" not in result.stdout and "table 1 of" not in result.stdout

    # the same rows, ids kept; documents' bytes as they were uploaded
    assert every_row(empty_postgres) == before
    engine = create_engine(empty_postgres)
    with engine.connect() as conn:
        contents = dict(conn.execute(text("SELECT filename, content FROM documents")).all())
    engine.dispose()
    assert contents == {"to-khai.pdf": PDF, "anh.png": PNG}
    target = Database(empty_postgres)
    report = verify_database(target)
    with target.read() as session:
        assert verify_changes(session) == []
    target.dispose()
    assert report.intact and (report.dossiers, report.events) == (9, events)

    # the office goes on there: an officer completes the next task of a copied dossier, and new
    # dossiers take new ids and codes (the sequences were set past the copied ones)
    clock = ManualClock(START + timedelta(days=1))
    runtime = Runtime.create(Settings(database_url=empty_postgres), clock)
    try:
        happy = catalogue.procedures["P02"].meta.paths["happy"]
        task = next(
            t for t in runtime.dossiers.open_tasks(codes["with_paper"]) if t.element_id == happy.steps[1].target
        )
        apply_step(runtime, clock, codes["with_paper"], happy.steps[1], officers_of(runtime))
        now_open = runtime.dossiers.open_tasks(codes["with_paper"])
        assert task.id not in {t.id for t in now_open}
        assert [t.element_id for t in now_open] == [happy.steps[2].target]  # on to the leader's approval
        new_codes = [runtime.dossiers.start("P02", happy.start, Actor.applicant("Mai")) for _ in range(2)]
        with runtime.db.read() as session:
            new = session.execute(select(Dossier.id, Dossier.code).where(Dossier.code.in_(new_codes))).all()
            newest_event = session.scalar(select(Event.id).order_by(Event.id.desc()).limit(1))
    finally:
        runtime.close()
    old_ids = {d[0] for d in before["dossiers"]}
    old_codes = {d[1] for d in before["dossiers"]}
    assert len(new) == 2 and min(i for i, _ in new) > max(old_ids)
    assert not old_codes & set(new_codes)
    assert newest_event > max(e[0] for e in before["events"])
    target = Database(empty_postgres)
    assert verify_database(target).intact
    target.dispose()


# --- refusals ------------------------------------------------------------------------------------


@pytest.fixture
def migrated_source(tmp_path, sqlite_template) -> str:
    """An office's SQLite file at the newest schema (nothing in it needed for a refusal)."""
    shutil.copy(sqlite_template, tmp_path / "office.db")
    return f"sqlite:///{tmp_path / 'office.db'}"


def refused(result: Result) -> str:
    """What `motcua` says after `error: ` when it refuses (exit 1, one line of the engine's message,
    no traceback)."""
    assert result.exit_code == 1, result.output
    said = [line.removeprefix("error: ") for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(said) == 1 and "Traceback" not in result.output, result.output
    return said[0]


@pytest.mark.postgres
def test_a_target_that_holds_anything_is_refused_and_left_alone(migrated_source, empty_postgres, catalogue):
    elsewhere = Runtime.create(Settings(database_url=empty_postgres), ManualClock(START))
    elsewhere.upgrade_database()
    elsewhere.deploy(catalogue, only=["P02"])  # someone ran `motcua db upgrade` on it: procedures, the office
    elsewhere.close()
    before = every_row(empty_postgres)

    said = refused(motcua(migrated_source, "db", "copy", "--to", empty_postgres))

    assert said.startswith(f"The target database {empty_postgres} is not empty (")
    assert "procedures 1" in said and said.endswith("the copy goes into an empty database only")
    assert every_row(empty_postgres) == before


@pytest.mark.postgres
def test_a_target_with_tables_of_something_else_is_refused(migrated_source, empty_postgres):
    engine = create_engine(empty_postgres)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id serial primary key)"))

    said = refused(motcua(migrated_source, "db", "copy", "--to", empty_postgres))

    assert said == (
        f"The target database {empty_postgres} holds tables that are not Motcua's (invoices): give an empty database"
    )
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == ["invoices"]
    engine.dispose()


def test_a_sqlite_target_is_refused(migrated_source, tmp_path):
    target = tmp_path / "other.db"

    said = refused(motcua(migrated_source, "db", "copy", "--to", f"sqlite:///{target}"))

    assert said == "The target must be a PostgreSQL database, not sqlite"
    assert not target.exists()


def test_an_unreachable_target_is_refused(migrated_source):
    url = "postgresql+psycopg://postgres@127.0.0.1:1/motcua"  # nothing listens on port 1

    said = refused(motcua(migrated_source, "db", "copy", "--to", url))

    assert said.startswith(f"Cannot reach the target database {url}: ")


@pytest.mark.postgres
def test_a_source_behind_the_newest_schema_is_refused(tmp_path, empty_postgres):
    source = f"sqlite:///{tmp_path / 'old.db'}"
    old = Database(source)
    upgrade(old, "0010")
    old.dispose()

    said = refused(motcua(source, "db", "copy", "--to", empty_postgres))

    assert said.startswith("The source database is at schema 0010")
    assert said.endswith("run `motcua db upgrade` on it first")
    engine = create_engine(empty_postgres)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    engine.dispose()


@pytest.mark.postgres
def test_a_dossier_that_cannot_go_on_after_the_copy_is_reported(tmp_path, empty_postgres, catalogue):
    source = f"sqlite:///{tmp_path / 'motcua.db'}"
    runtime = Runtime.create(Settings(database_url=source), ManualClock(START))
    runtime.upgrade_database()
    runtime.deploy(catalogue, only=["P02"])
    happy = catalogue.procedures["P02"].meta.paths["happy"]
    fine, broken = (runtime.dossiers.start("P02", happy.start, Actor.applicant("Hùng")) for _ in range(2))
    runtime.close()
    engine = create_engine(source)
    with engine.begin() as conn:  # its state damaged on the way (as a bad disk or a hand edit would)
        conn.execute(text("UPDATE dossiers SET state = :s WHERE code = :c"), {"s": b"{not json", "c": broken})
    engine.dispose()

    result = motcua(source, "db", "copy", "--to", empty_postgres)

    assert result.exit_code == 1
    assert f"dossier {broken} cannot go on: " in result.output
    assert fine not in result.output
    assert "error: the copy has 1 problem(s); keep working on the source database" in result.output


@pytest.mark.postgres
def test_a_copy_that_fails_half_way_leaves_the_target_empty(migrated_source, empty_postgres, catalogue):
    runtime = Runtime.create(Settings(database_url=migrated_source), ManualClock(START))
    runtime.deploy(catalogue, only=["P02"])
    runtime.dossiers.start("P02", catalogue.procedures["P02"].meta.paths["happy"].start, Actor.applicant("Hùng"))
    runtime.close()
    engine = create_engine(migrated_source)
    with engine.begin() as conn:  # SQLite keeps a NUL character in text; PostgreSQL refuses one
        conn.execute(text("UPDATE dossiers SET applicant_name = :n"), {"n": "Nguyễn\x00Văn Hùng"})
    engine.dispose()

    said = refused(motcua(migrated_source, "db", "copy", "--to", empty_postgres))

    assert said.startswith("The copy failed; the target database is as it was before: ")
    engine = create_engine(empty_postgres)
    with engine.connect() as conn:  # not even the schema: the migration was in the copy's transaction
        assert inspect(conn).get_table_names() == []
    engine.dispose()
