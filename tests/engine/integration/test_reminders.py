"""Health-insurance card renewal reminders: a P03 dossier's card_issue task records the card; a
month before it expires the holder gets one SMS / e-mail (never two, whoever runs the job and how
often), a renewed card gets its own, and the text names the card and the day in Vietnamese."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from click.testing import CliRunner
from sqlalchemy import select, update

from cli.main import _Context, cli
from engine.data.models import Dossier, HealthInsuranceCard, OutboxMessage
from engine.design.simulation import apply_step
from engine.integration.outbox import OutboxWorker
from engine.integration.reminders import queue_renewal_reminders
from engine.people.officers import Actor
from tests.engine.integration.test_outbox import drain, pointed_at, serve_simulators

HAPPY = "happy"  # P03's declared path: Nguyễn Văn Minh's household card, valid to 2027-12-21
CARD = "GD4515107045521"
PHONE, EMAIL = "0905664128", "minhnv74@gmail.com"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def office_time(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE)


def issue_card(
    runtime,
    catalogue,
    officers,
    valid_from: str | None = None,
    valid_to: str | None = None,
    withdrawn_before_signing: bool = False,
) -> str:
    """Run P03's happy path, optionally with other card dates or withdrawn once the card is
    printed (before the leader signs it); the dossier's code."""
    path = catalogue.procedures["P03"].meta.paths[HAPPY]
    code = runtime.dossiers.start("P03", path.start, Actor.applicant(path.start["full_name"]))
    for number, step in enumerate(path.steps, 1):
        if step.target == "collect_review" and valid_from:
            step = dataclasses.replace(step, data={**step.data, "card_valid_from": valid_from})
        if step.target == "card_issue" and valid_to:
            step = dataclasses.replace(step, data={**step.data, "card_valid_to": valid_to})
        if step.target == "leader_approval" and withdrawn_before_signing:
            runtime.dossiers.deliver_message(
                code, "withdrawal_requested", {"reason": "Đã có việc làm"}, Actor.applicant(path.start["full_name"])
            )
            assert runtime.dossiers.get(code).status == 7
            return code
        apply_step(runtime, runtime.clock, code, step, officers, number)
    assert runtime.dossiers.get(code).status == 10
    return code


def remind(runtime) -> int:
    return queue_renewal_reminders(runtime.db, runtime.clock, runtime.settings)


def reminders(runtime) -> list[OutboxMessage]:
    with runtime.db.read() as session:
        return session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "notify.hi_renewal").order_by(OutboxMessage.id)
        ).all()


def cards(runtime) -> list[tuple]:
    with runtime.db.read() as session:
        return [
            tuple(r)
            for r in session.execute(
                select(
                    Dossier.code,
                    HealthInsuranceCard.card_number,
                    HealthInsuranceCard.valid_to,
                    HealthInsuranceCard.reminded_for,
                )
                .join(Dossier, Dossier.id == HealthInsuranceCard.dossier_id)
                .order_by(HealthInsuranceCard.id)
            )
        ]


def dossier_id(runtime, code: str) -> int:
    with runtime.db.read() as session:
        return session.scalar(select(Dossier.id).where(Dossier.code == code))


def test_one_reminder_a_month_before_the_card_expires_however_often_the_job_runs(runtime, catalogue, officers, clock):
    code = issue_card(runtime, catalogue, officers)
    assert cards(runtime) == [(code, CARD, date(2027, 12, 21), None)]

    clock.set(office_time(date(2027, 11, 20)))  # 31 days before: not yet
    assert remind(runtime) == 0
    assert reminders(runtime) == []

    clock.set(office_time(date(2027, 11, 22)))  # 29 days before
    assert remind(runtime) == 1
    assert remind(runtime) == 0
    [message] = reminders(runtime)
    assert message.idempotency_key == f"notify.hi_renewal:{dossier_id(runtime, code)}:{CARD}:2027-12-21"
    assert message.payload == {"dossier_code": code, "card_number": CARD, "valid_to": "2027-12-21"}
    assert message.status == "pending"
    assert cards(runtime) == [(code, CARD, date(2027, 12, 21), date(2027, 12, 21))]

    # a job that read the card before another one's commit: the key is taken, nothing more is queued
    with runtime.db.write() as session:
        session.execute(update(HealthInsuranceCard).values(reminded_for=None))
    assert remind(runtime) == 0
    assert len(reminders(runtime)) == 1
    assert cards(runtime)[0][3] == date(2027, 12, 21)

    clock.set(office_time(date(2027, 12, 22)))  # expired: nothing to renew any more
    assert remind(runtime) == 0


