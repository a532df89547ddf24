"""Make's built-in apps: flow control, tools, JSON, text parser, HTTP, webhooks, data stores,
CSV, XML, Archive, Math, Email, RSS, sub-scenarios, and our Files on this computer."""

from __future__ import annotations

from engine.spec import ModuleTable


def builtin_tables() -> list[ModuleTable]:
    from engine.builtins import (
        archive,
        csv_,
        datastore,
        email,
        flow,
        gateway,
        http,
        json_,
        local_files,
        math_,
        regexp,
        rss,
        scenario_service,
        util,
        xml_,
    )

    return [flow.MODULES, util.MODULES, json_.MODULES, regexp.MODULES, http.MODULES,
            gateway.MODULES, datastore.MODULES, csv_.MODULES, xml_.MODULES,
            archive.MODULES, math_.MODULES, local_files.MODULES,
            email.MODULES, rss.MODULES, scenario_service.MODULES]
