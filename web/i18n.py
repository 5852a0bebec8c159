"""Language: Vietnamese by default, English on request (kept in the session)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Flask, current_app, redirect, request, session
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from engine.forms import Message
from engine.statuses import DossierStatus

from .redirects import local_target

LANGUAGES = ("vi", "en")
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "vi"


def lang() -> str:
    return str(get_locale() or "vi")


def pick(text: Any) -> str:
    """The current language's side of a bilingual text from the engine or the metadata
    (a Message, a {vi, en} dict, or plain text)."""
    if text is None:
        return ""
    if isinstance(text, Message):
        return text.en if lang() == "en" else text.vi
    if isinstance(text, dict) and "vi" in text:
        return str(text.get(lang()) or text["vi"])
    return str(text)


def status_label(code: int | None) -> str:
    if not code:
        return ""
    status = DossierStatus(int(code))
    return status.label_en if lang() == "en" else status.label_vi


@bp.post("/language")
def switch_language():
    """A small form in the page header (POST with a CSRF token, like every change)."""
    wanted = request.form.get("lang", "vi")
    session["lang"] = wanted if wanted in LANGUAGES else "vi"
    return redirect(_page_of(local_target(request.form.get("next"), "/")))


def _page_of(target: str) -> str:
    """A form sent back with errors is shown at the address it was posted to, which may answer POST
    only (/dossiers/<code>/supplement, /account/tokens): its page is then the nearest address above
    it that answers GET, rather than a "method not allowed" page."""
    adapter = current_app.url_map.bind("localhost")
    asked = path = target.split("?", 1)[0]
    while True:
        try:
            adapter.match(path, method="GET")
        except MethodNotAllowed:
            if path.count("/") <= 1:
                return "/"
            path = path.rsplit("/", 1)[0]
            continue
        except HTTPException:  # not found, or a redirect (to the address with its slash): as it is
            pass
        return target if path == asked else path


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(pick=pick, status_label=status_label, current_lang=lang)
    app.jinja_env.filters["dt"] = _datetime
    app.jinja_env.filters["d"] = _date
    app.jinja_env.filters["typed_date"] = _typed_date
    app.jinja_env.filters["filesize"] = _filesize
    # 1,000 / 1.000 and 66.7 / 66,7 as the language writes them; a pattern such as "#,##0.0" for decimals
    app.jinja_env.filters["number"] = lambda n, pattern=None: format_decimal(n, pattern)
    app.jinja_env.filters["count"] = count_label
    app.jinja_env.filters["vnd"] = lambda n: f"{int(n):,}".replace(",", ".") if n is not None else ""


def count_label(value: int) -> str:
    """A count as a badge shows it: "1,000+" for one that stopped at its cap (inbox.Count.more)."""
    if getattr(value, "more", False):
        return _("%(num)s+", num=format_decimal(value))
    return format_decimal(value)


def _datetime(value) -> str:
    from flask_babel import format_datetime

    return format_datetime(value, "dd/MM/yyyy HH:mm") if value else ""


def _date(value) -> str:
    from flask_babel import format_date

    return format_date(value, "dd/MM/yyyy") if value else ""


def _typed_date(value) -> str:
    """A date field's value as the person types it (31/12/1990): a day, or its ISO text, shown day
    first; anything else (what was typed and refused) exactly as typed."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    text = "" if value is None else str(value)
    try:
        return date.fromisoformat(text).strftime("%d/%m/%Y") if len(text) == 10 and text[4] == "-" else text
    except ValueError:
        return text


def _filesize(size: int) -> str:
    """A file's size as people read it: 240 KB, 1,5 MB (Vietnamese) / 1.5 MB."""
    if size < 1024 * 1024:
        return f"{max((size + 1023) // 1024, 1)} KB"
    text = f"{size / (1024 * 1024):.1f}"
    return f"{text.replace('.', ',') if lang() == 'vi' else text} MB"
