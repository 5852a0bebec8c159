"""Signed updates from the post office and the bank, sent by the real simulators to the real product
(both served on local ports): shipments delivered or failed, paper dossiers brought in, transfers
rejected and confirmed; and updates refused for their signature, their age or as replays."""

from __future__ import annotations

import base64
import json
import logging
import re
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from engine.data.models import Document, Dossier, KeptMessage, OutboxMessage, WebhookReceipt, WebhookRefusalCount
from engine.dossiers.views import dossier_view
from engine.integration.outbox import OutboxWorker
from engine.integration.webhooks import sign
from engine.people.officers import Actor
from tests.engine.integration import test_payouts as payouts
from tests.engine.integration import test_registry as connected
from tests.engine.integration.test_payouts import approved_refund, order_transfers, settle
from tests.engine.integration.test_registry import BANK_SECRET, POST_SECRET
from tests.helpers import P02_APPLICATION, do_task, open_task, review_p02
from tests.web.test_portal import english

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
POST_ADDRESS = "12 Lê Lợi, phường Nghĩa Chánh, Quảng Ngãi"
# the simulators served, the runtime that talks to them, and a finance officer
outside, sim, settings, finance = connected.outside, connected.sim, connected.settings, payouts.finance


@pytest.fixture
def product(app, sim):
    """The product answering at the address the simulators call back."""
    sim.product.app = app
    return sim


def view_of(runtime, code):
    with runtime.db.read() as session:
        return dossier_view(session, runtime.versions, code)


def events(runtime, code, kind):
    return [e.data for e in runtime.dossiers.history(code) if e.kind == kind]


def refusals(runtime) -> Counter:
    """How many updates were refused, by (source, reason)."""
    with runtime.db.read() as session:
        rows = session.scalars(select(WebhookRefusalCount)).all()
    return Counter({(r.source, r.reason): r.count for r in rows})


def count(runtime, model) -> int:
    with runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


# --- the post: results sent to the applicant -----------------------------------------------------


def at_postal_dispatch(runtime, office) -> str:
    code = runtime.dossiers.start(
        "P02",
        {**P02_APPLICATION, "result_channel": "post", "delivery_address": POST_ADDRESS},
        Actor.applicant(P02_APPLICATION["full_name"]),
    )
    do_task(runtime, office, code, "reception_check", decision="accept")
    review_p02(runtime, office, code)
    do_task(runtime, office, code, "leader_approval", decision="approve")
    return code


def deliver_outbox(runtime) -> None:
    worker = OutboxWorker(runtime.db, runtime.clock, runtime.settings)
    try:
        worker.run_once(batch=100)
    finally:
        worker.close()


def ship(sim, runtime, office, code) -> str:
    """The diagram's shipment order goes out through the outbox; the desk hands the parcel over
    with the waybill the post answered."""
    deliver_outbox(runtime)
    waybill = view_of(runtime, code).ordered_waybill
    assert waybill, events(runtime, code, "postal_order_placed")
    do_task(runtime, office, code, "postal_dispatch", waybill=waybill)
    return waybill


def test_the_shipment_is_ordered_from_the_post_with_the_applicants_address(product, runtime, office, web):
    code = at_postal_dispatch(runtime, office)
    deliver_outbox(runtime)
    waybill = view_of(runtime, code).ordered_waybill
    assert product.get(f"/post/orders/{waybill}").json()["dossier_code"] == code
    [order] = [
        e["body"]
        for e in product.get("/_log?service=post").json()
        if e["path"] == "/post/orders" and e["body"].get("dossier_code") == code
    ]
    assert (order["recipient"], order["address"], order["phone"], order["payer"]) == (
        P02_APPLICATION["full_name"],
        POST_ADDRESS,
        P02_APPLICATION["phone"],
        "applicant",
    )
    web.officer_login("lan.desk")  # the desk's dispatch form already holds the post's waybill
    task = open_task(runtime, code, "postal_dispatch")
    assert f'value="{waybill}"' in web.text(f"/officer/tasks/{task.id}")


