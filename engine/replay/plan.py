"""The replay's plan: which dossiers come in when, what becomes of each, and when each of their steps
is done and by which officer, all drawn from one seeded random generator (the same seed, the same
plan) before the engine sees any of it.

A dossier's steps start from one of its procedure's declared paths (workflows/*.yaml), chosen by
its outcome, with the result's return (electronic, counter, post, a failed delivery and a second
dispatch) and the payout (bank, bank rejection and resend, cash) put in as drawn.

The officers' time is simulated on the office's calendar: working days and office hours. Each role
has so many officers; a task waits in its role's queue, first come first served, for the first
officer free, who spends the step's minutes on it in office hours. Outsiders (applicants, the post,
the bank) answer after some hours of calendar time. Steps that would fall after the end of the
half-year are not done: those dossiers are the backlog at the end.
"""

from __future__ import annotations

import bisect
import heapq
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from engine.replay import mix
from engine.sla.workdays import WorkCalendar
from engine.workflow.catalogue import Catalogue
from engine.workflow.metadata import RETURN


@dataclass
class Step:
    kind: str  # task | message | wait
    target: str  # the task's element id, the message's name, or the ISO duration waited
    data: dict[str, Any]
    at: datetime | None = None  # when it is done
    officer: str | None = None  # the username of the officer who does it (tasks)
    purpose: str | None = None  # the task's purpose in the metadata, if it has one


@dataclass
class Plan:
    number: int
    procedure: str
    outcome: str
    channel: str
    result_channel: str
    payout: str | None  # bank | cash | None (no payout in the procedure or the outcome)
    failed_delivery: bool
    bank_rejected: bool
    start: dict[str, Any]
    arrival: datetime
    steps: list[Step]
    expect_status: int
    cut: bool = False  # steps fell after the end of the period and are left undone


@dataclass
class Replay:
    """The plan of a whole run."""

    plans: list[Plan]
    staff: dict[str, int]
    period_start: datetime
    period_end: datetime
    # minutes each role's officers spent on tasks, and the office minutes they had
    busy_minutes: dict[str, float] = field(default_factory=dict)
    office_minutes: float = 0.0

    def officers(self) -> dict[str, list[str]]:
        return {role: officer_names(role, count) for role, count in self.staff.items()}


def officer_names(role: str, count: int) -> list[str]:
    return [f"replay.{role}.{n:02d}" for n in range(1, count + 1)]


def counts(total: int) -> dict[str, int]:
    """Dossiers per procedure for a run of `total`: the half-year's shares, rounded so that they
    sum to `total` (largest remainders first)."""
    whole = sum(mix.PROCEDURE_COUNTS.values())
    exact = {code: n * total / whole for code, n in mix.PROCEDURE_COUNTS.items()}
    result = {code: math.floor(x) for code, x in exact.items()}
    left = total - sum(result.values())
    for code in sorted(exact, key=lambda c: (result[c] - exact[c], c))[:left]:
        result[code] += 1
    return result


def scaled_staff(total: int, overrides: dict[str, int] | None = None) -> dict[str, int]:
    """The half-year's officers per role scaled to a run of `total` dossiers (at least one each),
    with the roles given in `overrides` as given."""
    share = total / mix.HALF_YEAR_DOSSIERS
    staff = {role: max(1, math.ceil(n * share)) for role, n in mix.STAFF.items()}
    staff.update(overrides or {})
    return staff


def _pick(rng: random.Random, shares: dict[str, float], rest: str | None = None) -> str:
    """A key drawn by its share; `rest` for what the shares leave (else the last key: rounding)."""
    x, acc = rng.random(), 0.0
    for key, share in shares.items():
        acc += share
        if x < acc:
            return key
    return rest or key


# --- the office's minutes ---------------------------------------------------------------------


