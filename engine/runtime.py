"""The composition root: one object that wires the engine's parts for the CLI, the web app,
the scheduler and tests. Nothing here holds state of its own beyond what the parts hold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from zoneinfo import ZoneInfo

from engine.clock import Clock, SystemClock
from engine.config import Settings
from engine.data.db import Database
from engine.data.migrate import upgrade
from engine.data.models import Unit
from engine.dossiers.service import DossierService
from engine.integration import payouts
from engine.people.officers import add_unit
from engine.workflow.catalogue import Catalogue, load_catalogue
from engine.workflow.versions import Deployed, VersionCache, deploy


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    versions: VersionCache = field(default_factory=VersionCache)
    dossiers: DossierService = field(init=False)

    def __post_init__(self):
        self.dossiers = DossierService(self.db, self.clock, self.settings, self.versions)
        # the bank's confirmations dossiers take are kept for the daily reconciliation
        zone = ZoneInfo(self.settings.timezone)
        self.dossiers.when_taken["bank_confirmed"] = partial(payouts.record_confirmation, zone=zone)

    @classmethod
    def create(cls, settings: Settings | None = None, clock: Clock | None = None) -> Runtime:
        settings = settings or Settings.from_env()
        return cls(settings, Database(settings.database_url), clock or SystemClock())

    def upgrade_database(self) -> None:
        upgrade(self.db)

    def load_catalogue(self) -> Catalogue:
        return load_catalogue(self.settings.bpmn_dir, self.settings.workflows_dir)

    def deploy(
        self, catalogue: Catalogue | None = None, *, by: str = "cli", only: Iterable[str] | None = None
    ) -> list[Deployed]:
        """Deploy the valid procedures of the catalogue (or only those named), as `by` (a username
        or "cli"), and make sure the office unit exists."""
        catalogue = catalogue or self.load_catalogue()
        with self.db.write() as session:
            if session.get(Unit, self.settings.office_code) is None:
                add_unit(session, self.settings.office_code, self.settings.office_name_vi, self.settings.office_name_en)
            return deploy(session, catalogue, self.clock.now(), by=by, only=only)

    def close(self) -> None:
        self.db.dispose()
