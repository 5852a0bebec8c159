"""Officers' tasks (an officer's token): the inbox views with filters and keyset paging, one task with
its form and an ETag, claim, and completion with If-Match. The same engine functions as the inbox
pages (engine.dossiers.inbox, the dossier service), so the same rules: a task of a unit where the
officer holds no working role answers 404 like one that does not exist, one of their unit but of
another role 403, and the form is checked as the task page checks it.

The ETag stands for the task's state and its dossier's (the dossier's state version): a client that
read the task before a colleague claimed it, or before the dossier moved on, is told with a 412
instead of acting on what it no longer sees."""

from __future__ import annotations

import hashlib
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, g, request, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.dossiers import inbox
from engine.dossiers.history import describe
from engine.dossiers.views import dossier_view
from engine.errors import EngineError, NotAllowed, NotFound, RuleRefused
from engine.forms import FormError, Message
from engine.people.officers import Actor
from engine.sla.office_calendar import current_calendar

from .. import task_form
from ..context import runtime
from . import paging
from .bearer import SECURITY, load_bearer, needs
from .problems import form_problem, problem
from .problems import problems_doc as _problems
from .schemas import FieldSchema, TextSchema, field_of, text

blp = Blueprint("tasks", __name__, description="An officer's tasks (token of an officer)")
blp.before_request(load_bearer)


class TaskQuery(paging.PageArgs):
    view = fields.String(load_default="offered", validate=validate.OneOf(inbox.TASK_VIEWS))
    procedure = fields.String(load_default=None, validate=validate.Length(max=16))
    status = fields.Integer(load_default=None, validate=validate.Range(1, 10))
    due_before = fields.Date(load_default=None, metadata={"description": "due on that day or earlier"})


class TaskSummarySchema(Schema):
    id = fields.Integer(required=True)
    dossier = fields.String(required=True)
    procedure = fields.String(required=True)
    dossier_status = fields.Integer(required=True)
    applicant_name = fields.String(required=True)
    element_id = fields.String(required=True)
    title = fields.String(required=True)
    role = fields.String(required=True)
    unit = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "new, claimed, done or canceled"})
    assignee_name = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    due_at = fields.DateTime(allow_none=True, required=True)
    sla = fields.String(allow_none=True, required=True, metadata={"description": "on_time, due_today, due_next, late"})
    href = fields.String(required=True)


class TaskListSchema(Schema):
    items = fields.List(fields.Nested(TaskSummarySchema), required=True)
    links = fields.Nested(paging.LinksSchema, required=True)


class TaskSchema(Schema):
    id = fields.Integer(required=True)
    dossier = fields.String(required=True)
    element_id = fields.String(required=True)
    title = fields.String(required=True)
    role = fields.String(required=True)
    unit = fields.String(required=True)
    status = fields.String(required=True)
    assignee_name = fields.String(allow_none=True, required=True)
    completed_by_name = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    claimed_at = fields.DateTime(allow_none=True, required=True)
    finished_at = fields.DateTime(allow_none=True, required=True)
    due_at = fields.DateTime(allow_none=True, required=True)
    form = fields.List(fields.Nested(FieldSchema), required=True, metadata={"description": "the step's form"})


class CompletionSchema(Schema):
    data = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "the step's form: field name -> value, as the task page sends them"},
    )


_ETAG = {"ETag": {"schema": {"type": "string"}, "description": "give it back in If-Match to complete the task"}}
_TASK_200 = {
    "200": {
        "description": "the task",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Task"}}},
        "headers": _ETAG,
    }
}
_IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string", "maxLength": 200},
    "description": "the ETag of the task as last read",
}


def _officer() -> inbox.Officer:
    return inbox.Officer(g.bearer.officer.id, g.bearer.roles)


def _info(task_id: int, work: bool = False) -> inbox.TaskInfo:
    try:
        with runtime().db.read() as db:
            return inbox.task_for(db, _officer(), task_id, work)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)


def _etag(info: inbox.TaskInfo) -> str:
    with runtime().db.read() as db:
        version = inbox.state_version(db, info.dossier_code)
    parts = (info.id, info.status, info.assignee_id, info.claimed_at, info.finished_at, version)
    return '"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:32] + '"'


