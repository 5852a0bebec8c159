"""The dashboard and the index as tables (`Sheet`s), and those tables as CSV or XLSX (openpyxl).
The web page, its downloads and `motcua report figures` all read the same tables."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from engine.forms import Message

from .dashboard import Dashboard, share
from .index766 import Index766, Input  # noqa: F401 (Input: what an inputs cell holds)

M = Message
# the cohort's figures, in the order shown: (attribute of Cohort, label)
RECEIVED = (
    ("received", M("Hồ sơ tiếp nhận", "Dossiers received")),
    ("online", M("trực tuyến", "online")),
    ("counter", M("tại bộ phận một cửa", "at the counter")),
    ("post", M("qua bưu chính", "by post")),
)
OUTCOMES = (
    ("early", M("Giải quyết trước hạn", "Finished early")),
    ("on_time", M("Giải quyết đúng hạn", "Finished on time")),
    ("late", M("Giải quyết quá hạn", "Finished late")),
    ("in_progress_within", M("Đang giải quyết trong hạn", "In progress within the limit")),
    ("in_progress_past", M("Đang giải quyết quá hạn", "In progress past the limit")),
    ("withdrawn", M("Công dân rút hồ sơ", "Withdrawn")),
    ("refused", M("Từ chối tiếp nhận", "Refused at reception")),
    ("stopped", M("Dừng xử lý", "Processing stopped")),
)
RESULTS = (
    ("result_electronic", M("Trả kết quả điện tử", "Result returned electronically")),
    ("result_post", M("Trả kết quả qua bưu chính", "Result returned by post")),
    ("result_counter", M("Trả kết quả tại bộ phận một cửa", "Result returned at the counter")),
)
PAYOUTS = (
    ("cashless", M("Chi trả không dùng tiền mặt", "Paid cashless")),
    ("cash", M("Chi trả tiền mặt", "Paid in cash")),
)
AGES = {
    "0-5": M("0–5 ngày", "0–5 days"),
    "6-10": M("6–10 ngày", "6–10 days"),
    "11-20": M("11–20 ngày", "11–20 days"),
    "21-30": M("21–30 ngày", "21–30 days"),
    "30+": M("trên 30 ngày", "over 30 days"),
}
NO_ONE = M("(chưa ai nhận)", "(not claimed)")
NOT_MEASURED = M("chưa đo được", "not measured yet")
NO_DATA = M("chưa có hồ sơ", "no dossiers")
OFFICE = M("Toàn cơ quan", "Whole office")
ITEM, COUNT, SHARE = M("Chỉ tiêu", "Figure"), M("Số lượng", "Count"), M("Tỷ lệ (%)", "Share (%)")


@dataclass(frozen=True)
class Sheet:
    key: str
    title: Message
    header: tuple[Message, ...]
    rows: list[tuple[Any, ...]]  # cells: str, int, float, None, or a Message


def percent(part: int, whole: int) -> float | None:
    s = share(part, whole)
    return None if s is None else round(100 * s, 1)


def dashboard_sheets(d: Dashboard) -> list[Sheet]:
    c, p = d.cohort, d.payouts
    trend_header = (
        M("Từ ngày", "From"),
        M("Tiếp nhận", "Received"),
        M("Giải quyết xong", "Finished"),
        M("trong đó quá hạn", "of which late"),
    )
    return [
        Sheet(
            "received",
            M("Tiếp nhận và kết quả giải quyết", "Received and what became of them"),
            (ITEM, COUNT, SHARE),
            [(label, getattr(c, key), percent(getattr(c, key), c.received)) for key, label in RECEIVED + OUTCOMES],
        ),
        Sheet(
            "results",
            M("Hình thức trả kết quả", "How results were returned"),
            (ITEM, COUNT, SHARE),
            [(label, getattr(c, key), percent(getattr(c, key), c.results)) for key, label in RESULTS],
        ),
        Sheet(
            "payouts",
            M("Chi trả chế độ trong kỳ", "Benefits paid in the period"),
            (ITEM, COUNT, SHARE),
            [(label, getattr(p, key), percent(getattr(p, key), p.total)) for key, label in PAYOUTS],
        ),
        Sheet(
            "backlog_age",
            M("Hồ sơ đang giải quyết theo thời gian đã nộp", "Dossiers in progress by age"),
            (M("Đã nộp", "Submitted"), COUNT),
            [(AGES[x.key], x.count) for x in d.backlog_by_age],
        ),
        Sheet(
            "backlog_step",
            M("Việc đang chờ theo bước", "Open tasks by step"),
            (M("Bước", "Step"), M("Mã bước", "Step id"), COUNT),
            [(x.label, x.key, x.count) for x in d.backlog_by_step],
        ),
        Sheet(
            "overdue_unit",
            M("Hồ sơ quá hạn theo đơn vị", "Overdue dossiers by unit"),
            (M("Đơn vị", "Unit"), COUNT),
            [(x.label, x.count) for x in d.overdue_by_unit],
        ),
        Sheet(
            "overdue_procedure",
            M("Hồ sơ quá hạn theo thủ tục", "Overdue dossiers by procedure"),
            (M("Thủ tục", "Procedure"), COUNT),
            [(x.label, x.count) for x in d.overdue_by_procedure],
        ),
        Sheet(
            "overdue_officer",
            M("Việc quá hạn theo cán bộ", "Overdue tasks by officer"),
            (M("Cán bộ", "Officer"), COUNT),
            [(x.label if x.key else NO_ONE, x.count) for x in d.overdue_by_officer],
        ),
        Sheet(
            "weeks",
            M("Theo tuần", "By week"),
            trend_header,
            [(t.start.isoformat(), t.received, t.finished, t.late) for t in d.weeks],
        ),
        Sheet(
            "months",
            M("Theo tháng", "By month"),
            trend_header,
            [(t.start.isoformat()[:7], t.received, t.finished, t.late) for t in d.months],
        ),
    ]


def index_sheets(ix: Index766) -> list[Sheet]:
    rows = []
    for scored in (ix.office, *ix.by_procedure):
        scope = scored.scope or OFFICE
        for group in scored.groups:
            for i in group.indicators:
                points = i.points if i.points is not None else (NOT_MEASURED if not i.measurable else NO_DATA)
                rows.append((scope, group.name, i.name, i.max_points, points, i.formula, i.inputs))
        total = M("Tổng (trên số điểm đo được)", "Total (of the points measured)")
        rows.append((scope, total, None, scored.measured_max, scored.points, None, ()))
    return [
        Sheet(
            "index766",
            M("Chỉ số phục vụ theo Quyết định 766", "Decision 766 service index"),
            (
                M("Phạm vi", "Scope"),
                M("Nhóm", "Group"),
                M("Chỉ tiêu", "Indicator"),
                M("Điểm tối đa", "Most points"),
                M("Điểm", "Points"),
                M("Cách tính", "Formula"),
                M("Số liệu", "Inputs"),
            ),
            rows,
        )
    ]


def _cell(value: Any, lang: str) -> Any:
    if isinstance(value, Message):
        return value.en if lang == "en" else value.vi
    if isinstance(value, tuple):  # a sub-indicator's inputs
        return "; ".join(f"{_cell(inp.label, lang)}: {inp.text()}" for inp in value)
    return value


def table(sheet: Sheet, lang: str) -> tuple[list[str], list[list[Any]]]:
    """A sheet's header and rows in one language, cells as plain values."""
    return [_cell(h, lang) for h in sheet.header], [[_cell(v, lang) for v in row] for row in sheet.rows]


def to_csv(sheets: list[Sheet], lang: str) -> str:
    """One CSV with every sheet: its title alone on a line, its header, its rows, a blank line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for sheet in sheets:
        header, rows = table(sheet, lang)
        writer.writerow([_cell(sheet.title, lang)])
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
        writer.writerow([])
    return out.getvalue()


def to_xlsx(sheets: list[Sheet], lang: str) -> bytes:
    """A workbook with one worksheet per sheet (its title in A1, header in row 2, rows below)."""
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.key[:31])
        header, rows = table(sheet, lang)
        ws.append([_cell(sheet.title, lang)])
        ws.append(header)
        for row in rows:
            ws.append(row)
        for column in range(1, len(header) + 1):
            ws.column_dimensions[get_column_letter(column)].width = 14 if column > 1 else 40
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()
