"""Dossier statuses: the codes the National Public Service Portal uses."""

from __future__ import annotations

from enum import IntEnum


class DossierStatus(IntEnum):
    SUBMITTED = 1
    ACCEPTED = 2
    REFUSED = 3
    PROCESSING = 4
    SUPPLEMENT_REQUESTED = 5
    FEE_DUE = 6
    WITHDRAWN = 7
    STOPPED = 8
    FINISHED = 9
    RETURNED = 10

    @property
    def label_vi(self) -> str:
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _LABELS[self][1]


_LABELS = {
    DossierStatus.SUBMITTED: ("Mới đăng ký trực tuyến", "Submitted online"),
    DossierStatus.ACCEPTED: ("Đã tiếp nhận", "Accepted"),
    DossierStatus.REFUSED: ("Từ chối tiếp nhận", "Refused"),
    DossierStatus.PROCESSING: ("Đang xử lý", "In processing"),
    DossierStatus.SUPPLEMENT_REQUESTED: ("Yêu cầu bổ sung", "Supplement requested"),
    DossierStatus.FEE_DUE: ("Chờ nộp phí", "Fee due"),
    DossierStatus.WITHDRAWN: ("Công dân rút hồ sơ", "Withdrawn by applicant"),
    DossierStatus.STOPPED: ("Dừng xử lý", "Processing stopped"),
    DossierStatus.FINISHED: ("Đã xử lý xong", "Processing finished"),
    DossierStatus.RETURNED: ("Đã trả kết quả", "Result returned"),
}

FINAL_STATUSES = frozenset(
    {DossierStatus.REFUSED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED, DossierStatus.RETURNED}
)
