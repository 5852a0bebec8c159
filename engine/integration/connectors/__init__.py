"""Clients of the outside systems the outbox delivers to. Each connector has
`deliver(payload, idempotency_key) -> dict` (the answer to keep) and raises Retryable when trying
again later may help (5xx, timeouts, no connection) or Rejected when it cannot (4xx)."""

from __future__ import annotations

import httpx

from engine.config import Settings
from engine.integration.connectors.bank import BankConnector
from engine.integration.connectors.http import Connector
from engine.integration.connectors.notify import NotifyConnector
from engine.integration.connectors.portal import PortalConnector
from engine.integration.connectors.post import PostConnector
from engine.integration.notifications import NOTIFY_KINDS


def connectors_for(settings: Settings, client: httpx.Client) -> dict[str, Connector]:
    """The connector for each outbox kind."""
    notify = NotifyConnector(settings, client)
    return {
        "portal.status": PortalConnector(settings, client),
        "postal.order": PostConnector(settings, client),
        "payout.transfer": BankConnector(settings, client),
        **dict.fromkeys(NOTIFY_KINDS, notify),
    }
