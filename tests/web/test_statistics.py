"""The public statistics page (no login): the figures per month and procedure, in both languages,
with nothing personal in it; a period that cannot be shown gets a clear error."""

from __future__ import annotations

from tests.engine.figures.office_month import applicant_account, run_p02
from tests.helpers import P02_APPLICATION

from .test_portal import english


def _rows(runtime, office, clock) -> list:
    account = applicant_account(runtime)
    return [
        # received 2 March (online), resolved 6 March on time (due 9 March), very satisfied
        run_p02(
            runtime, office, clock, "2026-03-02 09:00", "2026-03-06 10:00", rating="very_satisfied", account_id=account
        ),
        # received 2 March at the counter, resolved 10 March: late
        run_p02(runtime, office, clock, "2026-03-02 09:00", "2026-03-10 08:00", channel="counter"),
        # received 3 March online, still open
        run_p02(runtime, office, clock, "2026-03-03 09:00", None),
    ]


def test_the_page_shows_the_months_figures_without_a_login(web, runtime, office, clock):
    _rows(runtime, office, clock)

    response = web.get("/statistics?from=2026-03&to=2026-03")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Thống kê giải quyết thủ tục hành chính" in page
    assert "P02 – Đăng ký đóng bảo hiểm xã hội tự nguyện" in page
    # the month's table: 3 received, 2 of them online (66.7%), 2 resolved, 1 on time, 1 late,
    # 1 rating, very satisfied
    march = page.split('id="month-1"', 1)[1]
    cells = [
        ">3<",
        ">2 (66,7%)<",
        ">2<",
        ">1<",
        ">50,0%<",
        "100,0%",
        "(1 rất hài lòng, 0 hài lòng, 0 không hài lòng)",
    ]
    for cell in cells:
        assert cell in march, cell

    english(web)
    page = web.text("/statistics?from=2026-03&to=2026-03")
    assert "Voluntary social-insurance registration" in page and ">2 (66.7%)<" in page
    assert "Share on time" in page and "(1 very satisfied, 0 satisfied, 0 not satisfied)" in page


def test_nothing_personal_is_on_the_page(web, runtime, office, clock):
    dossiers = _rows(runtime, office, clock)
    page = web.text("/statistics?from=2026-03&to=2026-03")

    personal = [P02_APPLICATION[k] for k in ("full_name", "citizen_id", "phone", "address", "date_of_birth")]
    personal += [d.code for d in dossiers] + ["Nguyễn", "051090", "Lê Lợi"]
    personal += ["Nguyễn Thị Lan", "Lê Văn Hải", "Phạm Thị Hoa", "lan.desk", "hai.thu", "Nhanh"]  # officers, comment
    for text in personal:
        assert text not in page, text
    assert "BHXH.QNI-" not in page  # no dossier code of any form


def test_the_default_period_is_the_last_six_months(web, runtime, office, clock):
    _rows(runtime, office, clock)  # the clock is left in March 2026
    page = web.text("/statistics")
    assert 'value="2025-10"' in page and 'value="2026-03"' in page
    assert "03/2026" in page and "10/2025" in page and "09/2025" not in page


def test_a_period_that_cannot_be_shown_gets_a_clear_error(web):
    for query, message in [
        ("from=abc&to=2026-03", "Nhập tháng dạng NNNN-TT"),
        ("from=2026-13&to=2026-03", "Nhập tháng dạng NNNN-TT"),
        ("from=2026-04&to=2026-03", "Tháng cuối phải sau tháng đầu"),
        ("from=2020-01&to=2026-03", "Chọn tối đa 36 tháng"),
    ]:
        response = web.get(f"/statistics?{query}")
        page = response.get_data(as_text=True)
        assert response.status_code == 400, query
        assert "Có lỗi" in page or 'id="error-summary"' in page
        assert message in page, query
        assert 'aria-invalid="true"' in page
        assert "statistics-table" not in page


def test_the_portal_links_to_the_statistics(web):
    page = web.text("/")
    assert 'href="/statistics"' in page and "Thống kê" in page
