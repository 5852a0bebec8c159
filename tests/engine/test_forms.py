"""Server-side checks of form values declared in procedure metadata."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.forms import Choice, Field, FormError, Message, validate
from engine.workflow.metadata import read_procedure


def field(name, kind, **kw):
    return Field(name=name, type=kind, label=Message(name, name), **kw)


DECISION = field(
    "decision",
    "choice",
    required=True,
    choices=(Choice("accept", Message("a", "a")), Choice("refuse", Message("r", "r"))),
)
REASON = field("reason", "text", required_if={"decision": "refuse"})


@pytest.mark.parametrize(
    "kind,raw,expected",
    [
        ("text", "  Nguyễn Văn An ", "Nguyễn Văn An"),
        ("integer", "42", 42),
        ("money", "1.500.000", 1_500_000),
        ("money", "1,500,000", 1_500_000),
        ("money", 2_000_000, 2_000_000),
        # with the unit, as the pages themselves show an amount ("1.500.000 đ") and people copy it
        ("money", "1.500.000 đ", 1_500_000),
        ("money", "1500000đ", 1_500_000),
        ("money", "2.000.000 đồng", 2_000_000),
        ("money", "2.000.000 VNĐ", 2_000_000),
        ("money", "2,000,000 VND", 2_000_000),
        ("date", "1990-05-14", date(1990, 5, 14)),
        ("date", "14/05/1990", date(1990, 5, 14)),  # as people here write it
        ("date", " 4/5/1990 ", date(1990, 5, 4)),
        ("boolean", "on", True),
        ("boolean", "false", False),
        ("citizen_id", "051090001234", "051090001234"),
        ("si_code", "5101234567", "5101234567"),
        ("hi_card", "gd4797912345678", "GD4797912345678"),
        ("phone", "0912345678", "0912345678"),
        ("phone", "0255 3812 466", "02553812466"),  # a landline in Quảng Ngãi
        ("phone", "0912.345.678", "0912345678"),
        ("email", "an@example.vn", "an@example.vn"),
    ],
)
def test_good_values_are_cleaned_to_their_type(kind, raw, expected):
    assert validate([field("x", kind)], {"x": raw}) == {"x": expected}


@pytest.mark.parametrize(
    "kind,raw,words",
    [
        ("integer", "4.5", "whole number"),
        ("money", "1500000.50", "whole number of đồng"),
        ("money", "-5", "negative"),
        ("date", "31/02/1990", "dd/mm/yyyy, e.g. 31/12/1990"),  # no such day
        ("date", "05/14/1990", "dd/mm/yyyy"),  # month first is not read as a date
        ("date", "14 May 1990", "dd/mm/yyyy"),
        ("boolean", "maybe", "yes or no"),
        ("citizen_id", "05109000123", "12 digits"),
        ("si_code", "51012345AB", "10 digits"),
        ("hi_card", "GD9797912345678", "15 characters"),
        ("phone", "912345678", "10 digits"),
        ("phone", "09123456789", "10 digits"),  # 11 digits but not a landline (02...)
        ("email", "an-at-example", "e-mail"),
    ],
)
def test_bad_values_get_a_message_beside_the_field(kind, raw, words):
    with pytest.raises(FormError) as refused:
        validate([field("x", kind)], {"x": raw})
    assert words in refused.value.errors["x"].en
    assert refused.value.errors["x"].vi  # and in Vietnamese


@pytest.mark.parametrize("raw", ["31/02/1990", "29/02/2026", "2026-02-30", "05/14/1990"])
def test_a_day_the_calendar_does_not_have_is_called_that(raw):
    with pytest.raises(FormError) as refused:
        validate([field("x", "date")], {"x": raw})
    said = refused.value.errors["x"]
    assert said.vi.startswith(f"Không có ngày {raw}") and said.en.startswith(f"There is no day {raw}")
    assert "31/12/1990" in said.vi  # and how a date is written, in case day and month were swapped


def test_limits_choices_and_conditional_requirements():
    income = field("income", "money", min=1_500_000, max=46_800_000)
    with pytest.raises(FormError) as refused:
        validate([income, DECISION, REASON], {"income": "1000000", "decision": "refuse"})
    assert set(refused.value.errors) == {"income", "reason"}
    assert "minimum is 1,500,000" in refused.value.errors["income"].en

    assert validate([DECISION, REASON], {"decision": "accept"}) == {"decision": "accept"}
    with pytest.raises(FormError, match="Choose one of: accept, refuse"):
        validate([DECISION], {"decision": "maybe"})


def test_fields_the_form_does_not_declare_are_refused():
    with pytest.raises(FormError) as refused:
        validate([DECISION], {"decision": "accept", "status": 10})
    assert "not part of the form" in refused.value.errors["status"].en


@given(st.integers(min_value=0, max_value=10**12))
def test_money_written_with_dot_separators_reads_back_exactly(amount):
    written = f"{amount:,}".replace(",", ".")
    assert validate([field("m", "money")], {"m": written}) == {"m": amount}


@given(st.text(alphabet="0123456789", min_size=0, max_size=14))
def test_citizen_ids_are_exactly_twelve_digits(digits):
    try:
        validate([field("id", "citizen_id", required=True)], {"id": digits})
        assert len(digits) == 12
    except FormError:
        assert len(digits) != 12


def test_every_value_has_a_length_limit_the_form_may_set():
    note = Field("note", "text", Message("Ghi chú", "Note"))
    short = Field("code", "text", Message("Mã", "Code"), max_length=5)
    count = Field("count", "integer", Message("Số", "Count"))
    assert validate([note], {"note": "x" * 2000}) == {"note": "x" * 2000}
    with pytest.raises(FormError) as refused:
        validate([note, short, count], {"note": "x" * 2001, "code": "abcdef", "count": "1" * 101})
    assert {name: m.en for name, m in refused.value.errors.items()} == {
        "note": "At most 2000 characters",
        "code": "At most 5 characters",
        "count": "At most 100 characters",
    }


@pytest.mark.parametrize(
    "field, words",
    [
        ({"name": "full_name", "type": "text", "label": {"vi": "Họ tên", "en": "Name"}}, "set max_length"),
        ({"name": "full_name", "type": "text", "max_length": 500, "label": {"vi": "Họ tên", "en": "Name"}}, "200"),
        ({"name": "note", "type": "text", "max_length": 0, "label": {"vi": "Ghi chú", "en": "Note"}}, "above 0"),
    ],
)
def test_metadata_gives_names_a_length_that_fits_and_no_nonsense_limits(field, words):
    raw = {"code": "X09", "process_id": "X09", "name": {"vi": "Thử", "en": "Test"}, "limit": {"days": 5}}
    _meta, problems = read_procedure({**raw, "application": [field]}, "X09.yaml")
    assert any(words in p.reason for p in problems), problems


CARDS = field("issued_cards", "card_list", required=True)


def test_a_card_list_reads_each_line_as_pasted_or_typed_and_the_api_may_send_objects():
    pasted = (
        "051086258033\tdn4515126861113\t01/12/2026\t30/11/2027\n"
        "\n"
        " 051304971356 , DN4515126909395,2026-12-01,30.11.2027 "
    )
    cards = validate([CARDS], {"issued_cards": pasted})["issued_cards"]
    assert cards == [
        {
            "citizen_id": "051086258033",
            "card_number": "DN4515126861113",
            "valid_from": "2026-12-01",
            "valid_to": "2027-11-30",
        },
        {
            "citizen_id": "051304971356",
            "card_number": "DN4515126909395",
            "valid_from": "2026-12-01",
            "valid_to": "2027-11-30",
        },
    ]
    assert validate([CARDS], {"issued_cards": cards})["issued_cards"] == cards  # as the API sends it
    with pytest.raises(FormError) as empty:
        validate([CARDS], {"issued_cards": []})
    assert empty.value.errors["issued_cards"].en == "Enter issued_cards"


@pytest.mark.parametrize(
    "line,vi",
    [
        ("051086258033; DN4515126861113; 01/12/2026", "Dòng 1: cần đủ 4 cột: số CCCD; mã thẻ BHYT; từ ngày; đến ngày"),
        (
            "051086258033; DN45151268611; 01/12/2026; 30/11/2027",
            "Dòng 1: mã thẻ BHYT gồm 15 ký tự, ví dụ GD4797912345678",
        ),
        ("051086258033; DN4515126861113; 31/11/2026; 30/11/2027", "Dòng 1: ngày phải có dạng ngày/tháng/năm"),
        ("051086258033; DN4515126861113; 01/12/2027; 30/11/2027", "Dòng 1: ngày hết hạn trước ngày bắt đầu"),
    ],
)
def test_a_bad_card_line_is_named_with_what_is_wrong(line, vi):
    with pytest.raises(FormError) as refused:
        validate([CARDS], {"issued_cards": line})
    assert refused.value.errors["issued_cards"].vi == vi


def test_a_long_list_with_many_bad_lines_names_the_first_five_and_counts_the_rest():
    lines = "\n".join(f"05108625803{n}; DN4515126861113; 01/12/2026" for n in range(8))
    with pytest.raises(FormError) as refused:
        validate([CARDS], {"issued_cards": lines})
    message = refused.value.errors["issued_cards"]
    assert message.en.startswith("Line 1: 4 columns needed") and message.en.count("line ") == 4
    assert message.en.endswith("; and 3 more lines") and message.vi.endswith("; và 3 dòng khác")
    with pytest.raises(FormError) as wrong_type:
        validate([CARDS], {"issued_cards": 42})
    assert wrong_type.value.errors["issued_cards"].en == "The card list is text, one card per line"
