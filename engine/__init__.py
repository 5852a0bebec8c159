"""Motcua engine: runs the office's procedures (BPMN diagrams) with SpiffWorkflow.

Never imports Flask: the web layer and the CLI call into this package, not the reverse. Its parts,
lowest first; each may import only those above it in this list (tests/test_architecture.py checks):

- basics (modules at the top): `config` (settings), `clock`, `errors`, `statuses`, `forms`
- `data`: database, tables, migrations, the rows an advance touches, the history and outbox journals,
  the history's hash chain, backups
- `workflow`: diagrams and how they run: catalogue, metadata, parsing, scripts, versions, state
- `people`: officers, units and roles, logins, who may do what with a task
- `sla`: working days, the office calendar, appointments and deadlines, late dossiers, on-time figures
- `dossiers`: the service that advances dossiers, what an advance writes, and what pages read
- `integration`: the outside systems: outbox and connectors, webhooks, registry, payouts, reminders
- `runtime` (top): the composition root that wires the parts together
- `design`: what process designers do before a deploy (test runs on scratch databases)
- `background`: the scheduler of background work, in-process or under Celery
- `figures`: the office's figures for the public and its managers (the dashboard, the Decision 766
  index), read from the projected tables
- `replay`: a province's half-year generated and driven through the engine by worker processes
- `demo` (top): demo data for `make run`
"""
