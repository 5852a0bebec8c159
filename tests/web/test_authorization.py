"""Who gets what: every route of the app, asked by every kind of visitor, with the answer expected.

The table is read from the app's own route table: a route without a row fails the test, so a new page or
action comes with its answers. The REST API (/api/v1) answers browsers as it answers anyone without a
token: tests/web/api_v1 checks it with tokens of each kind. Placeholders in the addresses are real
objects of the right owner and unit: {code} is applicant A's dossier (unit BHXH.QNI, waiting at the
desk, with a document), {asked} one of A's where the desk asked for papers, {refused} one the desk
refused, {returned} one whose result was returned, {withdrawable} one only the withdrawal row uses,
{task} the desk's open task of {code}; {new_task} is a fresh desk task made for each cell, so an action
that succeeds changes nothing another cell sees; {missing} and {missing_task} exist nowhere; {proc} is
P02 and {draft} a designer's draft of it (discarded by the last row that names it).

Answers: a status, or L / O for a redirect to the applicants' / the officers' login. Columns:
anon   nobody logged in               desk   one-stop desk (lan.desk)       lead   leader of the unit
A, B   two applicants (persons)       coll   collection                     othr   officer of another unit
emp    an employer (tax code)         book, bene, hia, fin: books & cards,  dsgn   process designer only
                                             benefits, HI assessment,       admn   administrator only
                                             finance
"""

from __future__ import annotations

import re
import shutil
from io import BytesIO

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from engine.data.models import Account
from engine.design.drafts import Studio
from engine.people.officers import Actor, add_user, grant, user_by_name
from tests.helpers import P02_APPLICATION, do_task, open_task

from .helpers import PASSWORD, Web
from .test_portal import PDF, _drive_to_returned, apply_p02, p02_form

IDENTITIES = ["anon", "A", "B", "emp", "desk", "coll", "book", "bene", "hia", "fin", "lead", "othr", "dsgn", "admn"]

