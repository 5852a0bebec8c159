"""Migrations that change data, run on a database as an older Motcua left it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import DateTime, MetaData, column, insert, select, table
from sqlalchemy.exc import IntegrityError

from engine.data.audit import GENESIS, verify_database
from engine.data.db import Database
from engine.data.journal import record
from engine.data.migrate import upgrade
from engine.data.models import (
    ConfirmedTransfer,
    Deployment,
    Dossier,
    Event,
    ProcedureVersion,
    TaskPurpose,
    UTCDateTime,
    WebhookRefusalCount,
)
from engine.data.scratch import scratch_database
from engine.integration.payouts import confirmed_transfers
from engine.people.officers import Actor
from engine.workflow.version_log import deployment_log, list_versions
from engine.workflow.versions import metadata_of
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_database(request):
    base = None if request.param == "sqlite" else POSTGRES_URL
    try:
        with scratch_database(base) as url:
            db = Database(url)
            yield db
            db.dispose()
    except Exception as err:
        if request.param == "postgres" and "connect" in str(err).lower() and not REQUIRE_POSTGRES:
            pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}: {err}")
        raise


def _without_purposes(raw_meta: dict) -> dict:
    tasks = {task: {k: v for k, v in spec.items() if k != "purpose"} for task, spec in raw_meta["tasks"].items()}
    return {**raw_meta, "tasks": tasks}


def test_versions_deployed_before_task_purposes_get_them(fresh_database, catalogue):
    """A P02 version stored before purposes existed keeps its desk views and slips: the upgrade
    marks its shared steps' tasks in its metadata and in task_purposes."""
    db = fresh_database
    upgrade(db, "0009")
    old_meta = _without_purposes(catalogue.procedures["P02"].raw_meta)
    with db.engine.begin() as conn:
        version_id = conn.execute(
            insert(ProcedureVersion.__table__)
            .values(
                code="P02",
                content_hash="0" * 64,
                process_id="P02",
                sources={},
                meta=old_meta,
                deployed_at=datetime(2026, 11, 1, tzinfo=UTC),
            )
            .returning(ProcedureVersion.__table__.c.id)
        ).scalar_one()

    upgrade(db)

    with db.read() as session:
        meta = metadata_of(session, version_id)
        rows = session.execute(select(TaskPurpose.element_id, TaskPurpose.purpose)).all()
    assert meta.tasks_for("intake") == ("reception_check",)
    assert meta.purpose_of("postal_dispatch") == "return_post"
    assert meta.purpose_of("collect_review") is None
    assert sorted(rows) == sorted(catalogue.procedures["P02"].meta.purposes.items())


def test_the_bank_confirmations_dossiers_took_before_are_kept_by_settlement_time(fresh_database):
    """The daily check reads confirmed transfers by their settlement time; those taken before that
    table existed are copied from the dossiers' history, an unreadable amount as unknown, never 0."""
    db = fresh_database
    upgrade(db, "0010")
    taken = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    with db.engine.begin() as conn:
        names = ("procedure_versions", "units", "dossiers", "events")  # as revision 0010 left them
        tables = MetaData()
        tables.reflect(conn, only=names)
        versions, units, dossiers, events = (tables.tables[name] for name in names)
        version_id = conn.execute(
            insert(versions)
            .values(code="P07", content_hash="0" * 64, process_id="P07", sources={}, meta={}, deployed_at=taken)
            .returning(versions.c.id)
        ).scalar_one()
        conn.execute(insert(units).values(code="BHXH.QNI", name_vi="BHXH", name_en="SI"))
        dossier_id = conn.execute(
            insert(dossiers)
            .values(
                code="BHXH.QNI-261120-0001",
                procedure_code="P07",
                version_id=version_id,
                unit_code="BHXH.QNI",
                status=10,
                applicant_name="Trần Văn Khải",
                applicant_id_number="051099006603",
                submitted_at=taken,
                updated_at=taken,
                state=b"",
                state_version=1,
            )
            .returning(dossiers.c.id)
        ).scalar_one()

        def confirmed(**payload):
            data = {"message": "bank_confirmed", "payload": payload}
            return {
                "dossier_id": dossier_id,
                "at": taken,
                "actor": "Ngân hàng",
                "kind": "message_received",
                "data": data,
            }

        conn.execute(
            insert(events),
            [
                confirmed(transfer_id="T-1", amount=315900, at="2026-11-19T17:30:00+00:00"),  # 20/11 in Vietnam
                confirmed(transfer_id="T-2", amount="ba trăm", at="2026-11-20T00:30:00"),  # office time
                confirmed(transfer_id="T-3", amount="631800"),  # no time from the bank: when it was taken
                confirmed(transfer_id="T-5", amount=7, at="2026-11-19T23:59:00+07:00"),  # the day before
                confirmed(reference="by hand", amount=1),  # names no transfer of the bank's
                {**confirmed(transfer_id="T-4", amount=5), "data": {"message": "bank_rejected", "payload": {}}},
            ],
        )

    upgrade(db)

    with db.read() as session:
        rows = session.execute(
            select(
                ConfirmedTransfer.dossier_id,
                ConfirmedTransfer.transfer_id,
                ConfirmedTransfer.amount,
                ConfirmedTransfer.settled_at,
            ).order_by(ConfirmedTransfer.id)
        ).all()
        in_a_day = confirmed_transfers(session, date(2026, 11, 20), ZoneInfo("Asia/Ho_Chi_Minh"))
    assert rows == [
        (dossier_id, "T-1", 315900, datetime(2026, 11, 19, 17, 30, tzinfo=UTC)),
        (dossier_id, "T-2", None, datetime(2026, 11, 19, 17, 30, tzinfo=UTC)),
        (dossier_id, "T-3", 631800, taken),
        (dossier_id, "T-5", 7, datetime(2026, 11, 19, 16, 59, tzinfo=UTC)),
    ]
    assert [(t.transfer_id, t.amount) for t in in_a_day] == [("T-1", 315900), ("T-2", None), ("T-3", 631800)]


