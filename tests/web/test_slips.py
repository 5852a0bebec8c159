"""Printed slips (forms 01, 02, 03 and the result handover slip) of dossiers run through the engine.

No PDF reader is installed, so the tests read the PDFs themselves: the text a viewer shows (each
font's glyph codes mapped back through its ToUnicode table) and the embedded images.
"""

from __future__ import annotations

import io
import re
import zlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import segno
from flask import session
from fpdf import FPDF
from PIL import Image
from werkzeug.exceptions import NotFound

from engine.dossiers.documents import check_upload
from engine.dossiers.views import dossier_view
from engine.people.officers import Actor
from tests.helpers import P02_APPLICATION, do_task
from web import printouts, slips

APPLICANT = Actor.applicant("Nguyễn Văn An")
PDF = b"%PDF-1.4\n% a scanned form\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
VN = ZoneInfo("Asia/Ho_Chi_Minh")


# --- reading the PDFs ----------------------------------------------------------------------------

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(<<.*?>>)\s*(?=stream|endobj)(stream\r?\n)?", re.S)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)
_SIMPLE_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Each object's dictionary and its stream (inflated, but for images)."""
    found = {}
    for m in _OBJECT.finditer(pdf):
        head, body = m.group(2), b""
        if m.group(3):
            body = pdf[m.end() : m.end() + int(re.search(rb"/Length (\d+)", head).group(1))]
            if b"/FlateDecode" in head and b"/Subtype /Image" not in head:
                body = zlib.decompress(body)
        found[int(m.group(1))] = (head, body)
    return found


def _unescape(literal: bytes) -> bytes:
    def one(m):
        c = m.group(1)
        return bytes([int(c, 8)]) if c[:1].isdigit() else _SIMPLE_ESCAPES.get(c, c)

    return _ESCAPE.sub(one, literal)


def pdf_text(pdf: bytes) -> str:
    """The text of every line, in the order drawn, one line each; whitespace as drawn."""
    objects = _objects(pdf)
    to_unicode = {}
    for number, (head, _) in objects.items():
        if ref := re.search(rb"/ToUnicode (\d+) 0 R", head):
            cmap = objects[int(ref.group(1))][1]
            to_unicode[number] = {
                int(code, 16): chr(int(char, 16))
                for code, char in re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]{4})>", cmap)
            }
    fonts = {name: to_unicode[int(number)] for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", pdf)}
    lines, font = [], None
    for head, body in objects.values():
        if b"/Subtype" in head or b"BT" not in body:
            continue
        for block in re.findall(rb"\bBT\b(.*?)\bET\b", body, re.S):
            text = ""
            for token in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)", block, re.S):
                if token.group(1):
                    font = fonts[token.group(1)]
                else:
                    raw = _unescape(token.group(2))
                    text += "".join(font[int.from_bytes(raw[i : i + 2], "big")] for i in range(0, len(raw), 2))
            if text:
                lines.append(text)
    return "\n".join(lines)


def flat(pdf: bytes) -> str:
    """The text with lines joined, so a value wrapped over lines reads as one."""
    return " ".join(pdf_text(pdf).split())


def image_streams(pdf: bytes) -> list[bytes]:
    return [body for head, body in _objects(pdf).values() if b"/Subtype /Image" in head]


def qr_images(url: str) -> list[bytes]:
    """How the QR code of this URL looks once embedded in a PDF."""
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(slips.qr_png(url)), x=10, y=10, w=30, h=30)
    return image_streams(bytes(pdf.output()))


def local(moment) -> str:
    return moment.astimezone(VN).strftime("%d/%m/%Y %H:%M")


# --- dossiers ------------------------------------------------------------------------------------


def view_of(runtime, code):
    with runtime.db.read() as s:
        return dossier_view(s, runtime.versions, code)


def approve(runtime, office, code):
    do_task(runtime, office, code, "reception_check", decision="accept")
    do_task(
        runtime,
        office,
        code,
        "collect_review",
        household_category="poor",
        monthly_income="1500000",
        support_checked=True,
        decision="approve_request",
    )
    do_task(runtime, office, code, "leader_approval", decision="approve")


def tracking_url(code: str) -> str:
    return f"https://motcua.test/track?code={code}"


