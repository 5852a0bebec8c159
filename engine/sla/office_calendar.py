"""The office's own changes to the working-day calendar, kept in the database, so an edit counts
for new deadlines without a restart: at once where the calendar is read fresh (`load_calendar`),
within CACHE_SECONDS on the engine's hot path (`current_calendar`), which would otherwise read
the table at every step of every dossier."""

from __future__ import annotations

import re
import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from engine.config import Settings
from engine.data.audit import record_change
from engine.data.journal import queue, record
from engine.data.models import CalendarDay, Dossier, Event, HumanTask, TaskStatus
from engine.errors import NotFound
from engine.forms import FormError, Message
from engine.people.officers import Actor
from engine.sla.workdays import OfficeHours, WorkCalendar


def load_calendar(session: Session, settings: Settings) -> WorkCalendar:
    days = session.execute(select(CalendarDay.day, CalendarDay.working)).all()
    return WorkCalendar(
        zone=ZoneInfo(settings.timezone),
        hours=OfficeHours.parse(settings.office_hours, settings.cutoff),
        office_holidays=frozenset(d for d, working in days if not working),
        office_workdays=frozenset(d for d, working in days if working),
    )


CACHE_SECONDS = 30.0
_cache: dict[tuple, tuple[float, WorkCalendar]] = {}
_cache_lock = threading.Lock()


def current_calendar(session: Session, settings: Settings) -> WorkCalendar:
    """The calendar, read again from the database at most every CACHE_SECONDS."""
    key = (settings.database_url, settings.timezone, settings.office_hours, settings.cutoff)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    calendar = load_calendar(session, settings)
    with _cache_lock:
        _cache[key] = (time.monotonic(), calendar)
    return calendar


def forget_cached_calendars() -> None:
    """Read the calendar afresh next time (after an edit; tests that empty the database)."""
    with _cache_lock:
        _cache.clear()


def set_day(session: Session, day: date, working: bool, note: str = "") -> None:
    """Make `day` a working day or a day off for the office, whatever the national calendar says."""
    row = session.get(CalendarDay, day) or CalendarDay(day=day)
    row.working, row.note = working, note
    session.add(row)
    forget_cached_calendars()


def remove_day(session: Session, day: date) -> None:
    """Drop the office's own change for `day`: the national calendar applies again."""
    row = session.get(CalendarDay, day)
    if row is None:
        raise NotFound(
            f"Ngày {day.isoformat()} không có điều chỉnh riêng của cơ quan",
            f"The office has no change of its own for {day.isoformat()}",
        )
    session.delete(row)
    forget_cached_calendars()


def list_days(session: Session, year: int | None = None) -> list[CalendarDay]:
    query = select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        query = query.where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
    return list(session.scalars(query))


# --- the administrator's changes, checked and recorded -------------------------------------------


def parse_day(text: str | None, field: str = "day") -> date:
    """A date typed as dd/mm/yyyy (as the office writes it) or yyyy-mm-dd (a date picker's)."""
    text = (text or "").strip()
    if not text:
        raise FormError({field: Message("Hãy nhập ngày, dạng dd/mm/yyyy", "Enter the day, as dd/mm/yyyy")})
    for pattern, order in ((r"(\d{1,2})/(\d{1,2})/(\d{4})", (2, 1, 0)), (r"(\d{4})-(\d{2})-(\d{2})", (0, 1, 2))):
        found = re.fullmatch(pattern, text)
        if found:
            parts = found.groups()
            try:
                return date(int(parts[order[0]]), int(parts[order[1]]), int(parts[order[2]]))
            except ValueError:
                break
    raise FormError(
        {
            field: Message(
                "Ngày không hợp lệ: viết dd/mm/yyyy, ví dụ 02/09/2027", "Not a date: write dd/mm/yyyy, e.g. 02/09/2027"
            )
        }
    )


def set_calendar_day(session: Session, settings: Settings, values: dict[str, str], actor: Actor, now: datetime) -> int:
    """A holiday (`kind` off) or a make-up working day (`kind` working) with its note; the open
    dossiers whose time limit runs over that day get their appointment moved. Returns how many."""
    errors: dict[str, Message] = {}
    day = None
    try:
        day = parse_day(values.get("day"))
    except FormError as e:
        errors.update(e.errors)
    kind = values.get("kind")
    if kind not in ("off", "working"):
        errors["kind"] = Message("Chọn ngày nghỉ hay ngày làm bù", "Choose a day off or a make-up working day")
    note = (values.get("note") or "").strip()
    if len(note) > 300:
        errors["note"] = Message("Ghi chú dài tối đa 300 ký tự", "A note has at most 300 characters")
    if day is not None and session.get(CalendarDay, day) is not None:
        errors["day"] = Message(
            f"Ngày {day:%d/%m/%Y} đã có điều chỉnh; hãy xóa điều chỉnh cũ trước",
            f"{day:%d/%m/%Y} already has a change; remove it first",
        )
    if errors:
        raise FormError(errors)
    before = load_calendar(session, settings)
    set_day(session, day, kind == "working", note)
    moved = move_appointments(session, before, load_calendar(session, settings), day, actor, now)
    kind_done = "day_off_added" if kind == "off" else "working_day_added"
    record_change(
        session, actor.user_id, actor.name, "calendar", kind_done, now, day=day.isoformat(), note=note, moved=moved
    )
    _forget_after_commit(session)
    return moved


