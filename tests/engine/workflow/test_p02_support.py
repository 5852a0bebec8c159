"""P02 through the engine: the state support comes from the decision table valid on the day the
dossier was submitted, and the contribution from engine/workflow/contributions.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.people.officers import Actor
from tests.helpers import P02_APPLICATION, do_task


@pytest.mark.parametrize(
    "submitted_utc, category, support_percent, monthly_payable",
    [
        # 30 June 2025, 09:00 in Vietnam: the old rates (poor 30%): 22% x 1,500,000 = 330,000; support 99,000
        (datetime(2025, 6, 30, 2, 0, tzinfo=UTC), "poor", 30, 231_000),
        # 1 July 2025: the new rates (poor 50%): support 165,000
        (datetime(2025, 7, 1, 2, 0, tzinfo=UTC), "poor", 50, 165_000),
        # near-poor 25% before, 40% from 1 July 2025
        (datetime(2025, 6, 30, 2, 0, tzinfo=UTC), "near_poor", 25, 247_500),
        (datetime(2025, 7, 1, 2, 0, tzinfo=UTC), "near_poor", 40, 198_000),
        # 30 June 2025 at 23:30 in Vietnam is still 30 June there (16:30 UTC): old rates
        (datetime(2025, 6, 30, 16, 30, tzinfo=UTC), "other", 10, 297_000),
    ],
)
def test_support_follows_the_rates_valid_on_the_submission_day(
    runtime, office, clock, submitted_utc, category, support_percent, monthly_payable
):
    clock.set(submitted_utc)
    code = runtime.dossiers.start("P02", {**P02_APPLICATION, "household_category": category}, Actor.applicant("An"))
    do_task(runtime, office, code, "reception_check", decision="accept")
    do_task(
        runtime,
        office,
        code,
        "collect_review",
        household_category=category,
        monthly_income="1500000",
        support_checked="true",
        decision="approve_request",
    )

    data = runtime.dossiers.workflow_data(code)
    assert data["support_percent"] == support_percent
    assert data["contribution"]["monthly_contribution"] == 330_000
    assert data["contribution"]["monthly_payable"] == monthly_payable
    assert data["contribution"]["period_payable"] == 3 * monthly_payable  # payment_period "3"
