"""Issue 13, health insurance: P22 refunds what was co-paid above six months' base salary before the
certificate is returned (Decree 146/2018/NĐ-CP art. 27(3)(b)), and P25 asks a medical facility for
the documents of Decree 146/2018 art. 16(1), no practitioner or price list."""

from __future__ import annotations

import re

import pytest

from engine.config import PROJECT_ROOT
from engine.design.simulation import simulate


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def scratch_server(request):
    return None if request.param == "sqlite" else request.getfixturevalue("postgres_url")


def _lines(results) -> dict[str, str]:
    failed = ["\n".join(r.lines) for r in results if not r.ok]
    assert not failed, "\n\n".join(failed)
    return {r.path: "\n".join(r.lines) for r in results}


def test_p22_refunds_the_co_payments_above_the_threshold_then_returns_the_certificate(catalogue, scratch_server):
    lines = _lines(simulate(catalogue, ["P22"], database_url=scratch_server))

    # 15,860,000 co-paid, six times the reference level of 21 October 2026 is 15,180,000: the
    # certificate waits for the bank to confirm the 680,000 transfer
    happy = lines["happy"]
    assert "payout_amount: 680,000" in happy
    assert "leader_approval" in happy and "status 9 Processing finished; open: none" in happy
    assert "message bank_confirmed -> status 10 Result returned" in happy
    # in cash through the post office, then the certificate goes by post
    posted = lines["post_failed_then_redelivered"]
    assert "cash_payout_handover" in posted and "payout_amount: 3,590,000" in posted
    assert posted.index("message cash_paid") < posted.index("task    postal_dispatch")
    # the facility stopped collecting at the threshold (art. 27(3)(a)): certificate, nothing to refund
    nothing = lines["nothing_to_refund"]
    assert "payout_amount: 0" in nothing and "result_kind: 'no_copayment_certificate'" in nothing
    assert "cash_payout_handover" not in nothing and "bank" not in nothing
    # the threshold is the one of the day the co-payments passed it: 6 x 2,340,000 before July 2026
    assert "payout_amount: 460,000" in lines["refund_at_the_old_level"]
    # a written answer refunds nothing
    assert "payout_amount: 0" in lines["not_eligible"]
    # the shared payout's own paths run for P22 too (the bank never answers, finance checks)
    assert "payout_bank_followup" in lines["bank_silent"]


def test_p25_asks_for_the_documents_of_decree_146_article_16_1(catalogue):
    documents = catalogue.procedures["P25"].meta.documents

    assert [(d.id, d.required) for d in documents] == [
        ("request", True),  # (a)
        ("operating_licence", True),  # (b)
        ("level_decision", False),  # (c) "if any", or the technical level of a private facility
        ("service_lists", True),  # (d)
    ]
    names = " ".join(f"{d.name.vi} {d.name.en}" for d in documents).lower()
    for absent in ("người hành nghề", "practitioner", "giá dịch vụ", "price"):
        assert absent not in names


def test_every_form_code_still_to_check_against_decision_2222_says_so(catalogue):
    """Decision 2222/QĐ-BHXH of 29 July 2025 replaced Decision 166/QĐ-BHXH; no copy of it was found,
    so each procedure whose documents name a form code keeps the code and says it is unverified."""
    named = {
        code
        for code, loaded in catalogue.procedures.items()
        if any(
            re.search(r"\b(Mẫu|form) [0-9A-Z]{2,3}[A-Z]?-[A-Z]{2,3}\b", f"{d.name.vi} {d.name.en}")
            for d in loaded.meta.documents
        )
    }
    assert {"P02", "P08", "P09", "P10", "P11", "P16", "P18"} <= named
    for code in sorted(named):
        text = (PROJECT_ROOT / "workflows" / f"{code}.yaml").read_text("utf-8")
        assert "Decision 2222/QĐ-BHXH of" in text and "(verify)" in text, code
