"""Messages from outside systems that come before the step waiting for them are kept and taken when
the dossier gets there, once; those no step will take are dropped with a note when it ends; and the
applicant's own messages are still answered at once. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.data.models import Event, KeptMessage
from engine.dossiers.service import Delivery
from engine.errors import NotWaitingForMessage
from engine.people.officers import Actor
from engine.statuses import DossierStatus
from tests.helpers import P02_APPLICATION, do_task, open_task, review_p02

POST = Actor("Bưu điện", None, "system")
ADDRESS = "12 Lê Lợi, phường Nghĩa Chánh, Quảng Ngãi"


def approved_for_post(runtime, office) -> str:
    """A P02 dossier approved, its result to go by post: the desk's dispatch task is open."""
    code = runtime.dossiers.start(
        "P02",
        {**P02_APPLICATION, "result_channel": "post", "delivery_address": ADDRESS},
        Actor.applicant("Nguyễn Văn An"),
    )
    do_task(runtime, office, code, "reception_check", decision="accept")
    review_p02(runtime, office, code)
    do_task(runtime, office, code, "leader_approval", decision="approve")
    assert open_task(runtime, code, "postal_dispatch")
    return code


def history(runtime, code) -> list[tuple[str, str | None]]:
    """The message events of the history, in order: (kind, message)."""
    return [
        (e.kind, e.data.get("message"))
        for e in runtime.dossiers.history(code)
        if e.kind in ("message_received", "message_kept", "message_dropped")
    ]


def kept_rows(runtime) -> int:
    with runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(KeptMessage))


def test_a_delivery_reported_before_the_dispatch_is_taken_when_the_desk_records_it(runtime, office):
    code = approved_for_post(runtime, office)

    delivery = runtime.dossiers.deliver_message(
        code, "postal_delivered", {"waybill": "EB510234176VN"}, POST, keep_if_early=True
    )

    assert delivery == Delivery.KEPT
    dossier = runtime.dossiers.get(code)
    assert (dossier.status, dossier.kept_messages, dossier.finished_at) == (DossierStatus.FINISHED, 1, None)
    assert history(runtime, code) == [("message_kept", "postal_delivered")]

    do_task(runtime, office, code, "postal_dispatch", waybill="EB510234176VN")

    dossier = runtime.dossiers.get(code)
    assert dossier.status == DossierStatus.RETURNED and dossier.finished_at is not None
    assert dossier.kept_messages == 0 and kept_rows(runtime) == 0
    assert runtime.dossiers.open_tasks(code) == []
    assert history(runtime, code) == [("message_kept", "postal_delivered"), ("message_received", "postal_delivered")]
    [taken] = [e for e in runtime.dossiers.history(code) if e.kind == "message_received"]
    assert taken.actor == "Bưu điện" and taken.data["payload"] == {"waybill": "EB510234176VN"}
    assert taken.data["kept_since"]  # when it came, for the history in words
    # taken in the same advance as the dispatch, after it
    kinds = [e.kind for e in runtime.dossiers.history(code)]
    assert kinds.index("message_received") > max(i for i, k in enumerate(kinds) if k == "task_completed")


def test_kept_messages_are_taken_oldest_first_and_what_is_left_is_dropped_when_the_dossier_ends(runtime, office):
    code = approved_for_post(runtime, office)
    for name in ("postal_failed", "postal_delivered"):  # the post's news, both before the dispatch
        runtime.dossiers.deliver_message(code, name, {"waybill": "EB510234176VN"}, POST, keep_if_early=True)
    assert runtime.dossiers.get(code).kept_messages == 2

    do_task(runtime, office, code, "postal_dispatch", waybill="EB510234176VN")
    # the older one is taken: the desk follows the failed delivery up; the other waits on
    assert open_task(runtime, code, "delivery_failed_followup")
    assert runtime.dossiers.get(code).kept_messages == 1

    do_task(runtime, office, code, "delivery_failed_followup", decision="counter")
    do_task(runtime, office, code, "counter_handover", receiver_name="Nguyễn Văn An")

    dossier = runtime.dossiers.get(code)
    assert dossier.status == DossierStatus.RETURNED and dossier.finished_at is not None
    assert dossier.kept_messages == 0 and kept_rows(runtime) == 0  # nothing piles up
    assert history(runtime, code) == [
        ("message_kept", "postal_failed"),
        ("message_kept", "postal_delivered"),
        ("message_received", "postal_failed"),
        ("message_dropped", "postal_delivered"),
    ]


def test_a_message_the_procedure_never_waits_for_or_a_finished_dossier_is_refused_not_kept(runtime, office):
    code = approved_for_post(runtime, office)
    with pytest.raises(NotWaitingForMessage, match="not waiting for the message 'bank_confirmed'"):
        runtime.dossiers.deliver_message(code, "bank_confirmed", {"transfer_id": "T1"}, POST, keep_if_early=True)

    do_task(runtime, office, code, "postal_dispatch", waybill="EB510234176VN")
    runtime.dossiers.deliver_message(code, "postal_delivered", {}, POST, keep_if_early=True)
    assert runtime.dossiers.get(code).finished_at is not None
    with pytest.raises(NotWaitingForMessage, match="not waiting for the message 'postal_delivered'"):
        runtime.dossiers.deliver_message(code, "postal_delivered", {}, POST, keep_if_early=True)
    assert kept_rows(runtime) == 0
    assert history(runtime, code) == [("message_received", "postal_delivered")]


def test_without_keep_if_early_a_message_is_refused_as_before(runtime, office):
    """The applicant's own messages (a supplement, a withdrawal) are answered at once: they can act
    on the refusal, and papers sent unasked must not answer a later request by themselves."""
    code = approved_for_post(runtime, office)
    with pytest.raises(NotWaitingForMessage):
        runtime.dossiers.deliver_message(code, "postal_delivered", {}, POST)
    with pytest.raises(NotWaitingForMessage):
        runtime.dossiers.deliver_message(code, "supplement_received", {}, Actor.applicant("Nguyễn Văn An"))
    assert kept_rows(runtime) == 0 and runtime.dossiers.get(code).kept_messages == 0
    with runtime.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Event).where(Event.kind == "message_kept")) == 0
