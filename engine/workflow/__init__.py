"""Workflow: the procedures as diagrams and metadata, and how SpiffWorkflow runs them. Loading and
checking `bpmn/` and `workflows/` (`catalogue`, `metadata`), parsing with timers on the engine's
clock (`bpmn_specs`), the RestrictedPython layer scripts run under (`scripting`) and the functions
they may call (`rules`, `contributions`, `benefits`), deployed versions stored once by content hash
(`versions`), and a workflow's state without its specs (`state`). Knows nothing of dossiers or
people.

May import: the basics and `engine.data`.
"""
