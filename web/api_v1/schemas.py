"""Schemas shared by the resource modules: a text in both languages, a form field, a document."""

from __future__ import annotations

from marshmallow import Schema, fields


class TextSchema(Schema):
    vi = fields.String(required=True)
    en = fields.String(required=True)


class ChoiceSchema(Schema):
    value = fields.String(required=True)
    label = fields.Nested(TextSchema, required=True)


class FieldSchema(Schema):
    name = fields.String(required=True)
    type = fields.String(
        required=True,
        metadata={
            "description": "text, integer, money, date, boolean, choice, citizen_id, si_code, hi_card, phone, email, "
            "or card_list: health-insurance cards, as text (one card per line: citizen ID; card number; valid "
            "from; valid to) or as a list of objects with citizen_id, card_number, valid_from, valid_to"
        },
    )
    label = fields.Nested(TextSchema, required=True)
    required = fields.Boolean(required=True)
    required_if = fields.Dict(
        required=True, metadata={"description": "required when these other fields have these values"}
    )
    choices = fields.List(fields.Nested(ChoiceSchema), required=True)
    min = fields.Integer(allow_none=True, required=True)
    max = fields.Integer(allow_none=True, required=True)
    max_length = fields.Integer(required=True, metadata={"description": "characters"})


def text(message) -> dict[str, str]:
    return {"vi": message.vi, "en": message.en}


def field_of(f) -> dict:
    return {
        "name": f.name,
        "type": f.type,
        "label": text(f.label),
        "required": f.required,
        "required_if": dict(f.required_if),
        "choices": [{"value": c.value, "label": text(c.label)} for c in f.choices],
        "min": f.min,
        "max": f.max,
        "max_length": f.length_limit,
    }
