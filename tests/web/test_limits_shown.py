"""What applicants see of the limits (issue 13): the public procedure pages with the legal basis,
in Vietnamese and English, and the receipt slip of a limit that does not count holidays."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import session

from engine.dossiers.views import dossier_view
from engine.people.officers import Actor
from tests.helpers import do_task
from tests.web.test_slips import flat
from web import printouts, slips


def english(web) -> None:
    web.post("/language", {"lang": "en", "next": "/"}, page="/")


def test_the_procedures_page_lists_each_limit_with_its_legal_basis_without_a_login(web):
    english(web)
    page = web.text("/procedures")
    assert "Legal basis of the limit" in page
    assert "20 days not counting public holidays and Tết" in page  # P08
    assert "Luật BHXH 41/2024 Điều 79 khoản 3, Điều 107 khoản 3" in page
    assert "Nghị định 146/2018/NĐ-CP Điều 18 khoản 1 điểm b" in page  # P25
    assert "The office's own limit" in page  # P01: no article sets it


def test_a_procedure_where_the_office_is_stricter_says_both_limits(web):
    english(web)
    page = web.text("/procedures/P03")
    assert "5 working days from the day the dossier is accepted" in page
    assert (
        "The law allows 10 working days (Luật BHYT 25/2008 (sửa đổi) Điều 17 khoản 2); "
        "this office answers within 5 working days." in page
    )


def test_the_limit_by_application_and_its_source_in_vietnamese(web):
    page = web.text("/procedures/P11")
    assert "7 ngày làm việc (đơn vị sử dụng lao động nộp hồ sơ); 5 ngày làm việc (người lao động tự nộp hồ sơ)" in page
    assert "Căn cứ pháp lý của thời hạn" in page
    assert (
        "Luật BHXH 41/2024 Điều 62 khoản 3 (đơn vị sử dụng lao động nộp hồ sơ); "
        "Luật BHXH 41/2024 Điều 62 khoản 3 (người lao động tự nộp hồ sơ)" in page
    )
    assert "submitted_by" not in page
    page = web.text("/procedures/P08")
    assert "20 ngày (không kể ngày nghỉ lễ, nghỉ Tết)" in page


def test_each_case_of_a_limit_by_cause_is_named_in_english_on_its_page_and_in_the_list(web):
    english(web)
    page = web.text("/procedures/P12")
    assert (
        "7 working days (after sickness or maternity); 10 days (after a work accident or occupational disease) "
        "from the day the dossier is accepted" in page
    )
    assert (
        "Luật BHXH 41/2024 Điều 49 khoản 2, Điều 63 khoản 2 (after sickness or maternity); "
        "Luật ATVSLĐ 84/2015 Điều 60 khoản 2 (after a work accident or occupational disease)" in page
    )
    listing = web.text("/procedures")
    assert "5 working days (the worker files it themselves)" in listing
    for condition in ("after_regime", "work_accident", "submitted_by", "=="):
        assert condition not in page and condition not in listing


def _facts(lang: str) -> slips.DossierFacts:
    return slips.DossierFacts(
        lang,
        "Bảo hiểm xã hội tỉnh",
        "BHXH.QNI-270125-0001",
        "Giải quyết hưởng lương hưu",
        slips.Applicant("Nguyễn Văn Bình", "051065004172"),
        datetime(2027, 1, 25, 2, 0, tzinfo=UTC),
        ZoneInfo("Asia/Ho_Chi_Minh"),
    )


def _receipt(lang: str, unit: str) -> dict:
    slip = slips.receipt(
        _facts(lang),
        documents=[],
        limit_days=20,
        limit_unit=unit,
        received_at=datetime(2027, 1, 25, 2, 0, tzinfo=UTC),
        appointment_at=datetime(2027, 2, 22, 10, 0, tzinfo=UTC),
        channel="counter",
        delivery_address="",
        officer="Nguyễn Thị Lan",
        tracking_url="https://motcua.test/track",
    )
    return dict(slip.rows)


def test_the_receipt_names_a_limit_that_does_not_count_holidays(app):
    with app.test_request_context():
        assert "20 ngày (không kể ngày nghỉ lễ, nghỉ Tết)" in _receipt("vi", "calendar_no_holidays").values()
        assert "20 days not counting public holidays and Tết" in _receipt("en", "calendar_no_holidays").values()
        assert "20 ngày" in _receipt("vi", "calendar").values()


# --- the receipt of a dossier whose limit depends on its application --------------------------------


def _receipt_of(app, runtime, office, catalogue, lang: str, **changes) -> str:
    start = {**catalogue.procedures["P11"].meta.paths["happy"].start, **changes}
    code = runtime.dossiers.start("P11", start, Actor.applicant("Nguyễn Thị Mai"))
    do_task(runtime, office, code, "reception_check", decision="accept")
    with runtime.db.read() as s:
        view = dossier_view(s, runtime.versions, code)
    with app.test_request_context():
        session["lang"] = lang
        return flat(printouts.receipt_response(view, f"https://motcua.test/track?code={code}").get_data())


def test_the_receipt_names_the_case_of_the_limit_that_applies(app, runtime, office, catalogue):
    text = _receipt_of(app, runtime, office, catalogue, "vi", submitted_by="individual")
    assert "5 ngày làm việc (người lao động tự nộp hồ sơ)" in text
    text = _receipt_of(app, runtime, office, catalogue, "en", submitted_by="employer")
    assert "Legal time limit: 7 working days (the employer files it)" in text
    assert "submitted_by" not in text
