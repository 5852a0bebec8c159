"""What a designer reads about deployed versions: each version of a procedure with who deployed
it and how many dossiers run on it, and the log of deploy acts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from engine.data.models import Deployment, Dossier, Procedure, ProcedureVersion
from engine.errors import NotFound, not_found


@dataclass(frozen=True)
class VersionInfo:
    number: int
    version_id: int
    deployed_at: datetime
    deployed_by: str
    content_hash: str  # the first 12 hex digits: enough to tell versions apart
    live: bool
    running: int  # dossiers on it not finished
    dossiers: int  # dossiers ever started on it


@dataclass(frozen=True)
class DeploymentInfo:
    code: str
    number: int
    kind: str  # new | unchanged | redeploy
    by: str
    at: datetime
    previous_number: int | None


def version_row(session: Session, code: str, number: int) -> ProcedureVersion:
    """Version `number` of a procedure, or a NotFound naming the numbers it has."""
    row = session.scalars(
        select(ProcedureVersion).where(ProcedureVersion.code == code, ProcedureVersion.number == number)
    ).one_or_none()
    if row is not None:
        return row
    numbers = session.scalars(
        select(ProcedureVersion.number).where(ProcedureVersion.code == code).order_by(ProcedureVersion.number)
    ).all()
    if not numbers:
        raise not_found("procedure", code)
    known = ", ".join(f"v{n}" for n in numbers)
    raise NotFound(f"{code} không có phiên bản v{number} (có: {known})", f"{code} has no version v{number} ({known})")


def list_versions(session: Session, code: str) -> list[VersionInfo]:
    """Every version of the procedure, oldest first; NotFound when it was never deployed."""
    live = session.scalar(select(Procedure.current_version_id).where(Procedure.code == code))
    counts = {
        version_id: (running, total)
        for version_id, running, total in session.execute(
            select(
                Dossier.version_id,
                func.sum(case((Dossier.finished_at.is_(None), 1), else_=0)),
                func.count(),
            )
            .where(Dossier.procedure_code == code)
            .group_by(Dossier.version_id)
        )
    }
    first_by = dict(
        session.execute(
            select(Deployment.version_id, Deployment.by)
            .where(Deployment.procedure_code == code, Deployment.kind == "new")
            .order_by(Deployment.id.desc())  # the first act wins when the dict is built
        ).all()
    )
    # the columns shown, not the diagrams and metadata each version holds
    rows = session.execute(
        select(
            ProcedureVersion.id, ProcedureVersion.number, ProcedureVersion.deployed_at, ProcedureVersion.content_hash
        )
        .where(ProcedureVersion.code == code)
        .order_by(ProcedureVersion.number)
    ).all()
    if not rows:
        raise not_found("procedure", code)
    return [
        VersionInfo(
            number=row.number,
            version_id=row.id,
            deployed_at=row.deployed_at,
            deployed_by=first_by.get(row.id, "?"),
            content_hash=row.content_hash[:12],
            live=row.id == live,
            running=int(counts.get(row.id, (0, 0))[0] or 0),
            dossiers=int(counts.get(row.id, (0, 0))[1] or 0),
        )
        for row in rows
    ]


def deployment_log(session: Session, code: str | None = None, limit: int = 50) -> list[DeploymentInfo]:
    """The latest deploy acts, newest first, of one procedure or of all."""
    version, previous = aliased(ProcedureVersion), aliased(ProcedureVersion)
    query = (
        select(
            Deployment.procedure_code, version.number, Deployment.kind, Deployment.by, Deployment.at, previous.number
        )
        .join(version, version.id == Deployment.version_id)
        .outerjoin(previous, previous.id == Deployment.previous_version_id)
        .order_by(Deployment.id.desc())
        .limit(limit)
    )
    if code is not None:
        query = query.where(Deployment.procedure_code == code)
    return [DeploymentInfo(*row) for row in session.execute(query)]
