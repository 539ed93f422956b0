"""Jira client for Cloud (REST v3, enhanced search) and Data Center (REST v2, offset search).

The removed `/rest/api/3/search` is never called on Cloud. Embedded changelogs are truncated
by the server, so callers ask for the full history whenever `changelog.total` exceeds what was
embedded.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from typing import Any

from connectors.http import HttpClient, RetryPolicy
from connectors.pagination import offset_pages, token_pages

SEARCH_PAGE_SIZE = 100
CHANGELOG_PAGE_SIZE = 100


class JiraClient:
    def __init__(self, http: HttpClient, flavor: str) -> None:
        if flavor not in ("cloud", "datacenter"):
            raise ValueError(f"unknown Jira flavor {flavor!r}")
        self.http = http
        self.flavor = flavor
        self.api = "/rest/api/3" if flavor == "cloud" else "/rest/api/2"

    @classmethod
    def connect(
        cls,
        base_url: str,
        *,
        flavor: str,
        token: str,
        email: str | None = None,
        policy: RetryPolicy | None = None,
        verify: bool | str = True,
    ) -> JiraClient:
        if flavor == "cloud":
            if not email:
                raise ValueError("Jira Cloud needs an email with the API token")
            basic = base64.b64encode(f"{email}:{token}".encode()).decode("ascii")
            auth = {"Authorization": f"Basic {basic}"}
        else:
            auth = {"Authorization": f"Bearer {token}"}
        http = HttpClient(
            base_url,
            auth_headers=auth,
            default_headers={"Accept": "application/json", "User-Agent": "delivery-metrics"},
            policy=policy,
            verify=verify,
        )
        return cls(http, flavor)

    def myself(self) -> dict[str, Any]:
        return dict(self.http.get_json(f"{self.api}/myself"))

    def statuses(self) -> list[dict[str, Any]]:
        return list(self.http.get_json(f"{self.api}/status"))

    def fields(self) -> list[dict[str, Any]]:
        return list(self.http.get_json(f"{self.api}/field"))

    def search_pages(
        self, jql: str, fields: Sequence[str], expand: str = "changelog"
    ) -> Iterator[list[dict[str, Any]]]:
        if self.flavor == "cloud":
            path = f"{self.api}/search/jql"

            def fetch_token(token: str | None) -> dict[str, Any]:
                body: dict[str, Any] = {
                    "jql": jql,
                    "fields": list(fields),
                    "expand": expand,
                    "maxResults": SEARCH_PAGE_SIZE,
                }
                if token:
                    body["nextPageToken"] = token
                return dict(self.http.post_json(path, body))

            return token_pages(fetch_token, "issues", f"POST {path}")
        path = f"{self.api}/search"

        def fetch_offset(start: int) -> dict[str, Any]:
            body = {
                "jql": jql,
                "fields": list(fields),
                "expand": [expand],
                "startAt": start,
                "maxResults": SEARCH_PAGE_SIZE,
            }
            return dict(self.http.post_json(path, body))

        return offset_pages(fetch_offset, "issues", f"POST {path}")

    def full_changelog(self, issue_id: str) -> list[dict[str, Any]]:
        """Every history of one issue, oldest first."""
        if self.flavor == "datacenter":
            issue = self.http.get_json(
                f"{self.api}/issue/{issue_id}", params={"expand": "changelog", "fields": "created"}
            )
            histories = list((issue.get("changelog") or {}).get("histories") or [])
            return sorted(histories, key=lambda h: (h.get("created", ""), int(h.get("id", 0))))
        path = f"{self.api}/issue/{issue_id}/changelog"

        def fetch(start: int) -> dict[str, Any]:
            return dict(
                self.http.get_json(
                    path, params={"startAt": start, "maxResults": CHANGELOG_PAGE_SIZE}
                )
            )

        return [h for page in offset_pages(fetch, "values", f"GET {path}") for h in page]
