"""Make's RSS app: watch feed items (a polling trigger) and retrieve feed items, RSS or Atom.

Module ids and fields are Make's: `rss:ActionReadArticles` v4 (real exports: mapper `url,
username, password, filterDateFrom, filterDateTo, maxResults, gzip`, parameter `include`)
and `rss:TriggerNewArticle` v4 (seen in a public blueprint with `url, maxResults, gzip,
include, username, password` as parameters; both places are read here). Items are the
articles of engine.feed.

The watch trigger's cursor (state.db, like app triggers' and the Email app's) is the newest
date it emitted plus the ids of the items it has seen lately, so an item is new once: not
seen, and not older than what was emitted last. "Choose where to start" applies until the
trigger has a cursor.
"""

from __future__ import annotations

import base64
from typing import Any

from engine.apps.runtime import trigger_key, trigger_state
from engine.errors import ModuleError
from engine.http_client import http_client
from engine.spec import FieldSpec, ModuleCall, ModuleTable
from engine.values import format_iso, to_bool, to_date, to_number, to_text

MODULES = ModuleTable()
SEEN_KEPT = 1000  # item ids a trigger's cursor remembers

_FEED_FIELDS = [
    FieldSpec(name="url", type="url", label="URL", required=True),
    FieldSpec(name="username", label="User name", advanced=True),
    FieldSpec(name="password", label="Password", advanced=True, sensitive=True),
    FieldSpec(name="maxResults", type="uinteger", label="Maximum number of returned items",
              required=True, default=10),
    FieldSpec(name="gzip", type="boolean", label="Request compressed content", default=True,
              advanced=True),
]
_INCLUDE = FieldSpec(name="include", type="select", label="Process RSS fields",
                     options=[{"label": "Google Merchant Center",
                               "value": "google-merchant-center"},
                              {"label": "iTunes", "value": "itunes"}], advanced=True)
_NAMED = [FieldSpec(name="title", label="Name"), FieldSpec(name="url", type="url",
                                                           label="URL")]
ARTICLE_INTERFACE = [
    FieldSpec(name="title", label="Title"),
    FieldSpec(name="description", label="Description"),
    FieldSpec(name="summary", label="Summary"),
    FieldSpec(name="author", label="Author"),
    FieldSpec(name="url", type="url", label="URL"),
    FieldSpec(name="dateUpdated", type="date", label="Date updated"),
    FieldSpec(name="dateCreated", type="date", label="Date created"),
    FieldSpec(name="comments", type="url", label="Comments"),
    FieldSpec(name="image", type="collection", label="Image", spec=_NAMED),
    FieldSpec(name="categories", type="array", label="Categories"),
    FieldSpec(name="source", type="collection", label="Source", spec=_NAMED),
    FieldSpec(name="enclosures", type="array", label="Enclosures", spec=[
        FieldSpec(name="url", type="url", label="URL"), FieldSpec(name="type", label="Type"),
        FieldSpec(name="length", type="number", label="Length")]),
    FieldSpec(name="rssFields", type="collection", label="RSS fields",
              help="Other RSS fields. All values are in text format."),
]


def _setting(call: ModuleCall, name: str, default: Any = None) -> Any:
    for source in (call.mapper, call.parameters):
        value = source.get(name)
        if value is not None and value != "":
            return value
    return default


async def _articles(call: ModuleCall) -> list[dict[str, Any]]:
    url = to_text(_setting(call, "url", "")).strip()
    if not url:
        raise ModuleError("The feed URL is empty: map or type the address of the feed.",
                          name="DataError")
    headers = [("Accept", "application/rss+xml, application/atom+xml, application/xml, "
                          "text/xml;q=0.9, */*;q=0.8")]
    user, password = to_text(_setting(call, "username", "")), to_text(
        _setting(call, "password", ""))
    if user or password:
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        headers.append(("Authorization", f"Basic {token}"))
    response = await http_client(call.run).request(
        "get", url, headers=headers, compressed=to_bool(_setting(call, "gzip", True)))
    if response.status >= 400:
        raise ModuleError(f"[{response.status}] GET {url} failed: {response.reason}",
                          name="RuntimeError", detail={"statusCode": response.status})
    include = _setting(call, "include", [])
    include = tuple(include) if isinstance(include, list) else (to_text(include),)
    from engine.feed import parse_feed  # XML parsing loads when a feed is read

    return parse_feed(response.content, include=include)


