"""Officers' search over their units' dossiers: by code (whole or a part), applicant name with or
without accents, ID number, phone or tax code; newest first, one page at a time.

Reads the search projection (`search_terms`, engine.data.search_index) and the dossiers table only,
never the application data or the workflow state: each word of the query must begin some term of the
dossier, an index range on PostgreSQL and SQLite alike.

At a million dossiers a common word (a family name) begins the terms of tens of thousands, so no
read takes a word's whole range unless it must (see search()): a word found in few dossiers bounds
the search, the others are checked on those dossiers alone; a word alone that many dossiers have is
read newest first, one index range per term it begins, up to the page and the count's cap.

A query of several words is first looked for as a name typed in order, whole or its beginning, from
any of its words on ("nguyen van an", "van an"): one prefix range of the names kept whole (kind
`fullname`), where the words' own ranges would be intersected whole (a whole name of three common
words: 90,000, 166,000 and 55,000 entries). Only when that finds nothing in the officer's units are
the words searched for apart, in any order ("an nguyen", "nguy hun").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, intersect, literal_column, select, union_all
from sqlalchemy.orm import Session, aliased

from engine.data.models import Dossier, HumanTask, SearchTerm, TaskStatus
from engine.data.search_index import FULLNAME, MAX_VALUE, fold, phone_digits, words
from engine.errors import EngineError

MIN_LENGTH = 3  # letters or digits: fewer would match a large share of the office
MAX_LENGTH = 200
MAX_WORDS = 8
OPEN = (TaskStatus.NEW, TaskStatus.CLAIMED)
FEW = 2000  # dossiers a query finds that are looked up by id (see search())
# distinct terms a common word may begin to be read newest first, one range each (a family name
# begins one or two); beyond it the word's range is read whole
MAX_TERMS = 16
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


def whole_name(query: str) -> str | None:
    """The query as the beginning of a name kept whole (engine.data.search_index.whole_names), if it
    is a name of several words rather than a number or a code."""
    folded = fold((query or "").strip())
    if _NUMBER.fullmatch(folded) or _CODE.fullmatch(folded.replace(" ", "")):
        return None
    found = words(folded)
    return (FULLNAME + " ".join(found))[:MAX_VALUE] if len(found) > 1 else None


def search(session: Session, units: Iterable[str], query: str, page: int = 1, size: int = 20) -> Results:
    """The dossiers of these units the query finds, newest first: page `page` of `size`."""
    wanted = prefixes(query)
    units = sorted(set(units))
    page = max(page, 1)
    if not units:
        return Results(query, [], 0, page, size)
    dialect = session.get_bind().dialect.name
    name = whole_name(query)
    if name is not None:
        found = _by_whole_name(session, query, name, units, page, size, dialect)
        if found is not None:
            return found
    # the dossiers of the word found in fewest, read up to FEW + 1 each from the index alone (the
    # longest words first: they are the likeliest to be rare)
    few = None
    for prefix in sorted(wanted, key=len, reverse=True):
        ids = session.scalars(
            select(_TERMS.c.dossier_id).where(_begins(_TERMS.c.value, prefix, dialect)).limit(FEW + 1)
        ).all()
        if len(ids) <= FEW:
            few = (prefix, set(ids))
            break
    if few is not None:
        # the other words checked on these dossiers only, by primary key (dossier_id, kind, value)
        prefix, ids = few
        for other in wanted:
            if other != prefix and ids:
                ids = set(
                    session.scalars(
                        select(_TERMS.c.dossier_id).where(
                            _TERMS.c.dossier_id.in_(sorted(ids)), _begins(_TERMS.c.value, other, dialect)
                        )
                    ).all()
                )
        # the unit compared as an expression no index serves: else the planner walks the unit's
        # whole newest-first index to save sorting these few rows, instead of reading them by id
        return _page(session, query, and_(Dossier.id.in_(sorted(ids)), (Dossier.unit_code + "").in_(units)), page, size)
    terms = _terms_begun(session, wanted[0], dialect)
    if len(wanted) == 1 and terms is not None:
        return _newest_of_terms(session, query, terms, [], units, page, size)
    # several words, each common (or a word beginning very many terms): the dossiers every one
    # finds, from the index alone. Few of them (a whole name): fetched first and their rows read by
    # primary key, as the planner cannot tell how few an intersection leaves and would read every
    # dossier of the unit instead.
    each = [select(_TERMS.c.dossier_id).where(_begins(_TERMS.c.value, p, dialect)) for p in wanted]
    matching = intersect(*each) if len(each) > 1 else each[0]
    ids = session.scalars(select(matching.subquery().c[0]).limit(FEW + 1)).all()
    if len(ids) <= FEW:
        return _page(session, query, and_(Dossier.id.in_(ids), (Dossier.unit_code + "").in_(units)), page, size)
    # Many: more than COUNT_CAP of them in these units already (else counted in SQL); the page read
    # newest first from the first word's terms, the other words checked on each dossier.
    where = and_(Dossier.id.in_(matching), Dossier.unit_code.in_(units))
    mine = session.scalar(
        select(func.count()).select_from(
            select(Dossier.id).where(Dossier.id.in_(ids), (Dossier.unit_code + "").in_(units)).subquery()
        )
    )
    if terms is None or not mine:
        return _page(session, query, where, page, size)
    total = COUNT_CAP + 1 if mine > COUNT_CAP else _count(session, where)
    return _newest_of_terms(session, query, terms, wanted[1:], units, page, size, total, dialect)


def _by_whole_name(
    session: Session, query: str, name: str, units: list[str], page: int, size: int, dialect: str
) -> Results | None:
    """The dossiers of these units with a name beginning `name` (kept whole), newest first, counted up
    to the cap; None when there are none, so the words are searched for apart. Each name it begins
    (one for a whole name, a few when its last word is a beginning) read backwards as a common
    word's; a beginning of very many names ("nguyen van") read whole and sorted, still one range."""
    terms = _terms_begun(session, name, dialect)
    if terms == []:
        return None
    if terms is not None:
        found = _newest_of_terms(session, query, terms, [], units, page, size)
    else:
        # the range's dossiers sorted newest first, then each one's unit looked up by id until the cap
        # (OFFSET 0 and the unit as a subquery keep PostgreSQL from walking every dossier backwards by
        # id, to merge them with the range, instead)
        newest = (
            select(_TERMS.c.dossier_id.label("id"))
            .where(_begins(_TERMS.c.value, name, dialect))
            .distinct()
            .order_by(_TERMS.c.dossier_id.desc())
            .offset(0)
            .subquery()
        )
        if dialect == "postgresql":  # a sort of a few thousand ids: compiling it (JIT) or sharing it
            # out to workers costs more than it (its estimate counts a unit lookup for every id); for
            # the rest of this read transaction only
            session.execute(
                select(
                    func.set_config("jit", "off", True), func.set_config("max_parallel_workers_per_gather", "0", True)
                )
            )
        unit = select(Dossier.unit_code).where(Dossier.id == newest.c.id).scalar_subquery()
        ids = session.scalars(
            select(newest.c.id).where(unit.in_(units)).order_by(newest.c.id.desc()).limit(_limit(COUNT_CAP + 1))
        ).all()
        shown = ids[(page - 1) * size : page * size]
        found = _page(session, query, Dossier.id.in_(shown), 1, size, total=len(ids), shown_page=page)
    return found if found.total else None


