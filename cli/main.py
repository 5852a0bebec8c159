"""The `motcua` command: database, catalogue, simulation, dossiers and tasks from a terminal."""

from __future__ import annotations

import json
import sys
import time
from zoneinfo import ZoneInfo

import click
from sqlalchemy.exc import DBAPIError

from engine.config import Settings
from engine.design.simulation import simulate
from engine.errors import EngineError
from engine.forms import FormError
from engine.people.officers import Actor, add_unit, add_user, grant, revoke, user_by_name
from engine.runtime import Runtime
from engine.statuses import DossierStatus
from engine.workflow.catalogue import load_catalogue


class _Context:
    def __init__(self):
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            self._runtime = Runtime.create()
        return self._runtime


def main() -> None:
    try:
        cli(obj=_Context())
    except FormError as err:
        for name, message in err.errors.items():
            click.echo(f"error: {name}: {message.en}", err=True)
        sys.exit(1)
    except EngineError as err:
        click.echo(f"error: {err.message.en}", err=True)
        sys.exit(1)
    except DBAPIError as err:
        if _schema_missing(err):
            click.echo("error: the database has no Motcua tables yet: run `motcua db upgrade` first", err=True)
        else:
            click.echo(f"error: the database refused: {err.orig}", err=True)
        sys.exit(1)


def _schema_missing(err: DBAPIError) -> bool:
    text = str(err.orig).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


@click.group()
def cli() -> None:
    """Motcua: the one-stop workflow engine of a provincial social-insurance office."""


def _runtime() -> Runtime:
    return click.get_current_context().find_object(_Context).runtime


def _actor(username: str | None) -> Actor:
    if username is None:
        return Actor.system()
    with _runtime().db.read() as session:
        return Actor.of(user_by_name(session, username))


def _json_object(text: str | None) -> dict:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise click.BadParameter(f"not valid JSON: {err}", param_hint="--json") from None
    if not isinstance(data, dict):
        raise click.BadParameter("must be a JSON object ({...})", param_hint="--json")
    return data


def _pairs(values: tuple[str, ...], json_text: str | None) -> dict:
    data = _json_object(json_text)
    for item in values:
        if "=" not in item:
            raise click.BadParameter(f"'{item}' is not NAME=VALUE")
        key, value = item.split("=", 1)
        data[key] = value
    return data


# --- database ------------------------------------------------------------------------------------


@cli.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version, then deploy the catalogue."""
    runtime = _runtime()
    runtime.upgrade_database()
    for d in runtime.deploy():
        click.echo(f"{d.code}: version {d.version_id}{' (new)' if d.new else ''}")
    click.echo(f"database ready: {runtime.db.url.render_as_string(hide_password=True)}")


# --- catalogue -----------------------------------------------------------------------------------


@cli.group()
def procedures() -> None:
    """The procedure catalogue (bpmn/ and workflows/)."""


@procedures.command("list")
def procedures_list() -> None:
    """Print every procedure with its limit and processing units."""
    settings = Settings.from_env()
    catalogue = load_catalogue(settings.bpmn_dir, settings.workflows_dir)
    for code, loaded in sorted(catalogue.procedures.items()):
        m = loaded.meta
        limit = f"{m.limit_days} {'working days' if m.limit_unit == 'working' else 'calendar days'}"
        units = ", ".join(
            f"{catalogue.roles[r]['vi']} ({catalogue.roles[r]['en']})" if r in catalogue.roles else r
            for r in m.processing_units
        )
        click.echo(f"{code}  {m.name.vi} | {m.name.en} | {limit} | {units}")
    if catalogue.problems:
        click.echo(f"({len(catalogue.problems)} problem(s): run `motcua procedures validate`)", err=True)


@procedures.command("validate")
@click.argument("files", nargs=-1, type=click.Path(exists=True))
@click.option("--skip-paths", is_flag=True, help="Do not run the declared paths (faster).")
def procedures_validate(files: tuple[str, ...], skip_paths: bool) -> None:
    """Check diagrams with their metadata, and run every declared path to its end on a scratch
    database; exits non-zero on any problem."""
    from pathlib import Path

    from engine.design.simulation import check_paths

    settings = Settings.from_env()
    catalogue = load_catalogue(settings.bpmn_dir, settings.workflows_dir, [Path(f) for f in files] or None)
    problems = list(catalogue.problems)
    if not skip_paths and catalogue.procedures:
        problems += check_paths(catalogue)
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    failing = {p.file for p in problems}
    valid = sum(1 for loaded in catalogue.procedures.values() if loaded.meta_file not in failing)
    click.echo(f"{valid} procedure(s) valid, {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


@procedures.command("deploy")
def procedures_deploy() -> None:
    """Store the catalogue's current diagrams as new versions; running dossiers keep theirs."""
    for d in _runtime().deploy():
        click.echo(f"{d.code}: version {d.version_id}{' (new)' if d.new else ' (unchanged)'}")


