"""What every connector shares: the two kinds of failure, JSON over HTTP with an idempotency key,
and amounts in whole đồng."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import httpx

TIMEOUT_SECONDS = 10.0
# 4xx answers that say "not now" rather than "never"
_TRY_AGAIN = {408, 409, 425, 429}


class Retryable(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Rejected(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Connector(Protocol):
    def deliver(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]: ...


def post_json(client: httpx.Client, url: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    """POST `body` with the key that lets the other side recognise a repeat; the JSON answer."""
    try:
        response = client.post(url, json=body, headers={"Idempotency-Key": idempotency_key})
    except httpx.TimeoutException as err:
        raise Retryable(f"timeout: {url}: {err}") from err
    except httpx.TransportError as err:
        raise Retryable(f"no connection: {url}: {err}") from err
    if response.status_code >= 500 or response.status_code in _TRY_AGAIN:
        raise Retryable(f"{response.status_code} from {url}: {response.text.strip()[:300]}")
    if response.status_code >= 400:
        raise Rejected(f"{response.status_code} from {url}: {response.text.strip()[:300]}")
    try:
        answer = response.json()
    except ValueError as err:
        raise Retryable(f"{response.status_code} from {url} without JSON: {response.text.strip()[:300]}") from err
    if not isinstance(answer, dict):
        raise Retryable(f"{response.status_code} from {url}: not a JSON object")
    return answer


def whole_dong(value: Any, name: str) -> int:
    """An amount of money as the outside systems take it: whole đồng (diagrams may pass exact text)."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise Rejected(f"{name} {value!r} is not a number") from None
    if amount != amount.to_integral_value():
        raise Rejected(f"{name} {amount} is not a whole number of đồng")
    return int(amount)


def default_client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT_SECONDS)
