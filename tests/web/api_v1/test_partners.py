"""Partners' software: the administrator makes a client (an employer with its tax code, or a medical
facility) and sees its secret once; the software takes an access token with the client credentials
grant; a medical facility checks a card on a day (each check logged), an employer files dossiers for
its employees and reads back its own. Every refusal: wrong credentials, a revoked client, an
expired token, the wrong kind of client, another employer's dossier, a personal token."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import date, timedelta
from io import BytesIO

from sqlalchemy import func, select

from engine.data.models import CardLookup, PartnerClient
from tests.engine.integration.test_reminders import issue_card
from tests.web.test_portal import PDF

from .helpers import auth, make_token
from .partners import _ID, _SECRET, PAGE, as_admin, make_client, token_for

CITIZEN, CARD = "051074008812", "GD4515107045521"  # P03's happy path: valid 22/12/2026 to 21/12/2027
TAX_CODE, OTHER_TAX_CODE = "4300567812", "4300812345"
EMPLOYER = "Công ty Cổ phần Vạn Tường"


def _employee_filing(catalogue, procedure: str = "P04") -> dict:
    """A multipart filing of the procedure's employer path, under TAX_CODE."""
    meta = catalogue.procedures[procedure].meta
    start = next(p.start for p in meta.paths.values() if p.start.get("applicant_type") == "employer")
    data = {
        "procedure": procedure,
        "application": json.dumps({**start, "tax_code": TAX_CODE, "organisation_name": EMPLOYER}),
    }
    for d in meta.documents:
        if d.required:
            data[f"doc-{d.id}"] = (BytesIO(PDF), f"{d.id}.pdf")
    return data


def _file(client, token: str, data: dict, key: str | None = None):
    return client.post(
        "/api/v1/employer/dossiers",
        data=data,
        headers=auth(token, **{"Idempotency-Key": key or uuid.uuid4().hex}),
        content_type="multipart/form-data",
    )


# --- the admin page and the token endpoint -------------------------------------------------------


def test_the_admin_makes_a_client_sees_its_secret_once_and_only_a_hash_is_kept(web, runtime, office):
    as_admin(web, runtime, office)
    client_id, secret = make_client(web, "employer", "Công ty Cổ phần Vạn Tường", TAX_CODE)
    page = web.get(PAGE).get_data(as_text=True)
    assert client_id in page and secret not in page and "Công ty Cổ phần Vạn Tường" in page
    with runtime.db.read() as session:
        row = session.scalars(select(PartnerClient)).one()
    assert row.kind == "employer" and row.tax_code == TAX_CODE and secret not in row.secret_hash
    answer = web.client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()},
    )
    body = answer.get_json()
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == "read submit"


def test_the_form_redirects_and_the_page_shows_the_secret_once_so_a_reload_makes_no_second_client(web, runtime, office):
    as_admin(web, runtime, office)
    made = web.post(PAGE, {"kind": "medical_facility", "name": "Bệnh viện Đa khoa tỉnh", "tax_code": ""}, page=PAGE)
    assert made.status_code == 303 and made.headers["Location"] == PAGE
    assert "mcs_" not in made.get_data(as_text=True) and "mcs_" not in made.headers["Location"]
    shown = web.get(PAGE)
    page = shown.get_data(as_text=True)
    secret = _SECRET.search(page)
    assert shown.status_code == 200 and secret and _ID.search(page), "the new client is shown after the redirect"
    assert "Ứng dụng mới của Bệnh viện Đa khoa tỉnh" in page  # the success message
    assert "no-store" in shown.headers["Cache-Control"]
    reloaded = web.get(PAGE)
    again = reloaded.get_data(as_text=True)
    assert secret.group(1) not in again and "Ứng dụng mới của" not in again
    assert _ID.search(page).group(1) in again  # listed, without its secret
    assert "no-store" in reloaded.headers["Cache-Control"]
    with runtime.db.read() as session:
        assert session.scalar(select(func.count()).select_from(PartnerClient)) == 1


def test_a_bad_client_form_is_refused_and_makes_nothing(web, runtime, office):
    as_admin(web, runtime, office)
    web.post("/language", {"lang": "en", "next": "/"}, page="/")
    response = web.post(PAGE, {"kind": "employer", "name": "Công ty", "tax_code": ""}, page=PAGE)
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "An employer needs its tax code" in text  # on the same page, no redirect
    assert 'value="Công ty"' in text  # the name kept as typed
    response = web.post(PAGE, {"kind": "pharmacy", "name": "", "tax_code": "12"}, page=PAGE)
    text = response.get_data(as_text=True)
    assert "Choose the kind of partner" in text and "Enter the partner" in text and "A tax code has 10 digits" in text
    with runtime.db.read() as session:
        assert session.scalar(select(func.count()).select_from(PartnerClient)) == 0