def test_two_jobs_at_once_queue_one_reminder(runtime, catalogue, officers, clock):
    issue_card(runtime, catalogue, officers)
    clock.set(office_time(date(2027, 11, 22)))
    barrier = threading.Barrier(2)

    def job() -> int:
        barrier.wait()
        return remind(runtime)

    with ThreadPoolExecutor(2) as pool:
        counts = [f.result() for f in [pool.submit(job) for _ in range(2)]]  # an error in a job is raised here
    assert sorted(counts) == [0, 1]
    assert len(reminders(runtime)) == 1


def test_a_renewed_card_gets_its_own_reminder(runtime, catalogue, officers, clock):
    first = issue_card(runtime, catalogue, officers)
    clock.set(office_time(date(2027, 11, 22)))
    assert remind(runtime) == 1

    # the household pays for another year: a new dossier, the same card number, a later expiry
    second = issue_card(runtime, catalogue, officers, valid_from="2027-12-22", valid_to="2028-12-21")
    assert remind(runtime) == 0
    clock.set(office_time(date(2028, 11, 22)))
    assert remind(runtime) == 1
    assert remind(runtime) == 0
    assert [(m.payload["dossier_code"], m.payload["valid_to"]) for m in reminders(runtime)] == [
        (first, "2027-12-21"),
        (second, "2028-12-21"),
    ]


def test_a_card_renewed_before_its_reminder_is_not_reminded_about(runtime, catalogue, officers, clock):
    issue_card(runtime, catalogue, officers)
    second = issue_card(runtime, catalogue, officers, valid_from="2027-12-22", valid_to="2028-12-21")
    clock.set(office_time(date(2027, 11, 22)))
    assert remind(runtime) == 0
    clock.set(office_time(date(2028, 11, 22)))
    assert remind(runtime) == 1
    assert [m.payload["dossier_code"] for m in reminders(runtime)] == [second]


def test_a_card_never_signed_gets_no_reminder_and_does_not_count_as_a_renewal(runtime, catalogue, officers, clock):
    first = issue_card(runtime, catalogue, officers)
    withdrawn = issue_card(
        runtime, catalogue, officers, valid_from="2027-12-22", valid_to="2028-12-21", withdrawn_before_signing=True
    )
    assert [c[:3] for c in cards(runtime)] == [(first, CARD, date(2027, 12, 21)), (withdrawn, CARD, date(2028, 12, 21))]
    clock.set(office_time(date(2027, 11, 22)))
    assert remind(runtime) == 1
    clock.set(office_time(date(2028, 11, 22)))
    assert remind(runtime) == 0
    assert [m.payload["dossier_code"] for m in reminders(runtime)] == [first]


def test_the_holder_receives_the_card_number_and_expiry_date_in_vietnamese(runtime, catalogue, officers, clock):
    code = issue_card(runtime, catalogue, officers)
    clock.set(office_time(date(2027, 11, 22)))
    assert remind(runtime) == 1

    with serve_simulators() as base, httpx.Client(base_url=base) as sim:
        worker = OutboxWorker(runtime.db, runtime.clock, pointed_at(runtime.settings, base))
        try:
            drain(worker)
        finally:
            worker.close()
        [reminder] = reminders(runtime)
        assert reminder.status == "sent"
        [sms] = [m for m in sim.get("/notify/messages", params={"to": PHONE}).json() if CARD in m["text"]]
        [mail] = [m for m in sim.get("/notify/messages", params={"to": EMAIL}).json() if CARD in m["text"]]
    assert sms["text"] == (
        f"BHXH: Thẻ BHYT số {CARD} của Nguyễn Văn Minh hết giá trị sử dụng ngày 21/12/2027. "
        f"Gia hạn trực tuyến trên Cổng Dịch vụ công hoặc tại Bộ phận tiếp nhận và trả kết quả (hồ sơ {code})."
    )
    assert mail["subject"] == f"Thẻ BHYT {CARD} sắp hết hạn"
    assert mail["text"] == sms["text"]


def test_the_command_queues_reminders_for_cards_expiring_within_the_days_given(runtime, catalogue, officers):
    # the command runs on the real clock: a card that expires ten days from today
    in_ten_days = datetime.now(ZONE).date() + timedelta(days=10)
    issue_card(runtime, catalogue, officers, valid_to=in_ten_days.isoformat())
    env = {"MOTCUA_DATABASE_URL": runtime.settings.database_url}

    def motcua(*args: str) -> str:
        result = CliRunner().invoke(cli, args, obj=_Context(), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    assert motcua("reminders", "run", "--days", "5") == "0 renewal reminder(s) queued\n"
    assert motcua("reminders", "run") == "1 renewal reminder(s) queued\n"
    assert motcua("reminders", "run") == "0 renewal reminder(s) queued\n"
    assert [m.payload["valid_to"] for m in reminders(runtime)] == [in_ten_days.isoformat()]
