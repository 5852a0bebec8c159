"""The Idempotency-Key header on the API's creating calls (engine.integration.idempotency keeps the
keys): required, at most 255 characters; the same key and request again gives the first answer
(with `Idempotent-Replayed: true`), the same key with another request a 422, and a key whose first
request is still running a 409."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Response, g, json, request

from engine.forms import Message
from engine.integration import idempotency

from ..context import runtime
from .problems import problem

HEADER = "Idempotency-Key"
PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY},
    "description": "a new random key for each new request (a UUID); the same key when sending a request again",
}


def _parts() -> list[tuple[str, bytes]]:
    if request.mimetype.startswith("multipart/") or request.mimetype == "application/x-www-form-urlencoded":
        parts = [(f"form:{k}", v.encode()) for k, v in sorted(request.form.items(multi=True))]
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            content = upload.read()
            upload.seek(0)
            parts.append((f"file:{name}:{upload.filename}", content))
        return parts
    return [("body", request.get_data(cache=True))]


def idempotent(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key or len(key) > idempotency.MAX_KEY:
            return problem(
                400,
                "idempotency-key-missing",
                Message(
                    f"Cần tiêu đề {HEADER} (tối đa {idempotency.MAX_KEY} ký tự) cho thao tác tạo mới",
                    f"A creating call needs an {HEADER} header (at most {idempotency.MAX_KEY} characters)",
                ),
            )
        holder = g.bearer.holder
        print_ = idempotency.fingerprint(request.method, request.path, _parts())
        rt = runtime()
        try:
            with rt.db.write() as db:
                replay = idempotency.claim(db, holder, key, print_, rt.clock.now())
        except idempotency.KeyReused as e:
            return problem(422, "idempotency-key-reused", e.message)
        except idempotency.KeyInFlight as e:
            return problem(409, "idempotency-key-in-flight", e.message)
        if replay is not None:
            response = Response(json.dumps(replay.body), status=replay.status, mimetype="application/json")
            response.headers.update(replay.headers)
            response.headers["Idempotent-Replayed"] = "true"
            return response
        try:
            response = view(*args, **kwargs)
            response = response if isinstance(response, Response) else _make(response)
        except BaseException:
            with rt.db.write() as db:
                idempotency.release(db, holder, key)
            raise
        with rt.db.write() as db:
            if response.status_code < 400 and response.is_json:
                kept = {k: v for k, v in response.headers.items() if k in ("Location", "Link")}
                idempotency.keep(db, holder, key, response.status_code, response.get_json(), kept)
            else:  # refused: nothing was made, the key may be used again for a corrected request
                idempotency.release(db, holder, key)
        return response

    return wrapped


def _make(result) -> Response:
    from flask import make_response

    return make_response(result)