def _terms_begun(session: Session, prefix: str, dialect: str) -> list[str] | None:
    """The distinct terms beginning with prefix, each found by one index probe after the one before;
    None when there are more than MAX_TERMS."""
    found: list[str] = []
    while len(found) <= MAX_TERMS:
        condition = _begins(_TERMS.c.value, prefix, dialect)
        if found:
            condition = and_(condition, _after(_TERMS.c.value, found[-1], dialect))
        term = session.scalar(select(_TERMS.c.value).where(condition).order_by(_in_index_order(dialect)).limit(1))
        if term is None:
            return found
        found.append(term)
    return None


def _after(column, term: str, dialect: str) -> ColumnElement[bool]:
    """Terms after `term` in the index's order (PostgreSQL's text_pattern_ops compares bytes with ~>~)."""
    return column.op("~>~")(term) if dialect == "postgresql" else column > term


def _in_index_order(dialect: str):
    """The order of the index on value: on PostgreSQL text_pattern_ops' (bytes, ~<~), which min() or a
    plain ORDER BY in the database's collation would not read from the index."""
    return literal_column("search_terms.value USING ~<~") if dialect == "postgresql" else _TERMS.c.value


def _newest_of_terms(
    session: Session,
    query: str,
    terms: list[str],
    others: list[str],
    units: list[str],
    page: int,
    size: int,
    total: int | None = None,
    dialect: str = "",
) -> Results:
    """The dossiers of these units with one of these terms, and a term beginning with each of the
    `others`, newest first: each term's dossiers read from its index range backwards (a dossier's id
    grows with its submission) until the page, and the count's cap unless `total` is known, are
    reached; a dossier of another unit, or without the others, is passed over."""
    probe = aliased(_TERMS)
    also = [
        select(probe.c.dossier_id)
        .where(probe.c.dossier_id == _TERMS.c.dossier_id, _begins(probe.c.value, other, dialect))
        .exists()
        for other in others
    ]

    def newest(n: int):
        parts = [
            select(_TERMS.c.dossier_id)
            .join(Dossier, Dossier.id == _TERMS.c.dossier_id)
            .where(_TERMS.c.value == term, Dossier.unit_code.in_(units), *also)
            .order_by(_TERMS.c.dossier_id.desc())
            .limit(_limit(n))
            for term in terms
        ]
        found = (union_all(*[select(p.subquery().c[0]) for p in parts]) if len(parts) > 1 else parts[0]).subquery()
        return select(found.c[0].label("id")).distinct().order_by(found.c[0].desc()).limit(_limit(n))

    if not terms:
        return Results(query, [], 0, page, size)
    ids = session.scalars(newest(COUNT_CAP + 1 if total is None else page * size)).all()
    shown = ids[(page - 1) * size : page * size]
    total = len(ids) if total is None else total
    return _page(session, query, Dossier.id.in_(shown), 1, size, total=total, shown_page=page)


def _limit(n: int):
    """A LIMIT written into the statement, so the planner plans for it (a bound one it cannot see)."""
    return literal_column(str(int(n)))


def _count(session: Session, where) -> int:
    counted = select(Dossier.id).where(where).limit(COUNT_CAP + 1).subquery()
    return session.scalar(select(func.count()).select_from(counted)) or 0


def _page(
    session: Session,
    query: str,
    where,
    page: int,
    size: int,
    total: int | None = None,
    shown_page: int | None = None,
) -> Results:
    """The page of the dossiers `where` finds, newest first, with their open steps; counted up to
    COUNT_CAP unless `total` is known already (and the rows are that page's, `shown_page`)."""
    if total is None:
        total = _count(session, where)
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
    page = shown_page or page
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
