"""Personal access tokens: made on the account page (shown once, kept hashed), revoked there, and
refused by the API when unknown, revoked, expired or lacking the scope an operation needs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from engine.data.models import ApiToken
from tests.web.helpers import PASSWORD

from .helpers import _SHOWN, auth, make_token


def test_a_token_is_shown_once_kept_hashed_and_opens_my_dossiers(web, runtime):
    web.signup()
    token = make_token(web)
    assert token.startswith("mct_")
    page = web.text("/account/")
    assert token not in page and token[:8] in page and "VssID" in page  # never shown again, told apart by its start
    with runtime.db.read() as db:
        row = db.scalars(select(ApiToken)).one()
        assert row.token_hash != token and token not in (row.prefix, row.token_hash) and row.scopes == "read submit"
    assert "chưa dùng" in page  # never used yet
    response = web.client.get("/api/v1/dossiers", headers=auth(token))
    assert response.status_code == 200 and response.get_json()["items"] == []
    assert "chưa dùng" not in web.text("/account/")  # its last use is shown


def test_the_form_redirects_and_the_page_shows_the_token_once_so_a_reload_makes_no_second_one(web, runtime):
    """Redirect-after-post: the POST's answer is a 303 to the page (the token neither in the address nor
    in that answer); the page shows it once, kept from caches; a reload asks the page again, shows the
    list without it and makes nothing."""
    web.signup()
    made = web.post("/account/tokens", {"name": "VssID", "scopes": ["read"], "days": "30"}, page="/account/")
    assert made.status_code == 303 and made.headers["Location"] == "/account/"
    assert "mct_" not in made.get_data(as_text=True)
    shown = web.get("/account/")
    page = shown.get_data(as_text=True)
    found = _SHOWN.search(page)
    assert shown.status_code == 200 and found, "the new token is shown after the redirect"
    assert "Mã mới của bạn" in page and "Hãy sao chép ngay" in page  # the success message
    assert "no-store" in shown.headers["Cache-Control"]
    reloaded = web.get("/account/")
    again = reloaded.get_data(as_text=True)
    assert found.group(1) not in again and "Mã mới của bạn" not in again and "VssID" in again
    assert "no-store" in reloaded.headers["Cache-Control"]
    with runtime.db.read() as db:
        assert db.scalar(select(func.count()).select_from(ApiToken)) == 1
    assert web.logout().status_code in (200, 302)


def test_logging_out_forgets_a_token_not_yet_shown(web):
    web.signup()
    made = web.post("/account/tokens", {"name": "VssID", "scopes": ["read"], "days": "30"}, page="/account/")
    assert made.status_code == 303
    web.logout()
    web.login("051090001234", PASSWORD)
    page = web.text("/account/")
    assert not _SHOWN.search(page) and "VssID" in page


def test_the_form_refuses_a_bad_token_request_field_by_field_and_makes_nothing(web, runtime):
    web.signup()
    response = web.post("/account/tokens", {"name": "", "scopes": ["work"], "days": "1000"}, page="/account/")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "no-store" in response.headers["Cache-Control"]  # no redirect
    assert "Đặt tên để nhận ra mã" in page and "Chỉ chọn được các quyền: read, submit" in page
    assert "Chọn thời hạn của mã" in page and 'href="#field-name"' in page
    with runtime.db.read() as db:
        assert db.scalars(select(ApiToken)).all() == []


def test_no_token_an_unknown_one_or_another_scheme_is_a_401_problem(web):
    missing = web.client.get("/api/v1/dossiers")
    assert missing.status_code == 401 and missing.mimetype == "application/problem+json"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    body = missing.get_json()
    assert body["type"] == "/api/v1/problems/missing-token" and body["status"] == 401
    assert body["vi"].startswith("Cần mã truy cập") and body["en"] == "A bearer token is required"
    assert body["detail"] == body["vi"] and body["request_id"] == missing.headers["X-Request-Id"]
    english = web.client.get("/api/v1/dossiers", headers={"Accept-Language": "en"}).get_json()
    assert english["detail"] == "A bearer token is required" and english["title"] == "Not authenticated"
    made_up = web.client.get("/api/v1/dossiers", headers=auth("mct_" + "x" * 43))
    assert made_up.status_code == 401 and made_up.get_json()["type"] == "/api/v1/problems/invalid-token"
    basic = web.client.get("/api/v1/dossiers", headers={"Authorization": "Basic YTpi"})
    assert basic.status_code == 401


def test_a_revoked_token_opens_nothing_and_only_its_holder_can_revoke_it(web, other_web, runtime):
    web.signup()
    token = make_token(web)
    other_web.signup("051090009999", "Lê Văn Bình", phone="0987654321")
    with runtime.db.read() as db:
        token_id = db.scalar(select(ApiToken.id))
    # another applicant cannot revoke it
    assert other_web.post(f"/account/tokens/{token_id}/revoke", page="/account/").status_code == 404
    assert web.client.get("/api/v1/dossiers", headers=auth(token)).status_code == 200
    response = web.post(f"/account/tokens/{token_id}/revoke", page="/account/", follow_redirects=True)
    assert "Mã đã được thu hồi" in response.get_data(as_text=True)
    refused = web.client.get("/api/v1/dossiers", headers=auth(token))
    assert refused.status_code == 401 and refused.get_json()["type"] == "/api/v1/problems/invalid-token"
    assert refused.get_json()["en"] == "The access token is not valid or has been revoked"


def test_an_expired_token_says_so(web, clock):
    web.signup()
    token = make_token(web, days=7)
    clock.advance(timedelta(days=7, seconds=1))
    web.login("051090001234", PASSWORD)  # the browser's login has idled out meanwhile; the token is what matters
    refused = web.client.get("/api/v1/dossiers", headers=auth(token, **{"Accept-Language": "en"}))
    assert refused.status_code == 401
    body = refused.get_json()
    assert body["type"] == "/api/v1/problems/expired-token"
    assert body["detail"] == "The access token has expired; make a new one on your account page"


def test_a_read_only_token_cannot_submit(web, runtime):
    web.signup()
    token = make_token(web, scopes=("read",))
    response = web.client.post(
        "/api/v1/dossiers",
        data={"procedure": "P02", "application": "{}"},
        headers=auth(token, **{"Idempotency-Key": "k1"}),
    )
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "/api/v1/problems/insufficient-scope" and "“submit”" in body["en"]


def test_an_officers_token_is_not_an_applicants(web, office, runtime):
    assert web.officer_login("lan.desk", PASSWORD).status_code == 302
    page = web.text("/account/")
    assert 'value="work"' in page and 'value="submit"' not in page
    token = make_token(web, scopes=("read", "work"))
    response = web.client.get("/api/v1/dossiers", headers=auth(token))
    assert response.status_code == 403 and response.get_json()["type"] == "/api/v1/problems/applicants-only"


def test_the_account_page_needs_a_login(web):
    response = web.get("/account/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_logged_in_browser_opens_nothing_on_the_api_without_a_token(web, runtime):
    """Why the API is exempt from CSRF: it never reads the session cookie."""
    web.signup()
    assert web.get("/dossiers").status_code == 200  # logged in
    assert web.client.get("/api/v1/dossiers").status_code == 401
    response = web.client.post("/api/v1/dossiers", data={"procedure": "P02"}, headers={"Idempotency-Key": "x"})
    assert response.status_code == 401
