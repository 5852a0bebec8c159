"""Access to dossiers in the portal: an applicant reaches only their own dossiers and documents,
with the same 404 for "not yours" and "does not exist", and every change needs a CSRF token."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from sqlalchemy import func, select

from engine.data.models import Dossier
from engine.people.officers import Actor
from tests.helpers import P02_APPLICATION, do_task

from .test_portal import PDF, apply_p02

_TOKEN = re.compile(r'name="csrf_token" value="[^"]*"')
OTHER = {"id_number": "051090005678", "name": "Lê Văn Bình", "phone": "0987654321"}


def _same_page(response, code: str) -> str:
    """The page without what differs by request anyway: the code in its own address and the CSRF token."""
    return _TOKEN.sub("", response.get_data(as_text=True).replace(code, "X"))


def _document_ids(web, code: str) -> list[int]:
    return [int(i) for i in re.findall(rf"/dossiers/{re.escape(code)}/documents/(\d+)", web.text(f"/dossiers/{code}"))]


def _my_dossiers(web) -> list[str]:
    """The codes the applicant's "My dossiers" page lists."""
    return re.findall(r'<a href="/dossiers/([^"/]+)">', web.text("/dossiers"))


def _dossier_count(runtime) -> int:
    with runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(Dossier))


@pytest.fixture
def mine(web, other_web):
    """A dossier of the first applicant; the second applicant is logged in on other_web."""
    web.signup()
    other_web.signup(**OTHER)
    return apply_p02(web)


def test_another_applicants_dossier_is_not_found_like_a_missing_one(web, other_web, mine):
    missing = "BHXH.QNI-260302-9999"
    for suffix in ("", "/submitted", "/receipt.pdf", "/form-02.pdf", "/form-03.pdf", "/withdraw"):
        theirs = other_web.get(f"/dossiers/{mine}{suffix}")
        nothing = other_web.get(f"/dossiers/{missing}{suffix}")
        assert theirs.status_code == nothing.status_code == 404, suffix
        assert _same_page(theirs, mine) == _same_page(nothing, missing)
    assert mine not in other_web.text("/dossiers")
    assert web.get(f"/dossiers/{mine}").status_code == 200


def test_another_applicants_documents_are_not_found(web, other_web, mine):
    (doc_id,) = _document_ids(web, mine)
    assert other_web.get(f"/dossiers/{mine}/documents/{doc_id}").status_code == 404
    # the other applicant's own dossier cannot be used to reach it either
    theirs = apply_p02(other_web, full_name="Lê Văn Bình", citizen_id=OTHER["id_number"])
    assert other_web.get(f"/dossiers/{theirs}/documents/{doc_id}").status_code == 404
    (their_doc,) = _document_ids(other_web, theirs)
    assert web.get(f"/dossiers/{mine}/documents/{their_doc}").status_code == 404
    assert web.get(f"/dossiers/{mine}/documents/{doc_id}").status_code == 200
    assert web.get(f"/dossiers/{mine}/documents/999999").status_code == 404


def test_another_applicant_cannot_change_my_dossier(web, other_web, mine, runtime, office):
    do_task(runtime, office, mine, "reception_check", decision="supplement", missing_documents="Tờ khai TK1-TS")
    own_page = f"/dossiers/{mine}"
    token_page = "/dossiers"  # the other applicant's own page gives them a valid token
    assert (
        other_web.post(f"/dossiers/{mine}/supplement", {"files": (BytesIO(PDF), "x.pdf")}, page=token_page).status_code
        == 404
    )
    assert other_web.post(f"/dossiers/{mine}/withdraw", {"reason": "x"}, page=token_page).status_code == 404
    assert other_web.post(f"/dossiers/{mine}/rating", {"rating": "not_satisfied"}, page=token_page).status_code == 404
    assert runtime.dossiers.get(mine).status == 5
    assert len(_document_ids(web, mine)) == 1
    assert "Tờ khai TK1-TS" in web.text(own_page)


def test_a_dossier_submitted_at_the_counter_is_not_in_anyones_portal(web, runtime):
    web.signup()
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("Nguyễn Văn An"))
    assert web.get(f"/dossiers/{code}").status_code == 404
    assert code not in web.text("/dossiers")


def test_pages_of_dossiers_need_a_login(web, mine, other_web):
    other_web.logout()
    for url in (f"/dossiers/{mine}", "/dossiers", f"/dossiers/{mine}/receipt.pdf", "/procedures/P02/apply"):
        response = other_web.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_every_post_route_of_the_portal_needs_a_csrf_token(app, web, mine, runtime, office):
    do_task(runtime, office, mine, "reception_check", decision="supplement", missing_documents="Tờ khai TK1-TS")
    posts = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("portal.") and "POST" in (rule.methods or ())
    ]
    assert len(posts) >= 4
    assert _my_dossiers(web) == [mine]
    dossiers = _dossier_count(runtime)
    for rule in posts:
        url = rule.rule.replace("<code>", mine if "dossiers" in rule.rule else "P02")
        data = {
            **P02_APPLICATION,
            "rating": "satisfied",
            "reason": "x",
            "files": (BytesIO(PDF), "x.pdf"),
            "doc-tk1_ts": (BytesIO(PDF), "x.pdf"),
        }
        response = web.client.post(url, data=data)
        assert response.status_code == 400, url
    assert runtime.dossiers.get(mine).status == 5
    assert len(_document_ids(web, mine)) == 1
    assert _my_dossiers(web) == [mine] and _dossier_count(runtime) == dossiers  # no application went through
