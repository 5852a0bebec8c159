"""What the events of a dossier's history mean, in one place: each event in plain words (both
languages) for the officers' history page and `motcua dossier show`, and the facts other parts
read out of the history (the papers asked for, a refusal), found by the purpose of the task that
was completed (procedure metadata), never by a diagram's element id."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from engine.forms import Message
from engine.statuses import DossierStatus
from engine.workflow.metadata import RECEPTION, ProcedureMeta


class EventLike(Protocol):
    """An event row (engine.data.models.Event) or anything with the same fields."""

    at: datetime
    actor: str
    kind: str
    data: dict[str, Any] | None


@dataclass(frozen=True)
class SupplementAsked:
    at: datetime
    by: str
    missing: str
    reason: str

    @property
    def papers(self) -> list[str]:
        """The papers asked for, one per item."""
        return papers_list(self.missing)


def papers_list(text: str) -> list[str]:
    """An officer's list of missing papers, written one per line or separated by ';', as items."""
    return [item.strip(" \t-•*") for item in re.split(r"[;\n]", text or "") if item.strip(" \t-•*")]


def supplement_asked(meta: ProcedureMeta, event: EventLike) -> SupplementAsked | None:
    """The papers an event asks the applicant for: the desk's check deciding `supplement` at
    reception, or the written request during processing."""
    if event.kind != "task_completed":
        return None
    data = event.data or {}
    purpose, values = meta.purpose_of(data.get("task")), data.get("data") or {}
    if purpose == "intake" and values.get("decision") == "supplement":
        reason = values.get("note")
    elif purpose == "supplement_request":
        reason = values.get("reason")
    else:
        return None
    return SupplementAsked(event.at, event.actor, values.get("missing_documents") or "", reason or "")


def refusal_reason(meta: ProcedureMeta, event: EventLike) -> str | None:
    """Why the desk refused the dossier, if this event is that refusal."""
    if reception_decision(meta, event, "refuse"):
        return ((event.data or {}).get("data") or {}).get("refusal_reason") or ""
    return None


def reception_decision(meta: ProcedureMeta, event: EventLike, decision: str) -> bool:
    """Whether this event is the desk's reception check ending in `decision` (accept, refuse)."""
    data = event.data or {}
    return (
        event.kind == "task_completed"
        and meta.purpose_of(data.get("task")) in RECEPTION
        and (data.get("data") or {}).get("decision") == decision
    )


# messages from outside, as the history names them
MESSAGES = {
    "supplement_received": Message("hồ sơ bổ sung của người nộp hồ sơ", "the applicant's supplement"),
    "withdrawal_requested": Message("yêu cầu rút hồ sơ của người nộp hồ sơ", "the applicant's withdrawal request"),
    "postal_delivered": Message("thông báo của bưu điện: đã phát thành công", "the post office: delivered"),
    "postal_failed": Message("thông báo của bưu điện: phát không thành công", "the post office: delivery failed"),
    "bank_confirmed": Message("thông báo của ngân hàng: chuyển khoản thành công", "the bank: transfer confirmed"),
    "bank_rejected": Message("thông báo của ngân hàng: chuyển khoản bị từ chối", "the bank: transfer rejected"),
    "cash_paid": Message("thông báo của bưu điện: đã thu tiền mặt", "the post office: paid in cash"),
}
# what the post says of a shipment (engine/integration/inbound.py POSTAL_MESSAGES), in words
POSTAL_STATUSES = {
    "picked_up": Message("đã nhận bưu gửi từ cơ quan BHXH", "picked up the parcel from the office"),
    "in_transit": Message("bưu gửi đang được vận chuyển", "the parcel is on its way"),
    "delivered": Message("đã phát thành công cho người nhận", "delivered to the addressee"),
    "failed": Message("phát không thành công", "could not deliver"),
    "returned": Message("bưu gửi bị chuyển hoàn", "the parcel was sent back"),
}
# what the bank says of a transfer (BANK_MESSAGES), in words
BANK_OUTCOMES = {
    "confirmed": Message("chuyển khoản thành công", "the transfer went through"),
    "rejected": Message("chuyển khoản bị từ chối", "the transfer was rejected"),
}


