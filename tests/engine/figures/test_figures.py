"""The managers' figures and the Decision 766 index on a small office: every figure checked against
counts the test makes itself from the dossiers' rows, and a few by hand from what the test did."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from engine.data.models import Document, Dossier, Event, HumanTask, Rating, User
from engine.figures.dashboard import dashboard
from engine.figures.export import dashboard_sheets, index_sheets, to_csv, to_xlsx
from engine.figures.index766 import service_index
from engine.figures.period import FiguresError, Filters, parse_day
from tests.figures_data import MARCH, NOW, VN, make_office_figures


@pytest.fixture
def made(runtime, catalogue, clock):
    return make_office_figures(runtime, catalogue, clock)


def _rows(runtime):
    with runtime.db.read() as session:
        dossiers = session.scalars(select(Dossier)).all()
        documents = session.scalars(select(Document)).all()
        tasks = session.scalars(select(HumanTask)).all()
        users = {u.id: u.username for u in session.scalars(select(User))}
        events = session.scalars(select(Event)).all()
        ratings = session.scalars(select(Rating)).all()
    return dossiers, documents, tasks, users, events, ratings


def _expected(runtime, first: date, last: date, procedure: str | None = None):
    """The dashboard's figures counted here, dossier by dossier, from the definitions."""
    dossiers, documents, tasks, users, events, _ = _rows(runtime)
    start = datetime.combine(first, time(0), VN)
    end = datetime.combine(last + timedelta(days=1), time(0), VN)
    mine = [d for d in dossiers if procedure in (None, d.procedure_code)]
    # received: accepted, on the working day it counts as received (never submitted_at)
    cohort = [d for d in mine if d.received_on is not None and first <= d.received_on <= last]
    e = {
        "received": len(cohort),
        "online": sum(d.channel == "online" for d in cohort),
        "post": sum(d.channel in ("post", "post_agent") for d in cohort),
    }
    e["counter"] = e["received"] - e["online"] - e["post"]

    def running(d):
        return d.processed_at is None and d.finished_at is None and d.status not in (3, 7, 8)

    def past(d):
        return running(d) and d.appointment_at is not None and d.appointment_at < NOW and d.paused_at is None

    done = [d for d in cohort if d.processed_at is not None]
    e["late"] = sum(d.appointment_at is not None and d.processed_at > d.appointment_at for d in done)
    e["early"] = sum(
        d.appointment_at is not None and (d.appointment_at - d.processed_at).total_seconds() >= 86400 for d in done
    )
    e["on_time"] = len(done) - e["late"] - e["early"]
    e["in_progress_past"] = sum(past(d) for d in cohort)
    e["in_progress_within"] = sum(running(d) and not past(d) for d in cohort)
    e["withdrawn"] = sum(d.status == 7 for d in cohort)
    # refused at reception in the period: never received, counted beside the cohort
    e["refused"] = sum(d.status == 3 and d.received_on is None and start <= d.finished_at < end for d in mine)
    e["stopped"] = sum(d.status == 8 for d in cohort)
    for channel in ("electronic", "post", "counter"):
        e[f"result_{channel}"] = sum(d.result_channel == channel for d in done)
    by_id = {d.id: d for d in mine}
    taken = [
        (x.dossier_id, x.data.get("message"))
        for x in events
        if x.kind == "message_received" and x.dossier_id in by_id and start <= x.at < end
    ]
    e["cashless"] = len({d for d, m in taken if m == "bank_confirmed"})
    e["cash"] = len({d for d, m in taken if m == "cash_paid"})
    open_tasks = [t for t in tasks if t.status.value in ("new", "claimed") and t.dossier_id in by_id]
    e["steps"] = {}
    for t in open_tasks:
        e["steps"][t.element_id] = e["steps"].get(t.element_id, 0) + 1
    e["overdue_officers"] = {}
    for t in open_tasks:
        if t.due_at is not None and t.due_at < NOW:
            who = users.get(t.assignee_id)
            e["overdue_officers"][who] = e["overdue_officers"].get(who, 0) + 1
    e["overdue_procedures"] = {}
    for d in mine:
        if past(d):
            e["overdue_procedures"][d.procedure_code] = e["overdue_procedures"].get(d.procedure_code, 0) + 1
    e["backlog"] = sum(running(d) for d in mine)
    e["digitized"] = sum(not any(x.dossier_id == d.id and x.paper == "paper_only" for x in documents) for d in cohort)
    paper = [d for d in cohort if d.channel in ("counter", "cli", "post", "post_agent")]
    e["on_paper"] = len(paper)
    e["reused"] = sum(any(x.dossier_id == d.id and x.paper == "reused" for x in documents) for d in paper)
    return e


