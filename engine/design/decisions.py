"""Decision tables in the studio: every table in bpmn/dmn/ with the procedures whose business rule
tasks call it, one draft per table stored in the database (author, time), checked, evaluated on
inputs typed on the page through the engine's own business rule task under the script limits, and
deployed: as part of a new version of each procedure calling it, once the table checks clean and
every declared path of those procedures passes with it in place. Running dossiers keep theirs.

The files in bpmn/dmn/ stay the catalogue's seed: `motcua procedures deploy` from the files after a
table was deployed here makes versions with the file's table again (copy the draft's text over the
file to keep it: the page offers it as a download).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from engine.data.models import DecisionDraft, User
from engine.design.simulation import check_paths
from engine.errors import EngineError
from engine.runtime import Runtime
from engine.workflow import safe_xml
from engine.workflow.catalogue import DMN_DIR, SHARED_DIR, Catalogue, load_catalogue
from engine.workflow.decision_tables import (
    Evaluation,
    EvaluationFailed,
    Table,
    TableProblem,
    TableRefused,
    check_table,
    evaluate_table,
    read_table,
)
from engine.workflow.rules import RULES
from engine.workflow.script_limits import Limits
from engine.workflow.scripting import RestrictedScriptEngine

_FILE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,110}\.dmn$")


class DecisionRefused(EngineError):
    """A decision-table operation refused for a reason the designer can fix."""


@dataclass(frozen=True)
class Usage:
    code: str  # procedure code, or the shared diagram's name
    element_id: str  # the business rule task


@dataclass
class TableRow:
    file: str
    decision_id: str
    name: str
    hit_policy: str
    rules: int
    used_by: list[Usage] = field(default_factory=list)
    draft_author: str | None = None
    draft_updated_at: datetime | None = None
    readable: bool = True


@dataclass
class TableView:
    file: str
    text: str  # the draft's text when there is a draft, else the file's
    table: Table | None
    is_draft: bool
    draft_author: str | None
    draft_updated_at: datetime | None
    used_by: list[Usage]
    deployed: str | None = None  # "P02 v3" when this draft's content was deployed, by whom and when
    deployed_by: str | None = None
    deployed_at: datetime | None = None


@dataclass(frozen=True)
class TableDeploy:
    file: str
    versions: list[tuple[str, int, bool]]  # (procedure, version number, new version?)

    def describe(self) -> str:
        return ", ".join(f"{code} v{number}" for code, number, _new in self.versions)


class Decisions:
    """What the studio's decision-table pages do, over the runtime's files, database and settings."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    @property
    def folder(self) -> Path:
        return self.runtime.settings.bpmn_dir / DMN_DIR

    # --- reading --------------------------------------------------------------------------------

    def tables(self) -> list[TableRow]:
        usage = self.usage()
        with self.runtime.db.read() as session:
            drafts = {
                d.file: d for d in session.scalars(select(DecisionDraft).options(selectinload(DecisionDraft.author)))
            }
            rows = []
            for path in sorted(self.folder.glob("*.dmn")):
                try:
                    table = read_table(safe_xml.read_text(path))
                    row = TableRow(path.name, table.decision_id, table.name, table.hit_policy, len(table.rules))
                except (TableRefused, safe_xml.XMLRefused):
                    row = TableRow(path.name, "", path.name, "", 0, readable=False)
                row.used_by = usage.get(row.decision_id, [])
                if draft := drafts.get(path.name):
                    row.draft_author, row.draft_updated_at = draft.author.full_name, draft.updated_at
                rows.append(row)
        return rows

    def usage(self) -> dict[str, list[Usage]]:
        """decision id -> the business rule tasks that call it, in bpmn/ and bpmn/shared/."""
        bpmn_dir = self.runtime.settings.bpmn_dir
        found: dict[str, list[Usage]] = {}
        for path in sorted(bpmn_dir.glob("*.bpmn")) + sorted((bpmn_dir / SHARED_DIR).glob("*.bpmn")):
            try:
                root = safe_xml.parse(safe_xml.read_text(path))
            except safe_xml.XMLRefused:
                continue  # the catalogue's own checks report an unreadable diagram
            for el in root.iter():
                if isinstance(el.tag, str) and etree.QName(el).localname == "calledDecisionId" and el.text:
                    task = next((a for a in el.iterancestors() if etree.QName(a).localname == "businessRuleTask"), None)
                    code = path.stem if path.parent == bpmn_dir else f"{SHARED_DIR}/{path.stem}"
                    found.setdefault(el.text.strip(), []).append(
                        Usage(code, task.get("id", "") if task is not None else "")
                    )
        return found

    def get(self, file: str) -> TableView:
        path = self._path(file)
        with self.runtime.db.read() as session:
            draft = self._draft(session, file)
            text = draft.dmn if draft else safe_xml.read_text(path)
            author = draft.author.full_name if draft else None
            updated = draft.updated_at if draft else None
            deployed = (
                (draft.deployed_versions, draft.deployed_by.full_name, draft.deployed_at)
                if draft and draft.deployed_by
                else (None, None, None)
            )
        try:
            table = read_table(text)
        except TableRefused:
            table = None
        decision_id = _decision_id(safe_xml.read_text(path))
        usage = self.usage().get(decision_id, [])
        return TableView(file, text, table, draft is not None, author, updated, usage, *deployed)

    # --- drafts ---------------------------------------------------------------------------------

    def save(self, file: str, dmn: str, author_id: int) -> TableView:
        """Store ``dmn`` as the table's draft (made on the first save). Refused, changing nothing,
        when it is too large, not safe XML, or not a decision table at all; every other problem is
        for check() to list."""
        self._path(file)
        dmn = dmn.replace("\r\n", "\n")  # a form sends its lines with CRLF
        try:
            read_table(dmn, limit=self.runtime.settings.max_diagram_bytes)
        except TableRefused as err:
            raise DecisionRefused(f"Không lưu được bảng: {err}", f"The table cannot be saved: {err}") from err
        now = self.runtime.clock.now()
        try:
            self._store(file, dmn, author_id, now)
        except IntegrityError:  # another designer's first save of this table came first: save over it
            self._store(file, dmn, author_id, now)
        return self.get(file)

    def _store(self, file: str, dmn: str, author_id: int, now: datetime) -> None:
        with self.runtime.db.write() as session:
            draft = self._draft(session, file)
            if draft is None:
                session.add(DecisionDraft(file=file, dmn=dmn, author_id=author_id, created_at=now, updated_at=now))
            elif draft.dmn != dmn:  # changed since a deploy: that deploy no longer describes it
                draft.dmn, draft.author_id, draft.updated_at = dmn, author_id, now
                draft.deployed_at = draft.deployed_by_id = draft.deployed_versions = None

    def discard(self, file: str) -> bool:
        """Drop the table's draft; False when it had none."""
        self._path(file)
        with self.runtime.db.write() as session:
            draft = self._draft(session, file)
            if draft is None:
                return False
            session.delete(draft)
        return True

    # --- checking, evaluating -------------------------------------------------------------------

    def check(self, file: str) -> list[TableProblem]:
        """The table's problems (the draft's when there is one), outputs the calling diagrams read
        included: an output of the file's table that a calling procedure's diagram mentions."""
        view = self.get(file)
        seed = safe_xml.read_text(self._path(file))
        problems = []
        seed_id, draft_id = _decision_id(seed), _decision_id(view.text)
        if view.used_by and draft_id and draft_id != seed_id:
            callers = ", ".join(sorted({u.code for u in view.used_by}))
            problems.append(
                TableProblem(f"the decision id changed from '{seed_id}' to '{draft_id}'; {callers} call(s) '{seed_id}'")
            )
        return problems + check_table(view.text, self._expected_outputs(seed, view.used_by))

    def evaluate(self, file: str, raw: dict[str, str]) -> Evaluation:
        """Evaluate the table (the draft's when there is one) on form values typed by each input's
        typeRef; DecisionRefused for a value of the wrong type or a table that fails on them."""
        view = self.get(file)
        if view.table is None:
            raise DecisionRefused("Bảng không đọc được", "The table cannot be read")
        data = {}
        for name, type_ref in view.table.input_variables():
            data[name] = typed_value(name, type_ref, raw.get(name, ""))
        try:
            return evaluate_table(view.text, data, self.script_engine())
        except (EvaluationFailed, TableRefused) as err:
            raise DecisionRefused(f"Không tính được bảng: {err}", f"The table could not be evaluated: {err}") from err

    def deploy(self, file: str, user_id: int) -> TableDeploy:
        """Deploy the table's draft as part of a new version of each procedure calling it. Refused,
        changing nothing, unless the draft checks clean and every declared path of each of those
        procedures passes with it in place (on a scratch database)."""
        view = self.get(file)
        if not view.is_draft:
            raise DecisionRefused("Bảng này chưa có bản nháp", "This table has no draft")
        problems = self.check(file)
        if problems:
            raise DecisionRefused(
                f"Bảng còn {len(problems)} lỗi; hãy kiểm tra và sửa trước khi triển khai",
                f"The table has {len(problems)} problem(s); check it and fix them before deploying",
            )
        if any("/" in u.code for u in view.used_by):  # a shared step calls it: every procedure may
            codes = sorted(p.stem for p in self.runtime.settings.bpmn_dir.glob("*.bpmn"))
        else:
            codes = sorted({u.code for u in view.used_by})
        if not codes:
            raise DecisionRefused(
                "Không thủ tục nào dùng bảng này: không có gì để triển khai",
                "No procedure calls this table: there is nothing to deploy",
            )
        catalogue = self._catalogue_with(file, view.text, codes)
        failed = [f"{p.element}: {p.reason}" for p in catalogue.problems]
        failed += [f"{p.file} {p.element}: {p.reason}" for p in check_paths(catalogue)]
        missing = [code for code in codes if code not in catalogue.procedures]
        if failed or missing:
            listed = "; ".join(failed + [f"{code} does not load" for code in missing])
            raise DecisionRefused(
                f"Với bảng này, thủ tục dùng nó không còn chạy đúng: {listed}",
                f"With this table, the procedures calling it no longer pass: {listed}",
            )
        with self.runtime.db.read() as session:
            by = session.get(User, user_id).username
        deployed = self.runtime.deploy(Catalogue(catalogue.procedures, [], catalogue.roles), by=by)
        result = TableDeploy(file, [(d.code, d.number, d.new) for d in deployed])
        with self.runtime.db.write() as session:
            draft = self._draft(session, file)
            if draft is not None and draft.dmn == view.text:  # not saved over meanwhile
                draft.deployed_at, draft.deployed_by_id = self.runtime.clock.now(), user_id
                draft.deployed_versions = result.describe()[:400]
        return result

    def _catalogue_with(self, file: str, text: str, codes: list[str]) -> Catalogue:
        """The catalogue of ``codes`` loaded from a copy of bpmn/ with the draft table in place of the file."""
        settings = self.runtime.settings
        with tempfile.TemporaryDirectory(prefix="motcua-table-") as folder:
            copy = Path(folder) / "bpmn"
            shutil.copytree(settings.bpmn_dir, copy, ignore=shutil.ignore_patterns(".*"))
            (copy / DMN_DIR / file).write_text(text, encoding="utf-8")
            return load_catalogue(copy, settings.workflows_dir, only=[copy / f"{code}.bpmn" for code in codes])

    def script_engine(self) -> RestrictedScriptEngine:
        """The functions a diagram's expressions have (the rules and date()) under the configured limits."""
        settings = self.runtime.settings
        limits = Limits.of(settings.script_seconds, settings.script_memory_mb)
        return RestrictedScriptEngine(functions={**RULES, "date": date}, limits=limits)

    # --- internals ------------------------------------------------------------------------------

    def _path(self, file: str) -> Path:
        path = self.folder / file
        if not _FILE.match(file or "") or not path.is_file():
            raise DecisionRefused(f"Không có bảng quyết định '{file}'", f"No decision table '{file}'")
        return path

    @staticmethod
    def _draft(session, file: str) -> DecisionDraft | None:
        query = select(DecisionDraft).options(selectinload(DecisionDraft.author)).where(DecisionDraft.file == file)
        return session.scalars(query).one_or_none()

    def _expected_outputs(self, seed: str, used_by: list[Usage]) -> dict[str, list[str]]:
        try:
            outputs = [c.expression for c in read_table(seed).outputs if c.expression]
        except TableRefused:
            return {}
        bpmn_dir = self.runtime.settings.bpmn_dir
        expected: dict[str, list[str]] = {}
        for code in sorted({u.code for u in used_by}):
            text = safe_xml.read_text(bpmn_dir / f"{code}.bpmn")
            for name in outputs:
                if re.search(rf"\b{re.escape(name)}\b", text):
                    expected.setdefault(name, []).append(code)
        return expected


