"""Fake Jira: Cloud (REST v3 enhanced search) or Data Center (REST v2 offset search).

What it is faithful to, because connectors break on exactly these: Cloud's ``/search/jql`` with
``nextPageToken`` (no total, token absent on the last page, ids only by default), 410 Gone on the
removed ``/search`` endpoints, embedded changelogs that are newest first and truncated, the paged
per-issue changelog that is oldest first, bulk changelog fetch, JQL date literals read in the
*user's* time zone at minute precision, and DC's ``startAt``/``total`` paging with Bearer PATs.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from connectors.fakes.server import FakeServer, JsonBody, Request, Response
from connectors.fakes.store import (
    JIRA_PLACEHOLDER_SITE,
    JIRA_SORT_COLUMNS,
    JiraFilter,
    TrackerStore,
    dumps,
)

Flavor = Literal["cloud", "datacenter"]

GONE_MESSAGE = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)
STATUS_CATEGORIES: list[dict[str, Any]] = [
    {"id": 1, "key": "undefined", "colorName": "medium-gray", "name": "No Category"},
    {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    {"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"},
    {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
]
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
_RELATIVE = re.compile(r"^(?P<sign>[-+]?)(?P<n>\d+)(?P<unit>[mhdw])$")
_CLOUD_MAX_RESULTS = 100
_CLOUD_MAX_ID_RESULTS = 5000
_DC_MAX_RESULTS = 1000


class JqlError(ValueError):
    """A JQL problem reported to the client as 400 with Jira's errorMessages body."""


@dataclass(frozen=True)
class ParsedJql:
    """JQL reduced to what the store can run."""

    filter: JiraFilter
    order: tuple[tuple[str, bool], ...]


def _error(status: int, *messages: str) -> Response:
    return Response.json(status, {"errorMessages": list(messages), "errors": {}})


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _split_list(text: str) -> list[str]:
    return [_unquote(v) for v in text.split(",") if v.strip()]


