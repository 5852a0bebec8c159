"""Errors of the REST API as RFC 9457 problem details (application/problem+json): a `type` per kind of
problem, a `title` and `detail` in the caller's language (Accept-Language: vi or en, Vietnamese by
default), the same texts in both languages under `vi` and `en`, and field-level `errors` for a
refused form, each in both languages."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, g, json, request
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from engine.forms import FormError, Message

MEDIA_TYPE = "application/problem+json"
_TITLES = {
    400: Message("Yêu cầu không hợp lệ", "Bad request"),
    401: Message("Chưa xác thực", "Not authenticated"),
    403: Message("Không được phép", "Forbidden"),
    404: Message("Không tìm thấy", "Not found"),
    405: Message("Phương thức không được hỗ trợ", "Method not allowed"),
    409: Message("Xung đột", "Conflict"),
    413: Message("Yêu cầu quá lớn", "Request too large"),
    415: Message("Kiểu nội dung không được hỗ trợ", "Unsupported media type"),
    422: Message("Dữ liệu không hợp lệ", "Unprocessable content"),
    428: Message("Thiếu điều kiện tiên quyết", "Precondition required"),
    429: Message("Quá nhiều yêu cầu", "Too many requests"),
    500: Message("Lỗi máy chủ", "Server error"),
}


class FieldErrorSchema(Schema):
    field = fields.String(required=True, metadata={"description": "the field, e.g. application.citizen_id"})
    detail = fields.String(required=True, metadata={"description": "in the caller's language"})
    vi = fields.String(required=True)
    en = fields.String(required=True)


class ProblemSchema(Schema):
    type = fields.String(required=True, metadata={"description": "a URI naming the kind of problem"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(required=True)
    vi = fields.String(required=True, metadata={"description": "the detail in Vietnamese"})
    en = fields.String(required=True, metadata={"description": "the detail in English"})
    request_id = fields.String(required=True)
    errors = fields.List(fields.Nested(FieldErrorSchema))


def problems_doc(*codes: int) -> dict:
    """The documented answers of these error codes, for an operation's `responses`; every operation
    may also answer 429 (web/limits.py), with Retry-After."""
    ref = {"$ref": "#/components/schemas/Problem"}
    answers = {str(c): {"description": "a problem", "content": {MEDIA_TYPE: {"schema": ref}}} for c in codes}
    answers["429"] = {
        "description": "over the rate limit: wait as long as Retry-After says",
        "content": {MEDIA_TYPE: {"schema": ref}},
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
    }
    return answers


def lang() -> str:
    return request.accept_languages.best_match(["vi", "en"], "vi")


def problem(
    status: int,
    kind: str,
    message: Message,
    errors: dict[str, Message] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The problem+json answer; `kind` ends the type URI (/api/v1/problems/<kind>)."""
    title = _TITLES.get(status, Message("Lỗi", "Error"))
    language = lang()
    body: dict[str, Any] = {
        "type": f"/api/v1/problems/{kind}",
        "title": getattr(title, language),
        "status": status,
        "detail": getattr(message, language),
        "instance": request.path,
        "vi": message.vi,
        "en": message.en,
        "request_id": g.get("request_id", ""),
    }
    if errors:
        body["errors"] = [
            {"field": name, "detail": getattr(m, language), "vi": m.vi, "en": m.en} for name, m in errors.items()
        ]
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    response.headers.update(headers or {})
    return response


def form_problem(error: FormError, prefix: str = "") -> Response:
    return problem(
        422,
        "invalid-fields",
        Message("Một số trường chưa hợp lệ; xem từng lỗi", "Some fields are not valid; see each error"),
        {prefix + name: message for name, message in error.errors.items()},
    )


def validation_messages(messages: Any, prefix: str = "") -> dict[str, Message]:
    """marshmallow's nested error messages, flattened to dotted field names, each in both languages
    (marshmallow writes English: its messages are read in Vietnamese from _MARSHMALLOW_VI)."""
    flat: dict[str, Message] = {}
    if isinstance(messages, dict):
        for name, inner in messages.items():
            key = f"{prefix}{name}" if name != "_schema" else prefix.rstrip(".") or "body"
            flat.update(validation_messages(inner, key + "."))
        return flat
    texts = [str(t) for t in (messages if isinstance(messages, list) else [messages]) if not isinstance(t, dict | list)]
    texts = texts or ["Not valid."]
    flat[prefix.rstrip(".") or "body"] = Message(" ".join(map(_vietnamese, texts)), " ".join(texts))
    return flat


