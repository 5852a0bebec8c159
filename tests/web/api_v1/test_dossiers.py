"""The citizens' part of the API, through HTTP with a token made on the account page: procedures
and their forms, submitting a P02 dossier with its declaration, idempotency, my dossiers a page at a
time, one dossier with its timeline, answering a supplement request, withdrawing, rating, the
receipt slip; and every refusal (someone else's dossier, bad fields, a replayed key with another
body). SQLite and PostgreSQL both (the `database_url` fixture)."""

from __future__ import annotations

import json
from datetime import timedelta
from io import BytesIO

from sqlalchemy import func, select, update

from engine.data.models import Document, Dossier, IdempotentRequest
from tests.helpers import P02_APPLICATION, do_task, open_task
from tests.web.test_portal import PDF, _drive_to_returned

from .helpers import auth, make_token, submit


def _applicant(web, **signup) -> str:
    web.signup(**signup)
    return make_token(web)


def _count(runtime) -> int:
    with runtime.db.read() as db:
        return db.scalar(select(func.count()).select_from(Dossier))


def test_procedures_and_their_forms_are_open_to_anyone(web):
    listed = web.client.get("/api/v1/procedures?q=dong bao hiem tu nguyen")
    assert listed.status_code == 200
    assert [p["code"] for p in listed.get_json()["items"]] == ["P02"]
    employers = [p["code"] for p in web.client.get("/api/v1/procedures?who=employer").get_json()["items"]]
    assert "P01" in employers and "P02" not in employers
    p02 = web.client.get("/api/v1/procedures/P02").get_json()
    assert p02["name"]["en"] == "Voluntary social-insurance registration"
    assert {"name", "type", "label", "required", "choices"} <= set(p02["application"][0])
    citizen_id = next(f for f in p02["application"] if f["name"] == "citizen_id")
    assert citizen_id["required"] is True
    tk1 = next(d for d in p02["documents"] if d["id"] == "tk1_ts")
    assert tk1["required"] is True
    missing = web.client.get("/api/v1/procedures/P99")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_submit_a_p02_dossier_and_read_it_back(web, runtime):
    token = _applicant(web)
    response = submit(web.client, token)
    assert response.status_code == 201, response.get_data(as_text=True)
    dossier = response.get_json()
    code = dossier["code"]
    assert response.headers["Location"] == f"/api/v1/dossiers/{code}"
    assert dossier["status"] == {"code": 1, "name": {"vi": "Mới đăng ký trực tuyến", "en": "Submitted online"}}
    assert dossier["procedure"] == "P02" and dossier["application"]["citizen_id"] == "051090001234"
    assert [d["filename"] for d in dossier["documents"]] == ["to-khai.pdf"]
    assert dossier["can_withdraw"] is True and dossier["can_rate"] is False
    # the same dossier the portal shows, under the account
    assert code in web.text("/dossiers")
    again = web.client.get(f"/api/v1/dossiers/{code}", headers=auth(token)).get_json()
    assert again["timeline"][0]["status"]["code"] == 1
    document = web.client.get(dossier["documents"][0]["href"], headers=auth(token))
    assert document.status_code == 200 and document.data == PDF
    receipt = web.client.get(dossier["links"]["receipt"], headers=auth(token))
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf" and receipt.data.startswith(b"%PDF")


def test_the_same_key_and_request_answers_the_same_and_makes_one_dossier(web, runtime):
    token = _applicant(web)
    first = submit(web.client, token, key="abc-123")
    again = submit(web.client, token, key="abc-123")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert _count(runtime) == 1
    # the same key with another body: refused, nothing made
    other = submit(web.client, token, key="abc-123", application={**P02_APPLICATION, "payment_period": "6"})
    assert other.status_code == 422 and other.mimetype == "application/problem+json"
    assert other.get_json()["type"] == "/api/v1/problems/idempotency-key-reused"
    assert _count(runtime) == 1
    # a new key is a new dossier
    assert submit(web.client, token, key="abc-124").status_code == 201
    assert _count(runtime) == 2


