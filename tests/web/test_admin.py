"""The administrator's pages: outgoing messages with their dead letters (sent again on request) and
refused webhooks; nobody else comes in."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from engine.data.models import OutboxMessage, User, WebhookRefusalCount
from engine.people.officers import Actor, grant
from tests.helpers import P02_APPLICATION

OUTBOX = "/officer/admin/outbox"
RETRY = "/officer/admin/outbox/retry"
WEBHOOKS = "/officer/admin/webhooks"


@pytest.fixture
def admin(runtime, office, web):
    """hoa.lanhdao holds the administrator's role too, and is logged in, in English."""
    with runtime.db.write() as session:
        user = session.scalars(select(User).where(User.username == "hoa.lanhdao")).one()
        grant(session, user, "admin", office.unit)
    web.officer_login("hoa.lanhdao")
    web.post("/language", {"lang": "en", "next": "/"}, page="/")
    return web


def dead_letter(runtime, kind: str, dossier_id: int | None = None, error: str = "503 Service Unavailable") -> int:
    now = runtime.clock.now()
    with runtime.db.write() as session:
        message = OutboxMessage(
            dossier_id=dossier_id,
            kind=kind,
            payload={},
            idempotency_key=f"test:{kind}:{error}",
            status="dead",
            attempts=8,
            created_at=now,
            next_attempt_at=now,
            last_error=error,
        )
        session.add(message)
        session.flush()
        return message.id


def status_of(runtime, message_id: int) -> tuple[str, int]:
    with runtime.db.read() as session:
        message = session.get(OutboxMessage, message_id)
        return message.status, message.attempts


def count_in(runtime, status: str) -> int:
    with runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == status))


def a_dossier(runtime) -> tuple[str, int]:
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]))
    return code, runtime.dossiers.get(code).id


def test_the_administrator_sees_counts_and_dead_letters(runtime, admin):
    code, dossier_id = a_dossier(runtime)  # queues portal and notification messages, pending
    dead_letter(runtime, "postal.order", dossier_id, error="the post refused: address missing")
    dead_letter(runtime, "notify.password_reset")
    page = admin.text("/officer/")
    assert f'href="{OUTBOX}">Administration</a>' in page  # in the header
    page = admin.text(OUTBOX)
    assert "Dead letters" in page
    assert 'id="total-dead"><strong>2<' in page
    assert f'id="total-pending"><strong>{count_in(runtime, "pending")}<' in page
    assert count_in(runtime, "pending") > 0
    assert "<code>portal.status</code>" in page and "<code>postal.order</code>" in page
    assert f'<a href="/officer/dossiers/{code}">{code}</a>' in page
    assert "the post refused: address missing" in page and "503 Service Unavailable" in page
    assert page.count('type="checkbox" name="id"') == 2


def test_retry_puts_the_picked_dead_letters_back_then_all_of_them(runtime, admin):
    first = dead_letter(runtime, "portal.status", error="timeout")
    second = dead_letter(runtime, "notify.status", error="503")
    response = admin.post(RETRY, {"id": [str(first)]}, page=OUTBOX, follow_redirects=True)
    assert "1 message(s) put back in the queue." in response.get_data(as_text=True)
    assert status_of(runtime, first) == ("pending", 0)
    assert status_of(runtime, second) == ("dead", 8)
    response = admin.post(RETRY, {"all": "1"}, page=OUTBOX, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "1 message(s) put back in the queue." in page
    assert status_of(runtime, second) == ("pending", 0)
    assert 'type="checkbox" name="id"' not in page  # no dead letters left


def test_retry_refuses_nothing_ticked_and_a_post_without_a_token(runtime, admin):
    message = dead_letter(runtime, "payout.transfer")
    response = admin.post(RETRY, {}, page=OUTBOX, follow_redirects=True)
    assert "Tick the messages you want to send again first." in response.get_data(as_text=True)
    assert admin.client.post(RETRY, data={"all": "1"}).status_code == 400  # no CSRF token
    assert status_of(runtime, message) == ("dead", 8)


def test_refused_webhooks_counted_by_day_latest_first_paged_with_the_start_of_the_latest_body(runtime, admin, app):
    app.config["PAGE_SIZE"] = 2
    now = runtime.clock.now()
    with runtime.db.write() as session:
        for i in range(3):
            session.add(
                WebhookRefusalCount(
                    source="post" if i else "bank",
                    reason=f"bad_signature_{i}",
                    day=date(2026, 3, 1 + i),
                    count=10 + i,
                    first_at=now + timedelta(days=i),
                    last_at=now + timedelta(days=i, hours=1),
                    last_body=f"body-{i}-" + "a" * 300 + "TAIL",
                )
            )
    page = admin.text(WEBHOOKS)
    assert "Refused webhooks" in page and "Page 1 of 2" in page
    assert "bad_signature_2" in page and "bad_signature_1" in page and "bad_signature_0" not in page
    assert page.index("bad_signature_2") < page.index("bad_signature_1")
    assert "<td>12</td>" in page and "<td>11</td>" in page  # how many of each
    assert ("body-2-" + "a" * 190) in page and "TAIL" not in page  # the start of the latest one
    page = admin.text(f"{WEBHOOKS}?page=2")
    assert "bad_signature_0" in page and "<td>bank</td>" in page and "bad_signature_2" not in page


@pytest.mark.parametrize("who", ["officer", "applicant"])
def test_nobody_but_an_administrator_comes_in(runtime, web, who):
    message = dead_letter(runtime, "portal.status")
    if who == "officer":
        web.officer_login("hoa.lanhdao")  # a leader, but no administrator
        assert OUTBOX not in web.text("/officer/")
    else:
        web.signup()
    for url in (OUTBOX, WEBHOOKS):
        assert web.get(url).status_code == 403
    assert web.post(RETRY, {"all": "1"}, page="/").status_code == 403
    assert status_of(runtime, message) == ("dead", 8)


def test_a_visitor_is_sent_to_the_officers_login(web):
    response = web.get(OUTBOX)
    assert response.status_code == 302 and "/officer/login" in response.headers["Location"]
