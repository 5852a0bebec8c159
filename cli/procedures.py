"""`motcua procedures` and `motcua simulate`: the procedure catalogue, checked, deployed and test-run."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.common import get_runtime
from engine.config import Settings
from engine.design.deployment import checked_deploy, procedure_codes
from engine.design.simulation import check_paths, simulate
from engine.workflow.catalogue import load_catalogue


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