def test_receipt_lists_applicant_documents_limit_appointment_channel_and_a_qr_to_track(app, runtime, office):
    code = runtime.dossiers.start(
        "P02",
        {
            **P02_APPLICATION,
            "email": "an.nguyen@example.vn",
            "result_channel": "post",
            "delivery_address": "Thôn Phú Bình, xã Tịnh Ấn Tây",
        },
        APPLICANT,
        documents=[
            check_upload("tk1_ts", "to-khai-trang-1.pdf", PDF),
            check_upload("tk1_ts", "to-khai-trang-2.pdf", PDF),
            check_upload("supplement", "giay-xac-nhan.png", PNG),
        ],
    )
    do_task(runtime, office, code, "reception_check", decision="accept")
    view = view_of(runtime, code)
    assert view.appointment_at is not None

    with app.test_request_context():
        response = printouts.receipt_response(view, tracking_url(code))

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="{code}-form-01.pdf"'
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF-")
    text = flat(pdf)
    for expected in [
        "BẢO HIỂM XÃ HỘI TỈNH",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Mẫu số 01",
        f"Mã hồ sơ: {code}",
        "Người nộp hồ sơ: Nguyễn Văn An",
        "051090001234",
        "Địa chỉ: 12 Lê Lợi, phường Nghĩa Chánh, Quảng Ngãi",
        "0912345678",
        "an.nguyen@example.vn",
        "Đăng ký đóng bảo hiểm xã hội tự nguyện",
        "1. Tờ khai tham gia, điều chỉnh thông tin BHXH, BHYT (Mẫu TK1-TS) (2 tệp)",
        "2. giay-xac-nhan.png (1 tệp)",
        "5 ngày làm việc",
        "Thời gian nhận hồ sơ: 02/03/2026 09:00",
        f"Thời gian hẹn trả kết quả: {local(view.appointment_at)}",
        "Nhận qua dịch vụ bưu chính công ích",
        "Địa chỉ nhận kết quả: Thôn Phú Bình, xã Tịnh Ấn Tây",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Nguyễn Thị Lan",
        tracking_url(code),
        "In từ Motcua lúc 02/03/2026 09:00 · Trang 1/1",
    ]:
        assert expected in text
    # the one image is the QR code of the tracking page, not of any other address
    assert image_streams(pdf) == qr_images(tracking_url(code))
    assert qr_images(tracking_url(code)) != qr_images(tracking_url("BHXH.QNI-260302-9999"))


def test_receipt_in_english_before_acceptance_sets_the_appointment_later(app, runtime, office):
    code = runtime.dossiers.start("P02", P02_APPLICATION, APPLICANT)
    view = view_of(runtime, code)

    with app.test_request_context():
        session["lang"] = "en"
        text = flat(printouts.receipt_response(view, tracking_url(code)).get_data())

    for expected in [
        "QUANG NGAI PROVINCIAL SOCIAL INSURANCE",
        "RECEIPT AND APPOINTMENT SLIP",
        f"Dossier code: {code}",
        "Procedure requested: Voluntary social-insurance registration",
        "Documents received: No files attached",
        "Legal time limit: 5 working days",
        "Result due: Set when the dossier is accepted",
        "Electronically, on the public service portal",
        "Printed from Motcua at 02/03/2026 09:00 · Page 1/1",
    ]:
        assert expected in text
    assert "E-mail" not in text  # none given: no empty line for it
    assert "Delivery address" not in text
    assert "Nguyễn Thị Lan" not in text  # nobody at the desk has accepted it yet


def test_supplement_request_lists_everything_missing_with_the_reason_and_who_asked(app, runtime, office):
    code = runtime.dossiers.start("P02", P02_APPLICATION, APPLICANT)
    do_task(
        runtime,
        office,
        code,
        "reception_check",
        decision="supplement",
        note="Tờ khai chưa có chữ ký",
        missing_documents="Tờ khai TK1-TS có chữ ký\n\n  Giấy chứng nhận hộ nghèo năm 2026  ",
    )
    view = view_of(runtime, code)

    with app.test_request_context():
        response = printouts.supplement_response(view, tracking_url(code))

    assert response.headers["Content-Disposition"] == f'inline; filename="{code}-form-02.pdf"'
    text = flat(response.get_data())
    for expected in [
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "Mẫu số 02",
        code,
        "Nguyễn Văn An",
        "1. Tờ khai TK1-TS có chữ ký 2. Giấy chứng nhận hộ nghèo năm 2026 Lý do: Tờ khai chưa có chữ ký",
        "Ngày yêu cầu: 02/03/2026 09:00",
        "Hồ sơ của tôi",
        "NGƯỜI HƯỚNG DẪN",
        "Nguyễn Thị Lan",
        tracking_url(code),
    ]:
        assert expected in text
    assert image_streams(response.get_data()) == qr_images(tracking_url(code))


