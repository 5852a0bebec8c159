"""`motcua incidents`: the steps of live dossiers whose script, condition or timer expression
failed, and retrying them after a fix."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click

from cli.common import get_actor, get_runtime
from engine.dossiers.incidents import IncidentView


@click.group()
def incidents() -> None:
    """Failed steps of live dossiers (incidents)."""


def _line(incident: IncidentView, zone: ZoneInfo) -> str:
    state = (
        "open"
        if incident.is_open
        else f"resolved {incident.resolved_at.astimezone(zone):%Y-%m-%d %H:%M} by {incident.resolved_by}"
        f" ({incident.resolution})"
    )
    return (
        f"#{incident.id}  {incident.dossier_code}  {incident.procedure_code} (version {incident.version_id})  "
        f"{incident.element}  {incident.kind}  since {incident.opened_at.astimezone(zone):%Y-%m-%d %H:%M}  "
        f"{incident.attempts} attempt(s)  {state}\n    {incident.error}"
    )


@incidents.command("list")
@click.option("--all", "include_resolved", is_flag=True, help="Also the resolved ones.")
@click.option("--dossier", "dossier_code", help="Only this dossier's.")
def incidents_list(include_resolved, dossier_code) -> None:
    """The open incidents (all with --all), oldest first."""
    runtime = get_runtime()
    found = runtime.dossiers.incidents(dossier_code, include_resolved=include_resolved)
    zone = ZoneInfo(runtime.settings.timezone)
    for incident in found:
        click.echo(_line(incident, zone))
    if not found:
        click.echo("no incidents" if include_resolved else "no open incidents")


@incidents.command("retry")
@click.argument("incident_id", type=int)
@click.option("--as", "username", help="Who retries (a user name; default: the system).")
def incidents_retry(incident_id, username) -> None:
    """Do the failed step again on the dossier's current data and version; resolves the incident
    when it passes."""
    incident = get_runtime().dossiers.retry_incident(incident_id, get_actor(username))
    click.echo(f"incident #{incident.id} resolved: {incident.resolution}")
