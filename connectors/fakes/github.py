"""Fake GitHub REST API (github.com, or GitHub Enterprise Server with ``api_prefix="/api/v3"``).

It reproduces the behaviours a connector has to get right: default ``state=open`` hiding closed
issues, ``since`` on ``updated_at``, page-number paging with a real ``Link`` header, ETags with
free 304s, the primary rate limit (403 once exhausted, refilled at reset), the 250-commit cap on PR
commits, 404 for sub-issues on older GHES, and the API version header (recorded in
``api_versions``; an unsupported version is a 400 as on github.com).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlencode

from connectors.fakes.server import FakeServer, JsonBody, Request, Response
from connectors.fakes.store import GITHUB_PLACEHOLDER_API, TrackerStore, utc_sort_key

DOCS_URL = "https://docs.github.com/rest"
RATE_DOCS_URL = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits"
)
MAX_PR_COMMITS = 250
SUPPORTED_API_VERSIONS = frozenset({"2022-11-28", "2026-03-10"})
DEFAULT_API_VERSION = "2022-11-28"
_REPO_PATH = re.compile(r"^/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)(?P<rest>/.*)?$")

Route = Callable[[Request, str, re.Match[str]], Response]


def _not_found() -> Response:
    return Response.json(
        404, {"message": "Not Found", "documentation_url": DOCS_URL, "status": "404"}
    )


def _json_list(items: list[str]) -> bytes:
    """Join stored JSON texts into a JSON array without decoding them."""
    return ("[" + ",".join(items) + "]").encode("utf-8")


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.query.get(name, default))
    except ValueError:
        value = default
    return max(low, min(high, value))


class _RateBudget:
    """GitHub's primary limit: a budget per window that refills at the reset time."""

    def __init__(self, limit: int, reset_after_seconds: float) -> None:
        self.limit = limit
        self.reset_after_seconds = reset_after_seconds
        self._lock = threading.Lock()
        self.used = 0
        self.reset_at = time.time() + reset_after_seconds

    def _refill_if_due(self) -> None:
        now = time.time()
        if now >= self.reset_at:
            self.used = 0
            self.reset_at = now + self.reset_after_seconds

    def exhausted(self) -> bool:
        """True when the next counted request must be refused."""
        with self._lock:
            self._refill_if_due()
            return self.used >= self.limit

    def spend(self) -> None:
        """Count one request (never past the limit)."""
        with self._lock:
            self._refill_if_due()
            self.used = min(self.limit, self.used + 1)

    def snapshot(self) -> tuple[int, int, int, int]:
        """(limit, remaining, used, reset epoch seconds) for headers and /rate_limit."""
        with self._lock:
            self._refill_if_due()
            return self.limit, self.limit - self.used, self.used, int(self.reset_at + 0.999)


