"""RSS 2.0 (and 0.9x/1.0) and Atom feeds as the articles Make's RSS app outputs.

An article has Make's fields (from the `rss:ActionReadArticles` interface real exports carry):
`title, description, summary, author, url, dateUpdated, dateCreated, comments,
image{title,url}, categories[], source{title,url}, enclosures[{url,type,length}],
rssFields{...}` — `description` is the full content (content:encoded, Atom content), `summary`
the short one, as the Node feed parser Make's output resembles gives them; `rssFields` holds
every other simple element of the item as text, keyed by its lower-case local name. `id`
(guid, Atom id, else the link) lets a trigger tell items apart.

Parsing uses the standard library's expat-based ElementTree, which resolves no external
entities and refuses entity expansion bombs; a document that declares entities is refused
before parsing anyway (no feed needs one).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from engine.errors import ModuleError
from engine.values import format_iso, to_date

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
NAMESPACES = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "g": "http://base.google.com/ns/1.0",
}
_KNOWN_PREFIXES = {v: k for k, v in NAMESPACES.items()}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _ns(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _text(element: ET.Element | None) -> str:
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def _child(item: ET.Element, *names: str) -> ET.Element | None:
    """The first direct child with one of these local names (namespace ignored)."""
    for name in names:
        for child in item:
            if _local(child.tag) == name:
                return child
    return None


def _children(item: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in item if _local(c.tag) == name]


def _date(*elements: ET.Element | None) -> str | None:
    for element in elements:
        found = to_date(_text(element)) if element is not None else None
        if found is not None:
            return format_iso(found)
    return None


def _atom_link(item: ET.Element, rel: str = "alternate") -> str:
    links = _children(item, "link")
    for link in links:
        if (link.get("rel") or "alternate") == rel and link.get("href"):
            return str(link.get("href"))
    return ""


def _author(item: ET.Element) -> str:
    author = _child(item, "author", "creator")
    if author is None:
        return ""
    name = _child(author, "name")
    return _text(name) if name is not None else _text(author)


def parse_feed(content: bytes, *, include: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The feed's items in document order (feeds put the newest first)."""
    if _ENTITY_DECLARATION.search(content[:65536]):
        raise ModuleError("the feed declares XML entities, which are refused",
                          name="DataError")
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise ModuleError(f"the feed is not valid XML: {exc}", name="DataError") from None
    kind = _local(root.tag)
    if kind == "feed":
        entries = _children(root, "entry")
        return [_atom_entry(e, include) for e in entries]
    if kind in ("rss", "rdf"):
        channel = _child(root, "channel")
        items = _children(channel, "item") if channel is not None else []
        if kind == "rdf":  # RSS 1.0 puts items beside the channel
            items += _children(root, "item")
        return [_rss_item(i, include) for i in items]
    raise ModuleError(f"not an RSS or Atom feed (its root element is <{kind}>)",
                      name="DataError")


def _extras(item: ET.Element, include: tuple[str, ...]) -> dict[str, Any]:
    """`rssFields`, and the namespaced fields the module's "Process RSS fields" asks for
    (`itunes`, `google-merchant-center` → `g`; the output keys are unverified)."""
    fields: dict[str, str] = {}
    groups: dict[str, dict[str, str]] = {}
    wanted = {"itunes" if i == "itunes" else "g" for i in include
              if i in ("itunes", "google-merchant-center")}
    for child in item:
        if len(child):  # nested elements are not simple fields
            continue
        prefix = _KNOWN_PREFIXES.get(_ns(child.tag))
        if prefix is not None:
            if prefix in wanted:
                groups.setdefault(prefix, {})[_local(child.tag)] = _text(child) or (
                    child.get("href") or "")
            continue
        fields.setdefault(_local(child.tag), _text(child))
    return {"rssFields": fields, **groups}


def _rss_item(item: ET.Element, include: tuple[str, ...]) -> dict[str, Any]:
    content = _child(item, "encoded")
    description = _child(item, "description")
    link = _text(_child(item, "link")) or _atom_link(item)
    guid = _text(_child(item, "guid"))
    source = _child(item, "source")
    image = _child(item, "image")
    thumbnail = _child(item, "thumbnail")
    created = _date(_child(item, "pubdate"), _child(item, "date"))
    return {
        "title": _text(_child(item, "title")),
        "description": _text(content) or _text(description),
        "summary": _text(description),
        "author": _author(item),
        "url": link,
        "dateUpdated": _date(_child(item, "updated")) or created,
        "dateCreated": created,
        "comments": _text(_child(item, "comments")),
        "image": {"title": _text(_child(image, "title")) if image is not None else "",
                  "url": (_text(_child(image, "url")) if image is not None else "")
                  or (thumbnail.get("url", "") if thumbnail is not None else "")},
        "categories": [_text(c) for c in _children(item, "category") if _text(c)],
        "source": {"title": _text(source), "url": source.get("url", "")}
        if source is not None else {"title": "", "url": ""},
        "enclosures": [{"url": e.get("url", ""), "type": e.get("type", ""),
                        "length": _length(e.get("length"))}
                       for e in _children(item, "enclosure")],
        **_extras(item, include),
        "id": guid or link or f"{_text(_child(item, 'title'))}|{created or ''}",
    }


def _atom_entry(entry: ET.Element, include: tuple[str, ...]) -> dict[str, Any]:
    content = _child(entry, "content")
    summary = _child(entry, "summary")
    link = _atom_link(entry)
    source = _child(entry, "source")
    created = _date(_child(entry, "published"), _child(entry, "issued"),
                    _child(entry, "updated"))
    return {
        "title": _text(_child(entry, "title")),
        "description": _text(content) or _text(summary),
        "summary": _text(summary),
        "author": _author(entry),
        "url": link,
        "dateUpdated": _date(_child(entry, "updated")) or created,
        "dateCreated": created,
        "comments": _atom_link(entry, "replies"),
        "image": {"title": "", "url": ""},
        "categories": [c.get("term") or _text(c) for c in _children(entry, "category")
                       if c.get("term") or _text(c)],
        "source": {"title": _text(_child(source, "title")) if source is not None else "",
                   "url": _atom_link(source) if source is not None else ""},
        "enclosures": [{"url": link_.get("href", ""), "type": link_.get("type", ""),
                        "length": _length(link_.get("length"))}
                       for link_ in _children(entry, "link") if link_.get("rel") == "enclosure"],
        **_extras(entry, include),
        "id": _text(_child(entry, "id")) or link or _text(_child(entry, "title")),
    }


def _length(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None
