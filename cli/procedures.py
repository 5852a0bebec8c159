"""`motcua procedures` and `motcua simulate`: the procedure catalogue, checked, deployed and test-run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

import click
import yaml

from cli.common import VERSION, get_actor, get_runtime
from engine.config import Settings
from engine.design.deployment import checked_deploy, procedure_codes
from engine.design.migration import migrate, plan_migration
from engine.design.simulation import check_paths, simulate
from engine.sla.limits import describe
from engine.workflow import safe_xml
from engine.workflow.catalogue import load_catalogue
from engine.workflow.importing import import_report, shared_process_ids
from engine.workflow.version_diff import diff_versions
from engine.workflow.version_log import deployment_log, list_versions


@click.group()
def procedures() -> None:
    """The procedure catalogue (bpmn/ and workflows/)."""


@procedures.command("list")
def procedures_list() -> None:
    """Print every procedure with its limit and processing units."""
    settings = Settings.from_env()
    catalogue = load_catalogue(settings.bpmn_dir, settings.workflows_dir)
    for code, loaded in sorted(catalogue.procedures.items()):
        m = loaded.meta
        limit = describe(m.limit) + _for_whom(m.limit.label)
        if m.legal_limit is not None:
            limit += f" (the office's; the law's: {describe(m.legal_limit)}, {m.legal_limit.source})"
        elif m.limit_source:
            limit += f" ({m.limit_source})"
        for case in m.limit_cases:  # in words, never the condition
            limit += f"; {describe(case.limit)}{_for_whom(case.label)} ({case.limit.source or 'no source'})"
        units = ", ".join(
            f"{catalogue.roles[r]['vi']} ({catalogue.roles[r]['en']})" if r in catalogue.roles else r
            for r in m.processing_units
        )
        click.echo(f"{code}  {m.name.vi} | {m.name.en} | {limit} | {units}")
    if catalogue.problems:
        click.echo(f"({len(catalogue.problems)} problem(s): run `motcua procedures validate`)", err=True)


def _for_whom(label) -> str:
    """' [the worker files it themselves / người lao động tự nộp hồ sơ]', or nothing."""
    return f" [{label.en} / {label.vi}]" if label is not None else ""


@procedures.command("validate")
@click.argument("files", nargs=-1, type=click.Path(exists=True))
@click.option("--skip-paths", is_flag=True, help="Do not run the declared paths (faster).")
def procedures_validate(files: tuple[str, ...], skip_paths: bool) -> None:
    """Check diagrams with their metadata, and run every declared path to its end on a scratch
    database; exits non-zero on any problem."""
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
@click.argument("codes", nargs=-1)
@click.option("--skip-paths", is_flag=True, help="Do not run the declared paths of changed procedures.")
def procedures_deploy(codes: tuple[str, ...], skip_paths: bool) -> None:
    """Check, then store the catalogue's valid procedures (or only CODEs) as new versions and make
    them live; running dossiers keep theirs. Exits non-zero naming every invalid procedure."""
    runtime = get_runtime()
    known = procedure_codes(runtime.settings.bpmn_dir)
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise click.ClickException(f"no procedure {', '.join(unknown)} in bpmn/ (there are: {', '.join(known)})")
    outcome = checked_deploy(runtime, runtime.load_catalogue(), codes or known, run_paths=not skip_paths)
    for deployed in outcome.deployed:
        click.echo(deployed.describe())
    for refused in outcome.refused:
        stays = f"v{refused.live_number} stays live" if refused.live_number else "nothing is live for it"
        click.echo(f"error: {refused.code} is not deployed ({stays}):", err=True)
        for problem in refused.problems:
            click.echo(f"  {problem}", err=True)
    if outcome.refused:
        names = ", ".join(r.code for r in outcome.refused)
        click.echo(f"{len(outcome.deployed)} deployed, {len(outcome.refused)} invalid: {names}", err=True)
        sys.exit(1)


@procedures.command("versions")
@click.argument("code")
def procedures_versions(code: str) -> None:
    """Every deployed version of a procedure: when and by whom, content hash, which is live, and
    how many dossiers run on each (not finished) and were started on it in all."""
    runtime = get_runtime()
    with runtime.db.read() as session:
        versions = list_versions(session, code)
        log = deployment_log(session, code, limit=10)
    zone = ZoneInfo(runtime.settings.timezone)
    click.echo(f"{'':2}{'version':<8} {'deployed':<16} {'by':<28} {'hash':<12} {'running':>7} {'in all':>6}")
    for v in versions:
        at = v.deployed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        mark = "* " if v.live else "  "
        click.echo(
            f"{mark}{'v' + str(v.number):<8} {at:<16} {v.deployed_by[:28]:<28} {v.content_hash:<12} "
            f"{v.running:>7} {v.dossiers:>6}"
        )
    click.echo("(* live: new dossiers start on it)")
    click.echo("latest deploys:")
    for d in log:
        at = d.at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        was = f" (was v{d.previous_number})" if d.previous_number and d.previous_number != d.number else ""
        click.echo(f"  {at}  v{d.number} {d.kind}{was} by {d.by}")


@procedures.command("diff")
@click.argument("code")
@click.argument("a", type=VERSION)
@click.argument("b", type=VERSION)
def procedures_diff(code: str, a: int, b: int) -> None:
    """What changed from version A to version B (numbers, e.g. 2 or v2): elements added, removed
    and changed in the diagrams, and the metadata by key path."""
    with get_runtime().db.read() as session:
        diff = diff_versions(session, code, a, b)
    click.echo(f"{code} v{a} -> v{b}")
    if diff.empty:
        click.echo("no differences")
        return
    for element in diff.added:
        click.echo(f"+ {element.id} ({element.type}) {element.name}".rstrip())
    for element in diff.removed:
        click.echo(f"- {element.id} ({element.type}) {element.name}".rstrip())
    for changed in diff.changed:
        element = changed.element
        click.echo(f"~ {element.id} ({element.type}) {element.name}".rstrip())
        for change in changed.changes:
            before, after = (_one_line(v) for v in (change.before, change.after))
            click.echo(f"    {change.field}: {before} -> {after}")
    if diff.metadata:
        click.echo("metadata:")
        for m in diff.metadata:
            if m.before is None:
                click.echo(f"  + {m.path}: {m.after}")
            elif m.after is None:
                click.echo(f"  - {m.path}: {m.before}")
            else:
                click.echo(f"  ~ {m.path}: {m.before} -> {m.after}")


def _one_line(text: str) -> str:
    """A script's lines on one line of the diff (⏎ between them); (none) for nothing."""
    return " ⏎ ".join(text.splitlines()) if text else "(none)"


