"""The time limit that applies to one dossier: the procedure's, or the first of its `when` cases
whose condition holds on the application's data (P11 by who files, P12 by the cause)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.workflow.metadata import Limit, ProcedureMeta
from engine.workflow.scripting import RestrictedScriptEnvironment

_conditions = RestrictedScriptEnvironment()


def limit_for(meta: ProcedureMeta, data: Mapping[str, Any]) -> Limit:
    """A condition that cannot be evaluated (a field missing from the data) does not hold."""
    for case in meta.limit_cases:
        try:
            holds = bool(_conditions.evaluate(case.condition, dict(data)))
        except Exception:
            holds = False
        if holds:
            return case.limit
    return meta.limit


UNIT_WORDS = {
    "working": ("ngày làm việc", "working days"),
    "calendar": ("ngày", "calendar days"),
    "calendar_no_holidays": ("ngày (không kể ngày nghỉ lễ, nghỉ Tết)", "days not counting public holidays and Tết"),
}


def describe(limit: Limit, lang: str = "en") -> str:
    """'7 working days' / '20 days not counting public holidays and Tết'."""
    vi, en = UNIT_WORDS.get(limit.unit, (limit.unit, limit.unit))
    return f"{limit.days} {vi if lang == 'vi' else en}"
