"""The bank: a benefit paid by transfer to the applicant's account."""

from __future__ import annotations

from typing import Any

import httpx

from engine.config import Settings
from engine.integration.connectors.http import post_json, whole_dong


class BankConnector:
    def __init__(self, settings: Settings, client: httpx.Client):
        self.base, self.client = settings.bank_url.rstrip("/"), client

    def deliver(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """{amount, account, dossier_code} -> {transfer_id, status}"""
        body = {
            "dossier_code": payload["dossier_code"],
            "amount": whole_dong(payload.get("amount"), "amount"),
            "account": payload.get("account"),
        }
        return post_json(self.client, f"{self.base}/transfers", body, idempotency_key)
