"""The citizen-ID structure check (property tests) and the population registry as the desk asks it,
against the real simulators served on a local port.

The fixtures here that serve the simulators (and an address for the product they call back) are
shared with the other connector tests, which import them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.config import Settings
from engine.integration.registry import (
    CENTURY_SEX,
    PROVINCE_CODES,
    RegistryUnavailable,
    check,
    check_structure,
    compare,
    lookup,
)
from simulators import create_app as create_simulators
from tests.serving import serving

POST_SECRET = "test-post-secret"
BANK_SECRET = "test-bank-secret"
# a person the registry is seeded with (workflows/P02.yaml, path post_delivery)
MAI = {"citizen_id": "051190004567", "full_name": "Trần Thị Mai", "date_of_birth": "1990-07-22", "sex": "female"}


# --- the outside systems, served for real ------------------------------------------------------


class ProductSlot:
    """The product's address, served before the product exists: each test plugs its own app in."""

    def __init__(self):
        self.app = None

    def __call__(self, environ, start_response):
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"no product plugged in"]
        return self.app(environ, start_response)


@dataclass
class Outside:
    url: str  # the simulators
    product: ProductSlot
    product_url: str  # where the simulators call the product

    def settings(self, **values: Any) -> Settings:
        return Settings(
            post_url=f"{self.url}/post",
            registry_url=f"{self.url}/registry",
            portal_url=f"{self.url}/portal",
            bank_url=f"{self.url}/bank",
            notify_url=f"{self.url}/notify",
            post_secret=POST_SECRET,
            bank_secret=BANK_SECRET,
            **values,
        )

    def post(self, path: str, body: dict | None = None, key: bool = False) -> httpx.Response:
        headers = {"Idempotency-Key": uuid.uuid4().hex} if key else {}
        return httpx.post(self.url + path, json=body or {}, headers=headers, timeout=10)

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, timeout=10)


@pytest.fixture(scope="session")
def outside() -> Iterator[Outside]:
    slot = ProductSlot()
    with serving(slot) as product_url:
        simulators = create_simulators(product_url=product_url, post_secret=POST_SECRET, bank_secret=BANK_SECRET)
        with serving(simulators) as url:
            yield Outside(url, slot, product_url)


@pytest.fixture
def sim(outside) -> Iterator[Outside]:
    outside.post("/_reset")
    yield outside
    outside.product.app = None


@pytest.fixture
def settings(database_url, sim) -> Settings:
    """The runtime's outside systems at the simulators' address."""
    return sim.settings(database_url=database_url)


# --- the structure of a citizen ID ---------------------------------------------------------------

DIGIT_FOR = {value: digit for digit, value in CENTURY_SEX.items()}


def citizen_id(province: str, born: date, sex: str, serial: int) -> str:
    century = born.year // 100 * 100
    return f"{province}{DIGIT_FOR[(century, sex)]}{born.year % 100:02d}{serial:06d}"


people = st.tuples(
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.dates(date(1800, 1, 1), date(2299, 12, 31)),
    st.sampled_from(["male", "female"]),
    st.integers(0, 999_999),
)


@given(people)
def test_an_id_made_from_the_birth_date_and_sex_passes(person):
    province, born, sex, serial = person
    number = citizen_id(province, born, sex, serial)
    assert check_structure(number, born, sex) == []
    assert check_structure(number, born.isoformat(), sex) == []  # as the application keeps it


