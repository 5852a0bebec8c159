"""What applicants see of the limits (issue 13): the public procedure pages with the legal basis,
in Vietnamese and English, and the receipt slip of a limit that does not count holidays."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from web import slips


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
    assert "7 ngày làm việc; 5 ngày làm việc (Luật BHXH 41/2024 Điều 62 khoản 3 (người lao động tự nộp))" in page
    assert "Căn cứ pháp lý của thời hạn" in page
    page = web.text("/procedures/P08")
    assert "20 ngày (không kể ngày nghỉ lễ, nghỉ Tết)" in page


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