def test_refused_webhooks_kept_one_by_one_become_counts_by_day(fresh_database):
    db = fresh_database
    upgrade(db, "0013")
    refusals = table(
        "webhook_refusals",
        column("source"),
        column("reason"),
        column("received_at", DateTime(timezone=True)),
        column("body"),
    )
    with db.engine.begin() as conn:
        conn.execute(
            insert(refusals),
            [
                # 16:00 and 18:00 UTC on 1 March are the 1st and the 2nd in Vietnam
                {
                    "source": "post",
                    "reason": "too_old",
                    "received_at": datetime(2026, 3, 1, 16, tzinfo=UTC),
                    "body": "a",
                },
                {
                    "source": "post",
                    "reason": "too_old",
                    "received_at": datetime(2026, 3, 1, 18, tzinfo=UTC),
                    "body": "b",
                },
                {
                    "source": "post",
                    "reason": "too_old",
                    "received_at": datetime(2026, 3, 1, 19, tzinfo=UTC),
                    "body": "c",
                },
                {
                    "source": "bank",
                    "reason": "replayed",
                    "received_at": datetime(2026, 3, 1, 1, tzinfo=UTC),
                    "body": "d",
                },
            ],
        )

    upgrade(db)

    with db.read() as session:
        rows = session.scalars(
            select(WebhookRefusalCount).order_by(WebhookRefusalCount.day, WebhookRefusalCount.source)
        ).all()
    assert [(r.source, r.reason, r.day.isoformat(), r.count, r.last_body) for r in rows] == [
        ("bank", "replayed", "2026-03-01", 1, "d"),
        ("post", "too_old", "2026-03-01", 1, "a"),
        ("post", "too_old", "2026-03-02", 2, "c"),
    ]


WRITTEN = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


