"""`make bench`: every benchmark of issue-level goals, one after the other, and one table at the end.

    .venv/bin/python bench/report.py [--quick] [--only P1,P3] [--markdown]

Each benchmark runs as its own process (so one's memory and caches do not colour the next) with
`--summary FILE`, printing its own report as it goes; the table at the end puts every figure beside
its goal. --quick runs smaller sizes (for trying the benchmarks out; not the figures to quote);
--markdown prints the table for the README.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import summary

HERE = Path(__file__).resolve().parent

# (group, script, arguments of a full run, arguments of a quick run)
BENCHMARKS = (
    ("P1", "engine_throughput.py", ["--seconds", "7"], ["--seconds", "2"]),
    # --keep: the million dossiers take long to load (25 minutes on a busy 2-core machine); the next
    # run reuses them (drop the database motcua_inbox_scale_1000000 to start afresh)
    ("P2", "inbox_scale.py", ["--keep"], ["--dossiers", "20000", "--runs", "10"]),
    ("P3", "timers_scale.py", [], ["--pending", "5000", "--fired", "50000", "--running", "2000", "--due", "60"]),
    ("P4", "worker_memory.py", ["--lifecycles", "10000"], ["--lifecycles", "1000"]),
)


def machine() -> str:
    cpus = os.cpu_count()
    return f"{platform.machine()}, {cpus} cores, Python {platform.python_version()}, {platform.system()}"


def run(group: str, script: str, args: list[str], folder: Path) -> tuple[list[summary.Row], float]:
    out = folder / f"{group}.json"
    print(f"\n=== {group}: {script} {' '.join(args)}", flush=True)
    began = time.perf_counter()
    done = subprocess.run([sys.executable, str(HERE / script), *args, "--summary", str(out)], check=False)
    elapsed = time.perf_counter() - began
    if done.returncode != 0 or not out.exists():
        return [summary.Row(group, f"{script} failed (exit {done.returncode})", "-", "-", False)], elapsed
    return summary.read(out), elapsed


def table(rows: list[summary.Row], markdown: bool) -> str:
    header = ("", "measured", "figure", "goal", "met")
    lines = [(r.group, r.name, r.figure, r.goal, {True: "yes", False: "NO", None: "-"}[r.met]) for r in rows]
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(line) + " |" for line in lines]
        return "\n".join(out)
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*header), "  ".join("-" * w for w in widths), *(fmt.format(*line) for line in lines)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, to try the benchmarks out")
    parser.add_argument("--only", help="comma-separated groups to run (default all): P1,P2,P3,P4")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None

    rows: list[summary.Row] = []
    took: list[str] = []
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as folder:
        for group, script, full, quick in BENCHMARKS:
            if only and group not in only:
                continue
            got, elapsed = run(group, script, quick if args.quick else full, Path(folder))
            rows += got
            took.append(f"{group} {elapsed:.0f} s")
    print(f"\nMotcua benchmarks, {date.today().isoformat()}, {machine()}{' (quick sizes)' if args.quick else ''}")
    print(table(rows, args.markdown))
    print(f"\ntook: {', '.join(took)}; P5 (the morning's load) runs apart: make bench-load")
    return 0 if all(r.met is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