@cli.command("simulate")
@click.argument("code", required=False)
@click.option("--path", "path_name", help="Run only this declared path.")
@click.option("--all-paths", is_flag=True, help="Run every declared path (the default).")
@click.option("--all", "all_procedures", is_flag=True, help="Simulate every procedure.")
@click.option("--database-url", help="Scratch database server (PostgreSQL URL); default a temporary SQLite file.")
def simulate_command(code, path_name, all_paths, all_procedures, database_url) -> None:
    """Run a procedure through the real engine along its declared paths, on a scratch database."""
    settings = Settings.from_env()
    catalogue = load_catalogue(settings.bpmn_dir, settings.workflows_dir)
    if all_procedures:
        codes = sorted(catalogue.procedures)
    elif code:
        if code not in catalogue.procedures:
            raise click.ClickException(f"no valid procedure {code}; run `motcua procedures validate`")
        codes = [code]
    else:
        raise click.UsageError("name a procedure CODE or use --all")
    if path_name and path_name not in catalogue.procedures[codes[0]].meta.paths:
        known = ", ".join(catalogue.procedures[codes[0]].meta.paths)
        raise click.ClickException(f"{codes[0]} declares no path '{path_name}' (paths: {known})")
    results = simulate(catalogue, codes, [path_name] if path_name else None, database_url, echo=click.echo)
    failed = [r for r in results if not r.ok]
    click.echo(f"{len(results) - len(failed)} of {len(results)} path(s) ended as expected")
    sys.exit(1 if failed else 0)


# --- people --------------------------------------------------------------------------------------


@cli.group()
def units() -> None:
    """Offices and branches."""


@units.command("add")
@click.argument("code")
@click.option("--vi", "name_vi", required=True)
@click.option("--en", "name_en", required=True)
def units_add(code, name_vi, name_en) -> None:
    with _runtime().db.write() as session:
        add_unit(session, code, name_vi, name_en)
    click.echo(f"unit {code} saved")


@cli.group()
def users() -> None:
    """Officers and the roles they hold in units."""


@users.command("add")
@click.argument("username")
@click.option("--name", "full_name", required=True)
@click.option("--email")
def users_add(username, full_name, email) -> None:
    with _runtime().db.write() as session:
        add_user(session, username, full_name, email)
    click.echo(f"user {username} saved")


@users.command("grant")
@click.argument("username")
@click.argument("role")
@click.argument("unit", required=False)
def users_grant(username, role, unit) -> None:
    runtime = _runtime()
    with runtime.db.write() as session:
        grant(session, user_by_name(session, username), role, unit or runtime.settings.office_code)
    click.echo(f"{username} holds {role}")


@users.command("revoke")
@click.argument("username")
@click.argument("role")
@click.argument("unit", required=False)
def users_revoke(username, role, unit) -> None:
    runtime = _runtime()
    with runtime.db.write() as session:
        removed = revoke(session, user_by_name(session, username), role, unit or runtime.settings.office_code)
    click.echo(f"{username} no longer holds {role}" if removed else f"{username} did not hold {role}")


# --- dossiers and tasks --------------------------------------------------------------------------


