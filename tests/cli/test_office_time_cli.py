"""The command line shows times in the office's time zone (settings.timezone): a dossier handed in
at 23:30 UTC was handed in at 06:30 the next morning in Vietnam, and says so."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from engine.clock import ManualClock
from engine.config import Settings
from engine.people.officers import Actor, add_user, grant
from engine.runtime import Runtime
from tests.cli.test_backup_audit import MotcuaOn, databases  # noqa: F401  (a fixture)
from tests.helpers import P02_APPLICATION, open_task

LATE_EVENING = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # 06:30 on 3 March in Vietnam


def test_dossier_show_and_task_list_speak_office_time(databases, catalogue):  # noqa: F811
    url = databases[0]
    runtime = Runtime.create(Settings(database_url=url), ManualClock(LATE_EVENING))
    try:
        runtime.upgrade_database()
        runtime.deploy(catalogue)
        with runtime.db.write() as session:
            user = add_user(session, "lan.motcua", "Nguyễn Thị Lan")
            grant(session, user, "desk", runtime.settings.office_code)
            lan = Actor.of(user)
        code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
        task = open_task(runtime, code, "reception_check")
        runtime.dossiers.claim(task.id, lan)
        runtime.dossiers.complete_task(task.id, lan, {"decision": "accept"})
        appointment = runtime.dossiers.get(code).appointment_at
    finally:
        runtime.close()
    cli = MotcuaOn(url)

    shown = cli.ok("dossier", "show", code)

    assert "  2026-03-03 06:30:00 An: " in shown and "2026-03-02" not in shown
    due = appointment.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert f"appointment {due:%Y-%m-%d %H:%M}" in shown