def _task_answer(task_id: int, status: int = 200) -> Response:
    info = _info(task_id)
    rt = runtime()
    with rt.db.read() as db:
        meta = dossier_view(db, rt.versions, info.dossier_code).meta
    body = {
        "id": info.id,
        "dossier": info.dossier_code,
        "element_id": info.element_id,
        "title": info.title,
        "role": info.role_code,
        "unit": info.unit_code,
        "status": info.status,
        "assignee_name": info.assignee_name,
        "completed_by_name": info.completed_by_name,
        "created_at": info.created_at,
        "claimed_at": info.claimed_at,
        "finished_at": info.finished_at,
        "due_at": info.due_at,
        "form": [field_of(f) for f in inbox.task_fields(meta, info.element_id)],
    }
    response = current_app.response_class(
        current_app.json.dumps(TaskSchema().dump(body)), status=status, mimetype="application/json"
    )
    response.headers["ETag"] = _etag(info)
    return response


@blp.route("/tasks", methods=["GET"])
@blp.doc(security=SECURITY, responses=_problems(401, 403))
@needs("read", holder="officer")
@blp.arguments(TaskQuery, location="query", as_kwargs=True)
@blp.response(200, TaskListSchema)
def list_tasks(view: str, procedure: str | None, status: int | None, due_before, limit: int, cursor: str | None):
    """An inbox view (offered, mine, done, intake, due_soon, overdue, return), earliest due first, a page at a time"""
    try:
        after = paging.decode(cursor)
    except ValueError:
        return problem(
            422,
            "invalid-fields",
            Message("Con trỏ trang không hợp lệ", "Not a valid cursor"),
            {"cursor": Message("Dùng con trỏ từ links.next", "Use the cursor of links.next")},
        )
    filters = inbox.Filters(procedure=procedure or None, status=status, due_before=due_before)
    rt = runtime()
    now = rt.clock.now()
    with rt.db.read() as db:
        calendar = current_calendar(db, rt.settings)
        found = inbox.list_view(db, _officer(), view, filters, now, calendar, size=limit, after=after)
    items = [
        {
            "id": t.id,
            "dossier": t.dossier_code,
            "procedure": t.procedure_code,
            "dossier_status": t.dossier_status,
            "applicant_name": t.applicant_name,
            "element_id": t.element_id,
            "title": t.title,
            "role": t.role_code,
            "unit": t.unit_code,
            "status": t.status,
            "assignee_name": t.assignee_name,
            "created_at": t.created_at,
            "due_at": t.due_at,
            "sla": t.sla,
            "href": url_for("tasks.get_task", task_id=t.id),
        }
        for t in found.items
    ]
    args = {k: v for k, v in request.args.items() if k not in ("cursor", "limit")}
    headers: dict[str, str] = {}
    next_url = None
    if found.next_after:
        signed = paging.sign(found.next_after)
        next_url = url_for("tasks.list_tasks", **args, limit=limit, cursor=signed)
        headers["Link"] = f'<{request.host_url.rstrip("/")}{next_url}>; rel="next"'
    return {"items": items, "links": {"next": next_url}}, 200, headers


@blp.route("/tasks/<int(max=2147483647):task_id>", methods=["GET"])
@blp.doc(security=SECURITY, responses={**_TASK_200, **_problems(401, 403, 404)})
@needs("read", holder="officer")
def get_task(task_id: int):
    """One task with its form; its ETag goes back in If-Match to complete it"""
    return _task_answer(task_id)


@blp.route("/tasks/<int(max=2147483647):task_id>/claim", methods=["POST"])
@blp.doc(security=SECURITY, responses={**_TASK_200, **_problems(401, 403, 404, 409)})
@needs("work", holder="officer")
def claim(task_id: int):
    """Claim an offered task of one's role and unit"""
    _info(task_id, work=True)
    try:
        runtime().dossiers.claim(task_id, Actor.of(g.bearer.officer))
    except EngineError as e:  # a colleague was quicker, or the task is done
        return problem(409, "refused", e.message)
    return _task_answer(task_id)


