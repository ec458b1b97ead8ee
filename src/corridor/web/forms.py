"""Forms generated from a document kind's JSON Schema, and the posted form read back into
the document's fields. Names are dotted paths (`seller.name`, `goods.0.hs_code`); a list of
objects has as many entries as the prefilled value (the shipment's goods lines, its
containers); a list of plain values is one comma-separated input."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from corridor.web.labels import FIELDS


@dataclass
class Input:
    """One control."""

    name: str
    label: str
    kind: str  # text | number | date | select | list
    value: str
    required: bool
    options: list[str] = field(default_factory=list)
    help: str | None = None


@dataclass
class Group:
    """A fieldset: an object, or one entry of a list of objects (its `number` from 1)."""

    name: str
    label: str
    children: list[Input | Group]
    number: int | None = None


def _variant(prop: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The schema to render for a property and whether it may be left empty."""
    options = prop.get("anyOf")
    if not options:
        return prop, False
    real = [o for o in options if o.get("type") != "null"]
    nullable = len(real) < len(options)
    chosen = next((o for o in real if o.get("type") in ("number", "integer")), real[0])
    return {**prop, **chosen}, nullable


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def build(schema: dict[str, Any], values: dict[str, Any], prefix: str = "") -> list[Input | Group]:
    """The controls of an object schema, holding `values`."""
    required = set(schema.get("required", []))
    out: list[Input | Group] = []
    for key, raw in schema.get("properties", {}).items():
        prop, nullable = _variant(raw)
        name = f"{prefix}{key}"
        # The field's words from the catalogue's (the page translates them), else the schema's.
        label = FIELDS.get(key) or raw.get("title") or key.replace("_", " ")
        value = values.get(key)
        kind = prop.get("type")
        if kind == "object" or "properties" in prop:
            out.append(Group(name, label, build(prop, value or {}, name + ".")))
        elif kind == "array" and "properties" in prop.get("items", {}):
            entries = [
                Group(f"{name}.{i}", label, build(prop["items"], v or {}, f"{name}.{i}."), i + 1)
                for i, v in enumerate(value or [])
            ]
            out.append(Group(name, label, list(entries)))
        else:
            item = prop.get("items", {}) if kind == "array" else prop
            options = [str(o) for o in item.get("enum", [])]
            control = (
                "list"
                if kind == "array"
                else "select"
                if options
                else "date"
                if prop.get("format") == "date"
                else "number"
                if kind in ("number", "integer")
                else "text"
            )
            # Help in words where the schema has them; a pattern is for the check, not people.
            help_text = prop.get("description") if control == "text" else None
            out.append(
                Input(
                    name=name,
                    label=label,
                    kind=control,
                    value=_text(value),
                    required=key in required and not nullable,
                    options=options,
                    help=f"{', '.join(options)}" if control == "list" and options else help_text,
                )
            )
    return out


_INDEX = re.compile(r"^(\d+)\.")


def collect(schema: dict[str, Any], form: FormData, prefix: str = "") -> dict[str, Any]:
    """The document's fields from a posted form built by `build` (empty optional values
    left out, so the schema's own defaults and messages apply)."""
    out: dict[str, Any] = {}
    for key, raw in schema.get("properties", {}).items():
        prop, _ = _variant(raw)
        name = f"{prefix}{key}"
        kind = prop.get("type")
        if kind == "object" or "properties" in prop:
            out[key] = collect(prop, form, name + ".")
        elif kind == "array" and "properties" in prop.get("items", {}):
            head = name + "."
            indices = sorted(
                {
                    int(m.group(1))
                    for k in form
                    if k.startswith(head) and (m := _INDEX.match(k[len(head) :]))
                }
            )
            out[key] = [collect(prop["items"], form, f"{head}{i}.") for i in indices]
        else:
            text = str(form.get(name) or "").strip()
            if kind == "array":
                out[key] = [p.strip() for p in text.split(",") if p.strip()]
            elif text:
                out[key] = text
    return out
