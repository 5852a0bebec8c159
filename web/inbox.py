"""Officers' inboxes: tasks per role and unit, the one-stop desk's views, task pages and actions.

Who may see what is decided here before the engine is called (so a changed id in a URL gets a 404 for
a dossier of a unit the officer has no role in, as for one that does not exist, and a 403 for a task
of their unit that is not theirs to see; names of another unit's officers never show); the engine
still checks every action itself.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.design.live import DossierPath, dossier_path
from engine.dossiers import inbox, saved_filters
from engine.dossiers.documents import content_of
from engine.dossiers.history import describe, with_notes
from engine.dossiers.views import DossierView, dossier_view
from engine.errors import EngineError, NotAllowed, NotFound, RuleRefused
from engine.forms import FormError
from engine.integration import registry
from engine.people.officers import Actor, holders, user_by_name
from engine.sla.office_calendar import current_calendar
from engine.statuses import DossierStatus
from engine.workflow.metadata import RECEPTION
from engine.workflow.versions import current_versions

from . import printouts, task_form
from .auth import officer_required
from .context import field_errors, flash_error, page_number, runtime
from .counter import only_registers
from .dashboard import only_reads_figures
from .designer import only_designs
from .files import PREVIEWABLE, download, preview, xml_download
from .forecasts import estimate
from .i18n import count_label, pick
from .links import public_url_for
from .redirects import local_target

bp = Blueprint("inbox", __name__, url_prefix="/officer")


def _officer() -> inbox.Officer:
    return inbox.Officer(g.officer.id, tuple(g.officer_roles))


def _actor() -> Actor:
    return Actor.of(g.officer)


# --- the inbox -----------------------------------------------------------------------------------


def _view_name(args) -> str:
    view = args.get("view", "offered")
    return view if view in inbox.VIEWS else "offered"


@bp.get("/")
@officer_required
def index():
    if only_registers():  # a collection point hands dossiers in and has no tasks: its page is the counter
        return redirect(url_for("counter.pick_procedure"))
    if only_reads_figures():  # a manager has no tasks either: its page is the dashboard
        return redirect(url_for("dashboard.index"))
    if only_designs():  # nor has a designer: the studio
        return redirect(url_for("designer.index"))
    view = _view_name(request.args)
    errors: dict[str, str] = {}
    filters = _filters(request.args, errors)
    page = page_number(request.args.get("page"))
    officer = _officer()
    rt = runtime()
    with rt.db.read() as db:
        calendar = current_calendar(db, rt.settings)
        now = rt.clock.now()
        procedures = {code: v.meta.name for code, v in current_versions(db, rt.versions).items()}
        counts = inbox.counts(db, officer, filters, now, calendar)
        channels = inbox.channel_counts(db, officer, filters, now, calendar) if view == "return" else {}
        # the view's own count is one of the tab counts (or of the channels'): not counted again
        total = channels[filters.channel] if view == "return" and filters.channel else counts[view]
        listed = inbox.list_view(
            db,
            officer,
            view,
            filters,
            now,
            calendar,
            page,
            current_app.config["PAGE_SIZE"],
            after=request.args.get("after"),
            total=total,
        )
        saved = saved_filters.saved_filters(db, officer.user_id)
    return render_template(
        "inbox/index.html",
        view=view,
        saved=saved,
        here=_inbox_query(view, filters),
        filters=filters,
        page=listed,
        counts=counts,
        channels=channels,
        procedures=procedures,
        statuses=list(DossierStatus),
        args=_filter_args(filters),
        errors=errors,
        claimable={
            t.id
            for t in listed.items
            if isinstance(t, inbox.TaskItem) and t.status == "new" and officer.works_on(t.role_code, t.unit_code)
        },
    ), (400 if errors else 200)


def _filters(args, errors: dict[str, str]) -> inbox.Filters:
    status = args.get("status", "")
    due_before = None
    if args.get("due_before"):
        try:
            due_before = date.fromisoformat(args["due_before"])
        except ValueError:
            errors["due_before"] = _("A date is written YYYY-MM-DD")
    channel = args.get("channel")
    sort = args.get("sort", "due")
    return inbox.Filters(
        procedure=args.get("procedure") or None,
        status=int(status) if status.isdigit() and int(status) in {s.value for s in DossierStatus} else None,
        due_before=due_before,
        channel=channel if channel in inbox.CHANNELS else None,
        sort=sort if sort in inbox.SORTS else "due",
    )


def _filter_args(filters: inbox.Filters) -> dict[str, str]:
    """The filters as query arguments, for links to other views and pages that keep them."""
    args = {
        "procedure": filters.procedure,
        "status": str(filters.status) if filters.status else None,
        "due_before": filters.due_before.isoformat() if filters.due_before else None,
        "sort": filters.sort if filters.sort != "due" else None,
    }
    return {k: v for k, v in args.items() if v}


def _inbox_query(view: str, filters: inbox.Filters) -> str:
    """Where in the inbox the officer is (view, filters, order) as a query string: saved as a filter,
    and carried to a task page so that "complete and open next" and "back" return to it."""
    args = {"view": view, **({"channel": filters.channel} if filters.channel else {}), **_filter_args(filters)}
    return urlencode(args)


def _origin(raw: str | None) -> tuple[str, inbox.Filters, str]:
    """The inbox place a task page was opened from (the `inbox` argument): view, filters, and the
    same as a clean query string; anything unknown in it is dropped."""
    args = dict(parse_qsl(raw or "")) if raw and len(raw) <= 1000 else {}
    view, filters = _view_name(args), _filters(args, {})
    return view, filters, _inbox_query(view, filters)


@bp.get("/counts.json")
@officer_required
def counts_json():
    """How many rows each tab has, with the page's filters (and, with channels=1, each channel of the
    result-return view): the inbox refreshes its badges with it."""
    filters = _filters(request.args, {})
    officer, rt = _officer(), runtime()
    with rt.db.read() as db:
        calendar = current_calendar(db, rt.settings)
        now = rt.clock.now()
        counts = inbox.counts(db, officer, filters, now, calendar)
        # the channels' counts join each task's dossier: only for the page that shows them (the
        # result-return view asks with channels=1)
        wanted = request.args.get("channels") == "1"
        channels = inbox.channel_counts(db, officer, filters, now, calendar) if wanted else {}
    response = jsonify(
        {
            "views": counts,
            "channels": channels,
            # as the badges show them: "1,000+" where there are more than the count went to
            "labels": {name: count_label(n) for name, n in {**counts, **channels}.items()},
        }
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- saved filters -------------------------------------------------------------------------------


@bp.post("/filters")
@officer_required
def save_filter():
    query = _origin(request.form.get("query"))[2]
    try:
        with runtime().db.write() as db:
            saved = saved_filters.save_filter(
                db, g.officer.id, request.form.get("name", ""), query, runtime().clock.now()
            )
    except FormError as e:
        flash(field_errors(e)["name"], "error")
    except EngineError as e:
        flash_error(e)
    else:
        flash(_("Filter saved: %(name)s", name=saved.name), "success")
    return redirect(url_for("inbox.index") + "?" + query)


@bp.post("/filters/<int:filter_id>/delete")
@officer_required
def delete_filter(filter_id: int):
    try:
        with runtime().db.write() as db:
            name = saved_filters.delete_filter(db, g.officer.id, filter_id)
    except NotFound:
        abort(404)
    flash(_("Filter deleted: %(name)s", name=name), "success")
    return redirect(_back())


# --- claiming ------------------------------------------------------------------------------------


@bp.post("/tasks/claim")
@officer_required
def claim_many():
    """Claim the ticked tasks one after the other; say which were claimed and why others were not."""
    ids = [int(i) for i in request.form.getlist("task_id") if i.isdigit()]
    if not ids:
        flash(_("Tick the tasks you want to claim first."), "error")
        return redirect(_back())
    officer, claimed = _officer(), []
    for task_id in ids:
        with runtime().db.read() as db:
            info = inbox.task_info(db, task_id)
        if info is None or not officer.works_on(info.role_code, info.unit_code):
            flash(_("Task #%(id)s: you do not hold its role in its unit.", id=task_id), "error")
            continue
        try:
            runtime().dossiers.claim(task_id, _actor())
        except EngineError as e:
            flash(
                _("%(code)s – %(task)s: %(reason)s", code=info.dossier_code, task=info.title, reason=pick(e.message)),
                "error",
            )
        else:
            claimed.append(info.dossier_code)
    if claimed:
        flash(_("Claimed %(count)s task(s): %(codes)s", count=len(claimed), codes=", ".join(claimed)), "success")
    return redirect(_back())


def _back() -> str:
    return local_target(request.form.get("next"), url_for("inbox.index"))


@bp.post("/tasks/<int:task_id>/claim")
@officer_required
def claim(task_id: int):
    _task_or_abort(task_id, work=True)
    return _act(task_id, lambda: runtime().dossiers.claim(task_id, _actor()), _("You have claimed this task."))


@bp.post("/tasks/<int:task_id>/unclaim")
@officer_required
def unclaim(task_id: int):
    _task_or_abort(task_id)
    return _act(
        task_id, lambda: runtime().dossiers.unclaim(task_id, _actor()), _("The task is offered to the role again.")
    )


@bp.post("/tasks/<int:task_id>/reassign")
@officer_required
def reassign(task_id: int):
    _task_or_abort(task_id)
    to = request.form.get("to", "").strip()
    if not to:
        flash(_("Choose the colleague to give the task to."), "error")
        return redirect(url_for("inbox.task", task_id=task_id))
    try:
        runtime().dossiers.reassign(task_id, _actor(), to)
    except EngineError as e:
        flash_error(e)
    else:  # named as the list of colleagues names them, not by their login
        with runtime().db.read() as db:
            flash(_("The task has been given to %(name)s.", name=user_by_name(db, to).full_name), "success")
    return redirect(url_for("inbox.task", task_id=task_id))


def _act(task_id: int, action, done: str):
    """Run an engine action; a refusal is shown plainly on the task page and changes nothing."""
    try:
        action()
    except EngineError as e:
        flash_error(e)
    else:
        flash(done, "success")
    return redirect(url_for("inbox.task", task_id=task_id))


def _task_or_abort(task_id: int, work: bool = False) -> inbox.TaskInfo:
    """The task, if this officer may see it (work: may do it); else 404 or 403 (`inbox.task_for`)."""
    try:
        with runtime().db.read() as db:
            return inbox.task_for(db, _officer(), task_id, work)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)


# --- the task page -------------------------------------------------------------------------------


@bp.get("/tasks/<int:task_id>")
@officer_required
def task(task_id: int):
    return _task_page(_task_or_abort(task_id))


@bp.post("/tasks/<int:task_id>/complete")
@officer_required
def complete(task_id: int):
    info = _task_or_abort(task_id, work=True)
    rt = runtime()
    with rt.db.read() as db:
        view = dossier_view(db, rt.versions, info.dossier_code)
    fields = inbox.task_fields(view.meta, info.element_id)
    try:
        data = task_form.drop_other_choices(fields, _task_data(fields, view, request.form))
        rt.dossiers.complete_task(task_id, _actor(), data)
    except FormError as e:
        return _task_page(info, field_errors(e), request.form), 400
    except RuleRefused as e:  # the law does not allow what was entered: say why, keep what was typed
        flash_error(e)
        return _task_page(info, {}, request.form), 400
    except EngineError as e:  # someone else got there first, or the dossier moved on
        flash_error(e)
        return redirect(url_for("inbox.task", task_id=task_id))
    flash(_("Done: %(task)s (dossier %(code)s).", task=info.title, code=info.dossier_code), "success")
    if request.form.get("then") == "next":
        return _open_next(task_id, request.form.get("inbox"))
    return redirect(url_for("inbox.dossier", code=info.dossier_code))


def _open_next(done_id: int, origin: str | None):
    """After "complete and open next": the next task of the inbox view the officer came from, claimed
    for them if it was offered; the view itself when nothing is left in it."""
    view, filters, query = _origin(origin)
    officer, rt = _officer(), runtime()
    with rt.db.read() as db:
        found = inbox.next_task(db, officer, view, filters, rt.clock.now(), current_calendar(db, rt.settings), done_id)
    if found is None:
        flash(_("Nothing else is waiting in this view."), "success")
        return redirect(url_for("inbox.index") + "?" + query)
    if found.status == "new":
        try:
            rt.dossiers.claim(found.id, _actor())
        except EngineError as e:  # a colleague was quicker: the page shows who has it
            flash_error(e)
    return redirect(url_for("inbox.task", task_id=found.id, inbox=query))


def _task_data(fields, view: DossierView, form) -> dict:
    """The submitted values of the step's own fields; a supplement request's ticked documents
    (their Vietnamese names, one per line) come first in `missing_documents`."""
    data = {f.name: ("true" if f.name in form else None) if f.type == "boolean" else form.get(f.name) for f in fields}
    if "missing_documents" in data:
        ticked = set(form.getlist("missing_doc"))
        lines = [d.name.vi for d in view.meta.documents if d.id in ticked]
        text = (form.get("missing_documents") or "").strip()
        data["missing_documents"] = "\n".join(lines + ([text] if text else []))
    return data


def _task_page(info: inbox.TaskInfo, errors: dict | None = None, form=None):
    rt, officer = runtime(), _officer()
    leads = info.unit_code in officer.led_units
    is_open = info.status in ("new", "claimed")
    works = officer.works_on(info.role_code, info.unit_code)
    with rt.db.read() as db:
        view = dossier_view(db, rt.versions, info.dossier_code)
        calendar = current_calendar(db, rt.settings)
        colleagues = (
            [(u.username, u.full_name) for u in holders(db, info.role_code, info.unit_code) if u.id != info.assignee_id]
            if leads and is_open
            else []
        )
        noted = with_notes(view.meta, view.events)
        titles = {t.id: t.title for t in inbox.dossier_tasks(db, info.dossier_code)} if noted else {}
    zone = ZoneInfo(rt.settings.timezone)
    # what earlier steps wrote (a leader's reason for sending the dossier back): read before redoing the work
    notes = [(e.at, e.actor, pick(describe(view.meta, e, zone, titles))) for e in noted]
    fields = inbox.task_fields(view.meta, info.element_id)
    origin = _origin(request.values.get("inbox"))[2]
    can_complete = is_open and works and (info.status == "new" or info.assignee_id == g.officer.id)
    context = (
        rt.dossiers.workflow_data(info.dossier_code)
        if can_complete and any(c.unless for f in fields for c in f.choices)
        else {}
    )
    if form is None:  # the review starts from what the applicant declared
        values = {f.name: view.application[f.name] for f in fields if f.name in view.application}
        if view.ordered_waybill and any(f.name == "waybill" for f in fields):
            values["waybill"] = view.ordered_waybill  # the post's answer to the shipment order
        ticked: set[str] = set()
    else:
        values, ticked = form, set(form.getlist("missing_doc"))
    # the desk's reception checks show the applicant's identity against the population registry
    person = view.application if is_open and view.meta.purpose_of(info.element_id) in RECEPTION else {}
    return render_template(
        "inbox/task.html",
        task=info,
        view=view,
        fields=fields,
        values=values,
        ticked=ticked,
        errors=errors or {},
        context=context,
        colleagues=colleagues,
        registry=registry.check(rt.settings, person) if person.get("citizen_id") else None,
        sla=inbox.sla_clock(info.due_at, rt.clock.now(), calendar) if is_open else None,
        layout=task_form.layout(fields, context),
        origin=origin,
        previewable=PREVIEWABLE,
        documents_shown=True,
        can_claim=is_open and works and info.status == "new",
        can_unclaim=info.status == "claimed" and (info.assignee_id == g.officer.id or leads),
        can_complete=can_complete,
        labels={f.name: pick(f.label) for f in fields},
        notes=notes,
        # while the task is open: the amount a benefit's calculation came to, before anyone signs or pays it
        amount_to_pay=rt.dossiers.amount_to_pay(info.dossier_code) if is_open else None,
    )


# --- the dossier page, its documents and slips ---------------------------------------------------


def _dossier_or_404(code: str) -> tuple[int, str]:
    """The dossier, if this officer may see it; another unit's answers 404 like one that does not exist."""
    with runtime().db.read() as db:
        ref = inbox.dossier_ref(db, code)
    if ref is None or not _officer().may_see_dossier(ref[1]):
        abort(404)
    return ref


