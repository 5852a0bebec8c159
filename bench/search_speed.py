"""How long officers' searches take on a large office: N dossiers (default 200,000) with made-up
Vietnamese names, ID numbers and phones, in the office and in a district, on scratch SQLite and
PostgreSQL databases; each query run 20 times, the median and the slowest reported in ms.

    .venv/bin/python bench/search_speed.py [--dossiers N] [--postgres-url URL | --postgres-url '']
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, text

from engine.clock import ManualClock
from engine.config import Settings
from engine.data.models import Dossier, SearchTerm
from engine.data.scratch import scratch_database
from engine.data.search_index import fold, terms
from engine.dossiers import search
from engine.people.officers import Actor, add_unit
from engine.runtime import Runtime
from engine.workflow.catalogue import Catalogue, load_catalogue

FAMILY = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý".split()  # noqa: SIM905
MIDDLE = "Văn Thị Minh Hữu Đức Thanh Ngọc Quốc Xuân Thu".split()  # noqa: SIM905
GIVEN = (  # noqa: SIM905
    "An Bình Châu Dũng Đào Giang Hà Hải Hạnh Hòa Hùng Hương Khánh Lan Linh Long Mai Nam Nga Phúc Quang Sơn Tâm Thảo "
    "Trang Tuấn Vy Yến"
).split()
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
DISTRICT = "BHXH.QNI.SONTINH"


def fill(runtime: Runtime, catalogue: Catalogue, count: int, rng: random.Random) -> dict[str, str]:
    """Made-up dossiers with their search terms; returns one of them to look for."""
    office = runtime.settings.office_code
    with runtime.db.write() as session:
        add_unit(session, DISTRICT, "BHXH huyện Sơn Tịnh", "Son Tinh district office")
    sample = runtime.dossiers.start("P02", catalogue.procedures["P02"].meta.paths["happy"].start, Actor.applicant("An"))
    with runtime.db.read() as session:
        version_id = session.scalar(select(Dossier.version_id).where(Dossier.code == sample))
    target: dict[str, str] = {}
    batch, found = [], []
    with runtime.db.engine.connect() as conn:
        next_id = conn.execute(text("SELECT max(id) FROM dossiers")).scalar() + 1
        for n in range(count):
            at = START + timedelta(days=1 + n // 400, minutes=n % 400)  # 400 a day, after the sample's
            code = f"{office}-{at:%y%m%d}-{n % 400 + 1:04d}"
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            citizen_id = f"0{rng.randrange(10**10, 10**11)}"
            phone = f"09{rng.randrange(10**7, 10**8)}"
            unit = DISTRICT if n % 10 == 0 else office
            batch.append(
                {
                    "id": next_id + n,
                    "code": code,
                    "procedure_code": "P02",
                    "version_id": version_id,
                    "unit_code": unit,
                    "status": 4,
                    "applicant_name": name,
                    "applicant_id_number": citizen_id,
                    "submitted_at": at,
                    "updated_at": at,
                    "state": b"",
                    "state_version": 1,
                    "kept_messages": 0,
                    "last_event_seq": 0,
                    "last_event_hash": "0" * 64,
                }
            )
            data = {"full_name": name, "citizen_id": citizen_id, "phone": phone}
            found += [
                {"dossier_id": next_id + n, "kind": k, "value": v} for k, v in terms(code, name, citizen_id, data)
            ]
            if n == count // 2 + 1:  # one of the office's own
                target = {"name": name, "id": citizen_id, "phone": phone, "code": code, "unit": unit}
            if len(batch) == 5000 or n == count - 1:
                conn.execute(insert(Dossier.__table__), batch)
                conn.execute(insert(SearchTerm.__table__), found)
                conn.commit()
                batch, found = [], []
        conn.commit()
    with runtime.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # statistics (and on PostgreSQL visibility), as a live database's autovacuum keeps them
        conn.execute(text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))
    return target


def timed(work) -> tuple[float, float]:
    """The median and the slowest of 20 runs of `work`, in ms."""
    times = []
    for _ in range(20):
        begin = time.perf_counter()
        work()
        times.append((time.perf_counter() - begin) * 1000)
    return statistics.median(times), max(times)


def baseline(runtime: Runtime) -> float:
    """The same fixed work on every run (1,000 dossier rows read by primary key, enough to take a few
    ms, so one hiccup does not move it): the searches are reported as multiples of it too, so runs
    on a busy or a quiet machine compare."""

    def work():
        with runtime.db.read() as session:
            session.execute(select(Dossier.code).where(Dossier.id.between(1000, 1999))).all()

    median, slowest = timed(work)
    print(f"  {'baseline: 1,000 rows by primary key':<67}  median {median:7.1f} ms  max {slowest:7.1f} ms")
    return median


def measure(runtime: Runtime, label: str, query: str, units: tuple[str, ...], base: float) -> None:
    found = []

    def work():
        with runtime.db.read() as session:
            found[:] = [search.search(session, units, query, 1, 20)]

    median, slowest = timed(work)
    total = f"{'>' if getattr(found[0], 'more', False) else ''}{found[0].total}"
    print(
        f"  {label:<34} {query!r:<32} {total:>7} found  median {median:7.1f} ms  max {slowest:7.1f} ms"
        f"  = {median / base:6.1f} x baseline"
    )


def run(url: str | None, count: int) -> None:
    catalogue = load_catalogue(Settings().bpmn_dir, Settings().workflows_dir)
    with scratch_database(url) as scratch_url:
        runtime = Runtime.create(Settings(database_url=scratch_url), ManualClock(START))
        try:
            runtime.upgrade_database()
            runtime.deploy(catalogue)
            begin = time.perf_counter()
            target = fill(runtime, catalogue, count, random.Random(14))
            print(f"{runtime.db.engine.dialect.name}: {count} dossiers filled in {time.perf_counter() - begin:.0f} s")
            units = (target["unit"],)
            base = baseline(runtime)
            folded = fold(target["name"])
            measure(runtime, "whole name, no accents", folded, units, base)
            measure(runtime, "family and given name", f"{folded.split()[0]} {folded.split()[-1]}", units, base)
            measure(runtime, "one common family name", "nguyen", units, base)
            measure(runtime, "ID number", target["id"], units, base)
            measure(runtime, "start of an ID number", target["id"][:7], units, base)
            measure(runtime, "phone", target["phone"], units, base)
            measure(runtime, "code's day and number", target["code"].split("-", 1)[1], units, base)
            measure(runtime, "sequence number", target["code"].rsplit("-", 1)[1], units, base)
        finally:
            runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=200_000)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    run(None, args.dossiers)
    if args.postgres_url:
        run(args.postgres_url, args.dossiers)


if __name__ == "__main__":
    main()
