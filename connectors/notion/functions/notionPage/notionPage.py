"""Notion's `notionPage(page)`: a page (a database item) as Make's Notion modules output it:
the page object, its `properties` as a list (each property with its name as `label`), and
`properties_value`: each property's value by name (`{{4.properties_value.Status.name}}`,
`{{4.properties_value.Language[].plain_text}}` in the corpus). [unverified: the list shape of
`properties` is read from the exports' interface, not from a documented output]"""

from __future__ import annotations

from typing import Any


def notionPage(page: Any) -> Any:
    if not isinstance(page, dict):
        return page
    properties = page.get("properties") or {}
    out = dict(page)
    out["properties"] = [{**prop, "label": name} for name, prop in properties.items()]
    out["properties_value"] = {name: prop.get(prop.get("type", ""))
                               for name, prop in properties.items()}
    return out
