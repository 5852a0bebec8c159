"""Background work: one `Scheduler` (`scheduler`) fires due timers, flags late dossiers, queues card
renewal reminders and delivers the outbox. `motcua serve` runs its loop in a thread beside the web
application, the tests call `run_once()`, and with a broker (MOTCUA_CELERY_BROKER) Celery's beat and
workers run the same jobs (`celery_app`), the outbox included. In production mode (`motcua
production`) the scheduler runs in processes of its own, one leading by election (`leader`), the
Celery workers deliver the outbox, and `readiness` says whether a web process may serve (/readyz).

May import: everything below it, including the composition root `engine.runtime`.
"""
