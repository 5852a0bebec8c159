"""The scheduler of background work: fires due timers, flags late dossiers, queues card renewal
reminders (at most once an hour of the runtime's clock) and delivers the outbox.

`run_once()` does one pass of every job and says what each did (`Done`); `run()` repeats them until
stopped (`motcua serve`; `motcua scheduler` in production, where an election picks the one process
of several that runs them: leader.py). Every job is safe in several processes at once, so schedulers
in several processes, or Celery's workers (`celery_app`), need no coordination to be correct; the
election only keeps the work in one place. With a Celery broker configured the outbox is the Celery
workers' and a scheduler made with the defaults leaves it alone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from engine.background.leader import Election
from engine.integration.outbox import OutboxWorker
from engine.integration.reminders import queue_renewal_reminders
from engine.runtime import Runtime

log = logging.getLogger("motcua.scheduler")

# renewal reminders are about days: once an hour is plenty
REMINDERS_EVERY = timedelta(hours=1)
# how often a scheduler standing by runs for leadership: how soon it takes over from a leader that ended
STANDBY_POLL_SECONDS = 5.0
# between passes: a timer fires within about this long of its due time. A pass with nothing due
# costs two queries served by partial indexes, well under a millisecond each on the server even
# behind a million fired timers and finished dossiers (bench/timers_scale.py)
POLL_INTERVAL = 1.0
# timers fired per query of the due ones; a pass goes on to the next batch while batches come full
TIMER_BATCH = 100


@dataclass(frozen=True)
class Done:
    """What a pass did."""

    timers_fired: int = 0
    late_flagged: int = 0
    reminders_queued: int = 0
    # the outbox worker's counts (claimed, sent, retry, dead, lost); empty when this scheduler does not deliver it
    outbox: dict[str, int] = field(default_factory=dict)


class Scheduler:
    def __init__(self, runtime: Runtime, outbox: bool | None = None):
        """`outbox`: whether this scheduler delivers the outbox; by default unless a Celery broker is
        configured (then the Celery workers do)."""
        self.runtime = runtime
        if outbox is None:
            outbox = not runtime.settings.celery_broker
        self.outbox = OutboxWorker(runtime.db, runtime.clock, runtime.settings) if outbox else None
        self._reminded_at: datetime | None = None

    def close(self) -> None:
        if self.outbox is not None:
            self.outbox.close()

    # --- the jobs, one pass each -------------------------------------------------------------------

    def fire_timers(self) -> int:
        """Fire every timer due now, batch after batch (a burst of due timers does not wait for the
        next pass); how many fired."""
        fired = 0
        while True:
            batch = self.runtime.dossiers.fire_due_timers(TIMER_BATCH)
            fired += batch
            if batch < TIMER_BATCH:  # fewer than a full batch: nothing more was due
                return fired

    def flag_late(self) -> int:
        return self.runtime.dossiers.flag_late_dossiers()

    def queue_reminders(self) -> int:
        """Queue renewal reminders if the last time was an hour ago or more by the runtime's clock
        (or the clock was set back since); how many were queued."""
        now = self.runtime.clock.now()
        if self._reminded_at is not None and timedelta(0) <= now - self._reminded_at < REMINDERS_EVERY:
            return 0
        self._reminded_at = now  # a pass that fails is not tried again before the hour is out
        return queue_renewal_reminders(self.runtime.db, self.runtime.clock, self.runtime.settings)

    def deliver_outbox(self, batch: int = 50) -> dict[str, int]:
        """One pass of the outbox worker; nothing when this scheduler does not deliver the outbox."""
        return self.outbox.run_once(batch) if self.outbox is not None else {}

    # --- passes ------------------------------------------------------------------------------------

    def run_jobs(self) -> Done:
        """One pass of every job but the outbox: timers, late dossiers, reminders (when due)."""
        done = Done(self.fire_timers(), self.flag_late(), self.queue_reminders())
        if done.timers_fired or done.late_flagged or done.reminders_queued:
            log.info(
                "%s timer(s) fired, %s late dossier(s) flagged, %s renewal reminder(s) queued",
                done.timers_fired,
                done.late_flagged,
                done.reminders_queued,
            )
        return done

    def run_once(self, batch: int = 50) -> Done:
        """One pass of every job, the outbox last (it delivers what the others queued)."""
        done = self.run_jobs()
        return Done(done.timers_fired, done.late_flagged, done.reminders_queued, self.deliver_outbox(batch))

    def run(
        self,
        stop: threading.Event,
        interval: float = POLL_INTERVAL,
        report: Callable[[Done], None] | None = None,
        outbox_interval: float = 2.0,
        election: Election | None = None,
        on_leading: Callable[[bool], None] | None = None,
    ) -> None:
        """Pass after pass, starting `interval` seconds apart, until `stop` is set; a pass that fails is
        logged and the next one tries again. The outbox has a thread of its own, polled every
        `outbox_interval` seconds while it has nothing due: a message goes out within seconds, and
        a slow delivery does not hold up the timers. `report` gets what each pass did (from either
        thread; outbox passes only when they claimed something).

        With an `election` (production, several scheduler processes: leader.py) the jobs run only
        while this process leads; otherwise it stands by and runs for leadership every few seconds.
        `on_leading` hears each change (True: now leading, False: standing by). The outbox thread,
        where there is one, runs either way: its deliveries are safe in several processes."""
        outbox = None
        if self.outbox is not None:
            outbox = threading.Thread(
                target=self.outbox.run,
                kwargs={
                    "interval": outbox_interval,
                    "stop": stop,
                    "report": (lambda counts: report(Done(outbox=counts))) if report else None,
                },
                name="motcua-outbox",
                daemon=True,
            )
            outbox.start()
        standby_poll = min(interval, STANDBY_POLL_SECONDS)
        leading: bool | None = None  # unknown before the first check
        try:
            while not stop.is_set():
                if election is not None:
                    now_leading = election.lead()
                    if now_leading != leading and on_leading is not None:
                        on_leading(now_leading)
                    leading = now_leading
                    if not leading:
                        stop.wait(standby_poll)
                        continue
                begun = time.monotonic()
                try:
                    done = self.run_jobs()
                    if report:
                        report(done)
                except Exception as error:  # the database away for a moment: keep going, the next poll tries again
                    log.exception("background work failed: %s", error)
                # passes start `interval` apart: a long pass (a burst of due timers) does not put
                # the next one a whole interval after it
                stop.wait(max(0.0, interval - (time.monotonic() - begun)))
        finally:
            stop.set()  # already set, unless something stronger than an Exception ended the loop
            if outbox is not None:
                outbox.join()
            if election is not None:
                election.resign()  # a stopped leader hands over at once, without waiting for its connection to drop
