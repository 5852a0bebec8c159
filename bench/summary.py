"""What every benchmark hands `bench/report.py`: its figures, each beside its goal.

A benchmark run with `--summary FILE` writes its rows there as JSON; `make bench` collects them into
one table. A row's `met` is None where the figure has no goal (shown for context).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    group: str  # P1, P2, ...
    name: str  # what was measured
    figure: str  # the measured figure, with its unit
    goal: str  # the goal, with its unit ("-" where there is none)
    met: bool | None


def write(path: str | Path | None, rows: list[Row]) -> None:
    if path:
        Path(path).write_text(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=1), encoding="utf-8")


def read(path: str | Path) -> list[Row]:
    return [Row(**r) for r in json.loads(Path(path).read_text(encoding="utf-8"))]
