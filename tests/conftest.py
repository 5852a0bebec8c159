"""Shared fixtures: a real database per test (SQLite file and PostgreSQL), a clock the test moves,
the catalogue loaded once, and officers holding roles in the office.

PostgreSQL tests skip when no server answers, unless MOTCUA_REQUIRE_POSTGRES=1 (CI), where they
fail instead.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from engine.clock import ManualClock
from engine.config import Settings
from engine.data.db import Database
from engine.data.migrate import upgrade
from engine.data.models import Dossier
from engine.figures.public import forget_cached_statistics
from engine.people.accounts import hash_password
from engine.people.officers import Actor, add_user, grant
from engine.runtime import Runtime
from engine.sla.forecast import forget_cached_measurements
from engine.sla.office_calendar import forget_cached_calendars
from engine.workflow.catalogue import load_catalogue
from tests.databases import PostgresDatabase, copy_sqlite, sqlite_is_empty, sqlite_path
from tests.helpers import Office, assert_state_roundtrips, seed_office
from tests.web.helpers import PASSWORD

POSTGRES_URL = os.environ.get("MOTCUA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("MOTCUA_REQUIRE_POSTGRES") == "1"
# Monday 2 March 2026, 09:00 in Vietnam: an ordinary working morning
# where the product says people reach it (links in messages and on slips)
PUBLIC_URL = "https://motcua.test"
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def catalogue():
    settings = Settings()
    cat = load_catalogue(settings.bpmn_dir, settings.workflows_dir)
    assert not cat.problems, cat.problems
    return cat


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "motcua.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url(worker_id, testrun_uid):
    """A database of this test worker's own on the PostgreSQL server, migrated once; named for the
    run too, so two runs on one server (a developer's and CI's) never touch each other's."""
    base = make_url(POSTGRES_URL)
    name = f"motcua_test_{testrun_uid[:10]}_{worker_id}"
    try:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:  # no server here
        message = f"PostgreSQL is not reachable at {POSTGRES_URL}: {err}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    url = base.set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    upgrade(db)
    db.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_database(postgres_url):
    database = PostgresDatabase(postgres_url)
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path, sqlite_template):
    if request.param == "sqlite":
        path = tmp_path / "motcua.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    database = request.getfixturevalue("postgres_database")
    database.empty()
    return database.engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def deployed_sqlite(sqlite_template, tmp_path_factory, catalogue):
    """sqlite_template with the catalogue deployed as `runtime` deploys it (tests/databases.py)."""
    path = tmp_path_factory.mktemp("deployed") / "motcua.db"
    shutil.copy(sqlite_template, path)
    rt = Runtime.create(Settings(database_url=f"sqlite:///{path}"), ManualClock(START))
    rt.deploy(catalogue)
    with rt.db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    rt.close()
    return path


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture(scope="session")
def password_hash() -> str:
    """The hash of the officers' test password (argon2 is slow on purpose: hash once per run)."""
    return hash_password(PASSWORD)


@pytest.fixture
def settings(database_url) -> Settings:
    """The runtime's settings; a test module overrides this to point at other outside systems."""
    return Settings(database_url=database_url, public_url=PUBLIC_URL)


@pytest.fixture
def runtime(request, settings, clock, catalogue):
    forget_cached_calendars()  # the database was emptied: no calendar edits of earlier tests
    forget_cached_measurements()  # nor step times measured from their dossiers
    forget_cached_statistics()  # nor public figures counted from them
    _deploy(request, settings, clock, catalogue)
    rt = Runtime.create(settings, clock)
    yield rt
    # whatever the test did, every dossier it left restores from the database to the same state
    with rt.db.read() as session:
        codes = session.scalars(select(Dossier.code)).all()
    for code in codes:
        assert_state_roundtrips(rt, code)
    rt.close()


@pytest.fixture
def office(runtime) -> Office:
    return seed_office(runtime)


@pytest.fixture
def officers(runtime, catalogue) -> dict[str, Actor]:
    """An officer in every role of the catalogue, `test.<role>` (P01 and P03 need books & cards too)."""
    people = {}
    with runtime.db.write() as session:
        for role in catalogue.roles:
            user = add_user(session, f"test.{role}", f"Cán bộ {role}")
            grant(session, user, role, runtime.settings.office_code)
            people[role] = Actor.of(user)
    return people


def _deploy(request, settings: Settings, clock, catalogue) -> None:
    """Deploy the catalogue into the test's empty database, by copying a deployment made the same
    way (the default office, the clock at START) when there is one (tests/databases.py)."""
    office = Settings()
    as_made = (settings.office_code, settings.office_name_vi, settings.office_name_en) == (
        office.office_code,
        office.office_name_vi,
        office.office_name_en,
    ) and clock.now() == START
    url = make_url(settings.database_url)
    if as_made and url.get_backend_name() == "sqlite" and sqlite_is_empty(sqlite_path(settings.database_url)):
        copy_sqlite(request.getfixturevalue("deployed_sqlite"), sqlite_path(settings.database_url))
        return
    if as_made and url.get_backend_name() == "postgresql":
        database = request.getfixturevalue("postgres_database")
        if database.engine.url.database == url.database and database.is_empty():
            if database.has_snapshot:
                database.restore_snapshot()
                return
            _deploy_anew(settings, clock, catalogue)
            database.take_snapshot()
            return
    _deploy_anew(settings, clock, catalogue)


def _deploy_anew(settings: Settings, clock, catalogue) -> None:
    rt = Runtime.create(settings, clock)
    rt.deploy(catalogue)
    rt.close()