FIGURES = [
    "received",
    "online",
    "post",
    "counter",
    "early",
    "on_time",
    "late",
    "in_progress_within",
    "in_progress_past",
    "withdrawn",
    "refused",
    "stopped",
    "result_electronic",
    "result_post",
    "result_counter",
]


@pytest.mark.parametrize("procedure", [None, "P02", "P09"])
def test_every_dashboard_figure_matches_the_dossiers_counted_one_by_one(runtime, made, procedure):
    expected = _expected(runtime, *MARCH, procedure=procedure)
    with runtime.db.read() as session:
        d = dashboard(session, Filters(*MARCH, procedure=procedure), NOW, VN)
    assert {name: getattr(d.cohort, name) for name in FIGURES} == {name: expected[name] for name in FIGURES}
    assert (d.payouts.cashless, d.payouts.cash) == (expected["cashless"], expected["cash"])
    assert {c.key: c.count for c in d.backlog_by_step} == expected["steps"]
    assert {c.key: c.count for c in d.overdue_by_officer} == expected["overdue_officers"]
    assert {c.key: c.count for c in d.overdue_by_procedure} == expected["overdue_procedures"]
    assert sum(c.count for c in d.backlog_by_age) == expected["backlog"]


def test_the_office_s_march_as_the_test_made_it(runtime, made):
    """What the test did, counted by hand: nine dossiers submitted in March, six of them received
    (accepted): the refused one and the two still at the desk's reception check never were."""
    with runtime.db.read() as session:
        d = dashboard(session, Filters(*MARCH), NOW, VN)
    c = d.cohort
    assert (c.received, c.online, c.counter, c.post) == (6, 4, 1, 1)
    assert (c.early, c.on_time, c.late) == (3, 0, 1)
    assert (c.in_progress_within, c.in_progress_past, c.withdrawn, c.refused) == (0, 1, 1, 1)
    assert c.electronic_share == pytest.approx(4 / 6)
    assert (c.result_electronic, c.result_post, c.result_counter) == (4, 0, 0)
    assert (d.payouts.cashless, d.payouts.cash, d.payouts.cashless_share) == (1, 1, 0.5)
    assert {x.key: x.count for x in d.overdue_by_unit} == {runtime.settings.office_code: 1}
    # the task held by an officer, and the three reception checks no one has claimed
    assert {x.key: x.count for x in d.overdue_by_officer} == {"fig.collection": 1, None: 3}
    # backlog now: the past one (36 days), two at the desk (35 and 34 days), April's (9 days)
    assert [x.count for x in d.backlog_by_age] == [0, 1, 0, 0, 3]
    # weeks from Monday 23 February to Monday 30 March; months: March only
    assert d.weeks[0].start == date(2026, 2, 23) and len(d.weeks) == 6
    # week of 2 March: five received (both P09s, the counter's, the withdrawn, the late), three
    # finished at once; week of 9 March: one received (the past one), the late one finished
    assert [(w.received, w.finished, w.late) for w in d.weeks] == [(0, 0, 0), (5, 3, 0), (1, 1, 1)] + [(0, 0, 0)] * 3
    assert [(m.start, m.received) for m in d.months] == [(date(2026, 3, 1), 6)]
    assert sum(w.received for w in d.weeks) == 6
    assert sum(w.finished for w in d.weeks) == sum(m.finished for m in d.months) == 4
    assert sum(w.late for w in d.weeks) == 1