def _limit(call: ModuleCall, default: int) -> int:
    number = to_number(_setting(call, "maxResults"))
    return int(number) if number is not None and number > 0 else default


def _output(article: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in article.items() if k != "id"}


# --- Retrieve RSS feed items -----------------------------------------------------------------


@MODULES.module(
    "rss:ActionReadArticles",
    label="Retrieve RSS feed items",
    kind="search",
    description="The feed's items, newest first as the feed lists them, between two dates.",
    parameters=[_INCLUDE],
    mapper=[*_FEED_FIELDS[:3],
            FieldSpec(name="filterDateFrom", type="date", label="Date from"),
            FieldSpec(name="filterDateTo", type="date", label="Date to"),
            *_FEED_FIELDS[3:]],
    interface=ARTICLE_INTERFACE,
)
async def read_articles(call: ModuleCall) -> list[dict[str, Any]]:
    since = to_date(_setting(call, "filterDateFrom"))
    until = to_date(_setting(call, "filterDateTo"))
    out = []
    for article in await _articles(call):
        when = to_date(article["dateCreated"] or article["dateUpdated"])
        if when is not None and ((since and when < since) or (until and when > until)):
            continue
        out.append(_output(article))
    return out[:_limit(call, 10)]


# --- Watch RSS feed items --------------------------------------------------------------------


def _oldest_first(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """By date where items have one; feeds list the newest first, so the rest reversed."""
    ordered = list(reversed(articles))
    dated = [a for a in ordered if to_date(a["dateCreated"] or a["dateUpdated"])]
    if len(dated) != len(ordered):
        return ordered
    return sorted(ordered, key=lambda a: _sort_key(a["dateCreated"] or a["dateUpdated"]))


def _sort_key(iso: str) -> float:
    found = to_date(iso)
    return found.timestamp() if found is not None else 0.0


def _date_of(article: dict[str, Any]) -> str | None:
    found = to_date(article["dateCreated"] or article["dateUpdated"])
    return format_iso(found) if found is not None else None


@MODULES.module(
    "rss:TriggerNewArticle",
    label="Watch RSS feed items",
    kind="trigger",
    description="Emits each new item of a feed once, oldest first.",
    parameters=[*_FEED_FIELDS, _INCLUDE],
    interface=ARTICLE_INTERFACE,
)
async def watch_articles(call: ModuleCall) -> list[dict[str, Any]]:
    store, key = trigger_state(call.run), trigger_key(call.run, call.module_id)
    stored = store.get(key)
    choice = (call.run.start_from or {}) if stored is None else {}
    mode = choice.get("mode")
    articles = _oldest_first(await _articles(call))
    seen = set((stored or {}).get("seen") or [])
    last = to_date((stored or {}).get("lastDate"))
    if mode == "since":
        last = to_date(choice.get("date"))
    elif mode == "id":
        ids = [a["id"] for a in articles]
        wanted = to_text(choice.get("id"))
        if wanted in ids:
            seen |= set(ids[:ids.index(wanted) + 1])

    def new(article: dict[str, Any]) -> bool:
        when = to_date(_date_of(article))
        if article["id"] in seen:
            return False
        return last is None or when is None or (when > last if mode == "since" else
                                                 when >= last)

    fresh = [a for a in articles if new(a)]
    if mode == "now":
        fresh, emitted, more = [], [], False
        skipped = articles
    else:
        if mode == "last":
            fresh = fresh[-int(to_number(choice.get("count")) or 1):]
            skipped = articles
        else:
            skipped = []
        limit = _limit(call, 1)
        emitted, more = fresh[:limit], len(fresh) > limit
    remembered = [*(stored or {}).get("seen", []), *(a["id"] for a in (*skipped, *emitted))]
    dates = [d for d in (_date_of(a) for a in (*skipped, *emitted)) if d]
    newest = max(dates, key=_sort_key) if dates else (
        format_iso(last) if last is not None else None)
    effects = call.run.effects
    if not (effects is not None and effects.replaying):
        store.set(key, {"lastDate": newest,
                        "seen": list(dict.fromkeys(remembered))[-SEEN_KEPT:]})
    if more:
        call.run.more = True
    return [_output(a) for a in emitted]
