"""Designers' drafts: a procedure's diagram and metadata edited in the studio, stored in the
database (the files in bpmn/ and workflows/ stay the catalogue's seed), checked with the
catalogue's own checks, test-run along every declared path on a scratch database, and deployed
only when that exact content passed both (the deploy gate, `Draft.checked_hash`).
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import load_only, object_session, selectinload

from engine.data.models import Deployment, Dossier, Draft, Procedure, ProcedureVersion, User
from engine.design.simulation import simulate
from engine.errors import EngineError, not_found
from engine.runtime import Runtime
from engine.workflow import safe_xml
from engine.workflow.catalogue import BPMN_NS, Catalogue, load_catalogue
from engine.workflow.importing import ImportItem, import_report, shared_process_ids
from engine.workflow.metadata import Problem

MAX_METADATA_BYTES = 256 * 1024
WITHDRAWAL_MESSAGE = "withdrawal_requested"
_SUMMARY_COLUMNS = (
    "id",
    "procedure_code",
    "origin",
    "base_version_id",
    "author_id",
    "created_at",
    "updated_at",
    "content_hash",
    "checked_hash",
    "deployed_version_id",
    "deployed_by_id",
    "deployed_at",
)


class DraftRefused(EngineError):
    """A draft operation refused for a reason the designer can fix (size, not XML, untested)."""


@dataclass(frozen=True)
class ShownProblem:
    """A problem as the studio shows it: on the diagram (`element` is an id in it), under the
    metadata editor (`element` like `tasks.x` or `paths.y`), or about another file."""

    where: str  # diagram, metadata, other
    element: str
    reason: str
    file: str = ""


@dataclass(frozen=True)
class DraftSummary:
    id: int
    code: str
    origin: str
    base_version_id: int | None
    author: str
    created_at: datetime
    updated_at: datetime
    tested: bool  # the content as it is now validated and passed every path
    deployed_version_id: int | None
    deployed_by: str | None
    deployed_at: datetime | None
    base_version_number: int | None = None  # the versions as people call them (P02 v3)
    deployed_version_number: int | None = None


@dataclass(frozen=True)
class DraftDetail(DraftSummary):
    bpmn: str = ""
    meta_yaml: str = ""
    content_hash: str = ""
    base_bpmn: str = ""  # what it started from: tells the elements it adds


@dataclass(frozen=True)
class VersionRow:
    id: int
    number: int  # P02 v3: what people call it
    deployed_at: datetime
    dossiers: int
    live: bool
    deployed_by: str | None  # the designer's name when it went live from a draft, else who deployed it


@dataclass
class ProcedureRow:
    code: str
    name_vi: str
    name_en: str
    live_version_id: int | None
    versions: list[VersionRow] = field(default_factory=list)
    drafts: list[DraftSummary] = field(default_factory=list)
    in_files: bool = False


@dataclass(frozen=True)
class PathRun:
    path: str
    ok: bool
    reason: str
    lines: list[str]
    visited: list[str]


@dataclass(frozen=True)
class TestRun:
    problems: list[ShownProblem]
    paths: list[PathRun]
    deployable: bool


@dataclass(frozen=True)
class ImportedDraft:
    id: int
    items: list[ImportItem]  # what the importer changed (`changed`) and what is left to change


@dataclass(frozen=True)
class DeployResult:
    code: str
    version_id: int
    new: bool  # False: the same content was deployed before, that version is live again
    number: int  # the version's number as people see it (P02 v3)
    summary: str  # what happened, as the deploy command says it ("P02: v3 is live (new; was v2)")


def content_hash(bpmn: str, meta_yaml: str) -> str:
    return hashlib.sha256(f"{len(bpmn)}:{bpmn}{meta_yaml}".encode()).hexdigest()


class Studio:
    """What the designers' pages do, over the runtime's database and settings."""

    def __init__(self, runtime: Runtime, simulate_paths: Callable = simulate):
        self.runtime = runtime
        self._simulate = simulate_paths

    @property
    def max_bytes(self) -> int:
        """The largest diagram an upload or a save may bring (MOTCUA_MAX_DIAGRAM_BYTES)."""
        return self.runtime.settings.max_diagram_bytes

    # --- reading ---------------------------------------------------------------------------------

    def overview(self) -> list[ProcedureRow]:
        """Every procedure in the files or deployed: live version, each version's dossiers, drafts."""
        settings = self.runtime.settings
        in_files = {p.stem for p in settings.bpmn_dir.glob("*.bpmn")}
        with self.runtime.db.read() as session:
            rows: dict[str, ProcedureRow] = {}
            for proc in session.scalars(select(Procedure).order_by(Procedure.code)):
                rows[proc.code] = ProcedureRow(proc.code, proc.name_vi, proc.name_en, proc.current_version_id)
            counts = dict(
                session.execute(select(Dossier.version_id, func.count(Dossier.id)).group_by(Dossier.version_id)).all()
            )
            deployers = dict(
                session.execute(
                    select(Draft.deployed_version_id, User.full_name)
                    .join(User, User.id == Draft.deployed_by_id)
                    .where(Draft.deployed_version_id.is_not(None))
                    .order_by(Draft.deployed_at)
                ).all()
            )
            # the columns a row shows, not the diagrams and metadata each version and draft holds
            first_by = dict(  # who first made each version live (the log; "cli" for the command line)
                session.execute(
                    select(Deployment.version_id, Deployment.by)
                    .where(Deployment.kind == "new")
                    .order_by(Deployment.id.desc())  # the first act wins when the dict is built
                ).all()
            )
            versions = session.execute(
                select(
                    ProcedureVersion.id, ProcedureVersion.code, ProcedureVersion.number, ProcedureVersion.deployed_at
                ).order_by(ProcedureVersion.code, ProcedureVersion.number.desc())
            )
            for version in versions:
                row = rows.setdefault(version.code, ProcedureRow(version.code, version.code, version.code, None))
                row.versions.append(
                    VersionRow(
                        version.id,
                        version.number,
                        version.deployed_at,
                        counts.get(version.id, 0),
                        version.id == row.live_version_id,
                        deployers.get(version.id) or first_by.get(version.id),
                    )
                )
            light = (
                load_only(*(getattr(Draft, c) for c in _SUMMARY_COLUMNS)),
                selectinload(Draft.author),
                selectinload(Draft.deployed_by),
            )
            for draft in session.scalars(select(Draft).options(*light).order_by(Draft.updated_at.desc())):
                row = rows.setdefault(
                    draft.procedure_code, ProcedureRow(draft.procedure_code, draft.procedure_code, "", None)
                )
                row.drafts.append(_summary(draft))
        for code in in_files:
            rows.setdefault(code, ProcedureRow(code, code, code, None)).in_files = True
        return [rows[code] for code in sorted(rows)]

    def get(self, draft_id: int) -> DraftDetail:
        with self.runtime.db.read() as session:
            return _detail(self._draft(session, draft_id))

    def role_names(self) -> dict[str, dict[str, str]]:
        """Lane codes a designer may pick, with their names in both languages (workflows/roles.yaml)."""
        path = self.runtime.settings.workflows_dir / "roles.yaml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return dict(raw.get("roles") or {})

    # --- starting, saving, discarding ---------------------------------------------------------------

    def start_from_files(self, code: str, author_id: int) -> int:
        """A draft of the procedure as bpmn/<CODE>.bpmn and workflows/<CODE>.yaml hold it."""
        settings = self.runtime.settings
        diagram, meta = settings.bpmn_dir / f"{code}.bpmn", settings.workflows_dir / f"{code}.yaml"
        if not _is_code(code) or not diagram.exists() or not meta.exists():
            raise not_found("procedure", code)
        return self._add(code, "files", None, diagram.read_text("utf-8"), meta.read_text("utf-8"), author_id)

    def start_from_version(self, version_id: int, author_id: int) -> int:
        """A draft of a deployed version: its main diagram and its own metadata."""
        with self.runtime.db.read() as session:
            version = session.get(ProcedureVersion, version_id)
            if version is None:
                raise DraftRefused(f"Không có phiên bản #{version_id}", f"No version #{version_id}")
            code, sources, meta = version.code, dict(version.sources), dict(version.meta)
        main = next((text for name, text in sources.items() if "/" not in name), None)
        if main is None:
            raise DraftRefused(f"Phiên bản #{version_id} không có sơ đồ chính", f"Version #{version_id} has no diagram")
        # the stored metadata has the shared steps' forms merged in: keep only the procedure's own
        meta_text = yaml.safe_dump(_own_metadata(meta, self._shared_tasks()), allow_unicode=True, sort_keys=False)
        return self._add(code, "version", version_id, main, meta_text, author_id)

    def import_bpmn(self, code: str, data: bytes, author_id: int) -> ImportedDraft:
        """A draft from a diagram written with another tool, made as Motcua's importer makes it (process
        id, Camunda attributes, manual tasks, lanes named like roles...), with the procedure's metadata
        (or the importer's skeleton) beside it; what the importer changed and what is left to change
        come back with it, and checking the draft then points at each element still wrong."""
        if not _is_code(code):
            raise not_found("procedure", code)
        _diagram_text(data, self.max_bytes)  # the studio's own refusals first: size, UTF-8, XML, BPMN, DTDs
        settings = self.runtime.settings
        report = import_report(data, self.role_names(), code, shared_process_ids(settings.bpmn_dir))
        if report.draft_bpmn is None:
            reason = "; ".join(str(item) for item in report.items)
            raise DraftRefused(f"Không đọc được sơ đồ: {reason}", f"The diagram cannot be read: {reason}")
        meta_path = settings.workflows_dir / f"{code}.yaml"
        if meta_path.exists():  # the procedure's metadata, pointed at the imported diagram's process
            meta = meta_path.read_text("utf-8")
            process_id = _process_id(report.draft_bpmn)
            if process_id:
                meta = re.sub(r"(?m)^process_id:.*$", f"process_id: {process_id}", meta, count=1)
        else:
            meta = report.draft_yaml or _skeleton(code, report.draft_bpmn)
        draft_id = self._add(code, "import", None, report.draft_bpmn, meta, author_id, base_bpmn="")
        return ImportedDraft(draft_id, report.items)

    def save(self, draft_id: int, bpmn: str, meta_yaml: str) -> DraftDetail:
        text = _diagram_text(bpmn.encode("utf-8"), self.max_bytes)
        if len(meta_yaml.encode("utf-8")) > MAX_METADATA_BYTES:
            raise DraftRefused(
                f"Siêu dữ liệu quá lớn (tối đa {MAX_METADATA_BYTES // 1024} KB)",
                f"The metadata is too large (at most {MAX_METADATA_BYTES // 1024} KB)",
            )
        with self.runtime.db.write() as session:
            draft = self._open_draft(session, draft_id)
            draft.bpmn, draft.meta_yaml, draft.updated_at = text, meta_yaml, self.runtime.clock.now()
            draft.content_hash = content_hash(text, meta_yaml)
            session.flush()
            return _detail(draft)

    def discard(self, draft_id: int) -> None:
        with self.runtime.db.write() as session:
            session.delete(self._draft(session, draft_id))

    # --- checking, test runs, deploying ------------------------------------------------------------

    def validate(self, draft_id: int) -> list[ShownProblem]:
        draft = self.get(draft_id)
        problems, _catalogue = self._check(draft)
        return problems

    def test_run(self, draft_id: int, path: str | None = None) -> TestRun:
        """Validate, then run one declared path (or all) on a scratch database. When every path
        of the content as it is now passes, that content may be deployed."""
        draft = self.get(draft_id)
        problems, catalogue = self._check(draft)
        if problems:
            return TestRun(problems, [], False)
        meta = catalogue.procedures[draft.code].meta
        if path is not None and path not in meta.paths:
            raise DraftRefused(f"Không có luồng thử '{path}'", f"No declared path '{path}'")
        names = [path] if path else list(meta.paths)
        results = self._simulate(catalogue, [draft.code], names, settings=self.runtime.settings)
        runs = [
            PathRun(r.path, r.ok, r.reason, list(r.lines), list(getattr(r, "visited", None) or [])) for r in results
        ]
        passed_all = path is None and bool(runs) and all(r.ok for r in runs)
        if passed_all:
            with self.runtime.db.write() as session:
                row = self._draft(session, draft_id)
                # not saved over meanwhile (a deployed draft was checked before it went live)
                if row.deployed_version_id is None and row.content_hash == draft.content_hash:
                    row.checked_hash = draft.content_hash
        return TestRun([], runs, passed_all or self.get(draft_id).tested)

    def deploy(self, draft_id: int, user_id: int) -> DeployResult:
        """Make the draft the version new dossiers start on; running dossiers keep theirs."""
        draft = self.get(draft_id)
        if draft.deployed_version_id is not None:
            raise DraftRefused("Bản nháp này đã được triển khai", "This draft has been deployed already")
        if not draft.tested:
            raise DraftRefused(
                "Chỉ triển khai được bản nháp đã kiểm tra và chạy thử đạt mọi luồng, đúng nội dung hiện tại",
                "Only a draft whose current content validated and passed every declared path can be deployed",
            )
        problems, catalogue = self._check(draft)
        if problems:  # the catalogue's shared steps or roles changed since the test run
            raise DraftRefused(
                "Bản nháp không còn hợp lệ; hãy kiểm tra lại", "The draft no longer validates; check it again"
            )
        with self.runtime.db.read() as session:
            by = session.get(User, user_id).username
        (deployed,) = self.runtime.deploy(
            Catalogue({draft.code: catalogue.procedures[draft.code]}, [], catalogue.roles), by=by
        )
        with self.runtime.db.write() as session:
            row = self._draft(session, draft_id)
            row.deployed_version_id, row.deployed_by_id = deployed.version_id, user_id
            row.deployed_at = self.runtime.clock.now()
        return DeployResult(deployed.code, deployed.version_id, deployed.new, deployed.number, deployed.describe())

    def _check(self, draft: DraftDetail) -> tuple[list[ShownProblem], Catalogue]:
        settings = self.runtime.settings
        with tempfile.TemporaryDirectory(prefix="motcua-draft-") as folder:
            diagram = Path(folder) / f"{draft.code}.bpmn"
            meta = diagram.with_suffix(".yaml")
            diagram.write_text(draft.bpmn, encoding="utf-8")
            meta.write_text(draft.meta_yaml, encoding="utf-8")
            catalogue = load_catalogue(settings.bpmn_dir, settings.workflows_dir, only=[diagram])
            shown = [_shown(p, diagram, meta) for p in catalogue.problems]
            loaded = catalogue.procedures.get(draft.code)
            if loaded is None and catalogue.procedures and not shown:
                (other,) = catalogue.procedures
                shown.append(
                    ShownProblem("metadata", "code", f"code {other} differs from the draft's procedure {draft.code}")
                )
            if not any("not well-formed XML" in p.reason for p in shown):
                found = studio_checks(draft.bpmn)
                shown += [p for p in found if (p.element, p.reason) not in {(s.element, s.reason) for s in shown}]
        return shown, catalogue

    # --- rows ----------------------------------------------------------------------------------

    def _add(self, code, origin, base_version_id, bpmn, meta_yaml, author_id, base_bpmn=None) -> int:
        now = self.runtime.clock.now()
        with self.runtime.db.write() as session:
            draft = Draft(
                procedure_code=code,
                origin=origin,
                base_version_id=base_version_id,
                base_bpmn=bpmn if base_bpmn is None else base_bpmn,
                bpmn=bpmn,
                meta_yaml=meta_yaml,
                content_hash=content_hash(bpmn, meta_yaml),
                author_id=author_id,
                created_at=now,
                updated_at=now,
            )
            session.add(draft)
            session.flush()
            return draft.id

    def _draft(self, session, draft_id: int) -> Draft:
        draft = session.get(Draft, draft_id)
        if draft is None:
            raise DraftRefused(f"Không có bản nháp #{draft_id}", f"No draft #{draft_id}")
        return draft

    def _open_draft(self, session, draft_id: int) -> Draft:
        draft = self._draft(session, draft_id)
        if draft.deployed_version_id is not None:
            raise DraftRefused(
                "Bản nháp đã triển khai không sửa được nữa; hãy tạo bản nháp mới từ phiên bản đó",
                "A deployed draft cannot change any more; start a new draft from its version",
            )
        return draft

    def _shared_tasks(self) -> set[str]:
        """Task ids whose forms the shared steps' metadata declares (workflows/shared/)."""
        ids: set[str] = set()
        for path in (self.runtime.settings.workflows_dir / "shared").glob("*.yaml"):
            ids |= set(((yaml.safe_load(path.read_text("utf-8")) or {}).get("tasks") or {}).keys())
        return ids


