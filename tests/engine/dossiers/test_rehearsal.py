"""A rehearsed advance (DossierService.rehearse, the check `motcua db copy` runs on every open
dossier) goes through a real advance and writes nothing: every row stays as it was, a timer that fell
due still fires afterwards, and a dossier whose state cannot be restored is reported by raising."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from engine.data.models import Timer, TimerStatus
from engine.dossiers.rehearsal import rehearse_open_dossiers
from engine.errors import NotFound
from engine.people.officers import Actor
from tests.cli.test_backup_audit import every_row
from tests.helpers import P02_APPLICATION, do_task


def test_a_rehearsal_changes_no_row_and_a_due_timer_still_fires_after(runtime, office, clock):
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="Sổ hộ nghèo")
    with runtime.db.read() as session:
        due_at = session.scalars(select(Timer.due_at).where(Timer.status == TimerStatus.PENDING)).one()
    clock.set(due_at)  # the applicant's time to bring the papers is over
    before = every_row(runtime.settings.database_url)

    runtime.dossiers.rehearse(code)
    report = rehearse_open_dossiers(runtime.dossiers)

    assert (report.tried, report.failed) == (1, [])
    assert every_row(runtime.settings.database_url) == before
    assert runtime.dossiers.fire_due_timers() == 1  # the real one, after the rehearsals


def test_a_dossier_whose_state_cannot_be_restored_fails_its_rehearsal(runtime, office):
    fine = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
    broken = runtime.dossiers.start("P02", {**P02_APPLICATION, "citizen_id": "051090009999"}, Actor.applicant("Bình"))
    damage = text("UPDATE dossiers SET state = :s WHERE code = :c")
    with runtime.db.write() as session:
        state = session.scalar(text("SELECT state FROM dossiers WHERE code = :c"), {"c": broken})
        session.execute(damage, {"s": b"{not json", "c": broken})

    with pytest.raises(Exception):  # noqa: B017 (whatever the restore raises is the finding)
        runtime.dossiers.rehearse(broken)
    report = rehearse_open_dossiers(runtime.dossiers)

    assert report.tried == 2
    assert [code for code, _said in report.failed] == [broken]
    runtime.dossiers.rehearse(fine)
    with pytest.raises(NotFound):
        runtime.dossiers.rehearse("BHXH.QNI-000000-0000")
    with runtime.db.write() as session:  # mended: the runtime fixture restores every dossier at the end
        session.execute(damage, {"s": state, "c": broken})
