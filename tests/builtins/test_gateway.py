"""Webhook trigger, mailhook and webhook response."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from engine.builtins import gateway
from engine.context import RunServices
from engine.errors import ModuleError
from engine.spec import ModuleCall


def call(impl: Any, run: RunServices, mapper: dict[str, Any] | None = None,
         parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    scope: Any = SimpleNamespace()
    return impl(ModuleCall(1, parameters or {}, mapper or {}, run, scope))


def hook(body: Any, **request: Any) -> RunServices:
    return RunServices(webhook_request={"body": body, **request})


def test_collection_body_is_one_bundle_of_its_fields() -> None:
    run = hook({"email": "ada@example.com", "name": "Ada"},
               headers={"content-type": "application/json"}, method="POST", query={})
    assert call(gateway.custom_webhook, run) == [{"email": "ada@example.com", "name": "Ada"}]


def test_top_level_array_body_gives_one_bundle_per_element() -> None:
    run = hook([{"email": "a@example.com"}, {"email": "b@example.com"}, 7])
    assert call(gateway.custom_webhook, run) == [
        {"email": "a@example.com"}, {"email": "b@example.com"}, {"value": 7}]


def test_query_string_fields_are_merged_and_body_wins() -> None:
    run = hook({"id": "from-body"}, query={"id": "from-query", "source": "ads"})
    assert call(gateway.custom_webhook, run) == [{"id": "from-body", "source": "ads"}]


def test_get_request_without_body_gives_the_query_fields() -> None:
    run = RunServices(webhook_request={"body": None, "method": "GET", "query": {"q": "x"}})
    assert call(gateway.custom_webhook, run) == [{"q": "x"}]


def test_text_bodies_are_read_by_content_type() -> None:
    as_json = hook('{"a": 1}', headers={"Content-Type": "application/json; charset=utf-8"})
    as_form = hook(b"name=Ada+L&tag=x&tag=y",
                   headers={"content-type": "application/x-www-form-urlencoded"})
    as_text = hook("hello", headers={"content-type": "text/plain"})
    assert call(gateway.custom_webhook, as_json) == [{"a": 1}]
    assert call(gateway.custom_webhook, as_form) == [{"name": "Ada L", "tag": ["x", "y"]}]
    assert call(gateway.custom_webhook, as_text) == [{"value": "hello"}]


def test_no_request_means_no_bundles() -> None:
    assert call(gateway.custom_webhook, RunServices()) == []


def test_headers_and_method_only_when_the_hook_asks() -> None:
    request = {"body": {"a": 1}, "headers": {"X-Token": "t"}, "method": "put"}
    plain = RunServices(webhook_request=request)
    assert call(gateway.custom_webhook, plain) == [{"a": 1}]
    asked = RunServices(webhook_request={**request, "options": {"headers": True,
                                                                "method": True}})
    assert call(gateway.custom_webhook, asked) == [
        {"a": 1, "__IMTHEADERS__": [{"name": "x-token", "value": "t"}], "__IMTMETHOD__": "PUT"}]
    by_params = call(gateway.custom_webhook, plain, parameters={"hook": 1, "method": True})
    assert by_params == [{"a": 1, "__IMTMETHOD__": "PUT"}]


def test_mailhook_reads_the_mail_fields() -> None:
    mail = {"subject": "Hi", "text": "Body", "html": "<p>Body</p>",
            "from": {"name": "Ada", "address": "ada@example.com"}}
    assert call(gateway.custom_mailhook, hook(mail)) == [mail]


def test_webhook_respond_matches_the_api_endpoint_case() -> None:
    run = hook({"email": "test@example.com"})
    out = call(gateway.webhook_respond, run, {
        "status": "200",
        "body": '{"ok": true, "received": "test@example.com"}',
        "headers": [{"key": "content-type", "value": "application/json"}],
    })
    assert out == [{}]
    assert run.webhook_response == {
        "status": 200,
        "headers": {"content-type": "application/json"},
        "body": '{"ok": true, "received": "test@example.com"}',  # text stays text
    }


def test_webhook_respond_defaults_and_native_bodies() -> None:
    run = RunServices()
    call(gateway.webhook_respond, run, {"body": {"ok": True}})
    assert run.webhook_response == {"status": 200, "headers": {}, "body": {"ok": True}}


def test_only_the_first_response_reaches_the_caller() -> None:
    run = RunServices()
    call(gateway.webhook_respond, run, {"status": "201", "body": "first"})
    call(gateway.webhook_respond, run, {"status": "500", "body": "second"})
    assert run.webhook_response is not None
    assert run.webhook_response["body"] == "first" and run.webhook_response["status"] == 201
    assert len(run.warnings) == 1


@pytest.mark.parametrize("status", ["abc", "99", "600", "200.5"])
def test_invalid_status_is_a_data_error(status: str) -> None:
    with pytest.raises(ModuleError) as caught:
        call(gateway.webhook_respond, RunServices(), {"status": status})
    assert caught.value.name == "DataError"


def test_declarations() -> None:
    specs = {spec.id: spec for spec in gateway.MODULES}
    assert specs["gateway:CustomWebHook"].kind == "instant_trigger"
    assert specs["gateway:CustomMailHook"].kind == "instant_trigger"
    assert specs["gateway:WebhookRespond"].kind == "responder"
    assert "maxResults" in {f.name for f in specs["gateway:CustomWebHook"].parameters}