class OfficeTime:
    """Office hours on working days as one line of minutes: minute m is `m % per_day` minutes into
    the office hours of the (m // per_day)-th working day of the period."""

    def __init__(self, calendar: WorkCalendar, first: date, last: date):
        self.zone = calendar.zone
        h = calendar.hours
        self.opens, self.lunch_from, self.lunch_to, self.closes = h.opens, h.lunch_from, h.lunch_to, h.closes
        self.morning = _minutes(h.lunch_from) - _minutes(h.opens)
        self.per_day = self.morning + _minutes(h.closes) - _minutes(h.lunch_to)
        self.days: list[date] = []
        day = first
        while day <= last:
            if calendar.is_working_day(day):
                self.days.append(day)
            day += timedelta(days=1)

    def minute(self, moment: datetime) -> float:
        """The first office minute at or after `moment`."""
        local = moment.astimezone(self.zone)
        i = bisect.bisect_left(self.days, local.date())
        if i >= len(self.days):
            return float(len(self.days) * self.per_day)
        if self.days[i] != local.date():
            return float(i * self.per_day)
        t = _minutes(local.time()) + local.second / 60
        if t < _minutes(self.opens):
            offset = 0.0
        elif t < _minutes(self.lunch_from):
            offset = t - _minutes(self.opens)
        elif t < _minutes(self.lunch_to):
            offset = self.morning
        elif t < _minutes(self.closes):
            offset = self.morning + t - _minutes(self.lunch_to)
        else:
            return float((i + 1) * self.per_day)
        return i * self.per_day + offset

    def moment(self, minute: float) -> datetime:
        """The time of day of an office minute (the end of a day's hours for its last minute)."""
        i, offset = divmod(minute, self.per_day)
        i = int(i)
        if offset == 0 and i > 0:
            i, offset = i - 1, self.per_day
        if i >= len(self.days):
            i, offset = len(self.days) - 1, self.per_day
        if offset <= self.morning:
            clock = _minutes(self.opens) + offset
        else:
            clock = _minutes(self.lunch_to) + offset - self.morning
        local = datetime.combine(self.days[i], time(0), self.zone) + timedelta(minutes=clock)
        return local.replace(microsecond=0)


def _minutes(t: time) -> float:
    return t.hour * 60 + t.minute


# --- the dossiers -----------------------------------------------------------------------------


def make_replay(
    catalogue: Catalogue,
    calendar: WorkCalendar,
    total: int,
    seed: int,
    period_start: date,
    days: int = 181,
    staff: dict[str, int] | None = None,
) -> Replay:
    """The plan of `total` dossiers over `days` days from `period_start`, with `staff` officers per
    role (the half-year's staff scaled to `total` when not given)."""
    rng = random.Random(seed)
    last_day = period_start + timedelta(days=days - 1)
    office = OfficeTime(calendar, period_start, last_day + timedelta(days=400))
    start = datetime.combine(period_start, time(0), calendar.zone)
    end = datetime.combine(last_day + timedelta(days=1), time(0), calendar.zone)
    period_days = [period_start + timedelta(days=n) for n in range(days)]
    open_days = [d for d in period_days if calendar.is_working_day(d)]
    staff = staff or scaled_staff(total)
    plans: list[Plan] = []
    roles = _roles(catalogue)
    resend = _bank_resend(catalogue)
    for code, count in counts(total).items():
        if code not in catalogue.procedures or count == 0:
            continue
        for _ in range(count):
            plans.append(_dossier(rng, catalogue, code, len(plans), office, period_days, open_days, resend))
    # numbered in order of arrival (the order the desk sees them)
    plans.sort(key=lambda p: (p.arrival, p.number))
    for number, plan in enumerate(plans):
        plan.number = number
        _number_waybills(plan)
    replay = Replay(plans, staff, start, end, office_minutes=float(_office_minutes(office, start, end)))
    _schedule(replay, rng, office, roles)
    return replay


def _office_minutes(office: OfficeTime, start: datetime, end: datetime) -> float:
    return office.minute(end) - office.minute(start)


def _roles(catalogue: Catalogue) -> dict[str, str]:
    """The role (lane) of every user task element of the catalogue."""
    roles = {}
    for loaded in catalogue.procedures.values():
        for _spec, task_spec in loaded.parsed.iter_task_specs():
            lane = getattr(task_spec, "lane", None)
            if lane and task_spec.bpmn_id:
                roles.setdefault(task_spec.bpmn_id, lane)
    return roles


