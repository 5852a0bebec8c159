"""Deployed procedure versions: stored once by content hash, parsed once per process."""

from __future__ import annotations

import enum
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.data.models import Deployment, Procedure, ProcedureVersion, Role, TaskPurpose
from engine.errors import ProcedureUnavailable
from engine.workflow.bpmn_specs import ParsedProcess, parse_sources
from engine.workflow.catalogue import Catalogue
from engine.workflow.metadata import ProcedureMeta, read_procedure


@dataclass(frozen=True)
class RunnableVersion:
    id: int
    code: str
    number: int  # per procedure: what people see (v3)
    parsed: ParsedProcess
    meta: ProcedureMeta


class VersionCache:
    """Parsed specs and metadata by version id; a version never changes once stored."""

    def __init__(self):
        self._items: dict[int, RunnableVersion] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, version_id: int) -> RunnableVersion:
        item = self._items.get(version_id)
        if item is not None:
            return item
        row = session.get(ProcedureVersion, version_id)
        if row is None:
            raise ProcedureUnavailable(
                f"Không có phiên bản quy trình {version_id}", f"No procedure version {version_id}"
            )
        meta, problems = read_procedure(row.meta, f"version {version_id}")
        if meta is None or problems:
            raise ProcedureUnavailable(
                f"Phiên bản {version_id} của {row.code} bị lỗi",
                f"Version {version_id} of {row.code} is broken: {problems}",
            )
        item = RunnableVersion(row.id, row.code, row.number, parse_sources(row.sources, row.process_id), meta)
        with self._lock:
            self._items[version_id] = item
        return item


def metadata_of(session: Session, version_id: int) -> ProcedureMeta:
    """A version's metadata alone, without parsing its diagrams (for readers that need no spec)."""
    row = session.get(ProcedureVersion, version_id)
    meta, problems = read_procedure(row.meta if row else None, f"version {version_id}")
    if meta is None or problems:
        raise ProcedureUnavailable(
            f"Phiên bản quy trình {version_id} bị lỗi hoặc không có", f"Version {version_id} is broken or missing"
        )
    return meta


class DeployKind(str, enum.Enum):
    NEW = "new"  # content never deployed before: stored as the next number
    UNCHANGED = "unchanged"  # already the live version
    REDEPLOY = "redeploy"  # an earlier version made live again (a rollback)


@dataclass(frozen=True)
class Deployed:
    """What one deploy did to one procedure."""

    code: str
    version_id: int
    number: int
    kind: DeployKind
    previous_number: int | None  # the version live before (None: the procedure was not deployed)

    @property
    def new(self) -> bool:
        return self.kind is DeployKind.NEW

    def describe(self) -> str:
        """One line for people: "P02: v2 is live again (was v3; an earlier version redeployed)"."""
        was = f"was v{self.previous_number}" if self.previous_number else "first version"
        if self.kind is DeployKind.REDEPLOY:
            return f"{self.code}: v{self.number} is live again ({was}; an earlier version redeployed)"
        if self.kind is DeployKind.UNCHANGED:
            return f"{self.code}: v{self.number} unchanged (already live)"
        return f"{self.code}: v{self.number} is live (new; {was})"


def deploy(
    session: Session, catalogue: Catalogue, now: datetime, *, by: str = "cli", only: Iterable[str] | None = None
) -> list[Deployed]:
    """Store each procedure's current diagrams and metadata as a version (once per content hash,
    numbered per procedure) and make it the one new dossiers start on; every act is logged in
    `deployments`. Running dossiers keep the version they started on. With `only`, just those
    procedures of the catalogue."""
    for code, names in catalogue.roles.items():
        role = session.get(Role, code) or Role(code=code, name_vi="", name_en="")
        role.name_vi, role.name_en = names["vi"], names["en"]
        session.add(role)
    wanted = None if only is None else set(only)
    results = []
    for code, loaded in sorted(catalogue.procedures.items()):
        if wanted is not None and code not in wanted:
            continue
        digest = loaded.content_hash
        version = session.scalars(select(ProcedureVersion).where(ProcedureVersion.content_hash == digest)).one_or_none()
        procedure = session.get(Procedure, code) or Procedure(code=code)
        previous = session.get(ProcedureVersion, procedure.current_version_id) if procedure.current_version_id else None
        if version is None:
            kind = DeployKind.NEW
            last = session.scalar(select(func.max(ProcedureVersion.number)).where(ProcedureVersion.code == code))
            version = ProcedureVersion(
                code=code,
                number=(last or 0) + 1,
                content_hash=digest,
                process_id=loaded.meta.process_id,
                sources=loaded.sources,
                meta=loaded.raw_meta,
                deployed_at=now,
            )
            session.add(version)
            session.flush()
            session.add_all(
                TaskPurpose(version_id=version.id, element_id=task, purpose=purpose)
                for task, purpose in loaded.meta.purposes.items()
            )
        elif previous is not None and previous.id == version.id:
            kind = DeployKind.UNCHANGED
        else:
            kind = DeployKind.REDEPLOY
        procedure.name_vi, procedure.name_en = loaded.meta.name.vi, loaded.meta.name.en
        procedure.current_version_id = version.id
        session.add(procedure)
        session.add(
            Deployment(
                procedure_code=code,
                version_id=version.id,
                kind=kind.value,
                by=by,
                at=now,
                previous_version_id=previous.id if previous else None,
            )
        )
        results.append(Deployed(code, version.id, version.number, kind, previous.number if previous else None))
    session.flush()
    return results


def current_versions(session: Session, cache: VersionCache) -> dict[str, RunnableVersion]:
    """The version each deployed procedure starts new dossiers on, by procedure code (what the
    portal offers: it shows what actually runs, not what the files say)."""
    rows = session.execute(
        select(Procedure.code, Procedure.current_version_id)
        .where(Procedure.current_version_id.is_not(None))
        .order_by(Procedure.code)
    ).all()
    return {code: cache.get(session, version_id) for code, version_id in rows}


def task_ids_for(*purposes: str):
    """A subquery of the element ids that serve these purposes in any deployed version (for
    `HumanTask.element_id.in_(...)`)."""
    return select(TaskPurpose.element_id).where(TaskPurpose.purpose.in_(purposes)).distinct()