# fmt: off
MATRIX = """
                                                 anon A   B   emp desk coll book bene hia fin lead othr dsgn admn
GET  /                                            200 200 200 200 200 200 200 200 200 200 200 200 200 200
GET  /static/app.css                              200 200 200 200 200 200 200 200 200 200 200 200 200 200
GET  /healthz                                     200 200 200 200 200 200 200 200 200 200 200 200 200 200
GET  /readyz                                      200 200 200 200 200 200 200 200 200 200 200 200 200 200
GET  /procedures                                  200 200 200 200 200 200 200 200 200 200 200 200 200 200
GET  /procedures/P02                              200 200 200 200 200 200 200 200 200 200 200 200 200 200
GET  /procedures/P02/apply                        L   200 200 302 L   L   L   L   L   L   L   L   L   L
POST /procedures/P02/apply                        L   302 302 302 L   L   L   L   L   L   L   L   L   L
GET  /procedures/P02/apply/check                  L   302 302 302 L   L   L   L   L   L   L   L   L   L
POST /procedures/P02/apply/submit                 L   400 400 400 L   L   L   L   L   L   L   L   L   L
GET  /procedures/P02/blank-form.pdf               200 200 200 200 200 200 200 200 200 200 200 200 200 200
GET  /track                                       200 200 200 200 200 200 200 200 200 200 200 200 200 200
GET  /statistics                                  200 200 200 200 200 200 200 200 200 200 200 200 200 200
POST /track                                       200 200 200 200 200 200 200 200 200 200 200 200 200 200
GET  /signup                                      200 200 200 200 200 200 200 200 200 200 200 200 200 200
POST /signup                                      200 200 200 200 200 200 200 200 200 200 200 200 200 200
GET  /login                                       200 200 200 200 200 200 200 200 200 200 200 200 200 200
POST /login                                       400 400 400 400 400 400 400 400 400 400 400 400 400 400
GET  /officer/login                               200 200 200 200 200 200 200 200 200 200 200 200 200 200
POST /officer/login                               400 400 400 400 400 400 400 400 400 400 400 400 400 400
POST /logout                                      302 302 302 302 302 302 302 302 302 302 302 302 302 302
GET  /password/forgot                             200 200 200 200 200 200 200 200 200 200 200 200 200 200
POST /password/forgot                             200 200 200 200 200 200 200 200 200 200 200 200 200 200
GET  /password/reset/{token}                      302 302 302 302 302 302 302 302 302 302 302 302 302 302
POST /password/reset/{token}                      302 302 302 302 302 302 302 302 302 302 302 302 302 302
POST /language                                    302 302 302 302 302 302 302 302 302 302 302 302 302 302
GET  /dossiers                                    L   200 200 200 L   L   L   L   L   L   L   L   L   L
GET  /dossiers/{code}                             L   200 404 404 L   L   L   L   L   L   L   L   L   L
GET  /dossiers/{missing}                          L   404 404 404 L   L   L   L   L   L   L   L   L   L
GET  /dossiers/{code}/submitted                   L   200 404 404 L   L   L   L   L   L   L   L   L   L
GET  /dossiers/{code}/documents/{doc}             L   200 404 404 L   L   L   L   L   L   L   L   L   L
GET  /dossiers/{code}/receipt.pdf                 L   200 404 404 L   L   L   L   L   L   L   L   L   L
GET  /dossiers/{asked}/form-02.pdf                L   200 404 404 L   L   L   L   L   L   L   L   L   L
GET  /dossiers/{refused}/form-03.pdf              L   200 404 404 L   L   L   L   L   L   L   L   L   L
POST /dossiers/{asked}/supplement                 L   302 404 404 L   L   L   L   L   L   L   L   L   L
GET  /dossiers/{withdrawable}/withdraw            L   200 404 404 L   L   L   L   L   L   L   L   L   L
POST /dossiers/{withdrawable}/withdraw            L   302 404 404 L   L   L   L   L   L   L   L   L   L
POST /dossiers/{returned}/rating                  L   302 404 404 L   L   L   L   L   L   L   L   L   L
GET  /officer/                                    O   403 403 403 200 200 200 200 200 200 200 200 302 200
POST /officer/tasks/claim                         O   403 403 403 302 302 302 302 302 302 302 302 302 302
GET  /officer/counts.json                         O   403 403 403 200 200 200 200 200 200 200 200 200 200
POST /officer/filters                            O   403 403 403 302 302 302 302 302 302 302 302 302 302
POST /officer/filters/{missing_task}/delete      O   403 403 403 404 404 404 404 404 404 404 404 404 404
GET  /officer/tasks/{task}                        O   403 403 403 200 403 403 403 403 403 200 404 404 404
GET  /officer/tasks/{missing_task}                O   403 403 403 404 404 404 404 404 404 404 404 404 404
POST /officer/tasks/{new_task}/claim              O   403 403 403 302 403 403 403 403 403 403 404 404 404
POST /officer/tasks/{new_task}/unclaim            O   403 403 403 302 403 403 403 403 403 302 404 404 404
POST /officer/tasks/{new_task}/reassign           O   403 403 403 302 403 403 403 403 403 302 404 404 404
POST /officer/tasks/{new_task}/complete           O   403 403 403 302 403 403 403 403 403 403 404 404 404
GET  /officer/search                              O   403 403 403 200 200 200 200 200 200 200 200 200 200
GET  /officer/dossiers/{code}                     O   403 403 403 200 200 200 200 200 200 200 404 404 404
GET  /officer/dossiers/{missing}                  O   403 403 403 404 404 404 404 404 404 404 404 404 404
GET  /officer/dossiers/{code}/diagram.bpmn        O   403 403 403 200 200 200 200 200 200 200 404 404 404
GET  /officer/dossiers/{code}/documents/{doc}     O   403 403 403 200 200 200 200 200 200 200 404 404 404
GET  /officer/dossiers/{code}/form-01.pdf         O   403 403 403 200 200 200 200 200 200 200 404 404 404
GET  /officer/dossiers/{asked}/form-02.pdf        O   403 403 403 200 200 200 200 200 200 200 404 404 404
GET  /officer/dossiers/{refused}/form-03.pdf      O   403 403 403 200 200 200 200 200 200 200 404 404 404
GET  /officer/dossiers/{returned}/handover.pdf    O   403 403 403 200 200 200 200 200 200 200 404 404 404
GET  /officer/counter/                            O   403 403 403 200 403 403 403 403 403 403 200 403 403
GET  /officer/counter/{proc}                      O   403 403 403 200 403 403 403 403 403 403 200 403 403
POST /officer/counter/{proc}                      O   403 403 403 400 403 403 403 403 403 403 400 403 403
GET  /officer/counter/dossiers/{code}             O   403 403 403 200 403 403 403 403 403 403 404 403 403
GET  /officer/counter/dossiers/{code}/form-01.pdf O   403 403 403 200 403 403 403 403 403 403 404 403 403
GET  /officer/admin/outbox                        O   403 403 403 403 403 403 403 403 403 403 403 403 200
POST /officer/admin/outbox/retry                  O   403 403 403 403 403 403 403 403 403 403 403 403 302
GET  /officer/admin/webhooks                      O   403 403 403 403 403 403 403 403 403 403 403 403 200
GET  /officer/admin/partners                     O   403 403 403 403 403 403 403 403 403 403 403 403 200
POST /officer/admin/partners                     O   403 403 403 403 403 403 403 403 403 403 403 403 400
POST /officer/admin/partners/{missing}/revoke    O   403 403 403 403 403 403 403 403 403 403 403 403 404
GET  /officer/admin/units                         O   403 403 403 403 403 403 403 403 403 403 403 403 200
POST /officer/admin/units                         O   403 403 403 403 403 403 403 403 403 403 403 403 400
POST /officer/admin/units/BHXH.QNI                O   403 403 403 403 403 403 403 403 403 403 403 403 400
GET  /officer/admin/officers                      O   403 403 403 403 403 403 403 403 403 403 403 403 200
POST /officer/admin/officers                      O   403 403 403 403 403 403 403 403 403 403 403 403 400
POST /officer/admin/officers/nobody.here/active   O   403 403 403 403 403 403 403 403 403 403 403 403 302
POST /officer/admin/officers/nobody.here/password O   403 403 403 403 403 403 403 403 403 403 403 403 200
GET  /officer/admin/roles                         O   403 403 403 403 403 403 403 403 403 403 403 403 200
POST /officer/admin/roles/grant                   O   403 403 403 403 403 403 403 403 403 403 403 403 400
GET  /officer/admin/calendar                      O   403 403 403 403 403 403 403 403 403 403 403 403 200
POST /officer/admin/calendar                      O   403 403 403 403 403 403 403 403 403 403 403 403 400
POST /officer/admin/calendar/2030-01-01/remove    O   403 403 403 403 403 403 403 403 403 403 403 403 302
GET  /officer/team/                               O   403 403 403 403 403 403 403 403 403 200 200 403 403
POST /officer/team/reassign                       O   403 403 403 403 403 403 403 403 403 400 400 403 403
GET  /dashboard/                                  O   403 403 403 403 403 403 403 403 403 200 200 403 403
GET  /dashboard/export.csv                        O   403 403 403 403 403 403 403 403 403 200 200 403 403
GET  /designer/                                   O   403 403 403 403 403 403 403 403 403 403 403 200 403
POST /designer/procedures/{proc}/drafts           O   403 403 403 403 403 403 403 403 403 403 403 302 403
POST /designer/procedures/{proc}/import           O   403 403 403 403 403 403 403 403 403 403 403 302 403
GET  /designer/drafts/{draft}                     O   403 403 403 403 403 403 403 403 403 403 403 200 403
GET  /designer/drafts/{draft}/diagram.bpmn        O   403 403 403 403 403 403 403 403 403 403 403 200 403
POST /designer/drafts/{draft}/save                O   403 403 403 403 403 403 403 403 403 403 403 302 403
POST /designer/drafts/{draft}/validate            O   403 403 403 403 403 403 403 403 403 403 403 302 403
POST /designer/drafts/{draft}/test-run            O   403 403 403 403 403 403 403 403 403 403 403 302 403
POST /designer/drafts/{draft}/deploy              O   403 403 403 403 403 403 403 403 403 403 403 302 403
GET  /designer/drafts/{draft}/task-form/collect_review O 403 403 403 403 403 403 403 403 403 403 403 200 403
POST /designer/drafts/{draft}/task-form/read      O   403 403 403 403 403 403 403 403 403 403 403 200 403
POST /designer/drafts/{draft}/task-form           O   403 403 403 403 403 403 403 403 403 403 403 200 403
POST /designer/drafts/{draft}/step-limits         O   403 403 403 403 403 403 403 403 403 403 403 200 403
POST /designer/drafts/{draft}/discard             O   403 403 403 403 403 403 403 403 403 403 403 302 403
GET  /designer/procedures/{proc}                  O   403 403 403 403 403 403 403 403 403 403 403 200 403
GET  /designer/procedures/{proc}/versions/1/diagram.bpmn O  403 403 403 403 403 403 403 403 403 403 403 200 403
GET  /designer/procedures/{proc}/diff             O   403 403 403 403 403 403 403 403 403 403 403 302 403
GET  /designer/procedures/{proc}/migrate          O   403 403 403 403 403 403 403 403 403 403 403 302 403
POST /designer/procedures/{proc}/migrate          O   403 403 403 403 403 403 403 403 403 403 403 302 403
GET  /designer/incidents                          O   403 403 403 403 403 403 403 403 403 403 403 200 403
POST /designer/incidents/{missing_task}/retry     O   403 403 403 403 403 403 403 403 403 403 403 302 403
GET  /designer/live                               O   403 403 403 403 403 403 403 403 403 200 200 200 403
GET  /designer/procedures/{proc}/live             O   403 403 403 403 403 403 403 403 403 200 200 200 403
GET  /designer/procedures/{proc}/live/diagram.bpmn O   403 403 403 403 403 403 403 403 403 200 200 200 403
GET  /designer/procedures/{proc}/live/elements/reception O 403 403 403 403 403 403 403 403 403 200 200 200 403
GET  /designer/decisions                          O   403 403 403 403 403 403 403 403 403 403 403 200 403
GET  /designer/decisions/p02_state_support.dmn    O   403 403 403 403 403 403 403 403 403 403 403 200 403
GET  /designer/decisions/p02_state_support.dmn/table.dmn O   403 403 403 403 403 403 403 403 403 403 403 200 403
POST /designer/decisions/p02_state_support.dmn/save O   403 403 403 403 403 403 403 403 403 403 403 302 403
POST /designer/decisions/p02_state_support.dmn/validate O   403 403 403 403 403 403 403 403 403 403 403 302 403
POST /designer/decisions/p02_state_support.dmn/deploy O   403 403 403 403 403 403 403 403 403 403 403 302 403
POST /designer/decisions/p02_state_support.dmn/evaluate O   403 403 403 403 403 403 403 403 403 403 403 200 403
POST /designer/decisions/p02_state_support.dmn/discard O   403 403 403 403 403 403 403 403 403 403 403 302 403
POST /api/postal/updates                          401 401 401 401 401 401 401 401 401 401 401 401 401 401
POST /api/postal/intake                           401 401 401 401 401 401 401 401 401 401 401 401 401 401
POST /api/bank/updates                            401 401 401 401 401 401 401 401 401 401 401 401 401 401
GET  /account/                                   L   200 200 200 200 200 200 200 200 200 200 200 200 200
POST /account/tokens                             L   400 400 400 400 400 400 400 400 400 400 400 400 400
POST /account/tokens/{missing_task}/revoke       L   404 404 404 404 404 404 404 404 404 404 404 404 404
GET  /api/v1/                                    302 302 302 302 302 302 302 302 302 302 302 302 302 302
GET  /api/v1/docs                                200 200 200 200 200 200 200 200 200 200 200 200 200 200
GET  /api/v1/openapi.json                        200 200 200 200 200 200 200 200 200 200 200 200 200 200
GET  /api/v1/procedures                          200 200 200 200 200 200 200 200 200 200 200 200 200 200
GET  /api/v1/procedures/{proc}                   200 200 200 200 200 200 200 200 200 200 200 200 200 200
GET  /api/v1/dossiers                            401 401 401 401 401 401 401 401 401 401 401 401 401 401
POST /api/v1/dossiers                            401 401 401 401 401 401 401 401 401 401 401 401 401 401
GET  /api/v1/dossiers/{code}                     401 401 401 401 401 401 401 401 401 401 401 401 401 401
GET  /api/v1/dossiers/{code}/receipt             401 401 401 401 401 401 401 401 401 401 401 401 401 401
GET  /api/v1/dossiers/{code}/documents/{doc}     401 401 401 401 401 401 401 401 401 401 401 401 401 401
POST /api/v1/dossiers/{asked}/supplement         401 401 401 401 401 401 401 401 401 401 401 401 401 401
POST /api/v1/dossiers/{withdrawable}/withdrawal  401 401 401 401 401 401 401 401 401 401 401 401 401 401
POST /api/v1/dossiers/{returned}/rating          401 401 401 401 401 401 401 401 401 401 401 401 401 401
GET  /api/v1/tasks                               401 401 401 401 401 401 401 401 401 401 401 401 401 401
GET  /api/v1/tasks/{task}                        401 401 401 401 401 401 401 401 401 401 401 401 401 401
POST /api/v1/tasks/{task}/claim                  401 401 401 401 401 401 401 401 401 401 401 401 401 401
POST /api/v1/tasks/{task}/completion             401 401 401 401 401 401 401 401 401 401 401 401 401 401
POST /api/v1/tasks/{task}/reassignment           401 401 401 401 401 401 401 401 401 401 401 401 401 401
GET  /api/v1/office/dossiers/{code}/history      401 401 401 401 401 401 401 401 401 401 401 401 401 401
POST /api/v1/oauth/token                         400 400 400 400 400 400 400 400 400 400 400 400 400 400
GET  /api/v1/cards/{missing}                     401 401 401 401 401 401 401 401 401 401 401 401 401 401
GET  /api/v1/employer/dossiers                   401 401 401 401 401 401 401 401 401 401 401 401 401 401
POST /api/v1/employer/dossiers                   401 401 401 401 401 401 401 401 401 401 401 401 401 401
GET  /api/v1/employer/dossiers/{code}            401 401 401 401 401 401 401 401 401 401 401 401 401 401
"""
# fmt: on

