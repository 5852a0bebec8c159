"""The office's figures for its managers: what came in during a period and what became of it,
the backlog and the overdue work now, trends by week and month (`dashboard`), the Decision 766
service index built from them (`index766`), and both written as CSV or XLSX (`export`).

Every figure is an aggregate query over the projected tables (dossiers, human tasks, documents,
ratings, confirmed transfers), never a walk over dossiers in Python, so a period of a million
dossiers costs a few grouped scans. The public functions take a Session, a `Filters` (period,
unit, procedure) and the time now; the statistics page and the replay may call them as they are.

May import: the basics, `engine.data`, `engine.workflow`, `engine.people` and `engine.sla`.
"""
