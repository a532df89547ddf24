"""Blueprints the cluster tests run: small, built here, their HTTP calls to a local stub."""

from __future__ import annotations

from typing import Any


def _module(module_id: int, module: str, mapper: dict[str, Any] | None = None,
            parameters: dict[str, Any] | None = None, version: int = 1) -> dict[str, Any]:
    return {"id": module_id, "module": module, "version": version,
            "parameters": parameters or {}, "mapper": mapper or {},
            "metadata": {"designer": {"x": 300 * module_id, "y": 0}}}


def post(module_id: int, url: str, body: str) -> dict[str, Any]:
    return _module(module_id, "http:MakeRequest", {
        "url": url, "method": "post", "headers": [], "contentType": "json",
        "parseResponse": True, "queryParameters": [], "inputMethod": "jsonString",
        "jsonStringBodyContent": body}, {"authenticationType": "noAuth"}, version=4)


def blueprint(name: str, *flow: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "flow": list(flow),
            "metadata": {"version": 1, "scenario": {"roundtrips": 1, "maxErrors": 3,
                                                    "autoCommit": True}}}


def webhook_forward(url: str) -> dict[str, Any]:
    """webhook → POST the body's name → set a variable from the answer → respond with it."""
    return blueprint(
        "Forward",
        _module(1, "gateway:CustomWebHook"),
        post(2, f"{url}/leads", '{"name": "{{1.name}}"}'),
        _module(3, "util:SetVariable2", {"name": "id", "scope": "roundtrip",
                                         "value": "{{2.data.id}}"}),
        _module(4, "gateway:WebhookRespond", {"status": "201", "body": "{{3.id}}"}),
    )


def many_posts(url: str) -> dict[str, Any]:
    """webhook → an iterator over the body's `items` → each POSTed to the stub."""
    return blueprint(
        "Many posts",
        _module(1, "gateway:CustomWebHook"),
        _module(2, "builtin:BasicFeeder", {"array": "{{1.items}}"}),
        post(3, f"{url}/items", '{"n": {{2.value}}}'),
    )
