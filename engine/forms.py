"""Form fields declared in procedure metadata, and the server-side check of submitted values.

A form is checked as a whole: every bad field gets its own message, and nothing is changed unless
all fields pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# the most characters a value may have unless the form says otherwise: free text a paragraph or
# two, everything else (numbers, dates, codes, choices) a short line; nothing longer is even parsed
DEFAULT_MAX_LENGTH = {"text": 2000, "email": 254, "card_list": 200_000}  # a card list: ~4,000 cards
SHORT_VALUE = 100

FIELD_TYPES = (
    "text",
    "integer",
    "money",
    "date",
    "boolean",
    "choice",
    "citizen_id",
    "si_code",
    "hi_card",
    "phone",
    "email",
    "card_list",
)

_PATTERNS = {
    "citizen_id": (re.compile(r"^\d{12}$"), "Số CCCD gồm đúng 12 chữ số", "A citizen ID has exactly 12 digits"),
    "si_code": (
        re.compile(r"^\d{10}$"),
        "Mã số BHXH gồm đúng 10 chữ số",
        "A social-insurance code has exactly 10 digits",
    ),
    "hi_card": (
        re.compile(r"^[A-Z]{2}[1-5]\d{2}\d{10}$"),
        "Mã thẻ BHYT gồm 15 ký tự, ví dụ GD4797912345678",
        "A health-insurance card number has 15 characters, e.g. GD4797912345678",
    ),
    # mobile numbers have 10 digits, landlines 11 (area code 02xx); both start with 0
    "phone": (
        re.compile(r"^(0\d{9}|02\d{9})$"),
        "Số điện thoại gồm 10 chữ số (di động) hoặc 11 chữ số (cố định), bắt đầu bằng 0",
        "A phone number has 10 digits (mobile) or 11 (landline), starting with 0",
    ),
    "email": (
        re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
        "Địa chỉ thư điện tử không hợp lệ",
        "Not a valid e-mail address",
    ),
}


@dataclass(frozen=True)
class Message:
    """A message in both languages; the caller shows the one its user reads."""

    vi: str
    en: str

    def __str__(self) -> str:
        return self.en


@dataclass(frozen=True)
class Choice:
    value: str
    label: Message
    # the choice is closed once the dossier's data has this variable set (e.g. a supplement
    # request that may be made only once)
    unless: str | None = None


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    label: Message
    required: bool = False
    choices: tuple[Choice, ...] = ()
    min: int | None = None
    max: int | None = None
    required_if: Mapping[str, Any] = field(default_factory=dict)
    max_length: int | None = None  # characters; by default DEFAULT_MAX_LENGTH of the type

    @property
    def length_limit(self) -> int:
        return self.max_length or DEFAULT_MAX_LENGTH.get(self.type, SHORT_VALUE)

    def is_required(self, values: Mapping[str, Any]) -> bool:
        if self.required:
            return True
        return bool(self.required_if) and all(
            _as_text(values.get(k)) == _as_text(v) for k, v in self.required_if.items()
        )


class FormError(ValueError):
    """Submitted values failed their checks; `errors` maps each field name to its message."""

    def __init__(self, errors: dict[str, Message]):
        self.errors = errors
        listed = "; ".join(f"{name}: {msg.en}" for name, msg in errors.items())
        super().__init__(f"the form has errors: {listed}")


def validate(
    fields: tuple[Field, ...] | list[Field], values: Mapping[str, Any], context: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return the cleaned, typed values of the declared fields, or raise FormError.

    Names that the form does not declare are refused: a task can only set what its form allows.
    `context` is the dossier's data so far, for choices that close (`unless`).
    """
    errors: dict[str, Message] = {}
    declared = {f.name for f in fields}
    for name in values:
        if name not in declared:
            errors[name] = Message("Trường này không có trong biểu mẫu", "This field is not part of the form")
    cleaned: dict[str, Any] = {}
    for f in fields:
        raw = values.get(f.name)
        if _is_blank(raw):
            if f.is_required(values) and f.type == "choice":  # picked from a list, not typed
                errors[f.name] = Message(f"Vui lòng chọn {f.label.vi}", f"Choose {f.label.en}")
            elif f.is_required(values):
                errors[f.name] = Message(f"Vui lòng nhập {f.label.vi}", f"Enter {f.label.en}")
            elif f.type == "boolean":
                cleaned[f.name] = False
            continue
        limit = f.length_limit
        if len(_as_text(raw)) > limit:
            errors[f.name] = Message(f"Tối đa {limit} ký tự", f"At most {limit} characters")
            continue
        try:
            cleaned[f.name] = _clean(f, raw, context or {})
        except _Invalid as bad:
            errors[f.name] = bad.message
    if errors:
        raise FormError(errors)
    return cleaned


