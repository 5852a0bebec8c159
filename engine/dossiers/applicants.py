"""What applicants do around their dossiers: find a procedure, apply in their own name, read their
own dossiers and documents, rate the service.

The web layer says who is logged in; these functions make sure an account only ever reaches its
own dossiers, with the same NotFound whether a dossier is someone else's or does not exist.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import forms
from engine.data.journal import record
from engine.data.models import Account, Document, Dossier, Procedure, Rating
from engine.dossiers.documents import content_of
from engine.dossiers.history import supplement_asked
from engine.dossiers.views import DossierView, dossier_view
from engine.errors import EngineError, NotAllowed, NotFound, not_found
from engine.forms import Choice, Field, FormError, Message
from engine.people.officers import Actor
from engine.statuses import DossierStatus
from engine.workflow import refusals
from engine.workflow.metadata import ProcedureMeta
from engine.workflow.versions import RunnableVersion, VersionCache

# the applicant categories of procedure metadata that each kind of account applies as
CATEGORIES = {
    "individual": ("individual", "agent", "household"),
    "employer": ("employer",),
    "medical_facility": ("medical_facility",),
}
# the form field that must carry the account's own number, so the dossier's ID number is the account's
ID_FIELD = {"individual": "citizen_id", "employer": "tax_code", "medical_facility": "tax_code"}
MAX_COMMENT = 2000
# the dossier still runs and has no result yet: the applicant may ask to withdraw it
WITHDRAWABLE = frozenset(
    {
        DossierStatus.SUBMITTED,
        DossierStatus.ACCEPTED,
        DossierStatus.PROCESSING,
        DossierStatus.SUPPLEMENT_REQUESTED,
        DossierStatus.FEE_DUE,
    }
)

_RATING_FORM = (
    Field(
        "rating",
        "choice",
        Message("Mức độ hài lòng", "How satisfied you are"),
        required=True,
        choices=(
            Choice("very_satisfied", Message("Rất hài lòng", "Very satisfied")),
            Choice("satisfied", Message("Hài lòng", "Satisfied")),
            Choice("not_satisfied", Message("Không hài lòng", "Not satisfied")),
        ),
    ),
    Field("comment", "text", Message("Góp ý", "Comment")),
)


class AlreadyRated(EngineError):
    pass


# --- finding a procedure ---------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics, so 'dang ky' finds 'Đăng ký'."""
    decomposed = unicodedata.normalize("NFD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.replace("đ", "d").replace("Đ", "D").casefold()


def find_procedures(
    versions: Mapping[str, RunnableVersion], query: str = "", category: str = ""
) -> list[ProcedureMeta]:
    """Deployed procedures whose code or name (in either language) holds every word of the query,
    and which applicants of `category` may use (all when empty)."""
    words = fold(query).split()
    found = []
    for version in versions.values():
        meta = version.meta
        text = fold(f"{meta.code} {meta.name.vi} {meta.name.en}")
        if all(w in text for w in words) and (not category or category in meta.applicants):
            found.append(meta)
    return found


def deployed_meta(session: Session, versions: VersionCache, code: str) -> ProcedureMeta:
    """The metadata of the version a deployed procedure starts new dossiers on."""
    procedure = session.get(Procedure, code)
    if procedure is None or procedure.current_version_id is None:
        raise not_found("procedure", code)
    return versions.get(session, procedure.current_version_id).meta


def categories(versions: Mapping[str, RunnableVersion]) -> list[str]:
    """The applicant categories the deployed procedures name, in a stable order."""
    return sorted({c for v in versions.values() for c in v.meta.applicants})


# --- applying --------------------------------------------------------------------------------


def may_apply(account: Account, meta: ProcedureMeta) -> bool:
    """Whether this kind of account may apply for the procedure online: it is one of the procedure's
    applicants, and the form has the account's own number (citizen ID or tax code), under which the
    engine files the dossier."""
    own = CATEGORIES.get(account.kind, ())
    return any(c in meta.applicants for c in own) and ID_FIELD.get(account.kind) in {f.name for f in meta.application}


def check_may_apply(account: Account, meta: ProcedureMeta) -> None:
    if not may_apply(account, meta):
        raise NotAllowed(
            "Loại tài khoản này không nộp trực tuyến được thủ tục này; vui lòng liên hệ bộ phận một cửa",
            "This kind of account cannot apply for this procedure online; please contact the one-stop desk",
        )


def prefill(account: Account, fields: Iterable[Field]) -> dict[str, str]:
    """Starting values of the application form from the account, for the fields the form has."""
    person = account.kind == "individual"
    known = {
        "full_name" if person else "organisation_name": account.full_name,
        ID_FIELD.get(account.kind, "citizen_id"): account.id_number,
        "phone": account.phone or "",
        "email": account.email or "",
        "address": account.address or "",
    }
    names = {f.name: f for f in fields}
    values = {name: value for name, value in known.items() if name in names and value}
    side = "individual" if person else "employer"
    applicant_type = names.get("applicant_type")
    if applicant_type is not None and any(c.value == side for c in applicant_type.choices):
        values["applicant_type"] = side
    return values


def check_application(account: Account, meta: ProcedureMeta, values: Mapping[str, Any]) -> dict[str, Any]:
    """The application checked as the engine will check it, and made in the account's own name:
    every problem at once, by field (FormError)."""
    errors: dict[str, Message] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned = forms.validate(meta.application, values)
    except FormError as e:
        errors.update(e.errors)
    else:
        errors.update(refusals.refusals(meta, cleaned))  # applications the law does not allow
    id_field = ID_FIELD.get(account.kind, "citizen_id")
    if id_field not in errors and str(values.get(id_field) or "").strip() != account.id_number:
        if id_field == "citizen_id":
            errors[id_field] = Message(
                f"Tài khoản này chỉ nộp hồ sơ với số CCCD của mình ({account.id_number})",
                f"This account applies only with its own citizen ID ({account.id_number})",
            )
        else:
            errors[id_field] = Message(
                f"Tài khoản này chỉ nộp hồ sơ với mã số thuế của mình ({account.id_number})",
                f"This account applies only with its own tax code ({account.id_number})",
            )
    if id_field != "citizen_id" and "applicant_type" in values:
        if str(values.get("applicant_type") or "") not in ("employer", "medical_facility"):
            errors["applicant_type"] = Message(
                "Tài khoản tổ chức nộp hồ sơ với tư cách đơn vị",
                "An organisation's account applies as the organisation",
            )
    elif id_field != "citizen_id" and "citizen_id" not in errors and str(values.get("citizen_id") or "").strip():
        errors["citizen_id"] = Message(
            "Tổ chức nộp hồ sơ theo mã số thuế; để trống số CCCD",
            "An organisation applies under its tax code: leave the citizen ID empty",
        )
    if errors:
        raise FormError(errors)
    return cleaned


def missing_documents(meta: ProcedureMeta, values: Mapping[str, Any], attached: Iterable[str]) -> list[str]:
    """The ids of the documents the application needs (always, or with these answers) that have no
    file among the attached documents' types."""
    have = set(attached)
    return [d.id for d in meta.documents if d.is_required(values) and d.id not in have]


# --- one's own dossiers ----------------------------------------------------------------------


def own_dossier_view(session: Session, versions: VersionCache, code: str, account_id: int) -> DossierView:
    """The account's own dossier; someone else's is 'not found', like one that does not exist."""
    try:
        view = dossier_view(session, versions, code)
    except NotFound:
        raise not_found("dossier", code) from None
    if view.account_id is None or view.account_id != account_id:
        raise not_found("dossier", code)
    return view


def own_document(session: Session, code: str, account_id: int, document_id: int) -> tuple[Document, bytes]:
    """One document of the account's own dossier (an id of another dossier's document is 'not found')."""
    dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code, Dossier.account_id == account_id))
    if dossier_id is None:
        raise not_found("dossier", code)
    return content_of(session, dossier_id, document_id)


