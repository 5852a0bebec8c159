"""What applicants receive by SMS and e-mail for the outbox's notify.* messages: short texts from
templates in Vietnamese and English (Vietnamese unless the applicant chose otherwise), sent to
the phone and e-mail given in the application (or, for a password reset or a sign-up, the account's)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, StrictUndefined
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.config import Settings
from engine.data.models import Dossier, Event
from engine.dossiers.history import papers_list, supplement_asked
from engine.dossiers.views import supplement_due
from engine.statuses import DossierStatus
from engine.workflow.versions import metadata_of

# kind -> language -> (e-mail subject, text of the SMS and the e-mail)
TEMPLATES = {
    "notify.status": {
        "vi": (
            "Hồ sơ {{ dossier_code }}: {{ status_label }}",
            (
                'BHXH: Hồ sơ {{ dossier_code }} của {{ name }} đã chuyển sang trạng thái "{{ status_label }}".'
                "{% if missing is defined %} Cần bổ sung: {{ missing }}."
                "{% if supplement_due %} Hạn nộp bổ sung: {{ supplement_due }}.{% endif %}"
                ' Nộp bổ sung tại mục "Hồ sơ của tôi" trên Cổng hoặc tại Bộ phận tiếp nhận và trả kết quả.{% endif %}'
            ),
        ),
        "en": (
            "Dossier {{ dossier_code }}: {{ status_label }}",
            (
                'Social insurance: dossier {{ dossier_code }} of {{ name }} is now "{{ status_label }}".'
                "{% if missing is defined %} Still needed: {{ missing }}."
                "{% if supplement_due %} Send them by {{ supplement_due }}.{% endif %}"
                ' Send the papers under "My dossiers" on the portal or at the one-stop desk.{% endif %}'
            ),
        ),
    },
    "notify.appointment": {
        "vi": (
            "Hồ sơ {{ dossier_code }}: ngày hẹn trả kết quả mới",
            "BHXH: Hồ sơ {{ dossier_code }} của {{ name }} có ngày hẹn trả kết quả mới: {{ appointment }}.",
        ),
        "en": (
            "Dossier {{ dossier_code }}: new result date",
            "Social insurance: dossier {{ dossier_code }} of {{ name }} has a new result date: {{ appointment }}.",
        ),
    },
    "notify.apology": {
        "vi": (
            "Thư xin lỗi về hồ sơ {{ dossier_code }}",
            (
                "BHXH xin lỗi {{ name }}: hồ sơ {{ dossier_code }} chưa có kết quả đúng hẹn {{ old_appointment }}"
                "{% if reason %} ({{ reason }}){% endif %}. Ngày hẹn mới: {{ appointment }}."
            ),
        ),
        "en": (
            "Apology about dossier {{ dossier_code }}",
            (
                "Social insurance apologises to {{ name }}: dossier {{ dossier_code }} was not ready by "
                "{{ old_appointment }}{% if reason %} ({{ reason }}){% endif %}. New date: {{ appointment }}."
            ),
        ),
    },
    "notify.applicant": {
        "vi": ("Thông báo về hồ sơ {{ dossier_code }}", "BHXH: Hồ sơ {{ dossier_code }}: {{ text }}"),
        "en": ("About dossier {{ dossier_code }}", "Social insurance: dossier {{ dossier_code }}: {{ text }}"),
    },
    "notify.hi_renewal": {
        "vi": (
            "Thẻ BHYT {{ card_number }} sắp hết hạn",
            (
                "BHXH: Thẻ BHYT số {{ card_number }} của {{ name }} hết giá trị sử dụng ngày {{ valid_until }}. "
                "Gia hạn trực tuyến trên Cổng Dịch vụ công hoặc tại Bộ phận tiếp nhận và trả kết quả "
                "(hồ sơ {{ dossier_code }})."
            ),
        ),
        "en": (
            "Health-insurance card {{ card_number }} expires soon",
            (
                "Social insurance: health-insurance card {{ card_number }} of {{ name }} expires on "
                "{{ valid_until }}. Renew it online on the public service portal or at the one-stop desk "
                "(dossier {{ dossier_code }})."
            ),
        ),
    },
    "notify.password_reset": {
        "vi": (
            "Đặt lại mật khẩu",
            (
                "Motcua: {{ name }} đặt lại mật khẩu tại {{ link }} (dùng một lần). "
                "Nếu bạn không yêu cầu, hãy bỏ qua tin này."
            ),
        ),
        "en": (
            "Reset your password",
            (
                "Motcua: {{ name }}, reset your password at {{ link }} (one use only). "
                "If you did not ask for this, ignore this message."
            ),
        ),
    },
    "notify.account_created": {
        "vi": (
            "Tài khoản Motcua đã được tạo",
            (
                "Motcua: {{ name }} đã tạo tài khoản. Đăng nhập bằng số CCCD hoặc mã số thuế, số điện thoại "
                "hoặc thư điện tử và mật khẩu đã chọn. Nếu bạn không đăng ký, hãy báo Bộ phận tiếp nhận."
            ),
        ),
        "en": (
            "Your Motcua account has been created",
            (
                "Motcua: {{ name }}, your account has been created. Log in with your citizen ID or tax code, "
                "phone or e-mail and the password you chose. If you did not sign up, tell the one-stop desk."
            ),
        ),
    },
    "notify.signup_attempt": {
        "vi": (
            "Có người đăng ký bằng thông tin của bạn",
            (
                "Motcua: có người vừa đăng ký tài khoản mới bằng số giấy tờ, số điện thoại hoặc thư điện tử "
                "của {{ name }}. Bạn đã có tài khoản: hãy đăng nhập, hoặc lấy lại mật khẩu nếu quên. "
                "Nếu không phải bạn, không cần làm gì; không có tài khoản mới nào được tạo."
            ),
        ),
        "en": (
            "Someone signed up with your details",
            (
                "Motcua: someone just tried to sign up with the ID number, phone or e-mail of {{ name }}. "
                "You already have an account: log in, or reset your password if you forgot it. "
                "If it was not you, do nothing; no new account was made."
            ),
        ),
    },
}
NOTIFY_KINDS = frozenset(TEMPLATES)
LANGUAGES = ("vi", "en")
_env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
_compiled = {
    kind: {lang: tuple(_env.from_string(t) for t in pair) for lang, pair in by_lang.items()}
    for kind, by_lang in TEMPLATES.items()
}


def compose(
    session: Session, settings: Settings, kind: str, dossier_id: int | None, payload: dict[str, Any]
) -> dict[str, Any]:
    """{"sms": {to, text}, "email": {to, subject, text}}, each only when the recipient has one."""
    if kind not in _compiled:
        raise ValueError(f"no text for {kind!r}")
    if dossier_id is None:  # not about a dossier (a password reset): the payload says to whom
        recipient = {
            "name": payload.get("name", ""),
            "phone": payload.get("phone"),
            "email": payload.get("email"),
            "language": payload.get("language"),
        }
    else:
        recipient = _applicant(session, dossier_id)
    language = recipient["language"] if recipient["language"] in LANGUAGES else "vi"
    if kind == "notify.status" and dossier_id is not None and int(payload.get("status", 0)) == 5:
        due = supplement_due(session, dossier_id)  # the date by which the papers must come
        payload = {
            **payload,
            "missing": _missing_papers(session, dossier_id),  # what the request asks for
            "supplement_due": due.isoformat() if due else None,
        }
    subject, text = (
        t.render(**_values(settings, payload, recipient["name"], language)) for t in _compiled[kind][language]
    )
    messages = {}
    if recipient["phone"]:
        messages["sms"] = {"to": recipient["phone"], "text": text}
    if recipient["email"]:
        messages["email"] = {"to": recipient["email"], "subject": subject, "text": text}
    return messages


def _missing_papers(session: Session, dossier_id: int) -> str:
    """The papers the dossier's latest supplement request asks for, on one line."""
    meta = metadata_of(session, session.scalar(select(Dossier.version_id).where(Dossier.id == dossier_id)))
    completed = session.scalars(
        select(Event).where(Event.dossier_id == dossier_id, Event.kind == "task_completed").order_by(Event.id.desc())
    )
    for event in completed:
        asked = supplement_asked(meta, event)
        if asked is not None and asked.missing:
            return "; ".join(papers_list(asked.missing))
    return ""


