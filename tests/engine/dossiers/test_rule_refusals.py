"""A benefit the law does not allow, entered by an officer, is refused with the law's reason in both
languages, and the dossier stays as it was: the task open and claimed, no event, no payout."""

from __future__ import annotations

import pytest

from engine.errors import RuleRefused
from engine.people.officers import Actor, add_user, grant
from tests.helpers import do_task, open_task

REVIEW = {
    "contribution_months": "402",
    "funeral_grant_eligible": "true",
    "survivor_allowance_kind": "monthly",
    "decision": "approve_request",
}


@pytest.fixture
def benefits(runtime, office) -> Actor:
    with runtime.db.write() as session:
        user = add_user(session, "dung.chedo", "Võ Thị Dung")
        grant(session, user, "benefits", office.unit)
        actor = Actor.of(user)
    office.by_role["benefits"] = actor
    return actor


def survivors_dossier(runtime, office, catalogue) -> str:
    start = catalogue.procedures["P16"].meta.paths["happy"].start  # a widow; death on 2026-10-12
    code = runtime.dossiers.start("P16", start, Actor.applicant(start["full_name"]))
    do_task(runtime, office, code, "reception_check", decision="accept")
    return code


def test_more_survivors_than_the_law_pays_are_refused_and_nothing_changes(runtime, office, benefits, catalogue):
    code = survivors_dossier(runtime, office, catalogue)
    task = open_task(runtime, code, "benefits_review")
    runtime.dossiers.claim(task.id, benefits)
    events, status = len(runtime.dossiers.history(code)), runtime.dossiers.get(code).status

    with pytest.raises(RuleRefused) as refused:
        runtime.dossiers.complete_task(
            task.id, benefits, {**REVIEW, "monthly_relatives": "3", "nurtured_relatives": "2"}
        )

    assert refused.value.message.vi == "Tối đa 4 thân nhân được hưởng trợ cấp tuất hằng tháng, không phải 5"
    assert refused.value.message.en == "at most 4 relatives receive the monthly survivor allowance, not 5"
    still = open_task(runtime, code, "benefits_review")
    assert (still.id, still.assignee) == (task.id, "Võ Thị Dung")
    assert len(runtime.dossiers.history(code)) == events and runtime.dossiers.get(code).status == status

    # with four relatives the same officer goes on: 10 x 2,530,000 for the funeral (October 2026)
    # and 2 x 50% + 2 x 70% of 2,530,000 for November
    runtime.dossiers.complete_task(task.id, benefits, {**REVIEW, "monthly_relatives": "2", "nurtured_relatives": "2"})
    data = runtime.dossiers.workflow_data(code)
    assert (data["funeral_grant"], data["monthly_survivor_allowance"], data["payout_amount"]) == (
        25_300_000,
        6_072_000,
        31_372_000,
    )
    assert open_task(runtime, code, "leader_approval")