@cli.group()
def dossier() -> None:
    """Start, follow and move dossiers."""


@dossier.command("start")
@click.argument("code")
@click.option("--set", "values", multiple=True, help="NAME=VALUE of the application form (repeatable).")
@click.option("--json", "json_text", help="The application form as a JSON object.")
@click.option("--unit", help="Receiving unit (default: the office).")
def dossier_start(code, values, json_text, unit) -> None:
    data = _pairs(values, json_text)
    dossier_code = _runtime().dossiers.start(code, data, Actor.applicant(str(data.get("full_name", "applicant"))), unit)
    click.echo(dossier_code)


@dossier.command("show")
@click.argument("code")
def dossier_show(code) -> None:
    """Status, open tasks and the full history of a dossier."""
    service = _runtime().dossiers
    d = service.get(code)
    status = DossierStatus(d.status)
    click.echo(f"{d.code}  {d.procedure_code}  {d.applicant_name}  status {status.value} {status.label_en}")
    if d.appointment_at is not None:
        zone = ZoneInfo(_runtime().settings.timezone)
        click.echo(
            f"  received {d.received_on.isoformat()}, appointment {d.appointment_at.astimezone(zone):%Y-%m-%d %H:%M}"
        )
    for t in service.open_tasks(code):
        click.echo(
            f"  open task #{t.id} {t.element_id} ({t.role}, {t.status}{', ' + t.assignee if t.assignee else ''})"
        )
    for e in service.history(code):
        click.echo(f"  {e.at:%Y-%m-%d %H:%M:%S} {e.actor}: {e.kind} {json.dumps(e.data, ensure_ascii=False)}")


@dossier.command("message")
@click.argument("code")
@click.argument("name")
@click.option("--json", "json_text", help="Payload as a JSON object.")
def dossier_message(code, name, json_text) -> None:
    """Deliver a message (e.g. supplement_received, postal_delivered)."""
    _runtime().dossiers.deliver_message(code, name, _json_object(json_text), Actor.system())
    click.echo(f"{name} delivered to {code}")


@cli.group()
def task() -> None:
    """Officers' tasks."""


@task.command("list")
@click.option("--dossier", "dossier_code")
@click.option("--role")
def task_list(dossier_code, role) -> None:
    runtime = _runtime()
    zone = ZoneInfo(runtime.settings.timezone)
    for t in runtime.dossiers.open_tasks(dossier_code, role):
        who = f" claimed by {t.assignee}" if t.assignee else ""
        due = f" due {t.due_at.astimezone(zone):%Y-%m-%d %H:%M}" if t.due_at else ""
        click.echo(f"#{t.id} {t.dossier_code} {t.element_id} [{t.role}] {t.title}{who}{due}")


@task.command("claim")
@click.argument("task_id", type=int)
@click.option("--as", "username", required=True)
def task_claim(task_id, username) -> None:
    _runtime().dossiers.claim(task_id, _actor(username))
    click.echo(f"task #{task_id} claimed by {username}")


@task.command("unclaim")
@click.argument("task_id", type=int)
@click.option("--as", "username", required=True)
def task_unclaim(task_id, username) -> None:
    _runtime().dossiers.unclaim(task_id, _actor(username))
    click.echo(f"task #{task_id} released")


@task.command("reassign")
@click.argument("task_id", type=int)
@click.argument("to_username")
@click.option("--as", "username", required=True)
def task_reassign(task_id, to_username, username) -> None:
    _runtime().dossiers.reassign(task_id, _actor(username), to_username)
    click.echo(f"task #{task_id} given to {to_username}")


@task.command("complete")
@click.argument("task_id", type=int)
@click.option("--as", "username", required=True)
@click.option("--set", "values", multiple=True, help="NAME=VALUE of the task's form (repeatable).")
@click.option("--json", "json_text")
def task_complete(task_id, username, values, json_text) -> None:
    runtime = _runtime()
    runtime.dossiers.complete_task(task_id, _actor(username), _pairs(values, json_text))
    click.echo(f"task #{task_id} completed")


