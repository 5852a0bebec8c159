"""Printed slips of the one-stop desk as A4 PDFs: the receipt and appointment slip (form 01), the
supplement request (form 02), the refusal (form 03) and the result handover slip.

Pure rendering, no Flask: web/printouts.py gathers the plain data these builders take from a
dossier. The builders return a Slip (what it says, as label/value rows, already in one language)
and render() lays it out. The wording comes from the pages' Babel catalogue (message context
"slip"); times are shown in the office's time zone, given with the facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import segno
from babel.support import Translations
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from engine.forms import Message

FONTS = Path(__file__).resolve().parent / "static" / "fonts"
BLANK = "." * 60  # a line left to fill in by hand

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


@lru_cache(maxsize=8)
def labels(lang: str) -> dict:
    """The slips' wording in `lang`, from the same Babel catalogue as the pages (context "slip")."""
    catalogue = Translations.load(str(TRANSLATIONS), [lang])

    def pgettext(context: str, message: str) -> str:
        return catalogue.pgettext(context, message)

    def npgettext(context: str, singular: str, plural: str, n: int) -> str:
        return catalogue.npgettext(context, singular, plural, n)

    return {
        "form": pgettext("slip", "Form {n}"),
        "desk": pgettext("slip", "ONE-STOP DESK"),
        "nation": pgettext("slip", "SOCIALIST REPUBLIC OF VIET NAM"),
        "motto": pgettext("slip", "Independence - Freedom - Happiness"),
        "code": pgettext("slip", "Dossier code"),
        "applicant": pgettext("slip", "Applicant"),
        "id_number": pgettext("slip", "Citizen ID / tax code"),
        "address": pgettext("slip", "Address"),
        "phone": pgettext("slip", "Phone"),
        "email": pgettext("slip", "E-mail"),
        "procedure": pgettext("slip", "Procedure requested"),
        "sign_hint": pgettext("slip", "(Signature and full name)"),
        "printed": pgettext("slip", "Printed from Motcua at {at}"),
        "page": pgettext("slip", "Page {page}/{nb}"),
        "track_hint": pgettext(
            "slip",
            "Track this dossier: scan the QR code or open the address below, then enter the dossier code "
            "and the citizen ID / tax code.",
        ),
        "receipt": pgettext("slip", "RECEIPT AND APPOINTMENT SLIP"),
        "documents": pgettext("slip", "Documents received"),
        "files": lambda n: npgettext("slip", "{n} file", "{n} files", n).format(n=n),
        "no_documents": pgettext("slip", "No files attached"),
        "limit": pgettext("slip", "Legal time limit"),
        "working_days": pgettext("slip", "{n} working days"),
        "calendar_days": pgettext("slip", "{n} days"),
        "calendar_no_holidays_days": pgettext("slip", "{n} days not counting public holidays and Tết"),
        "received_at": pgettext("slip", "Received"),
        "appointment_at": pgettext("slip", "Result due"),
        "appointment_pending": pgettext("slip", "Set when the dossier is accepted"),
        "channel": pgettext("slip", "How the result is returned"),
        "channels": {
            "electronic": pgettext("slip", "Electronically, on the public service portal"),
            "counter": pgettext("slip", "At the one-stop desk"),
            "post": pgettext("slip", "By public postal service"),
        },
        "delivery_address": pgettext("slip", "Delivery address"),
        "applicant_signs": pgettext("slip", "APPLICANT"),
        "receiving_officer": pgettext("slip", "RECEIVING OFFICER"),
        "supplement": pgettext("slip", "REQUEST TO SUPPLEMENT THE DOSSIER"),
        "missing": pgettext("slip", "Documents to supply or complete"),
        "reason": pgettext("slip", "Reason"),
        "asked_at": pgettext("slip", "Requested on"),
        "how_to_send": pgettext("slip", "How to send them"),
        "how_to_send_text": pgettext(
            "slip",
            'Online under "My dossiers" on the public service portal, or in person at the one-stop desk; '
            "quote the dossier code.",
        ),
        "guiding_officer": pgettext("slip", "OFFICER"),
        "refusal": pgettext("slip", "REFUSAL TO ACCEPT THE DOSSIER"),
        "reasons": pgettext("slip", "Reasons for refusal"),
        "refused_at": pgettext("slip", "Refused on"),
        "refusal_closing": pgettext("slip", "The office cannot accept this dossier for the reasons above."),
        "handover": pgettext("slip", "RESULT HANDOVER SLIP"),
        "result": pgettext("slip", "Result"),
        "channel_used": pgettext("slip", "Returned"),
        "receiver": pgettext("slip", "Received by"),
        "waybill": pgettext("slip", "Postal waybill number"),
        "returned_at": pgettext("slip", "Returned at"),
        "delivered_at": pgettext("slip", "Delivered at"),
        "receiver_signs": pgettext("slip", "RECEIVED BY"),
        "returning_officer": pgettext("slip", "HANDED OVER BY"),
    }