def _decision_id(text: str) -> str:
    try:
        return read_table(text).decision_id
    except TableRefused:
        return ""


def typed_value(name: str, type_ref: str, text: str) -> Any:
    """A form value as the input's typeRef says (string, number/integer/long/double, boolean, date)."""
    text = (text or "").strip()
    kind = (type_ref or "string").lower()
    if text == "":
        raise DecisionRefused(f"Hãy nhập '{name}'", f"Enter a value for '{name}'")
    try:
        if kind in ("number", "integer", "long", "int", "double"):
            number = float(text.replace(",", "."))
            if kind in ("integer", "long", "int") and not number.is_integer():
                raise ValueError
            return int(number) if number.is_integer() and "." not in text else number
        if kind == "boolean":
            if text.lower() not in ("true", "false"):
                raise ValueError
            return text.lower() == "true"
        if kind == "date":
            return date.fromisoformat(text)
    except ValueError:
        raise DecisionRefused(
            f"'{name}' phải là {_TYPE_VI.get(kind, kind)}: '{text}'",
            f"'{name}' must be {_TYPE_EN.get(kind, kind)}: '{text}'",
        ) from None
    return text


_TYPE_VI = {"number": "một số", "integer": "một số nguyên", "long": "một số nguyên", "double": "một số",
            "boolean": "true hoặc false", "date": "một ngày (YYYY-MM-DD)"}  # fmt: skip
_TYPE_EN = {"number": "a number", "integer": "a whole number", "long": "a whole number", "double": "a number",
            "boolean": "true or false", "date": "a date (YYYY-MM-DD)"}  # fmt: skip
