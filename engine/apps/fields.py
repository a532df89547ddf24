"""Make's Forman fields as engine FieldSpecs (the settings forms and the mapping picker).

Make has more field types than FieldSpec: those without a place map to the nearest one
(password -> text marked sensitive, port -> uinteger, `account:<kind>` -> account, ...);
visual-only fields (banner, markdown, separator) are left out. Fields nested under a select
option become fields shown while the select has that value (`shown_when`); a select whose
options an RPC answers keeps its reference (`rpc`) for the form to call.
"""

from __future__ import annotations

from typing import Any, get_args

from engine.apps.declaration import MakeField
from engine.spec import FieldSpec, FieldType

_KNOWN: frozenset[str] = frozenset(get_args(FieldType))
_NEAREST: dict[str, str] = {
    "password": "text", "cert": "text", "pkey": "text", "color": "text", "filename": "text",
    "folder": "text", "file": "text", "uuid": "text", "timestamp": "number",
    "port": "uinteger", "scenario": "number", "aiagent": "text", "device": "text",
    "email": "email",
}
_SENSITIVE = frozenset({"password", "cert", "pkey"})
_VISUAL = frozenset({"banner", "markdown", "html", "separator"})


def field_type(make_type: str) -> str:
    """The FieldSpec type for a Make field type."""
    kind = make_type.split(":", 1)[0]
    if kind in _KNOWN:
        return kind
    return _NEAREST.get(kind, "any")


def is_visual(field: MakeField) -> bool:
    return field.type in _VISUAL


def rpc_name(value: Any) -> str | None:
    """`"rpc://listForms?x=1"` -> "listForms"."""
    if isinstance(value, str) and value.startswith("rpc://"):
        return value[len("rpc://"):].split("?", 1)[0] or None
    return None


def options_rpc(options: Any) -> str | None:
    """The RPC a select's options come from: `"rpc://Name"` or `{"store": "rpc://Name"}`."""
    if isinstance(options, dict):
        options = options.get("store")
    return options if rpc_name(options) is not None else None


def _options(options: Any) -> tuple[list[Any] | None, list[tuple[Any, list[MakeField]]],
                                    list[MakeField]]:
    """(static options, nested fields per option value, nested fields always shown)."""
    if isinstance(options, dict):
        store = options.get("store")
        nested = _fields_of(options.get("nested"))
        static, by_value, _ = _options(store)
        return static, by_value, nested
    if not isinstance(options, list):
        return None, [], []
    flat: list[Any] = []
    per_value: list[tuple[Any, list[MakeField]]] = []
    for option in options:
        if isinstance(option, dict) and isinstance(option.get("options"), list):  # grouped
            inner, inner_nested, _ = _options(option["options"])
            flat.extend(inner or [])
            per_value.extend(inner_nested)
            continue
        if isinstance(option, dict):
            flat.append({"label": option.get("label", option.get("value")),
                         "value": option.get("value")})
            nested = _fields_of(option.get("nested"))
            if nested:
                per_value.append((option.get("value"), nested))
        else:
            flat.append(option)
    return flat, per_value, []


def _fields_of(value: Any) -> list[MakeField]:
    if isinstance(value, list):
        return [f if isinstance(f, MakeField) else MakeField.model_validate(f)
                for f in value if isinstance(f, dict | MakeField)]
    return []


def to_field_specs(fields: list[MakeField] | Any,
                   shown_when: dict[str, list[Any]] | None = None) -> list[FieldSpec]:
    """Convert a Make field array (nested select fields follow their select)."""
    out: list[FieldSpec] = []
    for field in _fields_of(fields) if not _is_made(fields) else fields:
        if is_visual(field) or not field.name:
            continue
        static, per_value, always = _options(field.options)
        spec: list[FieldSpec] | None = None
        if isinstance(field.spec, list):
            spec = to_field_specs(field.spec)
        elif isinstance(field.spec, MakeField):
            item = field.spec
            spec = to_field_specs(item.spec) if item.type == "collection" and isinstance(
                item.spec, list) else to_field_specs([item.model_copy(
                    update={"name": item.name or "value"})])
        out.append(FieldSpec(
            name=field.name, type=field_type(field.type),  # type: ignore[arg-type]
            label=field.label, required=field.required, default=field.default,
            help=field.help, options=static, rpc=options_rpc(field.options), spec=spec,
            advanced=field.advanced,
            shown_when=shown_when, sensitive=field.type in _SENSITIVE,
        ))
        for value, nested in per_value:
            out.extend(to_field_specs(nested, {**(shown_when or {}), field.name: [value]}))
        out.extend(to_field_specs(always, shown_when))
        out.extend(to_field_specs(_fields_of(field.nested), shown_when))
    return out


def _is_made(fields: Any) -> bool:
    return isinstance(fields, list) and all(isinstance(f, MakeField) for f in fields)
