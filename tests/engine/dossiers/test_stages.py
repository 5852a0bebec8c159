"""The applicant's "where is my dossier" stages, from the dossier's status history."""

from __future__ import annotations

from engine.dossiers.stages import stages
from engine.dossiers.views import dossier_view
from tests.engine.dossiers.test_dossiers import start_p02
from tests.helpers import do_task


def shown(runtime, code) -> list[tuple[str, str]]:
    with runtime.db.read() as session:
        return [(s.key, s.state) for s in stages(dossier_view(session, runtime.versions, code))]


def test_a_new_dossier_is_received_with_the_main_stages_to_come(runtime):
    code = start_p02(runtime)
    assert shown(runtime, code) == [
        ("submitted", "current"),
        ("accepted", "upcoming"),
        ("processing", "upcoming"),
        ("result_ready", "upcoming"),
        ("returned", "upcoming"),
    ]


def test_papers_asked_for_at_the_desk_show_where_they_happened(runtime, office):
    code = start_p02(runtime)
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="Tờ khai TK1-TS")
    assert shown(runtime, code) == [
        ("submitted", "done"),
        ("supplement", "current"),
        ("accepted", "upcoming"),
        ("processing", "upcoming"),
        ("result_ready", "upcoming"),
        ("returned", "upcoming"),
    ]


def test_a_refused_dossier_ends_there(runtime, office):
    code = start_p02(runtime)
    do_task(runtime, office, code, "reception_check", decision="refuse", refusal_reason="Đang tham gia BHXH")
    assert shown(runtime, code) == [("submitted", "done"), ("refused", "current")]
