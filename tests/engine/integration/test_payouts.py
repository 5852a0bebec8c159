"""The daily check of payouts: the transfers the bank confirmed to our dossiers on a day against the
bank's own report of that day (the real bank simulator), and the `motcua payouts reconcile` command.

The P07 refund helpers here (a dossier waiting for its transfer, handing transfers to the bank,
settling them) are shared with tests/web/test_api.py."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.data.models import OutboxMessage
from engine.integration.outbox import OutboxWorker
from engine.integration.payouts import BankUnavailable, reconcile
from engine.people.officers import Actor, add_user, grant
from tests.engine.integration import test_registry as connected
from tests.helpers import do_task
from web import create_app

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
MOTCUA = os.path.join(os.path.dirname(sys.executable), "motcua")
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
        return subprocess.run([MOTCUA, *args], env=env, capture_output=True, text=True, timeout=120, check=False)

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