@procedures.command("migrate")
@click.argument("code")
@click.option("--from", "from_number", type=VERSION, required=True, help="The version the dossiers run on.")
@click.option("--to", "to_number", type=VERSION, required=True, help="The version to move them to.")
@click.option("--dossier", "dossiers", multiple=True, help="Only this dossier (repeatable).")
@click.option("--dry-run", is_flag=True, help="Only say which dossiers can move and why not.")
@click.option("--as", "username", help="The officer moving them, as the history names them.")
def procedures_migrate(code, from_number, to_number, dossiers, dry_run, username) -> None:
    """Move running dossiers of a procedure from one version to another where the steps they
    wait in exist in both; each move is one transaction and is written in the dossier's history."""
    runtime = get_runtime()
    if dry_run:
        plan = plan_migration(runtime, code, from_number, to_number, dossiers or None)
    else:
        plan = migrate(runtime, code, from_number, to_number, get_actor(username), dossiers or None)
    if not plan.items:
        click.echo(f"no running dossier of {code} on v{from_number}")
        return
    for item in plan.items:
        outcome = item.outcome if dry_run or item.moved else "not moved"
        where = f" (waits in {', '.join(item.waiting_in)})" if item.waiting_in and item.movable else ""
        reason = f": {item.reason}" if item.reason else ""
        click.echo(f"{item.dossier}  {outcome}{where}{reason}")
    moved = sum(1 for i in plan.items if i.moved)
    movable = sum(1 for i in plan.items if i.movable)
    if dry_run:
        click.echo(f"{movable} of {len(plan.items)} dossier(s) can move from v{from_number} to v{to_number}")
    else:
        click.echo(f"{moved} of {len(plan.items)} dossier(s) moved from v{from_number} to v{to_number}")


