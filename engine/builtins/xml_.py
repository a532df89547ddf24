"""Make's XML app (`xml:`): parse XML into a bundle, create XML text from mapped values.

The shape (shared with the HTTP modules' "Parse response"): the bundle is
`{<root element>: value}`; an element with neither attributes nor child elements is its
text; otherwise a collection of its child elements by name, its attributes under
`_attributes` and its own text under `_value`; an element that repeats among its siblings
is an array. Names keep their namespace prefixes as written (`dc:creator`). With a data
structure, a field typed array is always an array (even for one element), and text fields
take the element's text. Creating XML reads the same shape back.

Parsing never resolves entities declared in the document nor loads anything external
(a DOCTYPE with entity declarations is refused), and the depth is bounded.

Unverified against Make (no export with these modules was found): the field names `xml`,
`type` (data structure), `rootName`, the output field `xml` of Create XML, and whether
Make writes an XML declaration.
"""

from __future__ import annotations

from typing import Any
from xml.parsers import expat
from xml.sax.saxutils import escape

from engine.builtins.structures import workspace_structure
from engine.errors import ModuleError
from engine.spec import FieldSpec, ModuleCall, ModuleTable
from engine.values import format_iso, to_bool, to_date, to_number, to_text

MODULES = ModuleTable()

ATTRIBUTES = "_attributes"
VALUE = "_value"
MAX_DEPTH = 256
_ATTRIBUTE_ESCAPES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


class _Node:
    __slots__ = ("name", "attributes", "children", "text")

    def __init__(self, name: str, attributes: dict[str, str]) -> None:
        self.name = name
        self.attributes = attributes
        self.children: list[_Node] = []
        self.text: list[str] = []


class _Refused(Exception):
    pass


def _tree(source: str | bytes) -> _Node:
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    root: list[_Node] = []
    stack: list[_Node] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        if len(stack) >= MAX_DEPTH:
            raise _Refused(f"elements are nested deeper than {MAX_DEPTH} levels")
        node = _Node(name, attributes)
        (stack[-1].children if stack else root).append(node)
        stack.append(node)

    def end(name: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].text.append(data)

    def entity(*args: Any) -> None:
        raise _Refused("the document declares entities")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.EntityDeclHandler = entity
    parser.buffer_text = True
    try:
        parser.Parse(source, True)
    except expat.ExpatError as exc:
        raise ModuleError(
            f"Invalid XML: {expat.ErrorString(exc.code)} at line {exc.lineno}, "
            f"column {exc.offset + 1}.", name="DataError",
            detail={"line": exc.lineno, "column": exc.offset + 1}) from None
    except _Refused as exc:
        raise ModuleError(f"XML refused: {exc}.", name="DataError") from None
    if not root:
        raise ModuleError("Invalid XML: the document has no element.", name="DataError")
    return root[0]


def _value(node: _Node) -> Any:
    text = "".join(node.text)
    if not node.children and not node.attributes:
        return text
    out: dict[str, Any] = {}
    if node.attributes:
        out[ATTRIBUTES] = dict(node.attributes)
    for child in node.children:
        value = _value(child)
        if child.name in out:
            current = out[child.name]
            if isinstance(current, _Repeated):
                current.append(value)
            else:
                out[child.name] = _Repeated([current, value])
        else:
            out[child.name] = value
    for name, value in out.items():
        if isinstance(value, _Repeated):
            out[name] = list(value)
    if text.strip() or (not node.children and text):
        out[VALUE] = text.strip() if node.children else text
    return out


class _Repeated(list[Any]):
    """Values of an element that repeats (told apart from an element whose value is a list)."""


def parse_xml(source: Any) -> dict[str, Any]:
    """XML text or bytes as a bundle `{root: value}` (see the module docstring)."""
    if isinstance(source, (bytes, bytearray)):
        data: str | bytes = bytes(source)
    else:
        data = to_text(source).lstrip("\ufeff")
        if not data.strip():
            raise ModuleError("Invalid XML: the text is empty.", name="DataError")
    root = _tree(data)
    return {root.name: _value(root)}


# --- data structures ----------------------------------------------------------------------


def shape(value: Any, spec: Any) -> Any:
    """Apply a data structure's field list to a parsed collection: arrays where it says
    array, text/number/boolean/date fields from an element's text."""
    if not isinstance(value, dict) or not isinstance(spec, list):
        return value
    out = dict(value)
    for field in spec:
        name = field.get("name") if isinstance(field, dict) else getattr(field, "name", None)
        if not name or name not in out:
            continue
        kind = _field(field, "type") or "text"
        out[name] = _shaped(out[name], kind, _field(field, "spec"))
    return out


def _field(field: Any, key: str) -> Any:
    return field.get(key) if isinstance(field, dict) else getattr(field, key, None)


