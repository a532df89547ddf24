"""The shipped templates: Make's official patterns and the no-account example, each with a
description and a sample payload, each a blueprint that opens without problems."""

from __future__ import annotations

from app.templates import FIRST_SCENARIO, load_templates
from engine.loading import check_blueprint
from engine.registry import default_registry

PATTERNS = {"webhook-to-http", "filter-gate", "webhook-router-error-handler",
            "iterator-aggregator", "if-else-merge", "datastore-dedupe", "scheduled-http-poll",
            "webhook-api-endpoint", "rate-limited-loop", "error-handler-fallback"}


def test_every_official_pattern_ships_with_a_description_and_a_sample() -> None:
    templates = load_templates()
    assert {t.slug for t in templates} == PATTERNS | {FIRST_SCENARIO}
    assert templates[0].slug == FIRST_SCENARIO  # offered first
    for found in templates:
        assert found.title and len(found.description) > 40, found.slug
        if found.slug != "scheduled-http-poll":  # no trigger, nothing to send it
            assert found.sample_payload, found.slug


def test_templates_open_cleanly_and_point_at_no_stub_host() -> None:
    registry = default_registry()
    for found in load_templates():
        text = found.blueprint_path.read_text()
        assert "stub.invalid" not in text, found.slug
        check = check_blueprint(found.blueprint_path, registry)
        assert not check.problems and check.blueprint is not None, found.slug


def test_the_first_scenario_needs_no_network_and_no_account() -> None:
    first = next(t for t in load_templates() if t.slug == FIRST_SCENARIO)
    modules = {node["module"].split(":")[0] for node in first.blueprint()["flow"]}
    assert modules <= {"json", "builtin", "util"}


def test_a_template_that_calls_the_public_echo_service_says_so() -> None:
    """Trying a pattern sends its sample to httpbin.org: the description says it before the
    user runs it; the no-account example sends nothing anywhere."""
    for found in load_templates():
        calls_out = "httpbin.org" in found.blueprint_path.read_text()
        assert ("goes to httpbin.org" in found.description
                or "go to httpbin.org" in found.description) == calls_out, found.slug
    first = next(t for t in load_templates() if t.slug == FIRST_SCENARIO)
    assert "httpbin" not in first.description
