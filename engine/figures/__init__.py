"""The office's figures for people outside and inside it, read from the projected tables (never
from workflow state), each figure defined once (`measures`: received, resolved on time or late,
the ratings) so every page counts it alike: the public statistics (`public`); for its managers, what came in during a
period and what became of it, the backlog and the overdue work now, trends by week and month
(`dashboard`, with `period`'s filters), the Decision 766 service index built from them
(`index766`), and both written as CSV or XLSX (`export`).

Every figure is an aggregate query over the projected tables (dossiers, human tasks, documents,
ratings, the messages dossiers took), never a walk over dossiers in Python, so a period of a
million dossiers costs a few grouped scans. The managers' functions take a Session, a `Filters`
(period, units, procedure) and the time now; other pages and the replay may call them as they are.

May import: every part below `runtime` (it only reads).
"""
