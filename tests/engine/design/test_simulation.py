"""`motcua simulate --all --all-paths`, as a test: every declared path of every procedure ends in
its expected status, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from engine.design.simulation import simulate


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def scratch_server(request):
    """None: a scratch SQLite file; else the PostgreSQL server to create a scratch database on."""
    return None if request.param == "sqlite" else request.getfixturevalue("postgres_url")


def test_every_declared_path_of_every_procedure_ends_as_declared(catalogue, scratch_server):
    results = simulate(catalogue, sorted(catalogue.procedures), database_url=scratch_server)

    failed = ["\n".join(r.lines) for r in results if not r.ok]
    assert not failed, "\n\n".join(failed)
    declared = sum(len(p.meta.paths) for p in catalogue.procedures.values())
    assert len(results) == declared and declared > 0