class JqlParser:
    """Parses the JQL subset the pipelines send: project, updated/created ranges, keys, ORDER BY.

    Date literals are interpreted in ``timezone`` (the calling user's profile zone) at minute
    precision, exactly the trap real Jira sets for incremental syncs.
    """

    _ORDER = re.compile(r"(?:^|\s)order\s+by\s+(?P<order>.+)$", re.IGNORECASE | re.DOTALL)
    _AND = re.compile(r"\s+and\s+", re.IGNORECASE)
    _PROJECT_EQ = re.compile(r'^project\s*=\s*(?P<v>"[^"]*"|\'[^\']*\'|\S+)$', re.IGNORECASE)
    _PROJECT_IN = re.compile(r"^project\s+in\s*\((?P<vs>[^)]*)\)$", re.IGNORECASE)
    _KEY_EQ = re.compile(r'^(?:issue)?key\s*=\s*(?P<v>"[^"]*"|\S+)$', re.IGNORECASE)
    _KEY_IN = re.compile(r"^(?:issue)?key\s+in\s*\((?P<vs>[^)]*)\)$", re.IGNORECASE)
    _ID_IN = re.compile(r"^id\s+in\s*\((?P<vs>[^)]*)\)$", re.IGNORECASE)
    _ID_EQ = re.compile(r"^id\s*=\s*(?P<v>\d+)$", re.IGNORECASE)
    _RANGE = re.compile(
        r'^(?P<f>updated|created)\s*(?P<op>>=|<=|>|<)\s*(?P<v>"[^"]*"|\'[^\']*\'|\S+)$',
        re.IGNORECASE,
    )

    def __init__(self, timezone: str, known_projects: set[str]) -> None:
        self.zone = ZoneInfo(timezone)
        self.known_projects = known_projects

    def parse(self, jql: str) -> ParsedJql:
        """Validate and translate; raises :class:`JqlError` with Jira-like messages."""
        text = jql.strip()
        order: list[tuple[str, bool]] = []
        match = self._ORDER.search(text)
        if match is not None:
            order = self._parse_order(match["order"])
            text = text[: match.start()].strip()
        if not text:
            raise JqlError(
                "Unbounded JQL queries are not allowed here. "
                "Please add a search restriction to your query."
            )
        if re.search(r"\s+or\s+", text, re.IGNORECASE):
            raise JqlError("The fake Jira only supports AND between clauses.")
        projects: list[str] = []
        keys: list[str] = []
        ids: list[int] = []
        ranges: list[tuple[str, str, str]] = []
        for clause in self._AND.split(text):
            clause = clause.strip()
            while clause.startswith("(") and clause.endswith(")") and clause.count("(") == 1:
                clause = clause[1:-1].strip()  # unwrap "(a = b)", never "project in (A)"
            if m := self._PROJECT_EQ.match(clause):
                projects.append(_unquote(m["v"]).upper())
            elif m := self._PROJECT_IN.match(clause):
                projects.extend(v.upper() for v in _split_list(m["vs"]))
            elif m := self._KEY_EQ.match(clause):
                keys.append(_unquote(m["v"]).upper())
            elif m := self._KEY_IN.match(clause):
                keys.extend(v.upper() for v in _split_list(m["vs"]))
            elif m := self._ID_EQ.match(clause):
                ids.append(int(m["v"]))
            elif m := self._ID_IN.match(clause):
                ids.extend(int(v) for v in _split_list(m["vs"]))
            elif m := self._RANGE.match(clause):
                field = m["f"].lower()
                ranges.append((field, m["op"], self._to_utc_key(field, _unquote(m["v"]))))
            else:
                raise JqlError(f"Error in the JQL Query: unsupported clause '{clause}'.")
        if not (projects or keys or ids):
            raise JqlError(
                "Unbounded JQL queries are not allowed here. "
                "Please add a search restriction to your query."
            )
        unknown = [p for p in projects if p not in self.known_projects]
        if unknown:
            raise JqlError(f"The value '{unknown[0]}' does not exist for the field 'project'.")
        flt = JiraFilter(tuple(projects), tuple(ranges), tuple(keys), tuple(ids))
        return ParsedJql(flt, tuple(order) or (("id", True),))

    @staticmethod
    def _parse_order(text: str) -> list[tuple[str, bool]]:
        order: list[tuple[str, bool]] = []
        for part in text.split(","):
            words = part.split()
            if not words:
                continue
            name = words[0].lower()
            name = "key" if name == "issuekey" else name
            if name not in JIRA_SORT_COLUMNS or len(words) > 2:
                raise JqlError(f"Not able to sort using field '{words[0]}'.")
            direction = words[1].lower() if len(words) == 2 else "asc"
            if direction not in {"asc", "desc"}:
                raise JqlError(f"Error in the JQL Query: unexpected '{words[1]}'.")
            order.append((name, direction == "desc"))
        return order

    def _to_utc_key(self, field: str, literal: str) -> str:
        relative = _RELATIVE.match(literal.replace(" ", ""))
        if relative is not None:
            units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
            amount = int(relative["n"]) * (-1 if relative["sign"] == "-" else 1)
            moment = datetime.now(UTC) + timedelta(**{units[relative["unit"]]: amount})
            moment = moment.replace(second=0, microsecond=0)
        else:
            for fmt in _DATE_FORMATS:
                try:
                    naive = datetime.strptime(literal, fmt)  # noqa: DTZ007 - zone attached below
                except ValueError:
                    continue
                moment = naive.replace(tzinfo=self.zone)
                break
            else:
                raise JqlError(
                    f"Date value '{literal}' for field '{field}' is invalid. "
                    "Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', "
                    "'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
                )
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def adf_to_text(node: Any) -> str:
    """Flatten an Atlassian Document Format value to the plain string v2 responses carry."""
    if node is None or isinstance(node, str):
        return node or ""
    if isinstance(node, dict):
        if node.get("type") == "text":
            return str(node.get("text", ""))
        inner = "".join(adf_to_text(child) for child in node.get("content", []))
        return inner + ("\n" if node.get("type") == "paragraph" else "")
    if isinstance(node, list):
        return "".join(adf_to_text(child) for child in node)
    return str(node)