def test_supplement_slip_is_the_last_one_asked_for(app, runtime, office):
    code = runtime.dossiers.start("P02", P02_APPLICATION, APPLICANT)
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="Tờ khai TK1-TS")
    runtime.dossiers.deliver_message(code, "supplement_received", {"documents": ["tk1_ts"]}, office.desk)
    do_task(runtime, office, code, "reception_recheck", decision="accept")
    do_task(
        runtime,
        office,
        code,
        "collect_review",
        household_category="poor",
        monthly_income="1500000",
        support_checked=False,
        decision="supplement",
    )
    do_task(
        runtime,
        office,
        code,
        "processing_supplement_request",
        missing_documents="Giấy chứng nhận hộ nghèo năm 2026 do UBND xã cấp",
        reason="Không có tên trong danh sách hộ nghèo của xã",
    )

    with app.test_request_context():
        text = flat(printouts.supplement_response(view_of(runtime, code), tracking_url(code)).get_data())

    assert "1. Giấy chứng nhận hộ nghèo năm 2026 do UBND xã cấp" in text
    assert "Lý do: Không có tên trong danh sách hộ nghèo của xã" in text
    assert "Tờ khai TK1-TS" not in text


def test_refusal_gives_each_reason_the_date_and_the_officer(app, runtime, office):
    code = runtime.dossiers.start("P02", P02_APPLICATION, APPLICANT)
    do_task(
        runtime,
        office,
        code,
        "reception_check",
        decision="refuse",
        refusal_reason="Đang tham gia BHXH bắt buộc\nKhông thuộc đối tượng tham gia BHXH tự nguyện",
    )

    with app.test_request_context():
        response = printouts.refusal_response(view_of(runtime, code))

    assert response.headers["Content-Disposition"] == f'inline; filename="{code}-form-03.pdf"'
    pdf = response.get_data()
    text = flat(pdf)
    for expected in [
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "Mẫu số 03",
        code,
        "Nguyễn Văn An",
        "Lý do từ chối: 1. Đang tham gia BHXH bắt buộc 2. Không thuộc đối tượng tham gia BHXH tự nguyện",
        "Ngày từ chối: 02/03/2026 09:00",
        "Xin trân trọng thông báo!",
        "Nguyễn Thị Lan",
    ]:
        assert expected in text
    assert image_streams(pdf) == []  # nothing to track any more


def test_handover_at_the_counter_is_printed_before_and_after_the_result_is_handed_over(app, runtime, office, clock):
    code = runtime.dossiers.start("P02", {**P02_APPLICATION, "result_channel": "counter"}, APPLICANT)
    approve(runtime, office, code)
    assert view_of(runtime, code).status == 9

    with app.test_request_context():
        before = flat(printouts.handover_response(view_of(runtime, code)).get_data())
    assert "PHIẾU TRẢ KẾT QUẢ GIẢI QUYẾT HỒ SƠ" in before
    assert "Nhận tại Bộ phận tiếp nhận và trả kết quả" in before
    assert f"Người nhận kết quả: {slips.BLANK}" in before  # to fill in by hand
    assert f"Thời gian trả kết quả: {slips.BLANK}" in before

    clock.advance(timedelta(hours=2))
    do_task(runtime, office, code, "counter_handover", receiver_name="Lê Thị Hồng Nhung")
    with app.test_request_context():
        response = printouts.handover_response(view_of(runtime, code))

    assert response.headers["Content-Disposition"] == f'inline; filename="{code}-handover.pdf"'
    text = flat(response.get_data())
    for expected in [
        "Kết quả giải quyết: Sổ BHXH (cấp cho người tham gia lần đầu)",
        "Người nhận kết quả: Lê Thị Hồng Nhung",
        "Thời gian trả kết quả: 02/03/2026 11:00",
        "NGƯỜI NHẬN KẾT QUẢ",
        "NGƯỜI TRẢ KẾT QUẢ",
        "Nguyễn Thị Lan",
    ]:
        assert expected in text
    assert slips.BLANK not in text


