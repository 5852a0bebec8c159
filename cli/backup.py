"""`motcua backup` and `motcua restore`: the whole database, documents included, to a file and back."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import get_runtime
from engine.data.backup import backup, restore

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.command("backup")
@click.argument("path", type=_FILE)
def backup_command(path: Path) -> None:
    """Write a backup of the whole database (dossiers, history, documents, people) to PATH, a new
    file: SQLite's online backup, or pg_dump's custom format on PostgreSQL."""
    contents = backup(get_runtime().db, path)
    click.echo(
        f"backup written to {path}: {contents.dossiers} dossier(s), {contents.events} event(s), "
        f"{contents.documents} document(s), schema {contents.revision}"
    )


@click.command("restore")
@click.argument("path", type=_FILE)
@click.option("--force", is_flag=True, help="Replace a database that already holds dossiers, accounts or officers.")
def restore_command(path: Path, force: bool) -> None:
    """Replace the database with the backup at PATH (stop `motcua serve` first); a backup from an
    older Motcua is migrated to this one's schema."""
    restored = restore(get_runtime().db, path, force)
    contents = restored.contents
    migrated = "" if restored.from_revision == contents.revision else f" (migrated from {restored.from_revision})"
    click.echo(
        f"restored {path}: {contents.dossiers} dossier(s), {contents.events} event(s), "
        f"{contents.documents} document(s), schema {contents.revision}{migrated}"
    )
    click.echo("check the histories with `motcua audit verify`")
