"""The OpenAPI document (/api/v1/openapi.json) and a reference page made from it (/api/v1/docs): every
operation with its parameters, body and answers, rendered on the server like every other page (no
script, no outside files), in the site's layout and language."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for

bp = Blueprint("api_reference", __name__)
METHODS = ("get", "post", "put", "patch", "delete")


def document() -> dict:
    return current_app.extensions["motcua.api_v1"].spec.to_dict()


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())


@bp.get("/")
def index():
    return redirect(url_for(".docs"))


@bp.get("/docs")
def docs():
    spec = document()
    groups: dict[str, list[dict]] = {}
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            body = (op.get("requestBody") or {}).get("content", {})
            groups.setdefault((op.get("tags") or ["other"])[0], []).append(
                {
                    "id": op.get("operationId") or f"{method}-{path}",
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "secured": bool(op.get("security")),
                    "parameters": [*item.get("parameters", []), *op.get("parameters", [])],
                    "body": [
                        (media, _fields(spec, media_type.get("schema", {}))) for media, media_type in body.items()
                    ],
                    "responses": sorted(op.get("responses", {}).items()),
                }
            )
    tags = {t["name"]: t.get("description", "") for t in spec.get("tags", [])}
    return render_template("api/docs.html", spec=spec, groups=groups, tags=tags)


def _fields(spec: dict, schema: dict) -> list[tuple[str, str, bool]]:
    """(name, type, required) of a body's top-level fields, following a $ref."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    required = set(schema.get("required", []))
    shown = []
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type", "object")
        shown.append((name, kind if isinstance(kind, str) else " | ".join(kind), name in required))
    return shown
