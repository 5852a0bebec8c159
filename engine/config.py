"""Settings read from the environment, with defaults for the embedded (SQLite) setup."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'instance' / 'motcua.db'}"
    office_code: str = "BHXH.QNI"
    timezone: str = "Asia/Ho_Chi_Minh"
    office_hours: str = "07:30-11:30,13:30-17:00"
    cutoff: str = "15:00"  # accepted from then on, a dossier counts from the next working day
    bpmn_dir: Path = PROJECT_ROOT / "bpmn"
    workflows_dir: Path = PROJECT_ROOT / "workflows"
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        env = os.environ
        values = {
            "database_url": env.get("MOTCUA_DATABASE_URL", cls.database_url),
            "office_code": env.get("MOTCUA_OFFICE_CODE", cls.office_code),
            "timezone": env.get("MOTCUA_TIMEZONE", cls.timezone),
            "office_hours": env.get("MOTCUA_OFFICE_HOURS", cls.office_hours),
            "cutoff": env.get("MOTCUA_CUTOFF", cls.cutoff),
        }
        values.update(overrides)
        return cls(**values)