class _Invalid(Exception):
    def __init__(self, vi: str, en: str):
        self.message = Message(vi, en)


def _is_blank(raw: Any) -> bool:
    return raw is None or raw == [] or (isinstance(raw, str) and not raw.strip())


def _as_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _clean(f: Field, raw: Any, context: Mapping[str, Any]) -> Any:
    kind = f.type
    if kind == "card_list":
        return _card_list(raw)
    if kind == "text":
        return str(raw).strip()
    if kind in ("integer", "money"):
        number = _to_int(raw, kind)
        if kind == "money" and number < 0:
            raise _Invalid("Số tiền không được âm", "An amount cannot be negative")
        if f.min is not None and number < f.min:
            raise _Invalid(f"Giá trị tối thiểu là {f.min:,}".replace(",", "."), f"The minimum is {f.min:,}")
        if f.max is not None and number > f.max:
            raise _Invalid(f"Giá trị tối đa là {f.max:,}".replace(",", "."), f"The maximum is {f.max:,}")
        return number
    if kind == "date":
        if isinstance(raw, date):
            return raw
        text = str(raw).strip()
        parsed = parse_date(text)
        if parsed is None and (_DAY_FIRST.fullmatch(text) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)):
            # written as a date, but the calendar has no such day (31/02, or month and day swapped)
            raise _Invalid(
                f"Không có ngày {text}: ngày viết theo ngày/tháng/năm, ví dụ 31/12/1990",
                f"There is no day {text}: write the date as dd/mm/yyyy, e.g. 31/12/1990",
            )
        if parsed is None:
            raise _Invalid(
                "Ngày phải có dạng ngày/tháng/năm, ví dụ 31/12/1990", "Write the date as dd/mm/yyyy, e.g. 31/12/1990"
            )
        return parsed
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "1", "yes", "on", "có"):
            return True
        if text in ("false", "0", "no", "off", "không"):
            return False
        raise _Invalid("Chọn có hoặc không", "Choose yes or no")
    if kind == "choice":
        text = str(raw).strip()
        open_choices = [c for c in f.choices if not (c.unless and context.get(c.unless))]
        if text not in {c.value for c in open_choices}:
            allowed = ", ".join(c.value for c in open_choices)
            if text in {c.value for c in f.choices}:
                raise _Invalid(
                    f"Lựa chọn '{text}' không còn được dùng cho hồ sơ này; chọn một trong: {allowed}",
                    f"'{text}' can no longer be chosen for this dossier; choose one of: {allowed}",
                )
            raise _Invalid(f"Chọn một trong: {allowed}", f"Choose one of: {allowed}")
        return text
    pattern, vi, en = _PATTERNS[kind]
    text = str(raw).strip()
    if kind == "phone":  # people write 0255 3812 466 or 0912.345.678
        text = re.sub(r"[\s.\-]", "", text)
    if kind == "hi_card":
        text = text.upper()
    if not pattern.match(text):
        raise _Invalid(vi, en)
    return text


CARD_LIST_KEYS = ("citizen_id", "card_number", "valid_from", "valid_to")
# pasted from a spreadsheet (tabs), or typed with semicolons or commas
_CARD_LINE_SEPARATOR = re.compile(r"\s*[\t;,|]\s*")
_MAX_LINE_ERRORS = 5  # the first few lines in error are named; the officer fixes and sends again