def procedure_names(session: Session, codes: Iterable[str]) -> dict[str, Message]:
    wanted = set(codes)
    if not wanted:
        return {}
    rows = session.execute(
        select(Procedure.code, Procedure.name_vi, Procedure.name_en).where(Procedure.code.in_(wanted))
    )
    return {code: Message(vi, en) for code, vi, en in rows}


def awaits_supplement(view: DossierView) -> bool:
    """Papers were asked for and none have come since (the status stays 'supplement requested'
    until the desk has checked what came)."""
    asked = received = 0
    for event in view.events:
        data = event.data or {}
        if supplement_asked(view.meta, event) is not None:
            asked = event.id
        elif event.kind == "message_received" and data.get("message") == "supplement_received":
            received = event.id
    return view.status == DossierStatus.SUPPLEMENT_REQUESTED and asked > received


def check_awaits_supplement(view: DossierView) -> None:
    """Papers are taken only while the office waits for them: not a second time (a double click,
    another tab), nor once the dossier has moved on."""
    if not awaits_supplement(view):
        raise NotAllowed(
            "Hồ sơ này không còn chờ giấy tờ bổ sung: giấy tờ đã được gửi, hoặc hồ sơ đã chuyển sang bước khác",
            "This dossier is not waiting for papers: they have been sent already, or it has moved on",
        )


