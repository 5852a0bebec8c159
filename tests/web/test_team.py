"""The leaders' team view: open and overdue tasks per officer and per role in their unit, oldest
work first, and reassigning from there; nobody else comes in."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.helpers import P02_APPLICATION, open_task

TEAM = "/officer/team/"
REASSIGN = "/officer/team/reassign"


def cells(html: str) -> list[str]:
    """The text of each table cell (td) in `html`, tags dropped."""
    return [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]


def three_dossiers(runtime, office, clock) -> list[str]:
    codes = []
    for name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"):
        codes.append(runtime.dossiers.start("P02", {**P02_APPLICATION, "full_name": name}, office.desk))
        clock.advance(timedelta(hours=1))
    return codes


def test_a_leader_sees_the_load_per_officer_and_role_oldest_work_first(runtime, office, clock, web):
    first, second, third = three_dossiers(runtime, office, clock)
    runtime.dossiers.claim(open_task(runtime, first, "reception_check").id, office.desk)
    runtime.dossiers.claim(open_task(runtime, third, "reception_check").id, office.desk2)
    clock.advance(timedelta(days=3))  # reception is due the day the dossier counts as received: now late
    web.officer_login("hoa.lanhdao")
    web.post("/language", {"lang": "en", "next": "/"}, page="/")
    page = web.text(TEAM)
    assert f'href="{TEAM}">Team</a>' in page  # in the header
    assert "3 open task(s) in the unit." in page
    officers = page.split('id="officers-load"')[1].split("</table>")[0]
    assert "Nguyễn Thị Lan" in officers and "Trần Văn Minh" in officers and "Đỗ Văn Khác" not in officers
    lan = cells(officers.split("Nguyễn Thị Lan")[1].split("</tr>")[0])
    assert lan[:3] == ["desk", "1", "1"]  # roles, one claimed, overdue
    roles = page.split('id="roles-load"')[1].split("</table>")[0]
    assert "(desk)" in roles and cells(roles)[:3] == ["3", "1", "3"]  # open, waiting in the pool, overdue
    tasks = page.split('id="team-tasks"')[1]
    assert tasks.index(first) < tasks.index(second) < tasks.index(third)  # oldest first
    assert "Claimed by Nguyễn Thị Lan" in tasks and tasks.count("Late") == 3


def test_a_leader_reassigns_from_the_team_view(runtime, office, clock, web):
    first, _second, _third = three_dossiers(runtime, office, clock)
    task = open_task(runtime, first, "reception_check")
    runtime.dossiers.claim(task.id, office.desk)
    web.officer_login("hoa.lanhdao")
    web.post("/language", {"lang": "en", "next": "/"}, page="/")
    response = web.post(REASSIGN, {"unit": office.unit, "task_id": str(task.id), "to": "minh.desk"}, page=TEAM)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{TEAM}?unit={office.unit}#tasks")
    page = web.text(response.headers["Location"])
    assert f"{first} – {task.title} has been given to Trần Văn Minh." in page
    assert open_task(runtime, first, "reception_check").assignee == "Trần Văn Minh"
    response = web.post(
        REASSIGN, {"unit": office.unit, "task_id": str(task.id), "to": "hai.thu"}, page=TEAM, follow_redirects=True
    )
    assert "does not hold the role &#39;desk&#39;" in response.get_data(as_text=True)
    assert open_task(runtime, first, "reception_check").assignee == "Trần Văn Minh"  # unchanged


def test_only_leaders_of_the_unit_come_in(runtime, office, clock, web, other_web):
    first, *_ = three_dossiers(runtime, office, clock)
    task = open_task(runtime, first, "reception_check")
    web.officer_login("lan.desk")
    assert web.get(TEAM).status_code == 403
    assert (
        web.post(
            REASSIGN, {"unit": office.unit, "task_id": str(task.id), "to": "lan.desk"}, page="/officer/"
        ).status_code
        == 403
    )
    other_web.officer_login("khac.huyen")  # leads another unit
    assert other_web.get(f"{TEAM}?unit={office.unit}").status_code == 404
    response = other_web.post(
        REASSIGN, {"unit": "BHXH.QNI.SONTINH", "task_id": str(task.id), "to": "khac.huyen"}, page=TEAM
    )
    assert response.status_code == 404
    assert first not in other_web.text(TEAM)
    assert open_task(runtime, first, "reception_check").status == "new"


def test_a_reassign_without_its_token_changes_nothing(runtime, office, clock, web):
    first, *_ = three_dossiers(runtime, office, clock)
    task = open_task(runtime, first, "reception_check")
    web.officer_login("hoa.lanhdao")
    response = web.client.post(REASSIGN, data={"unit": office.unit, "task_id": str(task.id), "to": "minh.desk"})
    assert response.status_code == 400
    assert open_task(runtime, first, "reception_check").status == "new"