def studio_checks(bpmn: str) -> list[ShownProblem]:
    """What the catalogue leaves to the studio: a diagram with no drawing at all (written by hand or
    by a tool that does not draw) passes the catalogue, but the modeler can show none of it."""
    root = etree.fromstring(bpmn.encode("utf-8"))
    if any(True for _ in root.iter("{*}BPMNShape", "{*}BPMNEdge")):
        return []  # drawn: the catalogue names each element left without its shape
    return [
        ShownProblem("diagram", element.get("id"), "this element has no shape on the diagram")
        for process in root.iter(f"{{{BPMN_NS}}}process")
        for element in process
        if isinstance(element.tag, str)
        and element.get("id")
        and etree.QName(element).localname not in {"laneSet", "extensionElements", "documentation", "dataObject"}
    ]


def _summary(draft: Draft, cls=DraftSummary, **extra) -> DraftSummary:
    session = object_session(draft)
    ids = [i for i in (draft.base_version_id, draft.deployed_version_id) if i is not None]
    numbers = (
        dict(
            session.execute(
                select(ProcedureVersion.id, ProcedureVersion.number).where(ProcedureVersion.id.in_(ids))
            ).all()
        )
        if ids
        else {}
    )
    return cls(
        base_version_number=numbers.get(draft.base_version_id),
        deployed_version_number=numbers.get(draft.deployed_version_id),
        id=draft.id,
        code=draft.procedure_code,
        origin=draft.origin,
        base_version_id=draft.base_version_id,
        author=draft.author.full_name,
        created_at=draft.created_at,
        updated_at=draft.updated_at,
        tested=draft.checked_hash is not None and draft.checked_hash == draft.content_hash,
        deployed_version_id=draft.deployed_version_id,
        deployed_by=draft.deployed_by.full_name if draft.deployed_by else None,
        deployed_at=draft.deployed_at,
        **extra,
    )