# marshmallow's own messages (fields, validators, schemas) as the API's schemas can give them; one not
# listed stays in English in both languages rather than being guessed at
_MARSHMALLOW_VI = [
    (re.compile(r"Missing data for required field\."), "Thiếu trường bắt buộc."),
    (re.compile(r"Field may not be null\."), "Trường này không được để trống (null)."),
    (re.compile(r"Unknown field\."), "Trường này không có trong yêu cầu được hỗ trợ."),
    (re.compile(r"Invalid input type\."), "Kiểu dữ liệu không hợp lệ: cần một đối tượng JSON."),
    (re.compile(r"Invalid type\."), "Kiểu dữ liệu không hợp lệ."),
    (re.compile(r"Invalid value\."), "Giá trị không hợp lệ."),
    (re.compile(r"Not valid\."), "Không hợp lệ."),
    (re.compile(r"Not a valid string\."), "Không phải là chuỗi ký tự."),
    (re.compile(r"Not a valid utf-8 string\."), "Không phải là chuỗi ký tự UTF-8."),
    (re.compile(r"Not a valid integer\."), "Không phải là số nguyên."),
    (re.compile(r"Not a valid number\."), "Không phải là số."),
    (re.compile(r"Number too large\."), "Số quá lớn."),
    (re.compile(r"Not a valid boolean\."), "Không phải là giá trị true hoặc false."),
    (re.compile(r"Not a valid date\."), "Không phải là ngày hợp lệ (YYYY-MM-DD)."),
    (re.compile(r"Not a valid (?:aware |naive )?datetime\."), "Không phải là thời điểm hợp lệ (ISO 8601)."),
    (re.compile(r"Not a valid mapping type\."), "Cần một đối tượng JSON."),
    (re.compile(r"Not a valid list\."), "Cần một danh sách."),
    (re.compile(r"Must be one of: (.*)\."), r"Phải là một trong: \1."),
    (re.compile(r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\."), r"Phải từ \1 đến \2."),
    (re.compile(r"Must be greater than or equal to (\S+)\."), r"Phải lớn hơn hoặc bằng \1."),
    (re.compile(r"Must be less than or equal to (\S+)\."), r"Phải nhỏ hơn hoặc bằng \1."),
    (re.compile(r"Length must be between (\d+) and (\d+)\."), r"Độ dài phải từ \1 đến \2 ký tự."),
    (re.compile(r"Length must be (\d+)\."), r"Độ dài phải đúng \1 ký tự."),
    (re.compile(r"Shorter than minimum length (\d+)\."), r"Ngắn hơn độ dài tối thiểu \1 ký tự."),
    (re.compile(r"Longer than maximum length (\d+)\."), r"Dài hơn độ dài tối đa \1 ký tự."),
]


def _vietnamese(text: str) -> str:
    for pattern, vietnamese in _MARSHMALLOW_VI:
        if pattern.fullmatch(text):
            return pattern.sub(vietnamese, text)
    return text


_HTTP = {
    400: ("bad-request", Message("Yêu cầu không đọc được", "The request could not be read")),
    401: ("unauthenticated", Message("Cần mã truy cập (Authorization: Bearer ...)", "A bearer token is required")),
    403: ("forbidden", Message("Không được phép thực hiện thao tác này", "This operation is not allowed")),
    404: ("not-found", Message("Không có tài nguyên này", "No such resource")),
    405: ("method-not-allowed", Message("Phương thức không được hỗ trợ ở đây", "This method is not allowed here")),
    413: ("too-large", Message("Yêu cầu vượt quá dung lượng cho phép", "The request is larger than allowed")),
    415: ("unsupported-media-type", Message("Kiểu nội dung không được hỗ trợ", "This content type is not accepted")),
    429: (
        "too-many-requests",
        Message(
            "Quá nhiều yêu cầu; hãy chờ theo Retry-After rồi thử lại", "Too many requests; wait as Retry-After says"
        ),
    ),
}


def http_problem(error: HTTPException) -> Response:
    """A werkzeug HTTP error raised inside the API (or a webargs refusal) as problem+json."""
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    if code == 422 and "messages" in data:
        messages = data["messages"]
        # webargs nests by location (json, query, form): the field names alone are what a caller knows
        flat: dict[str, Message] = {}
        for inner in messages.values() if isinstance(messages, dict) else [messages]:
            flat.update(validation_messages(inner))
        return problem(
            422, "invalid-fields", Message("Yêu cầu có trường không hợp lệ", "Some fields are not valid"), flat
        )
    kind, message = _HTTP.get(code, ("error", Message("Lỗi", "Error")))
    headers = {"Allow": ", ".join(error.valid_methods)} if code == 405 and getattr(error, "valid_methods", None) else {}
    return problem(code, kind, message, headers=headers)
