"""The managers' dashboard at /dashboard: leaders and managers see their units' figures for the
period they ask, as tables (and charts, in the browser tests), with the Decision 766 index and
CSV / XLSX downloads; nobody else comes in, and a bad filter is an error that changes nothing."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import session
from openpyxl import load_workbook

from engine.people.officers import add_user, grant
from tests.figures_data import make_office_figures

from .helpers import PASSWORD, Web

MARCH = "/dashboard/?from=2026-03-01&to=2026-03-31"


def cells(html: str, table_id: str) -> list[list[str]]:
    """The rows of a table (header cell and data cells), tags dropped."""
    table = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    body = table.split("<tbody>")[1]
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.fixture
def figures(runtime, catalogue, clock, office):
    return make_office_figures(runtime, catalogue, clock)


@pytest.fixture
def manager(app, runtime, office, password_hash) -> Web:
    with runtime.db.write() as session:
        user = add_user(session, "an.quanly", "Lê Thị Ân")
        user.password_hash = password_hash
        grant(session, user, "manager", office.unit)
    web = Web(app.test_client())
    assert web.officer_login("an.quanly", PASSWORD).status_code == 302
    return web


def test_a_leader_sees_march_s_figures_and_the_index(figures, web, runtime):
    web.officer_login("hoa.lanhdao")
    web.post("/language", {"lang": "en", "next": "/"}, page="/")
    page = web.text(MARCH)
    assert 'href="/dashboard/">Figures</a>' in page  # in the header
    assert cells(page, "table-received")[:4] == [
        ["Dossiers received", "6", "100.0"],
        ["online", "4", "66.7"],
        ["at the counter", "1", "16.7"],
        ["by post", "1", "16.7"],
    ]
    outcomes = {row[0]: row[1] for row in cells(page, "table-received")[4:]}
    assert outcomes == {
        "Finished early": "3",
        "Finished on time": "0",
        "Finished late": "1",
        "In progress within the limit": "0",
        "In progress past the limit": "1",
        "Withdrawn": "1",
        "Refused at reception": "1",
        "Processing stopped": "0",
    }
    assert cells(page, "table-payouts") == [["Paid cashless", "1", "50.0"], ["Paid in cash", "1", "50.0"]]
    assert cells(page, "table-overdue_officer") == [["(not claimed)", "3"], ["Cán bộ collection", "1"]]
    assert [row[:2] for row in cells(page, "table-months")] == [["2026-03", "6"]]
    # the chart is drawn from the table by the page's own script, with Chart.js from the site's files
    assert 'data-chart="line" data-series="1,2,3"' in page
    assert "/static/vendor/chart.js-4.5.1/chart.umd.min.js" in page
    progress = cells(page, "index-progress")[0]
    assert progress[:3] == ["Dossiers resolved within the limit", f"{3 / 6 * 20:.2f}", "20"]
    assert progress[3] == "(on time + early + in progress within the limit) / received × 20"
    assert progress[4] == "On time: 0 Early: 3 In progress within the limit: 0 Dossiers received: 6 Share: 50.0%"
    assert cells(page, "index-transparency")[0][1] == "not measured yet"
    assert [row[0] for row in cells(page, "index-procedures")] == ["P02", "P09"]


def test_in_vietnamese_by_default_with_one_procedure(figures, web):
    web.officer_login("hoa.lanhdao")
    page = web.text(MARCH + "&procedure=p09")
    assert "<h1>Số liệu của cơ quan</h1>" in page
    assert cells(page, "table-received")[0] == ["Hồ sơ tiếp nhận", "2", "100,0"]
    assert 'value="P09" selected' in page


def test_vietnamese_writes_its_numbers_with_a_decimal_comma(figures, web):
    web.officer_login("hoa.lanhdao")
    page = web.text(MARCH)
    assert cells(page, "table-received")[1] == ["trực tuyến", "4", "66,7"]
    assert "<li><strong>66,7%</strong> tiếp nhận trực tuyến</li>" in page
    progress = cells(page, "index-progress")[0]
    assert progress[1] == "10,00"
    assert progress[4].endswith("Tỷ lệ: 50,0%")
    # the chart reads each cell's raw figure, not the text written for people
    assert '<td data-label="Tỷ lệ (%)" data-value="66.7">66,7</td>' in page


def test_the_page_s_number_filter_groups_thousands_as_the_language_does(app):
    # the office's test month has no figure over 999: the filter the page writes its counts with
    template = app.jinja_env.from_string("{{ count|number }} {{ share|number('#,##0.0') }}%")
    for lang, written in (("vi", "12.180 88,6%"), ("en", "12,180 88.6%")):
        with app.test_request_context("/dashboard/"):
            session["lang"] = lang  # as the header's language switch keeps it
            assert template.render(count=12180, share=88.64) == written


def test_a_manager_lands_on_the_dashboard_and_sees_no_dossier(figures, manager):
    assert manager.get("/officer/").headers["Location"].endswith("/dashboard/")
    assert cells(manager.text(MARCH), "table-received")[0][1] == "6"
    assert manager.get(f"/officer/dossiers/{figures.codes['p02_past']}").status_code == 404
    assert manager.get("/officer/team/").status_code == 403
    page = manager.text(MARCH)  # no "Inbox" in the header that only leads back here
    assert 'href="/officer/"' not in page and 'href="/dashboard/">Số liệu</a>' in page


def test_another_unit_s_leader_sees_only_their_unit(figures, web):
    web.officer_login("khac.huyen")  # leads BHXH.QNI.SONTINH only
    page = web.text(MARCH)
    assert cells(page, "table-received")[0] == ["Hồ sơ tiếp nhận", "0", "–"]
    assert "<li><strong>–</strong> tiếp nhận trực tuyến</li>" in page  # no share of nothing
    refused = web.get(MARCH + "&unit=BHXH.QNI")
    assert refused.status_code == 400
    assert "Chọn một đơn vị của bạn." in refused.get_data(as_text=True)
    assert web.get("/dashboard/export.csv?from=2026-03-01&to=2026-03-31&unit=BHXH.QNI").status_code == 400


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("from=31/02/2026&to=2026-03-31", "from", "First day: expected a day such as 2026-06-30 or 30/06/2026"),
        ("from=2026-03-31&to=2026-03-01", "from", "The first day (31/03/2026) is after the last (01/03/2026)."),
        ("from=2026-03-01&to=2026-03-31&procedure=P99", "procedure", "Choose a procedure of the list."),
    ],
)
def test_a_bad_filter_is_shown_beside_its_field_and_nothing_is_counted(figures, web, query, field, message):
    web.officer_login("hoa.lanhdao")
    web.post("/language", {"lang": "en", "next": "/"}, page="/")
    answer = web.get(f"/dashboard/?{query}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert f'<a href="#field-{field}">' in page and message in page
    assert 'id="table-received"' not in page


def test_nobody_else_comes_in(figures, web, other_web):
    assert web.get("/dashboard/").headers["Location"].startswith("/officer/login")
    web.officer_login("lan.desk")
    assert web.get("/dashboard/").status_code == 403
    assert web.get("/dashboard/export.xlsx").status_code == 403
    assert 'href="/dashboard/"' not in web.text("/officer/")


def test_csv_and_xlsx_downloads_read_back(figures, web):
    web.officer_login("hoa.lanhdao")
    answer = web.get("/dashboard/export.csv?from=2026-03-01&to=2026-03-31")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "text/csv; charset=utf-8"  # said once
    assert "motcua-figures-2026-03-01-2026-03-31.csv" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["Tiếp nhận và kết quả giải quyết"] and rows[2] == ["Hồ sơ tiếp nhận", "6", "100.0"]
    assert next(r[:5] for r in rows if r[:1] == ["Toàn cơ quan"] and r[2:3] == ["Hồ sơ được số hóa"]) == [
        "Toàn cơ quan",
        "Số hóa hồ sơ",
        "Hồ sơ được số hóa",
        "4",
        "4",
    ]
    answer = web.get("/dashboard/export.xlsx?from=2026-03-01&to=2026-03-31&procedure=P02")
    book = load_workbook(io.BytesIO(answer.get_data()))
    received = list(book["received"].iter_rows(values_only=True))
    assert received[2] == ("Hồ sơ tiếp nhận", 4, 100.0)  # P02: the counter's, the withdrawn, the past, the late
    assert [r[:2] for r in book["overdue_procedure"].iter_rows(min_row=3, values_only=True)] == [("P02", 1)]
    assert web.get("/dashboard/export.pdf?from=2026-03-01&to=2026-03-31").status_code == 404


def test_the_default_period_is_written_day_first_as_its_hint_asks(figures, web):
    web.officer_login("hoa.lanhdao")
    page = web.text("/dashboard/")  # the figures leave the clock on 15 April 2026: six months from November

    assert 'name="from" type="text" value="01/11/2025"' in page and "ví dụ 01/01/2026" in page
    assert 'name="to" type="text" value="15/04/2026"' in page
    download = re.search(r'href="(/dashboard/export\.csv\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert "from=01/11/2025" in download.replace("%2F", "/")
    assert web.get(download).status_code == 200  # the download takes the dates as the page shows them


def test_a_mistyped_day_is_named_once_in_the_error_summary(figures, web):
    web.officer_login("hoa.lanhdao")
    page = web.get("/dashboard/?from=1.1.2026&to=31/03/2026").get_data(as_text=True)

    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert "Từ ngày: cần một ngày dạng 2026-06-30 hoặc 30/06/2026" in summary
    assert "Từ ngày: Từ ngày" not in summary
