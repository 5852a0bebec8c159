"""The expected finish beside the appointment, called an estimate, on the public tracking page,
the applicant's dossier page and the officer's dossier page; "not enough data yet" before the
office has measured enough dossiers."""

from __future__ import annotations

from engine.sla.forecast import forget_cached_measurements
from tests.engine.figures.office_month import at
from tests.engine.sla.test_forecast import train
from tests.helpers import do_task, review_p02

from .test_portal import apply_p02, english


def _pages(web, other_web, officer_web, code) -> dict[str, str]:
    forget_cached_measurements()
    tracked = other_web.post("/track", {"code": code, "id_number": "051090001234"}, page="/track")
    assert officer_web.officer_login("hai.thu").status_code == 302
    return {
        "tracking": tracked.get_data(as_text=True),
        "applicant": web.text(f"/dossiers/{code}"),
        "officer": officer_web.text(f"/officer/dossiers/{code}"),
    }


def test_the_expected_finish_is_shown_as_an_estimate_beside_the_appointment(
    app, web, other_web, runtime, office, clock
):
    train(runtime, office, clock)  # 1 hour at the desk, 2 at collection, 1.5 at the leader
    clock.set(at("2026-03-05 08:00"))
    web.signup()
    code = apply_p02(web)
    clock.set(at("2026-03-05 08:30"))
    do_task(runtime, office, code, "reception_check", decision="accept")
    clock.set(at("2026-03-05 09:00"))

    pages = _pages(web, other_web, _client(app), code)

    for name, page in pages.items():
        assert "Dự kiến hoàn thành (ước tính)" in page, name
        assert "05/03/2026 14:00" in page, name  # 1.5 hours left at collection, then 1.5 at the leader
        assert "12/03/2026 17:00" in page, name  # the appointment stays beside it (5 working days)
        assert "không phải là cam kết" in page, name

    english(web)
    page = web.text(f"/dossiers/{code}")
    assert "Expected finish (estimate)" in page and "it is not a promise" in page


def test_not_enough_data_yet_before_the_office_has_measured_enough(web, other_web, runtime, office, clock, app):
    web.signup()
    code = apply_p02(web)
    for name, page in _pages(web, other_web, _client(app), code).items():
        assert "Chưa đủ dữ liệu để ước tính" in page, name


def test_nothing_is_forecast_once_the_result_is_back(web, other_web, runtime, office, clock, app):
    train(runtime, office, clock)
    web.signup()
    code = apply_p02(web)
    do_task(runtime, office, code, "reception_check", decision="accept")
    for name, page in _pages(web, other_web, _client(app), code).items():
        assert "Dự kiến hoàn thành" in page, name
    review_p02(runtime, office, code)
    do_task(runtime, office, code, "leader_approval", decision="approve")
    for name, page in _pages(web, other_web, _client(app), code).items():
        assert "Dự kiến hoàn thành" not in page and "Chưa đủ dữ liệu" not in page, name


def _client(app):
    from .helpers import Web

    return Web(app.test_client())


def test_nothing_is_forecast_while_the_desk_waits_for_the_applicants_papers(
    web, other_web, runtime, office, clock, app
):
    # asked for papers at reception, the dossier has no clock yet (no appointment), and nothing
    # moves until the applicant sends them: an expected finish would be a promise of nothing
    train(runtime, office, clock)
    clock.set(at("2026-03-05 08:00"))
    web.signup()
    code = apply_p02(web)
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="Tờ khai TK1-TS")
    for name, page in _pages(web, other_web, _client(app), code).items():
        assert "Yêu cầu bổ sung" in page, name
        assert "Dự kiến hoàn thành" not in page and "Chưa đủ dữ liệu" not in page, name