def test_a_creating_call_needs_an_idempotency_key(web, runtime):
    token = _applicant(web)
    response = web.client.post("/api/v1/dossiers", data={"procedure": "P02", "application": "{}"}, headers=auth(token))
    assert response.status_code == 400
    assert response.get_json()["type"] == "/api/v1/problems/idempotency-key-missing"
    assert _count(runtime) == 0


def test_a_bad_application_is_refused_field_by_field_in_both_languages_and_the_key_can_be_used_again(web, runtime):
    token = _applicant(web)
    bad = {**P02_APPLICATION, "citizen_id": "051090009999", "date_of_birth": "not a date"}
    response = submit(web.client, token, key="k-1", application=bad, files={})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    errors = {e["field"]: e for e in response.get_json()["errors"]}
    assert errors["application.citizen_id"]["en"] == "This account applies only with its own citizen ID (051090001234)"
    assert errors["application.citizen_id"]["vi"].startswith("Tài khoản này chỉ nộp hồ sơ với số CCCD")
    assert "application.date_of_birth" in errors
    assert errors["doc-tk1_ts"]["en"] == "Attach at least one file for this document"
    assert _count(runtime) == 0
    # corrected, under the same key: a refused call kept nothing
    assert submit(web.client, token, key="k-1").status_code == 201
    assert _count(runtime) == 1


def test_a_file_that_is_not_what_it_says_or_not_a_document_of_the_procedure_is_refused(web, runtime):
    token = _applicant(web)
    response = submit(
        web.client, token, files={"doc-tk1_ts": (b"just text", "to-khai.pdf"), "doc-nope": (PDF, "x.pdf")}
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert fields == {"doc-tk1_ts", "doc-nope"}
    with runtime.db.read() as db:
        assert db.scalar(select(func.count()).select_from(Document)) == 0
    bad_json = web.client.post(
        "/api/v1/dossiers",
        data={"procedure": "P02", "application": "[1, 2"},
        headers=auth(token, **{"Idempotency-Key": "k-json"}),
    )
    assert bad_json.status_code == 422 and bad_json.get_json()["errors"][0]["field"] == "application"
    unknown = web.client.post(
        "/api/v1/dossiers",
        data={"procedure": "P99", "application": "{}"},
        headers=auth(token, **{"Idempotency-Key": "k-p99"}),
    )
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "procedure"


def test_an_employer_may_not_apply_for_p02(web, runtime):
    token = _applicant(web, id_number="0101234567", name="Công ty TNHH An Phát", kind="employer", phone="0911111111")
    response = submit(web.client, token)
    assert response.status_code == 403 and response.get_json()["type"] == "/api/v1/problems/may-not-apply"
    assert _count(runtime) == 0


def test_someone_elses_dossier_is_not_found(web, other_web, runtime):
    token = _applicant(web)
    code = submit(web.client, token).get_json()["code"]
    other = _applicant(other_web, id_number="051090009999", name="Lê Văn Bình", phone="0987654321")
    for url in (f"/api/v1/dossiers/{code}", f"/api/v1/dossiers/{code}/receipt", f"/api/v1/dossiers/{code}/documents/1"):
        response = other_web.client.get(url, headers=auth(other))
        assert response.status_code == 404 and response.mimetype == "application/problem+json", url
    withdraw = other_web.client.post(
        f"/api/v1/dossiers/{code}/withdrawal", json={}, headers=auth(other, **{"Idempotency-Key": "w1"})
    )
    assert withdraw.status_code == 404
    assert other_web.client.get("/api/v1/dossiers", headers=auth(other)).get_json()["items"] == []
    assert runtime.dossiers.get(code).status == 1


def test_my_dossiers_a_page_at_a_time_with_links(web, runtime, clock):
    from datetime import timedelta

    token = _applicant(web)
    codes = []
    for _ in range(5):
        codes.append(submit(web.client, token).get_json()["code"])
        clock.advance(timedelta(minutes=1))
    seen, url, pages = [], "/api/v1/dossiers?limit=2", 0
    while url:
        response = web.client.get(url, headers=auth(token))
        assert response.status_code == 200
        body = response.get_json()
        seen += [d["code"] for d in body["items"]]
        url = body["links"]["next"]
        pages += 1
        if url:
            assert response.headers["Link"].endswith(f'{url}>; rel="next"')
    assert seen == list(reversed(codes)) and pages == 3
    bad = web.client.get("/api/v1/dossiers?cursor=made-up", headers=auth(token))
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "cursor"
    too_many = web.client.get("/api/v1/dossiers?limit=1000", headers=auth(token))
    assert too_many.status_code == 422 and too_many.mimetype == "application/problem+json"
    assert too_many.get_json()["errors"][0]["field"] == "limit"


def test_answer_a_supplement_request(web, runtime, office):
    token = _applicant(web)
    code = submit(web.client, token).get_json()["code"]
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="Giấy hộ nghèo 2025")
    dossier = web.client.get(f"/api/v1/dossiers/{code}", headers=auth(token)).get_json()
    assert dossier["status"]["code"] == 5
    assert dossier["supplement"]["awaited"] is True and dossier["supplement"]["papers"] == ["Giấy hộ nghèo 2025"]
    headers = auth(token, **{"Idempotency-Key": "s1"})
    empty = web.client.post(f"/api/v1/dossiers/{code}/supplement", data={"note": "x"}, headers=headers)
    assert empty.status_code == 422 and empty.get_json()["errors"][0]["field"] == "files"
    sent = web.client.post(
        f"/api/v1/dossiers/{code}/supplement",
        data={"note": "Gửi bổ sung", "files": (BytesIO(PDF), "ho-ngheo.pdf")},
        headers=headers,
    )
    assert sent.status_code == 200, sent.get_data(as_text=True)
    assert sent.get_json()["supplement"]["awaited"] is False
    assert open_task(runtime, code, "reception_recheck")
    again = web.client.post(
        f"/api/v1/dossiers/{code}/supplement",
        data={"files": (BytesIO(PDF), "lan-hai.pdf")},
        headers=auth(token, **{"Idempotency-Key": "s2"}),
    )
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    problem = again.get_json()
    assert problem["type"] == "/api/v1/problems/not-awaiting-supplement"
    assert problem["en"] == "This dossier is not waiting for papers: they have been sent already, or it has moved on"
    assert "supplement_received" not in problem["vi"] + problem["en"]


