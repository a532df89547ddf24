"""Make's built-in apps: flow control, tools, JSON, text parser, HTTP, webhooks, data stores,
Email, RSS and sub-scenarios."""

from __future__ import annotations

from engine.spec import ModuleTable


def builtin_tables() -> list[ModuleTable]:
    from engine.builtins import datastore, flow, gateway, http, json_, regexp, util
    from engine.builtins import email as email_app

    return [flow.MODULES, util.MODULES, json_.MODULES, regexp.MODULES, http.MODULES,
            gateway.MODULES, datastore.MODULES,
            email_app.MODULES]
