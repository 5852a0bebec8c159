"""What every simulated system shares: the state in memory behind one lock, the request log, the
switches (/_control), Idempotency-Key answers, and signed webhooks to the product."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from flask import Blueprint, Response, current_app, g, jsonify, request

from engine.integration.webhooks import sign

SERVICES = ("post", "registry", "portal", "bank", "notify")
MODES = ("ok", "fail", "delay", "duplicate")
OUTCOMES = ("confirmed", "rejected")


@dataclass
class Switch:
    mode: str = "ok"
    seconds: float = 0.0
    remaining: int | None = None  # requests left before the mode falls back to ok; None: until changed

    def take(self) -> tuple[str, float]:
        """The mode for one request, counting it against `remaining`."""
        mode, seconds = self.mode, self.seconds
        if self.remaining is not None:
            self.remaining -= 1
            if self.remaining <= 0:
                self.mode, self.seconds, self.remaining = "ok", 0.0, None
        return mode, seconds


class State:
    """Everything the simulators remember; read and change it only while holding `lock`, and never
    hold the lock while sleeping or talking to the product."""

    def __init__(self, product_url: str, post_secret: str, bank_secret: str, people: dict[str, dict]):
        self.lock = threading.Lock()
        self.product_url = product_url.rstrip("/")
        self.post_secret = post_secret
        self.bank_secret = bank_secret
        self.people = people  # the registry's seed: kept by /_reset
        self.timers: list[threading.Timer] = []
        self.reset()

    def reset(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers = []
        self.log: list[dict] = []
        self.switches = {service: Switch() for service in SERVICES}
        self.answers: dict[str, dict[str, dict]] = {service: {} for service in SERVICES}
        self.effects: dict[str, Counter] = {service: Counter() for service in SERVICES}
        self.auto_settle: str | None = None
        self.auto_settle_seconds = 1.0
        self.orders: dict[str, dict] = {}
        self.statuses: dict[str, list[dict]] = {}
        self.transfers: dict[str, dict] = {}
        self.messages: list[dict] = []

    def record(self, service: str, duplicate: bool = False) -> dict:
        entry = {
            "service": service,
            "method": request.method,
            "path": request.path,
            "key": request.headers.get("Idempotency-Key"),
            "body": request.get_json(silent=True),
            "at": now().isoformat(),
            "duplicate": duplicate,
        }
        self.log.append(entry)
        return entry


def now() -> datetime:
    return datetime.now(UTC)


def state() -> State:
    return current_app.extensions["simulators"]


def error(message: str, status: int = 400) -> tuple[Response, int]:
    return jsonify(error=message), status


def problem(data: Any, **types: type) -> str | None:
    """What is wrong with a JSON body that must hold these fields of these types, if anything."""
    if not isinstance(data, dict):
        return "body must be a JSON object"
    for name, kind in types.items():
        value = data.get(name)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)) or value == "":
            return f"{name} must be a {'non-empty string' if kind is str else kind.__name__}"
    return None


def serve_as(bp: Blueprint, service: str) -> None:
    """Log every request of this blueprint and apply the service's switch to it."""

    @bp.before_request
    def switch():
        st = state()
        with st.lock:
            g.mode, g.seconds = st.switches[service].take()
            g.entry = st.record(service)
        if g.mode == "fail":
            return error(f"{service} unavailable (simulated failure)", 503)
        return None

    @bp.after_request
    def delay(response: Response) -> Response:
        # the effect is already applied: a client that gives up and retries must be deduplicated
        if g.get("mode") == "delay":
            time.sleep(g.seconds)
        return response


def create(service: str, apply: Callable[[State], dict], status: int) -> tuple[Response, int]:
    """Apply a creating request once per Idempotency-Key; the same key again gets the first answer."""
    key = request.headers.get("Idempotency-Key")
    if not key:
        return error("missing Idempotency-Key")
    st = state()
    with st.lock:
        answer = st.answers[service].get(key)
        if answer is None:
            answer = st.answers[service][key] = apply(st)
            st.effects[service][key] += 1
        else:
            g.entry["duplicate"] = True
            status = 200
        if g.mode == "duplicate":  # the request arrives a second time, answered from the first
            st.record(service, duplicate=True)
    return jsonify(answer), status


def deliver(st: State, path: str, secret: str, payload: dict, times: int = 1) -> list[dict]:
    """POST the signed payload to the product `times` times (same event_id); its answers. Raises
    httpx.HTTPError when the product cannot be reached."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    replies = []
    for _ in range(times):
        headers = {"Content-Type": "application/json", **sign(secret, body, int(time.time()))}
        reply = httpx.post(st.product_url + path, content=body, headers=headers, timeout=5)
        try:
            answer = reply.json()
        except ValueError:
            answer = reply.text
        replies.append({"webhook_status": reply.status_code, "webhook_body": answer})
    return replies


def webhook(path: str, secret: str, payload: dict) -> tuple[Response, int]:
    """Send a webhook for a control request and answer with what the product answered."""
    try:
        replies = deliver(state(), path, secret, payload, 2 if g.mode == "duplicate" else 1)
    except httpx.HTTPError as err:
        return jsonify(error=f"product unreachable: {err!r}", event_id=payload["event_id"]), 502
    answer = {**replies[0], "event_id": payload["event_id"]}
    if len(replies) > 1:
        answer["again"] = replies[1]
    return jsonify(answer), 200


control = Blueprint("control", __name__)


@control.get("/_health")
def health():
    return jsonify(ok=True)


@control.post("/_reset")
def reset():
    st = state()
    with st.lock:
        st.reset()
    return jsonify(ok=True)


@control.post("/_control")
def set_switch():
    data = request.get_json(silent=True)
    if (wrong := problem(data, service=str, mode=str)) is not None:
        return error(wrong)
    service, mode = data["service"], data["mode"]
    seconds, count = data.get("seconds"), data.get("count")
    if service not in SERVICES or mode not in MODES:
        return error(f"service must be one of {', '.join(SERVICES)}; mode one of {', '.join(MODES)}")
    if seconds is not None and (not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0):
        return error("seconds must be a number >= 0")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
        return error("count must be a whole number >= 1")
    if "auto_settle" in data and (service != "bank" or data["auto_settle"] not in (*OUTCOMES, None)):
        return error("auto_settle is for the bank: confirmed, rejected or null")
    st = state()
    with st.lock:
        st.switches[service] = Switch(mode, float(seconds or 0), count)
        if "auto_settle" in data:
            st.auto_settle = data["auto_settle"]
            st.auto_settle_seconds = float(1.0 if seconds is None else seconds)
    return jsonify(
        service=service,
        mode=mode,
        seconds=float(seconds or 0),
        count=count,
        auto_settle=st.auto_settle if service == "bank" else None,
    )


@control.get("/_log")
def log():
    service = request.args.get("service")
    with state().lock:
        return jsonify([dict(e) for e in state().log if service in (None, e["service"])])


@control.get("/_effects")
def effects():
    service = request.args.get("service")
    if service not in SERVICES:
        return error(f"service must be one of {', '.join(SERVICES)}")
    with state().lock:
        return jsonify(dict(state().effects[service]))
