"""`motcua units` and `motcua users`: offices, officers and the roles they hold in units."""

from __future__ import annotations

import click

from cli.common import get_runtime
from engine.people.officers import add_unit, add_user, grant, revoke, user_by_name


@click.group()
def units() -> None:
    """Offices and branches."""


@units.command("add")
@click.argument("code")
@click.option("--vi", "name_vi", required=True)
@click.option("--en", "name_en", required=True)
def units_add(code, name_vi, name_en) -> None:
    with get_runtime().db.write() as session:
        add_unit(session, code, name_vi, name_en)
    click.echo(f"unit {code} saved")


@click.group()
def users() -> None:
    """Officers and the roles they hold in units."""


@users.command("add")
@click.argument("username")
@click.option("--name", "full_name", required=True)
@click.option("--email")
def users_add(username, full_name, email) -> None:
    with get_runtime().db.write() as session:
        add_user(session, username, full_name, email)
    click.echo(f"user {username} saved")


@users.command("grant")
@click.argument("username")
@click.argument("role")
@click.argument("unit", required=False)
def users_grant(username, role, unit) -> None:
    runtime = get_runtime()
    with runtime.db.write() as session:
        grant(session, user_by_name(session, username), role, unit or runtime.settings.office_code)
    click.echo(f"{username} holds {role}")


@users.command("revoke")
@click.argument("username")
@click.argument("role")
@click.argument("unit", required=False)
def users_revoke(username, role, unit) -> None:
    runtime = get_runtime()
    with runtime.db.write() as session:
        removed = revoke(session, user_by_name(session, username), role, unit or runtime.settings.office_code)
    click.echo(f"{username} no longer holds {role}" if removed else f"{username} did not hold {role}")