def remove_calendar_day(session: Session, settings: Settings, day: date, actor: Actor, now: datetime) -> int:
    """Drop the office's change for `day` (NotFound when there is none), moving the appointments
    it had moved back. Returns how many moved."""
    row = session.get(CalendarDay, day)
    working, note = (row.working, row.note) if row else (None, "")
    before = load_calendar(session, settings)
    remove_day(session, day)
    session.flush()
    moved = move_appointments(session, before, load_calendar(session, settings), day, actor, now)
    record_change(
        session,
        actor.user_id,
        actor.name,
        "calendar",
        "day_removed",
        now,
        day=day.isoformat(),
        was="working" if working else "off",
        note=note,
        moved=moved,
    )
    _forget_after_commit(session)
    return moved


def _forget_after_commit(session: Session) -> None:
    """The cache is read afresh once the change is committed: forgetting it before the commit could
    let another request cache the old calendar again for CACHE_SECONDS."""
    event.listen(session, "after_commit", lambda _s: forget_cached_calendars(), once=True)


def move_appointments(
    session: Session, before: WorkCalendar, after: WorkCalendar, day: date, actor: Actor, now: datetime
) -> int:
    """Open dossiers (the clock running or stopped, processing not finished) whose time between
    the day they count as received and their appointment includes `day` keep the same number of
    days under the new calendar: a new day off in between moves the appointment one working day
    later, a make-up working day one earlier. Their open tasks' due times move the same way, the
    history says why and the applicant is told the new date."""
    rows = session.execute(
        select(Dossier.id, Dossier.code, Dossier.received_on, Dossier.appointment_at).where(
            Dossier.appointment_at.is_not(None),
            Dossier.processed_at.is_(None),
            Dossier.finished_at.is_(None),
            Dossier.received_on < day,
        )
    ).all()
    rows = [r for r in rows if r.appointment_at.astimezone(before.zone).date() >= day]
    if not rows:
        return 0
    units = _limit_units(session, [r.id for r in rows])
    moved = 0
    for dossier_id, code, received, appointment in rows:
        unit = units.get(dossier_id, "working")
        new = _remap(appointment, received, unit, before, after)
        if new == appointment:
            continue
        session.execute(update(Dossier).where(Dossier.id == dossier_id).values(appointment_at=new))
        for task_id, due in session.execute(
            select(HumanTask.id, HumanTask.due_at).where(
                HumanTask.dossier_id == dossier_id,
                HumanTask.status.in_((TaskStatus.NEW, TaskStatus.CLAIMED)),
                HumanTask.due_at.is_not(None),
            )
        ).all():
            if due.astimezone(before.zone).date() >= day:
                moved_due = _remap(due, received, unit, before, after)
                session.execute(update(HumanTask).where(HumanTask.id == task_id).values(due_at=moved_due))
        record(
            session,
            dossier_id,
            actor,
            "appointment_moved",
            now,
            day=day.isoformat(),
            old_appointment=appointment.isoformat(),
            appointment_at=new.isoformat(),
        )
        queue(
            session,
            dossier_id,
            "notify.appointment",
            now,
            dossier_code=code,
            appointment_at=new.isoformat(),
            reason="calendar_changed",
        )
        moved += 1
    return moved


def _remap(moment: datetime, received: date, unit: str, before: WorkCalendar, after: WorkCalendar) -> datetime:
    """`moment` (a due time after `received`) at the same count of days under the new calendar."""
    local = moment.astimezone(before.zone)
    last = local.date()
    if unit == "working":
        count, d = 0, received
        while d < last:
            d += timedelta(days=1)
            count += before.is_working_day(d)
        new_day = after.add_working_days(received, count)
    else:  # calendar days: only the roll past a day off changes
        if unit == "calendar_no_holidays":
            count = sum(not before.is_holiday(received + timedelta(days=i + 1)) for i in range((last - received).days))
            new_day = after.add_days_not_holidays(received, count)
        else:
            new_day = last
            while not before.is_working_day(new_day) and new_day > received:  # undo the roll it was given
                new_day -= timedelta(days=1)
        if not after.is_working_day(new_day):
            new_day = after.next_working_day(new_day)
    return datetime.combine(new_day, local.timetz().replace(tzinfo=None), before.zone)


def _limit_units(session: Session, dossier_ids: list[int]) -> dict[int, str]:
    """Each dossier's limit unit, as its appointment was set with (its history says)."""
    units: dict[int, str] = {}
    for dossier_id, data in session.execute(
        select(Event.dossier_id, Event.data)
        .where(Event.dossier_id.in_(dossier_ids), Event.kind == "appointment_set")
        .order_by(Event.id)
    ):
        units[dossier_id] = (data or {}).get("limit_unit") or "working"
    return units
