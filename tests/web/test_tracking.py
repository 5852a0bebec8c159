"""Public tracking by dossier code and ID number: no login, only what the receipt slip shows."""

from __future__ import annotations

from engine.people.officers import Actor
from tests.helpers import do_task

from .test_access import _same_page
from .test_portal import apply_p02, english


def _track(web, code: str, id_number: str):
    return web.post("/track", {"code": code, "id_number": id_number}, page="/track")


def test_the_qr_link_prefills_the_dossier_code(web):
    page = web.text("/track?code=BHXH.QNI-260302-0001")
    assert 'value="BHXH.QNI-260302-0001"' in page
    assert 'name="id_number"' in page


def test_lookup_with_the_right_pair_shows_status_timeline_and_appointment(web, other_web, runtime, office):
    web.signup()
    code = apply_p02(web, result_channel="post", delivery_address="Thôn Phú Bình, Quảng Ngãi")
    do_task(runtime, office, code, "reception_check", decision="accept")
    response = _track(other_web, code.lower(), "051090001234")  # no login; the code in any case
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert code in page and "Đăng ký đóng bảo hiểm xã hội tự nguyện" in page
    assert "Mới đăng ký trực tuyến" in page and "Đã tiếp nhận" in page  # the timeline
    assert "Trần Thị Mai" not in page and "Nguyễn Văn An" in page  # the applicant's name on the dossier
    appointment = runtime.dossiers.get(code).appointment_at
    assert appointment is not None and "/03/2026" in page
    assert "Nhận qua dịch vụ bưu chính công ích" in page


def test_nothing_personal_beyond_the_name_is_shown(web, other_web, runtime, office):
    web.signup(email="mai@example.vn")
    code = apply_p02(web, email="an@example.vn", result_channel="post", delivery_address="Thôn Phú Bình, Quảng Ngãi")
    for task, data in [
        ("reception_check", {"decision": "accept"}),
        (
            "collect_review",
            {
                "household_category": "poor",
                "monthly_income": 1500000,
                "support_checked": True,
                "decision": "approve_request",
            },
        ),
        ("leader_approval", {"decision": "approve"}),
        ("postal_dispatch", {"waybill": "EB510234176VN"}),
    ]:
        do_task(runtime, office, code, task, **data)
    runtime.dossiers.deliver_message(code, "postal_failed", {"waybill": "EB510234176VN"}, Actor.system())
    english(other_web)
    page = _track(other_web, code, "051090001234").get_data(as_text=True)
    assert "EB510234176VN" in page and "Delivery failed" in page
    for private in (
        "051090001234",
        "0912345678",
        "an@example.vn",
        "mai@example.vn",
        "12 Lê Lợi",
        "Thôn Phú Bình",
        "1.500.000",
        "to-khai-tk1.pdf",
        "/documents/",
    ):
        assert private not in page, private


def test_a_wrong_pair_gets_the_same_answer_whether_or_not_the_code_exists(web, other_web):
    web.signup()
    code = apply_p02(web)
    wrong_number = _track(other_web, code, "051090009999")
    no_such_code = _track(other_web, "BHXH.QNI-260302-9999", "051090001234")
    message = "Không tìm thấy hồ sơ với mã hồ sơ và số giấy tờ này"
    for response in (wrong_number, no_such_code):
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
        assert "Nguyễn Văn An" not in response.get_data(as_text=True)
    assert _same_page(wrong_number, code) == _same_page(no_such_code, "BHXH.QNI-260302-9999")


def test_an_empty_box_is_named_and_spaces_typed_in_the_numbers_are_forgiven(web, other_web):
    web.signup()
    code = apply_p02(web)
    empty = _track(other_web, code, "  ")
    page = empty.get_data(as_text=True)
    assert empty.status_code == 400
    assert "Nhập số CCCD / số định danh cá nhân hoặc mã số thuế" in page and "Không tìm thấy hồ sơ" not in page
    assert f'value="{code}"' in page  # the code typed stays
    nothing = _track(other_web, "", "").get_data(as_text=True)
    assert "Nhập mã hồ sơ" in nothing and "Nhập số CCCD" in nothing
    # grouped as people read them out, or copied with a space
    spaced = _track(other_web, " " + code.replace("-", " - ", 1), "051 090 001 234")
    assert spaced.status_code == 200 and "Nguyễn Văn An" in spaced.get_data(as_text=True)