def test_only_administrators_reach_the_page(web, runtime, office):
    assert web.officer_login("lan.desk").status_code == 302
    assert web.get(PAGE).status_code == 403


def test_wrong_credentials_and_a_revoked_client_get_no_token(web, runtime, office):
    as_admin(web, runtime, office)
    client_id, secret = make_client(web, "medical_facility", "Bệnh viện Đa khoa tỉnh")
    token = token_for(web.client, client_id, secret)
    for data in (
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret[:-1] + "x"},
        {"grant_type": "client_credentials", "client_id": "mcc_0000000000000000", "client_secret": secret},
    ):
        refused = web.client.post("/api/v1/oauth/token", data=data)
        assert refused.status_code == 401 and refused.get_json()["error"] == "invalid_client"
        assert refused.mimetype == "application/problem+json"
    wrong_grant = web.client.post("/api/v1/oauth/token", data={"grant_type": "password", "client_id": client_id})
    assert wrong_grant.status_code == 400 and wrong_grant.get_json()["error"] == "unsupported_grant_type"
    revoke = web.post(f"{PAGE}/{client_id}/revoke", {}, page=PAGE)
    assert revoke.status_code == 302
    refused = web.client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert refused.status_code == 401
    # the token it had ends at once
    answer = web.client.get(f"/api/v1/cards/{CITIZEN}", headers=auth(token))
    assert answer.status_code == 401 and answer.get_json()["type"] == "/api/v1/problems/invalid-token"
    assert web.post(f"{PAGE}/{client_id}/revoke", {}, page=PAGE).status_code == 404  # already revoked


# --- a medical facility checks a card ------------------------------------------------------------


def test_a_medical_facility_checks_a_card_on_a_day_and_every_check_is_logged(web, runtime, office, catalogue, officers):
    issue_card(runtime, catalogue, officers)
    as_admin(web, runtime, office)
    token = token_for(web.client, *make_client(web, "medical_facility", "Bệnh viện Đa khoa tỉnh"))

    def check(on: str, who: str = CITIZEN):
        answer = web.client.get(f"/api/v1/cards/{who}?on={on}", headers=auth(token))
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.get_json()

    valid = check("2027-01-15")
    assert valid == {
        "on": "2027-01-15",
        "valid": True,
        "answer": "valid",
        "card": {"number": CARD, "valid_from": "2026-12-22", "valid_to": "2027-12-21"},
    }  # nothing else about the person
    assert check("2027-12-22")["answer"] == "expired" and check("2027-12-22")["valid"] is False
    assert check("2026-12-21")["answer"] == "not_yet_valid"
    assert check("2027-01-15", "051099000001") == {
        "on": "2027-01-15",
        "valid": False,
        "answer": "no_card",
        "card": None,
    }
    bad = web.client.get("/api/v1/cards/12345?on=2027-01-15", headers=auth(token))
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "id_number"
    bad_day = web.client.get(f"/api/v1/cards/{CITIZEN}?on=15/01/2027", headers=auth(token))
    assert bad_day.status_code == 422
    with runtime.db.read() as session:
        logged = session.scalars(select(CardLookup).order_by(CardLookup.id)).all()
    assert [(row.id_number, row.on_day, row.answer) for row in logged][:2] == [
        (CITIZEN, date(2027, 1, 15), "valid"),
        (CITIZEN, date(2027, 12, 22), "expired"),
    ]
    assert len(logged) == 5 and all(row.at == runtime.clock.now() for row in logged)
    page = web.get(PAGE).get_data(as_text=True)
    assert "Bệnh viện Đa khoa tỉnh" in page and CITIZEN in page  # the administrator sees the log


def test_card_checks_are_refused_to_an_employer_an_expired_token_and_a_personal_token(web, other_web, runtime, office):
    as_admin(web, runtime, office)
    employer = token_for(web.client, *make_client(web, "employer", "Công ty Vạn Tường", TAX_CODE))
    refused = web.client.get(f"/api/v1/cards/{CITIZEN}", headers=auth(employer))
    assert refused.status_code == 403 and refused.get_json()["type"] == "/api/v1/problems/insufficient-scope"
    facility = token_for(web.client, *make_client(web, "medical_facility", "Phòng khám Tịnh Ấn"))
    assert web.client.get(f"/api/v1/cards/{CITIZEN}", headers=auth(facility)).status_code == 200
    runtime.clock.advance(timedelta(hours=1))
    expired = web.client.get(f"/api/v1/cards/{CITIZEN}", headers=auth(facility, **{"Accept-Language": "en"}))
    assert expired.status_code == 401 and expired.get_json()["type"] == "/api/v1/problems/expired-token"
    assert "oauth/token" in expired.get_json()["detail"]
    other_web.signup()
    personal = make_token(other_web)
    assert other_web.client.get(f"/api/v1/cards/{CITIZEN}", headers=auth(personal)).status_code == 403
    with runtime.db.read() as session:
        assert session.scalar(select(func.count()).select_from(CardLookup)) == 1


