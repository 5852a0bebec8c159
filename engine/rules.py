"""Calculations diagrams call from scripts (contributions, ...), written once and tested here.

Figures the law sets (poverty line, reference level, rates) are data in workflows/rates.yaml, dated
by the day they take effect; a calculation uses the figure valid on the day it is asked about.
"""
from __future__ import annotations

from typing import Any, Callable

# name -> function, offered to every script and condition in every diagram
RULES: dict[str, Callable[..., Any]] = {}