@procedures.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--code", required=True, help="The procedure code of the draft (its file names and process id).")
@click.option(
    "--into",
    "into",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder for the draft CODE.bpmn and CODE.yaml (not bpmn/ or workflows/).",
)
def procedures_import(file: Path, code: str, into: Path) -> None:
    """Import a diagram written with another tool: list what must change for Motcua, element by
    element, and write a draft CODE.bpmn with a skeleton CODE.yaml to check with `validate`."""
    settings = Settings.from_env()
    targets = [into / f"{code}.bpmn", into / f"{code}.yaml"]
    if into.resolve() in {settings.bpmn_dir.resolve(), settings.workflows_dir.resolve()}:
        _fail("a draft stays outside the catalogue: choose another --into folder")
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        _fail(f"{', '.join(existing)} exists already; choose another --into folder or --code")
    try:
        safe_xml.check_size(file.stat().st_size)
        data = file.read_bytes()
    except safe_xml.XMLRefused as err:
        _fail(f"cannot import {file}: {err}")
    except OSError as err:
        _fail(f"cannot read {file}: {err.strerror or err}")
    roles = (yaml.safe_load((settings.workflows_dir / "roles.yaml").read_text("utf-8")) or {}).get("roles") or {}
    report = import_report(data, roles, code, shared_process_ids(settings.bpmn_dir))
    if report.draft_bpmn is None or report.draft_yaml is None:
        _fail(f"cannot import {file}: " + "; ".join(i.message for i in report.items))
    for item in report.items:
        click.echo(f"{'changed' if item.changed else 'to change'}: {item.element or file.name}: {item.message}")
    into.mkdir(parents=True, exist_ok=True)
    targets[0].write_text(report.draft_bpmn, encoding="utf-8")
    targets[1].write_text(report.draft_yaml, encoding="utf-8")
    click.echo(
        f"wrote {targets[0]} and {targets[1]}: {len(report.to_change)} thing(s) to change, "
        f"{len(report.items) - len(report.to_change)} changed; then run `motcua procedures validate {targets[0]}`"
    )


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.command("simulate")
@click.argument("code", required=False)
@click.option("--path", "path_name", help="Run only this declared path.")
@click.option("--all-paths", is_flag=True, help="Run every declared path (the default).")
@click.option("--all", "all_procedures", is_flag=True, help="Simulate every procedure.")
@click.option("--database-url", help="Scratch database server (PostgreSQL URL); default a temporary SQLite file.")
def simulate_command(code, path_name, all_paths, all_procedures, database_url) -> None:
    """Run a procedure through the real engine along its declared paths, on a scratch database.
    CODE is a procedure of the catalogue, or a draft's file (.bpmn with its .yaml beside it, and
    any called process or decision table of its own in the same folder)."""
    settings = Settings.from_env()
    draft = Path(code) if code and code.endswith((".bpmn", ".yaml")) else None
    if draft is not None:
        if not draft.is_file():
            raise click.ClickException(f"no file {code}")
        catalogue = load_catalogue(settings.bpmn_dir, settings.workflows_dir, [draft])
        if catalogue.problems or not catalogue.procedures:
            for problem in catalogue.problems:
                click.echo(f"error: {problem}", err=True)
            raise click.ClickException(f"{code} is not valid; fix the problems above first")
        codes = sorted(catalogue.procedures)
    else:
        catalogue = load_catalogue(settings.bpmn_dir, settings.workflows_dir)
        if all_procedures:
            codes = sorted(catalogue.procedures)
        elif code:
            if code not in catalogue.procedures:
                raise click.ClickException(f"no valid procedure {code}; run `motcua procedures validate`")
            codes = [code]
        else:
            raise click.UsageError("name a procedure CODE (or a draft's .bpmn file) or use --all")
    if path_name and path_name not in catalogue.procedures[codes[0]].meta.paths:
        known = ", ".join(catalogue.procedures[codes[0]].meta.paths)
        raise click.ClickException(f"{codes[0]} declares no path '{path_name}' (paths: {known})")
    results = simulate(catalogue, codes, [path_name] if path_name else None, database_url, echo=click.echo)
    failed = [r for r in results if not r.ok]
    click.echo(f"{len(results) - len(failed)} of {len(results)} path(s) ended as expected")
    sys.exit(1 if failed else 0)
