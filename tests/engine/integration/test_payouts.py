"""The daily check of payouts: the transfers the bank confirmed to our dossiers on a day against the
bank's own report of that day (the real bank simulator), and the `motcua payouts reconcile` command.

The P07 refund helpers here (a dossier waiting for its transfer, handing transfers to the bank,
settling them) are shared with tests/web/test_api.py."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from engine.config import Settings
from engine.data.models import OutboxMessage
from engine.forms import FormError
from engine.integration.outbox import OutboxWorker
from engine.integration.payouts import BankUnavailable, confirmed_transfers, reconcile
from engine.people.officers import Actor, add_user, grant
from tests.cli.running import run_motcua
from tests.engine.integration import test_registry as connected
from tests.helpers import do_task
from tests.serving import serving
from web import create_app

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# the simulators served, and the runtime that talks to them
outside, sim, settings = connected.outside, connected.sim, connected.settings

P07_START = {  # workflows/P07.yaml, path payout_bank_rejected
    "applicant_type": "individual",
    "full_name": "Trần Văn Khải",
    "citizen_id": "051099006603",
    "si_code": "5119044728",
    "date_of_birth": "1999-06-21",
    "phone": "0366557120",
    "address": "Thôn Tân An, xã Nghĩa Giang, tỉnh Quảng Ngãi",
    "refund_grounds_kind": "hi_duplicate",
    "refund_period": "từ tháng 10/2026 đến tháng 12/2026",
    "claimed_amount": 315900,
    "payout_method": "atm",
    "bank_account": "3608205117826",
    "bank_name": "Agribank, chi nhánh tỉnh Quảng Ngãi",
    "result_channel": "electronic",
}


@pytest.fixture
def finance(runtime, office) -> Actor:
    with runtime.db.write() as session:
        user = add_user(session, "tuan.taichinh", "Đặng Minh Tuấn")
        grant(session, user, "finance", office.unit)
        actor = Actor.of(user)
    office.by_role["finance"] = actor
    return actor


def approved_refund(runtime, office) -> str:
    code = runtime.dossiers.start("P07", P07_START, Actor.applicant(P07_START["full_name"]))
    do_task(runtime, office, code, "reception_check", decision="accept")
    do_task(
        runtime,
        office,
        code,
        "refund_review",
        payments_checked="true",
        refund_amount="315900",
        decision="approve_request",
    )
    do_task(runtime, office, code, "leader_approval", decision="approve")
    return code


def order_transfers(sim, runtime) -> list[str]:
    """The outbox worker sends the queued transfer orders to the bank; the transfer ids it answered."""
    with runtime.db.read() as session:
        pending = session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.kind == "payout.transfer", OutboxMessage.status == "pending")
        ).all()
    worker = OutboxWorker(runtime.db, runtime.clock, runtime.settings)
    try:
        worker.run_once(batch=500)
    finally:
        worker.close()
    with runtime.db.read() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(pending)).order_by(OutboxMessage.id)
        ).all()
        assert all(row.status == "sent" for row in rows), [(row.status, row.last_error) for row in rows]
        return [row.response["transfer_id"] for row in rows]


def settle(sim, transfer_id, outcome, **extra) -> dict:
    answer = sim.post(f"/bank/transfers/{transfer_id}/settle", {"outcome": outcome, **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture
def product(runtime, sim):
    """The product answering the bank's webhooks at the address the simulators call back."""
    sim.product.app = create_app({"TESTING": True, "SECRET_KEY": "test"}, runtime=runtime)
    return sim


def paid(sim, runtime, office, **settled) -> None:
    """A P07 refund paid by transfer, the bank's confirmation taken by the dossier."""
    approved_refund(runtime, office)
    [transfer] = order_transfers(sim, runtime)
    assert settle(sim, transfer, "confirmed", **settled)["webhook_body"]["message"] == "bank_confirmed"


def today() -> datetime:
    return datetime.now(ZONE)


def test_a_day_whose_transfers_all_reached_us_matches(product, runtime, office, finance):
    paid(product, runtime, office)
    paid(product, runtime, office)
    with runtime.db.read() as session:
        result = reconcile(session, runtime.settings, today().date())
    assert result.matches
    assert (result.ours_count, result.ours_total, result.bank_count, result.bank_total) == (2, 631800, 2, 631800)
    assert result.missing_at_bank == result.missing_here == result.amounts_differ == []


def test_a_confirmation_that_never_reached_us_is_found(product, runtime, office, finance):
    paid(product, runtime, office)
    other = approved_refund(runtime, office)
    [lost] = order_transfers(product, runtime)
    product.product.app = None  # the product is down when the bank settles
    assert settle(product, lost, "confirmed")["webhook_status"] == 503
    with runtime.db.read() as session:
        result = reconcile(session, runtime.settings, today().date())
    assert not result.matches
    assert (result.ours_count, result.bank_count, result.bank_total) == (1, 2, 631800)
    assert [(t.transfer_id, t.dossier_code, t.amount) for t in result.missing_here] == [(lost, other, 315900)]
    assert result.missing_at_bank == []