Value = str | tuple[str, ...]  # text, or a numbered list


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str
    address: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class DossierFacts:
    """What every slip says about the dossier, in the slip's language."""

    lang: str
    office: str
    code: str
    procedure: str
    applicant: Applicant
    printed_at: datetime
    zone: ZoneInfo  # the office's time zone (settings)


@dataclass(frozen=True)
class Slip:
    lang: str
    office: str
    form: str  # "Mẫu số 01", or "" for slips that are not a numbered form
    title: str
    code: str
    rows: tuple[tuple[str, Value], ...]
    signers: tuple[tuple[str, str], ...]  # (role, name): a place to sign for each
    printed_at: datetime
    zone: ZoneInfo
    qr_url: str | None = None
    closing: str = ""


def when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M") if moment else ""


def lines(text: str) -> tuple[str, ...]:
    """An officer's free text (missing papers, reasons) as one item per non-empty line."""
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def receipt(
    facts: DossierFacts,
    *,
    documents: Sequence[tuple[str, int]],
    limit_days: int,
    limit_unit: str,
    limit_label: Message | None = None,
    received_at: datetime,
    appointment_at: datetime | None,
    channel: str | None,
    delivery_address: str,
    officer: str,
    tracking_url: str,
) -> Slip:
    """Form 01. `documents`: (name, number of files) for each kind of document received."""
    t = labels(facts.lang)
    files = tuple(f"{name} ({t['files'](n)})" for name, n in documents)
    unit_key = {"working": "working_days", "calendar_no_holidays": "calendar_no_holidays_days"}
    days = t[unit_key.get(limit_unit, "calendar_days")].format(n=limit_days)
    if limit_label is not None:  # a limit that depends on the application: which case this one is
        days += f" ({limit_label.vi if facts.lang == 'vi' else limit_label.en})"
    rows = [
        *_applicant_rows(t, facts, with_contact=True),
        (t["documents"], files or t["no_documents"]),
        (t["limit"], days),
        (t["received_at"], when(received_at, facts.zone)),
        (t["appointment_at"], when(appointment_at, facts.zone) or t["appointment_pending"]),
        (t["channel"], t["channels"].get(channel or "", "")),
    ]
    if channel == "post":
        rows.append((t["delivery_address"], delivery_address))
    return _slip(
        facts,
        "01",
        "receipt",
        rows,
        ((t["applicant_signs"], facts.applicant.name), (t["receiving_officer"], officer)),
        qr_url=tracking_url,
    )


def supplement(
    facts: DossierFacts, *, missing: str, reason: str, asked_at: datetime, officer: str, tracking_url: str
) -> Slip:
    """Form 02: everything missing, asked for at once."""
    t = labels(facts.lang)
    rows = [
        *_applicant_rows(t, facts),
        (t["missing"], lines(missing)),
        (t["reason"], reason),
        (t["asked_at"], when(asked_at, facts.zone)),
        (t["how_to_send"], t["how_to_send_text"]),
    ]
    return _slip(facts, "02", "supplement", rows, ((t["guiding_officer"], officer),), qr_url=tracking_url)