# --- an employer files dossiers ------------------------------------------------------------------


def test_an_employer_files_a_dossier_for_an_employee_and_lists_its_own(web, runtime, office, catalogue):
    as_admin(web, runtime, office)
    token = token_for(web.client, *make_client(web, "employer", EMPLOYER, TAX_CODE))
    key = uuid.uuid4().hex
    made = _file(web.client, token, _employee_filing(catalogue), key)
    assert made.status_code == 201, made.get_data(as_text=True)
    code = made.get_json()["code"]
    assert made.headers["Location"] == f"/api/v1/employer/dossiers/{code}"
    dossier = runtime.dossiers.get(code)
    assert dossier.applicant_id_number == TAX_CODE and dossier.applicant_name == EMPLOYER
    again = _file(web.client, token, _employee_filing(catalogue), key)  # sent again: the first answer
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["code"] == code
    second = _file(web.client, token, _employee_filing(catalogue, "P05")).get_json()["code"]
    listed = web.client.get("/api/v1/employer/dossiers?limit=1", headers=auth(token)).get_json()
    assert [d["code"] for d in listed["items"]] == [second]
    rest = web.client.get(listed["links"]["next"], headers=auth(token)).get_json()
    assert [d["code"] for d in rest["items"]] == [code] and rest["links"]["next"] is None
    one = web.client.get(f"/api/v1/employer/dossiers/{code}", headers=auth(token)).get_json()
    assert one["status"]["code"] == 1 and one["application"]["tax_code"] == TAX_CODE


def test_an_employer_is_refused_another_tax_code_a_procedure_for_individuals_and_without_a_key(
    web, runtime, office, catalogue
):
    as_admin(web, runtime, office)
    token = token_for(web.client, *make_client(web, "employer", "Công ty Vạn Tường", TAX_CODE))
    data = _employee_filing(catalogue)
    data["application"] = json.dumps({**json.loads(data["application"]), "tax_code": OTHER_TAX_CODE})
    other = _file(web.client, token, data)
    assert other.status_code == 422 and "application.tax_code" in {e["field"] for e in other.get_json()["errors"]}
    p02 = _employee_filing(catalogue, "P04")
    p02["procedure"] = "P02"
    assert _file(web.client, token, p02).get_json()["type"] == "/api/v1/problems/may-not-apply"
    keyless = web.client.post(
        "/api/v1/employer/dossiers",
        data=_employee_filing(catalogue),
        headers=auth(token),
        content_type="multipart/form-data",
    )
    assert keyless.status_code == 400
    assert web.client.get("/api/v1/employer/dossiers", headers=auth(token)).get_json()["items"] == []


def test_another_employers_dossier_is_not_found_and_other_clients_are_refused(
    web, other_web, runtime, office, catalogue
):
    as_admin(web, runtime, office)
    mine = token_for(web.client, *make_client(web, "employer", "Công ty Vạn Tường", TAX_CODE))
    theirs = token_for(web.client, *make_client(web, "employer", "Công ty Sông Trà", OTHER_TAX_CODE))
    facility = token_for(web.client, *make_client(web, "medical_facility", "Bệnh viện Đa khoa tỉnh"))
    code = _file(web.client, mine, _employee_filing(catalogue)).get_json()["code"]
    assert web.client.get(f"/api/v1/employer/dossiers/{code}", headers=auth(theirs)).status_code == 404
    assert code not in str(web.client.get("/api/v1/employer/dossiers", headers=auth(theirs)).get_json())
    refused = web.client.get("/api/v1/employer/dossiers", headers=auth(facility))
    assert refused.status_code == 403
    filed = _file(web.client, facility, _employee_filing(catalogue))
    assert filed.status_code == 403
    # a partner's token opens neither the citizens' operations nor the officers'
    assert (
        web.client.get("/api/v1/dossiers", headers=auth(mine)).get_json()["type"] == "/api/v1/problems/applicants-only"
    )
    assert web.client.get("/api/v1/tasks", headers=auth(mine)).status_code == 403
    # and an employer's own personal token (its portal account) is not a partner's
    other_web.signup(id_number=TAX_CODE, name="Công ty Vạn Tường", kind="employer")
    personal = make_token(other_web)
    answer = other_web.client.get(f"/api/v1/employer/dossiers/{code}", headers=auth(personal))
    assert answer.status_code == 403 and answer.get_json()["type"] == "/api/v1/problems/wrong-client-kind"
