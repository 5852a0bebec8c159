"""Webhook signatures: what passes and why each kind of bad message is refused."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from engine.integration.webhooks import BadSignature, sign, verify

BODY = b'{"event_id": "e1", "status": "delivered"}'
NOW = 1_750_000_000


def refused(headers, body=BODY, secret="s3cret", now=NOW) -> str:
    with pytest.raises(BadSignature) as caught:
        verify(secret, body, headers, now)
    return caught.value.reason


def test_the_headers_follow_the_published_scheme_and_verify():
    headers = sign("s3cret", BODY, NOW)
    expected = hmac.new(b"s3cret", f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert headers == {"X-Motcua-Timestamp": str(NOW), "X-Motcua-Signature": f"sha256={expected}"}
    verify("s3cret", BODY, headers, NOW)
    verify("s3cret", BODY, {k.lower(): v for k, v in headers.items()}, NOW + 300)  # names are case-blind


def test_a_changed_body_or_another_secret_is_refused():
    headers = sign("s3cret", BODY, NOW)
    assert refused(headers, body=BODY.replace(b"delivered", b"failed")) == "wrong_signature"
    assert refused(headers, secret="other") == "wrong_signature"
    # the timestamp is signed too: moving it breaks the signature
    assert refused({**headers, "X-Motcua-Timestamp": str(NOW + 1)}) == "wrong_signature"


def test_a_message_more_than_five_minutes_away_from_now_is_refused():
    headers = sign("s3cret", BODY, NOW)
    verify("s3cret", BODY, headers, NOW - 300)
    assert refused(headers, now=NOW + 301) == "too_old"
    assert refused(headers, now=NOW - 301) == "too_new"


@pytest.mark.parametrize("drop", ["X-Motcua-Timestamp", "X-Motcua-Signature"])
def test_a_missing_header_is_refused(drop):
    headers = sign("s3cret", BODY, NOW)
    del headers[drop]
    assert refused(headers) == "missing_header"
    assert refused({}) == "missing_header"


@pytest.mark.parametrize(
    "name, value",
    [
        ("X-Motcua-Timestamp", "yesterday"),
        ("X-Motcua-Timestamp", "-5"),
        ("X-Motcua-Signature", "md5=abc"),
        ("X-Motcua-Signature", "sha256=" + "z" * 64),
    ],
)
def test_a_malformed_header_is_refused(name, value):
    assert refused({**sign("s3cret", BODY, NOW), name: value}) == "bad_format"