def test_the_766_index_from_the_same_counts(runtime, made):
    expected = _expected(runtime, *MARCH)
    with runtime.db.read() as session:
        ix = service_index(session, Filters(*MARCH), NOW, VN)
    office = {i.key: i for g in ix.office.groups for i in g.indicators}
    within = expected["on_time"] + expected["early"] + expected["in_progress_within"]
    assert office["progress"].points == pytest.approx(round(within / expected["received"] * 20, 2))
    assert office["progress"].points == pytest.approx(round(3 / 6 * 20, 2))
    finished = expected["early"] + expected["on_time"] + expected["late"]
    assert office["e_results"].points == pytest.approx(round(expected["result_electronic"] / finished * 6, 2))
    digitized = expected["digitized"] / expected["received"]
    assert office["digitized"].points == (4 if digitized >= 0.8 else 0)
    # the dossier with a paper kept on paper only is still at reception: not received, so not counted
    assert expected["digitized"] == 6
    assert office["reuse"].points == (2 if expected["reused"] / expected["on_paper"] >= 0.8 else 0) == 0
    assert office["online"].points == 6  # 4 of 6 online
    for key in ("transparency", "digitization_other", "online_other", "satisfaction"):
        assert office[key].points is None and not office[key].measurable
    assert [x.value for x in office["satisfaction"].inputs] == [1, 1]
    assert ix.office.points == pytest.approx(
        sum(office[k].points for k in ("progress", "e_results", "digitized", "reuse", "online"))
    )
    assert ix.office.measured_max == 20 + 6 + 4 + 2 + 6
    by_procedure = {s.scope: s for s in ix.by_procedure}
    assert set(by_procedure) == {"P02", "P09"} and by_procedure["P09"].received == 2
    p09 = {i.key: i for g in by_procedure["P09"].groups for i in g.indicators}
    assert p09["progress"].points == 20.0  # both finished early


def test_csv_and_xlsx_read_back_with_the_same_figures(runtime, made):
    with runtime.db.read() as session:
        sheets = dashboard_sheets(dashboard(session, Filters(*MARCH), NOW, VN))
        sheets += index_sheets(service_index(session, Filters(*MARCH), NOW, VN))
    rows = list(csv.reader(io.StringIO(to_csv(sheets, "en"))))
    assert rows[0] == ["Received and what became of them"] and rows[1] == ["Figure", "Count", "Share (%)"]
    figures = {r[0]: r[1:] for r in rows if len(r) == 3}
    assert figures["Dossiers received"] == ["6", "100.0"]
    assert figures["online"] == ["4", "66.7"]
    assert figures["Finished late"] == ["1", "16.7"]
    assert figures["Paid cashless"] == ["1", "50.0"]
    assert ["Transparency" in r for r in rows].count(True) == 3  # office, P02, P09
    vi = list(csv.reader(io.StringIO(to_csv(sheets, "vi"))))
    assert vi[0] == ["Tiếp nhận và kết quả giải quyết"]

    book = load_workbook(io.BytesIO(to_xlsx(sheets, "vi")))
    assert book.sheetnames[:3] == ["received", "results", "payouts"]
    received = list(book["received"].iter_rows(values_only=True))
    assert received[1] == ("Chỉ tiêu", "Số lượng", "Tỷ lệ (%)")
    assert received[2] == ("Hồ sơ tiếp nhận", 6, 100.0)
    index = list(book["index766"].iter_rows(values_only=True))
    progress = next(r for r in index if r[0] == "Toàn cơ quan" and r[2] == "Hồ sơ giải quyết đúng hạn")
    assert progress[3:5] == (20, round(3 / 6 * 20, 2))
    assert "Đúng hạn: 0; Trước hạn: 3" in progress[6]
    assert next(r for r in index if r[2] == "Mức độ hài lòng của người dân, doanh nghiệp")[4] == "chưa đo được"


def test_a_bad_period_is_refused_with_a_clear_message():
    with pytest.raises(FiguresError, match="after the last"):
        Filters(date(2026, 3, 31), date(2026, 3, 1))
    with pytest.raises(FiguresError, match="at most 731 days"):
        Filters(date(2020, 1, 1), date(2026, 1, 1))
    with pytest.raises(FiguresError, match="expected a day such as 2026-06-30") as e:
        parse_day("31/02/2026", "Từ ngày", "From")
    assert e.value.message.vi.startswith("Từ ngày: cần một ngày")
    assert parse_day("30/06/2026", "", "") == parse_day("2026-06-30", "", "") == date(2026, 6, 30)


def test_a_unit_filter_counts_only_that_unit_s_dossiers_and_tasks(runtime, made):
    with runtime.db.read() as session:
        other = dashboard(session, Filters(*MARCH, units=("BHXH.QNI.SONTINH",)), NOW, VN)
        mine = dashboard(session, Filters(*MARCH, units=(runtime.settings.office_code,)), NOW, VN)
        everyone = dashboard(session, Filters(*MARCH), NOW, VN)
    assert other.cohort.received == 0 and other.backlog_by_step == [] and other.overdue_by_officer == []
    assert (other.payouts.cashless, other.payouts.cash) == (0, 0)
    assert sum(x.count for x in other.backlog_by_age) == 0
    assert mine.cohort == everyone.cohort and mine.backlog_by_step == everyone.backlog_by_step
