"""The clock of a dossier: working days and deadlines (`workdays`), the office's own calendar
changes (`office_calendar`), a dossier's appointment, pauses and step deadlines (`deadlines`),
late dossiers and their apologies (`late`), and the share finished on time (`reports`).

May import: the basics, `engine.data`, `engine.workflow` and `engine.people`.
"""
