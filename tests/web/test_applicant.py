"""The applicant's side of issue 14: the supplement deadline and the papers asked for as a list,
files kept across a form error, the "check your answers" step, dates typed day first, the printable
blank form, the lists as cards on phones."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from engine.data.models import ApplicationDraft, Document, Dossier, PendingUpload, Timer
from tests.helpers import do_task

from .test_portal import PDF, PNG, apply_p02, english, p02_form, submit_application

APPLY = "/procedures/P02/apply"


def _due(runtime, code: str):
    with runtime.db.read() as session:
        due = session.scalar(
            select(Timer.due_at).join(Dossier, Dossier.id == Timer.dossier_id).where(Dossier.code == code)
        )
    return due.astimezone(ZoneInfo(runtime.settings.timezone))


def _count(runtime, model) -> int:
    with runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


# --- the supplement deadline and the papers as a list -----------------------------------------


def test_the_applicant_sees_the_papers_as_a_list_and_the_date_to_send_them_by(web, other_web, runtime, office):
    web.signup()
    code = apply_p02(web)
    do_task(
        runtime,
        office,
        code,
        "reception_check",
        decision="supplement",
        missing_documents="Giấy chứng nhận hộ nghèo năm 2025; Bản sao CCCD\nSổ hộ khẩu",
        note="Chưa có tên trong danh sách",
    )
    due = _due(runtime, code)
    assert timedelta(days=29) < due - runtime.clock.now() <= timedelta(days=31)  # supplement_wait = 'P30D'
    page = web.text(f"/dossiers/{code}")
    papers = re.search(r'<ul class="papers-asked">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", papers) == ["Giấy chứng nhận hộ nghèo năm 2025", "Bản sao CCCD", "Sổ hộ khẩu"]
    assert "Hạn nộp giấy tờ bổ sung" in page and f"{due:%d/%m/%Y %H:%M}" in page
    # the public tracking page says the same to whoever holds the code and the ID number
    tracked = other_web.post("/track", {"code": code, "id_number": "051090001234"}).get_data(as_text=True)
    assert f"{due:%d/%m/%Y %H:%M}" in tracked and "<li>Bản sao CCCD</li>" in tracked
    english(web)
    assert "Send them by" in web.text(f"/dossiers/{code}")
    # once the papers are sent, no deadline is shown any more
    web.post(f"/dossiers/{code}/supplement", {"files": (BytesIO(PDF), "ho-ngheo.pdf")}, page=f"/dossiers/{code}")
    assert "Send them by" not in web.text(f"/dossiers/{code}")


# --- files kept across a form error -----------------------------------------------------------


def test_files_are_kept_after_a_form_error_and_used_on_the_next_submit(web, runtime):
    web.signup()
    response = web.post(
        APPLY,
        p02_form(phone="12345", **{"doc-poor_household_certificate": (BytesIO(PNG), "ho-ngheo.png")}),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Số điện thoại gồm 10 chữ số" in page
    assert (
        "Đã đính kèm:" in page
        and "<strong>to-khai-tk1.pdf</strong>" in page
        and "<strong>ho-ngheo.png</strong>" in page
    )
    key = re.search(r'name="submission" value="([0-9a-f]{32})"', page).group(1)
    # the declaration is no longer required to be chosen again: it is attached
    assert re.search(r'<input type="file" id="field-doc-tk1_ts"[^>]*\brequired\b', page) is None
    # the phone is corrected; no file is chosen again
    response = web.post(APPLY, {**p02_form(**{"doc-tk1_ts": None}), "submission": key})
    assert response.status_code == 302 and f"draft={key}" in response.headers["Location"]
    code = _send(web, key)
    with runtime.db.read() as session:
        names = session.scalars(
            select(Document.filename).join(Dossier, Dossier.id == Document.dossier_id).where(Dossier.code == code)
        ).all()
    assert sorted(names) == ["ho-ngheo.png", "to-khai-tk1.pdf"]
    assert _count(runtime, PendingUpload) == 0 and _count(runtime, ApplicationDraft) == 0  # nothing left behind


def test_a_kept_file_can_be_removed_or_replaced(web, runtime):
    web.signup()
    page = web.post(APPLY, p02_form(phone="", **{"doc-poor_household_certificate": (BytesIO(PNG), "cu.png")})).get_data(
        as_text=True
    )
    key = re.search(r'name="submission" value="([0-9a-f]{32})"', page).group(1)
    old = re.search(r'name="remove" value="(\d+)"> Gỡ cu.png', page).group(1)
    declaration = re.search(r'name="remove" value="(\d+)"> Gỡ to-khai-tk1.pdf', page).group(1)
    # take the declaration off, replace the certificate by a new file: the declaration is missing now
    page = web.post(
        APPLY,
        {
            **p02_form(phone="", **{"doc-tk1_ts": None, "doc-poor_household_certificate": (BytesIO(PDF), "moi.pdf")}),
            "submission": key,
            "remove": [declaration],
        },
    ).get_data(as_text=True)
    assert "<strong>moi.pdf</strong>" in page and "cu.png" not in page and "to-khai-tk1.pdf" not in page
    assert 'id="error-doc-tk1_ts"' in page
    assert f'value="{old}"' not in page


def test_a_bad_file_is_refused_and_the_good_ones_stay(web):
    web.signup()
    page = web.post(
        APPLY,
        p02_form(**{"doc-poor_household_certificate": (BytesIO(b"plain text"), "ho-ngheo.pdf")}),
    ).get_data(as_text=True)
    assert "không phải PDF, JPEG hoặc PNG" in page
    assert "<strong>to-khai-tk1.pdf</strong>" in page and "<strong>ho-ngheo.pdf</strong>" not in page


def test_kept_files_are_never_seen_or_sent_by_another_login(web, other_web, runtime):
    web.signup()
    page = web.post(APPLY, p02_form(phone="")).get_data(as_text=True)
    key = re.search(r'name="submission" value="([0-9a-f]{32})"', page).group(1)
    other_web.signup(id_number="051090005678", name="Lê Văn Bình", phone="0912000111")
    # another person who learns the key sees an empty form and sends nothing of the first one's
    assert "to-khai-tk1.pdf" not in other_web.text(f"{APPLY}?draft={key}")
    assert "to-khai-tk1.pdf" not in other_web.text(f"{APPLY}/check?draft={key}")
    response = other_web.post(f"{APPLY}/submit", {"submission": key}, page=APPLY)
    assert response.status_code == 302 and response.headers["Location"].endswith(APPLY)
    response = other_web.post(
        APPLY,
        {**p02_form(full_name="Lê Văn Bình", citizen_id="051090005678", **{"doc-tk1_ts": None}), "submission": key},
    )
    assert response.status_code == 400  # its own form, without the first one's files
    assert "to-khai-tk1.pdf" not in response.get_data(as_text=True)
    # the same person logging in again (a new login) does not get them back either
    web.logout()
    web.login("051090001234")
    assert "to-khai-tk1.pdf" not in web.text(f"{APPLY}?draft={key}")
    assert _count(runtime, Dossier) == 0


def test_kept_files_are_forgotten_after_a_day(web, other_web, runtime, clock):
    web.signup()
    web.post(APPLY, p02_form(phone=""))
    assert _count(runtime, ApplicationDraft) == 1 and _count(runtime, PendingUpload) == 1
    clock.advance(timedelta(days=1, minutes=1))
    other_web.signup(id_number="051090005678", name="Lê Văn Bình", phone="0912000111")
    other_web.post(APPLY, p02_form(full_name="Lê Văn Bình", citizen_id="051090005678", phone=""))
    # the day-old draft and its file are gone; only the new one is kept
    with runtime.db.read() as session:
        assert session.scalars(select(PendingUpload.filename)).all() == ["to-khai-tk1.pdf"]
        assert session.scalar(select(ApplicationDraft.created_at)) == clock.now()


# --- check your answers ------------------------------------------------------------------------


def test_check_your_answers_lists_every_answer_and_file_with_change_links(web, runtime):
    web.signup()
    response = web.post(APPLY, p02_form(date_of_birth="14/05/1990"))
    assert response.status_code == 302
    check = response.headers["Location"]
    key = check.rsplit("=", 1)[-1]
    assert _count(runtime, Dossier) == 0  # nothing is sent before the check
    page = web.text(check)
    assert "Kiểm tra lại trước khi gửi" in page
    for shown in ("Nguyễn Văn An", "051090001234", "14/05/1990", "0912345678", "1.500.000 đồng", "to-khai-tk1.pdf"):
        assert shown in page, shown
    assert f'href="/procedures/P02/apply?draft={key}#field-phone"' in page
    assert f'href="/procedures/P02/apply?draft={key}#field-doc-tk1_ts"' in page
    # "change" opens the form with the answers and the files as they were
    form = web.text(f"{APPLY}?draft={key}")
    assert 'value="14/05/1990"' in form and "<strong>to-khai-tk1.pdf</strong>" in form
    code = _send(web, key)
    assert runtime.dossiers.get(code).status == 1
    # sent twice (a double click, the back button): still one dossier
    again = web.post(f"{APPLY}/submit", {"submission": key}, page=APPLY)
    assert again.headers["Location"].endswith(f"/dossiers/{code}/submitted")
    assert _count(runtime, Dossier) == 1


def _send(web, key: str) -> str:
    check = f"{APPLY}/check?draft={key}"
    response = web.post(f"{APPLY}/submit", {"submission": key}, page=check)
    assert response.status_code == 302 and response.headers["Location"].endswith("/submitted")
    return response.headers["Location"].rsplit("/", 2)[-2]


# --- dates --------------------------------------------------------------------------------------


def test_dates_are_typed_and_shown_day_first_with_a_hint(web, runtime):
    web.signup()
    page = web.text(APPLY)
    field = re.search(r'<input id="field-date_of_birth"[^>]*>', page, re.S).group(0)
    assert 'type="text"' in field and 'aria-describedby="hint-date_of_birth' in field
    assert "ví dụ 31/12/1990" in page
    page = web.post(APPLY, p02_form(date_of_birth="31/02/1990")).get_data(as_text=True)
    assert "Không có ngày 31/02/1990: ngày viết theo ngày/tháng/năm, ví dụ 31/12/1990" in page
    assert 'value="31/02/1990"' in page  # what was typed stays as typed
    code = submit_application(web, "P02", p02_form(date_of_birth="1990-05-14"))  # the ISO form is read too
    assert "14/05/1990" in web.text(f"/dossiers/{code}")
    english(web)
    assert "e.g. 31/12/1990" in web.text(APPLY)


# --- the printable blank form -------------------------------------------------------------------


def test_the_procedure_page_links_its_blank_form_as_a_pdf(web):
    page = web.text("/procedures/P02")
    assert 'href="/procedures/P02/blank-form.pdf"' in page and "TK1-TS" in page
    response = web.get("/procedures/P02/blank-form.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and b"/Count 1" in response.data  # one page to print
    assert web.get("/procedures/P01/blank-form.pdf").status_code == 200
    # a procedure without a form of the office's has no link and no PDF
    assert "blank-form.pdf" not in web.text("/procedures/P09")
    assert web.get("/procedures/P09/blank-form.pdf").status_code == 404
    assert web.get("/procedures/P99/blank-form.pdf").status_code == 404


def test_an_account_keeps_at_most_five_forms_and_no_answer_is_stored_whole_past_its_limit(web, runtime):
    web.signup()
    for _ in range(7):
        web.post(APPLY, p02_form(phone=""))
    assert _count(runtime, ApplicationDraft) == 5 and _count(runtime, PendingUpload) == 5
    page = web.post(APPLY, p02_form(full_name="A" * 300_000)).get_data(as_text=True)
    assert "Tối đa 100 ký tự" in page
    with runtime.db.read() as session:
        newest = session.scalars(select(ApplicationDraft).order_by(ApplicationDraft.id.desc())).first()
        assert len(newest.answers["full_name"]) == 101


# --- lists as cards on a phone --------------------------------------------------------------------


def test_the_lists_carry_what_a_phone_needs_to_show_them_as_cards(web):
    page = web.text("/procedures")
    assert '<table class="cards-on-phone">' in page
    assert 'data-label="Thời hạn giải quyết"' in page and '<td class="card-title"><a href="/procedures/P02">' in page
    home = web.text("/")
    assert re.search(r'<div class="search-row">\s*<input id="search-q"', home)
    assert 'role="search"' not in home and "<search>" in home  # a landmark without Pico's squeezing group style
    web.signup()
    code = apply_p02(web)
    mine = web.text("/dossiers")
    assert '<table class="cards-on-phone">' in mine
    assert re.search(r'<td data-label="Trạng thái"><span class="tag tag-status">', mine)
    assert f'<td class="card-title"><a href="/dossiers/{code}">' in mine
