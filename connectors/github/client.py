"""GitHub REST client (github.com and Enterprise Server): the endpoints delivery metrics need.

REST is the default because it behaves the same on GHES. The issues listing is the change feed
(`since`, sorted by update, ascending), and per-item endpoints are called only for items that
changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from connectors.http import HttpClient, RetryPolicy
from connectors.pagination import link_header_pages

API_VERSION = "2022-11-28"
PER_PAGE = 100


class GitHubClient:
    def __init__(self, http: HttpClient) -> None:
        self.http = http

    @classmethod
    def connect(
        cls,
        base_url: str,
        token: str,
        *,
        policy: RetryPolicy | None = None,
        verify: bool | str = True,
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
            )
        )

    def issue_pages(self, repo: str, since: datetime | None) -> Iterator[list[dict[str, Any]]]:
        """Issues and PRs updated at or after `since`, oldest update first.

        `state=all` always: the API's default (open) silently hides closed work.
        """
        params: dict[str, Any] = {
            "state": "all",
            "sort": "updated",
            "direction": "asc",
            "per_page": PER_PAGE,
        }
        if since is not None:
            params["since"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
        return link_header_pages(self.http, f"/repos/{repo}/issues", params)

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
        query = {"per_page": PER_PAGE, **(params or {})}
        return [item for page in link_header_pages(self.http, path, query) for item in page]
