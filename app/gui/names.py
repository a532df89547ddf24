"""How the window names modules and apps: Make's labels, never internal ids.

A module Scenarist has no declaration for (an app it doesn't support yet) is named from its
id as Make would label it: `slack:CreateMessage` is "Create message" in "Slack".
"""

from __future__ import annotations

import re
from typing import Any

APP_NAMES = {
    "builtin": "Flow Control",
    "util": "Tools",
    "http": "HTTP",
    "json": "JSON",
    "regexp": "Text parser",
    "gateway": "Webhooks",
    "datastore": "Data store",
    "csv": "CSV",
    "xml": "XML",
    "archive": "Archive",
    "math": "Math",
    "local-files": "Files on this computer",
    "email": "Email",
    "rss": "RSS",
    "scenario-service": "Scenarios",
    "placeholder": "Placeholder",
}
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|$)|[A-Z]?[a-z]+|\d+|[A-Z]+")
_ACRONYMS = {"json", "xml", "csv", "http", "url", "api", "id", "ai", "sms", "pdf", "rss", "html"}


def app_name(app: str) -> str:
    """"gateway" -> "Webhooks", "google-sheets" -> "Google Sheets"."""
    known = APP_NAMES.get(app)
    if known is not None:
        return known
    return " ".join(w.upper() if w in _ACRONYMS else w.capitalize()
                    for w in re.split(r"[-_ ]+", app) if w)


def humanize(name: str) -> str:
    """"CreateMessage" -> "Create message", "watchNewRows" -> "Watch new rows"."""
    words = _WORDS.findall(name) or [name]
    if len(words) > 1 and words[-1].isdigit():  # a version: SetVariable2
        words = words[:-1]
    text = [w.upper() if w.lower() in _ACRONYMS else w.lower() for w in words]
    first = text[0]
    text[0] = first if first.isupper() else first.capitalize()
    return " ".join(text)


_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*([^*\n]+)\*(?![*\w])")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


def help_html(text: str) -> str:
    """A field's help (Make's help texts are Markdown) as the rich text Qt shows: `code`,
    **bold**, *italic*, [links](https://...) and line breaks, never the raw marks."""
    html = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    html = _CODE.sub(r"<code>\1</code>", html)
    html = _BOLD.sub(r"<b>\1</b>", html)
    html = _ITALIC.sub(r"<i>\1</i>", html)
    html = _LINK.sub(r'<a href="\2">\1</a>', html)
    return "<qt>" + html.replace("\n", "<br>") + "</qt>"


def module_label(module_type: str, registry: Any = None) -> str:
    """The module's label as Make shows it (its declaration's, else from its id)."""
    spec = registry.get(module_type) if registry is not None else None
    if spec is not None:
        return str(spec.label)
    return humanize(module_type.split(":", 1)[-1])
