"""Benefit arithmetic of procedures P08-P16 and P20, written once and tested, with the law's figures as
dated data in ``workflows/rates.yaml`` (read through :func:`engine.workflow.contributions.figure`).

Each function takes the day the law looks at (the retirement date, the first day of the leave,
the birth, the assessment, the death): Law 41/2024/QH15 art. 5(7) applies the law in force when
a benefit is due, so a dossier is computed on the figures of its own dates, whenever it is
handled. The figures' sources are beside them in rates.yaml.

Money is whole đồng (``int``). Rates and multiples are multiplied as exact fractions and each
amount is rounded **once**, half up to the whole đồng (``round_half_up``), as contributions.py
does: neither Law 41/2024 nor Decrees 158/2025 and 88/2020 say how to round a benefit, and
rounding each amount once never loses or adds more than half a đồng (verify against the office's
practice). An amount made of parts (a lump sum's two parts, a first payment) is the sum of the
exact parts rounded once, unless the parts are amounts of their own (pension and allowance).

Diagrams call these functions from scripts (see ``engine/workflow/rules.py``); the dictionaries
they return hold only ints, strings and bools, so they can stay in a dossier's data. Values a
step entered that the law does not allow are refused with :class:`engine.errors.RuleRefused`,
in Vietnamese and English; values of the wrong type are the diagram's mistake (``TypeError``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from engine.errors import RuleRefused
from engine.workflow.contributions import figure, round_half_up

__all__ = [
    "check_survivor_relative",
    "convalescence_allowance",
    "convalescence_paid_days",
    "device_payment",
    "emigration_allowance",
    "maternity_benefit",
    "one_time_benefit",
    "paternity_benefit",
    "pension_benefit",
    "reassessed_accident_benefit",
    "sickness_benefit",
    "sickness_paid_days",
    "survivor_benefits",
    "work_accident_benefit",
]


# --------------------------------------------------------------------------- helpers


def _day(value: Any, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise TypeError(f"{what} must be a date, not {value!r}")
    return value


def _whole(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be a whole number (int), not {value!r}")
    return value


def _not_negative(value: Any, what: str, vi: str) -> int:
    value = _whole(value, what)
    if value < 0:
        raise RuleRefused(f"{vi} không được âm ({value:,})", f"{what} cannot be negative ({value:,})")
    return value


def _exact(value: Any, name: str) -> Fraction:
    """A number from rates.yaml as an exact fraction (via str: 0.3 stays exactly 3/10)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{name} in rates.yaml must be a number, not {value!r}")
    return Fraction(str(value))


def _figure(name: str, on: date) -> Any:
    """figure(), with a day before the first known value refused in both languages."""
    try:
        return figure(name, on)
    except ValueError as err:
        if "no value of" not in str(err):
            raise
        raise RuleRefused(
            f"Chưa có mức {name} áp dụng cho ngày {on:%d/%m/%Y} trong bảng mức quy định (rates.yaml)",
            f"No {name} figure applies on {on.isoformat()} in the table of figures (rates.yaml)",
        ) from err


def _reference_level(on: date) -> int:
    return int(_figure("reference_level", on))


