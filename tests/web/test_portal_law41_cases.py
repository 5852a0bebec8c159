"""A case Law 41/2024/QH15 added to the portal's applications: the father's claim in P11 (art.
53(2)-(3)). An application the law does not allow is refused at submission with the reason beside
the field, and nothing is created."""

from __future__ import annotations

from engine.data.models import Dossier
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
