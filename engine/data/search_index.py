"""The search projection: the words and numbers a dossier is found by, kept in `search_terms` so
officers' searches never read the application data (JSON) or the workflow state.

Every value is folded to plain lowercase ASCII letters and digits (no accents, đ as d), the same way
a query is (engine.dossiers.search), so "nguyen van hung" finds "Nguyễn Văn Hùng" by prefix on an
ordinary index, on PostgreSQL and SQLite alike. Written when a dossier is submitted and again when
a step changes the applicant's data; the migration that made the table filled it for the dossiers
before it.

A name is also kept whole, from each of its words on ("=nguyen van an", "=van an"; kind `fullname`):
people type a name in order, and one prefix range on it finds a whole name of common words that the
ranges of its single words (tens of thousands of dossiers each) would only find intersected. The
leading mark keeps these out of a single word's range: a query's words are letters and digits only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, insert
from sqlalchemy.orm import Session

from engine.data.db import execute_at_commit
from engine.data.models import SearchTerm

# the application fields a dossier is found by, per kind of term
NAME_FIELDS = ("full_name", "organisation_name", "employee_name")
ID_FIELDS = ("citizen_id", "employee_citizen_id")
PHONE_FIELDS = ("phone",)
TAX_FIELDS = ("tax_code",)
SEARCHED_FIELDS = frozenset(NAME_FIELDS + ID_FIELDS + PHONE_FIELDS + TAX_FIELDS)

MAX_VALUE = 100  # the column's length; longer words are cut (a prefix still finds them)

FULLNAME = "="  # begins a name kept whole; never the beginning of a query's word
# <office>-<yymmdd>-<sequence>: the day and the sequence are what people read out and type
_CODE = re.compile(r"-(\d{6})-(\d+)$")
_T = SearchTerm.__table__
_INSERT = insert(_T).inline()  # no RETURNING of ids nobody reads


def fold(text: str) -> str:
    """Lowercase without accents: "Nguyễn Văn Hùng" -> "nguyen van hung", "Đỗ" -> "do"."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "d").lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The folded words of a text (letters and digits; anything else separates)."""
    return re.findall(r"[a-z0-9]+", fold(text))


def digits(text: str) -> str:
    return re.sub(r"\D", "", str(text))


def phone_digits(text: str) -> str:
    """A phone number as written at home: +84 905 123 456 -> 0905123456."""
    number = digits(text)
    if number.startswith("84") and len(number) == 11:
        return "0" + number[2:]
    return number


def whole_names(name: str) -> list[str]:
    """A name of several words kept whole from each of its words on but the last (found by a name
    typed in order, whole or its end): "Nguyễn Văn An" -> ["=nguyen van an", "=van an"]."""
    found = words(name)
    return [FULLNAME + " ".join(found[i:]) for i in range(len(found) - 1)]


def code_terms(code: str) -> set[str]:
    """A dossier code's parts: day and sequence together (261122-0001 -> 2611220001), the sequence
    as printed (0001) and as said (1)."""
    found = _CODE.search(code)
    if found is None:
        return {v for v in words(code) if v}
    day, sequence = found.groups()
    return {day + sequence, sequence, str(int(sequence))}


def terms(code: str, applicant_name: str, applicant_id_number: str, data: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(kind, value) pairs a dossier is found by: its code, whom it is filed under, and the names,
    ID numbers, phones and tax codes its application holds."""
    found: set[tuple[str, str]] = {("code", v) for v in code_terms(code)}
    names = [applicant_name, *(data.get(f) for f in NAME_FIELDS)]
    found |= {("name", w) for name in names if name for w in words(name)}
    found |= {("fullname", v) for name in names if name for v in whole_names(name)}
    found |= {("id", digits(v)) for v in (applicant_id_number, *(data.get(f) for f in ID_FIELDS)) if v}
    found |= {("phone", phone_digits(v)) for v in (data.get(f) for f in PHONE_FIELDS) if v}
    found |= {("tax", digits(v)) for v in (data.get(f) for f in TAX_FIELDS) if v}
    return {(kind, value[:MAX_VALUE]) for kind, value in found if value}


def write_terms(conn: Connection, dossier_id: int, found: set[tuple[str, str]]) -> None:
    """Replace the dossier's terms (in the caller's transaction)."""
    conn.execute(delete(_T).where(_T.c.dossier_id == dossier_id))
    if found:
        conn.execute(_INSERT, _rows(dossier_id, found))


def write_new_terms(session: Session, dossier_id: int, found: set[tuple[str, str]]) -> None:
    """A new dossier's terms, written at commit (engine.data.db.execute_at_commit)."""
    if found:
        execute_at_commit(session, _INSERT, _rows(dossier_id, found))


def _rows(dossier_id: int, found: set[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"dossier_id": dossier_id, "kind": k, "value": v} for k, v in sorted(found)]
