"""Documents and grounds of P08, P09, P16 and P19 as Law 41/2024/QH15 lists them (issue 13): P09's
emigration papers, closed illness list and the 81% work-capacity ground (art. 70, 78), dated from 1
July 2025; P19's grounds (art. 75, 80, 141(2)), a prison sentence refused for a suspension from
that day; P16's funeral arranger's declaration when only the funeral grant is claimed (art. 90(3));
P08's severe-disability certificate and the HIV case (art. 64(1)(d), 77(3)-(4)). Declared paths
run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from engine.config import PROJECT_ROOT
from engine.data.models import Dossier
from engine.design.simulation import simulate
from engine.forms import FormError
from engine.people.officers import Actor
from engine.workflow.benefits import survivor_benefits
from engine.workflow.decision_tables import check_table, evaluate_table
from engine.workflow.metadata import read_procedure
from engine.workflow.rules import RULES
from engine.workflow.scripting import Limits, RestrictedScriptEngine

DMN = PROJECT_ROOT / "bpmn" / "dmn"
WITHDRAWAL = (DMN / "one_time_withdrawal.dmn").read_text("utf-8")
PENSION = (DMN / "pension_eligibility.dmn").read_text("utf-8")


def _engine() -> RestrictedScriptEngine:
    return RestrictedScriptEngine(functions={**RULES, "date": date}, limits=Limits.of(2.0, 256))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def scratch_server(request):
    return None if request.param == "sqlite" else request.getfixturevalue("postgres_url")


def test_the_declared_paths_end_as_declared_with_the_new_grounds_and_papers(catalogue, scratch_server):
    results = simulate(catalogue, ["P08", "P09", "P16", "P19"], database_url=scratch_server)

    failed = ["\n".join(r.lines) for r in results if not r.ok]
    assert not failed, "\n\n".join(failed)
    lines = {(r.code, r.path): "\n".join(r.lines) for r in results}
    # art. 70(1)(d): the new ground is granted, with the amount of art. 70(3)
    assert "payout_amount: 132,000,000" in lines["P09", "work_capacity_81"]
    # the supplement asks for a paper the law lists (art. 78(3)), not a termination decision
    assert "Bản tóm tắt hồ sơ bệnh án" in lines["P09", "supplement_during_processing"]
    assert "chấm dứt hợp đồng" not in lines["P09", "supplement_during_processing"]
    # art. 75(3)(b): a court cancelling a declaration of death resumes payment with the arrears
    assert "payout_amount: 72,940,000" in lines["P19", "death_declaration_annulled"]
    # art. 90(3): the funeral grant alone, 10 x the reference level
    assert "payout_amount: 25,300,000" in lines["P16", "funeral_grant_only"]
    # art. 64(1)(d): 16 years, 52 years old, eligible
    assert "monthly_pension: 3,280,000" in lines["P08", "hiv_occupational"]


# --------------------------------------------------------------------------- P09 (art. 70, 78)


def _withdrawal(grounds: str, submitted: date) -> dict:
    inputs = {
        "grounds": grounds,
        "contributed_before_2025_07": True,
        "months_since_leaving": 0,
        "submitted_on": submitted,
    }
    return evaluate_table(WITHDRAWAL, inputs, _engine()).outputs


@pytest.mark.parametrize(
    "grounds, submitted, eligible, reason",
    [
        # art. 70(1)(d), new in Law 41: from 1 July 2025 only
        ("work_capacity_81", date(2025, 7, 1), True, "eligible"),
        ("work_capacity_81", date(2026, 12, 6), True, "eligible"),
        ("work_capacity_81", date(2025, 6, 30), False, "ground_from_2025_07"),
        # the other grounds are not dated
        ("serious_illness", date(2025, 6, 30), True, "eligible"),
        ("emigrating", date(2026, 12, 6), True, "eligible"),
        ("bored", date(2026, 12, 6), False, "unknown_grounds"),
    ],
)
def test_the_work_capacity_ground_applies_to_dossiers_from_1_july_2025(grounds, submitted, eligible, reason):
    assert _withdrawal(grounds, submitted) == {"withdrawal_eligible": eligible, "reason_code": reason}


def test_the_dated_tables_are_consistent():
    assert check_table(WITHDRAWAL) == []
    assert check_table(PENSION) == []


def test_p09_asks_for_the_papers_of_art_78_by_ground(catalogue):
    meta = catalogue.procedures["P09"].meta
    documents = {d.id: d for d in meta.documents}
    grounds = {c.value: c.label.vi for c in next(f for f in meta.application if f.name == "grounds").choices}

    assert "termination_decision" not in documents  # not in the law's list
    emigration = documents["emigration_proof"]
    assert "thủ tục định cư" not in emigration.name.vi and "settlement procedure" not in emigration.name.en
    for paper in ("thôi quốc tịch Việt Nam", "hộ chiếu do nước ngoài cấp", "thẻ thường trú dài hạn", "chứng thực"):
        assert paper in emigration.name.vi
    assert "bản tóm tắt hồ sơ bệnh án" in documents["medical_proof"].name.vi.lower()
    assert "giấy ra viện" in documents["medical_proof"].name.vi
    assert "khuyết tật đặc biệt nặng" in documents["work_capacity_proof"].name.vi
    # each paper is required with its ground, and only with it
    for doc, ground in (
        ("emigration_proof", "emigrating"),
        ("medical_proof", "serious_illness"),
        ("work_capacity_proof", "work_capacity_81"),
    ):
        assert documents[doc].is_required({"grounds": ground})
        assert not documents[doc].is_required({"grounds": "left_work_12_months"})
        assert documents[doc].source.startswith("Luật BHXH 41/2024 Điều 78")
    # the illness list is closed (art. 70(1)(c)): no "..." and no other illness
    assert grounds["serious_illness"].endswith("ung thư, bại liệt, xơ gan mất bù, lao nặng, AIDS")
    assert "81%" in grounds["work_capacity_81"]


# --------------------------------------------------------------------------- P19 (art. 75, 80, 141(2))


def _p19(**changes) -> dict:
    application = {
        "full_name": "Phan Văn Trí",
        "citizen_id": "051063008851",
        "si_code": "5103004419",
        "date_of_birth": "1963-09-01",
        "sex": "male",
        "phone": "0389214706",
        "address": "Thôn Đồng Tranh, xã Minh Long, tỉnh Quảng Ngãi",
        "benefit_kind": "retirement_pension",
        "suspension_reason": "prison_term_ended",
        "suspended_since": "2025-07-01",
        "payout_method": "cash",
        "result_channel": "electronic",
    }
    application.update(changes)
    return application


def test_a_prison_sentence_from_1_july_2025_is_refused_at_submission_and_nothing_is_made(runtime, office):
    with pytest.raises(FormError) as refused:
        runtime.dossiers.start("P19", _p19(), Actor.applicant("Phan Văn Trí"))

    message = refused.value.errors["suspension_reason"]
    assert "Điều 75 khoản 1" in message.vi and "01/7/2025" in message.vi
    assert "a prison sentence no longer suspends" in message.en
    with runtime.db.read() as session:
        assert session.query(Dossier).count() == 0
    # a suspension made before keeps the law of its time (art. 141(2)); the other grounds are open
    assert runtime.dossiers.start("P19", _p19(suspended_since="2025-06-30"), Actor.applicant("Phan Văn Trí"))
    assert runtime.dossiers.start("P19", _p19(suspension_reason="data_verified"), Actor.applicant("Phan Văn Trí"))


def test_p19_grounds_and_papers_are_those_of_art_75_and_80(catalogue):
    meta = catalogue.procedures["P19"].meta
    reasons = {c.value for c in next(f for f in meta.application if f.name == "suspension_reason").choices}
    documents = {d.id: d for d in meta.documents}

    law_41 = {"returned_from_abroad", "missing_decision_annulled", "death_declaration_annulled", "data_verified"}
    assert law_41 <= reasons
    assert "not_collected_6_months" not in reasons
    court = documents["court_annulment"]
    assert court.is_required({"suspension_reason": "missing_decision_annulled"})
    assert court.is_required({"suspension_reason": "death_declaration_annulled"})
    assert not court.is_required({"suspension_reason": "data_verified"})
    assert "tuyên bố là đã chết" in court.name.vi
    assert documents["return_proof"].is_required({"suspension_reason": "returned_from_abroad"})
    assert not any(d.is_required({"suspension_reason": "data_verified"}) for d in meta.documents if not d.required)


# --------------------------------------------------------------------------- P16 (art. 90(3))


def test_the_funeral_arrangers_declaration_is_required_when_only_the_funeral_grant_is_claimed(catalogue):
    documents = {d.id: d for d in catalogue.procedures["P16"].meta.documents}

    funeral = documents["funeral_declaration"]
    assert funeral.is_required({"survivor_allowance_request": "funeral_only"})
    assert not funeral.is_required({"survivor_allowance_request": "monthly"})
    assert funeral.source == "Luật BHXH 41/2024 Điều 90 khoản 3 điểm c"
    # the relatives' declaration is for a survivor allowance, not for the funeral grant alone
    assert documents["relative_declaration"].is_required({"survivor_allowance_request": "one_time"})
    assert not documents["relative_declaration"].is_required({"survivor_allowance_request": "funeral_only"})


def test_the_funeral_grant_alone_is_paid_and_refused_when_not_due():
    paid = survivor_benefits(True, "funeral_only", 0, 0, None, date(2026, 10, 20))
    assert paid == {"funeral_grant": 25_300_000, "monthly_allowance": 0, "allowance_paid_now": 0, "amount": 25_300_000}
    with pytest.raises(ValueError, match="funeral grant"):
        survivor_benefits(False, "funeral_only", 0, 0, None, date(2026, 10, 20))


# --------------------------------------------------------------------------- P08 (art. 64(1)(d), 77(3)-(4))


def _pension(case: str, age_months: int, years: int, retirement: date) -> dict:
    inputs = {
        "pension_case": case,
        "sex": "male",
        "age_months": age_months,
        "contribution_years": years,
        "retirement_year": retirement.year,
        "retirement_date": retirement,
    }
    return evaluate_table(PENSION, inputs, _engine()).outputs


@pytest.mark.parametrize(
    "case, years, retirement, expected",
    [
        # art. 64(1)(d): 15 years at any age from 1 July 2025
        ("hiv_occupational", 15, date(2025, 7, 1), (True, "eligible")),
        ("hiv_occupational", 14, date(2026, 11, 1), (False, "insufficient_contributions")),
        # before: 20 years (Law 58/2014)
        ("hiv_occupational", 16, date(2025, 6, 1), (False, "insufficient_contributions")),
        ("hiv_occupational", 20, date(2025, 6, 1), (True, "eligible")),
        # the normal case still needs the retirement age
        ("normal", 16, date(2026, 11, 1), (False, "under_retirement_age")),
    ],
)
def test_the_hiv_case_is_decided_by_the_years_alone(case, years, retirement, expected):
    eligible, reason = expected
    assert _pension(case, 52 * 12, years, retirement) == {"pension_eligible": eligible, "reason_code": reason}


def test_p08_names_the_severe_disability_certificate_and_the_hiv_certificate(catalogue):
    documents = {d.id: d for d in catalogue.procedures["P08"].meta.documents}

    assert "giấy xác nhận mức độ khuyết tật nặng, đặc biệt nặng" in documents["capacity_assessment"].name.vi
    assert documents["capacity_assessment"].source == "Luật BHXH 41/2024 Điều 77 khoản 3"
    hiv = documents["hiv_certificate"]
    assert hiv.is_required({"pension_case": "hiv_occupational"}) and not hiv.is_required({"pension_case": "normal"})
    assert hiv.source == "Luật BHXH 41/2024 Điều 77 khoản 4"


# --------------------------------------------------------------------------- the metadata's checks


def test_validate_names_a_document_or_a_refusal_on_an_unknown_field():
    text = (PROJECT_ROOT / "workflows" / "P19.yaml").read_text("utf-8")
    text = text.replace("required_if: {suspension_reason: returned_from_abroad}", "required_if: {reason: x}")
    text = text.replace("    field: suspension_reason\n", "    field: suspension_reasons\n")

    _, problems = read_procedure(yaml.safe_load(text), "workflows/P19.yaml")

    reasons = [str(p) for p in problems]
    assert any("required_if unknown application field 'reason'" in r for r in reasons), reasons
    assert any("'suspension_reasons' is not a field of the application" in r for r in reasons), reasons
