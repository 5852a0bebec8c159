"""What the studio's version pages read: a procedure's versions and deploy log, two versions
compared with the diagrams to colour, and the incidents of live dossiers by procedure. Each call
opens its own read transaction, so the web layer never touches a database session."""

from __future__ import annotations

from engine.dossiers.incidents import IncidentView, all_incidents
from engine.runtime import Runtime
from engine.workflow.version_diff import VersionDiff, diff_versions
from engine.workflow.version_log import DeploymentInfo, VersionInfo, deployment_log, list_versions, version_row


def versions(runtime: Runtime, code: str) -> list[VersionInfo]:
    """Every version of the procedure, oldest first; NotFound when it was never deployed."""
    with runtime.db.read() as session:
        return list_versions(session, code)


def deploy_log(runtime: Runtime, code: str, limit: int = 20) -> list[DeploymentInfo]:
    """The procedure's latest deploy acts, newest first."""
    with runtime.db.read() as session:
        return deployment_log(session, code, limit)


def compare(runtime: Runtime, code: str, a: int, b: int) -> VersionDiff:
    """Version `a` against version `b` (numbers); NotFound names the versions the procedure has."""
    with runtime.db.read() as session:
        return diff_versions(session, code, a, b)


def main_diagram(runtime: Runtime, code: str, number: int) -> str:
    """The BPMN text of a version's own diagram (not the processes it calls), for bpmn-js."""
    with runtime.db.read() as session:
        sources = dict(version_row(session, code, number).sources)
    if f"{code}.bpmn" in sources:
        return sources[f"{code}.bpmn"]
    # the called processes are stored beside it under a folder ("shared/...")
    return next((text for name, text in sorted(sources.items()) if "/" not in name and name.endswith(".bpmn")), "")


def incidents(runtime: Runtime, procedure: str | None = None, include_resolved: bool = False) -> list[IncidentView]:
    """Incidents of live dossiers, oldest first, of one procedure or of all."""
    with runtime.db.read() as session:
        found = all_incidents(session, None, include_resolved)
    return [i for i in found if procedure is None or i.procedure_code == procedure]
