"""`motcua procedures` and `motcua simulate`: the procedure catalogue, checked, deployed and test-run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
import yaml

from cli.common import get_runtime
from engine.config import Settings
from engine.design.simulation import check_paths, simulate
from engine.workflow import safe_xml
from engine.workflow.catalogue import load_catalogue
from engine.workflow.importing import import_report, shared_process_ids


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
    for d in get_runtime().deploy():
        click.echo(f"{d.code}: version {d.version_id}{' (new)' if d.new else ' (unchanged)'}")


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
