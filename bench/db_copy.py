"""`motcua db copy` on an office heavy with documents: N uploads of M MB (random bytes, so nothing
compresses) on one SQLite file, copied into a scratch PostgreSQL database; prints the time taken
and the process's peak memory before and after the copy, which the copy's batches keep bounded
(it should grow by tens of MB whatever N is, not by N x M).

    .venv/bin/python bench/db_copy.py [--documents N] [--mb M] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from engine.clock import ManualClock
from engine.config import Settings
from engine.data.copy_database import copy_database, count_rows
from engine.data.db import Database
from engine.data.models import Document
from engine.data.scratch import scratch_database
from engine.people.officers import Actor
from engine.runtime import Runtime
from engine.workflow.catalogue import Catalogue, load_catalogue

START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # (kilobytes on Linux)


def build(url: str, documents: int, mb: int) -> None:
    settings = Settings(database_url=url)
    full = load_catalogue(settings.bpmn_dir, settings.workflows_dir)
    catalogue = Catalogue(procedures={"P02": full.procedures["P02"]}, roles=full.roles)
    runtime = Runtime.create(settings, ManualClock(START))
    runtime.upgrade_database()
    runtime.deploy(catalogue, only=["P02"])
    code = runtime.dossiers.start("P02", catalogue.procedures["P02"].meta.paths["happy"].start, Actor.applicant("An"))
    dossier_id = runtime.dossiers.get(code).id
    for n in range(documents):  # one upload per transaction, as officers make them
        content = os.urandom(mb * 1024 * 1024)
        with runtime.db.write() as session:
            session.execute(
                insert(Document),
                {
                    "dossier_id": dossier_id,
                    "doc_type": "supplement",
                    "filename": f"scan-{n}.pdf",
                    "content_type": "application/pdf",
                    "size": len(content),
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "content": content,
                    "uploaded_at": START,
                    "uploaded_by": "An",
                    "round": 1,
                },
            )
    runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=60)
    parser.add_argument("--mb", type=int, default=4)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("MOTCUA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as folder, scratch_database(args.postgres_url) as target:
        source = f"sqlite:///{Path(folder) / 'office.db'}"
        build(source, args.documents, args.mb)
        size = (Path(folder) / "office.db").stat().st_size / 1024 / 1024
        before = peak_mb()

        db = Database(source)
        started = time.perf_counter()
        copied = copy_database(db, target)
        took = time.perf_counter() - started
        after = peak_mb()
        documents = next(c for c in count_rows(db, target) if c.table == "documents")
        db.dispose()
    print(f"source: {args.documents} document(s) of {args.mb} MB, SQLite file {size:.0f} MB")
    print(f"copied {copied.rows} row(s) in {took:.1f} s; documents {documents.source} -> {documents.target}")
    print(f"peak memory: {before:.0f} MB before the copy, {after:.0f} MB after (+{after - before:.0f} MB)")


if __name__ == "__main__":
    main()
