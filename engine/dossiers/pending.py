"""Applications on their way in: the answers and the files already received, kept on the server
between a form error, the "check your answers" page and the submit, so that nobody has to choose
their files again. A draft belongs to one account and one login (a new login, another browser or
another account never sees it) and lives a day at most."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.data.models import ApplicationDraft, Dossier, PendingUpload
from engine.dossiers.documents import NewDocument

KEPT_FOR = timedelta(days=1)
PER_ACCOUNT = 5  # forms open at once (tabs, procedures); an older one goes when a sixth starts


@dataclass(frozen=True)
class Attached:
    id: int
    doc_type: str
    filename: str
    size: int


@dataclass(frozen=True)
class Owner:
    """Who may see a draft: the account and the hash of its login's token."""

    account_id: int
    login_hash: str


def find(session: Session, key: str, owner: Owner, procedure_code: str, now: datetime) -> ApplicationDraft | None:
    """The owner's draft with this key for this procedure, if it is still kept."""
    draft = session.scalars(select(ApplicationDraft).where(ApplicationDraft.key == key)).one_or_none()
    if (
        draft is None
        or draft.account_id != owner.account_id
        or draft.login_hash != owner.login_hash
        or draft.procedure_code != procedure_code
        or draft.created_at <= now - KEPT_FOR
    ):
        return None
    return draft


def save(
    session: Session,
    key: str,
    owner: Owner,
    procedure_code: str,
    answers: dict[str, Any],
    new_files: Iterable[NewDocument],
    removed: Iterable[int],
    now: datetime,
) -> ApplicationDraft | None:
    """Keep the answers and the files: files newly chosen for a document replace the ones kept for
    it; `removed` lists kept files the person took off. None when the key is someone else's."""
    purge(session, now)
    existing = session.scalars(select(ApplicationDraft).where(ApplicationDraft.key == key)).one_or_none()
    draft = find(session, key, owner, procedure_code, now) if existing is not None else None
    if existing is not None and draft is None:
        return None  # a key another login (or a stale page) holds: never mixed with it
    if draft is None:
        draft = ApplicationDraft(
            key=key,
            account_id=owner.account_id,
            login_hash=owner.login_hash,
            procedure_code=procedure_code,
            answers={},
            created_at=now,
        )
        session.add(draft)
        session.flush()
        _keep_newest(session, owner.account_id)
    draft.answers = dict(answers)
    new_files = list(new_files)
    replaced = {f.doc_type for f in new_files}
    session.execute(
        delete(PendingUpload).where(
            PendingUpload.draft_id == draft.id,
            PendingUpload.doc_type.in_(replaced) | PendingUpload.id.in_(list(removed)),
        )
    )
    for f in new_files:
        session.add(
            PendingUpload(
                draft_id=draft.id,
                doc_type=f.doc_type,
                filename=f.filename,
                content_type=f.content_type,
                size=len(f.content),
                content=f.content,
            )
        )
    session.flush()
    return draft


def _keep_newest(session: Session, account_id: int) -> None:
    older = session.scalars(
        select(ApplicationDraft.id)
        .where(ApplicationDraft.account_id == account_id)
        .order_by(ApplicationDraft.created_at.desc(), ApplicationDraft.id.desc())
        .offset(PER_ACCOUNT)
    ).all()
    for draft_id in older:
        discard(session, draft_id)


def attached(session: Session, draft_id: int) -> list[Attached]:
    """The files kept with a draft, in the order they came."""
    rows = session.execute(
        select(PendingUpload.id, PendingUpload.doc_type, PendingUpload.filename, PendingUpload.size)
        .where(PendingUpload.draft_id == draft_id)
        .order_by(PendingUpload.id)
    )
    return [Attached(*row) for row in rows]


def documents(session: Session, draft_id: int) -> list[NewDocument]:
    """The kept files as documents to submit with the dossier."""
    rows = session.execute(
        select(PendingUpload.doc_type, PendingUpload.filename, PendingUpload.content, PendingUpload.content_type)
        .where(PendingUpload.draft_id == draft_id)
        .order_by(PendingUpload.id)
    )
    return [NewDocument(*row) for row in rows]


def discard(session: Session, draft_id: int) -> None:
    session.execute(delete(PendingUpload).where(PendingUpload.draft_id == draft_id))
    session.execute(delete(ApplicationDraft).where(ApplicationDraft.id == draft_id))


def purge(session: Session, now: datetime) -> int:
    """Forget drafts older than a day, with their files; how many went."""
    old = select(ApplicationDraft.id).where(ApplicationDraft.created_at <= now - KEPT_FOR)
    session.execute(delete(PendingUpload).where(PendingUpload.draft_id.in_(old)))
    return session.execute(delete(ApplicationDraft).where(ApplicationDraft.created_at <= now - KEPT_FOR)).rowcount


def submitted_code(session: Session, submission_key: str, account_id: int) -> str | None:
    """The code of the dossier this account already made from this form, if it did."""
    return session.scalar(
        select(Dossier.code).where(Dossier.submission_key == submission_key, Dossier.account_id == account_id)
    )