def test_transfers_count_on_the_day_the_bank_settled_them(product, runtime, office, finance):
    yesterday = today() - timedelta(days=1)
    paid(product, runtime, office, at=yesterday.isoformat())
    paid(product, runtime, office)
    with runtime.db.read() as session:
        before = reconcile(session, runtime.settings, yesterday.date())
        now = reconcile(session, runtime.settings, today().date())
        empty = reconcile(session, runtime.settings, (today() - timedelta(days=30)).date())
    assert before.matches and before.ours_count == 1 and before.bank_count == 1
    assert now.matches and now.ours_count == 1
    assert empty.matches and empty.ours_count == empty.bank_count == 0


def test_a_bank_that_cannot_answer_is_reported(sim, runtime):
    sim.post("/_control", {"service": "bank", "mode": "fail", "count": 1})
    with runtime.db.read() as session, pytest.raises(BankUnavailable) as failed:
        reconcile(session, runtime.settings, today().date())
    assert "could not be read" in failed.value.message.en and "ngân hàng" in failed.value.message.vi


def test_the_command_prints_the_figures_and_fails_on_a_difference(product, runtime, office, finance, database_url):
    paid(product, runtime, office)
    env = {**os.environ, "MOTCUA_DATABASE_URL": database_url, "MOTCUA_BANK_URL": runtime.settings.bank_url}
    day = today().date().isoformat()

    def motcua(*args):
        return run_motcua(args, env)

    ok = motcua("payouts", "reconcile", "--day", day)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines() == [f"{day}: ours 1 transfer(s), 315900 đ; bank 1 transfer(s), 315900 đ", "matches"]

    product.product.app = None
    other = approved_refund(runtime, office)
    [lost] = order_transfers(product, runtime)
    settle(product, lost, "confirmed")
    differs = motcua("payouts", "reconcile", "--day", day)
    assert differs.returncode == 1
    assert f"  reported by the bank, not confirmed here: {lost} {other} 315900 đ" in differs.stdout
    assert differs.stdout.splitlines()[-1] == "DIFFERS"
    assert motcua("payouts", "reconcile", "--day", "yesterday").returncode == 2  # click's usage error


# --- a bank that never answers -------------------------------------------------------------------

# approved on Monday 2 March 2026 at 09:00: two working days later, at the close of Wednesday
SILENCE_ENDS = datetime(2026, 3, 4, 17, 0, tzinfo=ZONE)


def silent_bank(product, runtime, office, clock) -> tuple[str, str]:
    """A P07 refund whose transfer the bank took and never answered for two working days."""
    code = approved_refund(runtime, office)
    [transfer] = order_transfers(product, runtime)
    clock.set(SILENCE_ENDS - timedelta(minutes=1))
    assert runtime.dossiers.fire_due_timers() == 0
    assert runtime.dossiers.open_tasks(code) == []  # waiting for the bank, as it should for now
    clock.set(SILENCE_ENDS)
    assert runtime.dossiers.fire_due_timers() == 1
    return code, transfer


def test_a_bank_silent_for_two_working_days_gives_finance_a_follow_up(product, runtime, office, finance, clock):
    code, transfer = silent_bank(product, runtime, office, clock)

    [task] = runtime.dossiers.open_tasks(code)
    assert (task.element_id, task.role, task.title) == (
        "payout_bank_followup",
        "finance",
        "Kiểm tra lệnh chuyển tiền với ngân hàng",
    )
    assert task.due_at is not None
    assert runtime.dossiers.get(code).status == 9
    assert [e.data for e in runtime.dossiers.history(code) if e.kind == "timer_fired"] == [
        {"element": "bank_wait_gateway"}
    ]

    # the bank is still processing it: finance waits two more working days, then the bank pays
    do_task(runtime, office, code, "payout_bank_followup", decision="wait", note="Ngân hàng: lệnh đang xử lý")
    assert runtime.dossiers.open_tasks(code) == []
    assert settle(product, transfer, "confirmed")["webhook_body"]["message"] == "bank_confirmed"
    assert runtime.dossiers.get(code).status == 10
    assert runtime.dossiers.workflow_data(code)["payout_paid_via"] == "atm"


def test_the_banks_late_answer_while_finance_checks_is_acted_on(product, runtime, office, finance, clock):
    code, transfer = silent_bank(product, runtime, office, clock)
    [check] = runtime.dossiers.open_tasks(code)

    answer = settle(product, transfer, "rejected", reason="Tài khoản đã đóng")

    assert answer["webhook_body"]["message"] == "bank_rejected"
    [task] = runtime.dossiers.open_tasks(code)
    assert task.element_id == "payout_rejected_followup"  # as if the bank had answered in time
    canceled = [e.data for e in runtime.dossiers.history(code) if e.kind == "task_canceled"]
    assert canceled == [{"task": "payout_bank_followup", "task_id": check.id}]


