"""An officer's other calls: a leader reassigns a task (the inbox's rules: a leader of the task's unit,
to a holder of its role there) and any officer of the dossier's unit reads its history as the
dossier page shows it. Each refusal changes nothing."""

from __future__ import annotations

import html

from engine.people.officers import Actor
from tests.helpers import P02_APPLICATION, open_task
from tests.web.helpers import PASSWORD

from .helpers import auth, make_token


def _officer(web, username: str, scopes=("read", "work")) -> str:
    assert web.officer_login(username, PASSWORD).status_code == 302
    return make_token(web, scopes=scopes)


def _task(runtime) -> tuple[str, int]:
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]))
    return code, open_task(runtime, code, "reception_check").id


def _reassign(web, token: str, task_id: int, to: str, **headers):
    return web.client.post(f"/api/v1/tasks/{task_id}/reassignment", json={"to": to}, headers=auth(token, **headers))


def test_a_leader_gives_a_task_to_a_holder_of_its_role(web, runtime, office):
    code, task_id = _task(runtime)
    leader = _officer(web, "hoa.lanhdao")
    given = _reassign(web, leader, task_id, "minh.desk")
    assert given.status_code == 200, given.get_data(as_text=True)
    assert given.get_json()["status"] == "claimed" and given.get_json()["assignee_name"] == "Trần Văn Minh"
    assert given.headers["ETag"]
    assert open_task(runtime, code, "reception_check").assignee == "Trần Văn Minh"
    # and the history says so
    history = web.client.get(
        f"/api/v1/office/dossiers/{code}/history", headers=auth(leader, **{"Accept-Language": "en"})
    )
    assert history.status_code == 200
    events = history.get_json()["events"]
    assert events[-1]["kind"] == "task_reassigned" and events[-1]["actor"] == "Phạm Thị Hoa"
    assert "Trần Văn Minh" in events[-1]["text"]["en"] or "minh.desk" in events[-1]["text"]["en"]


def test_reassigning_is_refused_to_a_non_leader_to_a_non_holder_and_across_units(web, other_web, runtime, office):
    code, task_id = _task(runtime)
    desk = _officer(web, "lan.desk")
    refused = _reassign(web, desk, task_id, "minh.desk", **{"Accept-Language": "en"})
    assert refused.status_code == 403 and refused.get_json()["type"] == "/api/v1/problems/not-allowed"
    assert "Only a leader" in refused.get_json()["detail"]
    leader = _officer(other_web, "hoa.lanhdao")
    no_role = _reassign(other_web, leader, task_id, "hai.thu")  # collection, not desk
    assert no_role.status_code == 403 and "does not hold the role 'desk'" in no_role.get_json()["en"]
    unknown = _reassign(other_web, leader, task_id, "nobody.here")
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "to"
    empty = _reassign(other_web, leader, task_id, "")
    assert empty.status_code == 422
    outsider = _officer(web, "khac.huyen")  # a leader, of another unit
    assert _reassign(web, outsider, task_id, "minh.desk").status_code == 404
    reader = _officer(web, "hoa.lanhdao", scopes=("read",))
    scoped = _reassign(web, reader, task_id, "minh.desk")
    assert scoped.status_code == 403 and scoped.get_json()["type"] == "/api/v1/problems/insufficient-scope"
    task = open_task(runtime, code, "reception_check")
    assert task.status == "new" and task.assignee is None  # nothing changed


def test_a_finished_task_is_not_reassigned(web, runtime, office):
    _code, task_id = _task(runtime)
    runtime.dossiers.complete_task(task_id, office.desk, {"decision": "accept"})
    leader = _officer(web, "hoa.lanhdao")
    answer = _reassign(web, leader, task_id, "minh.desk")
    assert answer.status_code == 409 and answer.get_json()["type"] == "/api/v1/problems/refused"


def test_the_history_as_the_dossier_page_shows_it(web, other_web, runtime, office):
    code, task_id = _task(runtime)
    runtime.dossiers.claim(task_id, office.desk)
    desk = _officer(web, "lan.desk", scopes=("read",))
    answer = web.client.get(f"/api/v1/office/dossiers/{code}/history", headers=auth(desk))
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["dossier"] == code and body["unit"] == office.unit
    kinds = [e["kind"] for e in body["events"]]
    assert kinds[-1] == "task_claimed" and len(kinds) >= 2
    page = html.unescape(web.client.get(f"/officer/dossiers/{code}").get_data(as_text=True))
    for event in body["events"]:  # the same sentences as the officer's dossier page
        assert event["text"]["vi"] in page
    outsider = _officer(other_web, "khac.huyen")
    assert other_web.client.get(f"/api/v1/office/dossiers/{code}/history", headers=auth(outsider)).status_code == 404
    missing = web.client.get("/api/v1/office/dossiers/BHXH-NOPE/history", headers=auth(desk))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    other_web.signup()
    applicant = make_token(other_web)
    refused = other_web.client.get(f"/api/v1/office/dossiers/{code}/history", headers=auth(applicant))
    assert refused.status_code == 403 and refused.get_json()["type"] == "/api/v1/problems/officers-only"
