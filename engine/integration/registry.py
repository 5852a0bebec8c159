"""The national population registry, as the one-stop desk uses it: is a citizen ID well formed for
the declared date of birth and sex, and does the registry hold the same name, birth date and sex
as the application declares?

The 12-digit citizen ID (Circular 59/2021/TT-BCA) reads: 3 digits of the province of birth
registration, 1 digit for century and sex, 2 digits for the year of birth, 6 serial digits.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from engine.config import Settings
from engine.errors import EngineError
from engine.forms import Message

TIMEOUT_SECONDS = 5.0

# province and city codes as published with the circular (the 63 provinces before the 2025 merger)
PROVINCE_CODES = frozenset(
    f"{n:03d}"
    for n in (
        1,
        2,
        4,
        6,
        8,
        10,
        11,
        12,
        14,
        15,
        17,
        19,
        20,
        22,
        24,
        25,
        26,
        27,
        30,
        31,
        33,
        34,
        35,
        36,
        37,
        38,
        40,
        42,
        44,
        45,
        46,
        48,
        49,
        51,
        52,
        54,
        56,
        58,
        60,
        62,
        64,
        66,
        67,
        68,
        70,
        72,
        74,
        75,
        77,
        79,
        80,
        82,
        83,
        84,
        86,
        87,
        89,
        91,
        92,
        93,
        94,
        95,
        96,
    )
)
# 4th digit: (first year of the century, sex)
CENTURY_SEX = {
    "0": (1900, "male"),
    "1": (1900, "female"),
    "2": (2000, "male"),
    "3": (2000, "female"),
    "4": (2100, "male"),
    "5": (2100, "female"),
    "6": (2200, "male"),
    "7": (2200, "female"),
    "8": (1800, "male"),
    "9": (1800, "female"),
}


class RegistryUnavailable(EngineError):
    """The registry did not answer (down, slow, or an answer that makes no sense)."""


@dataclass(frozen=True)
class Difference:
    field: str
    label: Message
    declared: str
    registry: str


@dataclass(frozen=True)
class RegistryCheck:
    """What the desk sees about an applicant: `found` is None when the registry could not be asked."""

    citizen_id: str
    structure: list[Message]
    found: bool | None
    differences: list[Difference]

    @property
    def matches(self) -> bool:
        return bool(self.found) and not self.differences


def check_structure(citizen_id: str, date_of_birth: date | str | None = None, sex: str | None = None) -> list[Message]:
    """What is wrong with the citizen ID's structure, given the declared birth date and sex (either
    may be missing: then that part is not checked)."""
    text = (citizen_id or "").strip()
    if len(text) != 12 or not text.isascii() or not text.isdigit():
        return [Message("Số CCCD gồm đúng 12 chữ số", "A citizen ID has exactly 12 digits")]
    problems = []
    if text[:3] not in PROVINCE_CODES:
        problems.append(
            Message(
                f"Mã tỉnh '{text[:3]}' (3 chữ số đầu) không có trong danh mục",
                f"The province code '{text[:3]}' (first 3 digits) is not a published one",
            )
        )
    century, coded_sex = CENTURY_SEX[text[3]]
    if sex in ("male", "female") and sex != coded_sex:
        problems.append(
            Message(
                f"Chữ số thứ 4 ({text[3]}) ứng với giới tính {_SEX_VI[coded_sex]}, hồ sơ khai {_SEX_VI[sex]}",
                f"The 4th digit ({text[3]}) stands for {coded_sex}, the application says {sex}",
            )
        )
    born = _as_date(date_of_birth)
    if born is not None and century + int(text[4:6]) != born.year:
        problems.append(
            Message(
                f"Chữ số thứ 4 đến 6 ({text[3:6]}) ứng với năm sinh {century + int(text[4:6])}, hồ sơ khai {born.year}",
                f"Digits 4 to 6 ({text[3:6]}) stand for the birth year {century + int(text[4:6])}, "
                f"the application says {born.year}",
            )
        )
    return problems


@functools.cache
def _client() -> httpx.Client:
    """One client for every lookup (httpx's clients are thread-safe): making one loads the system's CA
    certificates, about 0.15 s of CPU, which the desk's task page paid on every view (bench/load/)."""
    return httpx.Client(timeout=TIMEOUT_SECONDS)


def lookup(settings: Settings, citizen_id: str) -> dict[str, Any] | None:
    """The registry's record of the person, or None if it has none."""
    url = f"{settings.registry_url.rstrip('/')}/people/{citizen_id}"
    try:
        response = _client().get(url)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        person = response.json()
        if not isinstance(person, dict):
            raise TypeError("not a JSON object")
        return person
    except (httpx.HTTPError, ValueError, TypeError) as error:
        raise RegistryUnavailable(
            "Không kết nối được Cơ sở dữ liệu quốc gia về dân cư; hãy đối chiếu giấy tờ trực tiếp",
            "The population registry could not be reached; check the papers by hand",
        ) from error


_LABELS = {
    "full_name": Message("Họ và tên", "Full name"),
    "date_of_birth": Message("Ngày sinh", "Date of birth"),
    "sex": Message("Giới tính", "Sex"),
}
_SEX_VI = {"male": "nam", "female": "nữ"}


def compare(application: dict[str, Any], person: dict[str, Any]) -> list[Difference]:
    """The declared fields that differ from the registry: names compared without regard to case or
    spacing but with their accents (Lê and Le are different people), dates as dates."""
    differences = []
    for name, label in _LABELS.items():
        declared, held = application.get(name), person.get(name)
        if declared in (None, ""):
            continue
        if _normal(name, declared) != _normal(name, held):
            differences.append(Difference(name, label, _shown(declared), _shown(held)))
    return differences


def check(settings: Settings, application: dict[str, Any]) -> RegistryCheck:
    """The desk's check of an application's citizen ID: structure, then the registry; a registry
    that cannot be reached leaves `found` None rather than failing the page."""
    citizen_id = str(application.get("citizen_id") or "").strip()
    structure = check_structure(citizen_id, application.get("date_of_birth"), application.get("sex"))
    if not (len(citizen_id) == 12 and citizen_id.isascii() and citizen_id.isdigit()):
        return RegistryCheck(citizen_id, structure, False, [])  # no such number can be registered
    try:
        person = lookup(settings, citizen_id)
    except RegistryUnavailable:
        return RegistryCheck(citizen_id, structure, None, [])
    if person is None:
        return RegistryCheck(citizen_id, structure, False, [])
    return RegistryCheck(citizen_id, structure, True, compare(application, person))


def _as_date(value: date | str | None) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return None


def _normal(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "date_of_birth":
        return _as_date(value) or str(value).strip()
    text = unicodedata.normalize("NFC", str(value))  # the same letters typed composed or not
    return " ".join(text.split()).casefold()


def _shown(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


class PersonNotFound(EngineError):
    """The registry holds nobody under this citizen ID."""


# the registry's fields an application form may have under the same name
_PREFILLED = ("citizen_id", "full_name", "date_of_birth", "sex", "address")


def prefill(settings: Settings, citizen_id: str) -> dict[str, str]:
    """The person the registry holds under a citizen ID, as starting values of an application form
    (citizen_id, full_name, date_of_birth, sex, address). Raises PersonNotFound, RegistryUnavailable,
    or PersonNotFound for a number that cannot be a citizen ID."""
    text = (citizen_id or "").strip()
    if len(text) != 12 or not text.isascii() or not text.isdigit():
        raise PersonNotFound("Số CCCD gồm đúng 12 chữ số", "A citizen ID has exactly 12 digits")
    person = lookup(settings, text)
    if person is None:
        raise PersonNotFound(
            f"Không tìm thấy số CCCD {text} trong Cơ sở dữ liệu quốc gia về dân cư; hãy nhập theo giấy tờ",
            f"The citizen ID {text} was not found in the population registry; fill in the form from the papers",
        )
    values = {name: _shown(person.get(name)) for name in _PREFILLED}
    values["citizen_id"] = text
    return {name: value for name, value in values.items() if value and value != "None"}
