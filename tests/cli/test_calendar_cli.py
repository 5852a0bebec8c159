"""`motcua calendar add|remove` does what the administration's calendar page does: the change is
recorded in the administration change log (checked by `motcua audit verify`), and open dossiers
whose time limit runs over the day get a new appointment, moved back when the change is removed."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import create_engine, text

from tests.cli.test_backup_audit import MotcuaOn, build_office, databases  # noqa: F401  (a fixture)


def appointments(url: str) -> dict[str, tuple[date, object]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT code, received_on, appointment_at FROM dossiers WHERE appointment_at IS NOT NULL")
        ).all()
    engine.dispose()
    return {code: (received, str(at)) for code, received, at in rows}


def changes(url: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT seq, actor, area, kind FROM admin_changes ORDER BY seq")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def a_working_day_after(received) -> date:
    day = (received if isinstance(received, date) else date.fromisoformat(str(received))) + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_a_day_off_from_the_cli_is_recorded_and_moves_appointments(databases, catalogue):  # noqa: F811
    url = databases[0]
    build_office(url, catalogue)
    cli = MotcuaOn(url)
    before = appointments(url)
    assert before  # accepted dossiers wait for their appointment
    received = min(r for r, _at in before.values())
    day = a_working_day_after(received)

    said = cli.ok("calendar", "add", day.isoformat(), "--holiday", "--note", "Giỗ tổ", "--as", "hoa.lanhdao")

    after = appointments(url)
    moved = [code for code in before if after[code] != before[code]]
    assert moved
    assert said == f"{day.isoformat()}: day off; {len(moved)} open dossier(s) got a new appointment\n"
    assert changes(url) == [(1, "Phạm Thị Hoa", "calendar", "day_off_added")]
    assert "1 administration change(s): the change log intact" in cli.ok("audit", "verify")

    said = cli.ok("calendar", "remove", day.isoformat())

    assert said == f"{day.isoformat()}: national calendar; {len(moved)} open dossier(s) got a new appointment\n"
    assert appointments(url) == before
    assert changes(url)[1] == (2, "system", "calendar", "day_removed")
    # a bad day changes nothing and says why
    assert cli.fails("calendar", "add", "31/02/2026", "--workday").startswith("error: day: ")
    assert len(changes(url)) == 2


def test_audit_verify_reports_an_edited_administration_change(databases, catalogue):  # noqa: F811
    url = databases[0]
    build_office(url, catalogue)
    cli = MotcuaOn(url)
    cli.ok("calendar", "add", "2026-12-31", "--holiday", "--as", "hoa.lanhdao")
    cli.ok("calendar", "add", "2027-01-02", "--workday", "--as", "hoa.lanhdao")
    engine = create_engine(url)
    with engine.begin() as conn:  # someone with the database in hand drops the guard and edits
        if url.startswith("sqlite"):
            conn.exec_driver_sql("DROP TRIGGER admin_changes_no_update")
        else:
            conn.exec_driver_sql("DROP TRIGGER admin_changes_append_only ON admin_changes")
        conn.exec_driver_sql("UPDATE admin_changes SET actor = 'system' WHERE seq = 1")
    engine.dispose()

    result = cli.run("audit", "verify")

    assert result.returncode == 1
    assert "administration change #1: edited, removed before it or out of order" in result.stdout.splitlines()
    assert result.stderr == "error: 1 problem(s) in the administration change log\n"