def seed_0010(db: Database) -> dict[str, int]:
    """Dossiers and their history as Motcua stored them at schema 0010 (no chain yet): two
    dossiers whose events interleave, one without events. Returns code -> number of events."""
    t = sa.table
    c = sa.column
    units = t("units", c("code"), c("name_vi"), c("name_en"))
    versions = t(
        "procedure_versions",
        c("id", sa.Integer),
        c("code"),
        c("content_hash"),
        c("process_id"),
        c("sources", sa.JSON),
        c("meta", sa.JSON),
        c("deployed_at", sa.DateTime(timezone=True)),
    )
    dossiers = t(
        "dossiers",
        c("id", sa.Integer),
        c("code"),
        c("procedure_code"),
        c("version_id"),
        c("unit_code"),
        c("status"),
        c("applicant_name"),
        c("applicant_id_number"),
        c("submitted_at", sa.DateTime(timezone=True)),
        c("updated_at", sa.DateTime(timezone=True)),
        c("state", sa.LargeBinary),
        c("state_version"),
    )
    events = t(
        "events",
        c("dossier_id"),
        c("at", UTCDateTime()),
        c("actor_id"),
        c("actor"),
        c("kind"),
        c("data", sa.JSON),
    )
    codes = {"BHXH.QNI-261120-0001": 3, "BHXH.QNI-261120-0002": 2, "BHXH.QNI-261120-0003": 0}
    with db.engine.begin() as conn:
        conn.execute(units.insert().values(code="BHXH.QNI", name_vi="BHXH tỉnh Quảng Ngãi", name_en="Quang Ngai"))
        version_id = conn.execute(
            versions.insert()
            .values(code="P02", content_hash="1" * 64, process_id="P02", sources={}, meta={}, deployed_at=WRITTEN)
            .returning(versions.c.id)
        ).scalar_one()
        ids = {}
        for code in codes:
            ids[code] = conn.execute(
                dossiers.insert()
                .values(
                    code=code,
                    procedure_code="P02",
                    version_id=version_id,
                    unit_code="BHXH.QNI",
                    status=2,
                    applicant_name="Nguyễn Văn An",
                    applicant_id_number="051090001234",
                    submitted_at=WRITTEN,
                    updated_at=WRITTEN,
                    state=b"",
                    state_version=1,
                )
                .returning(dossiers.c.id)
            ).scalar_one()
        first, second, _ = ids.values()
        for n, (dossier_id, kind, data) in enumerate(
            [
                (first, "submitted", {"application": {"full_name": "Nguyễn Văn An", "income": 1500000.5}}),
                (second, "submitted", {"application": {}, "documents": [{"type": "TK1-TS", "filename": "a.pdf"}]}),
                (first, "task_claimed", {"task": "reception_check", "task_id": 1, "to": None}),
                (second, "status_changed", {"old": 0, "new": 1}),
                (first, "task_completed", {"task": "reception_check", "data": {"decision": "accept"}}),
            ]
        ):
            actor = "Nguyễn Thị Lan" if kind.startswith("task") else "Hệ thống"
            at = WRITTEN + timedelta(minutes=n, microseconds=n * 1001)
            conn.execute(events.insert().values(dossier_id=dossier_id, at=at, actor=actor, kind=kind, data=data))
    return codes


def test_events_stored_before_the_chain_get_one(fresh_database):
    """An office's history from before the chain: the upgrade chains it per dossier in the order it
    was written, `audit verify` passes, the events stay append-only and new ones link on."""
    db = fresh_database
    upgrade(db, "0010")
    codes = seed_0010(db)

    upgrade(db)

    report = verify_database(db)
    assert report.intact, report.problems
    assert (report.dossiers, report.events) == (3, 5)
    with db.read() as session:
        for code, count in codes.items():
            dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one()
            events = session.scalars(select(Event).where(Event.dossier_id == dossier.id).order_by(Event.id)).all()
            assert [e.seq for e in events] == list(range(1, count + 1))
            assert dossier.last_event_seq == count
            assert dossier.last_event_hash == (events[-1].hash if events else GENESIS)
        first = session.scalars(select(Dossier).where(Dossier.code == "BHXH.QNI-261120-0001")).one()
    for statement in ("UPDATE events SET kind = 'forged'", "DELETE FROM events"):
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.text(statement))

    with db.write() as session:
        record(session, first.id, Actor.system(), "note", WRITTEN + timedelta(days=1), text="sau nâng cấp")
    assert verify_database(db).intact
    with db.read() as session:
        assert session.scalar(select(Event.seq).where(Event.kind == "note")) == 4


_VERSIONS = ProcedureVersion.__table__


def _stored(conn, code: str, digest: str, day: int) -> int:
    return conn.execute(
        insert(_VERSIONS)
        .values(
            code=code,
            content_hash=digest * 64,
            process_id=code,
            sources={},
            meta={},
            deployed_at=datetime(2026, 11, day, 8, tzinfo=UTC),
        )
        .returning(_VERSIONS.c.id)
    ).scalar_one()


def test_versions_stored_before_get_numbers_per_procedure_and_a_log(fresh_database):
    db = fresh_database
    upgrade(db, "0014")
    with db.engine.begin() as conn:
        # stored out of deployment order: the numbers follow the deployed times, per procedure
        p02_second = _stored(conn, "P02", "b", 20)
        p02_first = _stored(conn, "P02", "a", 3)
        p03_first = _stored(conn, "P03", "c", 10)

    upgrade(db)

    with db.read() as session:
        numbers = dict(session.execute(select(ProcedureVersion.id, ProcedureVersion.number)).all())
        assert numbers == {p02_first: 1, p02_second: 2, p03_first: 1}
        assert [(v.number, v.deployed_by) for v in list_versions(session, "P02")] == [
            (1, "(before the deployment log)"),
            (2, "(before the deployment log)"),
        ]
        log = deployment_log(session, "P02")
        assert [(d.number, d.kind, d.previous_number) for d in log] == [(2, "new", 1), (1, "new", None)]
        assert session.scalar(select(Deployment.at).where(Deployment.version_id == p03_first)) == datetime(
            2026, 11, 10, 8, tzinfo=UTC
        )
    with pytest.raises(IntegrityError), db.engine.begin() as conn:  # one number once per procedure
        conn.execute(_VERSIONS.update().where(_VERSIONS.c.id == p02_second).values(number=1))


