"""Settings read from the environment, with defaults for the embedded (SQLite) setup."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEVELOPMENT_SECRETS = ("dev-post-secret", "dev-bank-secret")
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'instance' / 'motcua.db'}"
    office_code: str = "BHXH.QNI"
    office_name_vi: str = "Bảo hiểm xã hội tỉnh Quảng Ngãi"  # on slips and pages; the office unit's name
    office_name_en: str = "Quang Ngai Provincial Social Insurance"
    timezone: str = "Asia/Ho_Chi_Minh"
    office_hours: str = "07:30-11:30,13:30-17:00"
    cutoff: str = "15:00"  # accepted from then on, a dossier counts from the next working day
    # outside systems (`motcua simulators` plays them all on one address by default)
    post_url: str = "http://127.0.0.1:8100/post"
    registry_url: str = "http://127.0.0.1:8100/registry"
    portal_url: str = "http://127.0.0.1:8100/portal"
    bank_url: str = "http://127.0.0.1:8100/bank"
    notify_url: str = "http://127.0.0.1:8100/notify"
    # shared secrets that sign webhooks from the post and the bank (HMAC-SHA256 with a timestamp)
    post_secret: str = DEVELOPMENT_SECRETS[0]
    bank_secret: str = DEVELOPMENT_SECRETS[1]
    # where people reach the product: every link that leaves it (reset links, slips' QR codes,
    # messages) starts with this, never with the Host header of a request
    public_url: str = DEFAULT_PUBLIC_URL
    # "production" refuses to start with development secrets or without a public https address
    environment: str = "development"
    # reverse proxies in front of the web server whose X-Forwarded-For/-Proto to believe (0: none)
    proxy_hops: int = 0
    # set (e.g. redis://127.0.0.1:6379/0) to run the outbox worker under Celery instead of in-process
    celery_broker: str = ""
    outbox_max_attempts: int = 8
    outbox_lease_seconds: float = 60.0  # a killed worker's rows go back to the others after this
    # the fee on a result shipment's order, in đồng; 0: the post charges its tariff to the payer on delivery
    postal_fee: int = 0
    # the largest diagram or decision table read (files, drafts, uploads), refused before parsing
    max_diagram_bytes: int = 2 * 1024 * 1024
    # what one script, condition or timer expression of a diagram may spend before it is stopped
    script_seconds: float = 2.0
    script_memory_mb: float = 64.0
    bpmn_dir: Path = PROJECT_ROOT / "bpmn"
    workflows_dir: Path = PROJECT_ROOT / "workflows"
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        env = os.environ
        values = {
            "database_url": env.get("MOTCUA_DATABASE_URL", cls.database_url),
            "office_code": env.get("MOTCUA_OFFICE_CODE", cls.office_code),
            "office_name_vi": env.get("MOTCUA_OFFICE_NAME_VI", cls.office_name_vi),
            "office_name_en": env.get("MOTCUA_OFFICE_NAME_EN", cls.office_name_en),
            "timezone": env.get("MOTCUA_TIMEZONE", cls.timezone),
            "office_hours": env.get("MOTCUA_OFFICE_HOURS", cls.office_hours),
            "cutoff": env.get("MOTCUA_CUTOFF", cls.cutoff),
            "post_url": env.get("MOTCUA_POST_URL", cls.post_url),
            "registry_url": env.get("MOTCUA_REGISTRY_URL", cls.registry_url),
            "portal_url": env.get("MOTCUA_PORTAL_URL", cls.portal_url),
            "bank_url": env.get("MOTCUA_BANK_URL", cls.bank_url),
            "notify_url": env.get("MOTCUA_NOTIFY_URL", cls.notify_url),
            "post_secret": env.get("MOTCUA_POST_SECRET", cls.post_secret),
            "bank_secret": env.get("MOTCUA_BANK_SECRET", cls.bank_secret),
            "public_url": env.get("MOTCUA_PUBLIC_URL", cls.public_url),
            "environment": env.get("MOTCUA_ENV", cls.environment),
            "proxy_hops": int(env.get("MOTCUA_PROXY_HOPS", cls.proxy_hops)),
            "celery_broker": env.get("MOTCUA_CELERY_BROKER", cls.celery_broker),
            "outbox_max_attempts": int(env.get("MOTCUA_OUTBOX_MAX_ATTEMPTS", cls.outbox_max_attempts)),
            "outbox_lease_seconds": float(env.get("MOTCUA_OUTBOX_LEASE_SECONDS", cls.outbox_lease_seconds)),
            "postal_fee": int(env.get("MOTCUA_POSTAL_FEE", cls.postal_fee)),
            "max_diagram_bytes": int(env.get("MOTCUA_MAX_DIAGRAM_BYTES", cls.max_diagram_bytes)),
            "script_seconds": float(env.get("MOTCUA_SCRIPT_SECONDS", cls.script_seconds)),
            "script_memory_mb": float(env.get("MOTCUA_SCRIPT_MEMORY_MB", cls.script_memory_mb)),
        }
        # another catalogue than the project's (a designer's copy; the tests')
        if env.get("MOTCUA_BPMN_DIR"):
            values["bpmn_dir"] = Path(env["MOTCUA_BPMN_DIR"])
        if env.get("MOTCUA_WORKFLOWS_DIR"):
            values["workflows_dir"] = Path(env["MOTCUA_WORKFLOWS_DIR"])
        values.update(overrides)
        return cls(**values)

    def unsafe_defaults(self) -> list[str]:
        """What would be unsafe to run an office on: development secrets, no public https address."""
        problems = []
        for name, value in (("MOTCUA_POST_SECRET", self.post_secret), ("MOTCUA_BANK_SECRET", self.bank_secret)):
            if value in DEVELOPMENT_SECRETS or len(value) < 16:
                problems.append(f"{name} is a development default or shorter than 16 characters")
        if self.public_url == DEFAULT_PUBLIC_URL or not self.public_url.startswith("https://"):
            problems.append("MOTCUA_PUBLIC_URL is not set to the office's https address")
        return problems

    @property
    def is_production(self) -> bool:
        return self.environment == "production"