@given(people, st.integers(0, 9))
def test_another_century_and_sex_digit_fails(person, digit):
    province, born, sex, serial = person
    number = citizen_id(province, born, sex, serial)
    if str(digit) == number[3]:
        digit = (digit + 1) % 10
    flipped = number[:3] + str(digit) + number[4:]
    problems = check_structure(flipped, born, sex)
    assert problems
    century, coded_sex = CENTURY_SEX[str(digit)]
    assert (coded_sex != sex) == any("4th digit" in p.en for p in problems)
    assert (century != born.year // 100 * 100) == any("birth year" in p.en for p in problems)


@given(people, st.integers(1, 99))
def test_another_birth_year_fails(person, shift):
    province, born, sex, serial = person
    number = citizen_id(province, born, sex, serial)
    wrong_year = f"{(born.year + shift) % 100:02d}"
    problems = check_structure(number[:4] + wrong_year + number[6:], born, sex)
    expected = (
        f"Digits 4 to 6 ({number[3]}{wrong_year}) stand for the birth year "
        f"{born.year // 100 * 100 + int(wrong_year)}, the application says {born.year}"
    )
    assert [p.en for p in problems] == [expected]


@pytest.mark.parametrize("number", ["05119000456", "0511900045678", "05119000456a", "", "０５１１９０００４５６７"])
def test_an_id_of_other_than_12_digits_fails(number):
    assert [p.en for p in check_structure(number, "1990-07-22", "female")] == ["A citizen ID has exactly 12 digits"]


@pytest.mark.parametrize("province", ["000", "003", "097", "999"])
def test_an_unpublished_province_code_fails(province):
    problems = check_structure(province + "190004567", "1990-07-22", "female")
    assert [p.en for p in problems] == [f"The province code '{province}' (first 3 digits) is not a published one"]
    assert "không có trong danh mục" in problems[0].vi


def test_a_missing_birth_date_or_sex_is_not_held_against_the_id():
    assert check_structure("051190004567") == []


# --- the registry ----------------------------------------------------------------------------------


def test_the_registry_holds_the_people_of_the_declared_paths(sim):
    settings = sim.settings()
    person = lookup(settings, MAI["citizen_id"])
    assert {k: person[k] for k in MAI} == MAI
    assert lookup(settings, "051090001234") is None  # nobody with that number


def test_a_registry_that_fails_or_is_not_there_is_reported_in_both_languages(sim):
    sim.post("/_control", {"service": "registry", "mode": "fail", "count": 1})
    with pytest.raises(RegistryUnavailable) as failed:
        lookup(sim.settings(), MAI["citizen_id"])
    assert failed.value.message.en.startswith("The population registry could not be reached")
    assert failed.value.message.vi.startswith("Không kết nối được")
    with serving(lambda environ, start_response: []) as url:
        gone = url  # a port nobody listens on once the server is stopped
    with pytest.raises(RegistryUnavailable):
        lookup(Settings(registry_url=gone), MAI["citizen_id"])
    assert check(Settings(registry_url=gone), MAI).found is None


def test_names_compare_without_case_or_spacing_but_with_accents():
    assert compare({**MAI, "full_name": "  trần   THỊ mai "}, MAI) == []
    differences = compare({**MAI, "full_name": "Tran Thi Mai"}, MAI)
    assert [(d.field, d.declared, d.registry) for d in differences] == [("full_name", "Tran Thi Mai", "Trần Thị Mai")]
    assert differences[0].label.vi == "Họ và tên"


def test_every_differing_field_is_listed_and_blank_ones_are_not():
    declared = {"full_name": "Trần Thị Mây", "date_of_birth": date(1990, 7, 23), "sex": "male", "citizen_id": "x"}
    assert [(d.field, d.declared, d.registry) for d in compare(declared, MAI)] == [
        ("full_name", "Trần Thị Mây", "Trần Thị Mai"),
        ("date_of_birth", "1990-07-23", "1990-07-22"),
        ("sex", "male", "female"),
    ]
    assert compare({"full_name": "Trần Thị Mai", "date_of_birth": "", "sex": None}, MAI) == []


def test_the_desk_check_puts_structure_and_registry_together(sim):
    settings = sim.settings()
    assert check(settings, MAI).matches
    mismatch = check(settings, {**MAI, "full_name": "Trần Thị Mây"})
    assert mismatch.found and not mismatch.matches and [d.field for d in mismatch.differences] == ["full_name"]
    unknown = check(settings, {"citizen_id": "051090001234", "date_of_birth": "1990-05-14", "sex": "female"})
    assert unknown.found is False
    assert [p.en for p in unknown.structure] == ["The 4th digit (0) stands for male, the application says female"]
