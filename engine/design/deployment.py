"""Deploy after checking: the procedures that validate (and whose declared paths still end as
declared, when their content changed) go live; the others keep the version they had, and the
caller learns which and why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from engine.data.models import Procedure, ProcedureVersion
from engine.design.simulation import check_paths
from engine.runtime import Runtime
from engine.workflow.catalogue import Catalogue
from engine.workflow.metadata import Problem
from engine.workflow.versions import Deployed


@dataclass(frozen=True)
class Refused:
    """A procedure not deployed, with what is wrong and the version that stays live (None: none)."""

    code: str
    problems: list[Problem]
    live_number: int | None


@dataclass
class DeployOutcome:
    deployed: list[Deployed] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    # problems that belong to no one procedure (roles.yaml, a shared step): shown beside the refusals
    general: list[Problem] = field(default_factory=list)


def procedure_codes(bpmn_dir: Path) -> list[str]:
    """The procedures the catalogue folder holds, valid or not (one diagram each)."""
    return sorted(path.stem for path in bpmn_dir.glob("*.bpmn"))


def checked_deploy(
    runtime: Runtime,
    catalogue: Catalogue,
    codes: Iterable[str],
    *,
    by: str = "cli",
    run_paths: bool = True,
) -> DeployOutcome:
    """Deploy those of `codes` that are valid; `codes` must be procedures of the catalogue folder
    (see procedure_codes). A procedure whose content differs from its live version has its
    declared paths run first on a scratch database."""
    codes = sorted(set(codes))
    outcome = DeployOutcome()
    by_code: dict[str, list[Problem]] = {code: [] for code in codes}
    for problem in catalogue.problems:
        code = Path(problem.file).stem
        if code in by_code:
            by_code[code].append(problem)
        elif code not in catalogue.procedures:
            outcome.general.append(problem)
    with runtime.db.read() as session:
        live = {
            code: (digest, number)
            for code, digest, number in session.execute(
                select(Procedure.code, ProcedureVersion.content_hash, ProcedureVersion.number).join(
                    ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id
                )
            )
        }
    loaded = {code: catalogue.procedures[code] for code in codes if code in catalogue.procedures}
    for code in codes:
        if code not in loaded and not by_code[code]:  # failed for a reason in a shared file
            by_code[code] = list(outcome.general) or [Problem(code, "", "could not be loaded")]
    changed = {code: p for code, p in loaded.items() if live.get(code, (None,))[0] != p.content_hash}
    if run_paths and changed:
        for problem in check_paths(Catalogue(procedures=changed, roles=catalogue.roles)):
            by_code[Path(problem.file).stem].append(problem)
    valid = [code for code in loaded if not by_code[code]]
    if valid:
        outcome.deployed = runtime.deploy(catalogue, by=by, only=valid)
    outcome.refused = [
        Refused(code, problems, live.get(code, (None, None))[1]) for code, problems in by_code.items() if problems
    ]
    return outcome
