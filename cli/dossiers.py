"""`motcua dossier`: start a dossier, show it, deliver a message to it, search for dossiers."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import click

from cli.common import get_runtime, json_object, pairs
from engine.dossiers import inbox, search
from engine.dossiers.history import describe
from engine.dossiers.service import Delivery
from engine.dossiers.views import dossier_view
from engine.people.accounts import signed_in_officer
from engine.people.officers import Actor, user_by_name
from engine.statuses import DossierStatus


@click.group()
def dossier() -> None:
    """Start, follow and move dossiers."""


@dossier.command("start")
@click.argument("code")
@click.option("--set", "values", multiple=True, help="NAME=VALUE of the application form (repeatable).")
@click.option("--json", "json_text", help="The application form as a JSON object.")
@click.option("--unit", help="Receiving unit (default: the office).")
def dossier_start(code, values, json_text, unit) -> None:
    data = pairs(values, json_text)
    runtime = get_runtime()
    dossier_code = runtime.dossiers.start(
        code, data, Actor.applicant(str(data.get("full_name", "applicant"))), unit, channel="cli"
    )
    click.echo(dossier_code)
    for incident in runtime.dossiers.incidents(dossier_code):  # its first step failed: it waits, kept
        click.echo(
            f"warning: the dossier is stored but its first step failed (incident #{incident.id}): {incident.error}",
            err=True,
        )


@dossier.command("show")
@click.argument("code")
@click.option("--raw", is_flag=True, help="Each event as its kind and data (JSON) instead of in words.")
def dossier_show(code, raw) -> None:
    """Status, open tasks and the full history of a dossier, times in office time."""
    runtime = get_runtime()
    service, zone = runtime.dossiers, ZoneInfo(runtime.settings.timezone)
    d = service.get(code)
    status = DossierStatus(d.status)
    click.echo(f"{d.code}  {d.procedure_code}  {d.applicant_name}  status {status.value} {status.label_en}")
    if d.appointment_at is not None:
        click.echo(
            f"  received {d.received_on.isoformat()}, appointment {d.appointment_at.astimezone(zone):%Y-%m-%d %H:%M}"
        )
    for t in service.open_tasks(code):
        click.echo(
            f"  open task #{t.id} {t.element_id} ({t.role}, {t.status}{', ' + t.assignee if t.assignee else ''})"
        )
    with runtime.db.read() as session:
        view = dossier_view(session, runtime.versions, code)
        titles = {t.id: t.title for t in inbox.dossier_tasks(session, code)}
    for e in view.events:
        said = f"{e.kind} {json.dumps(e.data, ensure_ascii=False)}" if raw else describe(view.meta, e, zone, titles).en
        click.echo(f"  {e.at.astimezone(zone):%Y-%m-%d %H:%M:%S} {e.actor}: {said}")


@dossier.command("message")
@click.argument("code")
@click.argument("name")
@click.option("--json", "json_text", help="Payload as a JSON object.")
@click.option(
    "--keep-if-early",
    is_flag=True,
    help="If the dossier does not wait for it yet, keep it until it reaches the step that does "
    "(as the post's and the bank's updates are), instead of refusing it.",
)
def dossier_message(code, name, json_text, keep_if_early) -> None:
    """Deliver a message (e.g. supplement_received, postal_delivered)."""
    delivery = get_runtime().dossiers.deliver_message(
        code, name, json_object(json_text), Actor.system(), keep_if_early=keep_if_early
    )
    if delivery == Delivery.KEPT:
        click.echo(f"{name} kept for {code} until the dossier reaches the step that waits for it")
    else:
        click.echo(f"{name} delivered to {code}")


@dossier.command("search")
@click.argument("text")
@click.option("--as", "username", required=True, help="The officer searching: finds their units' dossiers only.")
@click.option("--page", default=1, type=click.IntRange(min=1), show_default=True)
@click.option("--size", default=20, type=click.IntRange(1, 200), show_default=True)
def dossier_search(text, username, page, size) -> None:
    """Dossiers of the officer's units by code (or a part: 261122-0001, 0001), applicant name (with
    or without accents), ID number, phone or tax code; newest first."""
    runtime = get_runtime()
    zone = ZoneInfo(runtime.settings.timezone)
    with runtime.db.read() as session:
        user = user_by_name(session, username)
        _user, roles = signed_in_officer(session, user.id) or (user, [])
        found = search.search(session, inbox.Officer(user.id, tuple(roles)).units, text, page, size)
    for hit in found.items:
        status = DossierStatus(hit.status)
        steps = ", ".join(s.title for s in hit.steps) or "-"
        due = f"due {hit.appointment_at.astimezone(zone):%Y-%m-%d}" if hit.appointment_at else "no due date yet"
        click.echo(
            f"{hit.code}  {hit.procedure_code}  {hit.applicant_name} ({hit.applicant_id_number})  "
            f"status {status.value} {status.label_en}  step: {steps}  {due}"
        )
    click.echo(f"{'more than ' if found.more else ''}{found.total} found; page {found.page} of {found.pages}")