def describe(
    meta: ProcedureMeta | None, event: EventLike, zone: ZoneInfo, titles: Mapping[int, str] | None = None
) -> Message:
    """One event of the history in plain words. `titles` names tasks by their row id (the title the
    officers saw); times are shown in the office's time zone `zone`."""
    kind, data = event.kind, event.data or {}
    task = (titles or {}).get(data.get("task_id")) or data.get("task") or ""

    def when(name: str) -> str:
        text = data.get(name)
        return datetime.fromisoformat(text).astimezone(zone).strftime("%d/%m/%Y %H:%M") if text else ""

    if kind == "submitted":
        n = len(data.get("documents") or [])
        if data.get("channel") == "counter":
            return Message(
                f"Tiếp nhận hồ sơ giấy tại quầy một cửa kèm {n} giấy tờ",
                f"Paper dossier registered at the one-stop counter with {n} document(s)",
            )
        if data.get("channel") == "post_agent":
            return Message(
                f"Nhận hồ sơ giấy tại điểm thu gom bưu điện kèm {n} giấy tờ",
                f"Paper dossier handed in at a post office collection point with {n} document(s)",
            )
        return Message(f"Nộp hồ sơ kèm {n} giấy tờ", f"Dossier submitted with {n} document(s)")
    if kind == "status_changed":
        status = DossierStatus(int(data["new"]))
        return Message(f"Chuyển trạng thái: {status.label_vi}", f"Status changed to: {status.label_en}")
    if kind == "task_claimed":
        return Message(f"Nhận xử lý công việc “{task}”", f"Claimed the task “{task}”")
    if kind == "task_unclaimed":
        return Message(f"Trả lại công việc “{task}”", f"Released the task “{task}”")
    if kind == "task_reassigned":
        to = data.get("to") or "?"
        return Message(f"Giao lại công việc “{task}” cho {to}", f"Gave the task “{task}” to {to}")
    if kind == "task_completed":
        values = data.get("data") or {}
        decision = _decision(meta, data.get("task"), values.get("decision"))
        written = _written(meta, data.get("task"), values)
        if decision:
            return Message(
                f"Hoàn thành công việc “{task}”: {decision.vi}{written.vi}",
                f"Completed the task “{task}”: {decision.en}{written.en}",
            )
        return Message(f"Hoàn thành công việc “{task}”{written.vi}", f"Completed the task “{task}”{written.en}")
    if kind == "task_canceled":
        return Message(
            f"Công việc “{task}” đã bị hủy: hồ sơ đã chuyển sang bước xử lý khác",
            f"The task “{task}” was canceled: the dossier moved on",
        )
    if kind in ("message_received", "message_kept", "message_dropped"):
        name = data.get("message") or ""
        what = MESSAGES.get(name, Message(name, name))
        since = when("kept_since")
        if kind == "message_kept":
            return Message(
                f"Đã nhận {what.vi} trước bước chờ thông báo này: lưu lại, xử lý khi hồ sơ đến bước đó",
                f"Received {what.en} before the step that waits for it: kept until the dossier gets there",
            )
        if kind == "message_dropped":
            return Message(
                f"Hồ sơ đã kết thúc mà không đến bước chờ {what.vi} (nhận lúc {since}): không xử lý",
                f"The dossier ended without reaching a step waiting for {what.en} (received {since}): not acted on",
            )
        if since:
            return Message(f"Đã xử lý {what.vi} (nhận lúc {since})", f"Acted on {what.en} (received {since})")
        return Message(f"Đã nhận {what.vi}", f"Received {what.en}")
    if kind == "clock_paused":
        return Message(
            "Tạm dừng tính thời hạn giải quyết trong thời gian chờ người nộp hồ sơ",
            "Time limit stopped while waiting for the applicant",
        )
    if kind == "clock_resumed":
        at = when("appointment_at")
        return Message(
            f"Tiếp tục tính thời hạn giải quyết; ngày hẹn trả kết quả mới: {at}",
            f"Time limit running again; new appointment {at}",
        )
    if kind == "appointment_moved":
        at, day = when("appointment_at"), data.get("day") or ""
        shown = f"{day[8:10]}/{day[5:7]}/{day[:4]}" if len(day) == 10 else day
        return Message(
            f"Cơ quan thay đổi lịch làm việc ngày {shown}; ngày hẹn trả kết quả mới: {at}",
            f"The office's calendar changed for {shown}; new appointment {at}",
        )
    if kind == "appointment_set":
        at = when("appointment_at")
        return Message(f"Đã hẹn trả kết quả: {at}", f"Appointment for the result set: {at}")
    if kind == "timer_fired":
        what = data.get("element") or ""
        return Message(f"Hết thời gian chờ ({what})", f"A waiting time ran out ({what})")
    if kind == "late_detected":
        return Message(
            "Hồ sơ sẽ trễ hẹn trả kết quả: cần gửi văn bản xin lỗi",
            "The dossier will miss its appointment: an apology letter is to be sent",
        )
    if kind == "apology_issued":
        at = when("appointment_at")
        return Message(f"Đã gửi văn bản xin lỗi; ngày hẹn trả kết quả mới: {at}", f"Apology sent; new appointment {at}")
    if kind == "version_moved":
        old, new, by = data.get("from_version"), data.get("to_version"), data.get("by") or event.actor
        return Message(
            f"Chuyển từ phiên bản v{old} sang v{new} của quy trình, do {by} thực hiện",
            f"Moved from v{old} to v{new} by {by}",
        )
    if kind == "finished":
        return Message("Kết thúc xử lý hồ sơ", "Processing of the dossier ended")
    waybill, transfer = data.get("waybill") or "?", data.get("transfer_id") or "?"
    if kind == "postal_tracking":
        status = data.get("status") or ""
        said = POSTAL_STATUSES.get(status, Message(status, status))
        why = data.get("reason")
        because = Message(f" — lý do: {why}", f" — reason: {why}") if why and why != status else Message("", "")
        return Message(
            f"Bưu điện báo: {said.vi}{because.vi} (số hiệu bưu gửi {waybill})",
            f"The post office reports: {said.en}{because.en} (waybill {waybill})",
        )
    if kind == "received_by_post":
        return Message(
            f"Tiếp nhận hồ sơ giấy qua bưu chính (số hiệu bưu gửi {waybill})",
            f"Paper dossier received through the post (waybill {waybill})",
        )
    if kind == "bank_update":
        outcome = data.get("outcome") or ""
        said = BANK_OUTCOMES.get(outcome, Message(outcome, outcome))
        return Message(
            f"Ngân hàng báo: {said.vi} (giao dịch {transfer})", f"The bank reports: {said.en} (transfer {transfer})"
        )
    if kind == "postal_order_placed":
        return Message(
            f"Đã đặt dịch vụ bưu chính chuyển phát kết quả (số hiệu bưu gửi {waybill})",
            f"Shipment ordered from the post office (waybill {waybill})",
        )
    if kind == "transfer_ordered":
        return Message(
            f"Đã lập lệnh chuyển khoản qua ngân hàng (giao dịch {transfer})",
            f"Transfer ordered from the bank (transfer {transfer})",
        )
    if kind == "incident_opened":
        element = data.get("element_name") or data.get("element") or "?"
        return Message(
            f"Sự cố #{data.get('incident')} ở bước “{element}”: {data.get('error')}",
            f"Incident #{data.get('incident')} at the step “{element}”: {data.get('error')}",
        )
    if kind == "incident_resolved":
        number = data.get("incident")
        return Message(f"Sự cố #{number} đã được giải quyết", f"Incident #{number} resolved")
    return Message(kind, kind)


