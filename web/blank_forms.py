"""Blank forms an applicant may print and fill in by hand (at home, or before coming to the desk),
for the documents of a procedure that are a form of the social-insurance office: today the
declaration TK1-TS. The form is printed in Vietnamese, the language it is filed in, with the same
PDF library and fonts as the slips (web/slips.py)."""

from __future__ import annotations

from dataclasses import dataclass

from fpdf.enums import XPos, YPos

from engine.workflow.metadata import ProcedureMeta

from .slips import FONT, LINE, _Pdf

ROW = 9  # mm: room to write by hand


@dataclass(frozen=True)
class BlankForm:
    code: str  # the form's official code, e.g. "TK1-TS"
    title: str
    legal_basis: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # (heading, numbered items left blank)
    declaration: str


# Mẫu TK1-TS (Quyết định 505/QĐ-BHXH, sửa đổi Quyết định 595/QĐ-BHXH): the items a person fills in
TK1_TS = BlankForm(
    code="TK1-TS",
    title="TỜ KHAI THAM GIA, ĐIỀU CHỈNH THÔNG TIN BẢO HIỂM XÃ HỘI, BẢO HIỂM Y TẾ",
    legal_basis="Mẫu TK1-TS (ban hành kèm theo Quyết định số 505/QĐ-BHXH ngày 27/3/2020 của BHXH Việt Nam)",
    sections=(
        (
            "I. Áp dụng đối với người tham gia chưa được cấp mã số BHXH",
            (
                "Họ và tên (viết chữ in hoa)",
                "Ngày, tháng, năm sinh (ngày/tháng/năm)",
                "Giới tính",
                "Quốc tịch",
                "Dân tộc",
                "Nơi đăng ký giấy khai sinh (xã, huyện, tỉnh)",
                "Địa chỉ nhận kết quả",
                "Số CCCD / Hộ chiếu",
                "Số điện thoại liên hệ",
                "Họ tên cha / mẹ / người giám hộ (đối với trẻ em dưới 6 tuổi)",
                "Mức tiền đăng ký đóng (đối với người tham gia BHXH tự nguyện)",
                "Phương thức đóng (tháng / 3 tháng / 6 tháng / 12 tháng / một lần)",
            ),
        ),
        (
            "II. Áp dụng đối với người tham gia đã được cấp mã số BHXH",
            (
                "Họ và tên",
                "Mã số BHXH",
                "Nội dung thay đổi, yêu cầu",
                "Hồ sơ kèm theo (nếu có)",
            ),
        ),
    ),
    declaration=(
        "Tôi cam đoan những nội dung kê khai là đúng và chịu trách nhiệm trước pháp luật về những nội dung đã kê khai."
    ),
)

# the office's forms, by the procedures' document id
FORMS = {"tk1_ts": TK1_TS}


def blank_form_of(meta: ProcedureMeta) -> BlankForm | None:
    """The printable form of a procedure: the first of its documents that is one of the office's forms."""
    return next((FORMS[d.id] for d in meta.documents if d.id in FORMS), None)


def render(form: BlankForm, office: str) -> bytes:
    pdf = _Pdf(f"Mẫu {form.code}", "Trang {page}/{nb}")
    pdf.set_title(f"{form.title} ({form.code})")
    pdf.set_creator("Motcua")
    pdf.add_page()
    half, top = pdf.epw / 2, pdf.get_y()
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(half, 5, office.upper(), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(half, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.multi_cell(half, 5, "Độc lập - Tự do - Hạnh phúc", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(half, 5, f"Mẫu {form.code}", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(0, 6.5, form.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8.5)
    pdf.multi_cell(0, 5, form.legal_basis, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    number = 0
    for heading, items in form.sections:
        pdf.set_font(FONT, "B", 10.5)
        pdf.multi_cell(0, LINE + 1, heading, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 10)
        for item in items:
            number += 1
            pdf.write(ROW, f"[{number:02d}] {item}: ")
            _dots_to_line_end(pdf)
        pdf.ln(2)
    pdf.ln(2)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, LINE, form.declaration, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_x(pdf.l_margin + half)
    pdf.multi_cell(
        half, 5, "......, ngày ..... tháng ..... năm ..........", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT
    )
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(half, 5, "NGƯỜI KÊ KHAI", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8.5)
    pdf.multi_cell(half, 5, "(Ký, ghi rõ họ tên)", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _dots_to_line_end(pdf: _Pdf) -> None:
    """A dotted line from the text to the margin, and one more line if little room is left."""
    room = pdf.l_margin + pdf.epw - pdf.get_x()
    dot = pdf.get_string_width(".")
    if room < 40:
        pdf.ln(ROW)
        room = pdf.epw
    pdf.write(ROW, "." * (int(room / dot) - 3))  # a few short of the margin: never wraps
    pdf.ln(ROW)
