"""Jira client for Cloud (REST v3, enhanced search) and Data Center (REST v2, offset search).

The removed `/rest/api/3/search` is never called on Cloud. Embedded changelogs are truncated
by the server, so callers ask for the full history whenever `changelog.total` exceeds what was
embedded: on Cloud with one `POST /changelog/bulkfetch` for a whole page of issues (falling back
to the paged per-issue endpoint on sites without it), on Data Center per issue (DC search
already embeds the whole changelog, so this is rare there).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from connectors.errors import FatalError, NotFoundError
from connectors.http import HttpClient, RetryPolicy
from connectors.pagination import offset_pages, token_pages

SEARCH_PAGE_SIZE = 100
CHANGELOG_PAGE_SIZE = 100
BULK_CHANGELOG_ISSUES = 1000  # the documented cap on issueIdsOrKeys per bulkfetch request
ID_SEARCH_PAGE_SIZE = {"cloud": 5000, "datacenter": 1000}


class JiraClient:
    def __init__(self, http: HttpClient, flavor: str) -> None:
        if flavor not in ("cloud", "datacenter"):
            raise ValueError(f"unknown Jira flavor {flavor!r}")
        self.http = http
        self.flavor = flavor
        self.api = "/rest/api/3" if flavor == "cloud" else "/rest/api/2"
        # None: not tried yet; Data Center has no bulk changelog endpoint.
        self.bulk_changelog_supported: bool | None = None if flavor == "cloud" else False

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

    def status_categories(self) -> list[dict[str, Any]]:
        """`/statuscategory`: the category definitions a status's `statusCategory.id` points at."""
        return list(self.http.get_json(f"{self.api}/statuscategory"))

    def fields(self) -> list[dict[str, Any]]:
        return list(self.http.get_json(f"{self.api}/field"))

    def search_pages(
        self,
        jql: str,
        fields: Sequence[str],
        expand: str | None = "changelog",
        page_size: int = SEARCH_PAGE_SIZE,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of issues matching `jql`; Cloud by nextPageToken, DC by startAt/total."""
        if self.flavor == "cloud":
            path = f"{self.api}/search/jql"

            def fetch_token(token: str | None) -> dict[str, Any]:
                body: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": page_size}
                if expand:
                    body["expand"] = expand
                if token:
                    body["nextPageToken"] = token
                return dict(self.http.post_json(path, body))

            return token_pages(fetch_token, "issues", f"POST {path}")
        path = f"{self.api}/search"

        def fetch_offset(start: int) -> dict[str, Any]:
            body: dict[str, Any] = {
                "jql": jql,
                "fields": list(fields),
                "startAt": start,
                "maxResults": page_size,
            }
            if expand:
                body["expand"] = [expand]
            return dict(self.http.post_json(path, body))

        return offset_pages(fetch_offset, "issues", f"POST {path}")

    def id_pages(self, jql: str) -> Iterator[list[dict[str, Any]]]:
        """Id-only search (id and key, no changelog): the cheap listing reconciliation needs."""
        return self.search_pages(
            jql, ["key"], expand=None, page_size=ID_SEARCH_PAGE_SIZE[self.flavor]
        )

    def issue_location(self, issue_id: str) -> dict[str, Any] | None:
        """`{id, key, project}` of one issue, or None when Jira says it does not exist (404)."""
        try:
            issue = self.http.get_json(f"{self.api}/issue/{issue_id}", params={"fields": "project"})
        except NotFoundError:
            return None
        project = ((issue.get("fields") or {}).get("project") or {}).get("key")
        return {"id": str(issue.get("id", issue_id)), "key": issue.get("key"), "project": project}

    def changelogs(self, issue_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Complete histories of several issues (Cloud: bulkfetch where the site has it)."""
        result: dict[str, list[dict[str, Any]]] = {}
        if not issue_ids:
            return result
        if self.bulk_changelog_supported is not False:
            try:
                for start in range(0, len(issue_ids), BULK_CHANGELOG_ISSUES):
                    chunk = list(issue_ids[start : start + BULK_CHANGELOG_ISSUES])
                    for issue_id, histories in self._bulk_changelogs(chunk).items():
                        result.setdefault(issue_id, []).extend(histories)
                self.bulk_changelog_supported = True
                for issue_id in issue_ids:
                    result.setdefault(str(issue_id), [])
                return result
            except FatalError as exc:
                # 404/405 on sites (or proxies) without the endpoint: use the per-issue one.
                if exc.status not in (404, 405) or self.bulk_changelog_supported:
                    raise
                self.bulk_changelog_supported = False
                result.clear()
        return {str(i): self.full_changelog(str(i)) for i in issue_ids}

    def _bulk_changelogs(self, issue_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        path = f"{self.api}/changelog/bulkfetch"

        def fetch(token: str | None) -> dict[str, Any]:
            body: dict[str, Any] = {"issueIdsOrKeys": issue_ids, "maxResults": 1000}
            if token:
                body["nextPageToken"] = token
            return dict(self.http.post_json(path, body))

        by_issue: dict[str, list[dict[str, Any]]] = {}
        for page in token_pages(fetch, "issueChangeLogs", f"POST {path}"):
            for log in page:
                histories = [_iso_created(h) for h in log.get("changeHistories") or []]
                by_issue.setdefault(str(log.get("issueId")), []).extend(histories)
        return by_issue

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


def _iso_created(history: dict[str, Any]) -> dict[str, Any]:
    """Bulkfetch may send `created` as epoch seconds; store Jira's usual ISO form instead."""
    created = history.get("created")
    if isinstance(created, int | float):
        moment = datetime.fromtimestamp(created / 1000 if created > 1e11 else created, UTC)
        history = {**history, "created": moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"}
    return history
