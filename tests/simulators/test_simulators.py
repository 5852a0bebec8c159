"""The simulated outside systems, through HTTP: idempotent creation, the switches, the registry's
seed, the portal's order, the bank's report, and signed webhooks received by a real HTTP server."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from engine.integration.webhooks import BadSignature, verify
from simulators import create_app

SECRETS = {"postal": "post-secret-for-tests", "bank": "bank-secret-for-tests"}


class Receiver:
    """The product's side of the webhooks: checks each signature and answers 200 or 401."""

    def __init__(self):
        self.calls: list[dict] = []

    def __call__(self, environ, start_response):
        request = Request(environ)
        body = request.get_data()
        try:
            verify(SECRETS[request.path.split("/")[2]], body, request.headers, time.time())
            refusal = None
        except BadSignature as err:
            refusal = err.reason
        self.calls.append({"path": request.path, "payload": json.loads(body), "refusal": refusal})
        answer = {"accepted": refusal is None, "refusal": refusal}
        return Response(json.dumps(answer), 401 if refusal else 200, mimetype="application/json")(
            environ, start_response
        )


@pytest.fixture
def receiver():
    app = Receiver()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    app.url = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join()


def simulators(product_url: str, post_secret=SECRETS["postal"], seed=True):
    return create_app(
        product_url=product_url, post_secret=post_secret, bank_secret=SECRETS["bank"], seed=seed
    ).test_client()


@pytest.fixture
def sim(receiver):
    client = simulators(receiver.url)
    yield client
    client.post("/_reset")  # cancels any auto-settle timer left


ORDER = {
    "dossier_code": "P02-260301-0001",
    "recipient": "Trần Thị Mai",
    "address": "Tổ 3, phường Trương Quang Trọng",
    "phone": "0935456789",
    "fee": 32000,
    "payer": "applicant",
}


def post(client, url, body, key=None):
    return client.post(url, json=body, headers={"Idempotency-Key": key} if key else {})


def control(client, **switch):
    assert client.post("/_control", json=switch).status_code == 200


def test_health():
    assert simulators("http://127.0.0.1:9").get("/_health").json == {"ok": True}


def test_the_registry_knows_the_demo_applicant_and_the_declared_paths_people():
    client = simulators("http://127.0.0.1:9")
    assert client.get("/registry/people/051085012345").json == {
        "citizen_id": "051085012345",
        "full_name": "Nguyễn Văn Hùng",
        "date_of_birth": "1985-03-14",
        "sex": "male",
        "address": "Thôn Phú Bình, xã Tịnh Ấn Tây, tỉnh Quảng Ngãi",
    }
    # P07's happy path gives no sex: the citizen ID's 4th digit (1: a woman born in the 1900s) does
    assert client.get("/registry/people/051195002284").json["sex"] == "female"
    unknown = client.get("/registry/people/000000000000")
    assert (unknown.status_code, unknown.json) == (404, {"error": "not_found"})
    assert simulators("http://127.0.0.1:9", seed=False).get("/registry/people/051085012345").status_code == 404


def test_the_same_key_gets_the_same_waybill_and_ships_once(sim):
    first = post(sim, "/post/orders", ORDER, "order-1")
    again = post(sim, "/post/orders", ORDER, "order-1")
    other = post(sim, "/post/orders", ORDER, "order-2")
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert again.json == first.json and first.json["status"] == "created"
    assert first.json["waybill"].startswith("EB") and first.json["waybill"].endswith("VN")
    assert first.json["waybill"][2:-2].isdigit() and len(first.json["waybill"]) == 13
    assert other.json["waybill"] != first.json["waybill"]
    assert sim.get("/_effects?service=post").json == {"order-1": 1, "order-2": 1}
    assert [(e["key"], e["duplicate"]) for e in sim.get("/_log?service=post").json] == [
        ("order-1", False),
        ("order-1", True),
        ("order-2", False),
    ]
    tracked = sim.get(f"/post/orders/{first.json['waybill']}").json
    assert (tracked["dossier_code"], tracked["status"], [h["status"] for h in tracked["history"]]) == (
        "P02-260301-0001",
        "created",
        ["created"],
    )