def advance(sim, waybill, status, **extra) -> dict:
    """The parcel moves on at the post; what the product answered the post's webhook."""
    answer = sim.post(f"/post/orders/{waybill}/advance", {"status": status, **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_delivered_shipment_returns_the_result(product, runtime, office):
    code = at_postal_dispatch(runtime, office)
    waybill = ship(product, runtime, office, code)

    for step in ("picked_up", "in_transit"):
        assert advance(product, waybill, step)["webhook_status"] == 200
    assert [(e["waybill"], e["status"]) for e in events(runtime, code, "postal_tracking")] == [
        (waybill, "picked_up"),
        (waybill, "in_transit"),
    ]
    assert view_of(runtime, code).status == 9  # processed, the result still on its way

    answer = advance(product, waybill, "delivered")
    assert answer["webhook_status"] == 200 and answer["webhook_body"]["message"] == "postal_delivered"
    view = view_of(runtime, code)
    assert view.status == 10 and view.finished_at is not None
    assert view.shipment.waybill == waybill and view.shipment.delivered_at is not None
    received = events(runtime, code, "message_received")
    assert received[-1]["message"] == "postal_delivered" and received[-1]["payload"]["waybill"] == waybill
    assert count(runtime, WebhookReceipt) == 3 and refusals(runtime) == Counter()


def test_the_history_tells_the_posts_news_in_words_and_does_not_credit_the_end_to_the_post(
    product, runtime, office, web
):
    """Found in use: the history showed the post's raw codes ("Bưu điện báo: picked_up") and the
    post as the one who ended the dossier."""
    code = at_postal_dispatch(runtime, office)
    waybill = ship(product, runtime, office, code)
    for step in ("picked_up", "in_transit", "delivered"):
        advance(product, waybill, step)

    web.officer_login("lan.desk")
    history = history_lines(web.text(f"/officer/dossiers/{code}"))
    assert any("Bưu điện: Bưu điện báo: đã nhận bưu gửi từ cơ quan BHXH" in line for line in history)
    assert any("Bưu điện: Bưu điện báo: bưu gửi đang được vận chuyển" in line for line in history)
    assert not any("picked_up" in line or "in_transit" in line for line in history)
    assert any("Bưu điện: Đã nhận thông báo của bưu điện: đã phát thành công" in line for line in history)
    assert not any("Bưu điện: Kết thúc xử lý hồ sơ" in line for line in history)
    assert any("Hệ thống: Kết thúc xử lý hồ sơ" in line for line in history), "\n".join(history)

    english(web)
    history = history_lines(web.text(f"/officer/dossiers/{code}"))
    assert any("The post office reports: the parcel is on its way" in line for line in history)
    assert any("System: Processing of the dossier ended" in line for line in history)


def history_lines(page: str) -> list[str]:
    """The officer's history, one line of text per event."""
    section = page[page.index('id="history-heading"') :]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", item).split()).replace(" :", ":")
        for item in re.findall(r"<li>(.*?)</li>", section, re.S)
    ]


def test_a_failed_delivery_becomes_the_desks_task_and_is_sent_again(product, runtime, office, web):
    code = at_postal_dispatch(runtime, office)
    first = ship(product, runtime, office, code)
    answer = advance(product, first, "failed", reason="Không liên lạc được với người nhận")
    assert answer["webhook_body"]["message"] == "postal_failed"

    # never vanishes: the desk sees the follow-up in its inbox
    task = open_task(runtime, code, "delivery_failed_followup")
    web.officer_login("lan.desk")
    assert code in web.text("/officer/")
    assert events(runtime, code, "message_received")[-1]["payload"]["reason"] == "Không liên lạc được với người nhận"
    web.post(f"/officer/tasks/{task.id}/claim", page=f"/officer/tasks/{task.id}")
    done = web.post(f"/officer/tasks/{task.id}/complete", {"decision": "redeliver"}, page=f"/officer/tasks/{task.id}")
    assert done.status_code == 302

    second = ship(product, runtime, office, code)
    assert advance(product, second, "delivered")["webhook_body"]["message"] == "postal_delivered"
    view = view_of(runtime, code)
    assert view.status == 10
    assert [(s.waybill, s.failed_at is not None, s.delivered_at is not None) for s in view.shipments] == [
        (first, True, False),
        (second, False, True),
    ]


def test_a_delivery_the_post_reports_before_the_desk_records_the_dispatch_returns_the_result(
    product, runtime, office, web, other_web
):
    """The courier is fast and the officer at lunch: the post says "delivered" while the desk's
    dispatch task is still open. The news is kept and taken when the desk records the dispatch;
    the dossier does not sit at status 9 with no task while tracking says the parcel is on its way."""
    code = at_postal_dispatch(runtime, office)
    deliver_outbox(runtime)
    waybill = view_of(runtime, code).ordered_waybill

    answer = advance(product, waybill, "delivered")
    assert answer["webhook_status"] == 200
    assert answer["webhook_body"]["kept"] == "postal_delivered"
    assert answer["webhook_body"]["note"] == (
        f"Dossier {code} is not waiting for the message 'postal_delivered' yet: "
        "it is kept until the dossier reaches the step that waits for it"
    )
    assert view_of(runtime, code).status == 9 and events(runtime, code, "message_received") == []

    web.officer_login("lan.desk")
    task = open_task(runtime, code, "postal_dispatch")
    web.post(f"/officer/tasks/{task.id}/claim", page=f"/officer/tasks/{task.id}")
    done = web.post(f"/officer/tasks/{task.id}/complete", {"waybill": waybill}, page=f"/officer/tasks/{task.id}")
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/officer/dossiers/{code}")

    view = view_of(runtime, code)
    assert view.status == 10 and view.finished_at is not None and view.open_tasks == []
    assert view.shipment.waybill == waybill and view.shipment.delivered_at is not None
    [taken] = events(runtime, code, "message_received")
    assert taken["message"] == "postal_delivered" and taken["payload"]["waybill"] == waybill
    assert count(runtime, KeptMessage) == 0 and count(runtime, WebhookReceipt) == 1
    english(other_web)
    tracking = other_web.post("/track", {"code": code, "id_number": P02_APPLICATION["citizen_id"]}, page="/track")
    assert "Delivered on" in tracking.get_data(as_text=True) and "On its way" not in tracking.get_data(as_text=True)
    english(web)
    history = web.text(f"/officer/dossiers/{code}")
    assert "Received the post office: delivered before the step that waits for it" in history
    assert "Acted on the post office: delivered (received " in history


def test_a_returned_parcel_is_a_failed_delivery_too(product, runtime, office):
    code = at_postal_dispatch(runtime, office)
    waybill = ship(product, runtime, office, code)
    assert advance(product, waybill, "returned")["webhook_body"]["message"] == "postal_failed"
    assert open_task(runtime, code, "delivery_failed_followup")


# --- refusals ------------------------------------------------------------------------------------


def send(web, path, payload, secret=POST_SECRET, timestamp=None, headers=None):
    body = json.dumps(payload).encode()
    signed = sign(secret, body, int(time.time()) if timestamp is None else timestamp)
    return web.client.post(
        path, data=body, content_type="application/json", headers=signed if headers is None else headers
    )


def test_forged_stale_and_unsigned_updates_are_refused_and_kept_for_the_administrator(
    product, runtime, office, web, caplog
):
    code = at_postal_dispatch(runtime, office)
    waybill = ship(product, runtime, office, code)
    update = {
        "event_id": uuid.uuid4().hex,
        "waybill": waybill,
        "dossier_code": code,
        "status": "delivered",
        "reason": None,
        "at": "2026-03-02T09:00:00+07:00",
    }
    caplog.set_level(logging.WARNING, "motcua.inbound")

    assert send(web, "/api/postal/updates", update, secret="guessed").status_code == 401
    assert send(web, "/api/postal/updates", update, timestamp=int(time.time()) - 1000).status_code == 401
    assert send(web, "/api/postal/updates", update, headers={}).status_code == 401
    assert send(web, "/api/bank/updates", {**update, "outcome": "confirmed"}).status_code == 401  # the post's key
    tampered = json.dumps(update).encode()
    headers = sign(POST_SECRET, tampered, int(time.time()))
    changed = web.client.post(
        "/api/postal/updates",
        data=tampered.replace(b"delivered", b"returned!"),
        content_type="application/json",
        headers=headers,
    )
    assert changed.status_code == 401 and changed.get_json() == {"ok": False, "error": "wrong_signature"}

    assert view_of(runtime, code).status == 9  # nothing moved
    assert refusals(runtime) == Counter(
        {
            ("post", "wrong_signature"): 2,
            ("post", "too_old"): 1,
            ("post", "missing_header"): 1,
            ("bank", "wrong_signature"): 1,
        }
    )
    assert count(runtime, WebhookReceipt) == 0
    assert "refused an update from post: too_old" in caplog.text

    with runtime.db.read() as session:
        kept = session.scalars(
            select(WebhookRefusalCount.last_body).where(WebhookRefusalCount.reason == "too_old")
        ).one()
    assert update["event_id"] in kept  # what was sent is kept to look into


def test_a_flood_of_unsigned_updates_adds_to_a_count_not_to_the_database(runtime, web):
    body = json.dumps({"event_id": "x", "waybill": "EB1", "status": "delivered"}).encode()
    for _ in range(200):
        answer = web.client.post("/api/postal/updates", data=body, content_type="application/json")
        assert answer.status_code == 401
    with runtime.db.read() as session:
        rows = session.scalars(select(WebhookRefusalCount)).all()
    assert [(r.source, r.reason, r.count) for r in rows] == [("post", "missing_header", 200)]


def test_a_replayed_update_is_refused_and_acted_on_once(product, runtime, office, web):
    code = at_postal_dispatch(runtime, office)
    waybill = ship(product, runtime, office, code)
    product.post("/_control", {"service": "post", "mode": "duplicate", "count": 1})
    answer = advance(product, waybill, "picked_up")  # the post sends the same update twice
    assert answer["webhook_status"] == 200 and answer["again"]["webhook_status"] == 409
    assert len(events(runtime, code, "postal_tracking")) == 1

    update = {
        "event_id": uuid.uuid4().hex,
        "waybill": waybill,
        "dossier_code": code,
        "status": "delivered",
        "reason": None,
        "at": "2026-03-02T09:00:00+07:00",
    }
    assert send(web, "/api/postal/updates", update).status_code == 200
    again = send(web, "/api/postal/updates", update)  # a fresh signature, the same event
    assert again.status_code == 409 and again.get_json()["error"] == "replayed"
    assert len([m for m in events(runtime, code, "message_received") if m["message"] == "postal_delivered"]) == 1
    assert refusals(runtime) == Counter({("post", "replayed"): 2})


def test_the_same_update_arriving_at_once_is_kept_and_acted_on_once(product, runtime, office):
    code = at_postal_dispatch(runtime, office)
    waybill = ship(product, runtime, office, code)

    def at_once(update: dict) -> list[int]:
        body = json.dumps(update).encode()
        headers = {"Content-Type": "application/json", **sign(POST_SECRET, body, int(time.time()))}
        url = f"{product.product_url}/api/postal/updates"
        with ThreadPoolExecutor(6) as pool:
            return sorted(
                pool.map(lambda _: httpx.post(url, content=body, headers=headers, timeout=30).status_code, range(6))
            )

    tracking = {
        "event_id": uuid.uuid4().hex,
        "waybill": waybill,
        "dossier_code": code,
        "status": "picked_up",
        "reason": None,
        "at": "2026-03-02T09:00:00+07:00",
    }
    assert at_once(tracking) == [200, 409, 409, 409, 409, 409]
    delivered = {**tracking, "event_id": uuid.uuid4().hex, "status": "delivered"}
    assert at_once(delivered) == [200, 409, 409, 409, 409, 409]
    assert count(runtime, WebhookReceipt) == 2
    assert [m["message"] for m in events(runtime, code, "message_received")] == ["postal_delivered"]
    # a copy that lost the race to the dossier but won it to the receipt leaves a note, nothing more
    assert len(events(runtime, code, "postal_tracking")) in (1, 2)
    assert view_of(runtime, code).status == 10


def test_an_update_no_step_will_take_is_kept_as_a_note_and_an_unknown_dossier_refused(product, runtime, office, web):
    code = at_postal_dispatch(runtime, office)
    advance(product, ship(product, runtime, office, code), "delivered")  # the dossier has ended
    update = {
        "event_id": uuid.uuid4().hex,
        "waybill": "EB000000001VN",
        "dossier_code": code,
        "status": "delivered",
        "reason": None,
        "at": "2026-03-02T09:00:00+07:00",
    }
    answer = send(web, "/api/postal/updates", update)
    assert answer.status_code == 200
    assert answer.get_json()["note"] == f"Dossier {code} is not waiting for the message 'postal_delivered'"
    assert "kept" not in answer.get_json() and count(runtime, KeptMessage) == 0
    assert events(runtime, code, "postal_tracking")[-1]["status"] == "delivered"
    assert count(runtime, WebhookReceipt) == 2

    unknown = send(
        web, "/api/postal/updates", {**update, "event_id": uuid.uuid4().hex, "dossier_code": "BHXH.QNI-260302-9999"}
    )
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "unknown_dossier"
    tracking = send(
        web,
        "/api/postal/updates",
        {**update, "event_id": uuid.uuid4().hex, "status": "in_transit", "dossier_code": "BHXH.QNI-260302-9999"},
    )
    assert tracking.status_code == 404
    bad = send(web, "/api/postal/updates", {**update, "event_id": uuid.uuid4().hex, "status": "lost"})
    assert bad.status_code == 422
    assert refusals(runtime) == Counter({("post", "unknown_dossier"): 2, ("post", "bad_payload"): 1})
    assert count(runtime, WebhookReceipt) == 2


# --- the post: paper dossiers brought in ---------------------------------------------------------


def intake(**changes) -> dict:
    return {
        "procedure_code": "P02",
        "application": {**P02_APPLICATION, "result_channel": "post", "delivery_address": POST_ADDRESS},
        "documents": [
            {"doc_type": "tk1_ts", "filename": "to-khai-TK1-TS.pdf", "content_base64": base64.b64encode(PDF).decode()}
        ],
        "waybill": "EB123456789VN",
        **changes,
    }


def test_a_paper_dossier_from_the_post_starts_with_its_documents(product, runtime, office):
    answer = product.post("/post/intake/send", intake())
    assert answer.status_code == 200, answer.text
    assert answer.json()["webhook_status"] == 201
    code = answer.json()["webhook_body"]["dossier_code"]

    view = view_of(runtime, code)
    assert view.procedure_code == "P02" and view.account_id is None and view.status == 1
    assert view.application["citizen_id"] == P02_APPLICATION["citizen_id"]
    assert [(d.doc_type, d.filename, d.content_type) for d in view.documents] == [
        ("tk1_ts", "to-khai-TK1-TS.pdf", "application/pdf")
    ]
    assert events(runtime, code, "received_by_post") == [{"waybill": "EB123456789VN"}]
    assert open_task(runtime, code, "reception_check").role == "desk"  # at the desk like any other


def test_a_paper_dossier_sent_twice_makes_one_dossier(product, runtime, web):
    product.post("/_control", {"service": "post", "mode": "duplicate", "count": 1})
    answer = product.post("/post/intake/send", intake()).json()
    assert answer["webhook_status"] == 201 and answer["again"]["webhook_status"] == 409
    payload = {**intake(), "event_id": answer["event_id"]}
    assert send(web, "/api/postal/intake", payload).status_code == 409  # and once more, later
    assert count(runtime, Dossier) == 1 and count(runtime, Document) == 1


def test_a_bad_paper_dossier_is_refused_field_by_field(product, runtime):
    application = {**intake()["application"], "citizen_id": "05109000123", "monthly_income": "900000"}
    answer = product.post("/post/intake/send", intake(application=application)).json()
    assert answer["webhook_status"] == 422
    errors = answer["webhook_body"]["errors"]
    assert errors["citizen_id"] == {"vi": "Số CCCD gồm đúng 12 chữ số", "en": "A citizen ID has exactly 12 digits"}
    assert errors["monthly_income"]["en"] == "The minimum is 1,500,000"

    text_file = [
        {"doc_type": "tk1_ts", "filename": "to-khai.txt", "content_base64": base64.b64encode(b"hello").decode()}
    ]
    answer = product.post("/post/intake/send", intake(documents=text_file)).json()
    assert answer["webhook_status"] == 422
    assert answer["webhook_body"]["errors"]["documents[0]"]["vi"] == "Tệp 'to-khai.txt' không phải PDF, JPEG hoặc PNG"
    assert count(runtime, Dossier) == 0 and count(runtime, Document) == 0
    assert refusals(runtime) == Counter({("post", "bad_application"): 1, ("post", "bad_documents"): 1})


# --- the bank ------------------------------------------------------------------------------------


def test_a_rejected_transfer_goes_to_finance_who_corrects_it_and_the_bank_pays(product, runtime, office, finance):
    code = approved_refund(runtime, office)
    [first] = order_transfers(product, runtime)
    answer = settle(product, first, "rejected", reason="Số tài khoản không tồn tại")
    assert answer["webhook_status"] == 200 and answer["webhook_body"]["message"] == "bank_rejected"

    task = open_task(runtime, code, "payout_rejected_followup")
    assert task.role == "finance"
    do_task(
        runtime,
        office,
        code,
        "payout_rejected_followup",
        decision="resend",
        bank_account="3608205117862",
        note="Công dân xác nhận lại số tài khoản qua điện thoại",
    )
    [second] = order_transfers(product, runtime)
    assert second != first
    with runtime.db.read() as session:
        accounts = [
            r.payload["account"]
            for r in session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "payout.transfer").order_by(OutboxMessage.id)
            )
        ]
    assert accounts == ["3608205117826", "3608205117862"]

    answer = settle(product, second, "confirmed")
    assert answer["webhook_body"]["message"] == "bank_confirmed"
    assert view_of(runtime, code).status == 10
    received = [(m["message"], m["payload"]["transfer_id"]) for m in events(runtime, code, "message_received")]
    assert received == [("bank_rejected", first), ("bank_confirmed", second)]
    assert events(runtime, code, "message_received")[-1]["payload"]["amount"] == 315900
    assert refusals(runtime) == Counter()