def _half_years(months: int) -> int:
    """Half-years counted for an amount: odd months from 1 to 6 are half a year, from 7 to 11 a
    whole year (Law 41/2024/QH15 art. 5(6))."""
    return -(-months // 6)


def _first_of_next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


# --------------------------------------------------------------------------- P08 pension


def pension_benefit(
    sex: str, contribution_years: int, average_salary: int, retirement_date: date, months_early: int = 0
) -> dict[str, Any]:
    """The monthly pension and the one-time allowance at retirement (procedure P08), on the rules
    of the retirement date (figure ``pension``).

    - ``pension_percent``: base_percent for the base years, plus percent_per_year for each
      further year, at most max_percent; from 1 July 2025 a man with 15 to under 20 years gets
      40% plus 1% a year (Law 41/2024/QH15 art. 66(1)); then, for retirement with reduced
      capacity ``months_early`` months before the retirement age (art. 65), less percent_per_year
      (2%) for each whole year early and half_year_percent (1%) for 6 to 11 months left over
      (figure ``pension_early_reduction``, art. 66(3));
    - ``monthly_pension`` = pension_percent x average_salary, rounded once; at least the
      reference level for the people the floor covers (Law 58 art. 56(6): every pension of 20
      years; Law 41 art. 141(11): insured before 1 July 2025 with 20 years or more; the dossier
      does not say when contributions began, only that it was by the retirement date less the
      years, so the floor applies when that day falls before 1 July 2025);
    - ``retirement_allowance`` = allowance_months_per_year x average_salary for each year above
      allowance_above_years, rounded once;
    - ``first_payment`` = monthly_pension + retirement_allowance (the first transfer).

    Refused: a sex other than 'male' or 'female', fewer years than the formula starts at.
    """
    on = _day(retirement_date, "retirement_date")
    years = _not_negative(contribution_years, "contribution_years", "Số năm đóng BHXH")
    salary = _not_negative(average_salary, "average_salary", "Bình quân tiền lương")
    rule = _figure("pension", on)
    if sex not in ("male", "female"):
        raise RuleRefused(
            f"Giới tính phải là nam hoặc nữ để tính lương hưu, không phải {sex!r}",
            f"the pension needs the sex 'male' or 'female', not {sex!r}",
        )
    own = rule[sex]
    base_years = int(own["base_years"])
    short_from = own.get("short_from_years")
    if years >= base_years:
        percent = _exact(own["base_percent"], "base_percent") + (years - base_years) * _exact(
            own["percent_per_year"], "percent_per_year"
        )
    elif short_from is not None and years >= int(short_from):
        percent = _exact(own["short_base_percent"], "short_base_percent") + (years - int(short_from)) * _exact(
            own["short_percent_per_year"], "short_percent_per_year"
        )
    else:
        least = int(short_from) if short_from is not None else base_years
        raise RuleRefused(
            f"{years} năm đóng BHXH chưa đủ {least} năm để tính lương hưu khi nghỉ hưu ngày {on:%d/%m/%Y}",
            f"{years} years of contributions are fewer than the {least} a pension needs on {on.isoformat()}",
        )
    percent = min(percent, _exact(rule["max_percent"], "max_percent"))
    if percent.denominator != 1:  # whole years give whole percents; keep the data free of fractions
        raise ValueError(f"pension percent {percent} is not whole; check the pension figures in rates.yaml")
    early = _not_negative(months_early, "months_early", "Số tháng nghỉ hưu trước tuổi")
    if early:
        cut = _figure("pension_early_reduction", on)
        years_early, left = divmod(early, 12)
        reduction = years_early * _exact(cut["percent_per_year"], "percent_per_year")
        if left >= int(cut["half_year_months"]):
            reduction += _exact(cut["half_year_percent"], "half_year_percent")
        percent = max(Fraction(0), percent - reduction)
    monthly = round_half_up(percent / 100 * salary)

    floor = rule.get("floor")
    if floor is not None and years >= int(floor["min_years"]):
        joined_before = floor.get("joined_before")
        if joined_before is None or _years_before(on, years) < _day(joined_before, "floor.joined_before"):
            monthly = max(monthly, _reference_level(on))

    above = max(0, years - int(own["allowance_above_years"]))
    allowance = round_half_up(above * _exact(rule["allowance_months_per_year"], "allowance_months_per_year") * salary)
    return {
        "pension_percent": int(percent),
        "monthly_pension": monthly,
        "retirement_allowance": allowance,
        "first_payment": monthly + allowance,
    }


# --------------------------------------------------------------------------- P09 one-time benefit


def one_time_benefit(months_before_2014: int, months_from_2014: int, average_salary: int, on: date) -> dict[str, int]:
    """The one-time social insurance (procedure P09) on the rules of the day ``on`` (figure
    ``one_time_benefit``; Law 41/2024/QH15 art. 70(5) takes the day of the decision).

    With a year or more of contributions: odd months before 2014 move to the period from 2014
    when there is one; each period's months count in half-years (1-6 odd months half a year, 7-11
    a year); the amount is months_per_year_before_2014 x average_salary per year before 2014 plus
    months_per_year_from_2014 x average_salary per year from 2014, rounded once.
    Under a year: under_one_year_percent of the average salary for each month, at most
    under_one_year_max_months x average_salary.

    Returns ``half_years_before_2014``, ``half_years_from_2014`` (the counted time, in half-years)
    and ``amount``. Refused: no month of contributions at all.
    """
    on = _day(on, "on")
    before = _not_negative(months_before_2014, "months_before_2014", "Số tháng đóng trước năm 2014")
    after = _not_negative(months_from_2014, "months_from_2014", "Số tháng đóng từ năm 2014")
    salary = _not_negative(average_salary, "average_salary", "Bình quân tiền lương")
    rule = _figure("one_time_benefit", on)
    total = before + after
    if total == 0:
        raise RuleRefused(
            "Chưa có tháng đóng BHXH nào để tính hưởng BHXH một lần",
            "there is no month of contributions to pay a one-time benefit for",
        )
    if total < 12:
        paid = _exact(rule["under_one_year_percent"], "under_one_year_percent") / 100 * total * salary
        most = _exact(rule["under_one_year_max_months"], "under_one_year_max_months") * salary
        return {"half_years_before_2014": 0, "half_years_from_2014": 0, "amount": round_half_up(min(paid, most))}
    if after > 0:  # Law 41 art. 70(3)(a): the odd months before 2014 join the later period
        before, after = before - before % 12, after + before % 12
    half_before, half_after = _half_years(before), _half_years(after)
    per_year_before = _exact(rule["months_per_year_before_2014"], "months_per_year_before_2014")
    per_year_after = _exact(rule["months_per_year_from_2014"], "months_per_year_from_2014")
    amount = (Fraction(half_before, 2) * per_year_before + Fraction(half_after, 2) * per_year_after) * salary
    return {"half_years_before_2014": half_before, "half_years_from_2014": half_after, "amount": round_half_up(amount)}


# --------------------------------------------------------------------------- P10 sickness


def _step(value: int, steps: list[Any], amounts: list[Any]) -> int:
    """amounts[i] for the first step value is under, the last amount past every step."""
    for limit, amount in zip(steps, amounts, strict=False):
        if value < int(limit):
            return int(amount)
    return int(amounts[len(steps)]) if len(amounts) > len(steps) else 0


def sickness_paid_days(
    sickness_kind: str,
    contribution_years: int,
    heavy_work: bool,
    child_age_years: int | None,
    leave_days: int,
    days_used_this_year: int,
    on: date,
) -> dict[str, int]:
    """The days of sickness leave paid (procedure P10), on the rules of the first day of the
    leave ``on`` (figure ``sickness``).

    ``max_days``: for the employee's own sickness, by years of contributions (under 15, under 30,
    30 and more), more for hard, hazardous or dangerous work; for a sick child, by the child's age
    (under 3, under 7, none from 7). ``paid_days`` = the leave, at most what is left of the year's
    days (never below 0).
    """
    on = _day(on, "on")
    years = _not_negative(contribution_years, "contribution_years", "Số năm đóng BHXH")
    leave = _not_negative(leave_days, "leave_days", "Số ngày nghỉ")
    used = _not_negative(days_used_this_year, "days_used_this_year", "Số ngày đã hưởng trong năm")
    rule = _figure("sickness", on)
    if sickness_kind == "child_sickness":
        if child_age_years is None:
            raise RuleRefused("Cần tuổi của con bị ốm để tính số ngày nghỉ chăm con", "the sick child's age is needed")
        age = _not_negative(child_age_years, "child_age_years", "Tuổi của con")
        most = _step(age, rule["child_age_steps"], rule["child_days"])
    elif sickness_kind == "own_sickness":
        most = _step(years, rule["year_steps"], rule["heavy_days"] if heavy_work else rule["normal_days"])
    else:
        raise RuleRefused(
            f"Trường hợp nghỉ ốm không rõ: {sickness_kind!r}",
            f"unknown kind of sickness leave {sickness_kind!r}; use 'own_sickness' or 'child_sickness'",
        )
    return {"max_days": most, "paid_days": min(leave, max(0, most - used))}


def sickness_benefit(contribution_salary: int, paid_days: int, on: date, half_days: int = 0) -> int:
    """The sickness benefit (procedure P10): percent (75%) of the month's contribution salary,
    divided by days_per_month (24), times the days paid, rounded once (figure ``sickness`` of the
    first day of the leave ``on``).

    ``half_days`` of the days paid were half days (under half a day missed), each paid
    half_day_percent (50%) of a day (Law 41/2024/QH15 art. 45(5)). Refused: more half days than
    days paid, or half days on a day whose rules have none (before 1 July 2025).
    """
    on = _day(on, "on")
    salary = _not_negative(contribution_salary, "contribution_salary", "Tiền lương đóng BHXH")
    days = _not_negative(paid_days, "paid_days", "Số ngày hưởng")
    halves = _not_negative(half_days, "half_days", "Số ngày nghỉ nửa ngày")
    rule = _figure("sickness", on)
    if halves > days:
        raise RuleRefused(
            f"Số ngày nghỉ nửa ngày ({halves}) nhiều hơn số ngày được hưởng ({days})",
            f"{halves} half days are more than the {days} days paid",
        )
    worth = Fraction(days)
    if halves:
        if "half_day_percent" not in rule:
            raise RuleRefused(
                f"Chưa có chế độ nghỉ nửa ngày cho thời gian nghỉ từ ngày {on:%d/%m/%Y} (chỉ từ 01/7/2025); "
                "ghi số ngày nguyên",
                f"no half days for leave from {on.isoformat()} (only from 1 July 2025); enter whole days",
            )
        worth -= halves * (1 - _exact(rule["half_day_percent"], "half_day_percent") / 100)
    return round_half_up(
        _exact(rule["percent"], "percent") / 100 * salary * worth / _exact(rule["days_per_month"], "days_per_month")
    )


# --------------------------------------------------------------------------- P11 maternity


def maternity_benefit(
    event: str, children: int, leave_days: int, average_salary_6m: int, event_date: date
) -> dict[str, int]:
    """The maternity benefit (procedure P11), on the rules of the day of the birth or the
    miscarriage ``event_date`` (figure ``maternity``).

    - ``leave_benefit`` = percent (100%) of the 6 months' average salary x leave_days /
      days_per_month (30), rounded once (leave_days from the decision table
      ``maternity_leave_days``: whole months after a birth);
    - ``birth_grant`` = birth_grant_reference_levels (2) x the reference level of the month of the
      birth, for each child (Law 41/2024/QH15 art. 58(4)); none after a miscarriage;
    - ``amount`` = leave_benefit + birth_grant.
    """
    on = _day(event_date, "event_date")
    count = _not_negative(children, "children", "Số con")
    days = _not_negative(leave_days, "leave_days", "Số ngày nghỉ")
    salary = _not_negative(average_salary_6m, "average_salary_6m", "Bình quân tiền lương 6 tháng")
    if event not in ("birth", "miscarriage"):
        raise RuleRefused(
            f"Trường hợp thai sản không rõ: {event!r}",
            f"unknown maternity event {event!r}; use 'birth' or 'miscarriage'",
        )
    rule = _figure("maternity", on)
    leave_benefit = round_half_up(
        _exact(rule["percent"], "percent") / 100 * salary * days / _exact(rule["days_per_month"], "days_per_month")
    )
    grant = 0
    if event == "birth":
        grant = round_half_up(
            _exact(rule["birth_grant_reference_levels"], "birth_grant_reference_levels") * _reference_level(on) * count
        )
    return {"leave_benefit": leave_benefit, "birth_grant": grant, "amount": leave_benefit + grant}


def paternity_benefit(
    children: int, by_surgery_or_under_32_weeks: bool, average_salary_6m: int, birth_date: date, leave_from: date
) -> dict[str, Any]:
    """The father's paternity leave and benefit (procedure P11, claimant 'father'), on the rules of
    the day of the birth (figure ``paternity``; Law 41/2024/QH15 art. 53(2)-(3), 59(2); Law
    58/2014/QH13 art. 34(2) before 1 July 2025).

    - ``leave_days`` (working days): 5 for one child, 7 by caesarean or under 32 weeks; 10 for
      twins, 14 by caesarean; per child from the third, 3 more (by caesarean, 3 more from 1 July
      2025, none before);
    - ``within_window``: the leave starts within start_within_days (60; 30 before) of the birth;
    - ``leave_benefit`` = percent (100%) of the 6 months' average salary x leave_days /
      days_per_month (24), rounded once; ``amount`` the same (no birth grant for the father here).

    Refused: no child, a leave starting before the birth.
    """
    born = _day(birth_date, "birth_date")
    start = _day(leave_from, "leave_from")
    count = _not_negative(children, "children", "Số con")
    salary = _not_negative(average_salary_6m, "average_salary_6m", "Bình quân tiền lương 6 tháng")
    if not isinstance(by_surgery_or_under_32_weeks, bool):
        raise TypeError("by_surgery_or_under_32_weeks must be True or False")
    if count < 1:
        raise RuleRefused(
            "Chế độ thai sản của lao động nam khi vợ sinh con cần ít nhất một con",
            "paternity leave needs at least one child born",
        )
    if start < born:
        raise RuleRefused(
            f"Ngày bắt đầu nghỉ ({start:%d/%m/%Y}) trước ngày vợ sinh con ({born:%d/%m/%Y})",
            f"the leave starts ({start.isoformat()}) before the birth ({born.isoformat()})",
        )
    rule = _figure("paternity", born)
    surgery = by_surgery_or_under_32_weeks
    if count == 1:
        days = int(rule["single_surgery_days" if surgery else "single_days"])
    else:
        days = int(rule["twins_surgery_days" if surgery else "twins_days"])
        days += (count - 2) * int(rule["per_child_from_third_surgery" if surgery else "per_child_from_third"])
    benefit = round_half_up(
        _exact(rule["percent"], "percent") / 100 * salary * days / _exact(rule["days_per_month"], "days_per_month")
    )
    return {
        "leave_days": days,
        "within_window": (start - born).days <= int(rule["start_within_days"]),
        "leave_benefit": benefit,
        "amount": benefit,
    }


# --------------------------------------------------------------------------- P12 convalescence


def convalescence_paid_days(
    severity_tier: str,
    convalescence_days: int,
    days_used_this_year: int,
    return_to_work_date: date,
    convalescence_from: date,
    after_regime: str | None = None,
    sickness_leave_days_in_year: int | None = None,
) -> dict[str, Any]:
    """The convalescence days paid (procedure P12), on the rules of its first day
    ``convalescence_from`` (figure ``convalescence``).

    ``max_days`` by case (tier_10, tier_7, tier_5); ``paid_days`` = the days decided, at most
    max_days and what is left of days_per_year (10); ``days_after_return`` = days from the return
    to work to the first day; ``within_time``: that is 0 to under within_days_of_return (30).
    ``enough_sickness_leave``: after sickness (``after_regime`` 'sickness'), the days of sickness
    leave in the year reach min_sickness_days_in_year (30 from 1 July 2025, Law 41/2024/QH15 art.
    46(1); no such condition before); a missing count does not reach it. Always true after
    maternity or a work accident.
    """
    start = _day(convalescence_from, "convalescence_from")
    back = _day(return_to_work_date, "return_to_work_date")
    days = _not_negative(convalescence_days, "convalescence_days", "Số ngày nghỉ dưỡng sức")
    used = _not_negative(days_used_this_year, "days_used_this_year", "Số ngày đã nghỉ trong năm")
    rule = _figure("convalescence", start)
    least_sickness = int(rule.get("min_sickness_days_in_year", 0))
    enough_sickness = True
    if after_regime == "sickness" and least_sickness > 0:
        if sickness_leave_days_in_year is None:
            enough_sickness = False
        else:
            sick = _not_negative(
                sickness_leave_days_in_year, "sickness_leave_days_in_year", "Số ngày nghỉ ốm trong năm"
            )
            enough_sickness = sick >= least_sickness
    if severity_tier not in rule["tier_days"]:
        raise RuleRefused(
            f"Trường hợp nghỉ dưỡng sức không rõ: {severity_tier!r}",
            f"unknown convalescence case {severity_tier!r}; use one of {', '.join(rule['tier_days'])}",
        )
    most = int(rule["tier_days"][severity_tier])
    after = (start - back).days
    return {
        "max_days": most,
        "paid_days": min(days, most, max(0, int(rule["days_per_year"]) - used)),
        "days_after_return": after,
        "within_time": 0 <= after < int(rule["within_days_of_return"]),
        "enough_sickness_leave": enough_sickness,
    }


def convalescence_allowance(paid_days: int, convalescence_from: date) -> int:
    """The convalescence allowance (procedure P12): reference_level_percent (30%) of the reference
    level of the first day of the convalescence for each day paid, rounded once."""
    start = _day(convalescence_from, "convalescence_from")
    days = _not_negative(paid_days, "paid_days", "Số ngày hưởng")
    rule = _figure("convalescence", start)
    return round_half_up(
        _exact(rule["reference_level_percent"], "reference_level_percent") / 100 * _reference_level(start) * days
    )


# --------------------------------------------------------------------------- P13, P14 work accident


def _lump_sum(rule: dict, loss: int, reference: int) -> Fraction:
    """The part of a lump sum for the capacity loss: at_first x the reference level at
    from_percent, per_percent more for each further 1%."""
    lump = rule["lump_sum"]
    multiple = _exact(lump["at_first"], "at_first") + (loss - int(lump["from_percent"])) * _exact(
        lump["per_percent"], "per_percent"
    )
    return multiple * reference


def _years_part(rule: dict, kind: str, years: int, salary: int) -> Fraction:
    """The part for the years of contributions: first_year for one year or less, per_year for
    each further year, of the contribution salary (months for a lump sum, percent a month)."""
    part = rule[kind]
    if kind == "lump_sum":
        first = _exact(part["first_year_months"], "first_year_months")
        each = _exact(part["per_year_months"], "per_year_months")
    else:
        first = _exact(part["first_year_percent"], "first_year_percent") / 100
        each = _exact(part["per_year_percent"], "per_year_percent") / 100
    return (first + max(0, years - 1) * each) * salary


def _monthly(rule: dict, loss: int, reference: int) -> Fraction:
    monthly = rule["monthly"]
    percent = _exact(monthly["at_first_percent"], "at_first_percent") + (loss - int(monthly["from_percent"])) * _exact(
        monthly["per_percent"], "per_percent"
    )
    return percent / 100 * reference


def work_accident_benefit(
    capacity_loss_percent: int, contribution_years: int, contribution_salary: int, on: date
) -> dict[str, Any]:
    """The allowance for a work accident or occupational disease (procedure P13, Law 84/2015/QH13
    art. 48-49), on the rules and the reference level of the day ``on`` (the medical board's
    assessment; verify: the law pays from the month treatment ended or of the assessment).

    ``kind`` 'lump_sum' for a loss from 5% to 30%: the part for the loss plus the part for the
    years, rounded once; ``kind`` 'monthly' from 31%: the month's allowance (the two parts,
    rounded once). ``amount`` is the lump sum or one month. Refused: a loss under 5% or over 100%.
    """
    on = _day(on, "on")
    loss = _not_negative(capacity_loss_percent, "capacity_loss_percent", "Tỷ lệ suy giảm khả năng lao động")
    years = _not_negative(contribution_years, "contribution_years", "Số năm đóng")
    salary = _not_negative(contribution_salary, "contribution_salary", "Tiền lương đóng quỹ")
    rule = _figure("work_accident", on)
    if not int(rule["lump_sum"]["from_percent"]) <= loss <= 100:
        raise RuleRefused(
            f"Suy giảm khả năng lao động {loss}% không được hưởng trợ cấp (từ "
            f"{rule['lump_sum']['from_percent']}% đến 100%)",
            f"a capacity loss of {loss}% gets no allowance (from {rule['lump_sum']['from_percent']}% to 100%)",
        )
    reference = _reference_level(on)
    if loss <= int(rule["lump_sum"]["to_percent"]):
        return {
            "kind": "lump_sum",
            "amount": round_half_up(_lump_sum(rule, loss, reference) + _years_part(rule, "lump_sum", years, salary)),
        }
    return {
        "kind": "monthly",
        "amount": round_half_up(_monthly(rule, loss, reference) + _years_part(rule, "monthly", years, salary)),
    }


def reassessed_accident_benefit(
    previous_loss_percent: int, new_loss_percent: int, contribution_years: int, contribution_salary: int, on: date
) -> dict[str, Any]:
    """The allowance after a recurrence or reassessment that raised the capacity loss (procedure
    P14), on the rules and the reference level of the reassessment day ``on``.

    New loss of 30% or less: ``kind`` 'lump_sum_increase', the lump sum for the further percent
    only (per_percent x the reference level each); when the previous loss was under 5% nothing
    was paid before, so the whole lump sum of a first claim (verify). New loss of 31% or more:
    ``kind`` 'monthly', the monthly allowance at the new loss (one month). Refused: a new loss
    that is not higher than the previous one, or under 5%.
    """
    on = _day(on, "on")
    previous = _not_negative(previous_loss_percent, "previous_loss_percent", "Tỷ lệ suy giảm lần trước")
    new = _not_negative(new_loss_percent, "new_loss_percent", "Tỷ lệ suy giảm mới")
    rule = _figure("work_accident", on)
    if new <= previous:
        raise RuleRefused(
            f"Tỷ lệ suy giảm mới {new}% không cao hơn lần trước {previous}%: không tính lại trợ cấp",
            f"the new capacity loss of {new}% is not higher than the previous {previous}%: nothing to recompute",
        )
    first = work_accident_benefit(new, contribution_years, contribution_salary, on)
    if first["kind"] == "monthly":
        return first
    if previous < int(rule["lump_sum"]["from_percent"]):
        return {"kind": "lump_sum_increase", "amount": first["amount"]}
    increase = (new - previous) * _exact(rule["lump_sum"]["per_percent"], "per_percent") * _reference_level(on)
    return {"kind": "lump_sum_increase", "amount": round_half_up(increase)}


# --------------------------------------------------------------------------- P15 assistive devices


def device_payment(
    device: str, invoice_amount: int, first_issue: bool, months_since_previous: int, on: date
) -> dict[str, Any]:
    """The payment for an assistive device or orthosis (procedure P15), with the price ceilings
    and replacement periods valid on the day ``on`` (figure ``assistive_devices``, placeholder
    figures): ``ceiling``, ``replacement_months`` (0 and 0 for a device not on the list), ``due``
    (first issue, or the replacement period has passed), ``amount`` = the invoice, at most the
    ceiling (0 when not due)."""
    on = _day(on, "on")
    invoice = _not_negative(invoice_amount, "invoice_amount", "Số tiền trên hóa đơn")
    months = _not_negative(months_since_previous, "months_since_previous", "Số tháng từ lần cấp trước")
    entry = _figure("assistive_devices", on).get(device)
    ceiling = int(entry["ceiling"]) if entry else 0
    replacement = int(entry["replacement_months"]) if entry else 0
    due = ceiling > 0 and (bool(first_issue) or months >= replacement)
    return {
        "ceiling": ceiling,
        "replacement_months": replacement,
        "due": due,
        "amount": min(invoice, ceiling) if due else 0,
    }


# --------------------------------------------------------------------------- P20 emigration


def emigration_allowance(
    months_before_2014: int, months_from_2014: int, monthly_pension: int, months_received: int, on: date
) -> dict[str, int]:
    """The one-time allowance of a pensioner who settles abroad (procedure P20), on the rules of
    the day ``on`` (figure ``emigration_allowance``; the law in force when it is due, Law
    41/2024/QH15 art. 5(7)).

    Each year of contributions before 2014 is months_per_year_before_2014 (1.5) months of the
    current pension, each from 2014 months_per_year_from_2014 (2); odd months count in half-years
    (1-6 half a year, 7-11 a year, art. 5(6)); then less_per_month_received (0.5) month of pension
    for each month already received; at least min_months (3) months of pension (Law 41 art.
    76(2)). ``amount`` is rounded once. Returns the counted half-years and ``amount``.
    Refused: no month of contributions, a pension of 0.
    """
    on = _day(on, "on")
    before = _not_negative(months_before_2014, "months_before_2014", "Số tháng đóng trước năm 2014")
    after = _not_negative(months_from_2014, "months_from_2014", "Số tháng đóng từ năm 2014")
    pension = _not_negative(monthly_pension, "monthly_pension", "Mức lương hưu đang hưởng")
    received = _not_negative(months_received, "months_received", "Số tháng đã hưởng lương hưu")
    if before + after == 0 or pension == 0:
        raise RuleRefused(
            "Cần thời gian đóng BHXH và mức lương hưu đang hưởng để tính trợ cấp một lần",
            "the allowance needs the months of contributions and the current pension",
        )
    rule = _figure("emigration_allowance", on)
    half_before, half_after = _half_years(before), _half_years(after)
    months = (
        Fraction(half_before, 2) * _exact(rule["months_per_year_before_2014"], "months_per_year_before_2014")
        + Fraction(half_after, 2) * _exact(rule["months_per_year_from_2014"], "months_per_year_from_2014")
        - received * _exact(rule["less_per_month_received"], "less_per_month_received")
    )
    months = max(months, _exact(rule["min_months"], "min_months"))
    return {
        "half_years_before_2014": half_before,
        "half_years_from_2014": half_after,
        "amount": round_half_up(months * pension),
    }


# --------------------------------------------------------------------------- P16 survivors


def survivor_benefits(
    funeral_grant_eligible: bool,
    allowance_kind: str,
    monthly_relatives: int,
    nurtured_relatives: int,
    one_time_allowance: int | None,
    date_of_death: date,
) -> dict[str, int]:
    """Survivors' benefits (procedure P16), on the rules of the day of the death (figure
    ``survivors``).

    - ``funeral_grant`` = funeral_grant_reference_levels (10) x the reference level of the month
      of the death, when due;
    - ``monthly_allowance`` (kind 'monthly') = monthly_percent (50%) of the reference level for
      each relative, without_carer_percent (70%) for each with nobody to care for them, at the
      reference level of the first month paid: the month after the death (Law 41/2024/QH15
      art. 87(3)); rounded once;
    - ``allowance_paid_now``: that first month, or the one-time allowance the officer worked out
      (kind 'one_time');
    - ``amount`` = funeral_grant + allowance_paid_now;
    - kind 'funeral_only': the funeral grant alone (art. 90(3)), refused when it is not due.

    Refused: more relatives than max_relatives (4), a monthly allowance for nobody, an unknown kind.
    """
    died = _day(date_of_death, "date_of_death")
    rule = _figure("survivors", died)
    grant = 0
    if funeral_grant_eligible:
        grant = round_half_up(
            _exact(rule["funeral_grant_reference_levels"], "funeral_grant_reference_levels") * _reference_level(died)
        )
    if allowance_kind == "monthly":
        plain = _not_negative(monthly_relatives, "monthly_relatives", "Số thân nhân hưởng tuất hằng tháng")
        alone = _not_negative(nurtured_relatives, "nurtured_relatives", "Số thân nhân không có người nuôi dưỡng")
        most = int(rule["max_relatives"])
        if plain + alone > most:
            raise RuleRefused(
                f"Tối đa {most} thân nhân được hưởng trợ cấp tuất hằng tháng, không phải {plain + alone}",
                f"at most {most} relatives receive the monthly survivor allowance, not {plain + alone}",
            )
        if plain + alone == 0:
            raise RuleRefused(
                "Trợ cấp tuất hằng tháng cần ít nhất một thân nhân",
                "a monthly survivor allowance needs at least one relative",
            )
        percent = plain * _exact(rule["monthly_percent"], "monthly_percent") + alone * _exact(
            rule["without_carer_percent"], "without_carer_percent"
        )
        monthly = round_half_up(percent / 100 * _reference_level(_first_of_next_month(died)))
        now = monthly
    elif allowance_kind == "one_time":
        if one_time_allowance is None:
            raise RuleRefused("Cần số tiền trợ cấp tuất một lần", "the one-time survivor allowance is needed")
        monthly, now = 0, _not_negative(one_time_allowance, "one_time_allowance", "Trợ cấp tuất một lần")
    elif allowance_kind == "funeral_only":
        # only the funeral grant is claimed, by whoever arranged the funeral (Law 41/2024 art. 90(3))
        if not funeral_grant_eligible:
            raise RuleRefused(
                "Chỉ đề nghị trợ cấp mai táng nhưng không đủ điều kiện hưởng trợ cấp mai táng",
                "only the funeral grant is claimed, but it is not due",
            )
        monthly, now = 0, 0
    else:
        raise RuleRefused(
            f"Chế độ tuất không rõ: {allowance_kind!r}",
            f"unknown survivor allowance {allowance_kind!r}; use 'monthly', 'one_time' or 'funeral_only'",
        )
    return {"funeral_grant": grant, "monthly_allowance": monthly, "allowance_paid_now": now, "amount": grant + now}


def _retirement_age_months(sex: str, on: date) -> int:
    """The normal retirement age in months in the year of ``on`` (figure ``retirement_age``)."""
    own = _figure("retirement_age", on)[sex]
    months = int(own["first_months"]) + (on.year - int(own["first_year"])) * int(own["step_months"])
    return min(months, int(own["last_months"]))


def _years_months(months: int, years: str, month: str) -> str:
    return f"{months // 12} {years}" + (f" {months % 12} {month}" if months % 12 else "")


def _age_months(born: date, on: date) -> int:
    months = (on.year - born.year) * 12 + on.month - born.month
    return months - 1 if on.day < born.day else months


def check_survivor_relative(
    relationship: str,
    sex: str,
    date_of_birth: date,
    date_of_death: date,
    capacity_loss_percent: int,
    income_kind: str,
    monthly_income: int,
) -> dict[str, int]:
    """Check that the relative who applies may receive the monthly survivor allowance (procedure
    P16), on the rules of the day of the death (figure ``survivor_relatives``): a spouse, parent or
    parent-in-law at the age (Law 41/2024/QH15 art. 86(2)(c)-(đ): the retirement age of Labour Code
    art. 169(2) in the year of the death; Law 58/2014/QH13 art. 67(2): 55 for a woman, 60 for a man)
    or under it with 81% or more of work capacity lost; a child under 18 or with that loss; and,
    except a child under 18, the income test (art. 86(3): not on a salary with compulsory insurance,
    nor on a pension or monthly allowance of the reference level or more; Law 58 art. 67(3): no
    monthly income of the reference level or more).

    ``income_kind``: 'none', 'insured_salary', 'pension_or_allowance' or 'other'. Returns the age
    asked (``age_needed_months``, 0 for a child); refused, with the reason, when the relative does
    not qualify. Whether the deceased supported them (art. 86(2)(d)-(đ)) is the officer's.
    """
    died = _day(date_of_death, "date_of_death")
    born = _day(date_of_birth, "date_of_birth")
    loss = _not_negative(capacity_loss_percent, "capacity_loss_percent", "Tỷ lệ suy giảm khả năng lao động")
    income = _not_negative(monthly_income, "monthly_income", "Thu nhập hằng tháng")
    rule = _figure("survivor_relatives", died)
    if sex not in ("male", "female"):
        raise RuleRefused(f"Giới tính của thân nhân không rõ: {sex!r}", f"the relative's sex is unknown: {sex!r}")
    if income_kind not in ("none", "insured_salary", "pension_or_allowance", "other"):
        raise RuleRefused(f"Loại thu nhập không rõ: {income_kind!r}", f"unknown kind of income {income_kind!r}")
    age = _age_months(born, died)
    severe = loss >= int(rule["capacity_percent"])
    if relationship == "child":
        needed = 0
        if age < int(rule["child_age_years"]) * 12:
            return {"age_needed_months": 0}  # no income test for a child under 18 (art. 86(3))
        if not severe:
            raise RuleRefused(
                f"Con từ đủ {rule['child_age_years']} tuổi chỉ hưởng tuất hằng tháng khi suy giảm khả năng lao động "
                f"từ {rule['capacity_percent']}% trở lên",
                f"a child of {rule['child_age_years']} or more receives the monthly allowance only with "
                f"{rule['capacity_percent']}% or more of work capacity lost",
            )
    elif relationship in ("spouse", "parent", "parent_in_law"):
        # Law 58: a fixed age; Law 41: the retirement age in the year of the death
        needed = int(rule[f"{sex}_age_months"]) if rule["age"] == "fixed" else _retirement_age_months(sex, died)
        if age < needed and not severe:
            raise RuleRefused(
                f"Thân nhân {_years_months(age, 'tuổi', 'tháng')} khi người tham gia chết ({died:%d/%m/%Y}), chưa đủ "
                f"{_years_months(needed, 'tuổi', 'tháng')} và suy giảm khả năng lao động dưới "
                f"{rule['capacity_percent']}%: không hưởng tuất hằng tháng",
                f"the relative was {_years_months(age, 'years', 'months')} old at the death ({died.isoformat()}), "
                f"under {_years_months(needed, 'years', 'months')}, with under {rule['capacity_percent']}% of "
                "work capacity lost: no monthly survivor allowance",
            )
    else:
        raise RuleRefused(
            "Người lo mai táng không phải thân nhân hưởng tuất hằng tháng",
            "the person who arranged the funeral is not a relative receiving the monthly allowance",
        )
    reference = _reference_level(died)
    if rule["income_test"] == "any_income":
        too_much = income_kind != "none" and income >= reference
    else:
        too_much = income_kind == "insured_salary" or (income_kind == "pension_or_allowance" and income >= reference)
    if too_much:
        raise RuleRefused(
            f"Thân nhân có thu nhập không được hưởng tuất hằng tháng theo quy định ngày {died:%d/%m/%Y} "
            f"(mức tham chiếu {reference:,} đồng)",
            f"the relative's income rules out the monthly allowance on the rules of {died.isoformat()} "
            f"(reference level {reference:,} đồng)",
        )
    return {"age_needed_months": needed}
