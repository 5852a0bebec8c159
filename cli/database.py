"""`motcua db`: the database schema."""

from __future__ import annotations

import click

from cli.common import get_runtime
from engine.data.migrate import one_upgrade_at_a_time


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version, then deploy the catalogue."""
    runtime = get_runtime()
    with one_upgrade_at_a_time(runtime.db):
        runtime.upgrade_database()
        for d in runtime.deploy():
            click.echo(d.describe())
    click.echo(f"database ready: {runtime.db.url.render_as_string(hide_password=True)}")
