"""The post (VNPost): an order to carry a dossier's result to the applicant."""

from __future__ import annotations

from typing import Any

import httpx

from engine.config import Settings
from engine.integration.connectors.http import post_json, whole_dong

FIELDS = ("dossier_code", "recipient", "address", "phone", "fee", "payer")


class PostConnector:
    def __init__(self, settings: Settings, client: httpx.Client):
        self.base, self.client = settings.post_url.rstrip("/"), client

    def deliver(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """{dossier_code, recipient, address, phone, fee, payer} -> {waybill, status}"""
        body = {name: payload[name] for name in FIELDS if name in payload}
        if "fee" in body:
            body["fee"] = whole_dong(body["fee"], "fee")
        return post_json(self.client, f"{self.base}/orders", body, idempotency_key)
