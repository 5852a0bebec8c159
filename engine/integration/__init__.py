"""Integration: the office's outside systems. Out: the outbox worker (`outbox`) with a client per
system (`connectors`) and the texts of SMS and e-mails (`notifications`); in: signed webhooks
(`webhooks`) and what they do to dossiers (`inbound`); the population-registry check
(`registry`), payout reconciliation (`payouts`) and health-insurance card renewal reminders
(`reminders`); the REST API's idempotency keys (`idempotency`).

May import: the basics, `engine.data`, `engine.workflow`, `engine.people`, `engine.sla` and
`engine.dossiers`.
"""
