"""Officers' tasks through the API with an officer's token made on their account page: the inbox
views a page at a time, a task with its form and ETag, claim, completion with If-Match (a stale
client is told), and the refusals: another unit's task, another role's, a wrong scope, an
applicant's token, a form the task page would refuse. SQLite and PostgreSQL both."""

from __future__ import annotations

from engine.people.officers import Actor
from tests.helpers import P02_APPLICATION, open_task
from tests.web.helpers import PASSWORD

from .helpers import auth, make_token


def _officer(web, username: str = "lan.desk", scopes=("read", "work")) -> str:
    assert web.officer_login(username, PASSWORD).status_code == 302
    return make_token(web, scopes=scopes)


def _dossier(runtime) -> str:
    return runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]))


def test_the_desk_lists_claims_and_completes_a_reception_check(web, runtime, office):
    code = _dossier(runtime)
    token = _officer(web)
    offered = web.client.get("/api/v1/tasks?view=offered", headers=auth(token)).get_json()
    (item,) = [t for t in offered["items"] if t["dossier"] == code]
    assert item["element_id"] == "reception_check" and item["status"] == "new" and item["role"] == "desk"
    task = web.client.get(item["href"], headers=auth(token))
    assert task.status_code == 200 and task.headers["ETag"]
    assert "decision" in {f["name"] for f in task.get_json()["form"]}
    claimed = web.client.post(f"/api/v1/tasks/{item['id']}/claim", headers=auth(token))
    assert claimed.status_code == 200 and claimed.get_json()["status"] == "claimed"
    assert claimed.get_json()["assignee_name"] == "Nguyễn Thị Lan"
    etag = claimed.headers["ETag"]
    assert etag != task.headers["ETag"]  # claiming changed the task
    mine = web.client.get("/api/v1/tasks?view=mine", headers=auth(token)).get_json()["items"]
    assert [t["id"] for t in mine] == [item["id"]]
    done = web.client.post(
        f"/api/v1/tasks/{item['id']}/completion",
        json={"data": {"decision": "accept"}},
        headers=auth(token, **{"If-Match": etag}),
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["status"] == "done" and done.get_json()["completed_by_name"] == "Nguyễn Thị Lan"
    assert open_task(runtime, code, "collect_review")  # the dossier moved on to its next step


def test_a_stale_etag_is_told_and_changes_nothing(web, runtime, office):
    code = _dossier(runtime)
    token = _officer(web)
    task_id = open_task(runtime, code, "reception_check").id
    etag = web.client.get(f"/api/v1/tasks/{task_id}", headers=auth(token)).headers["ETag"]
    runtime.dossiers.claim(task_id, office.desk2)  # a colleague claims it meanwhile
    stale = web.client.post(
        f"/api/v1/tasks/{task_id}/completion",
        json={"data": {"decision": "accept"}},
        headers=auth(token, **{"If-Match": etag, "Accept-Language": "en"}),
    )
    assert stale.status_code == 412 and stale.mimetype == "application/problem+json"
    assert stale.get_json()["type"] == "/api/v1/problems/stale" and "read it again" in stale.get_json()["detail"]
    missing = web.client.post(
        f"/api/v1/tasks/{task_id}/completion", json={"data": {"decision": "accept"}}, headers=auth(token)
    )
    assert missing.status_code == 428
    assert runtime.dossiers.get(code).status == 1
    # read again: the ETag is now the colleague's claim, and the engine says who has it
    fresh = web.client.get(f"/api/v1/tasks/{task_id}", headers=auth(token))
    refused = web.client.post(
        f"/api/v1/tasks/{task_id}/completion",
        json={"data": {"decision": "accept"}},
        headers=auth(token, **{"If-Match": fresh.headers["ETag"]}),
    )
    assert refused.status_code == 409 and runtime.dossiers.get(code).status == 1


def test_a_form_the_task_page_would_refuse_is_refused_field_by_field(web, runtime, office):
    code = _dossier(runtime)
    token = _officer(web)
    task_id = open_task(runtime, code, "reception_check").id
    etag = web.client.get(f"/api/v1/tasks/{task_id}", headers=auth(token)).headers["ETag"]
    response = web.client.post(
        f"/api/v1/tasks/{task_id}/completion",
        json={"data": {"decision": "refuse"}},  # a refusal needs its reason
        headers=auth(token, **{"If-Match": etag}),
    )
    assert response.status_code == 422
    assert "data.refusal_reason" in {e["field"] for e in response.get_json()["errors"]}
    assert runtime.dossiers.get(code).status == 1


def test_another_units_task_is_not_found_another_roles_is_forbidden(web, other_web, runtime, office):
    code = _dossier(runtime)
    task_id = open_task(runtime, code, "reception_check").id
    outsider = _officer(web, "khac.huyen")  # the same roles, in another unit
    for call in (
        lambda: web.client.get(f"/api/v1/tasks/{task_id}", headers=auth(outsider)),
        lambda: web.client.post(f"/api/v1/tasks/{task_id}/claim", headers=auth(outsider)),
    ):
        assert call().status_code == 404
    assert code not in str(web.client.get("/api/v1/tasks?view=offered", headers=auth(outsider)).get_json())
    collection = _officer(other_web, "hai.thu")  # the office's unit, another role
    assert other_web.client.post(f"/api/v1/tasks/{task_id}/claim", headers=auth(collection)).status_code == 403
    assert open_task(runtime, code, "reception_check").status == "new"


def test_wrong_scope_and_an_applicants_token_are_refused(web, other_web, runtime, office):
    task_id = open_task(runtime, _dossier(runtime), "reception_check").id
    reader = _officer(web, scopes=("read",))
    assert web.client.get("/api/v1/tasks", headers=auth(reader)).status_code == 200
    refused = web.client.post(f"/api/v1/tasks/{task_id}/claim", headers=auth(reader))
    assert refused.status_code == 403 and refused.get_json()["type"] == "/api/v1/problems/insufficient-scope"
    other_web.signup()
    applicant = make_token(other_web)
    answer = other_web.client.get("/api/v1/tasks", headers=auth(applicant))
    assert answer.status_code == 403 and answer.get_json()["type"] == "/api/v1/problems/officers-only"


def test_an_inbox_view_a_page_at_a_time(web, runtime, office):
    codes = {_dossier(runtime) for _ in range(5)}
    token = _officer(web)
    seen, url = [], "/api/v1/tasks?view=offered&procedure=P02&limit=2"
    while url:
        body = web.client.get(url, headers=auth(token)).get_json()
        seen += [t["dossier"] for t in body["items"]]
        url = body["links"]["next"]
    assert sorted(seen) == sorted(codes)
    bad = web.client.get("/api/v1/tasks?view=everything", headers=auth(token))
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "view"