def with_notes(meta: ProcedureMeta | None, events: Sequence[EventLike]) -> list[EventLike]:
    """The completed steps in which the officer wrote something (a reason, a comment), oldest first:
    what the task page shows the officer who takes the dossier on."""
    return [
        e
        for e in events
        if e.kind == "task_completed"
        and _written(meta, (e.data or {}).get("task"), (e.data or {}).get("data") or {}).vi
    ]


def _written(meta: ProcedureMeta | None, task_id: str | None, values: Mapping[str, Any]) -> Message:
    """What the officer wrote in the step's text boxes (a send-back's reason, a leader's comment), each
    after its label: the officer who gets the dossier back reads why in the history."""
    fields = [f for f in (meta.tasks.get(task_id or "", ()) if meta else ()) if f.type == "text"]
    said = [(f.label, str(values[f.name]).strip()) for f in fields if str(values.get(f.name) or "").strip()]
    if not said:
        return Message("", "")
    return Message(
        " — " + "; ".join(f"{label.vi}: {text}" for label, text in said),
        " — " + "; ".join(f"{label.en}: {text}" for label, text in said),
    )


def _decision(meta: ProcedureMeta | None, task_id: str | None, decision: Any) -> Message | None:
    """The label of the decision an officer chose, from the task's form."""
    if meta is None or decision is None:
        return None
    for f in meta.tasks.get(task_id or "", ()):
        if f.name == "decision":
            return next((c.label for c in f.choices if c.value == decision), None)
    return None
