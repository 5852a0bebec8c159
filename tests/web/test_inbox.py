"""Officers' inboxes, task pages and actions, the dossier page and its documents."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest

from engine.dossiers.documents import check_upload
from engine.dossiers.views import dossier_view
from engine.people.officers import Actor, add_user, grant
from tests.helpers import P02_APPLICATION, do_task, open_task, review_p02

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def start(runtime, **changes) -> str:
    return runtime.dossiers.start(
        "P02",
        {**P02_APPLICATION, **changes},
        Actor.applicant("Nguyễn Văn An"),
        documents=[check_upload("tk1_ts", "to-khai.pdf", PDF)],
    )


def english(web) -> None:
    web.post("/language", {"lang": "en", "next": "/"}, page="/")


def follow(web, response) -> str:
    assert response.status_code == 302, response.status_code
    return web.text(response.headers["Location"])


def task_state(page: str) -> str:
    """What the task page says of where the task stands (offered, claimed by whom, done)."""
    found = re.search(r'<dd id="task-state">(.*?)</dd>', page, re.S)
    assert found, "no task state on the page"
    return " ".join(found.group(1).split())


def view_of(runtime, code):
    with runtime.db.read() as session:
        return dossier_view(session, runtime.versions, code)


def test_the_inbox_shows_offered_tasks_with_counts_badges_and_pages(app, web, runtime, office, clock):
    made = [start(runtime) for _ in range(3)]
    app.config["PAGE_SIZE"] = 2
    web.officer_login("lan.desk")
    english(web)
    page = web.text("/officer/")
    assert made[0] in page and made[1] in page and made[2] not in page
    assert "Page 1 of 2" in page and "Due today" in page
    assert re.search(r"Offered to me\s*<span class=\"count\" data-view=\"offered\">3</span>", page)
    assert re.search(r"Awaiting intake\s*<span class=\"count\" data-view=\"intake\">3</span>", page)
    second = web.text("/officer/?page=2")
    assert made[2] in second and made[0] not in second
    newest = web.text("/officer/?sort=newest")
    assert made[2] in newest and made[0] not in newest
    assert made[0] not in web.text("/officer/?procedure=P01")
    bad = web.get("/officer/?due_before=next-week")
    assert bad.status_code == 400 and "A date is written YYYY-MM-DD" in bad.get_data(as_text=True)


def test_claim_unclaim_and_claim_several_at_once(web, runtime, office):
    first, second, third = (start(runtime) for _ in range(3))
    tasks = [open_task(runtime, code, "reception_check").id for code in (first, second, third)]
    runtime.dossiers.claim(tasks[2], office.desk2)  # a colleague got the third one already
    web.officer_login("lan.desk")

    url = f"/officer/tasks/{tasks[0]}"
    page = follow(web, web.post(f"{url}/claim", page=url))
    assert task_state(page) == "Nguyễn Thị Lan đã nhận xử lý"  # claimed by me (the header names me on every page)
    assert f'action="{url}/unclaim"' in page and f'action="{url}/claim"' not in page
    assert first in web.text("/officer/?view=mine")
    page = follow(web, web.post(f"{url}/unclaim", page=url))
    assert task_state(page) == "Chờ nhận xử lý"  # offered to the role again
    assert first not in web.text("/officer/?view=mine")

    response = web.post("/officer/tasks/claim", {"task_id": tasks, "next": "/officer/?view=mine"}, page="/officer/")
    assert response.headers["Location"].endswith("/officer/?view=mine")
    page = follow(web, response)
    assert first in page and second in page  # claimed
    assert f"{third} – " in page and "đã được Trần Văn Minh nhận" in page  # and why the third was not
    assert open_task(runtime, third, "reception_check").assignee == "Trần Văn Minh"


def test_a_leader_reassigns_to_a_holder_of_the_role(web, other_web, runtime, office):
    code = start(runtime)
    task = open_task(runtime, code, "reception_check").id
    runtime.dossiers.claim(task, office.desk)
    other_web.officer_login("minh.desk")
    assert 'name="to"' not in other_web.text(f"/officer/tasks/{task}")  # not a leader: no reassigning

    web.officer_login("hoa.lanhdao")
    page = web.text(f"/officer/tasks/{task}")
    assert '<option value="minh.desk">' in page and 'value="lan.desk"' not in page  # not to whom has it
    assert "Hoàn thành bước xử lý" not in page and 'name="decision"' not in page  # a leader does not do desk work
    page = follow(web, web.post(f"/officer/tasks/{task}/reassign", {"to": "minh.desk"}, page=f"/officer/tasks/{task}"))
    assert "Đã giao lại công việc cho Trần Văn Minh." in page  # by name, as the colleagues list shows them
    assert open_task(runtime, code, "reception_check").assignee == "Trần Văn Minh"
    page = follow(web, web.post(f"/officer/tasks/{task}/reassign", {"to": "hai.thu"}, page=f"/officer/tasks/{task}"))
    # the engine's rule, said plainly: the role by the name the office gives it, not its code
    assert "Lê Văn Hải không giữ vai trò “Bộ phận tiếp nhận và trả kết quả” tại đơn vị BHXH.QNI" in page
    assert open_task(runtime, code, "reception_check").assignee == "Trần Văn Minh"


def test_the_desk_accepts_a_p02_dossier_through_the_task_page(web, runtime, office):
    code = start(runtime)
    task = open_task(runtime, code, "reception_check").id
    web.officer_login("lan.desk")
    english(web)
    page = web.text(f"/officer/tasks/{task}")
    assert "Nguyễn Văn An" in page and "051090001234" in page  # the application, with labels
    assert "Poor household" in page and "Full name" in page
    assert f"/officer/dossiers/{code}/documents/" in page and "to-khai.pdf" in page
    for value in ("accept", "supplement", "refuse"):
        assert f'name="decision" value="{value}"' in page

    page = follow(
        web,
        web.post(
            f"/officer/tasks/{task}/complete", {"decision": "accept", "note": "Đủ hồ sơ"}, page=f"/officer/tasks/{task}"
        ),
    )
    assert view_of(runtime, code).status == 4  # accepted, then on to processing
    assert "In processing" in page  # the dossier page: its status and history
    assert "Completed the task “Kiểm tra thành phần hồ sơ”: Accept" in page
    assert "Status changed to: Accepted" in page and "Appointment for the result set" in page
    assert f"/officer/dossiers/{code}/form-01.pdf" in page
    assert open_task(runtime, code, "collect_review")


def test_a_supplement_request_joins_the_ticked_documents_and_the_text(web, runtime, office):
    code = start(runtime)
    task = open_task(runtime, code, "reception_check").id
    web.officer_login("lan.desk")
    page = web.text(f"/officer/tasks/{task}")
    assert 'name="missing_doc" value="tk1_ts"' in page and 'name="missing_doc" value="ethnic_minority_proof"' in page

    nothing = web.post(
        f"/officer/tasks/{task}/complete",
        {"decision": "supplement", "note": "Thiếu giấy"},
        page=f"/officer/tasks/{task}",
    )
    page = nothing.get_data(as_text=True)
    assert nothing.status_code == 400 and "Vui lòng nhập Giấy tờ cần bổ sung" in page
    assert 'id="error-summary"' in page and 'value="Thiếu giấy"' in page  # input kept
    assert view_of(runtime, code).status == 1  # nothing changed

    web.post(
        f"/officer/tasks/{task}/complete",
        {
            "decision": "supplement",
            "missing_doc": ["ethnic_minority_proof", "tk1_ts"],
            "missing_documents": "Bản sao CCCD",
        },
        page=f"/officer/tasks/{task}",
    )
    view = view_of(runtime, code)
    assert view.status == 5
    assert view.last_supplement.missing == (
        "Tờ khai tham gia, điều chỉnh thông tin BHXH, BHYT (Mẫu TK1-TS)\n"
        "Giấy tờ chứng minh là người dân tộc thiểu số (nếu thông tin dân tộc chưa có trong Cơ sở dữ liệu quốc gia "
        "về dân cư)\nBản sao CCCD"
    )
    assert code in web.text("/officer/?view=supplement")


def test_a_refused_form_keeps_input_and_marks_the_field(web, runtime, office):
    code = start(runtime)
    task = open_task(runtime, code, "reception_check").id
    web.officer_login("lan.desk")
    response = web.post(
        f"/officer/tasks/{task}/complete",
        {"decision": "refuse", "missing_doc": "tk1_ts"},
        page=f"/officer/tasks/{task}",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="error-refusal_reason"' in page and "Vui lòng nhập Lý do từ chối" in page
    assert 'value="refuse" checked' in page and 'value="tk1_ts" checked' in page


def test_the_loser_of_a_race_is_told_who_did_it(web, other_web, runtime, office):
    code = start(runtime)
    task = open_task(runtime, code, "reception_check").id
    web.officer_login("lan.desk")
    other_web.officer_login("minh.desk")
    token = other_web.token(f"/officer/tasks/{task}")  # both have the form open
    follow(web, web.post(f"/officer/tasks/{task}/complete", {"decision": "accept"}, page=f"/officer/tasks/{task}"))

    late = other_web.client.post(
        f"/officer/tasks/{task}/complete",
        data={"decision": "refuse", "refusal_reason": "Sai đối tượng", "csrf_token": token},
    )
    page = follow(other_web, late)
    assert "đã được Nguyễn Thị Lan hoàn thành lúc" in page
    assert view_of(runtime, code).accepted_at and view_of(runtime, code).refusal_reason is None
    page = follow(other_web, other_web.post(f"/officer/tasks/{task}/claim", page=f"/officer/tasks/{task}"))
    assert "đã được Nguyễn Thị Lan hoàn thành" in page


# another unit's officer is told nothing (404, as for a task that does not exist); a colleague of the
# unit without the task's role may know it exists (the dossier page lists it) and is refused (403)
@pytest.mark.parametrize(("username", "answer"), [("khac.huyen", 404), ("hai.thu", 403)])
def test_no_access_to_tasks_outside_ones_roles_and_unit(web, runtime, office, username, answer):
    code = start(runtime)
    task = open_task(runtime, code, "reception_check").id
    web.officer_login(username)
    token = web.token("/officer/")
    assert web.get(f"/officer/tasks/{task}").status_code == answer
    for action, data in (
        ("claim", {}),
        ("complete", {"decision": "accept"}),
        ("unclaim", {}),
        ("reassign", {"to": "minh.desk"}),
    ):
        response = web.client.post(f"/officer/tasks/{task}/{action}", data={**data, "csrf_token": token})
        assert response.status_code == answer, action
    page = follow(web, web.client.post("/officer/tasks/claim", data={"task_id": task, "csrf_token": token}))
    assert f"#{task}" in page and code not in page  # refused, without telling what it is
    assert open_task(runtime, code, "reception_check").status == "new"
    assert view_of(runtime, code).status == 1


def test_documents_download_only_for_officers_of_the_dossiers_unit(web, other_web, runtime, office):
    code, other = start(runtime), start(runtime)
    doc = view_of(runtime, code).documents[0]
    web.officer_login("hai.thu")  # any role in the unit
    response = web.get(f"/officer/dossiers/{code}/documents/{doc.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert web.get(f"/officer/dossiers/{other}/documents/{doc.id}").status_code == 404  # not that dossier's

    other_web.officer_login("khac.huyen")  # another unit's officer: as if it did not exist
    assert other_web.get(f"/officer/dossiers/{code}/documents/{doc.id}").status_code == 404
    assert other_web.get(f"/officer/dossiers/{code}").status_code == 404
    assert other_web.get("/officer/dossiers/NO-SUCH-CODE").status_code == 404


def test_the_dossier_page_tells_its_history_in_words(web, runtime, office):
    code = start(runtime)
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="Bản sao CCCD")
    runtime.dossiers.deliver_message(code, "supplement_received", {}, Actor.applicant("Nguyễn Văn An"))
    web.officer_login("lan.desk")
    english(web)
    page = web.text(f"/officer/dossiers/{code}")
    for line in (
        "Dossier submitted with 1 document(s)",
        "Claimed the task “Kiểm tra thành phần hồ sơ”",
        "Completed the task “Kiểm tra thành phần hồ sơ”: Request a supplement",
        "Status changed to: Supplement requested",
        "Received the applicant&#39;s supplement",
    ):
        assert line in page, line
    assert "Bản sao CCCD" in page and f"/officer/dossiers/{code}/form-02.pdf" in page
    recheck = open_task(runtime, code, "reception_recheck").id
    assert f"/officer/tasks/{recheck}" in page  # its open task


def test_every_post_route_needs_a_csrf_token(web, runtime, office):
    code = start(runtime)
    task = open_task(runtime, code, "reception_check").id
    web.officer_login("lan.desk")
    for url in (
        "/officer/tasks/claim",
        f"/officer/tasks/{task}/claim",
        f"/officer/tasks/{task}/unclaim",
        f"/officer/tasks/{task}/reassign",
        f"/officer/tasks/{task}/complete",
    ):
        assert web.client.post(url, data={"task_id": task, "decision": "accept", "to": "minh.desk"}).status_code == 400
    assert open_task(runtime, code, "reception_check").status == "new"


def test_officer_pages_need_an_officer(web, runtime, office):
    code = start(runtime)
    task = open_task(runtime, code, "reception_check").id
    response = web.get(f"/officer/tasks/{task}")
    assert response.status_code == 302 and "/officer/login" in response.headers["Location"]
    web.signup(id_number="051090009999", phone="0912000111")
    assert web.get(f"/officer/dossiers/{code}").status_code == 403  # an applicant is not an officer


def test_printable_slips_for_officers_of_the_unit(web, other_web, runtime, office):
    accepted, refused = start(runtime), start(runtime)
    do_task(runtime, office, accepted, "reception_check", decision="accept")
    do_task(runtime, office, refused, "reception_check", decision="refuse", refusal_reason="Sai đối tượng")
    web.officer_login("lan.desk")
    for url in (f"/officer/dossiers/{accepted}/form-01.pdf", f"/officer/dossiers/{refused}/form-03.pdf"):
        response = web.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf", url
        assert response.data.startswith(b"%PDF")
    assert f"/officer/dossiers/{refused}/form-03.pdf" in web.text(f"/officer/dossiers/{refused}")
    assert web.get(f"/officer/dossiers/{accepted}/form-03.pdf").status_code == 404  # it was not refused
    other_web.officer_login("khac.huyen")
    for slip in ("form-01.pdf", "form-02.pdf", "form-03.pdf", "handover.pdf"):
        assert other_web.get(f"/officer/dossiers/{refused}/{slip}").status_code == 404, slip


def test_another_units_dossier_answers_like_one_that_does_not_exist(web, runtime, office):
    """Dossier pages, documents, slips, task pages and task actions: the same status and the same page
    for a dossier of a unit the officer has no role in as for a code or task id that exists nowhere."""
    code = start(runtime)
    task = open_task(runtime, code, "reception_check").id
    doc = view_of(runtime, code).documents[0].id
    web.officer_login("khac.huyen")
    token = web.token("/officer/")
    data = {"csrf_token": token, "decision": "accept", "to": "minh.desk"}

    def answer(url: str, post: bool = False) -> tuple[int, str]:
        """The status and the page, but for what differs by request anyway: its own address, the token."""
        response = web.client.post(url, data=data) if post else web.get(url)
        text = re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))
        return response.status_code, text.replace(url, "X")

    for suffix in ("", f"/documents/{doc}", "/form-01.pdf", "/form-02.pdf", "/form-03.pdf", "/handover.pdf"):
        theirs = answer(f"/officer/dossiers/{code}{suffix}")
        assert theirs == answer(f"/officer/dossiers/BHXH.QNI-260302-9999{suffix}") and theirs[0] == 404, suffix
    assert answer(f"/officer/tasks/{task}") == answer("/officer/tasks/999999")
    for action in ("claim", "unclaim", "reassign", "complete"):
        theirs = answer(f"/officer/tasks/{task}/{action}", post=True)
        assert theirs == answer(f"/officer/tasks/999999/{action}", post=True) and theirs[0] == 404, action
    assert open_task(runtime, code, "reception_check").status == "new"


def test_a_benefit_the_law_does_not_allow_is_refused_on_the_task_page(web, runtime, office, catalogue, password_hash):
    with runtime.db.write() as session:
        officer = add_user(session, "dung.chedo", "Võ Thị Dung")
        grant(session, officer, "benefits", office.unit)
        officer.password_hash = password_hash
    start = catalogue.procedures["P16"].meta.paths["happy"].start  # a widow; death on 2026-10-12
    code = runtime.dossiers.start("P16", start, Actor.applicant(start["full_name"]))
    do_task(runtime, office, code, "reception_check", decision="accept")
    task = open_task(runtime, code, "benefits_review").id
    web.officer_login("dung.chedo")
    follow(web, web.post(f"/officer/tasks/{task}/claim", page=f"/officer/tasks/{task}"))
    review = {
        "contribution_months": "402",
        "funeral_grant_eligible": "on",
        "survivor_allowance_kind": "monthly",
        "monthly_relatives": "3",
        "nurtured_relatives": "2",
        "decision": "approve_request",
    }

    response = web.post(f"/officer/tasks/{task}/complete", review, page=f"/officer/tasks/{task}")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Tối đa 4 thân nhân được hưởng trợ cấp tuất hằng tháng, không phải 5" in page
    assert 'name="monthly_relatives" type="text" value="3"' in page  # what was typed stays
    assert 'name="nurtured_relatives" type="text" value="2"' in page
    assert open_task(runtime, code, "benefits_review").id == task and view_of(runtime, code).status == 4

    english(web)
    page = web.post(f"/officer/tasks/{task}/complete", review, page=f"/officer/tasks/{task}").get_data(as_text=True)
    assert "at most 4 relatives receive the monthly survivor allowance, not 5" in page

    done = web.post(
        f"/officer/tasks/{task}/complete", {**review, "nurtured_relatives": "1"}, page=f"/officer/tasks/{task}"
    )
    assert done.status_code == 302 and open_task(runtime, code, "leader_approval")


def test_the_leader_sees_the_amount_to_pay_before_approving_a_benefit(web, runtime, office, catalogue, password_hash):
    with runtime.db.write() as session:
        officer = add_user(session, "dung.chedo", "Võ Thị Dung")
        grant(session, officer, "benefits", office.unit)
    office.by_role["benefits"] = Actor.of(officer)
    happy = catalogue.procedures["P09"].meta.paths["happy"]  # a one-time withdrawal of 121,875,000 đồng
    code = runtime.dossiers.start("P09", happy.start, Actor.applicant(happy.start["full_name"]))
    do_task(runtime, office, code, "reception_check", decision="accept")
    task = open_task(runtime, code, "one_time_review").id
    web.officer_login("hoa.lanhdao")
    assert 'id="payout-amount"' not in web.text(f"/officer/tasks/{task}")  # nothing worked out yet
    review = next(s.data for s in happy.steps if s.target == "one_time_review")
    do_task(runtime, office, code, "one_time_review", **review)
    approval = open_task(runtime, code, "leader_approval").id

    page = web.text(f"/officer/tasks/{approval}")

    amount = re.search(r'<dd id="payout-amount">(.*?)</dd>', page, re.S)
    assert amount, "the approval page does not say how much will be paid"
    assert " ".join(amount.group(1).split()) == "121.875.000 đ"
    assert "Số tiền chi trả (theo tính toán)" in page
    english(web)
    assert "Amount to pay (as worked out)" in web.text(f"/officer/tasks/{approval}")


@pytest.mark.parametrize(
    ("channel", "shown"),
    [
        ("online", "nộp trực tuyến"),  # an employer's software files online without an applicant's account
        ("counter", "nộp trực tiếp tại bộ phận một cửa"),
        ("post_agent", "nộp tại điểm thu gom của bưu điện"),
        ("post", "nộp qua dịch vụ bưu chính"),
    ],
)
def test_the_dossier_page_says_how_the_dossier_came_in(web, runtime, office, channel, shown):
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("Nguyễn Văn An"), channel=channel)
    web.officer_login("lan.desk")

    page = web.text(f"/officer/dossiers/{code}")

    submitted = re.search(r"<dt>Ngày nộp</dt><dd>(.*?)</dd>", page, re.S)
    assert submitted, "no submission line on the dossier page"
    assert submitted.group(1).split(" · ")[1].strip() == shown


def test_the_dossier_page_lists_the_papers_asked_for_and_by_when_they_must_come(web, runtime, office):
    code = start(runtime)
    asked = "Tờ khai TK1-TS (bản chính, có chữ ký)\nBản sao CCCD; Giấy khai sinh"
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents=asked)
    due = view_of(runtime, code).supplement_due
    assert due is not None
    web.officer_login("lan.desk")

    page = web.text(f"/officer/dossiers/{code}")

    papers = re.search(r'<ul class="papers-asked">(.*?)</ul>', page, re.S)
    assert papers, "the papers asked for are not listed one by one"
    items = [" ".join(i.split()) for i in re.findall(r"<li>(.*?)</li>", papers.group(1), re.S)]
    assert items == ["Tờ khai TK1-TS (bản chính, có chữ ký)", "Bản sao CCCD", "Giấy khai sinh"]
    shown = due.astimezone(ZoneInfo(runtime.settings.timezone)).strftime("%d/%m/%Y %H:%M")
    assert re.search(rf"Hạn nộp giấy tờ bổ sung</dt>\s*<dd>\s*<strong[^>]*>{shown}</strong>", page)


def test_a_decision_left_unchosen_asks_to_choose_it(web, runtime, office):
    code = start(runtime)
    task = open_task(runtime, code, "reception_check").id
    web.officer_login("lan.desk")

    answer = web.post(f"/officer/tasks/{task}/complete", {"note": "Đủ giấy tờ"}, page=f"/officer/tasks/{task}")

    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and 'value="Đủ giấy tờ"' in page
    assert "Vui lòng chọn Kết quả kiểm tra hồ sơ" in page  # a choice is chosen, not typed ("nhập")
    english(web)
    page = web.post(f"/officer/tasks/{task}/complete", {}, page=f"/officer/tasks/{task}").get_data(as_text=True)
    assert "Choose Outcome of the check" in page
    assert view_of(runtime, code).status == 1


def test_a_send_back_s_reason_is_in_the_history_the_officer_reads(web, runtime, office):
    code = start(runtime)
    do_task(runtime, office, code, "reception_check", decision="accept")
    review_p02(runtime, office, code)
    sent_back = {"decision": "send_back", "reason": "Sai mức thu nhập", "note": "Xem lại tờ khai"}
    do_task(runtime, office, code, "leader_approval", **sent_back)
    assert open_task(runtime, code, "collect_review")  # back with collection, which must know why
    web.officer_login("hai.thu")

    page = web.text(f"/officer/dossiers/{code}")

    assert (
        "Hoàn thành công việc “Xem xét, ký duyệt kết quả”: Trả lại để xử lý lại"
        " — Lý do trả lại: Sai mức thu nhập; Ý kiến của lãnh đạo (nếu có): Xem lại tờ khai"
    ) in page
    english(web)
    assert (
        "Completed the task “Xem xét, ký duyệt kết quả”: Send back for rework"
        " — Reason for sending back: Sai mức thu nhập; Leadership comment (optional): Xem lại tờ khai"
    ) in web.text(f"/officer/dossiers/{code}")


def test_the_task_page_shows_what_earlier_steps_wrote(web, runtime, office):
    code = start(runtime)
    do_task(runtime, office, code, "reception_check", decision="accept")
    review_p02(runtime, office, code)
    do_task(runtime, office, code, "leader_approval", decision="send_back", reason="Sai mức thu nhập")
    task = open_task(runtime, code, "collect_review").id
    web.officer_login("hai.thu")

    page = web.text(f"/officer/tasks/{task}")

    notes = re.search(r'<section[^>]*id="earlier-notes".*?</section>', page, re.S)
    assert notes, "the reworked step does not say why it came back"
    said = " ".join(re.sub(r"<[^>]+>", " ", notes.group(0)).split())
    assert "Phạm Thị Hoa" in said and "Trả lại để xử lý lại — Lý do trả lại: Sai mức thu nhập" in said
