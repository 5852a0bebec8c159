"""Throw-away databases for simulation and benchmarks: a temporary SQLite file, or a temporary
database created next to the given PostgreSQL one and dropped afterwards."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def scratch_database(base_url: str | None = None) -> Iterator[str]:
    if base_url is None or make_url(base_url).get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="motcua-scratch-") as folder:
            yield f"sqlite:///{Path(folder) / 'scratch.db'}"
        return
    url = make_url(base_url)
    name = f"motcua_scratch_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