def _bank_resend(catalogue: Catalogue) -> Step | None:
    """The finance officer's step after the bank rejects a transfer, as a declared path does it (the
    shared payout step's, the same in every procedure)."""
    for code in sorted(catalogue.procedures):
        for path in catalogue.procedures[code].meta.paths.values():
            for before, after in zip(path.steps, path.steps[1:], strict=False):
                if before.kind == "message" and before.target == "bank_rejected" and after.kind == "task":
                    return Step("task", after.target, dict(after.data))
    return None


def _dossier(rng, catalogue, code, number, office, period_days, open_days, resend) -> Plan:
    meta = catalogue.procedures[code].meta
    paths = meta.paths
    channel = _pick(rng, mix.CHANNELS)
    if channel == "online":  # any day, mostly working days, from early morning to late evening
        day = rng.choice(open_days) if rng.random() < 0.85 else rng.choice(period_days)
        local = datetime.combine(day, time(6), office.zone) + timedelta(seconds=rng.randrange(17 * 3600))
    else:  # at the counter or from the post: in office hours
        day = rng.choice(open_days)
        first = office.minute(datetime.combine(day, time(0), office.zone))
        local = office.moment(first + rng.uniform(0, office.per_day - 1))
    outcome = _pick(rng, mix.OUTCOMES, rest="main")
    if outcome != "main" and mix.OUTCOME_PATHS[outcome] not in paths:
        outcome = "main"
    result_channel = _pick(rng, mix.RESULT_CHANNELS)
    if result_channel not in _choices(meta, "result_channel"):
        result_channel = _first_path_value(paths, "result_channel") or result_channel
    pays = "payout_method" in {f.name for f in meta.application}
    if outcome == "main":
        if pays and rng.random() >= mix.CASHLESS and "payout_cash" in paths:
            path = paths["payout_cash"]
        elif pays and paths["happy"].start.get("payout_method") == "cash" and "payout_atm" in paths:
            path = paths["payout_atm"]
        else:
            path = paths["happy"]
    else:
        path = paths[mix.OUTCOME_PATHS[outcome]]
    start = dict(path.start)
    steps = [Step(s.kind, s.target, dict(s.data)) for s in path.steps]
    expect = path.expect_status
    if outcome == "supplement_timeout":
        steps = [steps[0], Step("wait", mix.SUPPLEMENT_WAIT, {})]
        expect = 8
    payout = None
    bank_rejected = False
    if any(s.target == "bank_confirmed" for s in steps):
        payout = "bank"
        if resend is not None and rng.random() < mix.BANK_REJECTED:
            bank_rejected = True
            at = next(i for i, s in enumerate(steps) if s.target == "bank_confirmed")
            steps[at:at] = [
                Step("message", "bank_rejected", {"reason": "Số tài khoản không tồn tại"}),
                Step("task", resend.target, {**resend.data, "bank_account": str(start.get("bank_account", ""))}),
            ]
    elif any(s.target == "cash_paid" for s in steps):
        payout = "cash"
    failed = False
    start["result_channel"] = result_channel
    if result_channel == "post":
        start["delivery_address"] = start.get("delivery_address") or start.get("address") or "Quảng Ngãi"
    if expect == 10:  # the result goes back as the applicant asked
        returns = meta.tasks_for(*RETURN)
        cut = next((i for i, s in enumerate(steps) if s.kind == "task" and s.target in returns), len(steps))
        failed = result_channel == "post" and rng.random() < mix.FAILED_DELIVERY
        steps = steps[:cut] + _return_steps(meta, result_channel, failed, _name(start))
    for step in steps:
        if step.kind == "task":
            step.purpose = meta.purpose_of(step.target)
    arrival = local.astimezone(UTC)  # the engine keeps time in UTC
    return Plan(
        number, code, outcome, channel, result_channel, payout, failed, bank_rejected, start, arrival, steps, expect
    )