def test_finance_records_the_transfer_paid_with_the_banks_reference(product, runtime, office, finance, clock):
    code, transfer = silent_bank(product, runtime, office, clock)
    [task] = runtime.dossiers.open_tasks(code)
    runtime.dossiers.claim(task.id, finance)

    with pytest.raises(FormError) as refused:
        runtime.dossiers.complete_task(task.id, finance, {"decision": "paid"})
    assert refused.value.errors["bank_reference"].en == "Enter The bank's reference for the transfer"
    assert runtime.dossiers.get(code).status == 9  # nothing changed

    runtime.dossiers.complete_task(task.id, finance, {"decision": "paid", "bank_reference": "AGR-0304-778120"})

    assert runtime.dossiers.get(code).status == 10
    data = runtime.dossiers.workflow_data(code)
    assert (data["payout_outcome"], data["payout_paid_via"], data["bank_reference"]) == (
        "paid",
        "atm",
        "AGR-0304-778120",
    )
    # the bank's confirmation, days late, finds the dossier ended: a note, nothing kept or taken
    late = settle(product, transfer, "confirmed")["webhook_body"]
    assert late["note"] == f"Dossier {code} is not waiting for the message 'bank_confirmed'" and "kept" not in late
    assert [e.data["outcome"] for e in runtime.dossiers.history(code) if e.kind == "bank_update"] == ["confirmed"]


def test_finance_orders_the_transfer_again_to_the_same_account(product, runtime, office, finance, clock):
    code, _first = silent_bank(product, runtime, office, clock)
    do_task(runtime, office, code, "payout_bank_followup", decision="resend", note="Ngân hàng không thấy lệnh")

    [second] = order_transfers(product, runtime)
    with runtime.db.read() as session:
        accounts = session.scalars(
            select(OutboxMessage.payload["account"].as_string())
            .where(OutboxMessage.kind == "payout.transfer")
            .order_by(OutboxMessage.id)
        ).all()
    assert accounts == ["3608205117826", "3608205117826"]
    assert settle(product, second, "confirmed")["webhook_body"]["message"] == "bank_confirmed"
    assert runtime.dossiers.get(code).status == 10


# --- amounts that are not a whole number of đồng, and one day read by its index -------------------


def test_a_confirmation_typed_with_an_unreadable_amount_is_reported_not_read_as_zero(product, runtime, office, finance):
    code = approved_refund(runtime, office)
    [transfer] = order_transfers(product, runtime)
    # typed by hand (the bank's own webhook with such an amount is refused: tests/web/test_api.py)
    typed = {"transfer_id": transfer, "amount": "ba trăm", "at": today().isoformat()}
    runtime.dossiers.deliver_message(code, "bank_confirmed", typed, finance)
    settle(product, transfer, "confirmed")  # the bank's report lists it with its real amount

    with runtime.db.read() as session:
        result = reconcile(session, runtime.settings, today().date())

    assert not result.matches
    assert [(t.transfer_id, t.dossier_code, t.amount) for t in result.unreadable] == [(transfer, code, None)]
    assert result.amounts_differ == []  # no "ours 0 đ": the amount is unknown, not zero
    assert (result.ours_count, result.bank_count, result.bank_total) == (1, 1, 315900)


def report_of(transfers: list[dict]):
    """A bank answering one daily report, for what the simulator never sends: a malformed amount."""

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"transfers": transfers}).encode()]

    return app


def test_a_bank_report_with_an_amount_that_is_no_whole_number_is_refused(runtime):
    for amount in ["315.900,5", "abc", -5, 315900.5, None, True]:
        listed = [{"transfer_id": "T-1", "dossier_code": "X", "amount": 1000}, {"transfer_id": "T-2", "amount": amount}]
        with serving(report_of(listed)) as url:
            settings = Settings(**{**runtime.settings.__dict__, "bank_url": url})
            with runtime.db.read() as session, pytest.raises(BankUnavailable) as refused:
                reconcile(session, settings, today().date())
        assert "transfer T-2" in refused.value.message.en, amount
        assert "not a whole number of đồng" in refused.value.message.en, amount
        assert "giao dịch T-2" in refused.value.message.vi, amount


def test_a_day_is_read_by_the_index_on_the_settlement_time(product, runtime, office, finance):
    paid(product, runtime, office)
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    engine = runtime.db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        with runtime.db.read() as session:
            confirmed_transfers(session, today().date(), ZONE)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    [(statement, parameters)] = [(s, p) for s, p in statements if "confirmed_transfers" in s]
    with engine.connect() as conn:
        if runtime.db.is_sqlite:
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
        else:  # on a table this small PostgreSQL would rather read it all: ask whether it can use the index
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = " ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
    assert "ix_confirmed_transfers_settled_at" in plan, plan
