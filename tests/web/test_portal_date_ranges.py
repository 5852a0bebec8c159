"""Applications whose periods end before they start (a sick leave, a hospital stay, the years a
confirmation covers) are refused at submission with the reason beside the field, on the portal and
through the API alike, instead of reaching the office to be sent back weeks later."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from engine.data.models import Dossier
from tests.web.test_portal import PDF


def _form(catalogue, procedure: str, **changes) -> dict:
    """The application of the procedure's first simulated path, as the portal's form posts it,
    with a PDF for every required document."""
    meta = catalogue.procedures[procedure].meta
    start = {**meta.paths["happy"].start, **changes}
    form = {
        name: value.isoformat() if isinstance(value, date) else "true" if value is True else str(value)
        for name, value in start.items()
        if value is not False
    }
    for d in meta.documents:
        if d.required:
            form[f"doc-{d.id}"] = (BytesIO(PDF), f"{d.id}.pdf")
    return form


def _refused(web, procedure: str, form: dict) -> str:
    response = web.post(f"/procedures/{procedure}/apply", form)
    assert response.status_code == 400, response.status_code
    return response.get_data(as_text=True)


def test_a_sick_leave_ending_before_it_starts_or_claiming_more_days_than_it_spans_is_refused(web, runtime, catalogue):
    happy = catalogue.procedures["P10"].meta.paths["happy"].start  # 2-6 November, 5 days
    web.signup(id_number=happy["tax_code"], name=happy["organisation_name"], kind="employer")

    page = _refused(web, "P10", _form(catalogue, "P10", leave_from="2026-11-06", leave_to="2026-11-02"))
    assert "“Nghỉ đến ngày” không được trước “Nghỉ từ ngày”" in page

    page = _refused(web, "P10", _form(catalogue, "P10", leave_days=30))
    assert "Số ngày nghỉ đề nghị hưởng không được nhiều hơn số ngày từ “Nghỉ từ ngày” đến “Nghỉ đến ngày”" in page
    with runtime.db.read() as session:
        assert session.query(Dossier).count() == 0

    # a one-day leave (from and until the same day) goes on to the check of the answers
    one_day = _form(catalogue, "P10", leave_from="2026-11-02", leave_to="2026-11-02", leave_days=1)
    assert web.post("/procedures/P10/apply", one_day).status_code == 302


def test_a_hospital_stay_ending_before_it_starts_is_refused(web, catalogue):
    happy = catalogue.procedures["P21"].meta.paths["happy"].start
    web.signup(id_number=happy["citizen_id"], name=happy["full_name"])
    stay = {"treatment_kind": "inpatient", "treatment_from": "2026-10-08"}

    page = _refused(web, "P21", _form(catalogue, "P21", **stay, treatment_to="2026-10-06"))

    assert "Ngày ra viện không được trước ngày bắt đầu điều trị" in page
    assert (
        web.post("/procedures/P21/apply", _form(catalogue, "P21", **stay, treatment_to="2026-10-12")).status_code == 302
    )


def test_a_confirmation_period_ending_before_it_starts_is_refused_and_an_open_one_is_not(web, catalogue):
    happy = catalogue.procedures["P23"].meta.paths["happy"].start
    web.signup(id_number=happy["citizen_id"], name=happy["full_name"])

    page = _refused(web, "P23", _form(catalogue, "P23", period_from="2020-01-01", period_to="2019-12-31"))
    assert "“Xác nhận đến ngày” không được trước “Xác nhận từ ngày”" in page

    # either end left empty: the whole history on that side, nothing to compare
    for changes in ({"period_from": "", "period_to": "2019-12-31"}, {"period_from": "2020-01-01", "period_to": ""}):
        assert web.post("/procedures/P23/apply", _form(catalogue, "P23", **changes)).status_code == 302, changes
