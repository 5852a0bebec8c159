"""Contribution arithmetic, written once and tested, with the law's figures as dated data.

The figures (poverty line, reference level, rates, payment periods) live in
``workflows/rates.yaml``, each a list of ``{from: date, value: ...}``; :func:`figure` returns the
value valid on a given day. The file is read once, on first use; nothing else here does I/O.

Money is whole đồng (``int``). Percentages are multiplied as exact fractions and rounded **once
per monthly amount**, half up to the whole đồng (:func:`round_half_up`): the monthly
contribution and the monthly support are each rounded; the monthly payable is their difference
and the period payable is ``months * monthly_payable``, both exact, never rounded again.

Diagrams call these functions from scripts (see ``engine/workflow/rules.py``); a refusal is a
``ValueError`` whose message says what is wrong in plain words.
"""

from __future__ import annotations

import calendar
import copy
import threading
from datetime import date, datetime
from fractions import Fraction
from numbers import Rational
from pathlib import Path
from typing import Any

import yaml

from engine.config import PROJECT_ROOT

__all__ = [
    "RATES_FILE",
    "age_in_months",
    "allowed_payment_periods",
    "figure",
    "round_half_up",
    "voluntary_contribution",
]

RATES_FILE: Path = PROJECT_ROOT / "workflows" / "rates.yaml"

_rates: dict[str, list[tuple[date, Any]]] | None = None
_rates_lock = threading.Lock()


# --------------------------------------------------------------------------- figures


class RatesFileError(ValueError):
    """workflows/rates.yaml is missing, unreadable or not in the expected shape."""


def _parse_rates(raw: Any, source: str) -> dict[str, list[tuple[date, Any]]]:
    if not isinstance(raw, dict) or not raw:
        raise RatesFileError(f"{source}: expected a mapping of figure names to dated values")
    parsed: dict[str, list[tuple[date, Any]]] = {}
    for name, entries in raw.items():
        if not isinstance(entries, list) or not entries:
            raise RatesFileError(f"{source}: {name}: expected a list of {{from: YYYY-MM-DD, value: ...}}")
        dated: list[tuple[date, Any]] = []
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or set(entry) != {"from", "value"}:
                raise RatesFileError(f"{source}: {name}[{i}]: expected exactly the keys 'from' and 'value'")
            start = entry["from"]
            if isinstance(start, datetime) or not isinstance(start, date):
                raise RatesFileError(f"{source}: {name}[{i}]: 'from' must be a date written YYYY-MM-DD")
            if dated and start <= dated[-1][0]:
                raise RatesFileError(
                    f"{source}: {name}[{i}]: dates must increase ({start} does not come after {dated[-1][0]})"
                )
            dated.append((start, entry["value"]))
        parsed[str(name)] = dated
    return parsed


def _load() -> dict[str, list[tuple[date, Any]]]:
    global _rates
    if _rates is None:
        with _rates_lock:
            if _rates is None:
                try:
                    raw = yaml.safe_load(RATES_FILE.read_text(encoding="utf-8"))
                except (OSError, yaml.YAMLError) as err:
                    raise RatesFileError(f"cannot read {RATES_FILE}: {err}") from err
                _rates = _parse_rates(raw, str(RATES_FILE))
    return _rates


def _as_date(on: date, what: str = "on") -> date:
    if isinstance(on, datetime):
        return on.date()
    if not isinstance(on, date):
        raise TypeError(f"{what} must be a date, not {type(on).__name__}")
    return on


def figure(name: str, on: date) -> Any:
    """The value of the figure ``name`` valid on the day ``on`` (the entry with the latest
    ``from`` on or before it). Unknown names and days before the first entry are errors.
    Lists and mappings come back as copies, so a script changing one cannot change the rates."""
    on = _as_date(on)
    rates = _load()
    if name not in rates:
        raise ValueError(f"no figure named {name!r} in rates.yaml (known: {', '.join(sorted(rates))})")
    value = None
    for start, candidate in rates[name]:
        if start > on:
            break
        value = (start, candidate)
    if value is None:
        first = rates[name][0][0]
        raise ValueError(
            f"no value of {name} is known on {on.isoformat()}: "
            f"the first one in rates.yaml is valid from {first.isoformat()}"
        )
    return copy.deepcopy(value[1])


# --------------------------------------------------------------------------- arithmetic


def round_half_up(amount: Rational | int) -> int:
    """An exact amount of đồng (int or Fraction) rounded to the whole đồng, halves up
    (away from zero for negative amounts)."""
    amount = Fraction(amount)
    sign = -1 if amount < 0 else 1
    whole, rest = divmod(abs(amount.numerator), amount.denominator)
    if 2 * rest >= amount.denominator:
        whole += 1
    return sign * whole


