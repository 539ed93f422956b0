"""Paging strategies of the two trackers, as generators of pages (lists of items).

Pages are yielded one at a time so callers can commit as they go and memory stays bounded
whatever the history size.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from connectors.errors import FatalError, PayloadError
from connectors.http import HttpClient, parse_json

log = logging.getLogger(__name__)


def link_header_pages(
    http: HttpClient, path: str, params: Mapping[str, Any] | None = None
) -> Iterator[list[dict[str, Any]]]:
    """GitHub: follow `Link: <...>; rel="next"` exactly as given, until there is none."""
    url: str | None = path
    query: Mapping[str, Any] | None = params
    while url is not None:
        response = http.request("GET", url, params=query)
        body = parse_json(response)
        if not isinstance(body, list):
            raise PayloadError(
                f"GET {path}: expected a JSON list, got {type(body).__name__}", endpoint=path
            )
        yield body
        next_link = response.links.get("next")
        url = next_link["url"] if next_link else None
        query = None  # the next URL already carries every parameter


def token_pages(
    fetch: Callable[[str | None], Mapping[str, Any]],
    items_key: str,
    endpoint: str,
    *,
    max_restarts: int = 1,
) -> Iterator[list[dict[str, Any]]]:
    """Jira Cloud enhanced search: pass `nextPageToken` back until it is absent (no total).

    Page tokens expire (Jira: after 7 days; sooner when the site restarts), and the API answers
    400 to an expired or invalid one. The search is then restarted from its first page, so
    pages already yielded come again: fetch is at-least-once and the raw load is idempotent,
    so a restart costs requests, never rows.
    """
    token: str | None = None
    restarts = 0
    while True:
        try:
            body = fetch(token)
        except FatalError as exc:
            if token is None or exc.status != 400 or restarts >= max_restarts:
                raise
            restarts += 1
            log.warning("%s: page token rejected (%s); restarting the search", endpoint, exc)
            token = None
            continue
        items = body.get(items_key)
        if not isinstance(items, list):
            raise PayloadError(f"{endpoint}: response has no '{items_key}' list", endpoint=endpoint)
        yield items
        token = body.get("nextPageToken")
        if not token or body.get("isLast") is True:
            return


def offset_pages(
    fetch: Callable[[int], Mapping[str, Any]], items_key: str, endpoint: str
) -> Iterator[list[dict[str, Any]]]:
    """Jira offset paging (`startAt`/`total`, or `isLast`).

    Trust what came back, not what was asked: servers lower `maxResults` as they like.
    """
    start = 0
    while True:
        body = fetch(start)
        items = body.get(items_key)
        if not isinstance(items, list):
            raise PayloadError(f"{endpoint}: response has no '{items_key}' list", endpoint=endpoint)
        yield items
        start += len(items)
        total = body.get("total")
        if not items or body.get("isLast") is True or (isinstance(total, int) and start >= total):
            return
