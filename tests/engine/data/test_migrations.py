"""Migrations that change data, run on a database as an older Motcua left it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import DateTime, MetaData, column, insert, select, table

from engine.data.db import Database
from engine.data.migrate import upgrade
from engine.data.models import ConfirmedTransfer, ProcedureVersion, TaskPurpose, WebhookRefusalCount
from engine.data.scratch import scratch_database
from engine.integration.payouts import confirmed_transfers
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
    upgrade(db, "0014")
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
