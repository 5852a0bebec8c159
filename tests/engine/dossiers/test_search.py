"""Officers' search (engine/dossiers/search.py) over the search projection (engine/data/search_index.py):
names with or without accents, ID numbers, phones, tax codes, code parts; units kept apart; paging;
the projection filled for dossiers submitted before it existed."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select

from engine.data.migrate import alembic_config, upgrade
from engine.data.models import SearchTerm
from engine.dossiers import search
from engine.dossiers.search import QueryRefused
from engine.people.officers import Actor
from engine.workflow.catalogue import load_catalogue
from tests.helpers import P02_APPLICATION, open_task

MINIMAL = Path(__file__).resolve().parents[2] / "fixtures" / "minimal" / "X01.bpmn"
OFFICE = ("BHXH.QNI",)
DISTRICT = "BHXH.QNI.SONTINH"


def start(runtime, clock, unit=None, **changes) -> str:
    clock.advance(timedelta(minutes=1))  # distinct submission times: a stable order
    application = {**P02_APPLICATION, **changes}
    return runtime.dossiers.start("P02", application, Actor.applicant(application["full_name"]), unit_code=unit)


def find(runtime, query: str, units=OFFICE, page: int = 1, size: int = 20) -> list[str]:
    return [hit.code for hit in results(runtime, query, units, page, size).items]


def results(runtime, query: str, units=OFFICE, page: int = 1, size: int = 20) -> search.Results:
    with runtime.db.read() as session:
        return search.search(session, units, query, page, size)


def test_a_name_is_found_with_or_without_accents_in_any_case(runtime, office, clock):
    hung = start(runtime, clock, full_name="Nguyễn Văn Hùng", citizen_id="051085012345")
    dao = start(runtime, clock, full_name="Đỗ Thị Đào", citizen_id="051190004321")
    start(runtime, clock, full_name="Nguyễn Văn Hải", citizen_id="051090001111")
    for query in ["nguyen van hung", "Nguyễn Văn Hùng", "NGUYEN VAN HUNG", "hung nguyen", "nguy hùn", "  văn   hùng "]:
        assert find(runtime, query) == [hung], query
    assert find(runtime, "do thi dao") == [dao]  # đ folds to d
    assert find(runtime, "đào") == [dao]
    assert set(find(runtime, "nguyen van")) == {hung, find(runtime, "hai")[0]}
    assert find(runtime, "nguyen van hoa") == []
    hit = results(runtime, "hung").items[0]
    assert hit.applicant_name == "Nguyễn Văn Hùng" and hit.procedure_code == "P02" and hit.status == 1
    assert [s.title for s in hit.steps] and hit.steps[0].due_at is not None  # the step it waits in, and when


def test_an_id_number_a_phone_and_a_tax_code(runtime, office, clock, catalogue):
    mine = start(runtime, clock, citizen_id="051085012345", phone="0905123456")
    start(runtime, clock, citizen_id="051190004321", phone="0912000111")
    assert find(runtime, "051085012345") == [mine]
    assert find(runtime, "05108501") == [mine]  # its beginning
    assert find(runtime, "051 085 012 345") == [mine]
    assert find(runtime, "0905123456") == [mine]
    assert find(runtime, "0905 123 456") == [mine]
    assert find(runtime, "+84 905 123 456") == [mine]  # as written with the country code
    assert find(runtime, "0999999999") == []

    employer = catalogue.procedures["P01"].meta.paths["happy"].start  # Công ty TNHH Thủy sản Sa Huỳnh
    clock.advance(timedelta(minutes=1))
    code = runtime.dossiers.start("P01", employer, Actor.applicant(employer["organisation_name"]))
    assert find(runtime, employer["tax_code"]) == [code]
    assert find(runtime, "cong ty thuy san sa huynh") == [code]


def test_a_code_whole_or_in_part(runtime, office, clock):
    first, second = start(runtime, clock), start(runtime, clock)
    office_code, day, sequence = second.rsplit("-", 2)
    assert find(runtime, second) == [second]
    assert find(runtime, second.lower()) == [second]
    assert find(runtime, f"{day}-{sequence}") == [second]
    assert find(runtime, sequence) == [second]  # the sequence number as printed (0002)
    assert find(runtime, f"{office_code}-{day}") == [second, first]  # the day's dossiers, newest first
    with runtime.db.read() as session:
        assert search.exact_code(session, OFFICE, f" {second.lower()} ") == second
        assert search.exact_code(session, OFFICE, f"{day}-{sequence}") is None
        assert search.exact_code(session, (DISTRICT,), second) is None  # not a dossier of that unit


def test_an_officer_finds_only_the_dossiers_of_their_units(runtime, office, clock):
    here = start(runtime, clock, full_name="Lê Thị Hồng", citizen_id="051085099999")
    there = start(runtime, clock, unit=DISTRICT, full_name="Lê Thị Hồng", citizen_id="051085088888")
    assert find(runtime, "le thi hong") == [here]
    assert find(runtime, "le thi hong", units=(DISTRICT,)) == [there]
    assert find(runtime, "051085088888") == []
    assert find(runtime, there) == []
    assert find(runtime, "le thi hong", units=()) == []  # no working role anywhere: nothing
    assert set(find(runtime, "hong", units=(*OFFICE, DISTRICT))) == {here, there}


def test_results_are_paged_newest_first(runtime, office, clock):
    codes = [start(runtime, clock, full_name="Phạm Văn Bình", citizen_id=f"0510850{n:05d}") for n in range(23)]
    newest_first = list(reversed(codes))
    first = results(runtime, "pham van binh", size=10)
    assert first.total == 23 and first.pages == 3
    assert [h.code for h in first.items] == newest_first[:10]
    assert find(runtime, "pham van binh", page=2, size=10) == newest_first[10:20]
    assert find(runtime, "pham van binh", page=3, size=10) == newest_first[20:]
    assert find(runtime, "pham van binh", page=4, size=10) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Type what to search for"),
        ("   ", "Type what to search for"),
        ("hu", "Type at least 3 letters or digits"),
        ("0 9", "Type at least 3 letters or digits"),
        ("-- .. --", "Type at least 3 letters or digits"),
        ("a" * 201, "A search is at most 200 characters long"),
        ("a b c d e f g h i", "Search with at most 8 words"),
    ],
)
def test_an_empty_short_or_long_query_is_refused_with_a_reason(runtime, office, clock, query, message):
    start(runtime, clock)
    with pytest.raises(QueryRefused) as refused:
        results(runtime, query)
    assert refused.value.message.en == message and refused.value.message.vi


def test_the_migration_fills_the_projection_for_dossiers_submitted_before_it(runtime, office, clock):
    hung = start(runtime, clock, full_name="Nguyễn Văn Hùng", citizen_id="051085012345", phone="0905123456")
    with runtime.db.engine.begin() as connection:  # back to the schema before the projection
        config = alembic_config(runtime.db)
        config.attributes["connection"] = connection
        command.downgrade(config, "0021_application_drafts")
    upgrade(runtime.db)
    with runtime.db.read() as session:
        assert session.scalar(select(func.count()).select_from(SearchTerm)) > 0
    assert find(runtime, "nguyen van hung") == [hung]
    assert find(runtime, "051085012345") == [hung]
    assert find(runtime, "0905123456") == [hung]
    assert find(runtime, hung.rsplit("-", 1)[1]) == [hung]


def test_a_step_that_corrects_the_applicants_phone_makes_the_dossier_found_by_the_new_one(
    runtime, office, clock, tmp_path
):
    draft = tmp_path / "X01.bpmn"  # the smallest procedure, its desk check asking for a phone number
    shutil.copy(MINIMAL, draft)
    text = MINIMAL.with_suffix(".yaml").read_text("utf-8")
    phone = '      - {name: phone, type: text, required: false, label: {vi: "Điện thoại", en: "Phone"}}\n'
    draft.with_suffix(".yaml").write_text(
        text.replace("tasks:\n  desk_check:\n    fields:\n", "tasks:\n  desk_check:\n    fields:\n" + phone)
    )
    runtime.deploy(load_catalogue(runtime.settings.bpmn_dir, runtime.settings.workflows_dir, only=[draft]))
    code = runtime.dossiers.start("X01", {"full_name": "Võ Thị Sáu"}, Actor.applicant("Sáu"))
    assert find(runtime, "0905999888") == []
    task = open_task(runtime, code, "desk_check")
    runtime.dossiers.claim(task.id, office.desk)
    runtime.dossiers.complete_task(task.id, office.desk, {"decision": "accept", "phone": "0905 999 888"})
    assert find(runtime, "0905999888") == [code]
    assert find(runtime, "vo thi sau") == [code]  # what it was found by before still finds it


def test_a_common_word_is_counted_up_to_the_cap_and_its_newest_page_listed(runtime, office, clock, monkeypatch):
    codes = [start(runtime, clock, full_name="Nguyễn Văn Bình", citizen_id=f"0510850{n:05d}") for n in range(5)]
    monkeypatch.setattr(search, "COUNT_CAP", 3)  # 1,000 in the office: five dossiers stand for them here

    found = results(runtime, "nguyen", size=2)

    assert (found.total, found.more, found.pages) == (3, True, 2)
    assert [h.code for h in found.items] == codes[::-1][:2]
    few = results(runtime, codes[0].rsplit("-", 1)[1])
    assert (few.total, few.more) == (1, False)


def test_the_unit_newest_first_index_serves_the_first_page(runtime, office):
    if not runtime.db.is_sqlite:
        pytest.skip("the plan is read on SQLite; PostgreSQL chooses by its statistics")
    with runtime.db.read() as session:
        plan = (
            session.connection()
            .exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM dossiers WHERE unit_code IN ('BHXH.QNI') "
                "AND id IN (SELECT dossier_id FROM search_terms WHERE value >= 'nguyen' AND value < 'nguyeo') "
                "ORDER BY submitted_at DESC, id DESC LIMIT 20"
            )
            .all()
        )
    said = " ".join(str(row[-1]) for row in plan)
    assert "ix_dossiers_unit_submitted" in said and "TEMP B-TREE FOR ORDER BY" not in said


def test_a_word_many_dossiers_have_is_read_newest_first_whatever_terms_it_begins(runtime, office, clock, monkeypatch):
    # "few" is 2,000 dossiers in the office: here a word found in more than two stands for a family
    # name found in tens of thousands, read newest first instead of whole
    monkeypatch.setattr(search, "FEW", 2)
    names = ["Nguyễn Văn Bình", "Trần Ngọc Anh", "Nguyễn Thị Mai", "Lê Văn Ngọc", "Ngô Văn Sáu", "Phạm Văn Bình"]
    codes = [start(runtime, clock, full_name=name, citizen_id=f"0510850{n:05d}") for n, name in enumerate(names)]
    elsewhere = start(runtime, clock, unit=DISTRICT, full_name="Ngô Thị Lan", citizen_id="051085088888")

    # "ngo" begins two terms (ngo, ngoc): both read, newest first, the district's dossier passed over
    found = results(runtime, "ngo")
    assert [h.code for h in found.items] == [codes[4], codes[3], codes[1]]
    assert (found.total, found.more) == (3, False)
    assert set(find(runtime, "ngo", units=(*OFFICE, DISTRICT))) == {codes[4], codes[3], codes[1], elsewhere}

    monkeypatch.setattr(search, "COUNT_CAP", 3)  # counted up to the cap, paged newest first
    first, second = results(runtime, "van", size=2), results(runtime, "van", page=2, size=2)
    assert (first.total, first.more, first.pages) == (3, True, 2)
    assert [h.code for h in first.items] == [codes[5], codes[4]]
    assert [h.code for h in second.items] == [codes[3], codes[0]]

    # several words each found in many: the dossiers all of them find
    monkeypatch.setattr(search, "FEW", 1)
    assert find(runtime, "van binh") == [codes[5], codes[0]]
    # one of them found in few bounds the search; the others are checked on those dossiers only
    monkeypatch.setattr(search, "FEW", 2)
    assert find(runtime, "binh nguyen") == [codes[0]]
    assert find(runtime, "nguyen mai") == [codes[2]]


def test_a_whole_name_typed_in_order_is_found_by_the_names_kept_whole(runtime, office, clock, monkeypatch):
    names = ["Nguyễn Văn An", "Nguyễn Văn Anh", "Nguyễn Thị An", "Trần Văn An", "An Văn Nguyễn"]
    codes = [start(runtime, clock, full_name=name, citizen_id=f"0510850{n:05d}") for n, name in enumerate(names)]
    elsewhere = start(runtime, clock, unit=DISTRICT, full_name="Nguyễn Văn An", citizen_id="051085088888")
    with runtime.db.read() as session:
        kept = session.scalars(select(SearchTerm.value).where(SearchTerm.kind == "fullname")).all()
    assert {"=nguyen van an", "=van an", "=an van nguyen"} <= set(kept)

    assert find(runtime, "Nguyễn Văn An") == [codes[1], codes[0]]  # its last word a beginning: Anh too
    assert find(runtime, "nguyen van") == [codes[1], codes[0]]  # a whole name's beginning
    assert find(runtime, "văn an") == [codes[3], codes[1], codes[0]]  # its end, from a word on
    assert find(runtime, "Nguyễn Văn An", units=(DISTRICT,)) == [elsewhere]  # another unit's apart
    # words out of order, or a word's beginning before the last: each word of the name, in any order
    assert find(runtime, "an nguyen") == [codes[4], codes[2], codes[1], codes[0]]
    assert find(runtime, "nguy an") == [codes[4], codes[2], codes[1], codes[0]]
    # a name in order found only in another unit: the words are searched for apart in the officer's own
    assert find(runtime, "an van nguyen", units=(DISTRICT,)) == [elsewhere]

    monkeypatch.setattr(search, "COUNT_CAP", 1)  # counted up to the cap, newest first
    found = results(runtime, "nguyen van an", size=1)
    assert (found.total, found.more, [h.code for h in found.items]) == (1, True, [codes[1]])
    monkeypatch.setattr(search, "FEW", 1)  # a name's beginning many dossiers have: read newest first
    found = results(runtime, "nguyen van", size=1)
    assert (found.total, found.more, [h.code for h in found.items]) == (1, True, [codes[1]])
