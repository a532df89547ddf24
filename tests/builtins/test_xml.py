"""XML app (`xml:`): parse into Make's shape (attributes, text, arrays), data structures,
create XML back; HTTP modules parsing an XML response."""

from __future__ import annotations

from typing import Any

import pytest

from engine.builtins.xml_ import MODULES, create_xml, parse_xml, shape
from engine.context import RunServices
from engine.errors import ModuleError
from engine.iml.scope import Scope
from engine.spec import ModuleCall
from tests.builtins.test_http import Reply, Stub, call, run, stub, v3, v4  # noqa: F401

SPECS = {spec.id: spec for spec in MODULES}

ORDER = """<?xml version="1.0" encoding="UTF-8"?>
<order id="42" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <customer vip="yes">Ada &amp; Co</customer>
  <item sku="a1"><name>Pen</name><qty>2</qty></item>
  <item sku="b2"><name>Ink</name><qty>1</qty></item>
  <note/>
  <dc:creator>shop</dc:creator>
</order>"""


def run_module(module: str, mapper: dict[str, Any], parameters: dict[str, Any] | None = None,
               services: RunServices | None = None) -> list[dict[str, Any]]:
    call_ = ModuleCall(1, parameters or {}, mapper, services or RunServices(), Scope())
    return SPECS[module].implementation(call_)


def test_parse_gives_collections_attributes_text_and_arrays_for_repeated_elements() -> None:
    [bundle] = run_module("xml:ParseXML", {"xml": ORDER})
    assert bundle == {"order": {
        "_attributes": {"id": "42", "xmlns:dc": "http://purl.org/dc/elements/1.1/"},
        "customer": {"_attributes": {"vip": "yes"}, "_value": "Ada & Co"},
        "item": [
            {"_attributes": {"sku": "a1"}, "name": "Pen", "qty": "2"},
            {"_attributes": {"sku": "b2"}, "name": "Ink", "qty": "1"},
        ],
        "note": "",
        "dc:creator": "shop",
    }}


def test_parse_reads_a_file_buffer_and_mixed_text() -> None:
    assert parse_xml(b"<p>Hello <b>you</b> there</p>") == {"p": {"b": "you",
                                                                "_value": "Hello  there"}}


@pytest.mark.parametrize("text", ["", "<a><b></a>", "not xml"])
def test_invalid_xml_is_a_data_error(text: str) -> None:
    with pytest.raises(ModuleError) as caught:
        parse_xml(text)
    assert caught.value.name == "DataError"


def test_entity_declarations_are_refused() -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;">]><x>&b;</x>')
    with pytest.raises(ModuleError, match="declares entities"):
        parse_xml(bomb)


def test_too_deep_documents_are_refused() -> None:
    with pytest.raises(ModuleError, match="deeper"):
        parse_xml("<a>" * 300 + "</a>" * 300)


def test_a_data_structure_makes_arrays_and_typed_fields() -> None:
    spec = [{"name": "order", "type": "collection", "spec": [
        {"name": "item", "type": "array", "spec": [{"name": "qty", "type": "number"}]},
        {"name": "customer", "type": "text"},
        {"name": "total", "type": "number"},
    ]}]
    parsed = parse_xml("<order><item><qty>3</qty></item><customer vip='y'>Ada</customer>"
                       "<total>9.5</total></order>")
    assert shape(parsed, spec) == {"order": {"item": [{"qty": 3}], "customer": "Ada",
                                             "total": 9.5}}


def test_parse_uses_the_workspace_data_structure(tmp_path) -> None:
    from engine.store.data_structures import DataStructure, StructureField, save_structure
    from engine.store.state_db import state_engine

    save_structure(state_engine(tmp_path), DataStructure(id="3", spec=[StructureField(
        name="list", type="collection", spec=[{"name": "x", "type": "array"}])]))
    [bundle] = run_module("xml:ParseXML", {"xml": "<list><x>1</x></list>"}, {"type": 3},
                          RunServices(data_dir=tmp_path))
    assert bundle == {"list": {"x": ["1"]}}


def test_create_writes_the_same_shape_back() -> None:
    [bundle] = run_module("xml:ParseXML", {"xml": ORDER})
    [out] = run_module("xml:CreateXML", bundle)
    assert out["xml"].startswith('<?xml version="1.0" encoding="UTF-8"?><order id="42"')
    assert parse_xml(out["xml"]) == bundle


def test_create_escapes_text_and_attributes_and_uses_a_root_name() -> None:
    text = create_xml({"a": 'x<y & "z"', "b": [1, 2], "c": None}, "doc", declaration=False)
    assert text == '<doc><a>x&lt;y &amp; "z"</a><b>1</b><b>2</b><c/></doc>'
    assert create_xml({"_attributes": {"q": 'a"b'}}, "r", declaration=False) == (
        '<r q="a&quot;b"/>')


def test_create_refuses_names_that_are_not_xml_names() -> None:
    with pytest.raises(ModuleError, match="cannot be an XML"):
        create_xml({"1 bad": "x"}, "r")


async def test_http_parse_response_reads_xml(stub: Stub, run: RunServices) -> None:  # noqa: F811
    from engine.builtins import http

    body = b"<feed><entry>a</entry><entry>b</entry></feed>"
    stub.route("GET", "/x", Reply(body=body, headers=[("Content-Type", "application/xml")]))
    [v4_bundle] = await call(http.make_request, run, v4(stub.url("/x")))
    assert v4_bundle["data"] == {"feed": {"entry": ["a", "b"]}}
    [v3_bundle] = await call(http.action_send_data, run, v3(stub.url("/x"), parseResponse=True))
    assert v3_bundle["data"] == {"feed": {"entry": ["a", "b"]}}
    [raw] = await call(http.make_request, run, v4(stub.url("/x"), parseResponse=False))
    assert raw["data"] == body.decode()
