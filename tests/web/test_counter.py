"""The one-stop counter: a desk officer registers a walk-in citizen's paper dossier (registry
look-up, the procedure's form, a flag per paper component), a collection point of the post does the
same on a citizen's behalf, and a form with an error keeps the files already chosen."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from sqlalchemy import select

from engine.data.models import Document, Dossier, Event
from engine.people.officers import add_user, grant, user_by_name
from tests.engine.integration import test_registry as connected
from tests.engine.integration.test_registry import MAI
from tests.helpers import P02_APPLICATION, open_task

from .helpers import PASSWORD
from .test_portal import PDF, PNG
from .test_portal_documents_by_ground import P09
from .test_slips import flat, local

# the simulators served (the population registry among them), and the runtime that talks to them
outside, sim, settings = connected.outside, connected.sim, connected.settings

FORM = "/officer/counter/P02"


@pytest.fixture
def desk(web):
    web.officer_login("lan.desk")
    web.post("/language", {"lang": "en", "next": "/"}, page="/")
    return web


@pytest.fixture
def agent(app, runtime, office, password_hash, other_web):
    """Post-office staff at a collection point of the office (role agent)."""
    with runtime.db.write() as session:
        user = add_user(session, "bdc.thuhoi", "Trương Thị Hồi")
        grant(session, user, "agent", office.unit)
        user_by_name(session, "bdc.thuhoi").password_hash = password_hash
    assert other_web.officer_login("bdc.thuhoi", PASSWORD).status_code == 302
    other_web.post("/language", {"lang": "en", "next": "/"}, page="/")
    return other_web


def walk_in(**changes):
    """Mai's P02 application with the two paper components scanned: the declaration (digitized at
    the counter) and the poor-household certificate (reused from an earlier result)."""
    form = {
        **P02_APPLICATION,
        **MAI,
        "doc-tk1_ts": (BytesIO(PDF), "to-khai-tk1.pdf"),
        "paper-tk1_ts": "digitized",
        "doc-poor_household_certificate": (BytesIO(PNG), "ho-ngheo.png"),
        "paper-poor_household_certificate": "reused",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def stored(runtime, code: str):
    with runtime.db.read() as session:
        dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one()
        papers = {
            d.doc_type: (d.filename, d.paper)
            for d in session.scalars(select(Document).where(Document.dossier_id == dossier.id))
        }
        submitted = session.scalars(
            select(Event).where(Event.dossier_id == dossier.id, Event.kind == "submitted")
        ).one()
        return dossier, papers, submitted


def registered(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    found = re.fullmatch(r".*/officer/counter/dossiers/([^/]+)", response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)


def test_the_registry_fills_in_the_person(desk):
    pick = desk.get(f"/officer/counter/?citizen_id={MAI['citizen_id']}&procedure=P02")
    assert pick.status_code == 302
    page = desk.text(pick.headers["Location"])
    assert "Filled in from the population registry: Trần Thị Mai" in page
    assert 'name="full_name" type="text" value="Trần Thị Mai"' in page
    assert 'name="date_of_birth" type="text" value="22/07/1990"' in page
    assert re.search(r'name="sex" value="female"\s+checked', page)


def test_a_person_the_registry_does_not_hold_is_typed_by_hand(desk):
    page = desk.text(f"{FORM}?citizen_id={P02_APPLICATION['citizen_id']}")
    assert f"The citizen ID {P02_APPLICATION['citizen_id']} was not found in the population registry" in page
    assert f'name="citizen_id" type="text" value="{P02_APPLICATION["citizen_id"]}"' in page


def test_the_pick_page_says_what_is_wrong(desk):
    page = desk.get("/officer/counter/?citizen_id=12345&procedure=P99")
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "Choose the procedure the citizen applies for." in text
    assert "A citizen ID has exactly 12 digits." in text


def test_the_desk_registers_a_walk_in_dossier_with_its_channel_and_paper_flags(runtime, desk, office):
    code = registered(desk.post(FORM, walk_in(), page=FORM))
    dossier, papers, submitted = stored(runtime, code)
    assert dossier.channel == "counter"
    assert dossier.account_id is None
    assert dossier.unit_code == office.unit
    assert papers == {
        "tk1_ts": ("to-khai-tk1.pdf", "digitized"),
        "poor_household_certificate": ("ho-ngheo.png", "reused"),
    }
    assert submitted.actor == "Nguyễn Thị Lan" and submitted.data["channel"] == "counter"
    assert open_task(runtime, code, "reception_check")  # it runs like an online dossier
    done = desk.text(f"/officer/counter/dossiers/{code}")
    assert code in done and "Print the receipt and appointment slip" in done
    history = desk.text(f"/officer/dossiers/{code}")
    assert "Paper dossier registered at the one-stop counter with 2 document(s)" in history
    assert "Digitized at the counter" in history and "Reused from an earlier result" in history
    slip = desk.get(f"/officer/counter/dossiers/{code}/form-01.pdf")
    assert slip.status_code == 200 and slip.mimetype == "application/pdf"


def test_an_online_dossier_says_it_came_online(runtime, web):
    web.signup()
    from .test_portal import apply_p02

    dossier, _papers, _submitted = stored(runtime, apply_p02(web))
    assert dossier.channel == "online"


def test_bad_input_stores_nothing_and_keeps_the_files(runtime, desk):
    with runtime.db.read() as session:
        before = session.scalar(select(Dossier.id).order_by(Dossier.id.desc()).limit(1))
    response = desk.post(FORM, walk_in(full_name="", **{"paper-poor_household_certificate": "lost"}), page=FORM)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "Enter Full name" in page
    assert "Choose whether this paper was digitized at the counter" in page
    with runtime.db.read() as session:
        assert session.scalar(select(Dossier.id).order_by(Dossier.id.desc()).limit(1)) == before
    # both files are still there, named by hidden tokens: sent again without choosing any file
    kept = dict(re.findall(r'name="kept-([a-z_0-9]+)" value="([0-9a-f]{32})" checked>', page))
    assert set(kept) == {"tk1_ts", "poor_household_certificate"}
    assert "to-khai-tk1.pdf" in page and "ho-ngheo.png" in page
    again = {k: v for k, v in walk_in().items() if not k.startswith("doc-")}
    again.update({f"kept-{doc}": token for doc, token in kept.items()})
    code = registered(desk.post(FORM, again, page=FORM))
    _dossier, papers, _ = stored(runtime, code)
    assert papers == {
        "tk1_ts": ("to-khai-tk1.pdf", "digitized"),
        "poor_household_certificate": ("ho-ngheo.png", "reused"),
    }


def test_a_required_paper_and_a_bad_file_are_refused(runtime, desk):
    response = desk.post(
        FORM,
        walk_in(**{"doc-tk1_ts": None, "doc-poor_household_certificate": (BytesIO(b"<html>"), "x.pdf")}),
        page=FORM,
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Scan or upload this paper: it is required" in page
    assert "is not a PDF, JPEG or PNG file" in page


def test_another_officers_kept_files_cannot_be_used(runtime, desk, agent):
    page = desk.post(FORM, walk_in(full_name=""), page=FORM).get_data(as_text=True)
    kept = dict(re.findall(r'name="kept-([a-z_0-9]+)" value="([0-9a-f]{32})"', page))
    form = {k: v for k, v in walk_in().items() if not k.startswith("doc-")}
    form.update({f"kept-{doc}": token for doc, token in kept.items()})
    response = agent.post(FORM, form, page=FORM)
    assert response.status_code == 400
    assert "Scan or upload this paper: it is required" in response.get_data(as_text=True)


def test_an_agent_submits_for_a_citizen_but_has_no_inbox(runtime, agent, office):
    code = registered(agent.post(FORM, walk_in(), page=FORM))
    dossier, papers, _ = stored(runtime, code)
    assert dossier.channel == "post_agent"
    assert papers["tk1_ts"] == ("to-khai-tk1.pdf", "digitized")
    assert agent.get(f"/officer/counter/dossiers/{code}/form-01.pdf").status_code == 200
    inbox = agent.get("/officer/")
    assert inbox.status_code == 302 and inbox.headers["Location"].endswith("/officer/counter/")
    task = open_task(runtime, code, "reception_check").id
    assert agent.get(f"/officer/tasks/{task}").status_code in (403, 404)
    assert agent.get(f"/officer/dossiers/{code}").status_code == 404
    counter_page = agent.text("/officer/counter/")
    assert 'href="/officer/counter/">Counter</a>' in counter_page and "Inbox</a>" not in counter_page


def test_an_agent_cannot_print_a_dossier_it_did_not_hand_in(runtime, desk, agent):
    code = registered(desk.post(FORM, walk_in(), page=FORM))
    assert agent.get(f"/officer/counter/dossiers/{code}").status_code == 404
    assert agent.get(f"/officer/counter/dossiers/{code}/form-01.pdf").status_code == 404


def test_an_officer_without_the_desk_role_is_refused(web, office):
    web.officer_login("hai.thu")
    assert web.get("/officer/counter/").status_code == 403
    assert web.get(FORM).status_code == 403
    token = web.token("/officer/")
    assert web.client.post(FORM, data={**walk_in(), "csrf_token": token}).status_code == 403
    assert 'href="/officer/counter/"' not in web.text("/officer/")


# --- the one-stop rule: a complete paper dossier is accepted at the desk at once ----------------


def test_the_desk_accepts_a_complete_dossier_at_once_and_the_slip_shows_the_appointment(runtime, desk):
    assert re.search(r'name="accept_now" value="1"[^>]*checked', desk.text(FORM))  # checked by default

    code = registered(desk.post(FORM, walk_in(accept_now="1"), page=FORM))

    assert not [t for t in runtime.dossiers.open_tasks(code) if t.element_id == "reception_check"]
    dossier, _papers, _ = stored(runtime, code)
    assert dossier.appointment_at is not None
    accepted = [e for e in runtime.dossiers.history(code) if e.kind == "task_completed"]
    assert [(e.actor, e.data["task"], e.data["data"]["decision"]) for e in accepted] == [
        ("Nguyễn Thị Lan", "reception_check", "accept")
    ]
    due = local(dossier.appointment_at)
    done = desk.text(f"/officer/counter/dossiers/{code}")
    assert due in done and "Set when the one-stop desk accepts" not in done
    slip = flat(desk.get(f"/officer/counter/dossiers/{code}/form-01.pdf").get_data())
    assert f"Result due: {due}" in slip


def test_unticked_the_dossier_waits_in_reception_without_an_appointment(runtime, desk):
    code = registered(desk.post(FORM, walk_in(), page=FORM))  # the box left unticked: not sent

    assert open_task(runtime, code, "reception_check")
    slip = flat(desk.get(f"/officer/counter/dossiers/{code}/form-01.pdf").get_data())
    assert "Result due: Set when the dossier is accepted" in slip


def test_a_collection_point_cannot_accept_at_once(runtime, agent):
    assert 'name="accept_now"' not in agent.text(FORM)

    code = registered(agent.post(FORM, walk_in(accept_now="1"), page=FORM))

    assert open_task(runtime, code, "reception_check")  # the desk checks what the post hands on


def test_a_paper_the_ground_requires_is_required_at_the_counter(runtime, desk):
    form = {
        **P09,
        "doc-si_book": (BytesIO(PDF), "so-bhxh.pdf"),
        "paper-si_book": "digitized",
        "doc-application_14_hsb": (BytesIO(PDF), "don-14-hsb.pdf"),
        "paper-application_14_hsb": "digitized",
        "accept_now": "1",
    }
    page = desk.text("/officer/counter/P09")
    assert "Required when “Grounds for the one-time withdrawal” is “Going abroad to settle”." in page

    missing = desk.post("/officer/counter/P09", form, page="/officer/counter/P09")

    assert missing.status_code == 400
    text = missing.get_data(as_text=True)
    assert 'id="error-doc-emigration_proof"' in text and "Scan or upload this paper: it is required" in text
    assert re.search(r'name="accept_now" value="1"[^>]*checked', text)  # the choice is kept
    form = {**form, "doc-si_book": (BytesIO(PDF), "so-bhxh.pdf"), "doc-application_14_hsb": (BytesIO(PDF), "d.pdf")}
    form.update({"doc-emigration_proof": (BytesIO(PDF), "ho-chieu.pdf"), "paper-emigration_proof": "digitized"})
    code = registered(desk.post("/officer/counter/P09", form, page="/officer/counter/P09"))
    _dossier, papers, _ = stored(runtime, code)
    assert papers["emigration_proof"] == ("ho-chieu.pdf", "digitized")