def _view(code: str) -> DossierView:
    _dossier_or_404(code)
    with runtime().db.read() as db:
        return dossier_view(db, runtime().versions, code)


@bp.get("/dossiers/<code>")
@officer_required
def dossier(code: str):
    view = _view(code)
    with runtime().db.read() as db:
        tasks = inbox.dossier_tasks(db, code)
    titles = {t.id: t.title for t in tasks}
    zone = ZoneInfo(runtime().settings.timezone)
    history = [(e.at, e.actor, pick(describe(view.meta, e, zone, titles))) for e in view.events]
    officer = _officer()
    return render_template(
        "inbox/dossier.html",
        view=view,
        history=history,
        open_tasks=[t for t in tasks if t.status in ("new", "claimed")],
        visible={t.id for t in tasks if officer.may_see_task(t.role_code, t.unit_code)},
        incidents=runtime().dossiers.incidents(code),
        estimate=estimate(code),
        path=_path(code),
    )


def _path(code: str) -> DossierPath | None:
    """The dossier on its own diagram; None when its version cannot be read (the page still shows
    everything else, and the incident banner says what failed)."""
    try:
        return dossier_path(runtime(), code)
    except EngineError:
        return None


@bp.get("/dossiers/<code>/diagram.bpmn")
@officer_required
def dossier_diagram(code: str):
    _dossier_or_404(code)
    path = _path(code)
    if path is None:
        abort(404)
    return xml_download(f"{code}-v{path.number}.bpmn", path.diagram)


