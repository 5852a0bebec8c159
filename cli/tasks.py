"""`motcua task`: officers' tasks, listed, claimed, released, reassigned and completed."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click

from cli.common import get_actor, get_runtime, pairs


@click.group()
def task() -> None:
    """Officers' tasks."""


@task.command("list")
@click.option("--dossier", "dossier_code")
@click.option("--role")
def task_list(dossier_code, role) -> None:
    runtime = get_runtime()
    zone = ZoneInfo(runtime.settings.timezone)
    for t in runtime.dossiers.open_tasks(dossier_code, role):
        who = f" claimed by {t.assignee}" if t.assignee else ""
        due = f" due {t.due_at.astimezone(zone):%Y-%m-%d %H:%M}" if t.due_at else ""
        click.echo(f"#{t.id} {t.dossier_code} {t.element_id} [{t.role}] {t.title}{who}{due}")


@task.command("claim")
@click.argument("task_id", type=int)
@click.option("--as", "username", required=True)
def task_claim(task_id, username) -> None:
    get_runtime().dossiers.claim(task_id, get_actor(username))
    click.echo(f"task #{task_id} claimed by {username}")


@task.command("unclaim")
@click.argument("task_id", type=int)
@click.option("--as", "username", required=True)
def task_unclaim(task_id, username) -> None:
    get_runtime().dossiers.unclaim(task_id, get_actor(username))
    click.echo(f"task #{task_id} released")


@task.command("reassign")
@click.argument("task_id", type=int)
@click.argument("to_username")
@click.option("--as", "username", required=True)
def task_reassign(task_id, to_username, username) -> None:
    get_runtime().dossiers.reassign(task_id, get_actor(username), to_username)
    click.echo(f"task #{task_id} given to {to_username}")


@task.command("complete")
@click.argument("task_id", type=int)
@click.option("--as", "username", required=True)
@click.option("--set", "values", multiple=True, help="NAME=VALUE of the task's form (repeatable).")
@click.option("--json", "json_text")
def task_complete(task_id, username, values, json_text) -> None:
    get_runtime().dossiers.complete_task(task_id, get_actor(username), pairs(values, json_text))
    click.echo(f"task #{task_id} completed")
