"""The same application sent several times at once (double clicks, a retrying client) makes one dossier."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from engine.data.models import Dossier
from engine.people.officers import Actor
from tests.helpers import P02_APPLICATION


def test_one_dossier_per_submission_key_even_when_sent_at_once(runtime):
    def submit(_):
        return runtime.dossiers.start(
            "P02",
            P02_APPLICATION,
            Actor.applicant("Nguyễn Văn An"),
            submission_key="7:0123456789abcdef0123456789abcdef",
        )

    with ThreadPoolExecutor(8) as pool:
        codes = set(pool.map(submit, range(8)))
    assert len(codes) == 1
    with runtime.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Dossier)) == 1
    other = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("Nguyễn Văn An"), submission_key="7:other")
    assert other not in codes
