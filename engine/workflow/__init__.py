"""Workflow: the procedures as diagrams and metadata, and how SpiffWorkflow runs them. Loading and
checking `bpmn/` and `workflows/` (`catalogue`, `metadata`, `metadata_schema`, `diagram_checks`),
reading XML safely and bounded (`safe_xml`), diagrams from other tools (`importing`), decision
tables (`decision_tables`), parsing with timers on the engine's clock (`bpmn_specs`), the
RestrictedPython layer scripts run under (`scripting`) with their time and memory bounds
(`script_limits`) and the functions they may call (`rules`, `contributions`, `benefits`), deployed
versions stored once by content hash and numbered per procedure (`versions`, `version_log`,
`version_diff`), and a workflow's state without its specs (`state`). Knows nothing of dossiers or
people.

May import: the basics and `engine.data`.
"""
