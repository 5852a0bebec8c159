"""The outbox worker against the real simulators (served on a port of their own): each kind reaches
its system once with the answer kept, an outage is retried with growing waits and caught up in
order, retries run out into dead letters an administrator retries, a refusal is dead at once, and
two workers at once never deliver a message twice."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from cli.main import _Context, cli
from engine.data.journal import queue
from engine.data.models import Dossier, Event, OutboxMessage, Timer
from engine.integration.connectors.http import Retryable
from engine.integration.notifications import compose
from engine.integration.outbox import OutboxWorker
from engine.people.officers import Actor
from simulators import create_app
from tests.helpers import P02_APPLICATION, do_task
from tests.serving import serving

EMAIL = "nguyenvanan90@example.vn"


def serve_simulators():
    """The simulators on 127.0.0.1 and a free port, in a thread; yields their base URL."""
    return serving(create_app(product_url="http://127.0.0.1:9", seed=False))


def pointed_at(settings, base: str, **changes):
    """Settings whose outside systems are the simulators at `base`."""
    return dataclasses.replace(
        settings,
        post_url=f"{base}/post",
        portal_url=f"{base}/portal",
        bank_url=f"{base}/bank",
        notify_url=f"{base}/notify",
        **changes,
    )


@pytest.fixture(scope="module")
def simulators_url():
    with serve_simulators() as base:
        yield base


@pytest.fixture
def sim(simulators_url):
    client = httpx.Client(base_url=simulators_url)
    client.post("/_reset").raise_for_status()
    yield client
    client.close()


@pytest.fixture
def worker(runtime, simulators_url, sim):
    w = OutboxWorker(runtime.db, runtime.clock, pointed_at(runtime.settings, simulators_url))
    yield w
    w.close()


def start(runtime, **application) -> str:
    return runtime.dossiers.start("P02", {**P02_APPLICATION, **application}, Actor.applicant("Nguyễn Văn An"))


def add(runtime, code: str | None, kind: str, **payload) -> None:
    with runtime.db.write() as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code)) if code else None
        queue(session, dossier_id, kind, runtime.clock.now(), **payload)


def rows(runtime, **where) -> list[OutboxMessage]:
    with runtime.db.read() as session:
        return session.scalars(select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)).all()


def drain(worker: OutboxWorker, batch: int = 50) -> int:
    """Passes until one finds nothing due; how many messages were claimed."""
    claimed = 0
    while n := worker.run_once(batch)["claimed"]:
        claimed += n
    return claimed


def effects(sim, service: str) -> dict[str, int]:
    return sim.get("/_effects", params={"service": service}).json()


def posts(sim) -> list[dict]:
    return [e for e in sim.get("/_log").json() if e["method"] == "POST"]


def portal_statuses(sim, code: str) -> list[int]:
    return [s["status"] for s in sim.get(f"/portal/dossiers/{code}").json()["statuses"]]


def test_each_kind_reaches_its_system_once_and_the_answer_is_kept(runtime, worker, sim):
    code = start(runtime, email=EMAIL)  # queues portal.status 1 and notify.status 1
    add(
        runtime,
        code,
        "postal.order",
        dossier_code=code,
        recipient="Nguyễn Văn An",
        address="12 Lê Lợi, Quảng Ngãi",
        phone="0912345678",
        fee="25000",
        payer="applicant",
    )
    add(runtime, code, "payout.transfer", dossier_code=code, dossier=code, amount="1500000", account="0123456789")
    add(
        runtime,
        code,
        "notify.appointment",
        dossier_code=code,
        appointment_at="2026-03-12T10:00:00+00:00",
        reason="supplement_received",
    )
    add(
        runtime,
        code,
        "notify.apology",
        dossier_code=code,
        form="04",
        old_appointment="2026-03-09T10:00:00+00:00",
        appointment_at="2026-03-16T10:00:00+00:00",
        reason="Chờ xác minh",
    )
    add(runtime, code, "notify.applicant", dossier_code=code, text="Mời ông/bà đến nhận thẻ")
    add(
        runtime,
        None,
        "notify.password_reset",
        account_id=1,
        name="Trần Thị Bình",
        phone="0987000111",
        email="binh@example.vn",
        link="https://motcua.example/reset/abc",
    )

    assert drain(worker) == 8
    sent = rows(runtime)
    assert [(m.status, m.attempts, m.locked_until) for m in sent] == [("sent", 1, None)] * 8
    by_kind = {m.kind: m for m in sent}
    assert set(by_kind["portal.status"].response) == {"receipt", "accepted_at"}
    assert by_kind["postal.order"].response["waybill"].startswith("EB")
    assert by_kind["payout.transfer"].response["status"] == "pending"
    assert set(by_kind["notify.status"].response) == {"sms", "email"}

    # every effect happened once, under the message's key (notices: one per channel)
    keys = {m.kind: m.idempotency_key for m in sent}
    assert effects(sim, "portal") == {keys["portal.status"]: 1}
    assert effects(sim, "post") == {keys["postal.order"]: 1}
    assert effects(sim, "bank") == {keys["payout.transfer"]: 1}
    notify_keys = [
        keys[k]
        for k in ("notify.status", "notify.appointment", "notify.apology", "notify.applicant", "notify.password_reset")
    ]
    assert effects(sim, "notify") == {f"{k}:{channel}": 1 for k in notify_keys for channel in ("sms", "email")}
    assert portal_statuses(sim, code) == [1]

    # the answers that matter to the dossier are in its history
    with runtime.db.read() as session:
        history = {e.kind: e.data for e in session.scalars(select(Event).join(Dossier).where(Dossier.code == code))}
    assert history["postal_order_placed"] == {
        "waybill": by_kind["postal.order"].response["waybill"],
        "outbox_id": by_kind["postal.order"].id,
    }
    assert history["transfer_ordered"]["transfer_id"] == by_kind["payout.transfer"].response["transfer_id"]

    # Vietnamese texts with the dossier code and what happened, to the phone and e-mail of the application
    texts = {m["channel"]: m for m in sim.get("/notify/messages", params={"to": "0912345678"}).json()}
    status_sms = [
        m["text"]
        for m in sim.get("/notify/messages", params={"to": "0912345678"}).json()
        if "Mới đăng ký trực tuyến" in m["text"]
    ]
    assert len(status_sms) == 1 and code in status_sms[0] and "Nguyễn Văn An" in status_sms[0]
    assert set(texts) == {"sms"}
    mails = sim.get("/notify/messages", params={"to": EMAIL}).json()
    assert any(code in m["subject"] and "Mới đăng ký trực tuyến" in m["subject"] for m in mails)
    all_texts = " | ".join(m["text"] for m in mails)
    assert "17:00 ngày 12/03/2026" in all_texts  # the new appointment, in office time
    assert "xin lỗi" in all_texts and "Chờ xác minh" in all_texts and "Mời ông/bà đến nhận thẻ" in all_texts
    reset = sim.get("/notify/messages", params={"to": "0987000111"}).json()
    assert len(reset) == 1 and "https://motcua.example/reset/abc" in reset[0]["text"]

    assert drain(worker) == 0  # nothing is delivered again
    assert len(posts(sim)) == 13


def test_texts_in_english_when_the_applicant_asked_for_it(runtime):
    payload = {"name": "Binh", "phone": "0987000111", "email": None, "link": "https://x/reset", "language": "en"}
    with runtime.db.read() as session:
        messages = compose(session, runtime.settings, "notify.password_reset", None, payload)
    assert messages == {
        "sms": {
            "to": "0987000111",
            "text": "Motcua: Binh, reset your password at https://x/reset "
            "(one use only). If you did not ask for this, ignore this message.",
        }
    }


def test_an_outage_of_the_portal_is_retried_with_growing_waits_then_caught_up_in_order(
    runtime, office, worker, sim, clock
):
    codes = [start(runtime) for _ in range(3)]
    for code in codes:  # real status changes: accepted (2), in processing (4)
        do_task(runtime, office, code, "reception_check", decision="accept")
    portal_rows = rows(runtime, kind="portal.status")
    assert [m.payload["status"] for m in portal_rows if m.payload["dossier_code"] == codes[0]] == [1, 2, 4]
    sim.post("/_control", json={"service": "portal", "mode": "fail", "count": 6}).raise_for_status()

    waits = []
    for _ in range(2):  # two passes, three failures each: only the first status of each dossier is tried
        assert worker.run_once()["retry"] == 3
        firsts = rows(runtime, kind="portal.status", status="pending")[:3]
        waits.append(min(m.next_attempt_at for m in firsts) - clock.now())
        assert worker.run_once()["claimed"] == 0  # not due yet
        clock.advance(max(m.next_attempt_at for m in firsts) - clock.now())
    assert timedelta(seconds=2) <= waits[0] <= timedelta(seconds=2.2)
    assert timedelta(seconds=4) <= waits[1] <= timedelta(seconds=4.4)
    assert {e["body"]["status"] for e in posts(sim) if e["service"] == "portal"} == {1}

    drain(worker)
    for code in codes:
        assert portal_statuses(sim, code) == [1, 2, 4]
    assert all(m.status == "sent" for m in rows(runtime))
    assert [m.attempts for m in rows(runtime, kind="portal.status")][:3] == [3, 3, 3]


def test_retries_run_out_into_a_dead_letter_which_holds_later_statuses_until_retried(
    runtime, simulators_url, sim, clock
):
    worker = OutboxWorker(runtime.db, clock, pointed_at(runtime.settings, simulators_url, outbox_max_attempts=3))
    code = start(runtime)
    add(runtime, code, "portal.status", dossier_code=code, status=2, at=clock.now().isoformat())
    sim.post("/_control", json={"service": "portal", "mode": "fail"}).raise_for_status()
    for _ in range(3):
        worker.run_once()
        clock.advance(timedelta(hours=1))
    first, second = rows(runtime, kind="portal.status")
    assert (first.status, first.attempts) == ("dead", 3) and "503" in first.last_error
    [letter] = worker.dead_letters()
    assert (letter.id, letter.kind, letter.dossier_code, letter.attempts) == (first.id, "portal.status", code, 3)

    sim.post("/_control", json={"service": "portal", "mode": "ok"}).raise_for_status()
    drain(worker)
    assert rows(runtime, id=second.id)[0].status == "pending"  # the dead one comes first
    assert portal_statuses(sim, code) == []

    assert worker.retry([first.id, second.id]) == 1  # only dead letters go back
    assert drain(worker) == 2
    assert portal_statuses(sim, code) == [1, 2]
    assert worker.dead_letters() == []
    worker.close()


def test_a_refusal_is_dead_at_once_and_an_unreachable_system_is_retried(runtime, simulators_url, sim, clock):
    settings = dataclasses.replace(pointed_at(runtime.settings, simulators_url), post_url="http://127.0.0.1:9/post")
    worker = OutboxWorker(runtime.db, clock, settings)
    code = start(runtime)
    add(runtime, code, "payout.transfer", dossier_code=code, dossier=code, amount="1500000", account="")
    add(
        runtime,
        code,
        "postal.order",
        dossier_code=code,
        recipient="An",
        address="Quảng Ngãi",
        phone="0912345678",
        fee=0,
        payer="office",
    )
    drain(worker)
    payout, order = rows(runtime, kind="payout.transfer")[0], rows(runtime, kind="postal.order")[0]
    assert (payout.status, payout.attempts) == ("dead", 1)
    assert "400" in payout.last_error and "account" in payout.last_error
    assert effects(sim, "bank") == {}
    assert (order.status, order.attempts) == ("pending", 1) and "no connection" in order.last_error
    assert order.next_attempt_at > clock.now()
    worker.close()


def test_two_workers_at_once_never_deliver_a_message_twice(runtime, simulators_url, sim, clock):
    codes = [start(runtime) for _ in range(3)]
    for code in codes:
        for status in (2, 4, 9, 10):
            add(runtime, code, "portal.status", dossier_code=code, status=status, at=clock.now().isoformat())
    for i in range(20):
        add(runtime, codes[i % 3], "notify.applicant", dossier_code=codes[i % 3], text=f"Tin {i}")
        add(runtime, codes[i % 3], "payout.transfer", dossier_code=codes[i % 3], amount=1000 + i, account="0123")
    settings = pointed_at(runtime.settings, simulators_url)
    workers = [OutboxWorker(runtime.db, clock, settings) for _ in range(2)]
    claimed = [0, 0]

    def work(i):
        while n := workers[i].run_once(batch=4)["claimed"]:
            claimed[i] += n

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    drain(workers[0])  # what one worker found held back behind a status the other was still sending

    messages = rows(runtime)
    assert len(messages) == 3 * 6 + 40 and all(m.status == "sent" and m.attempts == 1 for m in messages)
    assert all(claimed), claimed  # both took part
    log = posts(sim)
    assert not any(e["duplicate"] for e in log)
    assert len(log) == len({e["key"] for e in log}) == 3 * 5 + 20 + 20 + 3  # 3 notify.status sms
    assert set(effects(sim, "bank").values()) == {1} and len(effects(sim, "bank")) == 20
    for code in codes:
        assert portal_statuses(sim, code) == [1, 2, 4, 9, 10]
    for w in workers:
        w.close()


def test_a_worker_whose_lease_ran_out_cannot_overwrite_the_one_that_took_over(runtime, simulators_url, sim, clock):
    settings = pointed_at(runtime.settings, simulators_url)
    taker = OutboxWorker(runtime.db, clock, settings, lease=60)
    results = []

    class Stalled:
        """Stalls past its lease; meanwhile another worker delivers the message; then it fails."""

        def deliver(self, payload, key):
            clock.advance(timedelta(seconds=61))
            results.append(taker.run_once())
            raise Retryable("the answer came too late")

    slow = OutboxWorker(runtime.db, clock, settings, connectors={"notify.applicant": Stalled()}, lease=60)
    code = start(runtime)
    with runtime.db.write() as session:  # only the message under test is due
        session.execute(update(OutboxMessage).values(status="sent"))
    add(runtime, code, "notify.applicant", dossier_code=code, text="Tin")

    assert slow.run_once() == {"claimed": 1, "sent": 0, "retry": 0, "dead": 0, "lost": 1}
    assert results == [{"claimed": 1, "sent": 1, "retry": 0, "dead": 0, "lost": 0}]
    [message] = rows(runtime, kind="notify.applicant")
    assert (message.status, message.attempts, message.last_error) == ("sent", 1, None)
    taker.close()


def test_the_administrator_lists_and_retries_dead_letters_from_the_command_line(runtime, simulators_url, sim):
    env = {
        "MOTCUA_DATABASE_URL": runtime.settings.database_url,
        "MOTCUA_OUTBOX_MAX_ATTEMPTS": "1",
        "MOTCUA_PORTAL_URL": f"{simulators_url}/portal",
        "MOTCUA_NOTIFY_URL": f"{simulators_url}/notify",
    }

    def motcua(*args: str) -> str:
        result = CliRunner().invoke(cli, args, obj=_Context(), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    code = start(runtime)
    sim.post("/_control", json={"service": "portal", "mode": "fail"}).raise_for_status()
    assert motcua("outbox", "run", "--once") == "1 sent, 1 dead\n"
    [dead] = rows(runtime, status="dead")
    listed = motcua("outbox", "dead").splitlines()
    assert listed[0].startswith(f"#{dead.id} portal.status {code} after 1 attempt(s): 503 from")
    assert listed[1] == "1 dead letter(s)"
    assert CliRunner().invoke(cli, ["outbox", "retry"], obj=_Context(), env=env).exit_code == 2  # which ones?

    sim.post("/_control", json={"service": "portal", "mode": "ok"}).raise_for_status()
    assert motcua("outbox", "retry", str(dead.id)) == "1 message(s) queued again\n"
    assert motcua("outbox", "run", "--once") == "1 sent\n"
    assert motcua("outbox", "dead") == "0 dead letter(s)\n"
    assert motcua("outbox", "retry", "--all-dead") == "0 message(s) queued again\n"
    assert portal_statuses(sim, code) == [1]


def test_a_supplement_request_notice_says_what_is_missing(runtime, office):
    code = start(runtime)
    do_task(
        runtime,
        office,
        code,
        "reception_check",
        decision="supplement",
        missing_documents="Giấy chứng nhận hộ nghèo\nBản sao CCCD còn hạn",
    )
    with runtime.db.read() as session:
        notice = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "notify.status").order_by(OutboxMessage.id.desc())
        ).first()
        assert notice.payload["status"] == 5
        messages = compose(session, runtime.settings, notice.kind, notice.dossier_id, notice.payload)
    assert "Cần bổ sung: Giấy chứng nhận hộ nghèo; Bản sao CCCD còn hạn." in messages["sms"]["text"]


def test_a_supplement_request_notice_gives_the_deadline(runtime, office):
    code = start(runtime)
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="Bản sao CCCD")
    with runtime.db.read() as session:
        notice = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "notify.status").order_by(OutboxMessage.id.desc())
        ).first()
        due = session.scalar(
            select(Timer.due_at).join(Dossier, Dossier.id == Timer.dossier_id).where(Dossier.code == code)
        )
        messages = compose(session, runtime.settings, notice.kind, notice.dossier_id, notice.payload)
    local = due.astimezone(ZoneInfo(runtime.settings.timezone))
    # the diagrams wait 30 days for the papers (supplement_wait = 'P30D')
    assert timedelta(days=29) < due - runtime.clock.now() <= timedelta(days=31)
    assert f"Hạn nộp bổ sung: {local:%H:%M ngày %d/%m/%Y}." in messages["sms"]["text"]