def test_a_creating_request_without_a_key_or_with_a_bad_body_changes_nothing(sim):
    refused = post(sim, "/post/orders", ORDER)
    assert (refused.status_code, refused.json) == (400, {"error": "missing Idempotency-Key"})
    assert post(sim, "/post/orders", {**ORDER, "payer": "nobody"}, "k").status_code == 400
    assert post(sim, "/bank/transfers", {"dossier_code": "X", "amount": -5, "account": "1"}, "k").status_code == 400
    assert (
        post(sim, "/portal/dossiers/X/statuses", {"status": 11, "at": "2026-03-01T08:00:00+07:00"}, "k").status_code
        == 400
    )
    assert post(sim, "/notify/sms", {"to": "0905123456"}, "k").status_code == 400
    for service in ("post", "bank", "portal", "notify"):
        assert sim.get(f"/_effects?service={service}").json == {}


def test_the_same_key_gets_the_same_transfer_and_pays_once(sim):
    transfer = {"dossier_code": "P08-260301-0002", "amount": 2_340_000, "account": "0071000123456"}
    first = post(sim, "/bank/transfers", transfer, "pay-1")
    again = post(sim, "/bank/transfers", transfer, "pay-1")
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json == again.json and first.json["status"] == "pending"
    assert sim.get("/_effects?service=bank").json == {"pay-1": 1}


def test_the_portal_keeps_statuses_in_arrival_order_and_a_retry_once(sim):
    receipts = [
        post(
            sim, "/portal/dossiers/P02-1/statuses", {"status": s, "at": f"2026-03-0{s}T08:00:00+07:00"}, f"portal-{s}"
        ).json["receipt"]
        for s in (1, 3, 2)
    ]
    retry = post(sim, "/portal/dossiers/P02-1/statuses", {"status": 3, "at": "2026-03-03T08:00:00+07:00"}, "portal-3")
    assert retry.status_code == 200 and retry.json["receipt"] == receipts[1]
    statuses = sim.get("/portal/dossiers/P02-1").json["statuses"]
    assert [(s["status"], s["receipt"]) for s in statuses] == list(zip((1, 3, 2), receipts, strict=True))
    assert sim.get("/portal/dossiers/P02-2").json == {"code": "P02-2", "statuses": []}


def test_the_gateway_keeps_sms_and_email_by_recipient(sim):
    sms = post(sim, "/notify/sms", {"to": "0905123456", "text": "Hồ sơ đã được tiếp nhận"}, "n-1")
    post(sim, "/notify/sms", {"to": "0905123456", "text": "Hồ sơ đã được tiếp nhận"}, "n-1")
    post(sim, "/notify/email", {"to": "a@example.vn", "subject": "Kết quả", "text": "Đã có kết quả"}, "n-2")
    assert sms.status_code == 201
    messages = sim.get("/notify/messages?to=0905123456").json
    assert [(m["message_id"], m["channel"], m["text"]) for m in messages] == [
        (sms.json["message_id"], "sms", "Hồ sơ đã được tiếp nhận")
    ]
    assert [m["subject"] for m in sim.get("/notify/messages?to=a@example.vn").json] == ["Kết quả"]
    assert sim.get("/_effects?service=notify").json == {"n-1": 1, "n-2": 1}


def test_fail_answers_503_and_does_nothing_for_count_requests(sim):
    control(sim, service="post", mode="fail", count=2)
    assert [post(sim, "/post/orders", ORDER, "order-1").status_code for _ in range(3)] == [503, 503, 201]
    assert sim.get("/_effects?service=post").json == {"order-1": 1}
    control(sim, service="registry", mode="fail")  # without a count: until switched back
    assert [sim.get("/registry/people/051085012345").status_code for _ in range(2)] == [503, 503]
    control(sim, service="registry", mode="ok")
    assert sim.get("/registry/people/051085012345").status_code == 200
    assert sim.post("/_control", json={"service": "post", "mode": "explode"}).status_code == 400
    assert sim.post("/_control", json={"service": "post", "mode": "ok", "auto_settle": "confirmed"}).status_code == 400


