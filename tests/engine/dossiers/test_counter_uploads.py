"""Files kept across a form error: only their owner gets them back, and only for a day."""

from __future__ import annotations

from datetime import timedelta

from engine.dossiers import counter_uploads
from engine.dossiers.documents import check_upload
from tests.web.test_portal import PDF


def test_kept_files_come_back_to_their_owner_only_and_for_a_day(runtime, clock):
    scan = check_upload("tk1_ts", "to-khai.pdf", PDF)
    with runtime.db.write() as session:
        (token,) = counter_uploads.keep(session, "officer:1", [scan], clock.now())
    with runtime.db.read() as session:
        assert counter_uploads.load(session, "officer:1", [token], clock.now()) == {token: scan}
        assert counter_uploads.load(session, "officer:2", [token], clock.now()) == {}
        assert counter_uploads.load(session, "officer:1", ["not-a-token", "0" * 32], clock.now()) == {}
    clock.advance(timedelta(hours=25))
    with runtime.db.read() as session:
        assert counter_uploads.load(session, "officer:1", [token], clock.now()) == {}
    with runtime.db.write() as session:  # keeping more clears what is older than a day
        counter_uploads.keep(session, "officer:1", [scan], clock.now())
        counter_uploads.forget(session, "officer:1", [])
    with runtime.db.read() as session:
        assert counter_uploads.load(session, "officer:1", [token], clock.now() - timedelta(hours=25)) == {}
