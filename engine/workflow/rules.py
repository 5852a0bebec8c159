"""Calculations diagrams call from scripts (contributions, benefits), written once and tested.

Figures the law sets (poverty line, reference level, rates) are data in workflows/rates.yaml, dated
by the day they take effect; a calculation uses the figure valid on the day it is asked about.

A script calls them by name and gets plain values back, e.g.::

    amounts = voluntary_contribution(monthly_income, int(payment_period), support_percent, submitted_on)
    period_payable = amounts['period_payable']
    pension = pension_benefit(sex, contribution_years, average_salary, retirement_date)

Task data must not use these names as variables (the engine refuses data that would hide them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.workflow.benefits import (
    check_survivor_relative,
    convalescence_allowance,
    convalescence_paid_days,
    device_payment,
    emigration_allowance,
    maternity_benefit,
    one_time_benefit,
    paternity_benefit,
    pension_benefit,
    reassessed_accident_benefit,
    sickness_benefit,
    sickness_paid_days,
    survivor_benefits,
    work_accident_benefit,
)
from engine.workflow.contributions import (
    age_in_months,
    allowed_payment_periods,
    figure,
    health_insurance_contribution,
    voluntary_contribution,
)

# name -> function, offered to every script and condition in every diagram
RULES: dict[str, Callable[..., Any]] = {}

RULES["voluntary_contribution"] = voluntary_contribution
RULES["allowed_payment_periods"] = allowed_payment_periods
RULES["figure"] = figure
RULES["age_in_months"] = age_in_months
RULES["health_insurance_contribution"] = health_insurance_contribution

# benefits of P08-P16 and P20 (engine/workflow/benefits.py)
RULES["pension_benefit"] = pension_benefit
RULES["one_time_benefit"] = one_time_benefit
RULES["sickness_paid_days"] = sickness_paid_days
RULES["sickness_benefit"] = sickness_benefit
RULES["maternity_benefit"] = maternity_benefit
RULES["paternity_benefit"] = paternity_benefit
RULES["convalescence_paid_days"] = convalescence_paid_days
RULES["convalescence_allowance"] = convalescence_allowance
RULES["work_accident_benefit"] = work_accident_benefit
RULES["reassessed_accident_benefit"] = reassessed_accident_benefit
RULES["device_payment"] = device_payment
RULES["survivor_benefits"] = survivor_benefits
RULES["check_survivor_relative"] = check_survivor_relative
RULES["emigration_allowance"] = emigration_allowance
