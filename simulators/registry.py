"""The national population registry: who a citizen ID belongs to. Seeded with the people of the
procedures' declared paths (workflows/*.yaml) and the demo applicant, so demo and tests line up."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import yaml
from flask import Blueprint, jsonify

from .shared import error, serve_as, state

bp = Blueprint("registry", __name__, url_prefix="/registry")
serve_as(bp, "registry")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _sex_from_id(citizen_id: str) -> str:
    # the 4th digit of a 12-digit citizen ID codes century and sex: even for men, odd for women
    return "female" if int(citizen_id[3]) % 2 else "male"


def _person(start: dict) -> dict:
    citizen_id = str(start["citizen_id"])
    return {
        "citizen_id": citizen_id,
        "full_name": start.get("full_name"),
        "date_of_birth": str(start.get("date_of_birth")),
        "sex": start.get("sex") or _sex_from_id(citizen_id),
        "address": start.get("address"),
    }


def _demo_applicant(demo_file: Path) -> dict | None:
    """engine/demo.py's APPLICANT, read as text: an outside system imports nothing of the product."""
    for node in ast.parse(demo_file.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "APPLICANT" for t in node.targets):
            return ast.literal_eval(node.value)
    return None


@cache  # read once per process: the people never change while it runs (and nobody writes to the dict)
def load_people(root: Path) -> dict[str, dict]:
    people: dict[str, dict] = {}
    for path in sorted((root / "workflows").glob("*.yaml")):
        meta = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
        for declared in (meta.get("paths") or {}).values():
            start = (declared or {}).get("start") or {}
            if start.get("citizen_id"):
                people.setdefault(str(start["citizen_id"]), _person(start))
    applicant = _demo_applicant(root / "engine" / "demo.py")
    if applicant:
        people[applicant["citizen_id"]] = _person({**people.get(applicant["citizen_id"], {}), **applicant})
    return people


@bp.get("/people/<citizen_id>")
def person(citizen_id: str):
    found = state().people.get(citizen_id)
    return jsonify(found) if found else error("not_found", 404)