def may_withdraw(view: DossierView) -> bool:
    return view.status in WITHDRAWABLE


def may_rate(view: DossierView) -> bool:
    return view.status == DossierStatus.RETURNED and view.rating is None


def is_late(dossier: Dossier | DossierView, now: datetime) -> bool:
    """Past its appointment, still in processing and its clock not stopped for the applicant."""
    return (
        dossier.appointment_at is not None
        and dossier.processed_at is None
        and dossier.finished_at is None
        and dossier.paused_at is None
        and now > dossier.appointment_at
    )


# --- rating ----------------------------------------------------------------------------------


def rate(session: Session, code: str, account_id: int, values: Mapping[str, Any], now: datetime) -> Rating:
    """The applicant's one rating of the service, once the result has been returned."""
    dossier = session.scalars(
        select(Dossier).where(Dossier.code == code, Dossier.account_id == account_id)
    ).one_or_none()
    if dossier is None:
        raise not_found("dossier", code)
    if dossier.status != DossierStatus.RETURNED:
        raise NotAllowed(
            "Chỉ đánh giá được khi hồ sơ đã trả kết quả", "You can rate the service once the result has been returned"
        )
    if session.get(Rating, dossier.id) is not None:
        raise _already_rated()
    cleaned = forms.validate(_RATING_FORM, {k: values.get(k) for k in ("rating", "comment")})
    comment = cleaned.get("comment") or ""
    if len(comment) > MAX_COMMENT:
        raise FormError(
            {"comment": Message(f"Góp ý tối đa {MAX_COMMENT} ký tự", f"A comment has at most {MAX_COMMENT} characters")}
        )
    rating = Rating(dossier_id=dossier.id, rating=cleaned["rating"], comment=comment, rated_at=now)
    session.add(rating)
    try:
        session.flush()
    except IntegrityError:  # rated at the same moment in another tab
        raise _already_rated() from None
    record(session, dossier.id, Actor.applicant(dossier.applicant_name), "rated", now, rating=rating.rating)
    return rating


def _already_rated() -> AlreadyRated:
    return AlreadyRated(
        "Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ đánh giá một lần",
        "This dossier has already been rated; each dossier is rated once",
    )


def rating_choices() -> tuple[Choice, ...]:
    return _RATING_FORM[0].choices
