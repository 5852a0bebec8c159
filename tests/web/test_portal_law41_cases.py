"""Cases Law 41/2024/QH15 added to the pages: the father's claim in P11 on the portal (art.
53(2)-(3)), refused at submission with the reason beside the field when the law does not allow it;
the check of the relative who applies for P16's monthly survivor allowance on the officer's task
page (art. 86(2)-(3)), refused with the reason while the task stays open."""

from __future__ import annotations

from engine.data.models import Dossier
from engine.people.officers import Actor, add_user, grant
from tests.helpers import do_task, open_task
from tests.web.test_portal import english

FATHER = {
    "full_name": "Trần Minh Khoa",
    "citizen_id": "051090001234",  # the signed-up account's own
    "si_code": "5112047306",
    "date_of_birth": "1992-03-08",
    "phone": "0905726148",
    "address": "Thôn Phú Bình, xã Tịnh Phong, tỉnh Quảng Ngãi",
    "submitted_by": "individual",
    "claimant": "father",
    "event": "birth",
    "event_date": "2026-03-10",
    "children": "1",
    "gestation_weeks": "39",
    "paternity_birth_kind": "normal",
    "paternity_leave_from": "2026-03-20",
    "payout_method": "cash",
    "result_channel": "electronic",
}


def test_the_father_claims_his_leave_and_a_leave_before_the_birth_is_refused(web, runtime):
    web.signup()

    early = web.post("/procedures/P11/apply", {**FATHER, "paternity_leave_from": "2026-03-09"})

    page = early.get_data(as_text=True)
    assert early.status_code == 400
    assert "Ngày bắt đầu nghỉ của người cha không được trước ngày vợ sinh con" in page
    with runtime.db.read() as session:
        assert session.query(Dossier).count() == 0

    # the kind of birth and the first day of leave are asked of the father only
    missing = web.post("/procedures/P11/apply", {**FATHER, "paternity_birth_kind": "", "paternity_leave_from": ""})
    assert missing.status_code == 400

    # a leave from 10 days after the birth goes on to the check of the answers, then is sent
    accepted = web.post("/procedures/P11/apply", FATHER)
    assert accepted.status_code == 302, accepted.get_data(as_text=True)
    key = accepted.headers["Location"].rsplit("=", 1)[-1]
    check = f"/procedures/P11/apply/check?draft={key}"
    assert "20/03/2026" in web.text(check)
    sent = web.post("/procedures/P11/apply/submit", {"submission": key}, page=check)
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/submitted")
    code = sent.headers["Location"].rsplit("/", 2)[-2]
    assert runtime.dossiers.workflow_data(code)["claimant"] == "father"


def test_the_p11_form_offers_the_fathers_claim_in_english(web):
    web.signup()
    english(web)
    page = web.text("/procedures/P11/apply")

    assert "The father, when his wife gives birth" in page
    assert "leave (within 60 days of the birth)" in page


def test_a_widow_under_the_retirement_age_is_refused_on_the_officers_task_page(
    web, runtime, office, catalogue, password_hash
):
    with runtime.db.write() as session:
        officer = add_user(session, "dung.chedo", "Võ Thị Dung")
        grant(session, officer, "benefits", office.unit)
        officer.password_hash = password_hash
    # 56 years 7 months when her husband died on 10 March 2026: the age asked that year is 57
    start = {
        **catalogue.procedures["P16"].meta.paths["spouse_at_55_before_law_41"].start,
        "date_of_death": "2026-03-10",
    }
    code = runtime.dossiers.start("P16", start, Actor.applicant(start["full_name"]))
    do_task(runtime, office, code, "reception_check", decision="accept")
    task = open_task(runtime, code, "benefits_review").id
    web.officer_login("dung.chedo")
    claimed = web.post(f"/officer/tasks/{task}/claim", page=f"/officer/tasks/{task}")
    assert claimed.status_code == 302
    review = {
        "contribution_months": "384",
        "funeral_grant_eligible": "on",
        "survivor_allowance_kind": "monthly",
        "monthly_relatives": "1",
        "nurtured_relatives": "0",
        "applicant_counted_monthly": "on",
        "applicant_income_kind": "none",
        "decision": "approve_request",
    }

    web.post("/language", {"lang": "vi", "next": "/"}, page="/")
    refused = web.post(f"/officer/tasks/{task}/complete", review, page=f"/officer/tasks/{task}")

    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Thân nhân 56 tuổi 7 tháng khi người tham gia chết (10/03/2026), chưa đủ 57 tuổi" in page
    assert open_task(runtime, code, "benefits_review").id == task
    english(web)
    page = web.post(f"/officer/tasks/{task}/complete", review, page=f"/officer/tasks/{task}").get_data(as_text=True)
    assert "under 57 years, with under 81% of work capacity lost: no monthly survivor allowance" in page

    # with the assessment of 81% she qualifies and the review goes to the leader
    done = web.post(
        f"/officer/tasks/{task}/complete", {**review, "applicant_capacity_loss": "81"}, page=f"/officer/tasks/{task}"
    )
    assert done.status_code == 302 and open_task(runtime, code, "leader_approval")
