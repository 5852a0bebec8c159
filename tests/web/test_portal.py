"""The applicants' portal: finding a procedure, applying with documents, my dossiers, answering a
request for papers, withdrawing, rating the service."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import timedelta
from io import BytesIO

from sqlalchemy import func, select

from engine.data.models import Dossier
from engine.design.simulation import apply_step
from engine.people.officers import Actor
from tests.helpers import P02_APPLICATION, do_task, open_task

# filetype recognises a PDF by its %PDF- header and a PNG by its signature and IHDR chunk
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
_IHDR = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + struct.pack(">I", len(_IHDR))
    + b"IHDR"
    + _IHDR
    + struct.pack(">I", zlib.crc32(b"IHDR" + _IHDR))
)


def english(web) -> None:
    web.post("/language", {"lang": "en", "next": "/"}, page="/")


def p02_form(**changes):
    """The P02 application with its required declaration (TK1-TS) attached as a PDF."""
    form = {**P02_APPLICATION, "doc-tk1_ts": (BytesIO(PDF), "to-khai-tk1.pdf")}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def apply_p02(web, **changes) -> str:
    """Apply for P02 through the portal; returns the new dossier's code."""
    return submit_application(web, "P02", p02_form(**changes))


def submit_application(web, procedure: str, form: dict) -> str:
    """Fill in the form, pass the "check your answers" page and send; the new dossier's code."""
    response = web.post(f"/procedures/{procedure}/apply", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    check = response.headers["Location"]
    assert f"/procedures/{procedure}/apply/check?draft=" in check
    key = check.rsplit("=", 1)[-1]
    response = web.post(f"/procedures/{procedure}/apply/submit", {"submission": key}, page=check)
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.endswith("/submitted")
    return location.rsplit("/", 2)[-2]


def test_search_finds_procedures_in_both_languages_with_or_without_accents(web):
    for query in ("tự nguyện", "tu nguyen", "TU NGUYEN", "voluntary social", "P02"):
        page = web.text(f"/procedures?q={query}")
        assert "Đăng ký đóng bảo hiểm xã hội tự nguyện" in page, query
    page = web.text("/procedures?q=dang ky dong bao hiem")  # đ folds to d
    assert "Đăng ký đóng bảo hiểm xã hội tự nguyện" in page
    assert "P02" not in web.text("/procedures?q=no-such-procedure-xyz")
    employers = web.text("/procedures?who=employer")
    assert "P01" in employers and "P02" not in employers
    everyone = web.text("/procedures")
    assert "P01" in everyone and "P02" in everyone
    assert web.text("/").count('name="q"') == 1  # the home page's search box


def test_procedure_page_says_what_it_needs(web):
    english(web)
    page = web.text("/procedures/P02")
    assert "Declaration for joining / updating social and health insurance (form TK1-TS)" in page
    assert "Required" in page and "Optional" in page and "Original" in page and "Copy" in page
    assert "5 working days" in page
    assert "Free" in page
    assert "Social-insurance book" in page
    assert "Log in to apply online" in page
    assert web.get("/procedures/P99").status_code == 404


def test_apply_form_is_prefilled_from_the_account(web):
    web.signup(email="mai@example.vn")
    page = web.text("/procedures/P02/apply")
    assert 'value="Trần Thị Mai"' in page and 'value="051090001234"' in page
    assert 'value="0912345678"' in page and 'value="mai@example.vn"' in page
    assert 'name="doc-tk1_ts"' in page and 'accept=".pdf,.jpg,.jpeg,.png"' in page and "multiple" in page


def test_apply_with_a_pdf_shows_the_confirmation_with_the_code(web, runtime):
    web.signup()
    code = apply_p02(
        web, **{"doc-poor_household_certificate": [(BytesIO(PNG), "ho-ngheo-1.png"), (BytesIO(PDF), "ho-ngheo-2.pdf")]}
    )
    page = web.text(f"/dossiers/{code}/submitted")
    assert f'<p class="big-code">{code}</p>' in page
    assert f"/dossiers/{code}/receipt.pdf" in page and f"/track?code={code}" in page
    dossier = runtime.dossiers.get(code)
    assert dossier.status == 1 and dossier.applicant_id_number == "051090001234"
    detail = web.text(f"/dossiers/{code}")
    for filename in ("to-khai-tk1.pdf", "ho-ngheo-1.png", "ho-ngheo-2.pdf"):
        assert filename in detail
    assert "Nguyễn Văn An" in detail  # the application as filled in


def test_errors_are_shown_beside_each_field_and_the_input_is_kept(web, runtime):
    web.signup()
    response = web.post(
        "/procedures/P02/apply",
        p02_form(
            phone="12345", monthly_income="900000", result_channel="post", delivery_address="", **{"doc-tk1_ts": None}
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error-summary"' in page
    assert "Số điện thoại gồm 10 chữ số" in page
    assert "Giá trị tối thiểu là 1.500.000" in page
    assert "Vui lòng nhập Địa chỉ nhận kết quả qua bưu chính" in page
    assert 'id="error-doc-tk1_ts"' in page  # the required declaration is missing
    assert 'value="Nguyễn Văn An"' in page and 'value="12345"' in page and 'value="900000"' in page
    assert 'value="post" checked' in page
    with runtime.db.read() as session:
        assert session.query(Dossier).count() == 0


def test_english_messages_and_the_files_are_kept_after_an_error(web):
    web.signup()
    english(web)
    page = web.post("/procedures/P02/apply", p02_form(phone="")).get_data(as_text=True)
    assert "Enter Phone number" in page
    assert "choose your files again" not in page
    assert re.search(r"Already attached:\s*<strong>to-khai-tk1.pdf</strong>, 1 KB", page)


def test_a_text_file_named_pdf_or_a_file_too_large_is_refused(web, app, runtime):
    web.signup()
    response = web.post(
        "/procedures/P02/apply", p02_form(**{"doc-tk1_ts": (BytesIO(b"just some text, not a PDF"), "to-khai.pdf")})
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Tệp &#39;to-khai.pdf&#39; không phải PDF, JPEG hoặc PNG" in page
    assert 'id="error-doc-tk1_ts"' in page
    assert runtime.dossiers.open_tasks() == []
    app.config["MAX_UPLOAD_BYTES"] = 1024  # and one over the size limit
    big = (BytesIO(PDF + b"0" * 2000), "big.pdf")
    page = web.post("/procedures/P02/apply", p02_form(**{"doc-tk1_ts": big})).get_data(as_text=True)
    assert "Tệp &#39;big.pdf&#39; lớn hơn" in page


def test_an_individual_applies_only_with_their_own_citizen_id(web, runtime):
    web.signup()
    response = web.post("/procedures/P02/apply", p02_form(citizen_id="051090009999"))
    assert response.status_code == 400
    assert "chỉ nộp hồ sơ với số CCCD của mình (051090001234)" in response.get_data(as_text=True)


def test_an_employer_applies_only_for_employers_procedures_with_its_own_tax_code(web, runtime, catalogue):
    web.signup(id_number="4300812345", name="Công ty TNHH Sông Trà", kind="employer")
    assert web.get("/procedures/P02/apply").status_code == 302  # P02 is for individuals
    assert "P02" not in web.text("/procedures?who=employer")
    page = web.text("/procedures/P01/apply")
    assert 'value="Công ty TNHH Sông Trà"' in page and 'value="4300812345"' in page
    meta = catalogue.procedures["P01"].meta
    form = {**next(iter(meta.paths.values())).start, "tax_code": "4300899999"}
    form.update({f"doc-{d.id}": (BytesIO(PDF), f"{d.id}.pdf") for d in meta.documents if d.required})
    response = web.post("/procedures/P01/apply", form)
    assert "chỉ nộp hồ sơ với mã số thuế của mình (4300812345)" in response.get_data(as_text=True)
    form.update({f"doc-{d.id}": (BytesIO(PDF), f"{d.id}.pdf") for d in meta.documents if d.required})
    code = submit_application(web, "P01", {**form, "tax_code": "4300812345"})
    assert runtime.dossiers.get(code).applicant_id_number == "4300812345"
    response = web.post("/procedures/P07/apply", {"applicant_type": "individual", "tax_code": "4300812345"})
    assert "Tài khoản tổ chức nộp hồ sơ với tư cách đơn vị" in response.get_data(as_text=True)


def test_an_employer_applying_for_an_employee_files_the_dossier_under_its_own_tax_code(web, runtime, catalogue):
    web.signup(id_number="4300567812", name="Công ty Cổ phần Kết cấu thép Vạn Tường", kind="employer")
    meta = catalogue.procedures["P04"].meta
    start = next(p.start for p in meta.paths.values() if p.start.get("applicant_type") == "employer")
    form = {**start, **{f"doc-{d.id}": (BytesIO(PDF), f"{d.id}.pdf") for d in meta.documents if d.required}}
    code = submit_application(web, "P04", form)
    dossier = runtime.dossiers.get(code)
    assert dossier.applicant_id_number == "4300567812"
    assert dossier.applicant_name == "Công ty Cổ phần Kết cấu thép Vạn Tường"
    assert code in web.text("/dossiers")


def test_the_receipt_slip_downloads_as_a_pdf(web):
    web.signup()
    code = apply_p02(web)
    response = web.get(f"/dossiers/{code}/receipt.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert web.get(f"/dossiers/{code}/form-02.pdf").status_code == 404  # no papers asked for
    assert web.get(f"/dossiers/{code}/form-03.pdf").status_code == 404  # not refused


def test_my_dossiers_lists_them_newest_first_a_page_at_a_time(web, app, clock):
    app.config["PAGE_SIZE"] = 2
    web.signup()
    codes = []
    for _ in range(3):
        codes.append(apply_p02(web))
        clock.advance(timedelta(minutes=5))
    first = web.text("/dossiers")
    assert codes[2] in first and codes[1] in first and codes[0] not in first
    assert "Mới đăng ký trực tuyến" in first  # the status tag
    assert codes[0] in web.text("/dossiers?page=2")


def test_a_document_downloads_with_its_stored_type_as_an_attachment(web):
    web.signup()
    code = apply_p02(web)
    page = web.text(f"/dossiers/{code}")
    doc_url = page.split(f'href="/dossiers/{code}/documents/', 1)[1].split('"', 1)[0]
    response = web.get(f"/dossiers/{code}/documents/{doc_url}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_supplement_round_trip(web, runtime, office):
    web.signup()
    code = apply_p02(web)
    do_task(
        runtime,
        office,
        code,
        "reception_check",
        decision="supplement",
        missing_documents="Giấy chứng nhận hộ nghèo năm 2025",
        note="Chưa có tên trong danh sách",
    )
    page = web.text(f"/dossiers/{code}")
    assert "Giấy chứng nhận hộ nghèo năm 2025" in page and "Chưa có tên trong danh sách" in page
    assert f"/dossiers/{code}/form-02.pdf" in page
    slip = web.get(f"/dossiers/{code}/form-02.pdf")
    assert slip.status_code == 200 and slip.mimetype == "application/pdf"
    # no file: refused, nothing sent
    response = web.post(f"/dossiers/{code}/supplement", {"note": "Gửi bổ sung"}, page=f"/dossiers/{code}")
    assert response.status_code == 400
    assert runtime.dossiers.get(code).status == 5
    response = web.post(
        f"/dossiers/{code}/supplement",
        {"note": "Gửi bổ sung", "files": (BytesIO(PDF), "giay-ho-ngheo.pdf")},
        page=f"/dossiers/{code}",
    )
    assert response.status_code == 302
    assert open_task(runtime, code, "reception_recheck")
    page = web.text(f"/dossiers/{code}")
    assert "giay-ho-ngheo.pdf" in page
    assert 'name="files"' not in page  # nothing more to send until the desk asks again
    # sent once: a second answer (a double click, another tab) is refused in plain words
    again = web.post(
        f"/dossiers/{code}/supplement",
        {"files": (BytesIO(PDF), "lan-hai.pdf")},
        page=f"/dossiers/{code}",
        follow_redirects=True,
    )
    refused = again.get_data(as_text=True)
    assert "Hồ sơ này không còn chờ giấy tờ bổ sung: giấy tờ đã được gửi" in refused
    assert "supplement_received" not in refused and "không chờ thông điệp" not in refused
    assert "lan-hai.pdf" not in web.text(f"/dossiers/{code}")
    # asked again during processing: the form is back, and the papers send the dossier back to processing
    do_task(runtime, office, code, "reception_recheck", decision="accept")
    do_task(
        runtime,
        office,
        code,
        "collect_review",
        household_category="poor",
        monthly_income=1500000,
        support_checked=False,
        decision="supplement",
    )
    do_task(
        runtime,
        office,
        code,
        "processing_supplement_request",
        missing_documents="Giấy xác nhận của UBND xã",
        reason="Không có tên trong danh sách hộ nghèo",
    )
    page = web.text(f"/dossiers/{code}")
    assert 'name="files"' in page and "Giấy xác nhận của UBND xã" in page
    web.post(f"/dossiers/{code}/supplement", {"files": (BytesIO(PNG), "xac-nhan.png")}, page=f"/dossiers/{code}")
    assert runtime.dossiers.get(code).status == 4
    assert open_task(runtime, code, "collect_review")


def test_a_refused_dossier_says_why_and_offers_the_refusal_notice(web, runtime, office):
    web.signup()
    code = apply_p02(web)
    do_task(runtime, office, code, "reception_check", decision="refuse", refusal_reason="Đang tham gia BHXH bắt buộc")
    page = web.text(f"/dossiers/{code}")
    assert "Từ chối tiếp nhận" in page and "Đang tham gia BHXH bắt buộc" in page
    assert "/withdraw" not in page
    slip = web.get(f"/dossiers/{code}/form-03.pdf")
    assert slip.status_code == 200 and slip.mimetype == "application/pdf"


def test_withdraw_after_confirming(web, runtime):
    web.signup()
    code = apply_p02(web)
    page = web.text(f"/dossiers/{code}/withdraw")
    assert code in page and 'name="reason"' in page
    assert runtime.dossiers.get(code).status == 1  # asking to confirm changes nothing
    response = web.post(f"/dossiers/{code}/withdraw", {"reason": "Nộp nhầm thủ tục"})
    assert response.status_code == 302
    assert runtime.dossiers.get(code).status == 7
    assert "Công dân rút hồ sơ" in web.text(f"/dossiers/{code}")
    # a second time (another tab, the back button): refused in plain words, nothing changes
    stale = f"/dossiers/{code}"  # the confirmation page as it was opened before, its token alike
    again = web.post(f"/dossiers/{code}/withdraw", {"reason": "again"}, page=stale, follow_redirects=True)
    page = again.get_data(as_text=True)
    assert "Hồ sơ này không còn rút được" in page
    assert "withdrawal_requested" not in page and "không chờ thông điệp" not in page
    confirm = web.get(f"/dossiers/{code}/withdraw")  # nothing left to confirm
    assert confirm.status_code == 302 and confirm.headers["Location"].endswith(f"/dossiers/{code}")
    english(web)
    again = web.post(f"/dossiers/{code}/withdraw", {"reason": "again"}, page=stale, follow_redirects=True)
    assert "This dossier can no longer be withdrawn" in again.get_data(as_text=True)
    assert runtime.dossiers.get(code).status == 7


def _drive_to_returned(runtime, clock, office, catalogue, code) -> None:
    for step in catalogue.procedures["P02"].meta.paths["happy"].steps:
        apply_step(runtime, clock, code, step, office.by_role)
    assert runtime.dossiers.get(code).status == 10


def test_rating_once_the_result_is_returned(web, runtime, clock, office, catalogue):
    web.signup()
    code = apply_p02(web)
    early = web.post(
        f"/dossiers/{code}/rating", {"rating": "satisfied"}, page=f"/dossiers/{code}", follow_redirects=True
    )
    assert "Chỉ đánh giá được khi hồ sơ đã trả kết quả" in early.get_data(as_text=True)
    _drive_to_returned(runtime, clock, office, catalogue, code)
    page = web.text(f"/dossiers/{code}")
    assert 'name="rating"' in page and "Đã trả kết quả" in page
    bad = web.post(f"/dossiers/{code}/rating", {"rating": "ecstatic"})
    assert bad.status_code == 400 and "Chọn một trong" in bad.get_data(as_text=True)
    response = web.post(
        f"/dossiers/{code}/rating", {"rating": "very_satisfied", "comment": "Nhanh, gọn"}, page=f"/dossiers/{code}"
    )
    assert response.status_code == 302
    page = web.text(f"/dossiers/{code}")
    assert "Rất hài lòng" in page and "Nhanh, gọn" in page and 'name="rating"' not in page
    again = web.post(f"/dossiers/{code}/rating", {"rating": "not_satisfied"}, page="/dossiers", follow_redirects=True)
    assert "đã được đánh giá" in again.get_data(as_text=True)
    assert "Rất hài lòng" in web.text(f"/dossiers/{code}")


def test_postal_tracking_once_the_result_ships(web, runtime, office):
    web.signup()
    code = apply_p02(web, result_channel="post", delivery_address="12 Lê Lợi, Quảng Ngãi")
    do_task(runtime, office, code, "reception_check", decision="accept")
    do_task(
        runtime,
        office,
        code,
        "collect_review",
        household_category="poor",
        monthly_income=1500000,
        support_checked=True,
        decision="approve_request",
    )
    do_task(runtime, office, code, "leader_approval", decision="approve")
    do_task(runtime, office, code, "postal_dispatch", waybill="EB510234176VN")
    english(web)
    page = web.text(f"/dossiers/{code}")
    assert "EB510234176VN" in page and "On its way" in page
    runtime.dossiers.deliver_message(code, "postal_delivered", {"waybill": "EB510234176VN"}, Actor.system())
    assert "Delivered on" in web.text(f"/dossiers/{code}")


def test_the_same_application_sent_twice_makes_one_dossier(web, runtime):
    """A double click, or the form sent again with the browser's back button: one dossier."""
    web.signup()
    page = web.text("/procedures/P02/apply")
    submission = re.search(r'name="submission" value="([0-9a-f]{32})"', page).group(1)
    first = apply_p02(web, submission=submission)
    # "submit" clicked twice: the second answers with the dossier the first made
    again = web.post("/procedures/P02/apply/submit", {"submission": submission}, page="/procedures")
    assert again.headers["Location"].endswith(f"/dossiers/{first}/submitted")
    # the form sent again with the back button: its check page leads to that dossier too
    check = web.post("/procedures/P02/apply", p02_form(submission=submission)).headers["Location"]
    assert web.get(check).headers["Location"].endswith(f"/dossiers/{first}/submitted")
    with runtime.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Dossier)) == 1
    assert apply_p02(web) != first  # a new form is a new application


def test_going_back_to_a_sent_application_leads_to_its_dossier_not_to_an_empty_form(web, runtime):
    """The back button after "submit" (or a "change" link still open in another tab) finds the
    dossier the form made, instead of "no longer kept, fill it in again", which invites a second one."""
    web.signup()
    response = web.post("/procedures/P02/apply", p02_form())
    check = response.headers["Location"]
    key = check.rsplit("=", 1)[-1]
    sent = web.post("/procedures/P02/apply/submit", {"submission": key}, page=check)
    code = sent.headers["Location"].rsplit("/", 2)[-2]
    for back in (check, f"/procedures/P02/apply?draft={key}"):
        opened = web.get(back)
        assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/dossiers/{code}/submitted"), back
        page = web.text(opened.headers["Location"])
        assert f"Tờ khai này đã được nộp thành hồ sơ {code}" in page and "vui lòng khai lại" not in page, back
    with runtime.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Dossier)) == 1


def test_switching_language_after_a_form_error_keeps_the_answers_and_the_files(web):
    web.signup()
    response = web.post("/procedures/P02/apply", p02_form(phone="12345", address="Thôn Phú Bình, xã Tịnh Ấn Tây"))
    assert response.status_code == 400
    here = re.search(r'name="next" value="([^"]+)"', response.get_data(as_text=True)).group(1)
    switched = web.post("/language", {"lang": "en", "next": here.replace("&amp;", "&")}, page="/")
    page = web.text(switched.headers["Location"])
    assert "Apply online" in page  # in English now
    assert 'value="Thôn Phú Bình, xã Tịnh Ấn Tây"' in page and 'value="12345"' in page
    assert "to-khai-tk1.pdf" in page  # the file attached before the switch, not to be chosen again


def test_switching_language_on_a_page_sent_back_with_errors_opens_that_page_not_an_error(web, runtime, office):
    """A form sent back with errors is shown at the address it was posted to, which answers POST only:
    switching language there opens the page the form is on."""
    web.signup()
    code = apply_p02(web)
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="Bản sao CCCD")
    refused = web.post(f"/dossiers/{code}/supplement", {"note": "x"}, page=f"/dossiers/{code}")
    assert refused.status_code == 400
    for sent_back, page in ((refused, f"/dossiers/{code}"), (web.post("/account/tokens", {"name": ""}), "/account/")):
        here = re.search(r'name="next" value="([^"]+)"', sent_back.get_data(as_text=True)).group(1)
        switched = web.post("/language", {"lang": "en", "next": here}, page="/", follow_redirects=True)
        assert switched.status_code == 200 and switched.request.path == page, here
        web.post("/language", {"lang": "vi", "next": "/"}, page="/")
