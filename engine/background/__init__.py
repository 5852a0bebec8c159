"""Background work: the scheduler that fires due timers, flags late dossiers, queues card renewal
reminders and delivers the outbox (`scheduler`), used by `motcua serve`, the tests and, with a
broker, Celery's beat and workers (`celery_app`).

May import: everything below it, including the composition root `engine.runtime`.
"""
