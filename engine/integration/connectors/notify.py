"""The SMS and e-mail gateway. The payload is what engine.notifications composed: an "sms"
{to, text} and/or an "email" {to, subject, text}; each goes with its own key derived from the
message's, so a retry after one of them went through sends neither twice."""

from __future__ import annotations

from typing import Any

import httpx

from engine.config import Settings
from engine.integration.connectors.http import post_json


class NotifyConnector:
    def __init__(self, settings: Settings, client: httpx.Client):
        self.base, self.client = settings.notify_url.rstrip("/"), client

    def deliver(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """{sms?: {to, text}, email?: {to, subject, text}} -> {sms?: {message_id}, email?: {message_id}}"""
        answers = {
            channel: post_json(self.client, f"{self.base}/{channel}", payload[channel], f"{idempotency_key}:{channel}")
            for channel in ("sms", "email")
            if payload.get(channel)
        }
        return answers or {"skipped": "the applicant gave no phone number or e-mail address"}
