"""The portal asks for the paper a ground needs, and only with that ground (Law 41/2024 art. 78 for
P09), says so on the procedure's page, and refuses an application the law does not allow with the
reason beside the field (P19: a prison sentence from 1 July 2025, art. 75(1))."""

from __future__ import annotations

from io import BytesIO

from engine.data.models import Dossier
from tests.web.test_portal import PDF, english

P09 = {
    "full_name": "Trần Thị Mai",
    "citizen_id": "051090001234",
    "si_code": "5112019906",
    "date_of_birth": "1990-01-17",
    "sex": "female",
    "phone": "0912345678",
    "address": "Tổ 8, phường Nghĩa Lộ, tỉnh Quảng Ngãi",
    "grounds": "emigrating",
    "payout_method": "cash",
    "result_channel": "electronic",
}


def _p09(**changes):
    form = {
        **P09,
        "doc-si_book": (BytesIO(PDF), "so-bhxh.pdf"),
        "doc-application_14_hsb": (BytesIO(PDF), "don-14-hsb.pdf"),
    }
    form.update(changes)
    return form


def test_the_procedure_page_says_when_a_paper_is_required(web):
    english(web)
    page = web.text("/procedures/P09")

    assert "Required when “Grounds for the one-time withdrawal” is “Going abroad to settle”." in page
    assert "Work capacity reduced by 81% or more; especially severe disability" in page
    assert "termination decision" not in page
    assert "settlement procedure" not in page


def test_the_apply_form_says_it_in_vietnamese(web):
    web.signup()
    page = web.text("/procedures/P16/apply")

    assert "Bắt buộc khi “Nguyện vọng hưởng trợ cấp tuất” là “Chỉ đề nghị trợ cấp mai táng" in page
    assert "Tờ khai của tổ chức, cá nhân lo mai táng" in page


def test_the_emigration_papers_are_required_with_that_ground_only(web, runtime):
    web.signup()

    missing = web.post("/procedures/P09/apply", _p09())
    page = missing.get_data(as_text=True)
    assert missing.status_code == 400
    assert 'id="error-doc-emigration_proof"' in page
    with runtime.db.read() as session:
        assert session.query(Dossier).count() == 0

    # the 81% ground asks for the assessment, not the emigration papers
    other = web.post(
        "/procedures/P09/apply",
        _p09(grounds="work_capacity_81", **{"doc-work_capacity_proof": (BytesIO(PDF), "giam-dinh.pdf")}),
    )
    assert other.status_code == 302, other.get_data(as_text=True)

    supplied = web.post("/procedures/P09/apply", _p09(**{"doc-emigration_proof": (BytesIO(PDF), "the-thuong-tru.pdf")}))
    assert supplied.status_code == 302, supplied.get_data(as_text=True)


def test_a_prison_sentence_from_1_july_2025_is_refused_with_the_reason(web, runtime):
    web.signup()
    form = {
        "full_name": "Trần Thị Mai",
        "citizen_id": "051090001234",
        "si_code": "5103004419",
        "date_of_birth": "1963-09-01",
        "sex": "female",
        "phone": "0912345678",
        "address": "Thôn Đồng Tranh, xã Minh Long, tỉnh Quảng Ngãi",
        "benefit_kind": "retirement_pension",
        "suspension_reason": "prison_term_ended",
        "suspended_since": "2025-09-01",
        "payout_method": "cash",
        "result_channel": "electronic",
        "doc-resumption_request": (BytesIO(PDF), "don.pdf"),
        "doc-prison_release": (BytesIO(PDF), "giay-chung-nhan.pdf"),
    }

    response = web.post("/procedures/P19/apply", form)

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "chấp hành hình phạt tù không còn là lý do tạm dừng" in page
    assert "Điều 75 khoản 1" in page
    with runtime.db.read() as session:
        assert session.query(Dossier).count() == 0