# --- working-day calendar ------------------------------------------------------------------------


@cli.group()
def calendar() -> None:
    """The office's working-day calendar and deadlines."""


def _date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a date YYYY-MM-DD") from None


@calendar.command("deadline")
@click.option("--from", "start", required=True, help='When the dossier was accepted: "YYYY-MM-DD HH:MM" (office time).')
@click.option("--days", type=click.IntRange(min=0), required=True, help="The time limit.")
@click.option("--calendar-days", is_flag=True, help="The limit counts calendar days, not working days.")
def calendar_deadline(start, days, calendar_days) -> None:
    """Print when a limit falls due, as YYYY-MM-DD HH:MM in office time."""
    from datetime import datetime

    from engine.sla.office_calendar import load_calendar

    try:
        accepted = datetime.strptime(start, "%Y-%m-%d %H:%M")
    except ValueError:
        raise click.BadParameter(f"'{start}' is not YYYY-MM-DD HH:MM", param_hint="--from") from None
    runtime = _runtime()
    with runtime.db.read() as session:
        cal = load_calendar(session, runtime.settings)
    due = cal.deadline(accepted.replace(tzinfo=cal.zone), days, working=not calendar_days)
    click.echo(due.strftime("%Y-%m-%d %H:%M"))


@calendar.command("add")
@click.argument("day")
@click.option("--holiday", "kind", flag_value="holiday", help="A day off for the office.")
@click.option("--workday", "kind", flag_value="workday", help="A working day for the office.")
@click.option("--note", default="", help="Why (shown in the list).")
def calendar_add(day, kind, note) -> None:
    """Add the office's own day off or working day."""
    from engine.sla.office_calendar import set_day

    if kind is None:
        raise click.UsageError("say --holiday or --workday")
    with _runtime().db.write() as session:
        set_day(session, _date(day), kind == "workday", note)
    click.echo(f"{day}: {'working day' if kind == 'workday' else 'day off'}")


@calendar.command("remove")
@click.argument("day")
def calendar_remove(day) -> None:
    """Drop the office's own change for a day."""
    from engine.sla.office_calendar import remove_day

    with _runtime().db.write() as session:
        remove_day(session, _date(day))
    click.echo(f"{day}: national calendar")


@calendar.command("list")
@click.option("--year", type=int)
def calendar_list(year) -> None:
    """The office's own changes to the national calendar."""
    from engine.sla.office_calendar import list_days

    with _runtime().db.read() as session:
        for row in list_days(session, year):
            click.echo(f"{row.day.isoformat()}  {'working day' if row.working else 'day off'}  {row.note}")


@cli.command("flag-late")
def flag_late() -> None:
    """Give an apology task (form 04) for each dossier that will miss its appointment within one
    working day; safe to run from several processes at once."""
    click.echo(f"{_runtime().dossiers.flag_late_dossiers()} late dossier(s) flagged")


# --- figures ---------------------------------------------------------------------------------------


@cli.group()
def report() -> None:
    """The office's figures."""


@report.command("on-time")
@click.option("--from", "first", required=True, help="First day, YYYY-MM-DD (office time).")
@click.option("--to", "last", required=True, help="Last day, YYYY-MM-DD (inclusive).")
def report_on_time(first, last) -> None:
    """Share of dossiers whose processing finished on or before their appointment."""
    from engine.sla.reports import on_time_figures

    runtime = _runtime()
    with runtime.db.read() as session:
        figures = on_time_figures(session, _date(first), _date(last), ZoneInfo(runtime.settings.timezone))

    def line(label, f):
        share = "-" if f.share is None else f"{100 * f.share:.1f}%"
        return f"{label:<12} {f.finished:>6} finished  {f.on_time:>6} on time  {f.late:>6} late  {share:>7}"

    click.echo(line("overall", figures.overall))
    for code, f in sorted(figures.by_procedure.items()):
        click.echo(line(code, f))
    for unit, f in sorted(figures.by_unit.items()):
        click.echo(line(unit, f))


