"""Where is my dossier: the applicant's simplified timeline, in the main stages a citizen knows
(received, accepted, in processing, papers asked for, result ready, result returned, or how it
ended), drawn from the dossier's status history; no BPMN is shown to citizens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.dossiers.views import DossierView
from engine.forms import Message
from engine.statuses import DossierStatus as S

STAGE_OF = {
    S.SUBMITTED: "submitted",
    S.ACCEPTED: "accepted",
    S.PROCESSING: "processing",
    S.FEE_DUE: "fee_due",
    S.SUPPLEMENT_REQUESTED: "supplement",
    S.FINISHED: "result_ready",
    S.RETURNED: "returned",
    S.REFUSED: "refused",
    S.WITHDRAWN: "withdrawn",
    S.STOPPED: "stopped",
}
LABELS = {
    "submitted": Message("Đã nộp hồ sơ", "Application received"),
    "accepted": Message("Bộ phận một cửa đã tiếp nhận", "Accepted by the one-stop desk"),
    "processing": Message("Đang giải quyết", "In processing"),
    "fee_due": Message("Chờ nộp phí", "Waiting for the fee"),
    "supplement": Message("Yêu cầu bổ sung giấy tờ", "More papers asked for"),
    "result_ready": Message("Đã có kết quả", "Result ready"),
    "returned": Message("Đã trả kết quả", "Result returned"),
    "refused": Message("Từ chối tiếp nhận", "Not accepted"),
    "withdrawn": Message("Đã rút hồ sơ", "Withdrawn"),
    "stopped": Message("Dừng giải quyết", "Processing stopped"),
}
MAIN = ("submitted", "accepted", "processing", "result_ready", "returned")
ENDINGS = frozenset({"refused", "withdrawn", "stopped", "returned"})


@dataclass(frozen=True)
class Stage:
    key: str
    label: Message
    state: str  # done | current | upcoming
    at: datetime | None  # when it was reached (None: not yet)


def stages(view: DossierView) -> list[Stage]:
    """The stages the dossier went through, oldest first (a stage reached twice, as processing
    after papers came, shows twice), the last one current, then the main stages still to come."""
    reached: list[tuple[str, datetime]] = []
    for change in view.timeline:
        key = STAGE_OF.get(S(change.status)) if change.status in S._value2member_map_ else None
        if key and (not reached or reached[-1][0] != key):
            reached.append((key, change.at))
    if not reached:
        reached.append(("submitted", view.submitted_at))
    out = [Stage(k, LABELS[k], "done", at) for k, at in reached[:-1]]
    last, at = reached[-1]
    out.append(Stage(last, LABELS[last], "current", at))
    if last not in ENDINGS:
        # after the furthest main stage reached: what normally comes next
        furthest = max((MAIN.index(k) for k, _at in reached if k in MAIN), default=0)
        out += [Stage(k, LABELS[k], "upcoming", None) for k in MAIN[furthest + 1 :]]
    return out