def test_delay_answers_late_but_has_already_acted(sim):
    control(sim, service="portal", mode="delay", seconds=0.3, count=1)
    started = time.monotonic()
    slow = post(sim, "/portal/dossiers/P02-1/statuses", {"status": 1, "at": "2026-03-01T08:00:00+07:00"}, "p-1")
    assert slow.status_code == 201 and time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert (
        post(
            sim, "/portal/dossiers/P02-1/statuses", {"status": 1, "at": "2026-03-01T08:00:00+07:00"}, "p-1"
        ).status_code
        == 200
    )
    assert time.monotonic() - started < 0.3
    assert sim.get("/_effects?service=portal").json == {"p-1": 1}


def test_advancing_an_order_sends_a_signed_update_and_answers_what_the_product_said(sim, receiver):
    waybill = post(sim, "/post/orders", ORDER, "order-1").json["waybill"]
    answer = sim.post(f"/post/orders/{waybill}/advance", json={"status": "failed", "reason": "Không có người nhận"})
    assert answer.status_code == 200
    assert answer.json["webhook_status"] == 200 and answer.json["webhook_body"]["accepted"] is True
    [call] = receiver.calls
    assert call["path"] == "/api/postal/updates" and call["refusal"] is None
    payload = call["payload"]
    assert {k: payload[k] for k in ("waybill", "dossier_code", "status", "reason")} == {
        "waybill": waybill,
        "dossier_code": "P02-260301-0001",
        "status": "failed",
        "reason": "Không có người nhận",
    }
    assert len(payload["event_id"]) == 32 and payload["event_id"] == answer.json["event_id"]
    assert [h["status"] for h in sim.get(f"/post/orders/{waybill}").json["history"]] == ["created", "failed"]
    assert sim.post(f"/post/orders/{waybill}/advance", json={"status": "lost"}).status_code == 400
    assert sim.post("/post/orders/EB000000000VN/advance", json={"status": "delivered"}).status_code == 404


def test_duplicate_sends_the_webhook_twice_with_one_event_id(sim, receiver):
    waybill = post(sim, "/post/orders", ORDER, "order-1").json["waybill"]
    control(sim, service="post", mode="duplicate", count=1)
    answer = sim.post(f"/post/orders/{waybill}/advance", json={"status": "delivered"}).json
    assert answer["again"]["webhook_status"] == 200
    assert [c["payload"]["event_id"] for c in receiver.calls] == [answer["event_id"]] * 2
    sim.post(f"/post/orders/{waybill}/advance", json={"status": "delivered"})  # count used up: once
    assert len(receiver.calls) == 3


def test_duplicate_on_a_creating_request_repeats_it_without_a_second_effect(sim):
    control(sim, service="bank", mode="duplicate", count=1)
    post(sim, "/bank/transfers", {"dossier_code": "P08-1", "amount": 100_000, "account": "007"}, "pay-1")
    assert [e["duplicate"] for e in sim.get("/_log?service=bank").json] == [False, True]
    assert sim.get("/_effects?service=bank").json == {"pay-1": 1}


def test_a_paper_dossier_from_the_post_reaches_the_product_signed(sim, receiver):
    intake = {
        "procedure_code": "P02",
        "application": {"full_name": "Nguyễn Văn Hùng"},
        "documents": [{"doc_type": "to_khai", "filename": "tk1.pdf", "content_base64": "JVBERi0="}],
    }
    answer = sim.post("/post/intake/send", json=intake)
    assert answer.status_code == 200 and answer.json["webhook_status"] == 200
    [call] = receiver.calls
    assert call["path"] == "/api/postal/intake" and call["refusal"] is None
    assert {k: call["payload"][k] for k in intake} == intake and call["payload"]["waybill"].startswith("EB")
    assert sim.post("/post/intake/send", json={**intake, "documents": [{"filename": "x"}]}).status_code == 400


def test_the_product_refusing_a_signature_is_passed_back(receiver):
    client = simulators(receiver.url, post_secret="not-the-product-secret")
    waybill = post(client, "/post/orders", ORDER, "order-1").json["waybill"]
    answer = client.post(f"/post/orders/{waybill}/advance", json={"status": "delivered"}).json
    assert (answer["webhook_status"], answer["webhook_body"]["refusal"]) == (401, "wrong_signature")


