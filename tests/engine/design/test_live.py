"""The live view of a deployed version: waiting, overdue and time spent per element (issue 12,
item 10), on dossiers driven through the engine with the test clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.design.live import dossier_path, live_view, waiting_at
from engine.errors import NotFound
from tests.engine.dossiers.test_dossiers import start_p02
from tests.helpers import do_task, open_task

HOUR = timedelta(hours=1)


def figures(runtime, code="P02", number=None):
    return {e.element_id: e for e in live_view(runtime, code, number).elements}


def test_counts_mean_p90_and_overdue_per_element(runtime, office, clock):
    a, b, c, d = (start_p02(runtime) for _ in range(4))
    clock.advance(HOUR)
    do_task(runtime, office, a, "reception_check", decision="accept")  # 1 h at the desk
    clock.advance(2 * HOUR)
    do_task(runtime, office, b, "reception_check", decision="accept")  # 3 h
    clock.advance(6 * HOUR)
    do_task(runtime, office, c, "reception_check", decision="accept")  # 9 h

    shown = figures(runtime)
    check, review = shown["reception_check"], shown["collect_review"]
    assert (check.waiting, check.visits, check.shown_on) == (1, 3, "reception")  # runs inside the call activity
    assert check.mean_seconds == pytest.approx(13 / 3 * 3600, abs=1)
    assert check.p90_seconds == pytest.approx(9 * 3600, abs=1)  # nearest rank of 3: the largest
    assert (review.waiting, review.visits, review.mean_seconds, review.p90_seconds) == (3, 0, None, None)
    assert review.overdue == 0
    # the desk's step limit for d (set by the SLA clock) decides whether its wait counts as overdue
    assert check.overdue == int(open_task(runtime, d, "reception_check").due_at < clock.now())
    assert shown["leader_approval"].waiting == 0  # a user task nobody reached is listed, with zeros
    painted = live_view(runtime, "P02").on_diagram()
    assert painted["reception"]["waiting"] == 1 and painted["collect_review"]["waiting"] == 3

    # past every step limit and appointment: whoever still waits is overdue
    due = max(open_task(runtime, x, "collect_review").due_at for x in (a, b, c))
    clock.set(due + timedelta(days=1))
    shown = figures(runtime)
    assert (shown["collect_review"].waiting, shown["collect_review"].overdue) == (3, 3)
    assert (shown["reception_check"].waiting, shown["reception_check"].overdue) == (1, 1)
    assert d in [w.code for w in waiting_at(runtime, "P02", "reception").items]


def test_the_dossiers_waiting_at_an_element_page_by_page(runtime, office, clock):
    codes = []
    for _ in range(3):
        codes.append(start_p02(runtime))
        clock.advance(HOUR)
    first = waiting_at(runtime, "P02", "reception_check", per_page=2)
    assert (first.total, first.pages, [w.code for w in first.items]) == (3, 2, codes[:2])  # oldest wait first
    second = waiting_at(runtime, "P02", "reception_check", page=2, per_page=2)
    assert [w.code for w in second.items] == codes[2:]
    item = first.items[0]
    assert (item.applicant, item.since, item.overdue) == (
        runtime.dossiers.get(codes[0]).applicant_name,
        item.since,
        False,
    )
    assert item.due is not None
    # clicked on the call activity: what waits inside it
    assert waiting_at(runtime, "P02", "reception").total == 3
    assert waiting_at(runtime, "P02", "collect_review").total == 0


def test_unknown_version_or_element_is_a_clear_error(runtime):
    with pytest.raises(NotFound) as err:
        live_view(runtime, "P02", 7)
    assert "v7" in err.value.message.en and "v1" in err.value.message.en
    with pytest.raises(NotFound) as err:
        waiting_at(runtime, "P02", "no_such_step")
    assert "no_such_step" in err.value.message.en
    with pytest.raises(NotFound):
        live_view(runtime, "P99")


def test_a_dossier_path_marks_done_and_current_steps(runtime, office):
    code = start_p02(runtime)
    do_task(runtime, office, code, "reception_check", decision="accept")
    path = dossier_path(runtime, code)
    assert path.current == ["collect_review"]
    assert path.done[:3] == ["start_p02", "set_submitted", "reception"]
    assert "collect_review" not in path.done and "approval" not in path.done
    assert ("collect_review", "Thẩm định đăng ký, xác định mức hỗ trợ", "current") in path.steps
    assert 'id="P02"' in path.diagram and path.number == 1


def test_p90_is_the_nearest_rank_of_ten_visits(runtime, office, clock):
    codes = [start_p02(runtime) for _ in range(10)]
    for code in codes:  # the n-th waited n hours at the desk
        clock.advance(HOUR)
        do_task(runtime, office, code, "reception_check", decision="accept")
    check = figures(runtime)["reception_check"]
    assert check.visits == 10
    assert check.mean_seconds == pytest.approx(5.5 * 3600, abs=1)
    assert check.p90_seconds == pytest.approx(9 * 3600, abs=1)  # not the slowest (10 h): the 9th of 10