# --- running the product ---------------------------------------------------------------------


@cli.group()
def demo() -> None:
    """Demo data."""


@demo.command("seed")
def demo_seed() -> None:
    """Officers in every role, applicant accounts and dossiers at different steps (dossiers only
    into an empty database)."""
    from engine.demo import ACCOUNTS, DEMO_PASSWORD, seed_demo

    runtime = _runtime()
    officers = seed_demo(runtime, runtime.load_catalogue())
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD})")
    click.echo("  Officers, at /officer/login (username: name, roles):")
    for username, name, roles in officers:
        click.echo(f"    {username}: {name}, {', '.join(roles)}")
    click.echo("  Applicants, at /login (citizen ID or tax code: name):")
    for _kind, id_number, name, _phone, _email in ACCOUNTS:
        click.echo(f"    {id_number}: {name}")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, help="Web worker threads.")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between polls of the background work.")
def serve(host, port, threads, interval) -> None:
    """Serve the web application and run the background work (timers, late dossiers, card renewal
    reminders, the outbox unless a Celery broker is set) until Ctrl+C."""
    import threading

    from waitress import serve as waitress_serve

    from web import create_app

    runtime = _runtime()
    app = create_app(runtime=runtime)
    stop = threading.Event()

    def background() -> None:
        from engine.integration.reminders import queue_renewal_reminders

        reminded_at = None  # renewal reminders are about days: once an hour is plenty
        while not stop.is_set():
            try:
                fired = runtime.dossiers.fire_due_timers()
                late = runtime.dossiers.flag_late_dossiers()
                if fired or late:
                    click.echo(f"{fired} timer(s) fired, {late} late dossier(s) flagged")
                if reminded_at is None or time.monotonic() - reminded_at >= 3600:
                    reminded_at = time.monotonic()
                    if reminded := queue_renewal_reminders(runtime.db, runtime.clock, runtime.settings):
                        click.echo(f"{reminded} renewal reminder(s) queued")
            except Exception as error:  # keep serving; the next poll tries again
                click.echo(f"background work failed: {error}", err=True)
            stop.wait(interval)

    threading.Thread(target=background, name="motcua-background", daemon=True).start()
    if not runtime.settings.celery_broker:  # otherwise the Celery worker delivers the outbox
        from engine.integration.outbox import OutboxWorker

        outbox = OutboxWorker(runtime.db, runtime.clock, runtime.settings)
        threading.Thread(
            target=outbox.run, kwargs={"stop": stop, "report": _outbox_report}, name="motcua-outbox", daemon=True
        ).start()
    click.echo(f"Motcua is running on {runtime.db.url.render_as_string(hide_password=True)}")
    click.echo(f"Open http://{host}:{port}/  (Ctrl+C stops)")
    try:
        waitress_serve(app, host=host, port=port, threads=threads, ident="motcua")
    finally:
        stop.set()
        click.echo("stopped")


@cli.command("simulators")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8100, show_default=True, type=int, help="Port to listen on.")
def simulators_command(host, port) -> None:
    """Serve stand-ins for the post, population registry, national portal, bank and SMS/e-mail
    gateway (state in memory) until Ctrl+C."""
    from waitress import serve as waitress_serve

    from simulators import create_app

    click.echo(f"Simulators on http://{host}:{port}/  (Ctrl+C stops)")
    # several threads: a webhook sent inside one request may make the product call back in another
    waitress_serve(create_app(), host=host, port=port, threads=8, ident="motcua-simulators")


@cli.group()
def payouts() -> None:
    """Benefit payouts through the bank."""