APPLICANTS = {  # identity: (kind, id number, name, phone)
    "A": ("individual", "051090001234", "Trần Thị Mai", "0912345678"),
    "B": ("individual", "051090005678", "Lê Văn Bình", "0987654321"),
    "emp": ("employer", "4300812345", "Công ty TNHH Sông Trà", "0905111222"),
}
OFFICERS = {  # identity: (username, roles, unit; None: the office's own unit)
    "desk": ("lan.desk", (), None),  # tests.helpers.seed_office made these four
    "coll": ("hai.thu", (), None),
    "lead": ("hoa.lanhdao", (), None),
    "othr": ("khac.huyen", (), None),
    "book": ("thao.soth", ("books_cards",), None),
    "bene": ("dung.chedo", ("benefits",), None),
    "hia": ("ngoc.giamdinh", ("hi_assessment",), None),
    "fin": ("tuan.taichinh", ("finance",), None),
    "dsgn": ("an.thietke", ("designer",), None),
    "admn": ("binh.quantri", ("admin",), None),
}
_CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # logins in this test cost little


def _rows() -> list[tuple[str, str, dict[str, str]]]:
    lines = [line.split() for line in MATRIX.strip().splitlines()[1:]]
    assert all(len(cells) == 2 + len(IDENTITIES) for cells in lines), [c for c in lines if len(c) != 16]
    return [(cells[0], cells[1], dict(zip(IDENTITIES, cells[2:], strict=True))) for cells in lines]


