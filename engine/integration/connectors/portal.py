"""The National Public Service Portal: every status change of a dossier, in order."""

from __future__ import annotations

from typing import Any

import httpx

from engine.config import Settings
from engine.integration.connectors.http import post_json


class PortalConnector:
    def __init__(self, settings: Settings, client: httpx.Client):
        self.base, self.client = settings.portal_url.rstrip("/"), client

    def deliver(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """{dossier_code, status, at} -> {receipt, accepted_at}"""
        url = f"{self.base}/dossiers/{payload['dossier_code']}/statuses"
        return post_json(self.client, url, {"status": payload["status"], "at": payload["at"]}, idempotency_key)
