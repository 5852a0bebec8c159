"""P4: what a finished dossier costs on disk, and what a worker's memory does over many dossiers.

    .venv/bin/python bench/worker_memory.py [--lifecycles N] [--postgres-url URL] [--summary FILE]

One process runs N complete P02 lifecycles (the happy path of engine_throughput.py, workflow cache
on, as a web or Celery worker runs) on a scratch PostgreSQL database (SQLite with --postgres-url '')
and reports:

- the resident memory (VmRSS) after a warm-up of 500 lifecycles, which fills the workflow cache and
  SQLAlchemy's statement cache, and after all N: a worker's memory should stay flat, so the growth
  between the two is the figure;
- bytes stored per finished dossier: its state and projection rows as engine_throughput.py counts
  them, and on PostgreSQL the database's own size of the dossier tables (rows, TOAST and indexes)
  divided by the dossiers in them, against SpiffWorkflow's own serializer output for one workflow.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import summary
from engine_throughput import (
    DEFAULT_POSTGRES_URL,
    PROCEDURE,
    bare_subject,
    engine_bench,
    load_scenario,
    postgres_reachable,
    restricted_engine,
)

from engine.config import Settings
from engine.data.models import Dossier
from engine.workflow.catalogue import load_catalogue

WARMUP = 500
GROWTH_GOAL_MB = 50  # the workflow cache (512 workflows) is full after the warm-up: little may follow it
# the tables a dossier writes rows to; their whole size on disk is shared out over the dossiers
DOSSIER_TABLES = ("dossiers", "human_tasks", "events", "outbox", "timers", "search_terms")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def database_bytes_per_dossier(bench) -> float | None:
    """PostgreSQL's own size of the tables a dossier writes to, per dossier (None on SQLite)."""
    db = bench.rt.db
    if db.is_sqlite:
        return None
    with db.read() as session:
        names = [n for n in DOSSIER_TABLES if session.scalar(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": n})]
        total = sum(session.scalar(text("SELECT pg_total_relation_size(:n)"), {"n": n}) for n in names)
        dossiers = session.scalar(select(func.count()).select_from(Dossier))
    return total / max(dossiers, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lifecycles", type=int, default=10_000, help="lifecycles after the warm-up (default 10000)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="'' for SQLite")
    parser.add_argument("--summary", help="write the figures for bench/report.py to this JSON file")
    args = parser.parse_args(argv)

    settings = Settings()
    catalogue = load_catalogue(settings.bpmn_dir, settings.workflows_dir)
    scenario = load_scenario(catalogue)
    url = args.postgres_url or None
    if url and (why := postgres_reachable(url)):
        print(f"PostgreSQL unreachable ({why}); on SQLite", file=sys.stderr)
        url = None
    label = "PostgreSQL" if url else "SQLite"
    spiff_bytes = bare_subject("bare", scenario, restricted_engine).measurement.state_bytes

    with engine_bench(url, scenario, catalogue) as bench:
        for _ in range(WARMUP):
            bench.lifecycle()
        after_warmup = rss_mb()
        began = time.perf_counter()
        for number in range(1, args.lifecycles + 1):
            code = bench.lifecycle()
            if number % 1000 == 0:
                print(f"  {number:,} lifecycles, {rss_mb():.0f} MB", flush=True)
        elapsed = time.perf_counter() - began
        bench.check(code)  # the last one really finished
        after_all = rss_mb()
        state_bytes, rows_bytes = bench.stored_sizes()
        on_disk = database_bytes_per_dossier(bench)

    growth = after_all - after_warmup
    print(
        f"\n{PROCEDURE} happy path on {label}: {args.lifecycles:,} lifecycles after {WARMUP} warm-up, {elapsed:.0f} s"
    )
    print(f"memory (VmRSS): {after_warmup:.0f} MB after the warm-up, {after_all:.0f} MB after all")
    print(f"  growth {growth:+.0f} MB")
    print(f"stored per finished dossier: state {state_bytes:,} B + rows {rows_bytes:,} B")
    if on_disk is not None:
        print(f"  PostgreSQL's size of the dossier tables per dossier (rows, TOAST, indexes): {on_disk:,.0f} B")
    print(f"  SpiffWorkflow's own serializer output for the same finished workflow: {spiff_bytes:,} B")

    stored = state_bytes + rows_bytes
    rows = [
        summary.Row(
            "P4",
            f"memory growth over {args.lifecycles:,} lifecycles ({label})",
            f"{growth:+.0f} MB ({after_all:.0f} MB)",
            f"< {GROWTH_GOAL_MB} MB",
            growth < GROWTH_GOAL_MB,
        ),
        summary.Row(
            "P4",
            "stored bytes per finished dossier (state + rows)",
            f"{stored:,} B",
            f"< SpiffWorkflow's own {spiff_bytes:,} B",
            stored < spiff_bytes,
        ),
    ]
    if on_disk is not None:
        rows.append(
            summary.Row("P4", "PostgreSQL bytes per dossier (tables + indexes)", f"{on_disk:,.0f} B", "-", None)
        )
    summary.write(args.summary, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