@bp.get("/dossiers/<code>/documents/<int:doc_id>")
@officer_required
def document(code: str, doc_id: int):
    dossier_id, _unit = _dossier_or_404(code)
    with runtime().db.read() as db:
        try:
            doc, content = content_of(db, dossier_id, doc_id)
        except NotFound:
            abort(404)
    if request.args.get("preview") and doc.content_type in PREVIEWABLE:
        return preview(doc.filename, doc.content_type, content)
    return download(doc.filename, doc.content_type, content)


def _tracking_url(view: DossierView) -> str:
    return public_url_for("tracking.track", code=view.code)


@bp.get("/dossiers/<code>/form-01.pdf")
@officer_required
def receipt_pdf(code: str):
    view = _view(code)
    return printouts.receipt_response(view, _tracking_url(view))


@bp.get("/dossiers/<code>/form-02.pdf")
@officer_required
def supplement_pdf(code: str):
    view = _view(code)
    return printouts.supplement_response(view, _tracking_url(view))


@bp.get("/dossiers/<code>/form-03.pdf")
@officer_required
def refusal_pdf(code: str):
    return printouts.refusal_response(_view(code))


@bp.get("/dossiers/<code>/handover.pdf")
@officer_required
def handover_pdf(code: str):
    return printouts.handover_response(_view(code))
