"""Reading a webhook request as Make does: the body by its content type (JSON,
urlencoded form, multipart with files as binary items, else text), the query string, and the
hook's data structure as validation.

The parsed body is what a run gets as `webhook_request["body"]` (engine.builtins.gateway
merges the query string in and makes the bundles), so each request is parsed once, at intake.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import orjson

from engine.builtins.gateway import request_bundles

if TYPE_CHECKING:
    from engine.store.structure_check import FieldProblem

__all__ = ["ParseError", "multi_dict", "parse_body", "validation_errors"]



class ParseError(ValueError):
    """A body that cannot be read as its content type says (answered 400)."""


def multi_dict(items: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Name/value pairs as Make shows them: one value as is, a repeated name as a list."""
    out: dict[str, Any] = {}
    for name, value in items:
        if name in out:
            previous = out[name]
            if isinstance(previous, list):
                previous.append(value)
            else:
                out[name] = [previous, value]
        else:
            out[name] = value
    return out


def parse_body(raw: bytes, content_type: str, *, stringify: bool = False) -> tuple[Any, bool]:
    """The body as data, and whether it holds bytes (binary items). An empty body is None.

    `stringify` (Make's "JSON pass-through") keeps the body as text in a `value` field.
    Malformed JSON is kept as text too (`{"value": ...}`), as the Run once listener does.
    """
    if not raw:
        return None, False
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "multipart/form-data":
        return _multipart(raw, content_type)
    if stringify:
        return {"value": raw.decode("utf-8", errors="replace")}, False
    if media == "application/json" or media.endswith("+json"):
        try:
            return orjson.loads(raw), False
        except orjson.JSONDecodeError:
            return {"value": raw.decode("utf-8", errors="replace")}, False
    if media == "application/x-www-form-urlencoded":
        text = raw.decode("utf-8", errors="replace")
        return multi_dict(parse_qsl(text, keep_blank_values=True)), False
    try:
        return {"value": raw.decode("utf-8")}, False
    except UnicodeDecodeError:
        return {"value": raw}, True  # binary data: a buffer


def _multipart(raw: bytes, content_type: str) -> tuple[dict[str, Any], bool]:
    """Form fields as text; a file part as Make's binary item {name, mime, data}."""
    head = b"Content-Type: " + content_type.encode("latin-1", errors="replace") + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head + raw)
    if not message.is_multipart() or message.defects:
        raise ParseError("The multipart body could not be read.")
    fields: list[tuple[str, Any]] = []
    binary = False
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True)
        payload = data if isinstance(data, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            fields.append((name, {"name": filename, "mime": part.get_content_type(),
                                  "data": payload}))
            binary = True
        else:
            charset = part.get_content_charset() or "utf-8"
            fields.append((name, payload.decode(charset, errors="replace")))
    return multi_dict(fields), binary


# --- data structure validation ---------------------------------------------------------


def validation_errors(body: Any, query: Mapping[str, Any],
                      fields: Sequence[Mapping[str, Any]], *, strict: bool = False
                      ) -> list[str]:
    """What in the request breaks the data structure (Make's wording), per bundle a run
    would get: query fields merged with the body's. `strict`: a field the structure doesn't
    name is an error too (in nested collections as well). The checking is the data
    structures' own (engine.store.structure_check); only the words are the webhook's."""
    from engine.store.structure_check import validate

    errors: list[str] = []
    bundles = request_bundles({"body": body, "query": dict(query)}) or [dict(query)]
    for bundle in bundles:
        errors.extend(_as_make_says(problem)
                      for problem in validate(bundle, [dict(f) for f in fields], strict=strict))
    return errors


def _as_make_says(problem: FieldProblem) -> str:
    if problem.kind == "required":
        return f"Missing value of required parameter '{problem.path}'."
    if problem.kind == "unknown":
        return f"Unknown parameter '{problem.path}'."
    return f"Invalid {problem.kind} in parameter '{problem.path}'."
