"""The office's figures for people outside and inside it, read from the projected tables (never
from workflow state): the public statistics (`public`).

May import: every part below `runtime` (it only reads).
"""