def _percent(value: Any, name: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{name} in rates.yaml must be a number, not {value!r}")
    return Fraction(str(value)) / 100  # via str: 22.5 stays exactly 22.5


def _whole(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be a whole number (int), not {value!r}")
    return value


def allowed_payment_periods(on: date) -> list[int]:
    """The payment periods (months) a voluntary participant may choose on the day ``on``:
    the regular ones, then payment in advance in whole steps up to the maximum."""
    rule = figure("voluntary_payment_periods", on)
    periods = sorted({int(p) for p in rule["periods"]})
    step, most = int(rule.get("advance_step_months") or 0), int(rule.get("advance_max_months") or 0)
    if step > 0:
        periods += [m for m in range(step, most + 1, step) if m not in periods]
    return sorted(periods)


def voluntary_contribution(income: int, months: int, support_percent: int, on: date) -> dict[str, int]:
    """Voluntary social-insurance contribution (procedure P02) with the figures valid on ``on``.

    - ``monthly_contribution`` = rate (22%) x ``income``, rounded half up to the đồng;
    - ``monthly_support`` = ``support_percent``% x rate x rural poverty line, rounded half up
      (the state's share, from the decision table ``p02_state_support``, plus any provincial
      top-up the caller has added to the percent);
    - ``monthly_payable`` = contribution - support;
    - ``period_payable`` = ``months`` x monthly_payable (the law's discount for paying years in
      advance is not applied).

    Refused with ValueError: an income below the rural poverty line or above the ceiling
    multiple (20) x the reference level, a period that is not allowed, a support percent
    outside 0-100.
    """
    on = _as_date(on)
    income = _whole(income, "income")
    months = _whole(months, "months")
    support_percent = _whole(support_percent, "support_percent")

    floor = int(figure("rural_poverty_line", on))
    ceiling = int(figure("voluntary_income_ceiling_multiple", on)) * int(figure("reference_level", on))
    if income < floor:
        raise ValueError(
            f"monthly income {income:,} đồng is below the rural poverty line of {floor:,} đồng, "
            f"the lowest income for voluntary social insurance on {on.isoformat()}"
        )
    if income > ceiling:
        raise ValueError(
            f"monthly income {income:,} đồng is above the ceiling of {ceiling:,} đồng "
            f"(20 x the reference level) on {on.isoformat()}"
        )
    periods = allowed_payment_periods(on)
    if months not in periods:
        raise ValueError(
            f"a payment period of {months} months is not allowed; allowed: {', '.join(str(p) for p in periods)} months"
        )
    if not 0 <= support_percent <= 100:
        raise ValueError(f"support percent must be between 0 and 100, not {support_percent}")

    rate = _percent(figure("voluntary_contribution_rate", on), "voluntary_contribution_rate")
    monthly_contribution = round_half_up(rate * income)
    monthly_support = round_half_up(Fraction(support_percent, 100) * rate * floor)
    monthly_payable = monthly_contribution - monthly_support
    return {
        "monthly_contribution": monthly_contribution,
        "monthly_support": monthly_support,
        "monthly_payable": monthly_payable,
        "period_payable": months * monthly_payable,
    }


def health_insurance_contribution(group: str, member_order: int, months: int, on: date) -> int:
    """Health insurance of a person insured on their own (procedure P03), for ``months``, with the
    figures valid on ``on``: rate (4.5%) x reference level x months x the share of the group
    (a household's n-th member, or a student), rounded half up to the đồng once, at the end."""
    on = _as_date(on)
    months = _whole(months, "months")
    if months <= 0:
        raise ValueError(f"months must be positive, not {months}")
    if group == "student":
        share = _percent(figure("health_insurance_student_share", on), "health_insurance_student_share")
    elif group == "household":
        order = _whole(member_order, "member_order")
        if order < 1:
            raise ValueError(f"a household member's order starts at 1, not {order}")
        shares = figure("health_insurance_household_shares", on)
        share = _percent(shares[min(order, len(shares)) - 1], "health_insurance_household_shares")
    else:
        raise ValueError(f"unknown group {group!r}; use 'household' or 'student'")
    rate = _percent(figure("health_insurance_rate", on), "health_insurance_rate")
    return round_half_up(rate * int(figure("reference_level", on)) * months * share)


def age_in_months(born: date, on: date) -> int:
    """Whole months of age on the day ``on`` (e.g. for the ``age_months`` input of the
    ``pension_eligibility`` decision table).

    A month is complete on the same day of the month as the birthday, or on the last day of a
    month that has no such day (born 31 January: one month old on 28/29 February), as the
    Civil Code 2015 art. 147 counts periods in months (verify).
    """
    born, on = _as_date(born, "born"), _as_date(on)
    if on < born:
        raise ValueError(f"the day {on.isoformat()} is before the birth date {born.isoformat()}")
    months = (on.year - born.year) * 12 + (on.month - born.month)
    last_day = calendar.monthrange(on.year, on.month)[1]
    if on.day < born.day and on.day != last_day:
        months -= 1
    return months
