"""Signed webhooks between the product and the outside systems (post, bank): HMAC-SHA256 over the
timestamp and the raw body, so neither a changed body nor an old message passes. Plain Python:
the simulators use it too."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping

TIMESTAMP_HEADER = "X-Motcua-Timestamp"
SIGNATURE_HEADER = "X-Motcua-Signature"
_STAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"sha256=([0-9a-f]{64})")


class BadSignature(Exception):
    """A webhook that must be refused; `reason` is a short code kept with the refusal."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _digest(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The two headers to send with `body`."""
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: f"sha256={_digest(secret, body, timestamp)}"}


def verify(secret: str, body: bytes, headers: Mapping[str, str], now_unix: float, tolerance: int = 300) -> None:
    """Raise BadSignature (missing_header, bad_format, wrong_signature, too_old, too_new) unless
    `body` was signed with `secret` within `tolerance` seconds of now."""
    lowered = {name.lower(): value for name, value in headers.items()}
    stamp = lowered.get(TIMESTAMP_HEADER.lower())
    signature = lowered.get(SIGNATURE_HEADER.lower())
    if stamp is None or signature is None:
        raise BadSignature("missing_header")
    match = _SIGNATURE.fullmatch(signature.strip())
    if _STAMP.fullmatch(stamp.strip()) is None or match is None:
        raise BadSignature("bad_format")
    timestamp = int(stamp)
    if not hmac.compare_digest(match.group(1), _digest(secret, body, timestamp)):
        raise BadSignature("wrong_signature")
    # checked after the signature, so too_old/too_new always means an authentic but stale message
    if now_unix - timestamp > tolerance:
        raise BadSignature("too_old")
    if timestamp - now_unix > tolerance:
        raise BadSignature("too_new")