def refusal(facts: DossierFacts, *, reasons: str, refused_at: datetime, officer: str) -> Slip:
    """Form 03."""
    t = labels(facts.lang)
    rows = [*_applicant_rows(t, facts), (t["reasons"], lines(reasons)), (t["refused_at"], when(refused_at, facts.zone))]
    return _slip(facts, "03", "refusal", rows, ((t["receiving_officer"], officer),), closing=t["refusal_closing"])


def handover(
    facts: DossierFacts,
    *,
    result: str,
    channel: str | None,
    receiver: str,
    waybill: str,
    delivery_address: str,
    returned_at: datetime | None,
    delivered_at: datetime | None,
    officer: str,
) -> Slip:
    """The result handed over: at the counter (who received it) or by post (the waybill). Blank
    lines are left for what is not known yet, to be filled in by hand."""
    t = labels(facts.lang)
    rows = [
        *_applicant_rows(t, facts),
        (t["result"], result),
        (t["channel_used"], t["channels"].get(channel or "", "")),
    ]
    signers = [(t["returning_officer"], officer)]
    if channel == "counter":
        rows.append((t["receiver"], receiver or BLANK))
        signers.insert(0, (t["receiver_signs"], receiver))
    elif channel == "post":
        rows += [(t["waybill"], waybill or BLANK), (t["delivery_address"], delivery_address)]
    rows.append((t["returned_at"], when(returned_at, facts.zone) or BLANK))
    if delivered_at:
        rows.append((t["delivered_at"], when(delivered_at, facts.zone)))
    return _slip(facts, "", "handover", rows, tuple(signers))


def _applicant_rows(t: dict, facts: DossierFacts, with_contact: bool = False) -> list[tuple[str, Value]]:
    a = facts.applicant
    rows: list[tuple[str, Value]] = [(t["applicant"], a.name), (t["id_number"], a.id_number)]
    if with_contact:
        rows += [(t["address"], a.address), (t["phone"], a.phone), (t["email"], a.email)]
    return [*rows, (t["procedure"], facts.procedure)]


def _slip(
    facts: DossierFacts,
    form: str,
    kind: str,
    rows: list[tuple[str, Value]],
    signers: tuple[tuple[str, str], ...],
    qr_url: str | None = None,
    closing: str = "",
) -> Slip:
    t = labels(facts.lang)
    return Slip(
        lang=facts.lang,
        office=facts.office,
        form=t["form"].format(n=form) if form else "",
        title=t[kind],
        code=facts.code,
        rows=tuple((label, value) for label, value in rows if value),
        signers=signers,
        printed_at=facts.printed_at,
        zone=facts.zone,
        qr_url=qr_url,
        closing=closing,
    )


# --- rendering -----------------------------------------------------------------------------------

FONT = "DejaVu"
LINE = 5.5  # mm
LABEL_WIDTH = 58  # mm
QR_SIZE = 34  # mm, with its quiet zone


def qr_code(url: str) -> segno.QRCode:
    # a full QR code (never a Micro QR, which phones do not read), medium error correction
    return segno.make_qr(url, error="m")


def qr_png(url: str) -> bytes:
    out = BytesIO()
    qr_code(url).save(out, kind="png", scale=8)
    return out.getvalue()


class _Pdf(FPDF):
    def __init__(self, footer_text: str, page_text: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text, self.page_text = footer_text, page_text
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(20, 15, 20)
        self.set_auto_page_break(True, margin=18)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=8)
        self.set_text_color(90)
        page = self.page_text.format(page=self.page_no(), nb=self.str_alias_nb_pages)
        self.cell(0, 5, f"Motcua · {self.footer_text} · {page}", align="C")
        self.set_text_color(0)


