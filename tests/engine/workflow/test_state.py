"""The stored workflow state: dossiers stored before the state was written with orjson still load
and move on, and the values the standard library's JSON took (NaN, numbers beyond 64 bits) still
store and load."""

from __future__ import annotations

import json
import zlib

from sqlalchemy import update

from engine.data.models import Dossier
from engine.dossiers.service import DossierService
from engine.people.officers import Actor
from engine.workflow.state import dump_state, load_state, state_json
from tests.helpers import P02_APPLICATION, assert_state_roundtrips, do_task, open_task

APPLICANT = Actor.applicant("Nguyễn Văn An")


def _as_stored_before(state: bytes) -> bytes:
    """The same state as the engine wrote it with json.dumps (key order and separators as now,
    non-ASCII text escaped as json.dumps does by default)."""
    return zlib.compress(json.dumps(json.loads(state_json(state))).encode("ascii"), 6)


def test_a_dossier_stored_by_the_earlier_encoder_loads_and_moves_on(runtime, office, clock):
    code = runtime.dossiers.start("P02", P02_APPLICATION, APPLICANT)
    stored, _wf = runtime.dossiers.load_workflow(code)
    old = _as_stored_before(stored)
    assert old != stored
    with runtime.db.write() as session:
        session.execute(update(Dossier).where(Dossier.code == code).values(state=old))

    # a process with no copy in memory reads the old state from the database
    runtime.dossiers = DossierService(runtime.db, clock, runtime.settings, runtime.versions, cache_size=0)
    _, wf = runtime.dossiers.load_workflow(code)
    assert zlib.decompress(dump_state(wf)) == zlib.decompress(stored)  # the same JSON as the engine writes now
    do_task(runtime, office, code, "reception_check", decision="accept")
    assert open_task(runtime, code, "collect_review")
    assert_state_roundtrips(runtime, code)


def test_values_only_the_standard_library_wrote_still_store_and_load(runtime, catalogue):
    parsed = catalogue.procedures["P02"].parsed
    code = runtime.dossiers.start("P02", P02_APPLICATION, APPLICANT)
    _, wf = runtime.dossiers.load_workflow(code)
    task = wf.last_task
    task.data["big"] = 2**70  # beyond orjson's 64 bits: written by the standard library instead
    state = dump_state(wf)
    assert load_state(state, parsed, wf.script_engine).get_task_from_id(task.id).data["big"] == 2**70

    # NaN, which json.dumps wrote and orjson does not read, in a state stored before
    dct = json.loads(state_json(state))
    task_dict = dct["tasks"][str(task.id)]
    (task_dict["data"] or task_dict["delta"]["updates"])["ratio"] = float("nan")
    old = zlib.compress(json.dumps(dct).encode("ascii"), 1)
    ratio = load_state(old, parsed, wf.script_engine).get_task_from_id(task.id).data["ratio"]
    assert ratio != ratio  # NaN