@payouts.command("reconcile")
@click.option("--day", required=True, help="The bank's business day, YYYY-MM-DD (office time).")
def payouts_reconcile(day) -> None:
    """Compare the transfers the bank confirmed to dossiers on DAY with the bank's daily report;
    exits 1 when they differ."""
    from engine.integration.payouts import reconcile

    runtime = _runtime()
    with runtime.db.read() as session:
        result = reconcile(session, runtime.settings, _date(day))
    click.echo(
        f"{result.day}: ours {result.ours_count} transfer(s), {result.ours_total} đ; "
        f"bank {result.bank_count} transfer(s), {result.bank_total} đ"
    )
    for t in result.missing_at_bank:
        click.echo(f"  not in the bank's report: {t.transfer_id} {t.dossier_code} {t.amount} đ")
    for t in result.missing_here:
        click.echo(f"  reported by the bank, not confirmed here: {t.transfer_id} {t.dossier_code} {t.amount} đ")
    for ours, bank in result.amounts_differ:
        click.echo(
            f"  amounts differ: {ours.transfer_id} {ours.dossier_code} ours {ours.amount} đ, bank {bank.amount} đ"
        )
    click.echo("matches" if result.matches else "DIFFERS")
    if not result.matches:
        sys.exit(1)


@cli.group()
def outbox() -> None:
    """Messages to outside systems (portal, post, bank, SMS and e-mail)."""


def _outbox_report(counts: dict) -> None:
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items() if n and what != "claimed") or "nothing due")


def _outbox_worker():
    from engine.integration.outbox import OutboxWorker

    runtime = _runtime()
    return OutboxWorker(runtime.db, runtime.clock, runtime.settings)


@outbox.command("run")
@click.option("--once", is_flag=True, help="Deliver what is due now and exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls when nothing is due.")
@click.option("--batch", default=50, show_default=True, type=click.IntRange(min=1), help="Messages per pass.")
def outbox_run(once, interval, batch) -> None:
    """Deliver due messages with retries; safe to run in several processes at once."""
    worker = _outbox_worker()
    if once:
        _outbox_report(worker.run_once(batch))
        return
    click.echo(f"outbox worker running (lease {worker.lease.total_seconds():g} s)")
    try:
        worker.run(interval, batch, report=_outbox_report)
    except KeyboardInterrupt:
        click.echo("stopped")


@outbox.command("dead")
def outbox_dead() -> None:
    """List the messages that will not be retried by themselves (dead letters)."""
    letters = _outbox_worker().dead_letters()
    for d in letters:
        click.echo(f"#{d.id} {d.kind} {d.dossier_code or '-'} after {d.attempts} attempt(s): {d.last_error}")
    click.echo(f"{len(letters)} dead letter(s)")


@outbox.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-dead", is_flag=True, help="Retry every dead letter.")
def outbox_retry(ids, all_dead) -> None:
    """Queue dead letters again, due now."""
    if bool(ids) == all_dead:
        raise click.UsageError("give message IDs or --all-dead")
    worker = _outbox_worker()
    if all_dead:
        ids = [d.id for d in worker.dead_letters()]
    click.echo(f"{worker.retry(ids)} message(s) queued again")


@cli.group()
def reminders() -> None:
    """Reminders to applicants (health-insurance card renewal)."""


@reminders.command("run")
@click.option(
    "--days",
    default=30,
    show_default=True,
    type=click.IntRange(min=0),
    help="Remind about cards expiring within this many days.",
)
def reminders_run(days) -> None:
    """Queue an SMS / e-mail for each health-insurance card expiring soon, once per card and expiry
    date; safe to run from several processes at once."""
    from engine.integration.reminders import queue_renewal_reminders

    runtime = _runtime()
    queued = queue_renewal_reminders(runtime.db, runtime.clock, runtime.settings, days)
    click.echo(f"{queued} renewal reminder(s) queued")


# --- background work -----------------------------------------------------------------------------


@cli.group()
def timers() -> None:
    """Timer events in diagrams."""


@timers.command("run")
@click.option("--once", is_flag=True, help="Fire what is due now and exit.")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between polls.")
def timers_run(once, interval) -> None:
    """Fire due timers; safe to run in several processes at once."""
    service = _runtime().dossiers
    while True:
        fired = service.fire_due_timers()
        if fired or once:
            click.echo(f"{fired} timer(s) fired")
        if once:
            return
        time.sleep(interval)


if __name__ == "__main__":
    main()
