"""Motcua engine: runs the office's procedures (BPMN diagrams) with SpiffWorkflow.

Never imports Flask: the web layer and the CLI call into this package, not the reverse.
"""