def _return_steps(meta, result_channel: str, failed: bool, name: str) -> list[Step]:
    """The result's return as the shared step does it, its tasks found by their purpose."""
    (counter,), (post,), (redelivery,) = (meta.tasks_for(p) for p in RETURN)
    if result_channel == "counter":
        return [Step("task", counter, {"receiver_name": name})]
    if result_channel != "post":
        return []
    steps = [Step("task", post, {"waybill": "first"})]
    if failed:
        steps += [
            Step("message", "postal_failed", {"waybill": "first", "reason": "Không liên lạc được với người nhận"}),
            Step("task", redelivery, {"decision": "redeliver"}),
            Step("task", post, {"waybill": "second"}),
        ]
    steps.append(Step("message", "postal_delivered", {"waybill": "second" if failed else "first", "receiver": name}))
    return steps


def _number_waybills(plan: Plan) -> None:
    """Each shipment its own waybill number (the dossier's number, and which dispatch)."""
    numbers = {"first": f"EB{plan.number:08d}1VN", "second": f"EB{plan.number:08d}2VN"}
    for step in plan.steps:
        if step.data.get("waybill") in numbers:
            step.data["waybill"] = numbers[step.data["waybill"]]


def _name(start: dict[str, Any]) -> str:
    return str(start.get("full_name") or start.get("organisation_name") or start.get("facility_name") or "Người nhận")


def _choices(meta, name: str) -> set[str]:
    for f in meta.application:
        if f.name == name:
            return {c.value for c in (f.choices or ())}
    return set()


def _first_path_value(paths, name: str) -> str | None:
    for path in paths.values():
        if name in path.start:
            return str(path.start[name])
    return None


# --- the officers' time -----------------------------------------------------------------------


def _schedule(replay: Replay, rng: random.Random, office: OfficeTime, roles: dict[str, str]) -> None:
    """When each step is done and by whom: every step, of every dossier, in the order the steps
    become ready; a task goes to the first officer of its role who is free (first come, first
    served), a message comes after the outsider's hours. A step done after the period's end is left
    undone, with those after it."""
    free: dict[str, list[tuple[float, str]]] = {}
    for role, names in replay.officers().items():
        free[role] = [(0.0, name) for name in names]
        heapq.heapify(free[role])
    busy = dict.fromkeys(replay.staff, 0.0)
    ready: list[tuple[datetime, int, int]] = [(plan.arrival, plan.number, 0) for plan in replay.plans]
    heapq.heapify(ready)
    end = replay.period_end
    while ready:
        at, number, index = heapq.heappop(ready)
        plan = replay.plans[number]
        step = plan.steps[index]
        if step.kind == "task":
            role = roles.get(step.target, "desk")
            if role not in free:  # a role the staff leaves out: one officer
                free[role] = [(0.0, officer_names(role, 1)[0])]
                replay.staff[role] = 1
                busy[role] = 0.0
            free_at, officer = heapq.heappop(free[role])
            begin = max(office.minute(at), free_at)
            minutes = _task_minutes(step.purpose, role) * rng.uniform(0.5, 1.5)
            finish = begin + minutes
            heapq.heappush(free[role], (finish, officer))
            done = max(office.moment(finish), at + timedelta(seconds=1))
            step.officer = officer
            if done <= end:
                busy[role] += minutes
        elif step.kind == "message":
            low, high = mix.MESSAGE_HOURS.get(step.target, mix.DEFAULT_MESSAGE_HOURS)
            done = at + timedelta(hours=rng.uniform(low, high))
        else:
            done = at + _duration(step.target)
        done = done.replace(microsecond=0)
        if done > end:
            plan.steps = plan.steps[:index]
            plan.cut = True
            continue
        step.at = done
        if index + 1 < len(plan.steps):
            heapq.heappush(ready, (done, number, index + 1))
    replay.busy_minutes = busy


def _task_minutes(purpose: str | None, role: str) -> float:
    return mix.TASK_MINUTES_BY_PURPOSE.get(purpose or "") or mix.TASK_MINUTES_BY_ROLE.get(
        role, mix.DEFAULT_TASK_MINUTES
    )


def _duration(iso: str) -> timedelta:
    if not (iso.startswith("P") and iso.endswith("D")):
        raise ValueError(f"a replay waits whole days (PnD), not {iso}")
    return timedelta(days=int(iso[1:-1]))
