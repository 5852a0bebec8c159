"""Officers' search page (/officer/search) and the quick-jump box in every officer page's header."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from engine.dossiers import search
from engine.people.officers import Actor
from tests.helpers import P02_APPLICATION


def start(runtime, clock, unit=None, **changes) -> str:
    clock.advance(timedelta(minutes=1))
    application = {**P02_APPLICATION, **changes}
    return runtime.dossiers.start("P02", application, Actor.applicant(application["full_name"]), unit_code=unit)


def english(web) -> None:
    web.post("/language", {"lang": "en", "next": "/"}, page="/")


def listed(page: str) -> list[str]:
    """The dossier codes the results table links to, in order."""
    return re.findall(r'<td data-label="Dossier"><a href="/officer/dossiers/([^"]+)"', page)


def test_every_officer_page_carries_the_quick_jump_box(web, office):
    web.officer_login("lan.desk")
    for url in ["/officer/", "/officer/search"]:
        page = web.text(url)
        assert 'action="/officer/search"' in page and 'id="quick-jump"' in page, url
    web.logout()
    assert 'id="quick-jump"' not in web.text("/")  # not for anyone else
    web.signup()
    assert 'id="quick-jump"' not in web.text("/dossiers")


def test_a_whole_code_goes_straight_to_the_dossier(web, runtime, office, clock):
    code = start(runtime, clock)
    web.officer_login("lan.desk")
    for typed in [code, f"  {code.lower()} "]:
        response = web.get("/officer/search", query_string={"q": typed})
        assert response.status_code == 302 and response.headers["Location"] == f"/officer/dossiers/{code}"


def test_a_name_without_accents_lists_the_dossiers_with_status_step_and_due_date(web, runtime, office, clock):
    hung = start(runtime, clock, full_name="Nguyễn Văn Hùng", citizen_id="051085012345")
    start(runtime, clock, full_name="Trần Thị Mai", citizen_id="051190004321")
    web.officer_login("lan.desk")
    english(web)
    page = web.text("/officer/search?q=nguyen+van+hung")
    assert listed(page) == [hung]
    assert "1 dossier found" in page
    row = html.unescape(page.split(f"/officer/dossiers/{hung}", 1)[1].split("</tr>", 1)[0])
    assert "Nguyễn Văn Hùng" in row and "051085012345" in row and "P02" in row
    assert "Submitted" in row and "step due" in row  # the step it waits in and when that is due
    assert 'value="nguyen van hung"' in page  # the query stays in the box
    page = web.text("/officer/search?q=051085012345")  # by ID number
    assert listed(page) == [hung]


def test_an_officer_never_finds_another_units_dossiers(web, runtime, office, clock):
    there = start(runtime, clock, unit="BHXH.QNI.SONTINH", full_name="Lê Thị Hồng", citizen_id="051085088888")
    web.officer_login("lan.desk")
    english(web)
    page = web.text("/officer/search?q=le+thi+hong")
    assert listed(page) == [] and "No dossier of your unit matches" in page
    response = web.get("/officer/search", query_string={"q": there})  # not even by its whole code
    assert response.status_code == 200 and listed(response.get_data(as_text=True)) == []
    web.logout()
    web.officer_login("khac.huyen")
    assert listed(web.text("/officer/search?q=le+thi+hong")) == [there]


def test_results_come_a_page_at_a_time(app, web, runtime, office, clock):
    app.config["PAGE_SIZE"] = 2
    codes = [start(runtime, clock, full_name="Phạm Văn Bình", citizen_id=f"05108500{n:04d}") for n in range(5)]
    web.officer_login("lan.desk")
    english(web)
    first = web.text("/officer/search?q=binh")
    assert listed(first) == codes[::-1][:2] and "Page 1 of 3" in first and "5 dossiers found" in first
    assert 'href="/officer/search?q=binh&amp;page=2" rel="next"' in first
    assert listed(web.text("/officer/search?q=binh&page=3")) == codes[:1]


def test_an_empty_or_too_short_query_is_answered_with_what_to_type(web, runtime, office, clock):
    start(runtime, clock)
    web.officer_login("lan.desk")
    english(web)
    page = web.text("/officer/search")  # the page itself: no complaint yet
    assert "There is a problem" not in page and 'id="field-q"' in page
    for query, message in [("", "Type what to search for"), ("hu", "Type at least 3 letters or digits")]:
        response = web.get("/officer/search", query_string={"q": query})
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and message in page and 'href="#field-q"' in page
        assert 'aria-invalid="true"' in page and "dossier found" not in page
    web.logout()
    web.post("/language", {"lang": "vi", "next": "/"}, page="/")
    web.officer_login("lan.desk")
    assert "Hãy nhập ít nhất 3 chữ cái hoặc chữ số" in web.text("/officer/search?q=a")


def test_applicants_and_visitors_cannot_search(web, office):
    response = web.get("/officer/search?q=nguyen")
    assert response.status_code == 302 and "/officer/login" in response.headers["Location"]
    web.signup()
    assert web.get("/officer/search?q=nguyen").status_code == 403


def test_a_common_word_says_more_than_the_cap_were_found(app, web, runtime, office, clock, monkeypatch):
    app.config["PAGE_SIZE"] = 2
    codes = [start(runtime, clock, full_name="Nguyễn Văn Bình", citizen_id=f"05108500{n:04d}") for n in range(5)]
    monkeypatch.setattr(search, "COUNT_CAP", 3)  # 1,000 in the office: five dossiers stand for them here
    web.officer_login("lan.desk")
    english(web)

    page = web.text("/officer/search?q=nguyen")

    assert "More than 3 dossiers found" in page and "Page 1 of 2" in page
    assert "Add a word of the name, or search by ID number or phone" in page
    assert listed(page) == codes[::-1][:2]


def test_a_whole_name_is_found_in_order_and_its_words_in_any_order(web, runtime, office, clock):
    an = start(runtime, clock, full_name="Nguyễn Văn An", citizen_id="051085012345")
    anh = start(runtime, clock, full_name="Nguyễn Văn Anh", citizen_id="051085012346")
    start(runtime, clock, full_name="Nguyễn Thị An", citizen_id="051085012347")
    web.officer_login("lan.desk")
    english(web)
    assert listed(web.text("/officer/search?q=Nguy%E1%BB%85n+V%C4%83n+An")) == [anh, an]  # "Nguyễn Văn An"
    assert listed(web.text("/officer/search?q=nguyen+van+anh")) == [anh]
    assert listed(web.text("/officer/search?q=van+anh+nguyen")) == [anh]  # out of order: its words apart
    page = web.text("/officer/search?q=nguyen+van+binh")
    assert listed(page) == [] and "No dossier" in page
