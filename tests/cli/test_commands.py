"""The `motcua` command's tree: every command the README's table lists is there, with the options the
table names, and answers --help; the modules behind it import at their top, or say why not."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli.main import _Context, cli
from tests.test_architecture import imports_of

PROJECT = Path(__file__).resolve().parents[2]
CLI_FILES = sorted((PROJECT / "cli").glob("*.py"))
WORD = re.compile(r"[a-z][a-z-]*(\|[a-z][a-z-]*)*")


def readme_commands() -> list[tuple[tuple[str, ...], set[str]]]:
    """(command path, options named) for each command in the README's "Commands" table; a cell
    `motcua calendar add DAY`, `remove DAY` names `calendar add` and `calendar remove`, and
    `task claim|unclaim` names both."""
    text = (PROJECT / "README.md").read_text("utf-8")
    table = text.split("### Commands", 1)[1].split("\n## ", 1)[0]
    found = []
    for row in table.splitlines():
        if not row.startswith("| `"):
            continue
        first_cell = re.split(r"(?<!\\)\|", row)[1]
        group: list[str] = []
        for span in re.findall(r"`([^`]+)`", first_cell):
            words = span.replace("\\|", "|").split()
            if words[0] == "motcua":
                words, group = words[1:], []
            path = list(group)
            for word in words:
                if not WORD.fullmatch(word):
                    break
                path.append(word)
            group = path[:1]
            options = set(re.findall(r"--[a-z][a-z-]*", span))
            *parents, last = path
            found += [((*parents, name), options) for name in last.split("|")]
    return found


README_COMMANDS = readme_commands()


def all_commands(command: click.Command = cli, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path] if path else []
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            found += all_commands(sub, (*path, name))
    return found


def help_of(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(cli, [*path, "--help"], obj=_Context())
    assert result.exit_code == 0, f"motcua {' '.join(path)} --help exited {result.exit_code}:\n{result.output}"
    return result.output


def test_the_readme_table_is_read_whole():
    paths = [path for path, _options in README_COMMANDS]
    assert len(paths) == len(set(paths)) >= 30
    assert ("calendar", "remove") in paths and ("task", "unclaim") in paths and ("flag-late",) in paths
    assert dict(README_COMMANDS)[("outbox", "retry")] == {"--all-dead"}


@pytest.mark.parametrize("path, options", README_COMMANDS, ids=[" ".join(path) for path, _ in README_COMMANDS])
def test_every_command_of_the_readme_answers_help_with_its_options(path, options):
    assert path in all_commands(), f"motcua {' '.join(path)} is in the README but not in the command"
    shown = help_of(path)
    assert shown.startswith(f"Usage: cli {' '.join(path)} "), shown
    assert {option for option in options if not re.search(rf"(?<![\w-]){option}(?![\w-])", shown)} == set()


def test_every_command_answers_help():
    commands = all_commands()
    assert len(commands) > len(README_COMMANDS)  # the groups themselves, and `demo seed`
    for path in commands:
        assert help_of(path).startswith(f"Usage: cli {' '.join(path)} ")


def test_no_import_hides_inside_a_function_without_saying_why():
    assert len(CLI_FILES) > 10
    hidden = []
    for path in CLI_FILES:
        lines = path.read_text().splitlines()
        hidden += [
            f"{path.relative_to(PROJECT)}:{line}"
            for _name, line, inside in imports_of(path)
            if inside and "#" not in lines[line - 1]
        ]
    assert hidden == []
