"""Dossiers: the service that starts and advances them, one locked transaction per advance
(`service`); what an advance writes besides the state (`projection`, `cards`); steps that failed and
wait to be retried (`incidents`); outside messages
that come before the step waiting for them (`kept`); dossier codes
(`codes`) and uploaded documents (`documents`), applications on their way in, kept across a form error
and the check step (`pending`), paper dossiers handed in at the counter (`counter`) with the files
kept across its form errors (`counter_uploads`); and the read models pages use: a dossier's
application, timeline and documents (`views`), an applicant's own dossiers (`applicants`) and
their "where is my dossier" stages (`stages`), the
officers' inboxes (`inbox`) and their search (`search`, over the projection engine.data.search_index
writes). Every open dossier advanced one step and rolled back, to check a copy of the database
(`rehearsal`).

May import: the basics, `engine.data`, `engine.workflow`, `engine.people` and `engine.sla`.
"""
