"""Paper dossiers handed in at the one-stop counter, or at a post office collection point on a
citizen's behalf: the paper components the officer scanned or uploaded, each with a flag saying
what it stands for, checked before the dossier is started like an online one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.data.models import Dossier, Event
from engine.forms import Message
from engine.people.officers import Actor
from engine.workflow.metadata import ProcedureMeta

from .documents import PAPER_FLAGS, NewDocument
from .service import DossierService

# the role that hands a dossier in -> the channel it comes in by
CHANNEL_OF_ROLE = {"desk": "counter", "agent": "post_agent"}
INTAKE_ROLES = tuple(CHANNEL_OF_ROLE)
# the desk checks a dossier it receives complete at once (the one-stop rule); a collection point
# only hands dossiers on, for the desk to check
ACCEPTS_AT_ONCE = "desk"


def channel_for(roles: Sequence[str]) -> str | None:
    """The channel of an officer holding these roles: the desk's counter before a collection point."""
    return next((CHANNEL_OF_ROLE[r] for r in INTAKE_ROLES if r in roles), None)


def check_components(
    meta: ProcedureMeta,
    application: Mapping[str, Any],
    files: Mapping[str, Sequence[NewDocument]],
    flags: Mapping[str, str],
) -> tuple[list[NewDocument], dict[str, Message]]:
    """The procedure's paper components as handed in: each required one (given the application's
    answers: a paper a ground needs) needs a file, and each with a file a flag (digitized at the
    counter, reused from an earlier result, paper only). Returns the files carrying their flag, and
    the problems by document id."""
    documents: list[NewDocument] = []
    errors: dict[str, Message] = {}
    for doc in meta.documents:
        chosen = list(files.get(doc.id, ()))
        flag = flags.get(doc.id, "")
        if doc.is_required(application) and not chosen:
            errors[doc.id] = Message("Hãy quét hoặc tải lên giấy tờ này", "Scan or upload this paper: it is required")
            continue
        if chosen and flag not in PAPER_FLAGS:
            errors[doc.id] = Message(
                "Hãy chọn giấy tờ này được số hoá tại quầy, dùng lại từ kết quả trước hay chỉ giữ bản giấy",
                "Choose whether this paper was digitized at the counter, reused from an earlier result or kept "
                "on paper only",
            )
            continue
        documents.extend(NewDocument(d.doc_type, d.filename, d.content, d.content_type, flag) for d in chosen)
    return documents, errors


def submitted_by(session: Session, code: str) -> int | None:
    """The officer who handed the dossier in (None for one an applicant sent)."""
    return session.scalar(
        select(Event.actor_id)
        .join(Dossier, Dossier.id == Event.dossier_id)
        .where(Dossier.code == code, Event.kind == "submitted")
        .limit(1)
    )


def accept_at_once(dossiers: DossierService, meta: ProcedureMeta, code: str, actor: Actor) -> bool:
    """The desk received the dossier complete: its reception check (the task of purpose `intake`)
    is claimed and completed as accepted by this officer (the history names them), so the
    appointment is set now and the receipt shows it. False when the dossier has no reception check
    waiting (it stays as it is)."""
    intake = set(meta.tasks_for("intake"))
    task = next((t for t in dossiers.open_tasks(code) if t.element_id in intake), None)
    if task is None:
        return False
    dossiers.claim(task.id, actor)
    dossiers.complete_task(task.id, actor, {"decision": "accept"})
    return True