def test_the_inbox_indexes_exist_after_an_upgrade(fresh_database):
    """Each inbox view reads its rows in order from an index (engine.dossiers.inbox): after the
    upgrade they are there, and the narrower indexes they replace are gone."""
    db = fresh_database
    upgrade(db, "0024")
    upgrade(db)
    found = sa.inspect(db.engine)
    tasks = {ix["name"]: ix["column_names"] for ix in found.get_indexes("human_tasks")}
    dossiers = {ix["name"]: ix["column_names"] for ix in found.get_indexes("dossiers")}
    order = ["due_at", "created_at", "id"]
    assert tasks["ix_human_tasks_queue"] == ["unit_code", "status", "role_code", *order]
    assert tasks["ix_human_tasks_purpose_queue"] == ["unit_code", "status", "element_id", *order]
    assert tasks["ix_human_tasks_assignee_queue"] == ["assignee_id", "status", "role_code", "unit_code", *order]
    assert tasks["ix_human_tasks_completer_queue"] == ["completed_by_id", "status", "role_code", "unit_code", *order]
    assert "ix_human_tasks_inbox" not in tasks and "ix_human_tasks_assignee_id" not in tasks
    assert dossiers["ix_dossiers_unit_status_timer"] == ["unit_code", "status", "next_timer_at", "updated_at", "id"]


def test_tasks_take_their_dossiers_result_channel_and_a_unit_index_after_an_upgrade(fresh_database):
    """The result-return view filters and counts open tasks by their dossier's result channel without
    reading the dossiers: an upgrade gives the open tasks of older dossiers their channel (done ones
    need none), and the led unit's overviews their index."""
    db = fresh_database
    upgrade(db, "0027_dossiers_apologies")
    at = datetime(2026, 11, 2, 2, tzinfo=UTC)
    with db.engine.begin() as conn:
        names = ("procedure_versions", "roles", "units", "dossiers", "human_tasks")  # as 0027 left them
        tables = MetaData()
        tables.reflect(conn, only=names)
        versions, roles, units, dossiers, tasks = (tables.tables[name] for name in names)
        version_id = conn.execute(
            insert(versions)
            .values(code="P07", content_hash="0" * 64, process_id="P07", sources={}, meta={}, deployed_at=at, number=1)
            .returning(versions.c.id)
        ).scalar_one()
        conn.execute(insert(roles).values(code="desk", name_vi="Một cửa", name_en="Desk"))
        conn.execute(insert(units).values(code="BHXH.QNI", name_vi="BHXH", name_en="SI"))
        for n, channel in ((1, "post"), (2, "counter"), (3, None)):
            conn.execute(
                insert(dossiers).values(
                    id=n,
                    code=f"BHXH.QNI-261102-000{n}",
                    procedure_code="P07",
                    version_id=version_id,
                    unit_code="BHXH.QNI",
                    status=4,
                    applicant_name="Trần Văn Khải",
                    applicant_id_number="051099006603",
                    result_channel=channel,
                    submitted_at=at,
                    updated_at=at,
                    state=b"",
                    state_version=1,
                )
            )
        for n, (dossier, status) in enumerate([(1, "new"), (2, "claimed"), (3, "new"), (1, "done")], 1):
            conn.execute(
                insert(tasks).values(
                    id=n,
                    dossier_id=dossier,
                    spiff_task_id=f"t{n}",
                    element_id="return_result",
                    title="Trả kết quả",
                    role_code="desk",
                    unit_code="BHXH.QNI",
                    status=status,
                    created_at=at,
                )
            )
    upgrade(db)
    with db.engine.connect() as conn:
        found = dict(conn.execute(sa.text("SELECT id, result_channel FROM human_tasks")).all())
    assert found == {1: "post", 2: "counter", 3: None, 4: None}
    indexes = {ix["name"]: ix for ix in sa.inspect(db.engine).get_indexes("human_tasks")}
    assert indexes["ix_human_tasks_unit_queue"]["column_names"] == ["unit_code", "status", "due_at", "created_at", "id"]
    if db.engine.dialect.name == "postgresql":  # the return view's channel counts read the index alone
        assert indexes["ix_human_tasks_purpose_queue"]["dialect_options"]["postgresql_include"] == [
            "result_channel",
            "role_code",
        ]