@blp.route("/tasks/<int(max=2147483647):task_id>/completion", methods=["POST"])
@blp.doc(
    security=SECURITY,
    parameters=[_IF_MATCH],
    responses={**_TASK_200, **_problems(400, 401, 403, 404, 409, 412, 422, 428)},
)
@needs("work", holder="officer")
@blp.arguments(CompletionSchema, location="json")
def complete(body: dict, task_id: int):
    """Complete the task with its form, checked as the task page checks it; If-Match must carry the ETag last read"""
    info = _info(task_id, work=True)
    given = request.headers.get("If-Match", "").strip()
    if not given:
        return problem(
            428,
            "if-match-missing",
            Message("Cần tiêu đề If-Match với ETag của công việc", "An If-Match header with the task's ETag is needed"),
        )
    if given != _etag(info):
        return problem(
            412,
            "stale",
            Message(
                "Công việc đã thay đổi từ lần đọc trước (có người nhận, đã làm xong, hoặc hồ sơ đã chuyển bước);"
                " hãy đọc lại",
                "The task has changed since it was read (claimed, done, or its dossier moved on); read it again",
            ),
        )
    rt = runtime()
    with rt.db.read() as db:
        meta = dossier_view(db, rt.versions, info.dossier_code).meta
    form = inbox.task_fields(meta, info.element_id)
    values: dict[str, Any] = {f.name: body["data"].get(f.name) for f in form}
    try:
        data = task_form.drop_other_choices(form, values)
        rt.dossiers.complete_task(task_id, Actor.of(g.bearer.officer), data)
    except FormError as e:
        return form_problem(e, "data.")
    except RuleRefused as e:  # the law does not allow what was entered
        return problem(422, "rule-refused", e.message)
    except EngineError as e:  # someone else got there first, or the dossier moved on
        return problem(409, "refused", e.message)
    return _task_answer(task_id)


class ReassignmentSchema(Schema):
    to = fields.String(
        required=True,
        validate=validate.Length(min=1, max=80),
        metadata={"description": "the username of an officer holding the task's role in its unit"},
    )


@blp.route("/tasks/<int(max=2147483647):task_id>/reassignment", methods=["POST"])
@blp.doc(security=SECURITY, responses={**_TASK_200, **_problems(400, 401, 403, 404, 409, 422)})
@needs("work", holder="officer")
@blp.arguments(ReassignmentSchema, location="json")
def reassign(body: dict, task_id: int):
    """Give an open task to a colleague (a leader of the task's unit only, to an officer holding its role there)"""
    _info(task_id)
    try:
        runtime().dossiers.reassign(task_id, Actor.of(g.bearer.officer), body["to"].strip())
    except NotFound as e:  # no such colleague
        return problem(422, "invalid-fields", e.message, {"to": e.message})
    except NotAllowed as e:  # not a leader here, or the colleague lacks the role
        return problem(403, "not-allowed", e.message)
    except EngineError as e:  # done or canceled meanwhile
        return problem(409, "refused", e.message)
    return _task_answer(task_id)


# --- a dossier's history, as the officer's dossier page shows it ---------------------------------


class HistoryEntrySchema(Schema):
    at = fields.DateTime(required=True)
    actor = fields.String(required=True, metadata={"description": "who did it (a person, the system, a partner)"})
    kind = fields.String(required=True, metadata={"description": "the event's kind, e.g. task_completed"})
    text = fields.Nested(TextSchema, required=True, metadata={"description": "the event in plain words"})


class HistorySchema(Schema):
    dossier = fields.String(required=True)
    unit = fields.String(required=True)
    events = fields.List(fields.Nested(HistoryEntrySchema), required=True, metadata={"description": "oldest first"})


@blp.route("/office/dossiers/<code>/history", methods=["GET"])
@blp.doc(security=SECURITY, responses=_problems(401, 403, 404))
@needs("read", holder="officer")
@blp.response(200, HistorySchema)
def dossier_history(code: str):
    """A dossier's history in plain words, oldest first (a dossier of one's units only)"""
    rt = runtime()
    with rt.db.read() as db:
        ref = inbox.dossier_ref(db, code)
    if ref is None or not _officer().may_see_dossier(ref[1]):
        abort(404)
    with rt.db.read() as db:
        view = dossier_view(db, rt.versions, code)
        titles = {t.id: t.title for t in inbox.dossier_tasks(db, code)}
    zone = ZoneInfo(rt.settings.timezone)
    events = [
        {"at": e.at, "actor": e.actor, "kind": e.kind, "text": text(describe(view.meta, e, zone, titles))}
        for e in view.events
    ]
    return {"dossier": code, "unit": ref[1], "events": events}
