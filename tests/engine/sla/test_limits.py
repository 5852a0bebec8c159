"""Every procedure's time limit as the law stands (issue 13), the unit that does not count public
holidays and Tết, and the limits that depend on the application."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.people.officers import Actor
from engine.sla.workdays import WorkCalendar
from engine.workflow.metadata import read_procedure
from tests.helpers import do_task

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar(zone=VN)

# code: (days, unit, the law's limit where the office keeps a stricter one, the source cited, in
# full). Rows the table has follow it; the others keep their values (no article found).
# Every article was checked in a public copy of the text (Law 41/2024 as enacted, 141 articles; Law
# 84/2015 and Decree 146/2018 in the Vietnamese legal code's compilation), except P03 (Law 25/2008
# art. 17(2)) and P21 (Decree 146/2018 art. 30), whose copies were not found. Corrected: P04 cited
# art. 25(2) (the book's form, no limit) beside 28(4); P18's legal limit cited art. 141(14) (proxies
# under the old law, no limit) instead of 115(2)(b); P17 now names the clauses.
LIMITS = {
    "P01": (5, "working", None, ""),
    "P02": (5, "working", None, ""),
    "P03": (5, "working", (10, "working"), "Luật BHYT 25/2008 (sửa đổi) Điều 17 khoản 2"),  # office stricter
    "P04": (5, "working", None, "Luật BHXH 41/2024 Điều 28 khoản 4"),
    "P05": (5, "working", None, "Luật BHXH 41/2024 Điều 29 khoản 2"),
    "P06": (7, "working", None, ""),
    "P07": (10, "working", None, ""),
    "P08": (20, "calendar_no_holidays", None, "Luật BHXH 41/2024 Điều 79 khoản 3, Điều 107 khoản 3"),
    "P09": (7, "working", None, "Luật BHXH 41/2024 Điều 79 khoản 3, Điều 107 khoản 3"),
    "P10": (7, "working", None, "Luật BHXH 41/2024 Điều 48 khoản 3"),
    "P11": (7, "working", None, "Luật BHXH 41/2024 Điều 62 khoản 3"),
    "P12": (7, "working", None, "Luật BHXH 41/2024 Điều 49 khoản 2, Điều 63 khoản 2"),
    "P13": (10, "calendar", None, "Luật ATVSLĐ 84/2015 Điều 59 khoản 2"),
    "P14": (10, "calendar", None, "Luật ATVSLĐ 84/2015 Điều 59 khoản 2"),
    "P15": (5, "working", None, ""),
    "P16": (10, "working", None, "Luật BHXH 41/2024 Điều 91 khoản 3, Điều 112 khoản 2 điểm b"),
    "P17": (5, "working", None, "Luật BHXH 41/2024 Điều 82 khoản 2, Điều 115 khoản 2 điểm b"),
    "P18": (3, "working", (5, "working"), "Luật BHXH 41/2024 Điều 82 khoản 2, Điều 115 khoản 2 điểm b"),
    "P19": (10, "working", None, "Luật BHXH 41/2024 Điều 81 khoản 2"),
    "P20": (7, "working", None, "Luật BHXH 41/2024 Điều 76 khoản 5, Điều 115 khoản 1 điểm d"),
    "P21": (40, "calendar", None, "Luật BHYT 25/2008 Điều 31; Nghị định 146/2018/NĐ-CP Điều 30"),
    "P22": (5, "working", None, ""),
    "P23": (5, "working", None, ""),
    "P24": (1, "working", None, ""),
    "P25": (30, "calendar", None, "Nghị định 146/2018/NĐ-CP Điều 18 khoản 1 điểm b"),
    "P26": (5, "working", None, "Law 41/2024/QH15 art. 24(2)"),
    "P27": (5, "working", None, "Law 41/2024/QH15 art. 97(2)"),
}


@pytest.mark.parametrize("code", sorted(LIMITS))
def test_each_procedure_has_the_limit_the_law_sets(catalogue, code):
    days, unit, legal, source = LIMITS[code]
    meta = catalogue.procedures[code].meta
    assert (meta.limit_days, meta.limit_unit) == (days, unit)
    if legal is None:
        assert meta.legal_limit is None
        assert meta.limit_source == source
    else:
        assert (meta.legal_limit.days, meta.legal_limit.unit) == legal
        assert meta.legal_limit.source == source


def test_the_table_covers_every_procedure_p01_to_p27(catalogue):
    assert {c for c in catalogue.procedures if "P01" <= c <= "P27"} == set(LIMITS)


def test_the_limits_that_depend_on_the_application(catalogue):
    p11, p12 = catalogue.procedures["P11"].meta, catalogue.procedures["P12"].meta
    assert [(c.limit.days, c.limit.unit) for c in p11.limit_cases] == [(5, "working")]
    assert [(c.limit.days, c.limit.unit) for c in p12.limit_cases] == [(10, "calendar")]
    assert p11.limit_cases[0].limit.source == "Luật BHXH 41/2024 Điều 62 khoản 3"
    assert p12.limit_cases[0].limit.source == "Luật ATVSLĐ 84/2015 Điều 60 khoản 2"
    # each case, and the limit beside them, says in words which applications it is for
    assert (p11.limit_label.en, p11.limit_cases[0].label.en) == (
        "the employer files it",
        "the worker files it themselves",
    )
    assert (p12.limit_label.vi, p12.limit_cases[0].label.vi) == (
        "sau ốm đau, thai sản",
        "sau tai nạn lao động, bệnh nghề nghiệp",
    )


# ---------------------------------------------------------------- calendar days without holidays

TET_WINDOWS = st.one_of(
    st.dates(date(2026, 1, 10), date(2026, 2, 28)),  # Tết 2026: 17 February
    st.dates(date(2027, 1, 1), date(2027, 2, 20)),  # Tết 2027: 6 February
)


def _non_holidays(start: date, end: date) -> int:
    """Days after `start` up to and including `end` that are not public holidays."""
    return sum(not CAL.is_holiday(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))


@settings(max_examples=300, deadline=None)
@given(received=TET_WINDOWS, days=st.integers(1, 45))
def test_a_limit_not_counting_holidays_never_counts_one(received, days):
    due = CAL.due(received, days, "calendar_no_holidays").date()
    assert CAL.is_working_day(due)
    assert _non_holidays(received, due) >= days  # no holiday was counted among the `days`
    # and it is not later than it must be: the days from the count being reached to the due day
    # are all days the office is closed
    day = due - timedelta(days=1)
    while day > received and _non_holidays(received, day) >= days:
        assert not CAL.is_working_day(day)
        day -= timedelta(days=1)
    # never earlier than the same count in plain calendar days
    assert due >= CAL.due(received, days, "calendar").date()


@settings(max_examples=100, deadline=None)
@given(received=st.dates(date(2027, 1, 20), date(2027, 2, 3)), days=st.integers(1, 30))
def test_a_limit_over_tet_2027_is_longer_by_the_holidays_it_spans(received, days):
    plain = received + timedelta(days=days)
    due = CAL.due(received, days, "calendar_no_holidays").date()
    if plain >= date(2027, 2, 4):  # it spans Tết (4 to 10 February 2027): at least 7 days later
        assert due >= plain + timedelta(days=min(7, (plain - date(2027, 2, 4)).days + 1))


def test_tet_2026_and_2027_are_holidays_and_weekends_are_not():
    assert CAL.is_holiday(date(2026, 2, 17)) and CAL.is_holiday(date(2027, 2, 6))
    assert not CAL.is_holiday(date(2026, 3, 7))  # an ordinary Saturday counts


def test_an_office_day_off_is_not_counted_but_an_office_working_day_is():
    cal = WorkCalendar(zone=VN, office_holidays=frozenset({date(2026, 3, 4)}))
    # from Monday 2 March, 3 days not counting Wednesday 4 March: 3, 5, 6 March
    assert cal.due(date(2026, 3, 2), 3, "calendar_no_holidays").date() == date(2026, 3, 6)
    assert CAL.due(date(2026, 3, 2), 3, "calendar_no_holidays").date() == date(2026, 3, 5)


# ---------------------------------------------------------------- dossiers


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VN)


def _accept(runtime, office, clock, catalogue, code: str, path: str, when: str, **changes) -> datetime:
    clock.set(at(when))
    application = {**catalogue.procedures[code].meta.paths[path].start, **changes}
    dossier = runtime.dossiers.start(code, application, Actor.applicant("An"))
    do_task(runtime, office, dossier, "reception_check", decision="accept")
    return runtime.dossiers.get(dossier).appointment_at


@pytest.mark.parametrize(
    ("when", "due"),
    [
        # 20 days from Monday 25 January 2027 not counting Tết (4-10 February): 26 January to
        # 3 February are 9, 11 to 21 February the other 11; Sunday 21 -> Monday 22 February
        ("2027-01-25 09:00", "2027-02-22 17:00"),
        # accepted after the cutoff on Wednesday 3 February: counts from Thursday 4 February (a
        # holiday, the office is closed: next working day Thursday 11), then 20 days to 3 March
        ("2027-02-03 16:00", "2027-03-03 17:00"),
        # well before Tết: 20 plain days, Friday 1 January 2027 (New Year) not counted
        ("2026-12-21 09:00", "2027-01-11 17:00"),
    ],
)
def test_a_pension_claim_is_due_20_days_not_counting_tet_2027(runtime, office, clock, catalogue, when, due):
    assert _accept(runtime, office, clock, catalogue, "P08", "happy", when) == at(due)


@pytest.mark.parametrize(
    ("code", "path", "changes", "due"),
    [
        # accepted Monday 2 March 2026
        ("P11", "happy", {"submitted_by": "employer"}, "2026-03-11 17:00"),  # 7 working days
        ("P11", "payout_atm", {"submitted_by": "individual"}, "2026-03-09 17:00"),  # 5 working days
        ("P12", "happy", {"after_regime": "maternity"}, "2026-03-11 17:00"),  # 7 working days
        ("P12", "payout_atm", {"after_regime": "sickness"}, "2026-03-11 17:00"),
        ("P12", "happy", {"after_regime": "work_accident"}, "2026-03-12 17:00"),  # 10 days
    ],
)
def test_the_limit_follows_who_files_and_the_cause(runtime, office, clock, catalogue, code, path, changes, due):
    assert _accept(runtime, office, clock, catalogue, code, path, "2026-03-02 09:00", **changes) == at(due)


# ---------------------------------------------------------------- bad metadata


def _problems(**limit) -> list[str]:
    raw = yaml.safe_load(Path("workflows/P02.yaml").read_text("utf-8"))
    raw["limit"] = {"days": 5, "unit": "working", **limit}
    _, problems = read_procedure(raw, "P02.yaml")
    return [str(p) for p in problems]


def test_a_limit_case_whose_condition_cannot_run_is_a_problem_named_where_it_is():
    [problem] = _problems(when=[{"if": "import os", "days": 3, "unit": "working"}])
    assert "limit.when[0].if" in problem


def test_an_unknown_unit_names_the_units_there_are():
    [problem] = _problems(legal={"days": 10, "unit": "weeks", "source": "x"})
    assert "limit.legal.unit" in problem and "working, calendar, calendar_no_holidays" in problem


WORKER = {"vi": "người lao động tự nộp hồ sơ", "en": "the worker files it themselves"}
EMPLOYER = {"vi": "đơn vị nộp hồ sơ", "en": "the employer files it"}


def test_a_limit_case_without_a_label_is_a_problem_named_where_it_is():
    case = {"if": "submitted_by == 'individual'", "days": 3, "unit": "working"}
    [problem] = _problems(label=EMPLOYER, when=[case])
    assert "limit.when[0].label" in problem and "applicants see it, not the condition" in problem
    [problem] = _problems(label=EMPLOYER, when=[{**case, "label": {"vi": "người lao động tự nộp"}}])
    assert "limit.when[0].label" in problem and "Vietnamese and English" in problem
    # the procedure's own limit beside the cases needs one too
    [problem] = _problems(when=[{**case, "label": WORKER}])
    assert "limit.label" in problem
    assert _problems(label=EMPLOYER, when=[{**case, "label": WORKER}]) == []