def _shaped(value: Any, kind: str, spec: Any) -> Any:
    if kind == "array":
        items = value if isinstance(value, list) else [value]
        if isinstance(spec, list):  # items are collections with these fields
            return [_shaped(v, "collection", spec) for v in items]
        if isinstance(spec, dict) or hasattr(spec, "type"):  # the item's own field
            item_kind = _field(spec, "type") or "text"
            return [_shaped(v, item_kind, _field(spec, "spec")) for v in items]
        return items
    if isinstance(value, list) and kind != "any":
        value = value[0] if value else None
    if kind == "collection":
        if isinstance(value, dict):
            return shape(value, spec)
        return {VALUE: value} if value not in (None, "") else {}
    text = value.get(VALUE, "") if isinstance(value, dict) else value
    if kind in ("number", "integer", "uinteger"):
        number = to_number(text)
        return text if number is None else number
    if kind == "boolean":
        return to_bool(text) if text not in (None, "") else text
    if kind == "date":
        return to_date(text) or text
    return text


# --- writing ------------------------------------------------------------------------------


def _check_name(name: str) -> str:
    try:
        expat.ParserCreate().Parse(f"<{name}/>", True)
    except expat.ExpatError:
        raise ModuleError(f"{name!r} cannot be an XML element or attribute name.",
                          name="DataError") from None
    return name


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return format_iso(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return to_text(value)


def _element(name: str, value: Any, out: list[str], depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ModuleError(f"The value is nested deeper than {MAX_DEPTH} levels.",
                          name="DataError")
    if isinstance(value, list):
        for item in value:
            _element(name, item, out, depth + 1)
        return
    tag = _check_name(name)
    if not isinstance(value, dict):
        text = _scalar(value)
        out.append(f"<{tag}>{escape(text)}</{tag}>" if text else f"<{tag}/>")
        return
    attributes = value.get(ATTRIBUTES)
    attrs = "".join(
        f' {_check_name(str(k))}="{escape(_scalar(v), _ATTRIBUTE_ESCAPES)}"'
        for k, v in (attributes.items() if isinstance(attributes, dict) else ())
        if v is not None)
    inner: list[str] = []
    if value.get(VALUE) not in (None, ""):
        inner.append(escape(_scalar(value[VALUE])))
    for key, child in value.items():
        if key not in (ATTRIBUTES, VALUE):
            _element(str(key), child, inner, depth + 1)
    body = "".join(inner)
    out.append(f"<{tag}{attrs}>{body}</{tag}>" if body else f"<{tag}{attrs}/>")


def create_xml(value: Any, root_name: str = "", *, declaration: bool = True) -> str:
    """`value` as XML: a collection with a single field is that root element, anything
    else goes inside `root_name` (default `root`)."""
    if (not root_name and isinstance(value, dict) and len(value) == 1
            and next(iter(value)) not in (ATTRIBUTES, VALUE)):
        name, inner = next(iter(value.items()))
    else:
        name, inner = root_name or "root", value
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>'] if declaration else []
    _element(str(name), inner, out)
    return "".join(out)


# --- modules ------------------------------------------------------------------------------

_STRUCTURE = FieldSpec(name="type", type="udt", label="Data structure",
                       help="Optional: which elements are arrays, numbers, dates, ...")


@MODULES.module(
    "xml:ParseXML",
    label="Parse XML",
    kind="transformer",
    description="The XML document as one bundle {root element: ...}: child elements by name "
    "(arrays when repeated), attributes in _attributes, text in _value.",
    parameters=[_STRUCTURE],
    mapper=[FieldSpec(name="xml", type="text", label="XML", required=True,
                      help="XML text, or a file's data.")],
)
def parse(call: ModuleCall) -> list[dict[str, Any]]:
    bundle = parse_xml(call.mapper.get("xml"))
    structure = workspace_structure(call, call.parameters.get("type"))
    if structure is not None:
        bundle = shape(bundle, [f.model_dump() for f in structure.spec])
    return [bundle]


@MODULES.module(
    "xml:CreateXML",
    label="Create XML",
    kind="transformer",
    description="Writes the mapped fields as an XML document: a single top field is the root "
    "element; _attributes and _value map to attributes and text; arrays repeat an element.",
    parameters=[
        _STRUCTURE,
        FieldSpec(name="rootName", label="Root element name", advanced=True,
                  help="Used when the mapped value has more than one top field (default "
                  "root)."),
        FieldSpec(name="declaration", type="boolean", label="Write the XML declaration",
                  default=True, advanced=True),
    ],
    interface=[FieldSpec(name="xml", type="text", label="XML")],
)
def create(call: ModuleCall) -> list[dict[str, Any]]:
    params = call.parameters
    text = create_xml(call.mapper, to_text(params.get("rootName")).strip(),
                      declaration=to_bool(params.get("declaration", True)))
    return [{"xml": text}]