def _username(display_name: str | None) -> str | None:
    if not display_name:
        return None
    return ".".join(display_name.lower().split())


def _dc_user(user: Any) -> Any:
    """Data Center identifies users by name/key; Cloud's accountId does not exist there."""
    if not isinstance(user, dict) or "accountId" not in user:
        return user
    name = (user.get("emailAddress") or "").partition("@")[0] or _username(user.get("displayName"))
    converted = {k: v for k, v in user.items() if k not in {"accountId", "accountType"}}
    converted.update({"name": name, "key": name})
    converted["self"] = f"{JIRA_PLACEHOLDER_SITE}/rest/api/2/user?username={name}"
    return converted


class _BurstWindow:
    """A per-window request counter, only used to fill rate-limit headers believably."""

    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._lock = threading.Lock()
        self._count = 0
        self._window_end = time.time() + window_seconds

    def tick(self) -> tuple[int, int, datetime]:
        with self._lock:
            now = time.time()
            if now >= self._window_end:
                self._count = 0
                self._window_end = now + self.window_seconds
            self._count += 1
            remaining = max(0, self.limit - self._count)
            return self.limit, remaining, datetime.fromtimestamp(self._window_end, UTC)


class FakeJira(FakeServer):
    """Jira on loopback backed by a :class:`TrackerStore`."""

    def __init__(
        self,
        store: TrackerStore,
        flavor: Flavor = "cloud",
        email: str = "bot@acme.example",
        token: str = "jira-fake-token",  # noqa: S107 - a fixture credential, not a secret
        timezone: str = "UTC",
        port: int = 0,
        embedded_changelog_limit: int = 20,
        rate_limit: int = 350,
        rate_window_seconds: float = 60,
    ) -> None:
        if flavor not in {"cloud", "datacenter"}:
            raise ValueError(f"unknown Jira flavor {flavor!r}")
        super().__init__(port=port)
        self.store = store
        self.flavor: Flavor = flavor
        self.email = email
        self.token = token
        self.timezone = timezone
        ZoneInfo(timezone)  # fail fast on a bad zone name
        self.embedded_changelog_limit = embedded_changelog_limit
        self._burst = _BurstWindow(rate_limit, rate_window_seconds)
        self._tokens: dict[str, tuple[str, Any]] = {}
        self._token_lock = threading.Lock()
        self._token_counter = itertools.count(1)

    @property
    def is_cloud(self) -> bool:
        """Cloud speaks v3 enhanced search; Data Center speaks v2 offset search."""
        return self.flavor == "cloud"

    def expire_page_tokens(self) -> None:
        """Invalidate every issued nextPageToken, as Jira does after 7 days."""
        with self._token_lock:
            self._tokens.clear()

    # ------------------------------------------------------------------ hooks
    def authenticate(self, request: Request) -> Response | None:
        """Cloud: Basic email:token. Data Center: Bearer PAT. Wrong or missing -> 401."""
        if self.is_cloud:
            creds = request.basic_auth()
            if creds == (self.email, self.token):
                return None
            if request.auth_scheme is None:
                return _error(
                    401,
                    "You are not authenticated. Authentication required to perform this operation.",
                )
            return Response(
                401,
                b"Client must be authenticated to access this resource.",
                {"Content-Type": "text/plain;charset=UTF-8"},
            )
        if (
            request.auth_scheme or ""
        ).lower() == "bearer" and request.auth_credentials == self.token:
            return None
        return _error(
            401, "You are not authenticated. Authentication required to perform this operation."
        )

    def fault_body(self, status: int) -> JsonBody:
        """Error bodies for injected statuses, in Jira's errorMessages shape."""
        if status == 429:
            return {"errorMessages": ["Rate limit exceeded."], "errors": {}}
        return {"errorMessages": [f"Internal server error ({status})."], "errors": {}}

    def rewrite_body(self, body: bytes) -> bytes:
        """Stored payloads use the acme.atlassian.net site; point links at this server."""
        return body.replace(JIRA_PLACEHOLDER_SITE.encode(), self.root_url.encode())

    def decorate(self, request: Request, response: Response) -> None:
        """X-AREQUESTID and rate-limit headers on every response (Beta- forms on Cloud too)."""
        number = self._next_request_number()
        response.headers.setdefault("X-AREQUESTID", f"{number % 1440}x{number}x1")
        limit, remaining, reset_at = self._burst.tick()
        if response.status == 429:
            remaining = 0
        reset = reset_at.strftime("%Y-%m-%dT%H:%MZ")
        near = "true" if remaining < limit // 10 else "false"
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": reset,
            "X-RateLimit-NearLimit": near,
        }
        if self.is_cloud:
            window = int(self._burst.window_seconds)
            headers.update(
                {
                    "Beta-RateLimit-Policy": f'"jira-burst-based";q={limit};w={window}',
                    "Beta-RateLimit": f'"jira-burst-based";r={remaining};t={window}',
                    "X-Beta-RateLimit-NearLimit": near,
                    "X-Beta-RateLimit-Reset": reset,
                }
            )
            if response.status == 429:
                headers["RateLimit-Reason"] = "jira-burst-based"
                headers["X-Beta-RateLimit-Reason"] = "jira-burst-based"
        else:
            headers["X-RateLimit-Interval-Seconds"] = str(int(self._burst.window_seconds))
            headers["X-RateLimit-FillRate"] = str(max(1, limit // 10))
        for name, value in headers.items():
            response.headers.setdefault(name, value)

    # ------------------------------------------------------------------ routing
    def handle(self, request: Request) -> Response:
        """Dispatch on path; Cloud and Data Center expose different endpoint sets."""
        path = request.path.rstrip("/")
        match = re.match(r"^/rest/api/(?P<v>2|3|latest)(?P<rest>/.*)$", path)
        if match is None:
            return self._not_found(path)
        version, rest = match["v"], match["rest"]
        if not self.is_cloud and version == "3":
            return self._not_found(path)
        v2 = version != "3"
        if rest == "/search":
            if self.is_cloud:
                return _error(410, GONE_MESSAGE)
            return self._dc_search(request)
        if self.is_cloud and rest == "/search/jql" and request.method in {"GET", "POST"}:
            return self._cloud_search(request, v2=v2)
        if self.is_cloud and rest == "/search/approximate-count" and request.method == "POST":
            return self._approximate_count(request)
        if self.is_cloud and rest == "/changelog/bulkfetch" and request.method == "POST":
            return self._bulk_changelog(request)
        if request.method != "GET":
            return self._not_found(path)
        simple = {
            "/status": lambda: self._list(self.store.jira_statuses()),
            "/statuscategory": lambda: Response.json(200, self._status_categories()),
            "/field": lambda: self._list(self.store.jira_fields()),
            "/issuetype": lambda: self._list(self.store.jira_issue_types()),
            "/myself": lambda: Response.json(200, self._myself()),
        }
        if rest in simple:
            return simple[rest]()
        issue_match = re.match(r"^/issue/(?P<k>[^/]+)(?P<tail>/changelog)?$", rest)
        if issue_match is not None:
            if issue_match["tail"]:
                if not self.is_cloud:
                    return self._not_found(path)
                return self._issue_changelog(request, issue_match["k"])
            return self._get_issue(request, issue_match["k"], v2=v2)
        return self._not_found(path)

    def _not_found(self, path: str) -> Response:
        if self.is_cloud:
            return _error(404, "The requested resource could not be found.")
        return Response.json(
            404, {"message": f"null for uri: {self.root_url}{path}", "status-code": 404}
        )

    @staticmethod
    def _list(items: list[str]) -> Response:
        return Response.raw_json(200, ("[" + ",".join(items) + "]").encode("utf-8"))

    def _status_categories(self) -> list[dict[str, Any]]:
        api = "3" if self.is_cloud else "2"
        return [
            {"self": f"{JIRA_PLACEHOLDER_SITE}/rest/api/{api}/statuscategory/{c['id']}", **c}
            for c in STATUS_CATEGORIES
        ]

    def _myself(self) -> dict[str, Any]:
        local = self.email.partition("@")[0]
        if self.is_cloud:
            return {
                "self": f"{JIRA_PLACEHOLDER_SITE}/rest/api/3/user?accountId=712020:fake-sync-bot",
                "accountId": "712020:fake-sync-bot",
                "accountType": "atlassian",
                "emailAddress": self.email,
                "displayName": "Delivery Metrics Bot",
                "active": True,
                "timeZone": self.timezone,
                "locale": "en_US",
                "groups": {"size": 1, "items": []},
                "applicationRoles": {"size": 1, "items": []},
            }
        return {
            "self": f"{JIRA_PLACEHOLDER_SITE}/rest/api/2/user?username={local}",
            "key": local,
            "name": local,
            "emailAddress": self.email,
            "displayName": "Delivery Metrics Bot",
            "active": True,
            "timeZone": self.timezone,
            "locale": "en_US",
        }

    # ------------------------------------------------------------------ request parameters
    @staticmethod
    def _params(request: Request) -> dict[str, Any]:
        """GET query and POST body carry the same names; fields may be a list or a comma string."""
        if request.method == "POST":
            try:
                body = request.json()
            except ValueError as exc:
                raise JqlError(
                    "Invalid request payload. Refer to the REST API documentation."
                ) from exc
            return body if isinstance(body, dict) else {}
        return dict(request.query)

    @staticmethod
    def _names(value: Any) -> list[str]:
        if value is None:
            return []
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        return [v.strip() for v in str(value).split(",") if v.strip()]

    def _parse(self, jql: str) -> ParsedJql:
        return JqlParser(self.timezone, self.store.jira_project_keys()).parse(jql)

    # ------------------------------------------------------------------ issue rendering
    def _render(
        self,
        payload: str,
        fields: list[str] | None,
        expand: list[str],
        changelog_limit: int | None,
        v2: bool,
    ) -> dict[str, Any]:
        """Shape a stored issue for the response: field selection, representation, changelog."""
        issue = json.loads(payload)
        if fields is None:
            return {"id": issue["id"]}
        selected = self._select_fields(issue["fields"], fields)
        if v2 or not self.is_cloud:
            if "description" in selected:
                selected["description"] = adf_to_text(selected["description"]) or None
            if not self.is_cloud:
                for name in ("assignee", "reporter", "creator"):
                    if name in selected:
                        selected[name] = _dc_user(selected[name])
                if isinstance(selected.get("issuetype"), dict):
                    # DC issue types have no hierarchyLevel: its hierarchy is Epic Link/Parent Link
                    selected["issuetype"] = {
                        k: v for k, v in selected["issuetype"].items() if k != "hierarchyLevel"
                    }
        api = "3" if (self.is_cloud and not v2) else "2"
        rendered: dict[str, Any] = {
            "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
            "id": issue["id"],
            "self": f"{JIRA_PLACEHOLDER_SITE}/rest/api/{api}/issue/{issue['id']}",
            "key": issue["key"],
        }
        if "changelog" in expand:
            rendered["changelog"] = self._embedded_changelog(int(issue["id"]), changelog_limit)
        rendered["fields"] = selected
        return rendered

    @staticmethod
    def _select_fields(all_fields: dict[str, Any], requested: list[str]) -> dict[str, Any]:
        include_all = any(r in {"*all", "*navigable"} for r in requested)
        excluded = {r[1:] for r in requested if r.startswith("-")}
        wanted = {r for r in requested if not r.startswith(("-", "*"))}
        return {
            name: value
            for name, value in all_fields.items()
            if (include_all or name in wanted) and name not in excluded
        }

    def _embedded_changelog(self, issue_id: int, limit: int | None) -> dict[str, Any]:
        total = self.store.count_jira_histories(issue_id)
        histories = [
            json.loads(h)
            for h in self.store.jira_histories(issue_id, 0, -1 if limit is None else limit, True)
        ]
        if not self.is_cloud:
            histories = [self._dc_history(h) for h in histories]
        return {"startAt": 0, "maxResults": len(histories), "total": total, "histories": histories}

    @staticmethod
    def _dc_history(history: dict[str, Any]) -> dict[str, Any]:
        history["author"] = _dc_user(history.get("author"))
        for item in history.get("items", []):
            if item.get("field") == "assignee":
                item["from"] = _username(item.get("fromString"))
                item["to"] = _username(item.get("toString"))
        return history

    # ------------------------------------------------------------------ search
    def _issue_token(self, fingerprint: str, state: Any) -> str:
        number = next(self._token_counter)
        digest = hashlib.sha256(f"{fingerprint}|{number}".encode()).hexdigest()[:24]
        token = f"Ch{number:x}{digest}"
        with self._token_lock:
            self._tokens[token] = (fingerprint, state)
        return token

    def _resolve_token(self, token: str, fingerprint: str) -> Any:
        with self._token_lock:
            entry = self._tokens.get(token)
        if entry is None or entry[0] != fingerprint:
            raise JqlError("The provided next page token is invalid or expired.")
        return entry[1]

    def _cloud_search(self, request: Request, v2: bool) -> Response:
        try:
            params = self._params(request)
            jql = str(params.get("jql") or "")
            parsed = self._parse(jql)
            fields_param = params.get("fields")
            fields = self._names(fields_param) if fields_param not in (None, "", []) else None
            expand = self._names(params.get("expand"))
            id_only = fields is None or set(fields) <= {"id", "key"}
            cap = _CLOUD_MAX_ID_RESULTS if id_only else _CLOUD_MAX_RESULTS
            max_results = max(1, min(cap, int(params.get("maxResults") or 50)))
            fingerprint = hashlib.sha256(jql.encode()).hexdigest()
            token = params.get("nextPageToken")
            after = self._resolve_token(str(token), fingerprint) if token else None
        except (JqlError, ValueError) as exc:
            return _error(400, str(exc))
        rows = self.store.search_jira_issues(
            parsed.filter, parsed.order, max_results + 1, after=after
        )
        page, more = rows[:max_results], len(rows) > max_results
        body: dict[str, Any] = {
            "issues": [
                self._render(r.payload, fields, expand, self.embedded_changelog_limit, v2)
                for r in page
            ]
        }
        if more:
            body["nextPageToken"] = self._issue_token(fingerprint, list(page[-1].sort_values))
        body["isLast"] = not more
        return Response.json(200, body)

    def _approximate_count(self, request: Request) -> Response:
        try:
            parsed = self._parse(str(self._params(request).get("jql") or ""))
        except JqlError as exc:
            return _error(400, str(exc))
        return Response.json(200, {"count": self.store.count_jira_issues(parsed.filter)})

    def _dc_search(self, request: Request) -> Response:
        try:
            params = self._params(request)
            parsed = self._parse(str(params.get("jql") or ""))
            start_at = max(0, int(params.get("startAt") or 0))
            max_results = max(0, min(_DC_MAX_RESULTS, int(params.get("maxResults") or 50)))
        except (JqlError, ValueError) as exc:
            return _error(400, str(exc))
        fields = self._names(params.get("fields")) or ["*navigable"]
        expand = self._names(params.get("expand"))
        total = self.store.count_jira_issues(parsed.filter)
        rows = self.store.search_jira_issues(parsed.filter, parsed.order, max_results, start_at)
        body = {
            "expand": "schema,names",
            "startAt": start_at,
            "maxResults": max_results,
            "total": total,
            "issues": [self._render(r.payload, fields, expand, None, True) for r in rows],
        }
        return Response.json(200, body)

    def _get_issue(self, request: Request, id_or_key: str, v2: bool) -> Response:
        issue_id = self.store.jira_issue_id_for(id_or_key)
        if issue_id is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        row = self.store.search_jira_issues(JiraFilter(ids=(issue_id,)), (("id", False),), 1)
        fields = self._names(request.query.get("fields")) or ["*all"]
        expand = self._names(request.query.get("expand"))
        limit = 100 if self.is_cloud else None
        return Response.json(200, self._render(row[0].payload, fields, expand, limit, v2))

    # ------------------------------------------------------------------ changelog endpoints
    def _issue_changelog(self, request: Request, id_or_key: str) -> Response:
        issue_id = self.store.jira_issue_id_for(id_or_key)
        if issue_id is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        try:
            start_at = max(0, int(request.query.get("startAt") or 0))
            max_results = max(1, min(100, int(request.query.get("maxResults") or 100)))
        except ValueError as exc:
            return _error(400, str(exc))
        total = self.store.count_jira_histories(issue_id)
        values = [json.loads(h) for h in self.store.jira_histories(issue_id, start_at, max_results)]
        base = f"{JIRA_PLACEHOLDER_SITE}/rest/api/3/issue/{id_or_key}/changelog"
        is_last = start_at + len(values) >= total
        body: dict[str, Any] = {
            "self": f"{base}?startAt={start_at}&maxResults={max_results}",
            "maxResults": max_results,
            "startAt": start_at,
            "total": total,
            "isLast": is_last,
            "values": values,
        }
        if not is_last:
            body["nextPage"] = f"{base}?&startAt={start_at + len(values)}&maxResults={max_results}"
        return Response.json(200, body)

    def _bulk_changelog(self, request: Request) -> Response:
        """POST /changelog/bulkfetch: histories of many issues, optionally only some fields."""
        try:
            body = self._params(request)
            requested = [str(v) for v in body.get("issueIdsOrKeys") or []]
            field_ids = {str(f) for f in body.get("fieldIds") or []}
            max_results = max(1, min(10_000, int(body.get("maxResults") or 1000)))
            if not requested or len(requested) > 1000:
                raise JqlError("issueIdsOrKeys must contain between 1 and 1000 entries.")
            if len(field_ids) > 10:
                raise JqlError("fieldIds must contain at most 10 entries.")
            fingerprint = hashlib.sha256(dumps([requested, sorted(field_ids)]).encode()).hexdigest()
            token = body.get("nextPageToken")
            position = self._resolve_token(str(token), fingerprint) if token else [0, 0]
        except (JqlError, ValueError) as exc:
            return _error(400, str(exc))
        issue_index, history_offset = int(position[0]), int(position[1])
        logs: list[dict[str, Any]] = []
        budget = max_results
        while issue_index < len(requested) and budget > 0:
            issue_id = self.store.jira_issue_id_for(requested[issue_index])
            histories = self._filtered_histories(issue_id, field_ids) if issue_id else []
            chunk = histories[history_offset : history_offset + budget]
            if chunk:
                logs.append({"issueId": str(issue_id), "changeHistories": chunk})
            budget -= len(chunk)
            if history_offset + len(chunk) >= len(histories):
                issue_index, history_offset = issue_index + 1, 0
            else:
                history_offset += len(chunk)
        result: dict[str, Any] = {"issueChangeLogs": logs}
        if issue_index < len(requested):
            result["nextPageToken"] = self._issue_token(fingerprint, [issue_index, history_offset])
        return Response.json(200, result)

    def _filtered_histories(self, issue_id: int, field_ids: set[str]) -> list[dict[str, Any]]:
        histories = [json.loads(h) for h in self.store.jira_histories(issue_id)]
        if not field_ids:
            return histories
        wanted = {f.lower() for f in field_ids}
        kept = []
        for history in histories:
            items = [
                item
                for item in history.get("items", [])
                if str(item.get("fieldId") or item.get("field") or "").lower() in wanted
            ]
            if items:
                kept.append({**history, "items": items})
        return kept
