"""Calculations diagrams call from scripts (contributions, ...), written once and tested here.

Figures the law sets (poverty line, reference level, rates) are data in workflows/rates.yaml, dated
by the day they take effect; a calculation uses the figure valid on the day it is asked about.

A script calls them by name and gets plain values back, e.g.::

    amounts = voluntary_contribution(monthly_income, int(payment_period), support_percent, submitted_on)
    period_payable = amounts['period_payable']

Task data must not use these names as variables (the engine refuses data that would hide them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
