"""The SMS and e-mail gateway: accepts messages and keeps them for anyone to read back."""

from __future__ import annotations

from uuid import uuid4

from flask import Blueprint, jsonify, request

from .shared import State, create, error, now, problem, serve_as, state

bp = Blueprint("notify", __name__, url_prefix="/notify")
serve_as(bp, "notify")


def _send(channel: str, **fields: type):
    data = request.get_json(silent=True)
    if (wrong := problem(data, **fields)) is not None:
        return error(wrong)

    def apply(st: State) -> dict:
        message_id = uuid4().hex
        st.messages.append(
            {
                "message_id": message_id,
                "channel": channel,
                **{name: data[name] for name in fields},
                "at": now().isoformat(),
            }
        )
        return {"message_id": message_id}

    return create("notify", apply, 201)


@bp.post("/sms")
def sms():
    return _send("sms", to=str, text=str)


@bp.post("/email")
def email():
    return _send("email", to=str, subject=str, text=str)


@bp.get("/messages")
def messages():
    to = request.args.get("to")
    st = state()
    with st.lock:
        return jsonify([dict(m) for m in st.messages if to in (None, m["to"])])
