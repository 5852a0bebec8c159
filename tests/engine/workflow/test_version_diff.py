"""diff_versions: two deployed versions of a procedure compared element by element over every
diagram they hold (called processes too), and their metadata by key path."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.errors import NotFound
from engine.workflow.catalogue import Catalogue
from engine.workflow.version_diff import diff_versions
from tests.engine.design.versions_helpers import added_review_step


def changed_p02(catalogue: Catalogue) -> Catalogue:
    """P02 with another reception condition and waiting time in the shared reception it calls,
    another script at the end, and a longer time limit."""
    loaded = catalogue.procedures["P02"]
    sources = dict(loaded.sources)
    reception = sources["shared/reception.bpmn"]
    reception = reception.replace(
        "decision == 'accept'</bpmn:conditionExpression>", "decision == 'ok'</bpmn:conditionExpression>", 1
    )
    reception = reception.replace(">supplement_wait</bpmn:timeDuration>", '>"P10D"</bpmn:timeDuration>', 1)
    sources["shared/reception.bpmn"] = reception
    main = sources["P02.bpmn"].replace(
        "<bpmn:script>set_status(9)</bpmn:script>", "<bpmn:script>set_status(9)\nfinished = True</bpmn:script>"
    )
    sources["P02.bpmn"] = main
    meta = {**loaded.raw_meta, "limit": {**loaded.raw_meta["limit"], "days": 7}}
    return Catalogue(procedures={"P02": replace(loaded, sources=sources, raw_meta=meta)}, roles=catalogue.roles)


def test_a_diff_names_each_changed_element_and_what_changed(runtime, catalogue):
    runtime.deploy(changed_p02(catalogue))
    with runtime.db.read() as session:
        diff = diff_versions(session, "P02", 1, 2)

    assert (diff.added, diff.removed) == ([], [])
    changes = {c.element.id: [(f.field, f.before, f.after) for f in c.changes] for c in diff.changed}
    assert (
        changes
        == {
            "flow_accept": [("condition", "decision == 'accept'", "decision == 'ok'")],
            "supplement_timeout_event": [("timer", "supplement_wait", '"P10D"')],
            "set_finished": [("script", "set_status(9)", "set_status(9)\nfinished = True")],
        }
        or changes
    )
    assert [(m.path, m.before, m.after) for m in diff.metadata] == [("limit.days", "5", "7")]


def test_an_added_step_is_added_and_its_neighbours_changed(runtime, catalogue):
    runtime.deploy(added_review_step(catalogue))
    with runtime.db.read() as session:
        diff = diff_versions(session, "P02", 1, 2)
        back = diff_versions(session, "P02", 2, 1)

    assert [(e.id, e.type, e.name, e.file) for e in diff.added] == [
        ("second_review", "userTask", "Kiểm tra lại kết quả thẩm định", "P02.bpmn"),
        ("withdrawal_at_second_review", "boundaryEvent", "", "P02.bpmn"),
        ("flow_withdrawal_at_second_review", "sequenceFlow", "", "P02.bpmn"),
        ("flow_review_to_second", "sequenceFlow", "", "P02.bpmn"),
        ("flow_second_to_decision", "sequenceFlow", "", "P02.bpmn"),
    ]
    assert [e.id for e in diff.removed] == ["flow_review_to_decision"]
    assert [e.id for e in back.removed] == [
        "second_review",
        "withdrawal_at_second_review",
        "flow_withdrawal_at_second_review",
        "flow_review_to_second",
        "flow_second_to_decision",
    ]
    changes = {c.element.id: {f.field: (f.before, f.after) for f in c.changes} for c in diff.changed}
    assert changes["collect_review"] == {"outgoing": ("flow_review_to_decision", "flow_review_to_second")}
    assert changes["review_decision_gateway"] == {"incoming": ("flow_review_to_decision", "flow_second_to_decision")}


def test_the_same_version_twice_differs_in_nothing_and_unknown_numbers_are_named(runtime):
    with runtime.db.read() as session:
        assert diff_versions(session, "P02", 1, 1).empty
        with pytest.raises(NotFound, match=r"P02 has no version v3 \(v1\)"):
            diff_versions(session, "P02", 1, 3)