def test_an_unreachable_product_gives_502():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = simulators(f"http://127.0.0.1:{port}")
    waybill = post(client, "/post/orders", ORDER, "order-1").json["waybill"]
    answer = client.post(f"/post/orders/{waybill}/advance", json={"status": "delivered"})
    assert answer.status_code == 502 and "unreachable" in answer.json["error"]


def test_settlements_are_signed_and_the_daily_report_counts_confirmed_transfers_of_that_day(sim, receiver):
    def transfer(key, amount):
        return post(
            sim, "/bank/transfers", {"dossier_code": f"P08-{key}", "amount": amount, "account": "007"}, key
        ).json["transfer_id"]

    late_evening, morning, rejected, pending = (
        transfer(k, a) for k, a in (("a", 1_000_000), ("b", 250_000), ("c", 40_000), ("d", 7))
    )
    # 18:30 UTC on 1 March is 01:30 on 2 March in Hà Nội: the bank's day is 2 March
    sim.post(f"/bank/transfers/{late_evening}/settle", json={"outcome": "confirmed", "at": "2026-03-01T18:30:00+00:00"})
    sim.post(f"/bank/transfers/{morning}/settle", json={"outcome": "confirmed", "at": "2026-03-02T09:00:00+07:00"})
    answer = sim.post(
        f"/bank/transfers/{rejected}/settle",
        json={"outcome": "rejected", "reason": "Tài khoản đã đóng", "at": "2026-03-02T10:00:00+07:00"},
    )
    assert answer.json["webhook_status"] == 200
    assert [c["refusal"] for c in receiver.calls] == [None] * 3
    fields = ("transfer_id", "dossier_code", "outcome", "reason", "amount")
    assert {k: receiver.calls[2]["payload"][k] for k in fields} == {
        "transfer_id": rejected,
        "dossier_code": "P08-c",
        "outcome": "rejected",
        "reason": "Tài khoản đã đóng",
        "amount": 40_000,
    }
    assert sim.post(f"/bank/transfers/{morning}/settle", json={"outcome": "rejected"}).status_code == 409
    report = sim.get("/bank/reports/2026-03-02").json
    assert (report["date"], report["count"], report["total"]) == ("2026-03-02", 2, 1_250_000)
    assert [(t["transfer_id"], t["outcome"]) for t in report["transfers"]] == [
        (late_evening, "confirmed"),
        (morning, "confirmed"),
    ]
    assert sim.get("/bank/reports/2026-03-01").json["count"] == 0
    assert pending not in json.dumps(report)
    assert sim.get("/bank/reports/yesterday").status_code == 400


def test_the_bank_can_settle_by_itself(sim, receiver):
    control(sim, service="bank", mode="ok", auto_settle="confirmed", seconds=0.05)
    transfer_id = post(
        sim, "/bank/transfers", {"dossier_code": "P08-1", "amount": 500_000, "account": "007"}, "pay-1"
    ).json["transfer_id"]
    deadline = time.monotonic() + 3
    while not receiver.calls and time.monotonic() < deadline:
        time.sleep(0.02)
    [call] = receiver.calls
    assert (call["payload"]["transfer_id"], call["payload"]["outcome"], call["refusal"]) == (
        transfer_id,
        "confirmed",
        None,
    )
    assert sim.post(f"/bank/transfers/{transfer_id}/settle", json={"outcome": "rejected"}).status_code == 409


def test_reset_forgets_everything_but_the_registry(sim):
    waybill = post(sim, "/post/orders", ORDER, "order-1").json["waybill"]
    control(sim, service="portal", mode="fail")
    assert sim.post("/_reset").json == {"ok": True}
    assert sim.get(f"/post/orders/{waybill}").status_code == 404
    assert [(e["service"], e["method"], e["path"]) for e in sim.get("/_log").json] == [
        ("post", "GET", f"/post/orders/{waybill}")
    ]  # only what came after the reset
    assert (
        post(sim, "/portal/dossiers/X/statuses", {"status": 1, "at": "2026-03-01T08:00:00+07:00"}, "k").status_code
        == 201
    )
    assert sim.get("/_effects?service=post").json == {}
    assert sim.get("/registry/people/051085012345").status_code == 200