def _detail(draft: Draft) -> DraftDetail:
    detail = _summary(
        draft,
        DraftDetail,
        bpmn=draft.bpmn,
        meta_yaml=draft.meta_yaml,
        content_hash=draft.content_hash,
        base_bpmn=draft.base_bpmn,
    )
    return detail


def _is_code(code: str) -> bool:
    return 0 < len(code) <= 16 and code.isascii() and code.replace("_", "").isalnum()


def _diagram_text(data: bytes, limit: int) -> str:
    """The diagram as text, refused quickly when too big or not XML (nothing is stored then)."""
    if len(data) > limit:
        raise DraftRefused(
            f"Sơ đồ quá lớn: {len(data) / 1048576:.1f} MB (tối đa {limit / 1048576:g} MB)",
            f"The diagram is too large: {len(data) / 1048576:.1f} MB (at most {limit / 1048576:g} MB)",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DraftRefused("Tệp không phải văn bản UTF-8", "The file is not UTF-8 text") from None
    try:  # no DTDs, no entities, no network: a diagram needs none
        root = safe_xml.parse(data, limit=limit)
    except safe_xml.XMLRefused as err:
        where = f" (dòng {err.line})" if err.line else ""
        where_en = f" (line {err.line})" if err.line else ""
        if err.reason == safe_xml.DOCTYPE_REFUSED:
            raise DraftRefused(
                f"Sơ đồ không được chứa DTD hay thực thể{where}",
                f"A diagram may not contain a DTD or entities{where_en}",
            ) from None
        raise DraftRefused(
            f"Tệp không phải XML hợp lệ{where}: {err.reason}",
            f"The file is not well-formed XML{where_en}: {err.reason}",
        ) from None
    if etree.QName(root).namespace != BPMN_NS or etree.QName(root).localname != "definitions":
        raise DraftRefused("Tệp không phải sơ đồ BPMN 2.0", "The file is not a BPMN 2.0 diagram (bpmn:definitions)")
    return text


def _shown(problem: Problem, diagram: Path, meta: Path) -> ShownProblem:
    # the draft's temporary folder means nothing to the designer: name the files only
    folder = str(diagram.parent) + "/"
    problem = Problem(problem.file, problem.element, problem.reason.replace(folder, ""))
    file = Path(problem.file)
    in_draft = file.parent.name == diagram.parent.name  # the draft's own temp folder
    if in_draft and file.name == diagram.name:
        element = "" if problem.element.startswith("line ") else problem.element
        return ShownProblem("diagram", element, _with_line(problem), diagram.name)
    if in_draft and file.name == meta.name:
        return ShownProblem("metadata", problem.element, problem.reason, meta.name)
    return ShownProblem("other", problem.element, problem.reason, problem.file)


def _with_line(problem: Problem) -> str:
    return f"{problem.element}: {problem.reason}" if problem.element.startswith("line ") else problem.reason


def _own_metadata(stored: dict, shared_tasks: set[str]) -> dict:
    """A version's metadata without the shared steps' task forms merged into it at deploy."""
    tasks = {k: v for k, v in (stored.get("tasks") or {}).items() if k not in shared_tasks}
    return {**stored, "tasks": tasks}


def _process_id(bpmn: str) -> str | None:
    """The diagram's executable process (its first process when none says so)."""
    processes = list(etree.fromstring(bpmn.encode("utf-8")).iter(f"{{{BPMN_NS}}}process"))
    executable = [p for p in processes if p.get("isExecutable") == "true"] or processes
    return executable[0].get("id") if executable else None


def _skeleton(code: str, bpmn: str) -> str:
    process_id = _process_id(bpmn) or code
    return yaml.safe_dump(
        {"code": code, "process_id": process_id, "name": {"vi": code, "en": code}, "tasks": {}, "paths": {}},
        allow_unicode=True,
        sort_keys=False,
    )