def test_handover_by_post_gives_the_waybill_and_when_it_was_delivered(app, runtime, office, clock):
    code = runtime.dossiers.start(
        "P02", {**P02_APPLICATION, "result_channel": "post", "delivery_address": "Thôn Tân Hòa, xã Bình Sơn"}, APPLICANT
    )
    approve(runtime, office, code)
    do_task(runtime, office, code, "postal_dispatch", waybill="EB510234176VN")
    clock.advance(timedelta(days=1))
    runtime.dossiers.deliver_message(code, "postal_delivered", {"waybill": "EB510234176VN"}, Actor.system())

    with app.test_request_context():
        session["lang"] = "en"
        text = flat(printouts.handover_response(view_of(runtime, code)).get_data())

    for expected in [
        "RESULT HANDOVER SLIP",
        "Returned: By public postal service",
        "Postal waybill number: EB510234176VN",
        "Delivery address: Thôn Tân Hòa, xã Bình Sơn",
        "Returned at: 02/03/2026 09:00",
        "Delivered at: 03/03/2026 09:00",
        "HANDED OVER BY",
        "Nguyễn Thị Lan",
    ]:
        assert expected in text


def test_a_slip_the_dossier_does_not_have_is_not_found(app, runtime, office):
    code = runtime.dossiers.start("P02", P02_APPLICATION, APPLICANT)
    fresh = view_of(runtime, code)
    approve(runtime, office, code)
    returned = view_of(runtime, code)  # electronic result: returned as soon as it is approved
    assert returned.status == 10

    with app.test_request_context():
        for slip in (lambda v: printouts.supplement_response(v, tracking_url(code)), printouts.refusal_response):
            for view in (fresh, returned):
                with pytest.raises(NotFound):
                    slip(view)
        with pytest.raises(NotFound):
            printouts.handover_response(fresh)
        text = flat(printouts.handover_response(returned).get_data())
    assert "Hình thức trả kết quả: Nhận kết quả điện tử trên Cổng Dịch vụ công" in text
    assert "Thời gian trả kết quả: 02/03/2026 09:00" in text


# --- rendering alone -----------------------------------------------------------------------------


def test_a_long_list_flows_onto_a_second_page_with_the_footer_on_each():
    facts = slips.DossierFacts(
        "vi",
        "Bảo hiểm xã hội tỉnh",
        "BHXH.QNI-260302-0001",
        "Cấp lại sổ BHXH",
        slips.Applicant("Trần Thị Mai", "051090001234"),
        datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
        ZoneInfo("Asia/Ho_Chi_Minh"),
    )
    missing = "\n".join(f"Giấy tờ số {n}" for n in range(1, 61))
    slip = slips.supplement(
        facts,
        missing=missing,
        reason="",
        asked_at=facts.printed_at,
        officer="Nguyễn Thị Lan",
        tracking_url="https://motcua.test/track",
    )

    assert dict(slip.rows)["Giấy tờ cần bổ sung, hoàn thiện"] == tuple(f"Giấy tờ số {n}" for n in range(1, 61))
    assert "Lý do" not in dict(slip.rows)  # no reason given: no empty line
    text = pdf_text(slips.render(slip))
    assert "60. Giấy tờ số 60" in text.splitlines()
    assert "Trang 1/2" in text and "Trang 2/2" in text


def test_the_qr_image_is_a_full_qr_code_of_the_url_with_its_quiet_zone():
    url = "https://motcua.test/track?code=BHXH.QNI-260302-0042"
    expected = segno.make_qr(url, error="m")  # made independently of slips.qr_code
    image = Image.open(io.BytesIO(slips.qr_png(url))).convert("L")
    size = expected.symbol_size(scale=1, border=0)[0]
    scale = image.width // (size + 8)  # 4 modules of quiet zone on each side

    modules = [
        [image.getpixel(((4 + x) * scale + scale // 2, (4 + y) * scale + scale // 2)) < 128 for x in range(size)]
        for y in range(size)
    ]
    assert image.width == image.height == (size + 8) * scale
    assert modules == [[bool(m) for m in row] for row in expected.matrix]
    assert all(image.getpixel((i, 0)) > 128 for i in range(image.width))