def test_withdraw_then_it_cannot_be_withdrawn_again(web, runtime):
    token = _applicant(web)
    code = submit(web.client, token).get_json()["code"]
    response = web.client.post(
        f"/api/v1/dossiers/{code}/withdrawal",
        json={"reason": "Nộp nhầm"},
        headers=auth(token, **{"Idempotency-Key": "w"}),
    )
    assert response.status_code == 200 and response.get_json()["status"]["code"] == 7
    assert response.get_json()["can_withdraw"] is False
    again = web.client.post(
        f"/api/v1/dossiers/{code}/withdrawal", json={}, headers=auth(token, **{"Idempotency-Key": "w2"})
    )
    assert again.status_code == 409 and again.get_json()["type"] == "/api/v1/problems/not-withdrawable"


def test_rating_once_the_result_is_returned(web, runtime, clock, office, catalogue):
    token = _applicant(web)
    code = submit(web.client, token).get_json()["code"]

    def rate(key, **body):
        return web.client.post(
            f"/api/v1/dossiers/{code}/rating", json=body, headers=auth(token, **{"Idempotency-Key": key})
        )

    early = rate("r0", rating="satisfied")
    assert early.status_code == 409 and "once the result has been returned" in early.get_json()["en"]
    _drive_to_returned(runtime, clock, office, catalogue, code)
    bad = rate("r1", rating="ecstatic")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "rating"
    done = rate("r2", rating="very_satisfied", comment="Nhanh, gọn")
    assert done.status_code == 200
    assert done.get_json()["rating"]["rating"] == "very_satisfied" and done.get_json()["can_rate"] is False
    assert rate("r2", rating="very_satisfied", comment="Nhanh, gọn").headers["Idempotent-Replayed"] == "true"
    twice = rate("r3", rating="not_satisfied")
    assert twice.status_code == 409 and "already been rated" in twice.get_json()["en"]