def _rule_of(app, path: str, method: str) -> str:
    adapter = app.url_map.bind("motcua.test")
    rule, _args = adapter.match(re.sub(r"\{(\w+)\}", "1", path), method=method, return_rule=True)
    return rule.rule


@pytest.fixture
def database_url(tmp_path, sqlite_template):
    """SQLite only: who may see what is decided in the web layer and the engine, not in SQL dialects."""
    path = tmp_path / "motcua.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def test_every_route_has_a_row(app):
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}}
    covered = {(method, _rule_of(app, path, method)) for method, path, _ in _rows()}
    assert routes - covered == set(), "routes without a row in MATRIX"
    assert covered - routes == set()


def visitor(app, who: str) -> tuple[Web, str]:
    """A browser logged in as the identity, at an address of its own, and its form token."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"203.0.113.{10 + IDENTITIES.index(who)}"  # documentation range
    web = Web(client)
    if who in APPLICANTS:
        assert web.login(APPLICANTS[who][1]).status_code == 302, who
    elif who in OFFICERS:
        assert web.officer_login(OFFICERS[who][0]).status_code == 302, who
    return web, web.token("/")


@pytest.fixture
def world(app, runtime, office, clock, catalogue, password_hash):
    """The identities and the objects the placeholders stand for."""
    with runtime.db.write() as session:
        for username, roles, unit in OFFICERS.values():
            if roles:  # the others are the office's (tests.helpers.seed_office)
                user = add_user(session, username, username)
                for role in roles:
                    grant(session, user, role, unit or office.unit)
    setup = Web(app.test_client())
    setup.client.environ_base["REMOTE_ADDR"] = "192.0.2.1"
    for kind, id_number, name, phone in APPLICANTS.values():
        setup.signup(id_number=id_number, name=name, kind=kind, phone=phone, log_in=False)
    with runtime.db.write() as session:
        # officers: a light hash, quick to check; applicants keep the real settings (a light hash would be
        # rehashed at each login)
        session.execute(update(Account).values(password_hash=password_hash))
        for username, _roles, _unit in OFFICERS.values():
            user_by_name(session, username).password_hash = _CHEAP.hash(PASSWORD)
        designer_id = user_by_name(session, "an.thietke").id
        account_a = session.scalars(select(Account).where(Account.id_number == APPLICANTS["A"][1])).one().id
    setup.login(APPLICANTS["A"][1])
    code = apply_p02(setup, full_name="Trần Thị Mai", citizen_id=APPLICANTS["A"][1])
    (doc,) = re.findall(rf"/dossiers/{re.escape(code)}/documents/(\d+)", setup.text(f"/dossiers/{code}"))

    def dossier_of_a(**changes) -> str:
        application = {**P02_APPLICATION, "full_name": "Trần Thị Mai", "citizen_id": APPLICANTS["A"][1], **changes}
        return runtime.dossiers.start("P02", application, Actor.applicant("Trần Thị Mai"), account_id=account_a)

    asked, refused, returned = dossier_of_a(), dossier_of_a(), dossier_of_a()
    do_task(runtime, office, asked, "reception_check", decision="supplement", missing_documents="Tờ khai TK1-TS")
    do_task(runtime, office, refused, "reception_check", decision="refuse", refusal_reason="Đang tham gia BHXH")
    _drive_to_returned(runtime, clock, office, catalogue, returned)

    def new_task() -> str:
        fresh = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]))
        return str(open_task(runtime, fresh, "reception_check").id)

    return {
        "code": code,
        "doc": doc,
        "asked": asked,
        "refused": refused,
        "returned": returned,
        "withdrawable": dossier_of_a(),
        "task": str(open_task(runtime, code, "reception_check").id),
        "new_task": new_task,
        "missing": "BHXH.QNI-260302-9999",
        "missing_task": "999999",
        "token": "no-such-reset-token",
        "proc": "P02",
        "draft": str(Studio(runtime).start_from_files("P02", designer_id)),
    }


def _form(route: str, who: str, world: dict, task_id: str | None) -> dict:
    """What each form row sends: what the identity would fill in for the action to go through."""
    n = IDENTITIES.index(who)
    _kind, id_number, name, _phone = APPLICANTS.get(who, ("individual", "051090001234", "x", ""))
    officers = [username for username, _roles, _unit in OFFICERS.values()]
    forms = {
        "POST /procedures/P02/apply": lambda: p02_form(full_name=name, citizen_id=id_number),
        "POST /track": lambda: {"code": world["code"], "id_number": APPLICANTS["A"][1]},
        "POST /signup": lambda: {
            "kind": "individual",
            "id_number": f"0510950{n:05}",
            "full_name": "Người Mới",
            "phone": f"09770{n:05}",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
        # wrong logins spread over accounts: ten wrong passwords for one account would hold it (test_limits.py)
        "POST /login": lambda: {"identifier": f"05109900{n:04}", "password": "not-the-password"},
        "POST /officer/login": lambda: {"username": officers[n % len(officers)], "password": "not-the-password"},
        "POST /password/forgot": lambda: {"identifier": f"nobody{n}@example.vn"},
        "POST /password/reset/{token}": lambda: {"password": "a-new-password", "password_confirm": "a-new-password"},
        "POST /language": lambda: {"lang": "vi", "next": "/"},
        # the panel's edits answer the new text and save nothing, so every cell may succeed
        "POST /designer/drafts/{draft}/task-form/read": lambda: {"task": "collect_review"},
        "POST /designer/drafts/{draft}/task-form": lambda: {"task": "extra_review", "fields": "[]"},
        "POST /designer/drafts/{draft}/step-limits": lambda: {"task": "collect_review", "steps": ""},
        "POST /dossiers/{asked}/supplement": lambda: {"files": (BytesIO(PDF), "giay-to.pdf"), "note": "Gửi bổ sung"},
        "POST /dossiers/{withdrawable}/withdraw": lambda: {"reason": "Không cần nữa"},
        "POST /dossiers/{returned}/rating": lambda: {"rating": "satisfied"},
        "POST /officer/tasks/claim": lambda: {"task_id": task_id},
        "POST /officer/filters": lambda: {"name": "Của tôi", "query": "view=mine"},
        "POST /officer/tasks/{new_task}/reassign": lambda: {"to": "minh.desk"},
        "POST /officer/tasks/{new_task}/complete": lambda: {"decision": "accept"},
        "POST /officer/admin/outbox/retry": lambda: {"all": "1"},
        "POST /designer/decisions/p02_state_support.dmn/evaluate": lambda: {
            "household_category": "poor",
            "submitted_on": "2026-01-01",
        },
    }
    return forms.get(route, dict)()


def _answer(response) -> str:
    if response.status_code == 302:
        location = response.headers["Location"].split("motcua.test", 1)[-1]
        if location.startswith("/login"):
            return "L"
        if location.startswith("/officer/login"):
            return "O"
    return str(response.status_code)


def test_the_authorization_matrix(app, world):
    visitors = {who: visitor(app, who) for who in IDENTITIES}
    wrong = []
    for method, route, expected in _rows():
        for who in IDENTITIES:
            task_id = world["new_task"]() if "{new_task}" in route or route == "/officer/tasks/claim" else None
            values = {k: v for k, v in world.items() if not callable(v)} | {"new_task": task_id}
            url = route.format(**values)
            # logging out ends the session: that row gets a browser of its own
            web, token = visitor(app, who) if route == "/logout" else visitors[who]
            if method == "GET":
                response = web.client.get(url)
            elif route.startswith("/api/"):
                response = web.client.post(url, data=b"{}", content_type="application/json")
            else:
                data = {"csrf_token": token, **_form(f"{method} {route}", who, world, task_id)}
                response = web.client.post(url, data=data)
            if _answer(response) != expected[who]:
                wrong.append(f"{method} {route} as {who}: expected {expected[who]}, got {_answer(response)}")
    assert wrong == []