class FakeGitHub(FakeServer):
    """GitHub REST on loopback, reading everything from a :class:`TrackerStore`."""

    def __init__(
        self,
        store: TrackerStore,
        token: str = "ghp_fake_token",  # noqa: S107 - a fixture credential, not a secret
        port: int = 0,
        api_prefix: str = "",
        rate_limit: int | None = 5000,
        reset_after_seconds: float = 3600,
        sub_issues: bool = True,
        enterprise_version: str = "3.14.0",
    ) -> None:
        super().__init__(port=port)
        self.store = store
        self.token = token
        self.api_prefix = api_prefix.rstrip("/")
        self.sub_issues_enabled = sub_issues
        self.enterprise_version = enterprise_version
        self.rate = _RateBudget(rate_limit, reset_after_seconds) if rate_limit else None
        self.api_versions: Counter[str] = Counter()  # X-GitHub-Api-Version values received
        self._routes: list[tuple[re.Pattern[str], Route]] = [
            (re.compile(r"^/issues$"), self._issues),
            (re.compile(r"^/issues/(?P<n>\d+)$"), self._issue),
            (re.compile(r"^/issues/(?P<n>\d+)/events$"), self._events),
            (re.compile(r"^/issues/(?P<n>\d+)/timeline$"), self._timeline),
            (re.compile(r"^/issues/(?P<n>\d+)/sub_issues$"), self._sub_issues),
            (re.compile(r"^/pulls/(?P<n>\d+)$"), self._pull),
            (re.compile(r"^/pulls/(?P<n>\d+)/reviews$"), self._reviews),
            (re.compile(r"^/pulls/(?P<n>\d+)/commits$"), self._commits),
            (re.compile(r"^/milestones$"), self._milestones),
            (re.compile(r"^/labels$"), self._labels),
        ]

    @property
    def base_url(self) -> str:
        """API root a connector should use (includes ``/api/v3`` for GHES)."""
        return self.root_url + self.api_prefix

    @property
    def is_enterprise(self) -> bool:
        """GHES mode: served under ``/api/v3`` and announcing its version."""
        return bool(self.api_prefix)

    # ------------------------------------------------------------------ hooks
    def authenticate(self, request: Request) -> Response | None:
        """Accept ``Bearer <token>`` and the older ``token <token>``; anything else is a 401."""
        scheme = (request.auth_scheme or "").lower()
        if scheme in {"bearer", "token"} and request.auth_credentials == self.token:
            return None
        if scheme:
            body = {"message": "Bad credentials", "documentation_url": DOCS_URL, "status": "401"}
        else:
            body = {
                "message": "Requires authentication",
                "documentation_url": DOCS_URL,
                "status": "401",
            }
        return Response.json(401, body)

    def fault_body(self, status: int) -> JsonBody:
        """Bodies GitHub sends for the statuses tests usually inject."""
        if status in {403, 429}:
            return {
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes "
                "before you try again. If you reach out to GitHub Support for help, please include "
                "the request ID.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                "status": str(status),
            }
        return {"message": "Server Error", "status": str(status)}

    def rewrite_body(self, body: bytes) -> bytes:
        """Stored payloads use api.github.com URLs; point them at this server."""
        return body.replace(GITHUB_PLACEHOLDER_API.encode(), self.base_url.encode())

    def decorate(self, request: Request, response: Response) -> None:
        """Rate-limit headers and a request id on every response, like github.com."""
        number = self._next_request_number()
        response.headers.setdefault(
            "x-github-request-id", f"FA4E:{number:05X}:{number * 7919 % 0xFFFFFF:06X}:0"
        )
        requested = request.headers.get("X-GitHub-Api-Version") or DEFAULT_API_VERSION
        response.headers.setdefault("x-github-api-version-selected", requested)
        if self.is_enterprise:
            response.headers["X-GitHub-Enterprise-Version"] = self.enterprise_version
        if self.rate is not None:
            limit, remaining, used, reset = self.rate.snapshot()
            response.headers.update(
                {
                    "x-ratelimit-limit": str(limit),
                    "x-ratelimit-remaining": str(remaining),
                    "x-ratelimit-used": str(used),
                    "x-ratelimit-reset": str(reset),
                    "x-ratelimit-resource": "core",
                }
            )

    def handle(self, request: Request) -> Response:
        """Route, apply the primary rate limit and conditional-request semantics."""
        if self.api_prefix:
            if not request.path.startswith(self.api_prefix + "/"):
                return _not_found()
            path = request.path[len(self.api_prefix) :]
        else:
            path = request.path
        if request.method != "GET":
            return _not_found()
        version = request.headers.get("X-GitHub-Api-Version")
        with self._lock:
            self.api_versions[version or "(none)"] += 1
        if version is not None and version not in SUPPORTED_API_VERSIONS:
            return Response.json(
                400,
                {
                    "message": f"Unsupported API version: {version}",
                    "documentation_url": DOCS_URL,
                    "status": "400",
                },
            )
        if path == "/rate_limit":
            return self._rate_limit()
        if self.rate is not None and self.rate.exhausted():
            return Response.json(
                403,
                {
                    "message": "API rate limit exceeded for user ID 1.",
                    "documentation_url": RATE_DOCS_URL,
                },
            )
        response = self._route(request, path)
        if response.status == 200:
            etag = '"' + hashlib.sha256(response.body).hexdigest()[:40] + '"'
            response.headers["ETag"] = etag
            if self._etag_matches(request.headers.get("If-None-Match"), etag):
                response = Response(304, b"", {"ETag": etag})
        if self.rate is not None and response.status != 304:
            self.rate.spend()
        return response

    @staticmethod
    def _etag_matches(header: str | None, etag: str) -> bool:
        if not header:
            return False
        candidates = [c.strip().removeprefix("W/") for c in header.split(",")]
        return etag in candidates or "*" in candidates

    def _route(self, request: Request, path: str) -> Response:
        match = _REPO_PATH.match(path)
        if match is None:
            return _not_found()
        repo = f"{match['owner']}/{match['name']}"
        if self.store.github_repo_id(repo) is None:
            return _not_found()
        rest = match["rest"] or ""
        for pattern, route in self._routes:
            sub = pattern.match(rest)
            if sub is not None:
                return route(request, repo, sub)
        return _not_found()

    # ------------------------------------------------------------------ paging
    def _paged(
        self,
        request: Request,
        items: list[str],
        total: int,
        page: int,
        per_page: int,
    ) -> Response:
        """Wrap one page with a GitHub ``Link`` header (absent when everything fits one page)."""
        headers: dict[str, str] = {}
        last = max(1, -(-total // per_page))
        if last > 1:
            links = []

            def url(target: int) -> str:
                query = {k: v for k, v in request.query.items() if k not in {"page"}}
                query["per_page"] = str(per_page)
                query["page"] = str(target)
                return f"{self.root_url}{request.path}?{urlencode(query)}"

            if page > 1:
                links.append(f'<{url(page - 1)}>; rel="prev"')
            if page < last:
                links.append(f'<{url(page + 1)}>; rel="next"')
                links.append(f'<{url(last)}>; rel="last"')
            if page > 1:
                links.append(f'<{url(1)}>; rel="first"')
            headers["Link"] = ", ".join(links)
        return Response.raw_json(200, self._filter_payloads(items), headers)

    def _paged_list(self, request: Request, items: list[str]) -> Response:
        """Page a fully materialised list (small per-issue collections)."""
        per_page = _int_param(request, "per_page", 30, 1, 100)
        page = _int_param(request, "page", 1, 1, 1_000_000)
        start = (page - 1) * per_page
        return self._paged(request, items[start : start + per_page], len(items), page, per_page)

    def _filter_payloads(self, items: list[str]) -> bytes:
        """Older GHES releases have no sub-issues, so their payload keys disappear too."""
        if self.sub_issues_enabled:
            return _json_list(items)
        stripped = []
        for text in items:
            obj = json.loads(text)
            if isinstance(obj, dict):
                obj.pop("sub_issues_summary", None)
                obj.pop("parent_issue_url", None)
            stripped.append(json.dumps(obj, separators=(",", ":")))
        return _json_list(stripped)

    # ------------------------------------------------------------------ endpoints
    def _rate_limit(self) -> Response:
        if self.rate is None:
            return Response.json(
                404, {"message": "Rate limiting is not enabled.", "documentation_url": DOCS_URL}
            )
        limit, remaining, used, reset = self.rate.snapshot()
        core = {"limit": limit, "used": used, "remaining": remaining, "reset": reset}
        search = {"limit": 30, "used": 0, "remaining": 30, "reset": reset}
        graphql = {"limit": limit, "used": 0, "remaining": limit, "reset": reset}
        return Response.json(
            200, {"resources": {"core": core, "search": search, "graphql": graphql}, "rate": core}
        )

    def _issues(self, request: Request, repo: str, _m: re.Match[str]) -> Response:
        state = request.query.get("state", "open")
        if state not in {"open", "closed", "all"}:
            return Response.json(
                422,
                {"message": "Validation Failed", "documentation_url": DOCS_URL, "status": "422"},
            )
        since_raw = request.query.get("since")
        try:
            since = utc_sort_key(since_raw) if since_raw else None
        except ValueError:
            return Response.json(
                422,
                {"message": "Validation Failed", "documentation_url": DOCS_URL, "status": "422"},
            )
        sort = request.query.get("sort", "created")
        descending = request.query.get("direction", "desc") != "asc"
        per_page = _int_param(request, "per_page", 30, 1, 100)
        page = _int_param(request, "page", 1, 1, 1_000_000)
        items, total = self.store.list_github_issues(
            repo, state, since, sort, descending, (page - 1) * per_page, per_page
        )
        return self._paged(request, items, total, page, per_page)

    def _issue(self, _request: Request, repo: str, m: re.Match[str]) -> Response:
        payload = self.store.get_github_issue(repo, int(m["n"]))
        if payload is None:
            return _not_found()
        return Response.raw_json(200, self._filter_payloads([payload])[1:-1])

    def _events(self, request: Request, repo: str, m: re.Match[str]) -> Response:
        number = int(m["n"])
        if self.store.get_github_issue(repo, number) is None:
            return _not_found()
        return self._paged_list(request, self.store.github_events(repo, number))

    def _timeline(self, request: Request, repo: str, m: re.Match[str]) -> Response:
        """Events plus timeline-only items (reviewed, committed, cross-referenced) in time order."""
        number = int(m["n"])
        if self.store.get_github_issue(repo, number) is None:
            return _not_found()
        keyed: list[tuple[str, int, str]] = []
        timeline_only_absent = {"base_ref_changed", "automatic_base_change_succeeded"}
        for seq, text in enumerate(self.store.github_events(repo, number)):
            event = json.loads(text)
            if event.get("event") in timeline_only_absent:
                continue
            keyed.append((utc_sort_key(event["created_at"]), seq, text))
        for seq, text in enumerate(self.store.github_timeline_extras(repo, number)):
            keyed.append((utc_sort_key(json.loads(text)["created_at"]), 100_000 + seq, text))
        for seq, text in enumerate(self.store.github_commits(repo, number, MAX_PR_COMMITS)):
            commit = json.loads(text)
            item = {
                "event": "committed",
                "sha": commit["sha"],
                "node_id": commit.get("node_id"),
                "url": commit["url"],
                "html_url": commit.get("html_url"),
                "author": commit["commit"]["author"],
                "committer": commit["commit"]["committer"],
                "message": commit["commit"]["message"],
                "tree": commit["commit"].get("tree"),
                "parents": commit.get("parents", []),
                "verification": commit["commit"].get("verification"),
            }
            stamp = utc_sort_key(commit["commit"]["committer"]["date"])
            keyed.append((stamp, 200_000 + seq, json.dumps(item, separators=(",", ":"))))
        for seq, text in enumerate(self.store.github_reviews(repo, number)):
            review = json.loads(text)
            item = {"event": "reviewed", **review}
            stamp = utc_sort_key(review["submitted_at"])
            keyed.append((stamp, 300_000 + seq, json.dumps(item, separators=(",", ":"))))
        keyed.sort()
        return self._paged_list(request, [text for _, _, text in keyed])

    def _sub_issues(self, request: Request, repo: str, m: re.Match[str]) -> Response:
        if not self.sub_issues_enabled:
            return _not_found()
        number = int(m["n"])
        if self.store.get_github_issue(repo, number) is None:
            return _not_found()
        return self._paged_list(request, self.store.github_sub_issues(repo, number))

    def _pull(self, _request: Request, repo: str, m: re.Match[str]) -> Response:
        payload = self.store.get_github_pull(repo, int(m["n"]))
        if payload is None:
            return _not_found()
        return Response.raw_json(200, payload.encode("utf-8"))

    def _reviews(self, request: Request, repo: str, m: re.Match[str]) -> Response:
        number = int(m["n"])
        if self.store.get_github_pull(repo, number) is None:
            return _not_found()
        return self._paged_list(request, self.store.github_reviews(repo, number))

    def _commits(self, request: Request, repo: str, m: re.Match[str]) -> Response:
        number = int(m["n"])
        if self.store.get_github_pull(repo, number) is None:
            return _not_found()
        return self._paged_list(request, self.store.github_commits(repo, number, MAX_PR_COMMITS))

    def _milestones(self, request: Request, repo: str, _m: re.Match[str]) -> Response:
        state = request.query.get("state", "open")
        if state not in {"open", "closed", "all"}:
            state = "open"
        items = self.store.github_milestones(repo, state)
        if request.query.get("direction") == "desc":
            items.reverse()
        return self._paged_list(request, items)

    def _labels(self, request: Request, repo: str, _m: re.Match[str]) -> Response:
        return self._paged_list(request, self.store.github_labels(repo))