def test_the_document_and_reference_page(web):
    spec = web.client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    operations = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
    assert ("POST", "/api/v1/dossiers") in operations and ("GET", "/api/v1/dossiers/{code}") in operations
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    page = web.text("/api/v1/docs")
    assert "POST /api/v1/dossiers" in page and "Idempotency-Key" in page and "<script" not in page


def test_an_unknown_api_address_is_a_problem_the_pages_keep_theirs(web):
    response = web.client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.get_json()["instance"] == "/api/v1/nothing-here"
    wrong = web.client.delete("/api/v1/procedures")
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"
    page = web.client.get("/nothing-here")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_every_answer_carries_a_request_id_and_keeps_a_sane_one_given(web):
    given = web.client.get("/api/v1/procedures", headers={"X-Request-Id": "vssid-4711-abcdef"})
    assert given.headers["X-Request-Id"] == "vssid-4711-abcdef"
    made = web.client.get("/api/v1/procedures", headers={"X-Request-Id": "<script>"})
    assert len(made.headers["X-Request-Id"]) == 32
    assert web.client.get("/").headers["X-Request-Id"]


def test_json_answers_read_back_as_documented(web):
    body = json.loads(web.client.get("/api/v1/procedures").data)
    assert all(set(p) == {"code", "name", "applicants", "limit_days", "limit_unit", "fee"} for p in body["items"])


def test_a_key_whose_first_call_died_mid_way_is_in_flight_for_minutes_then_a_retry_takes_it_over(web, runtime, clock):
    token = _applicant(web)
    first = submit(web.client, token, key="crash-1")
    assert first.status_code == 201

    def died_mid_way(minutes_ago: int) -> None:  # the claim as a process killed before answering leaves it
        with runtime.db.write() as db:
            db.execute(
                update(IdempotentRequest)
                .where(IdempotentRequest.key == "crash-1")
                .values(
                    status=None, response=None, headers=None, created_at=clock.now() - timedelta(minutes=minutes_ago)
                )
            )

    died_mid_way(1)
    running = submit(web.client, token, key="crash-1")
    assert running.status_code == 409 and running.get_json()["type"] == "/api/v1/problems/idempotency-key-in-flight"
    died_mid_way(10)
    retried = submit(web.client, token, key="crash-1")
    assert retried.status_code == 201 and retried.get_json()["code"] == first.get_json()["code"]
    assert _count(runtime) == 1  # the dossier the dead call made, not a second one
    again = submit(web.client, token, key="crash-1")
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == retried.get_json()


def test_a_malformed_request_is_explained_in_vietnamese_too(web, runtime):
    # the checks of the request's shape (marshmallow's) speak both languages like every other error
    token = _applicant(web)
    page = web.client.get("/api/v1/dossiers?limit=0", headers=auth(token)).get_json()
    assert page["errors"] == [
        {
            "field": "limit",
            "detail": "Phải từ 1 đến 100.",
            "vi": "Phải từ 1 đến 100.",
            "en": "Must be greater than or equal to 1 and less than or equal to 100.",
        }
    ]
    words = web.client.get("/api/v1/dossiers?limit=mười", headers=auth(token)).get_json()["errors"][0]
    assert (words["vi"], words["en"]) == ("Không phải là số nguyên.", "Not a valid integer.")
    code = submit(web.client, token).get_json()["code"]
    rating = web.client.post(
        f"/api/v1/dossiers/{code}/rating",
        json={"rating": "great", "comment": 5},
        headers=auth(token, **{"Idempotency-Key": "r1"}),
    ).get_json()
    assert {e["field"]: e["vi"] for e in rating["errors"]} == {
        "rating": "Phải là một trong: very_satisfied, satisfied, not_satisfied.",
        "comment": "Không phải là chuỗi ký tự.",
    }
    missing = web.client.post(
        f"/api/v1/dossiers/{code}/rating", json={}, headers=auth(token, **{"Idempotency-Key": "r2"})
    ).get_json()["errors"][0]
    assert (missing["field"], missing["vi"]) == ("rating", "Thiếu trường bắt buộc.")
    in_english = web.client.get("/api/v1/dossiers?limit=0", headers=auth(token, **{"Accept-Language": "en"}))
    assert in_english.get_json()["errors"][0]["detail"] == (
        "Must be greater than or equal to 1 and less than or equal to 100."
    )
