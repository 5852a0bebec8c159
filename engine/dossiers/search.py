"""Officers' search over their units' dossiers: by code (whole or a part), applicant name with or
without accents, ID number, phone or tax code; newest first, one page at a time.

Reads the search projection (`search_terms`, engine.data.search_index) and the dossiers table only,
never the application data or the workflow state: each word of the query must begin some term of the
dossier, an index range on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, intersect, select
from sqlalchemy.orm import Session

from engine.data.models import Dossier, HumanTask, SearchTerm, TaskStatus
from engine.data.search_index import fold, phone_digits, words
from engine.errors import EngineError

MIN_LENGTH = 3  # letters or digits: fewer would match a large share of the office
MAX_LENGTH = 200
MAX_WORDS = 8
OPEN = (TaskStatus.NEW, TaskStatus.CLAIMED)
FEW = 2000  # dossiers a query finds that are looked up by id (see search())
# found dossiers counted at most: beyond it the officer is told "more than 1,000" and narrows the
# search; counting every match of a common word would read all of them for a number nobody pages to
COUNT_CAP = 1000

# a number as people write it: digits with spaces, dots, dashes, brackets or a leading +
_NUMBER = re.compile(r"[\d\s.+\-()]+")
# a dossier code or its beginning: BHXH.QNI-261122-0001, bhxh.qni-261122, qni-261122-00
_CODE = re.compile(r"[a-z][a-z0-9.]*-(\d{6})(?:-(\d*))?")
_TERMS = SearchTerm.__table__


class QueryRefused(EngineError):
    """The query cannot be searched for (empty, too short, too long)."""


@dataclass(frozen=True)
class Step:
    title: str
    due_at: datetime | None


@dataclass(frozen=True)
class Hit:
    code: str
    procedure_code: str
    status: int
    applicant_name: str
    applicant_id_number: str
    submitted_at: datetime
    appointment_at: datetime | None  # when the result is due
    finished_at: datetime | None
    steps: tuple[Step, ...]  # the open steps, oldest first


@dataclass(frozen=True)
class Results:
    query: str
    items: list[Hit]
    total: int  # at most COUNT_CAP
    page: int
    size: int
    more: bool = False  # more than `total` found (the count stopped at COUNT_CAP)

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)


def prefixes(query: str) -> list[str]:
    """The query as the prefixes a dossier's terms must begin with, every one of them; raises
    QueryRefused for a query that cannot be searched."""
    text = (query or "").strip()
    if not text:
        raise QueryRefused("Hãy nhập nội dung cần tìm", "Type what to search for")
    if len(text) > MAX_LENGTH:
        raise QueryRefused(
            f"Nội dung tìm kiếm dài quá {MAX_LENGTH} ký tự", f"A search is at most {MAX_LENGTH} characters long"
        )
    folded = fold(text)
    if _NUMBER.fullmatch(folded):  # a phone, ID or tax number, or a code's day and sequence
        found = [phone_digits(folded)]
    elif code := _CODE.fullmatch(folded.replace(" ", "")):
        found = [code.group(1) + (code.group(2) or "")]
    else:
        found = words(folded)
    if sum(len(p) for p in found) < MIN_LENGTH:
        raise QueryRefused(
            f"Hãy nhập ít nhất {MIN_LENGTH} chữ cái hoặc chữ số", f"Type at least {MIN_LENGTH} letters or digits"
        )
    if len(found) > MAX_WORDS:
        raise QueryRefused(f"Hãy tìm với tối đa {MAX_WORDS} từ", f"Search with at most {MAX_WORDS} words")
    return list(dict.fromkeys(found))


def search(session: Session, units: Iterable[str], query: str, page: int = 1, size: int = 20) -> Results:
    """The dossiers of these units the query finds, newest first: page `page` of `size`."""
    wanted = prefixes(query)
    units = sorted(set(units))
    page = max(page, 1)
    if not units:
        return Results(query, [], 0, page, size)
    dialect = session.get_bind().dialect.name
    # the dossiers every prefix finds, from the index alone, before any dossier row is read
    each = [select(_TERMS.c.dossier_id).where(_begins(_TERMS.c.value, p, dialect)) for p in wanted]
    matching = intersect(*each) if len(each) > 1 else each[0]
    # Few of them (the usual search for a person): fetched first and their rows read by primary key.
    # The planner cannot tell how few an intersection of prefixes leaves and would read every
    # dossier of the unit instead; many (a common family name alone): joined in SQL, where reading
    # the unit's rows is the right plan.
    ids = session.scalars(select(matching.subquery().c[0]).limit(FEW + 1)).all()
    if len(ids) <= FEW:
        # the unit compared as an expression no index serves: else the planner walks the unit's
        # whole newest-first index to save sorting these few rows, instead of reading them by id
        where = and_(Dossier.id.in_(ids), (Dossier.unit_code + "").in_(units))
    else:  # the unit's dossiers newest first (ix_dossiers_unit_submitted) until a page is found
        where = and_(Dossier.id.in_(matching), Dossier.unit_code.in_(units))
    counted = select(Dossier.id).where(where).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    rows = session.execute(
        select(
            Dossier.id,
            Dossier.code,
            Dossier.procedure_code,
            Dossier.status,
            Dossier.applicant_name,
            Dossier.applicant_id_number,
            Dossier.submitted_at,
            Dossier.appointment_at,
            Dossier.finished_at,
        )
        .where(where)
        .order_by(Dossier.submitted_at.desc(), Dossier.id.desc())
        .limit(size)
        .offset((page - 1) * size)
    ).all()
    steps: dict[int, list[Step]] = {}
    if rows:
        for dossier_id, title, due_at in session.execute(
            select(HumanTask.dossier_id, HumanTask.title, HumanTask.due_at)
            .where(HumanTask.dossier_id.in_([r.id for r in rows]), HumanTask.status.in_(OPEN))
            .order_by(HumanTask.id)
        ):
            steps.setdefault(dossier_id, []).append(Step(title, due_at))
    items = [
        Hit(
            r.code,
            r.procedure_code,
            r.status,
            r.applicant_name,
            r.applicant_id_number,
            r.submitted_at,
            r.appointment_at,
            r.finished_at,
            tuple(steps.get(r.id, ())),
        )
        for r in rows
    ]
    return Results(query, items, min(total, COUNT_CAP), page, size, more=total > COUNT_CAP)


def exact_code(session: Session, units: Iterable[str], query: str) -> str | None:
    """The code of the dossier of these units whose code the query is, written whole (any case)."""
    code = (query or "").strip().upper()
    if not code or len(code) > 40:
        return None
    return session.scalar(select(Dossier.code).where(Dossier.code == code, Dossier.unit_code.in_(sorted(set(units)))))


def _begins(column, prefix: str, dialect: str) -> ColumnElement[bool]:
    """Terms beginning with prefix (letters and digits only), in a form the dialect's index serves:
    LIKE on PostgreSQL (text_pattern_ops), a range on SQLite (its LIKE ignores case and the index)."""
    if dialect == "postgresql":
        return column.like(prefix + "%")
    return and_(column >= prefix, column < prefix[:-1] + chr(ord(prefix[-1]) + 1))
