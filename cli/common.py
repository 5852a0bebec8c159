"""What the commands share: the runtime, the acting officer, and parsing of form values and days."""

from __future__ import annotations

import json
from datetime import date

import click

from engine.people.officers import Actor, user_by_name
from engine.runtime import Runtime


class _Context:
    """The object `main()` hands the root group: one runtime per run, made on first use."""

    def __init__(self):
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            self._runtime = Runtime.create()
        return self._runtime

    def close(self) -> None:
        if self._runtime is not None:
            self._runtime.close()
            self._runtime = None


def get_runtime() -> Runtime:
    return click.get_current_context().find_object(_Context).runtime


def get_actor(username: str | None) -> Actor:
    if username is None:
        return Actor.system()
    with get_runtime().db.read() as session:
        return Actor.of(user_by_name(session, username))


def json_object(text: str | None) -> dict:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise click.BadParameter(f"not valid JSON: {err}", param_hint="--json") from None
    if not isinstance(data, dict):
        raise click.BadParameter("must be a JSON object ({...})", param_hint="--json")
    return data


def pairs(values: tuple[str, ...], json_text: str | None) -> dict:
    """A form's values from --json and then --set NAME=VALUE (which wins)."""
    data = json_object(json_text)
    for item in values:
        if "=" not in item:
            raise click.BadParameter(f"'{item}' is not NAME=VALUE")
        key, value = item.split("=", 1)
        data[key] = value
    return data


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a date YYYY-MM-DD") from None


class _VersionNumber(click.ParamType):
    """A version number as people write it: 3 or v3."""

    name = "VERSION"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip().lower().removeprefix("v")
        if not text.isdigit() or int(text) < 1:
            self.fail(f"'{value}' is not a version number (e.g. 2 or v2)", param, ctx)
        return int(text)


VERSION = _VersionNumber()
