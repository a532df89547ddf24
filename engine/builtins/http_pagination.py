"""Pagination of `http:MakeRequest` (v4): after the first response, which request comes
next, and when to stop. One output bundle per page.

The four kinds Make v4 offers (`paginationType`):
- `offsetBased`: the query parameter `offsetParameterName` (default `offset`) starts at
  `offsetStart` (0) and grows by the page size `limit`, sent as `limitParameterName`
  (default `limit`);
- `pageBased`: `pageParameterName` (default `page`) counts from `pageStart` (1); a page size
  `pageSize` is sent as `pageSizeParameterName` when both are given;
- `urlBased`: the next page's URL is read from the response body at `nextPageUrlPath`
  (a dot path such as `links.next`), else from a `Link: <...>; rel="next"` header;
- `tokenBased`: a cursor read from the body at `nextPageTokenPath` is sent as the query
  parameter `tokenParameterName`.
Offsets and pages stop at a page with fewer items than the page size, or none; `itemsPath`
says where a page's items are (default: the body, when it is an array). URLs and tokens stop
when the response has none (or repeats the last one). Every kind stops at `maxPages`
(default 100) with a warning, and at an HTTP error.

Unverified against Make: every field name above except `paginationType` and its values
(seen in exports), and the one-bundle-per-page output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from engine.errors import ModuleError
from engine.http_client import HttpResponse
from engine.iml.functions.general import get_path
from engine.values import to_number, to_text

KINDS = ("offsetBased", "pageBased", "urlBased", "tokenBased")
DEFAULT_MAX_PAGES = 100
_LINK_NEXT = re.compile(r'<([^>]*)>\s*;[^,]*\brel\s*=\s*"?next"?', re.IGNORECASE)


def _name(mapper: dict[str, Any], key: str, default: str) -> str:
    return to_text(mapper.get(key)).strip() or default


def _whole(mapper: dict[str, Any], key: str, default: int | None) -> int | None:
    number = to_number(mapper.get(key))
    return int(number) if number is not None else default


@dataclass
class Pagination:
    """Where the next page is, from the first request and each response."""

    kind: str
    mapper: dict[str, Any]
    url: str
    max_pages: int = DEFAULT_MAX_PAGES
    pages: int = 1
    position: int = 0  # offset or page number of the request last sent
    seen: set[str] = field(default_factory=set)  # URLs and tokens already asked for
    stopped_early: bool = False  # stopped at maxPages, not at the last page

    @classmethod
    def of(cls, mapper: dict[str, Any], url: str) -> Pagination | None:
        kind = to_text(mapper.get("paginationType")).strip()
        if not kind:
            return None
        if kind not in KINDS:
            raise ModuleError(f"Unknown pagination type {kind!r} (use {', '.join(KINDS)}).",
                              name="DataError")
        limit = _whole(mapper, "maxPages", DEFAULT_MAX_PAGES) or DEFAULT_MAX_PAGES
        paging = cls(kind, mapper, url, max_pages=max(limit, 1))
        if kind == "offsetBased":
            if not _whole(mapper, "limit", None):
                raise ModuleError("Offset-based pagination needs the page size (limit).",
                                  name="DataError")
            paging.position = _whole(mapper, "offsetStart", 0) or 0
        elif kind == "pageBased":
            paging.position = _whole(mapper, "pageStart", 1) or 0
        paging.seen.add(url)
        return paging

    def first_params(self) -> list[tuple[str, str]]:
        """Query items the first request carries (the offset or page it starts at)."""
        return self._params()

    def _params(self) -> list[tuple[str, str]]:
        m = self.mapper
        if self.kind == "offsetBased":
            return [(_name(m, "offsetParameterName", "offset"), str(self.position)),
                    (_name(m, "limitParameterName", "limit"), str(_whole(m, "limit", 0)))]
        if self.kind == "pageBased":
            out = [(_name(m, "pageParameterName", "page"), str(self.position))]
            size = _whole(m, "pageSize", None)
            size_name = to_text(m.get("pageSizeParameterName")).strip()
            if size and size_name:
                out.append((size_name, str(size)))
            return out
        return []

    def _items(self, data: Any) -> list[Any] | None:
        path = to_text(self.mapper.get("itemsPath")).strip()
        items = get_path(data, path) if path else data
        return items if isinstance(items, list) else None

    def _page_size(self) -> int | None:
        if self.kind == "offsetBased":
            return _whole(self.mapper, "limit", None)
        return _whole(self.mapper, "pageSize", None)

    def next_request(self, response: HttpResponse, data: Any
                     ) -> tuple[str, list[tuple[str, str]]] | None:
        """(URL, query items to set) of the next page, or None when this was the last.
        The query items replace those of the same name the module maps."""
        if response.status >= 400:
            return None
        following = self._following(response, data)
        if following is not None and self.pages >= self.max_pages:
            self.stopped_early = True
            return None
        return following

    def _following(self, response: HttpResponse, data: Any
                   ) -> tuple[str, list[tuple[str, str]]] | None:
        if self.kind in ("offsetBased", "pageBased"):
            items = self._items(data)
            size = self._page_size()
            if items is None or not items or (size and len(items) < size):
                return None
            self.position += (size or len(items)) if self.kind == "offsetBased" else 1
            return self.url, self._params()
        if self.kind == "urlBased":
            path = to_text(self.mapper.get("nextPageUrlPath")).strip()
            found = to_text(get_path(data, path)).strip() if path else _link_next(response)
            if not found:
                return None
            next_url = urljoin(response.url or self.url, found)
            if next_url in self.seen:
                return None
            self.seen.add(next_url)
            return next_url, []
        token = to_text(get_path(data, to_text(self.mapper.get("nextPageTokenPath")).strip()
                                 or "nextPageToken")).strip()
        if not token or token in self.seen:
            return None
        self.seen.add(token)
        return self.url, [(_name(self.mapper, "tokenParameterName", "pageToken"), token)]

    def is_empty(self, data: Any) -> bool:
        """A later page with no items is not worth a bundle."""
        items = self._items(data)
        return items is not None and not items


def _link_next(response: HttpResponse) -> str:
    for value in response.header_values("link"):
        found = _LINK_NEXT.search(value)
        if found:
            return found.group(1).strip()
    return ""


def with_params(params: list[tuple[str, str]], replacing: list[tuple[str, str]]
                ) -> list[tuple[str, str]]:
    names = {name for name, _ in replacing}
    return [p for p in params if p[0] not in names] + replacing
