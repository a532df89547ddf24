"""Make's built-in apps: flow control, tools, JSON, text parser, HTTP, webhooks, data stores,
Email, RSS and sub-scenarios."""

from __future__ import annotations

from engine.spec import ModuleTable


def builtin_tables() -> list[ModuleTable]:
    from engine.builtins import (
        datastore,
        email,
        flow,
        gateway,
        http,
        json_,
        regexp,
        rss,
        scenario_service,
        util,
    )

    return [flow.MODULES, util.MODULES, json_.MODULES, regexp.MODULES, http.MODULES,
            gateway.MODULES, datastore.MODULES,
            email.MODULES, rss.MODULES, scenario_service.MODULES]
