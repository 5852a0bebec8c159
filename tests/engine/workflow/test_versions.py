"""Deploying versions: numbers per procedure, what each deploy did, and the log of who did it."""

from __future__ import annotations

from engine.workflow.catalogue import Catalogue
from engine.workflow.version_log import deployment_log, list_versions
from engine.workflow.versions import DeployKind
from tests.engine.design.versions_helpers import renamed_review
from tests.engine.dossiers.test_dossiers import start_p02


def test_numbers_count_per_procedure_and_a_rollback_is_named_as_one(runtime, catalogue, clock):
    p02 = Catalogue(procedures={"P02": catalogue.procedures["P02"]}, roles=catalogue.roles)
    first = start_p02(runtime)

    (renamed,) = runtime.deploy(renamed_review(catalogue), by="an.thietke")
    second = start_p02(runtime)
    (back,) = runtime.deploy(p02, by="binh.thietke")
    third = start_p02(runtime)
    (again,) = runtime.deploy(p02, by="binh.thietke")

    assert (renamed.number, renamed.kind, renamed.previous_number) == (2, DeployKind.NEW, 1)
    assert renamed.version_id > len(catalogue.procedures)  # ids are global: every procedure was deployed before it
    assert back.describe() == "P02: v1 is live again (was v2; an earlier version redeployed)"
    assert again.describe() == "P02: v1 unchanged (already live)"
    assert [runtime.dossiers.get(c).version_id for c in (first, second, third)] == [
        back.version_id,
        renamed.version_id,
        back.version_id,
    ]
    with runtime.db.read() as session:
        versions = list_versions(session, "P02")
        log = deployment_log(session, "P02", limit=3)
        p03 = list_versions(session, "P03")
    assert [(v.number, v.live, v.running, v.dossiers, v.deployed_by) for v in versions] == [
        (1, True, 2, 2, "cli"),
        (2, False, 1, 1, "an.thietke"),
    ]
    assert [(d.number, d.kind, d.by, d.previous_number) for d in log] == [
        (1, "unchanged", "binh.thietke", 1),
        (1, "redeploy", "binh.thietke", 2),
        (2, "new", "an.thietke", 1),
    ]
    assert [(v.number, v.live) for v in p03] == [(1, True)]
