"""Error pages say what happened in the reader's language and leak nothing about the inside."""

from __future__ import annotations

import pytest

from tests.web.test_portal import apply_p02


def test_a_missing_page(web):
    response = web.get("/no-such-page")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)


def test_an_applicant_in_the_officers_pages(web):
    web.signup()
    response = web.get("/officer/")
    assert response.status_code == 403
    assert "Không có quyền truy cập trang này" in response.get_data(as_text=True)


@pytest.fixture
def broken_app(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, not the exception

    @app.get("/broken")
    def broken():
        raise RuntimeError("secret detail: postgresql://motcua:hunter2@db/motcua")

    return app


def test_an_unexpected_error_shows_a_plain_page_without_internals(broken_app):
    response = broken_app.test_client().get("/broken")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Rất tiếc, hệ thống đã gặp sự cố" in page
    assert "hunter2" not in page and "Traceback" not in page and "RuntimeError" not in page


def test_error_pages_in_english_too(web):
    web.post("/language", {"lang": "en", "next": "/"}, page="/")
    assert "Page not found" in web.get("/no-such-page").get_data(as_text=True)


def test_an_id_too_large_for_the_database_in_an_address_is_not_found(web, other_web):
    # a number past the database's integers (a mistyped or tampered address) is an unknown id,
    # not an error of the system
    huge = "9" * 20
    web.signup()
    code = apply_p02(web)
    assert web.get(f"/dossiers/{code}/documents/{huge}").status_code == 404
    assert web.post(f"/account/tokens/{huge}/revoke", page="/account/").status_code == 404
    assert other_web.officer_login("lan.desk").status_code == 302
    assert other_web.get(f"/officer/dossiers/{code}/documents/{huge}").status_code == 404
    assert other_web.get(f"/officer/tasks/{huge}").status_code == 404