def _applicant(session: Session, dossier_id: int) -> dict[str, Any]:
    name, application = session.execute(
        select(Dossier.applicant_name, Event.data["application"])
        .join(Event, (Event.dossier_id == Dossier.id) & (Event.kind == "submitted"))
        .where(Dossier.id == dossier_id)
    ).one()
    application = application or {}
    return {
        "name": name,
        "phone": application.get("phone"),
        "email": application.get("email"),
        "language": application.get("language"),
    }


def _values(settings: Settings, payload: dict[str, Any], name: str, language: str) -> dict[str, Any]:
    values = {**payload, "name": name}
    if "status" in payload:
        status = DossierStatus(int(payload["status"]))
        values["status_label"] = status.label_vi if language == "vi" else status.label_en
    if payload.get("valid_to"):  # a day, not a moment: no time zone
        values["valid_until"] = date.fromisoformat(payload["valid_to"]).strftime("%d/%m/%Y")
    zone = ZoneInfo(settings.timezone)
    for field, shown in (
        ("appointment_at", "appointment"),
        ("old_appointment", "old_appointment"),
        ("supplement_due", "supplement_due"),
    ):
        if payload.get(field):
            moment = datetime.fromisoformat(payload[field]).astimezone(zone)
            values[shown] = moment.strftime("%H:%M ngày %d/%m/%Y" if language == "vi" else "%d/%m/%Y %H:%M")
    return values