def render(slip: Slip) -> bytes:
    t = labels(slip.lang)
    pdf = _Pdf(t["printed"].format(at=when(slip.printed_at, slip.zone)), t["page"])
    pdf.set_title(f"{slip.title} - {slip.code}")
    pdf.set_creator("Motcua")
    pdf.add_page()
    _header(pdf, slip, t)
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 7, slip.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(FONT, "", 11)
    pdf.cell(pdf.get_string_width(f"{t['code']}: ") + 1, 9, f"{t['code']}:")
    pdf.set_font(FONT, "B", 18)
    pdf.cell(0, 9, slip.code, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    if slip.qr_url:
        _qr_block(pdf, slip.qr_url, t)
    for label, value in slip.rows:
        _row(pdf, label, value)
    if slip.closing:
        pdf.ln(3)
        pdf.set_font(FONT, "", 10.5)
        pdf.multi_cell(0, LINE, slip.closing, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _signatures(pdf, slip.signers, t)
    return bytes(pdf.output())


def _header(pdf: _Pdf, slip: Slip, t: dict) -> None:
    half, top = pdf.epw / 2, pdf.get_y()
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(half, 5, slip.office.upper(), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(half, 5, t["desk"], align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.multi_cell(half, 5, t["nation"], align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.multi_cell(half, 5, t["motto"], align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    if slip.form:
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(half, 5, slip.form, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)


def _qr_block(pdf: _Pdf, url: str, t: dict) -> None:
    top = pdf.get_y()
    pdf.image(BytesIO(qr_png(url)), x=pdf.l_margin, y=top, w=QR_SIZE, h=QR_SIZE)
    text_x = pdf.l_margin + QR_SIZE + 4
    pdf.set_xy(text_x, top + 6)
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(0, 5, t["track_hint"], align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 9.5)
    pdf.multi_cell(0, 5, url, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(top + QR_SIZE, pdf.get_y()) + 2)


def _row(pdf: _Pdf, label: str, value: Value) -> None:
    items = [value] if isinstance(value, str) else [f"{i}. {item}" for i, item in enumerate(value, 1)]
    value_width = pdf.epw - LABEL_WIDTH
    pdf.set_font(FONT, "", 10)
    height = max(
        pdf.multi_cell(LABEL_WIDTH, LINE, f"{label}:", align="L", dry_run=True, output="HEIGHT"),
        sum(pdf.multi_cell(value_width, LINE, item, align="L", dry_run=True, output="HEIGHT") for item in items),
    )
    # keep a row on one page when it fits on one
    if pdf.will_page_break(height) and height < pdf.eph:
        pdf.add_page()
    page, top = pdf.page, pdf.get_y()
    pdf.set_text_color(70)
    pdf.multi_cell(LABEL_WIDTH, LINE, f"{label}:", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)
    label_bottom = pdf.get_y()
    pdf.set_y(top)
    for item in items:
        pdf.set_x(pdf.l_margin + LABEL_WIDTH)
        pdf.multi_cell(value_width, LINE, item, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if pdf.page == page:
        pdf.set_y(max(label_bottom, pdf.get_y()))
    pdf.ln(1)


def _signatures(pdf: _Pdf, signers: tuple[tuple[str, str], ...], t: dict) -> None:
    if not signers:
        return
    if pdf.will_page_break(45):
        pdf.add_page()
    pdf.ln(8)
    width, top = pdf.epw / len(signers), pdf.get_y()
    for i, (role, name) in enumerate(signers):
        x = pdf.l_margin + i * width
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(width, 5, role, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 8.5)
        pdf.multi_cell(width, 5, t["sign_hint"], align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        if name:
            pdf.set_xy(x, top + 32)
            pdf.set_font(FONT, "B", 10.5)
            pdf.multi_cell(width, 5, name, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
