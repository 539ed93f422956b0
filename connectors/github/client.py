"""GitHub REST client (github.com and Enterprise Server): the endpoints delivery metrics need.

REST is the default because it behaves the same on GHES. The issues listing is the change feed
(`since`, sorted by update, ascending), and per-item endpoints are called only for items that
changed. Every list can be fetched conditionally: the caller hands in the validators (ETag and
the page's `next` link) it stored with the data, and a 304 comes back as a page with no items,
which costs nothing against the primary rate limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from connectors.errors import PayloadError
from connectors.http import HttpClient, RetryPolicy, parse_json
from connectors.pagination import link_header_pages

# Pinned: 2022-11-28 is the version every supported GHES 3.x release and github.com accept.
API_VERSION = "2022-11-28"
PER_PAGE = 100


@dataclass(frozen=True)
class Validator:
    """What a conditional request needs to know about one URL fetched before."""

    etag: str
    next_url: str | None = None


@dataclass(frozen=True)
class ListPage:
    """One page of a list endpoint; `items is None` means 304: unchanged since `etag`."""

    url: str
    items: list[dict[str, Any]] | None
    etag: str | None
    next_url: str | None

    @property
    def not_modified(self) -> bool:
        return self.items is None


@dataclass(frozen=True)
class Resource:
    """One object fetched conditionally; `body is None` means 304."""

    url: str
    body: dict[str, Any] | None
    etag: str | None


def is_pull_request(issue: Mapping[str, Any]) -> bool:
    """PRs appear in the issues feed with a `pull_request` object whose URLs are set.

    Old recordings (and the leftovers of the `beta` media type) carry a `pull_request` object
    with null URLs on plain issues, so the key's presence alone proves nothing.
    """
    marker = issue.get("pull_request")
    return isinstance(marker, dict) and bool(marker.get("url") or marker.get("html_url"))


class GitHubClient:
    def __init__(self, http: HttpClient, *, per_page: int = PER_PAGE) -> None:
        self.http = http
        self.per_page = per_page

    @classmethod
    def connect(
        cls,
        base_url: str,
        token: str,
        *,
        policy: RetryPolicy | None = None,
        verify: bool | str = True,
        per_page: int = PER_PAGE,
        sleep: Callable[[float], None] = time.sleep,
    ) -> GitHubClient:
        return cls(
            HttpClient(
                base_url,
                auth_headers={"Authorization": f"Bearer {token}"},
                default_headers={
                    "Accept": "application/vnd.github+json",
                    "X-GitHub-Api-Version": API_VERSION,
                    "User-Agent": "delivery-metrics",
                },
                policy=policy,
                verify=verify,
                sleep=sleep,
            ),
            per_page=per_page,
        )

    # ------------------------------------------------------------------ URLs
    def list_url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The exact first-page URL sent, so it can key the stored validator."""
        query = {"per_page": self.per_page, **(params or {})}
        return self.http.url(path) + "?" + urlencode(sorted(query.items()))

    def issues_url(self, repo: str, since: datetime | None) -> str:
        """Issues and PRs updated at or after `since`, oldest update first.

        `state=all` always: the API's default (open) silently hides closed work.
        """
        params: dict[str, Any] = {"state": "all", "sort": "updated", "direction": "asc"}
        if since is not None:
            params["since"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
        return self.list_url(f"/repos/{repo}/issues", params)

    def events_url(self, repo: str, number: int) -> str:
        return self.list_url(f"/repos/{repo}/issues/{number}/events")

    def timeline_url(self, repo: str, number: int) -> str:
        return self.list_url(f"/repos/{repo}/issues/{number}/timeline")

    def sub_issues_url(self, repo: str, number: int) -> str:
        return self.list_url(f"/repos/{repo}/issues/{number}/sub_issues")

    def reviews_url(self, repo: str, number: int) -> str:
        return self.list_url(f"/repos/{repo}/pulls/{number}/reviews")

    def commits_url(self, repo: str, number: int) -> str:
        return self.list_url(f"/repos/{repo}/pulls/{number}/commits")

    def milestones_url(self, repo: str) -> str:
        return self.list_url(f"/repos/{repo}/milestones", {"state": "all"})

    def labels_url(self, repo: str) -> str:
        return self.list_url(f"/repos/{repo}/labels")

    def pull_url(self, repo: str, number: int) -> str:
        return self.http.url(f"/repos/{repo}/pulls/{number}")

    # ------------------------------------------------------------------ conditional fetches
    def pages(
        self, first_url: str, validators: Mapping[str, Validator] | None = None
    ) -> Iterator[ListPage]:
        """Follow `Link: rel="next"` from `first_url`, sending `If-None-Match` where known.

        On a 304 the stored `next` link is followed, because the unchanged page's own links
        are not worth a second request to learn.
        """
        known = validators or {}
        url: str | None = first_url
        while url is not None:
            validator = known.get(url)
            headers = {"If-None-Match": validator.etag} if validator else None
            response = self.http.request("GET", url, headers=headers)
            if response.status_code == 304 and validator is not None:
                yield ListPage(url, None, validator.etag, validator.next_url)
                url = validator.next_url
                continue
            body = parse_json(response)
            if not isinstance(body, list):
                raise PayloadError(
                    f"GET {_path(url)}: expected a JSON list, got {type(body).__name__}",
                    endpoint=f"GET {_path(url)}",
                )
            next_link = response.links.get("next")
            next_url = next_link["url"] if next_link else None
            yield ListPage(url, body, response.headers.get("ETag"), next_url)
            url = next_url

    def resource(self, url: str, validators: Mapping[str, Validator] | None = None) -> Resource:
        """GET one object, conditionally when a validator is known."""
        validator = (validators or {}).get(url)
        headers = {"If-None-Match": validator.etag} if validator else None
        response = self.http.request("GET", url, headers=headers)
        if response.status_code == 304 and validator is not None:
            return Resource(url, None, validator.etag)
        body = parse_json(response)
        if not isinstance(body, dict):
            raise PayloadError(
                f"GET {_path(url)}: expected a JSON object, got {type(body).__name__}",
                endpoint=f"GET {_path(url)}",
            )
        return Resource(url, body, response.headers.get("ETag"))

    # ------------------------------------------------------------------ plain fetches
    def issue_pages(self, repo: str, since: datetime | None) -> Iterator[list[dict[str, Any]]]:
        """The issues feed as plain pages (no validators)."""
        for page in self.pages(self.issues_url(repo, since)):
            yield page.items or []

    def issue_events(self, repo: str, number: int) -> list[dict[str, Any]]:
        return self._all(f"/repos/{repo}/issues/{number}/events")

    def pull(self, repo: str, number: int) -> dict[str, Any]:
        body = self.http.get_json(f"/repos/{repo}/pulls/{number}")
        return body if isinstance(body, dict) else {}

    def pull_reviews(self, repo: str, number: int) -> list[dict[str, Any]]:
        return self._all(f"/repos/{repo}/pulls/{number}/reviews")

    def pull_commits(self, repo: str, number: int) -> list[dict[str, Any]]:
        return self._all(f"/repos/{repo}/pulls/{number}/commits")

    def milestones(self, repo: str) -> list[dict[str, Any]]:
        return self._all(f"/repos/{repo}/milestones", {"state": "all"})

    def _all(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        query = {"per_page": self.per_page, **(params or {})}
        return [item for page in link_header_pages(self.http, path, query) for item in page]


def _path(url: str) -> str:
    """The path part only: query strings never reach an error message."""
    return urlsplit(url).path
