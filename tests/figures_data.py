"""A small half-month of an office for the figures' tests: dossiers of P02 and P09 taken through
their declared paths by the real engine, at chosen times, on every channel and with every ending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from engine.data.models import Rating
from engine.design.simulation import apply_step
from engine.dossiers.documents import NewDocument
from engine.people.officers import Actor, add_user, grant
from engine.runtime import Runtime
from engine.workflow.catalogue import Catalogue
from tests.helpers import P02_APPLICATION

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MARCH = (date(2026, 3, 1), date(2026, 3, 31))
NOW = datetime(2026, 4, 15, 3, 0, tzinfo=UTC)  # mid-April, 10:00 office time
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROLES = ("desk", "collection", "books_cards", "benefits", "hi_assessment", "finance", "leadership")


@dataclass
class Made:
    codes: dict[str, str]  # what each dossier is for -> its code
    officers: dict[str, Actor]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN).astimezone(UTC)


def make_office_figures(runtime: Runtime, catalogue: Catalogue, clock) -> Made:
    """Dossiers received in March 2026 (and one in April), left as they would be on 15 April."""
    unit = runtime.settings.office_code
    officers: dict[str, Actor] = {}
    with runtime.db.write() as session:
        for role in ROLES:
            user = add_user(session, f"fig.{role}", f"Cán bộ {role}")
            grant(session, user, role, unit)
            officers[role] = Actor.of(user)
    codes: dict[str, str] = {}

    def path(name: str, procedure: str, path_name: str, when: str, steps: int | None = None, **kw) -> str:
        clock.set(at(when))
        declared = catalogue.procedures[procedure].meta.paths[path_name]
        code = runtime.dossiers.start(procedure, declared.start, Actor.applicant("Người nộp"), **kw)
        for step in declared.steps[:steps]:
            apply_step(runtime, None, code, step, officers)
        codes[name] = code
        return code

    # finished early, paid by bank transfer, electronic result
    path("p09_atm", "P09", "happy", "2026-03-02 09:00")
    # brought by the post, paid in cash through the post office
    path("p09_cash", "P09", "payout_cash", "2026-03-03 09:00", channel="post")
    # at the counter with its papers scanned (digitized), result at the counter
    path(
        "p02_counter",
        "P02",
        "happy",
        "2026-03-04 09:00",
        channel="counter",
        documents=[NewDocument("tk1_ts", "tk1.pdf", PDF, "application/pdf", paper="digitized")],
    )
    path("p02_refused", "P02", "refusal", "2026-03-05 09:00")
    path("p02_withdrawn", "P02", "withdrawal", "2026-03-05 10:00")
    # accepted on 9 March and never finished: past its appointment by 15 April, its task held by an officer
    past = path("p02_past", "P02", "happy", "2026-03-09 09:00", steps=1)
    task = next(t for t in runtime.dossiers.open_tasks(past) if t.element_id == "collect_review")
    runtime.dossiers.claim(task.id, officers["collection"])
    # still at the desk's reception check (no appointment yet): in progress within the limit
    path("p02_at_desk", "P02", "happy", "2026-03-10 09:00", steps=0)
    # at the counter, one paper kept only on paper and one reused: not digitized
    path(
        "p02_paper",
        "P02",
        "happy",
        "2026-03-11 09:00",
        steps=0,
        channel="counter",
        documents=[
            NewDocument("tk1_ts", "tk1.pdf", PDF, "application/pdf", paper="paper_only"),
            NewDocument("poor_household_certificate", "hn.pdf", PDF, "application/pdf", paper="reused"),
        ],
    )
    # accepted on 2 March (appointment 9 March 17:00), approved on 10 March: late
    late = path("p02_late", "P02", "happy", "2026-03-02 09:00", steps=2)
    clock.set(at("2026-03-10 08:00"))
    declared = catalogue.procedures["P02"].meta.paths["happy"]
    apply_step(runtime, None, late, declared.steps[2], officers)
    # received in April: outside March's figures, in the backlog now
    path("april", "P02", "happy", "2026-04-06 09:00", steps=0)
    with runtime.db.write() as session:
        session.execute(
            insert(Rating).values(
                dossier_id=runtime.dossiers.get(codes["p09_atm"]).id,
                rating="satisfied",
                comment="",
                rated_at=at("2026-03-20 10:00"),  # rated in March, after its result came back
            )
        )
    clock.set(NOW)
    return Made(codes, officers)


__all__ = ["MARCH", "NOW", "P02_APPLICATION", "VN", "at", "make_office_figures"]