def _card_list(raw: Any) -> list[dict[str, str]]:
    """Health-insurance cards issued to people other than the applicant (an employer's employees):
    one card per line, `citizen ID; card number; first valid day; last valid day`, as a list of
    dicts with ISO dates (the form's value is kept in the dossier's data and its history as JSON).
    The API may send the list itself, each card an object with those four keys."""
    if isinstance(raw, str):
        lines = [line for line in raw.splitlines() if line.strip()]
        rows = [_CARD_LINE_SEPARATOR.split(line.strip()) for line in lines]
    elif isinstance(raw, list) and all(isinstance(item, Mapping) for item in raw):
        rows = [[_as_text(item.get(key)) for key in CARD_LIST_KEYS] for item in raw]
    else:
        raise _Invalid("Danh sách thẻ phải là văn bản, mỗi thẻ một dòng", "The card list is text, one card per line")
    cards: list[dict[str, str]] = []
    problems: list[tuple[int, str, str]] = []
    holders: set[str] = set()
    for number, row in enumerate(rows, start=1):
        try:
            card = _card_row(row)
            if card["citizen_id"] in holders:
                raise _Invalid("số CCCD này đã có ở dòng trên", "this citizen ID is on an earlier line")
            holders.add(card["citizen_id"])
            cards.append(card)
        except _Invalid as bad:
            problems.append((number, bad.message.vi, bad.message.en))
    if problems:
        shown = problems[:_MAX_LINE_ERRORS]
        more = len(problems) - len(shown)
        vi = "; ".join(f"dòng {n}: {m}" for n, m, _ in shown) + (f"; và {more} dòng khác" if more else "")
        en = "; ".join(f"line {n}: {m}" for n, _, m in shown) + (f"; and {more} more lines" if more else "")
        raise _Invalid(vi[0].upper() + vi[1:], en[0].upper() + en[1:])
    return cards


def _card_row(row: list[str]) -> dict[str, str]:
    if len(row) != len(CARD_LIST_KEYS):
        raise _Invalid(
            "cần đủ 4 cột: số CCCD; mã thẻ BHYT; từ ngày; đến ngày",
            "4 columns needed: citizen ID; card number; valid from; valid to",
        )
    citizen_id, card_number, first, last = (part.strip() for part in row)
    for kind, value in (("citizen_id", citizen_id), ("hi_card", card_number.upper())):
        pattern, vi, en = _PATTERNS[kind]
        if not pattern.match(value):
            raise _Invalid(vi[0].lower() + vi[1:], en[0].lower() + en[1:])
    valid_from, valid_to = parse_date(first), parse_date(last)
    if valid_from is None or valid_to is None:
        raise _Invalid("ngày phải có dạng ngày/tháng/năm", "dates are written dd/mm/yyyy")
    if valid_to < valid_from:
        raise _Invalid("ngày hết hạn trước ngày bắt đầu", "the card ends before it starts")
    return {
        "citizen_id": citizen_id,
        "card_number": card_number.upper(),
        "valid_from": valid_from.isoformat(),
        "valid_to": valid_to.isoformat(),
    }


_DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")


def parse_date(text: str) -> date | None:
    """A date as people here write it (31/12/1990, also 31-12-1990 or 31.12.1990) or as a browser's
    date picker and the API send it (1990-12-31); None when it is neither or no such day exists."""
    text = text.strip()
    try:
        if found := _DAY_FIRST.fullmatch(text):
            day, month, year = (int(part) for part in found.groups())
            return date(year, month, day)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        return None
    return None


_GROUPED = re.compile(r"-?\d{1,3}(?:([.,  ])\d{3})(?:\1\d{3})*")
# the unit after an amount, as the pages write one ("1.500.000 đ") and people copy it back
_CURRENCY = re.compile(r"\s*(?:đ|đồng|vnđ|vnd)\.?$", re.IGNORECASE)


def _to_int(raw: Any, kind: str) -> int:
    if isinstance(raw, bool):
        raise _Invalid("Phải là một số nguyên", "Must be a whole number")
    if isinstance(raw, int):
        return raw
    text = str(raw).strip()
    if kind == "money":
        text = _CURRENCY.sub("", text)
    if kind == "money" and _GROUPED.fullmatch(text):  # people write 1.500.000 or 1,500,000 đồng
        text = re.sub(r"[., ]", "", text)
    if not re.fullmatch(r"-?\d+", text):
        if kind == "money":
            raise _Invalid("Số tiền là số nguyên đồng, không có phần lẻ", "An amount is a whole number of đồng")
        raise _Invalid("Phải là một số nguyên", "Must be a whole number")
    return int(text)
