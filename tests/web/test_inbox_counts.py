"""The inbox's counts at scale: a tab counts up to 1,000 rows and says "1,000+" past them, on the page
and in counts.json, in English and in Vietnamese; pages past the first start after the last row."""

from __future__ import annotations

import re

from sqlalchemy import select

from engine.data.models import HumanTask
from engine.people.officers import Actor
from tests.helpers import P02_APPLICATION, more_offered_tasks, open_task


def offered_badge(page: str) -> str:
    found = re.search(r'data-view="offered">([^<]*)</span>', page)
    assert found, "no offered count on the page"
    return found.group(1)


def test_a_tab_counts_to_a_thousand_then_says_more(web, runtime, office):
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("Nguyễn Văn An"))
    task = open_task(runtime, code, "reception_check")
    more_offered_tasks(runtime, task.id, 999, 1)
    web.officer_login("lan.desk")
    web.post("/language", {"lang": "en", "next": "/"}, page="/")

    page = web.text("/officer/")
    assert offered_badge(page) == "1,000"  # the exact figure up to the cap
    assert "Page 1 of 50" in page
    assert web.get("/officer/counts.json").get_json()["labels"]["offered"] == "1,000"

    more_offered_tasks(runtime, task.id, 1, 1000)
    page = web.text("/officer/")
    assert offered_badge(page) == "1,000+"
    assert re.search(r'Offered to me <span class="count" data-view="offered">1,000\+</span></h2>', page)
    assert "Page 1</span>" in page and 'rel="next"' in page  # no last page promised
    counted = web.get("/officer/counts.json").get_json()
    assert counted["views"]["offered"] == 1000 and counted["labels"]["offered"] == "1,000+"
    assert counted["channels"] == {}  # the channels' counts only for the result-return view, which asks
    asked = web.get("/officer/counts.json?channels=1").get_json()["channels"]
    assert asked == {"electronic": 0, "counter": 0, "post": 0}
    assert "/officer/counts.json?channels=1" in web.text("/officer/?view=return")

    web.post("/language", {"lang": "vi", "next": "/"}, page="/")
    assert offered_badge(web.text("/officer/")) == "1.000+"


def test_next_page_links_walk_the_whole_view_once(app, web, runtime, office):
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("Nguyễn Văn An"))
    task = open_task(runtime, code, "reception_check")
    more_offered_tasks(runtime, task.id, 6, 1)
    with runtime.db.write() as session:  # two without a due time: listed last
        for copy in session.scalars(select(HumanTask).where(HumanTask.spiff_task_id.in_(["copy-2", "copy-5"]))):
            copy.due_at = None
    app.config["PAGE_SIZE"] = 3
    web.officer_login("lan.desk")

    seen, url = [], "/officer/"
    while url:
        page = web.text(url)
        seen += re.findall(r'name="task_id" value="(\d+)"', page)
        following = re.search(r'<a href="([^"]+)" rel="next">', page)
        url = following.group(1).replace("&amp;", "&") if following else None
    with runtime.db.read() as session:
        by_due = session.scalars(
            select(HumanTask.id).order_by(HumanTask.due_at.asc().nulls_last(), HumanTask.created_at, HumanTask.id)
        ).all()
    assert [int(i) for i in seen] == list(by_due) and len(seen) == 7