def test_a_bank_update_signed_with_the_posts_key_is_refused(product, runtime, office, finance, web):
    code = approved_refund(runtime, office)
    [transfer] = order_transfers(product, runtime)
    update = {
        "event_id": uuid.uuid4().hex,
        "transfer_id": transfer,
        "dossier_code": code,
        "outcome": "confirmed",
        "reason": None,
        "amount": 315900,
        "at": "2026-03-02T09:00:00+07:00",
    }
    assert send(web, "/api/bank/updates", update, secret=POST_SECRET).status_code == 401
    assert send(web, "/api/bank/updates", update, secret=BANK_SECRET).status_code == 200
    assert view_of(runtime, code).status == 10
    assert refusals(runtime) == Counter({("bank", "wrong_signature"): 1})


def test_a_bank_confirmation_whose_amount_is_no_whole_number_is_refused_and_takes_nothing(
    product, runtime, office, finance, web
):
    code = approved_refund(runtime, office)
    [transfer] = order_transfers(product, runtime)
    update = {
        "transfer_id": transfer,
        "dossier_code": code,
        "outcome": "confirmed",
        "reason": None,
        "at": "2026-03-02T09:00:00+07:00",
    }
    for amount in ("315.900,5", "ba trăm nghìn", 315900.5, -315900, None):
        body = {**update, "event_id": uuid.uuid4().hex, "amount": amount}
        refused = send(web, "/api/bank/updates", body, BANK_SECRET)
        assert refused.status_code == 422, amount
        assert refused.get_json()["errors"]["amount"]["en"].endswith("is not a whole number of đồng"), amount
    assert view_of(runtime, code).status == 9 and events(runtime, code, "message_received") == []
    assert refusals(runtime) == Counter({("bank", "bad_amount"): 5})
    assert count(runtime, WebhookReceipt) == 0  # the bank may send it again, corrected

    good = send(web, "/api/bank/updates", {**update, "event_id": uuid.uuid4().hex, "amount": 315900}, BANK_SECRET)
    assert good.status_code == 200 and good.get_json()["message"] == "bank_confirmed"
    assert view_of(runtime, code).status == 10


def test_the_api_needs_no_session_or_csrf_token_but_answers_only_post(app):
    client = app.test_client()
    assert client.get("/api/postal/updates").status_code == 405
    refused = client.post("/api/postal/updates", data=b"{}", content_type="application/json")
    assert refused.status_code == 401 and refused.get_json()["error"] == "missing_header"  # not a CSRF error
