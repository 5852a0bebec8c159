"""The expected-finish forecast's error on a simulated office, replayed at each dossier's submission.

P02 dossiers arrive at random office-hour moments (Poisson, --per-day a working day) for --weeks
weeks; one officer per role (desk, collection, leadership) takes the oldest task of their queue
and spends a random time on it (lognormal, in office hours: --desk, --collection, --leader hours
on average). Every step runs through the real engine on a scratch SQLite file with a moved clock.
Then `engine.sla.forecast.forecast_error` replays the dossiers submitted after the first
--train-weeks weeks, with measurements made before them, and prints the error beside a forecast
that ignores the queue (the steps' medians only).

    .venv/bin/python bench/forecast_replay.py                 # 6 weeks, about a minute
    .venv/bin/python bench/forecast_replay.py --per-day 6     # a busier office: longer queues
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from engine.clock import ManualClock
from engine.config import Settings
from engine.data.models import Dossier
from engine.people.officers import Actor, add_user, grant
from engine.runtime import Runtime
from engine.sla import forecast
from engine.sla.office_calendar import load_calendar
from engine.sla.working_time import add_working_seconds, day_seconds, working_seconds

APPLICATION = {
    "full_name": "Nguyễn Văn An",
    "citizen_id": "051090001234",
    "date_of_birth": "1990-05-14",
    "sex": "male",
    "phone": "0912345678",
    "address": "12 Lê Lợi, Quảng Ngãi",
    "household_category": "poor",
    "monthly_income": "1500000",
    "payment_period": "3",
    "result_channel": "electronic",
}
STEPS = {
    "reception_check": {"decision": "accept"},
    "collect_review": {
        "household_category": "poor",
        "monthly_income": "1500000",
        "support_checked": "true",
        "decision": "approve_request",
    },
    "leader_approval": {"decision": "approve"},
}
ROLES = ("desk", "collection", "leadership")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=6)
    parser.add_argument("--train-weeks", type=int, default=2)
    parser.add_argument("--per-day", type=float, default=4.0)
    parser.add_argument("--desk", type=float, default=0.5, help="mean hours a reception check takes")
    parser.add_argument("--collection", type=float, default=1.5, help="mean hours a collection review takes")
    parser.add_argument("--leader", type=float, default=0.75, help="mean hours a leader's approval takes")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    mean_hours = {"desk": args.desk, "collection": args.collection, "leadership": args.leader}

    folder = Path(tempfile.mkdtemp(prefix="motcua-forecast-"))
    start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 2 March 2026, 07:00 office time
    clock = ManualClock(start)
    settings = Settings(database_url=f"sqlite:///{folder / 'motcua.db'}")
    runtime = Runtime.create(settings, clock)
    runtime.upgrade_database()
    runtime.deploy()
    officers = {}
    with runtime.db.write() as session:
        calendar = load_calendar(session, settings)
        for role in ROLES:
            user = add_user(session, f"{role}.officer", f"Officer {role}")
            grant(session, user, role, settings.office_code)
            officers[role] = Actor.of(user)

    events: list[tuple[datetime, int, str, object]] = []
    seq = 0

    def push(at: datetime, kind: str, payload: object) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (at, seq, kind, payload))

    day: date = start.astimezone(calendar.zone).date()
    end_day = day + timedelta(weeks=args.weeks)
    while day < end_day:
        if calendar.is_working_day(day):
            opening = datetime.combine(day, calendar.hours.opens, calendar.zone)
            for _ in range(_poisson(rng, args.per_day)):
                push(add_working_seconds(calendar, opening, rng.uniform(0, day_seconds(calendar))), "arrive", None)
        day += timedelta(days=1)

    busy = dict.fromkeys(ROLES, False)

    def start_work(now: datetime) -> None:
        for role in ROLES:
            if busy[role]:
                continue
            waiting = sorted(runtime.dossiers.open_tasks(role=role), key=lambda t: (t.created_at, t.id))
            if waiting:
                task = waiting[0]
                runtime.dossiers.claim(task.id, officers[role])
                sigma = 0.6
                hours = rng.lognormvariate(math.log(mean_hours[role]) - sigma**2 / 2, sigma)
                push(add_working_seconds(calendar, now, hours * 3600), "done", (role, task.id, task.element_id))
                busy[role] = True

    dossiers = 0
    while events:
        at, _seq, kind, payload = heapq.heappop(events)
        clock.set(at)
        if kind == "arrive":
            runtime.dossiers.start("P02", APPLICATION, Actor.applicant(APPLICATION["full_name"]))
            dossiers += 1
        else:
            role, task_id, element = payload
            runtime.dossiers.complete_task(task_id, officers[role], STEPS[element])
            busy[role] = False
        start_work(at)

    first = start.astimezone(calendar.zone).date() + timedelta(weeks=args.train_weeks)
    last = end_day - timedelta(days=1)
    with runtime.db.read() as session:
        still_open = session.scalar(select(Dossier.id).where(Dossier.processed_at.is_(None)).limit(1))
        error = forecast.forecast_error(session, settings, first, last)
        baseline = _without_queue(session, settings, first, last)
    print(f"{dossiers} dossiers over {args.weeks} weeks ({args.per_day}/working day), replayed from {first} to {last}")
    print(f"still open at the end: {'some' if still_open is not None else 'none'}")
    print(f"finished and replayed: {error.dossiers}, with a forecast: {error.forecast}")
    print(
        f"forecast (queue + step medians): mean absolute error {error.mean_absolute_days:.2f} working days, "
        f"mean signed {error.mean_signed_days:+.2f}, within one working day {100 * error.within_one_day:.0f}%"
    )
    print(
        f"steps' medians only (no queue):  mean absolute error {baseline[0]:.2f} working days, "
        f"mean signed {baseline[1]:+.2f}, within one working day {100 * baseline[2]:.0f}%"
    )
    runtime.close()


def _without_queue(session, settings, first: date, last: date) -> tuple[float, float, float]:
    """The same replay with nobody counted in front: what the queue adds to the forecast."""
    calendar = load_calendar(session, settings)
    start = datetime.combine(first, datetime.min.time(), calendar.zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), calendar.zone)
    measurements = forecast.measure(session, calendar, start)
    errors = []
    for dossier in session.scalars(
        select(Dossier).where(
            Dossier.submitted_at >= start, Dossier.submitted_at < end, Dossier.processed_at.is_not(None)
        )
    ):
        steps = [
            forecast.OpenStep(s.element_id, s.role_code, s.unit_code, s.created_at, 0)
            for s in forecast._state_at_submission(session, dossier, forecast.WINDOW_DAYS)
        ]
        said = forecast.predict(measurements, calendar, dossier.procedure_code, dossier.submitted_at, steps, set())
        if said.expected_at is not None:
            errors.append(working_seconds(calendar, dossier.processed_at, said.expected_at) / day_seconds(calendar))
    n = len(errors) or 1
    return sum(map(abs, errors)) / n, sum(errors) / n, sum(abs(e) <= 1 for e in errors) / n


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


if __name__ == "__main__":
    main()
