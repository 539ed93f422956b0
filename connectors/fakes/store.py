"""SQLite-backed storage shared by the fake Jira and GitHub servers.

Why SQLite: the fakes must serve anything from a handful of hand-written issues in a unit test to a
million generated items in a benchmark. Keeping payloads as JSON text on disk, with only the columns
we filter and sort on indexed, keeps memory bounded while still letting the servers page through the
data in the same orders the real APIs use.

Payloads are stored exactly as the real APIs would return them (GitHub and Jira Cloud v3
shapes), with URLs on placeholder hosts that the servers rewrite to their own base URL on the
way out.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GITHUB_PLACEHOLDER_API = "https://api.github.com"
JIRA_PLACEHOLDER_SITE = "https://acme.atlassian.net"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jira_projects (
    key TEXT PRIMARY KEY, id INTEGER, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jira_issues (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, project TEXT NOT NULL,
    key_num INTEGER NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL, payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS jira_issues_project_updated ON jira_issues(project, updated, id);
CREATE INDEX IF NOT EXISTS jira_issues_project_key ON jira_issues(project, key_num);
CREATE INDEX IF NOT EXISTS jira_issues_updated ON jira_issues(updated, id);
CREATE TABLE IF NOT EXISTS jira_histories (
    history_id INTEGER PRIMARY KEY, issue_id INTEGER NOT NULL, created TEXT NOT NULL,
    payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS jira_histories_issue ON jira_histories(issue_id, history_id);
CREATE TABLE IF NOT EXISTS jira_statuses (id TEXT PRIMARY KEY, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jira_fields (id TEXT PRIMARY KEY, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jira_issue_types (id TEXT PRIMARY KEY, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS github_repos (full_name TEXT PRIMARY KEY, id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS github_issues (
    repo TEXT NOT NULL, number INTEGER NOT NULL, id INTEGER NOT NULL, state TEXT NOT NULL,
    is_pr INTEGER NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL, payload TEXT NOT NULL,
    PRIMARY KEY (repo, number));
CREATE INDEX IF NOT EXISTS github_issues_updated ON github_issues(repo, updated, number);
CREATE INDEX IF NOT EXISTS github_issues_created ON github_issues(repo, created, number);
CREATE INDEX IF NOT EXISTS github_issues_state_updated
    ON github_issues(repo, state, updated, number);
CREATE INDEX IF NOT EXISTS github_issues_state_created
    ON github_issues(repo, state, created, number);
CREATE TABLE IF NOT EXISTS github_pulls (
    repo TEXT NOT NULL, number INTEGER NOT NULL, id INTEGER NOT NULL, payload TEXT NOT NULL,
    PRIMARY KEY (repo, number));
CREATE TABLE IF NOT EXISTS github_events (
    id INTEGER PRIMARY KEY, repo TEXT NOT NULL, number INTEGER NOT NULL, created TEXT NOT NULL,
    payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS github_events_issue ON github_events(repo, number, created, id);
CREATE TABLE IF NOT EXISTS github_timeline (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, repo TEXT NOT NULL, number INTEGER NOT NULL,
    created TEXT NOT NULL, payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS github_timeline_issue ON github_timeline(repo, number, created, seq);
CREATE TABLE IF NOT EXISTS github_reviews (
    id INTEGER PRIMARY KEY, repo TEXT NOT NULL, number INTEGER NOT NULL, payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS github_reviews_pull ON github_reviews(repo, number, id);
CREATE TABLE IF NOT EXISTS github_commits (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, repo TEXT NOT NULL, number INTEGER NOT NULL,
    sha TEXT NOT NULL, payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS github_commits_pull ON github_commits(repo, number, seq);
CREATE TABLE IF NOT EXISTS github_milestones (
    repo TEXT NOT NULL, number INTEGER NOT NULL, state TEXT NOT NULL, due_on TEXT,
    payload TEXT NOT NULL, PRIMARY KEY (repo, number));
CREATE TABLE IF NOT EXISTS github_labels (
    repo TEXT NOT NULL, name TEXT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (repo, name));
CREATE TABLE IF NOT EXISTS github_sub_issues (
    repo TEXT NOT NULL, parent_number INTEGER NOT NULL, child_number INTEGER NOT NULL,
    PRIMARY KEY (repo, parent_number, child_number));
"""

# Columns the Jira search may filter or sort on, mapped to SQL. A whitelist keeps the dynamic
# ORDER BY/keyset SQL free of anything a client sent.
JIRA_SORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "updated": ("updated",),
    "created": ("created",),
    "id": ("id",),
    "key": ("project", "key_num"),
}
_JIRA_RANGE_COLUMNS = {"updated", "created"}
_RANGE_OPS = {">=", ">", "<=", "<"}


def dumps(obj: Any) -> str:
    """Compact, key-order-preserving JSON so identical input yields identical bytes."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def parse_timestamp(value: str) -> datetime:
    """Parse both GitHub ("...Z") and Jira ("...000+0000") timestamps into aware datetimes."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def utc_sort_key(value: str) -> str:
    """Normalise any timestamp to a fixed-width UTC string, so SQL text order equals time order."""
    return parse_timestamp(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def github_timestamp(moment: datetime) -> str:
    """GitHub's wire format: second precision, always UTC with a trailing Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def jira_timestamp(moment: datetime) -> str:
    """Jira's wire format: millisecond precision and a colon-less offset (``+0000``)."""
    millis = moment.microsecond // 1000
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis:03d}" + moment.strftime("%z")


@dataclass(frozen=True)
class JiraFilter:
    """The subset of JQL the fake understands, already validated and converted to UTC."""

    projects: tuple[str, ...] = ()
    ranges: tuple[tuple[str, str, str], ...] = ()  # (column, operator, utc sort key)
    keys: tuple[str, ...] = ()
    ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class JiraRow:
    """One search hit: its id, the values it was sorted on (for keyset paging) and the payload."""

    issue_id: int
    sort_values: tuple[Any, ...]
    payload: str


@dataclass
class _SqlParts:
    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)


class TrackerStore:
    """Thread-safe SQLite store of tracker payloads, shared by every fake server in a process."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if self.path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
        # Fake data is reproducible from its seed, so durability buys nothing and costs speed.
        self._conn.execute("PRAGMA synchronous=OFF")
        self._conn.execute("PRAGMA temp_store=MEMORY")
        self._conn.executescript(_SCHEMA)

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        """Release the SQLite handle; servers must be stopped first."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> TrackerStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One lock and one SQLite transaction, so readers never see half a batch."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with self._lock:
            return self._conn.execute(sql, params).fetchone()

    def _write_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        with self.transaction() as conn:
            cursor = conn.executemany(sql, rows)
            return cursor.rowcount

    # ------------------------------------------------------------------ Jira: reference data
    def put_jira_project(self, project: dict[str, Any]) -> None:
        """Register a project so JQL can tell an unknown project from an empty one."""
        self.put_many_jira_projects([project])

    def put_many_jira_projects(self, projects: Iterable[dict[str, Any]]) -> None:
        """Bulk form of :meth:`put_jira_project`."""
        self._write_many(
            "INSERT OR REPLACE INTO jira_projects(key, id, payload) VALUES (?, ?, ?)",
            ((p["key"], int(p["id"]), dumps(p)) for p in projects),
        )

    def jira_project_keys(self) -> set[str]:
        """Known project keys (JQL naming any other project is a 400 on real Jira)."""
        return {row[0] for row in self._all("SELECT key FROM jira_projects")}

    def put_many_jira_statuses(self, statuses: Iterable[dict[str, Any]]) -> None:
        """Statuses served by /status; legacy statuses are deliberately left out by callers."""
        self._write_many(
            "INSERT OR REPLACE INTO jira_statuses(id, payload) VALUES (?, ?)",
            ((str(s["id"]), dumps(s)) for s in statuses),
        )

    def put_many_jira_fields(self, fields: Iterable[dict[str, Any]]) -> None:
        """Field definitions served by /field (custom-field ids are resolved from these)."""
        self._write_many(
            "INSERT OR REPLACE INTO jira_fields(id, payload) VALUES (?, ?)",
            ((str(f["id"]), dumps(f)) for f in fields),
        )

    def put_many_jira_issue_types(self, issue_types: Iterable[dict[str, Any]]) -> None:
        """Issue types with hierarchyLevel, served by /issuetype."""
        self._write_many(
            "INSERT OR REPLACE INTO jira_issue_types(id, payload) VALUES (?, ?)",
            ((str(t["id"]), dumps(t)) for t in issue_types),
        )

    def jira_statuses(self) -> list[str]:
        """Status payloads as JSON text, in id order (stable responses give stable ETags)."""
        return [r[0] for r in self._all("SELECT payload FROM jira_statuses ORDER BY id")]

    def jira_fields(self) -> list[str]:
        """Field payloads as JSON text."""
        return [r[0] for r in self._all("SELECT payload FROM jira_fields ORDER BY rowid")]

    def jira_issue_types(self) -> list[str]:
        """Issue-type payloads as JSON text."""
        return [r[0] for r in self._all("SELECT payload FROM jira_issue_types ORDER BY id")]

    # ------------------------------------------------------------------ Jira: issues
    @staticmethod
    def _jira_issue_row(issue: dict[str, Any]) -> tuple[Any, ...]:
        key = issue["key"]
        project, _, number = key.rpartition("-")
        fields = issue["fields"]
        payload = {k: v for k, v in issue.items() if k != "changelog"}
        return (
            int(issue["id"]),
            key,
            project,
            int(number),
            utc_sort_key(fields["created"]),
            utc_sort_key(fields["updated"]),
            dumps(payload),
        )

    def put_jira_issue(self, issue: dict[str, Any]) -> None:
        """Insert or replace one issue (the changelog, if present, is ignored: use histories)."""
        self.put_many_jira_issues([issue])

    def put_many_jira_issues(self, issues: Iterable[dict[str, Any]]) -> int:
        """Bulk upsert used by the generator: one executemany per batch keeps populate fast."""
        return self._write_many(
            "INSERT OR REPLACE INTO jira_issues"
            "(id, key, project, key_num, created, updated, payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self._jira_issue_row(issue) for issue in issues),
        )

    def put_jira_history(self, issue_id: int, history: dict[str, Any]) -> None:
        """Append one changelog history; its numeric id decides its position (oldest first)."""
        self.put_many_jira_histories([(issue_id, history)])

    def put_many_jira_histories(self, rows: Iterable[tuple[int, dict[str, Any]]]) -> int:
        """Bulk form of :meth:`put_jira_history`."""
        return self._write_many(
            "INSERT OR REPLACE INTO jira_histories(history_id, issue_id, created, payload)"
            " VALUES (?, ?, ?, ?)",
            (
                (int(h["id"]), int(issue_id), utc_sort_key(h["created"]), dumps(h))
                for issue_id, h in rows
            ),
        )

    def get_jira_issue(self, id_or_key: str | int) -> dict[str, Any] | None:
        """Look an issue up by numeric id or by key, as /issue/{idOrKey} does."""
        text = str(id_or_key)
        if text.isdigit():
            row = self._one("SELECT payload FROM jira_issues WHERE id = ?", (int(text),))
        else:
            row = self._one("SELECT payload FROM jira_issues WHERE key = ?", (text.upper(),))
        return json.loads(row[0]) if row else None

    def count_jira_issues(self, flt: JiraFilter) -> int:
        """Exact hit count, needed only by the Data Center offset search (Cloud has no total)."""
        parts = self._jira_where(flt)
        sql = " ".join(["SELECT COUNT(*) FROM jira_issues", self._where_sql(parts)])
        row = self._one(sql, parts.params)
        return int(row[0]) if row else 0

    def search_jira_issues(
        self,
        flt: JiraFilter,
        order: Sequence[tuple[str, bool]],
        limit: int,
        offset: int = 0,
        after: Sequence[Any] | None = None,
    ) -> list[JiraRow]:
        """Page through issues matching ``flt``.

        ``order`` is a list of (column, descending) with columns from JIRA_SORT_COLUMNS; ``id`` is
        appended as a tie-breaker. ``after`` holds the sort values of the previous page's last row,
        giving keyset paging that stays fast at a million rows (offset paging would not).
        """
        sql_columns: list[tuple[str, bool]] = []
        for name, descending in order:
            sql_columns.extend((col, descending) for col in JIRA_SORT_COLUMNS[name])
        if not any(col == "id" for col, _ in sql_columns):
            last_desc = sql_columns[-1][1] if sql_columns else False
            sql_columns.append(("id", last_desc))
        parts = self._jira_where(flt)
        if after is not None:
            self._add_keyset(parts, sql_columns, list(after))
        select_cols = ", ".join(col for col, _ in sql_columns)
        order_sql = ", ".join(f"{col} {'DESC' if desc else 'ASC'}" for col, desc in sql_columns)
        sql = " ".join(
            [
                "SELECT id, payload,",
                select_cols,
                "FROM jira_issues",
                self._where_sql(parts),
                "ORDER BY",
                order_sql,
                "LIMIT ? OFFSET ?",
            ]
        )
        rows = self._all(sql, [*parts.params, int(limit), int(offset)])
        return [JiraRow(int(r[0]), tuple(r[2:]), r[1]) for r in rows]

    @staticmethod
    def _add_keyset(parts: _SqlParts, columns: list[tuple[str, bool]], values: list[Any]) -> None:
        """Expand (a, b, c) > (x, y, z) with per-column directions into OR'ed prefixes."""
        alternatives: list[str] = []
        params: list[Any] = []
        for index, (col, desc) in enumerate(columns):
            equal = [f"{c} = ?" for c, _ in columns[:index]]
            clause = " AND ".join([*equal, f"{col} {'<' if desc else '>'} ?"])
            alternatives.append(f"({clause})")
            params.extend(values[: index + 1])
        parts.where.append("(" + " OR ".join(alternatives) + ")")
        parts.params.extend(params)

    @staticmethod
    def _jira_where(flt: JiraFilter) -> _SqlParts:
        parts = _SqlParts()
        if flt.projects:
            parts.where.append("project IN (" + ",".join("?" * len(flt.projects)) + ")")
            parts.params.extend(flt.projects)
        if flt.keys:
            parts.where.append("key IN (" + ",".join("?" * len(flt.keys)) + ")")
            parts.params.extend(flt.keys)
        if flt.ids:
            parts.where.append("id IN (" + ",".join("?" * len(flt.ids)) + ")")
            parts.params.extend(flt.ids)
        for column, op, value in flt.ranges:
            if column not in _JIRA_RANGE_COLUMNS or op not in _RANGE_OPS:
                raise ValueError(f"unsupported range {column} {op}")
            parts.where.append(f"{column} {op} ?")
            parts.params.append(value)
        return parts

    @staticmethod
    def _where_sql(parts: _SqlParts) -> str:
        return "WHERE " + " AND ".join(parts.where) if parts.where else ""

    def count_jira_histories(self, issue_id: int) -> int:
        """Full changelog length: the ``total`` a truncated embedded changelog reports."""
        row = self._one("SELECT COUNT(*) FROM jira_histories WHERE issue_id = ?", (issue_id,))
        return int(row[0]) if row else 0

    def jira_histories(
        self, issue_id: int, offset: int = 0, limit: int = -1, newest_first: bool = False
    ) -> list[str]:
        """Histories as JSON text: oldest first (paged endpoint) or newest first (embedded)."""
        direction = "DESC" if newest_first else "ASC"
        sql = " ".join(
            [
                "SELECT payload FROM jira_histories WHERE issue_id = ?",
                "ORDER BY history_id",
                direction,
                "LIMIT ? OFFSET ?",
            ]
        )
        return [r[0] for r in self._all(sql, (issue_id, limit, offset))]

    def jira_issue_id_for(self, id_or_key: str | int) -> int | None:
        """Resolve an id-or-key to the stable numeric id."""
        text = str(id_or_key)
        if text.isdigit():
            row = self._one("SELECT id FROM jira_issues WHERE id = ?", (int(text),))
        else:
            row = self._one("SELECT id FROM jira_issues WHERE key = ?", (text.upper(),))
        return int(row[0]) if row else None

    def touch_jira_issue(
        self,
        issue_id: int,
        history: dict[str, Any] | None,
        fields_patch: dict[str, Any] | None,
        at: datetime,
    ) -> int | None:
        """Simulate an edit between two syncs: append a history, patch fields, bump ``updated``.

        Returns the new history id (or None when no history was given). Tests use this to prove
        incremental sync picks the change up.
        """
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT payload FROM jira_issues WHERE id = ?", (issue_id,)
            ).fetchone()
            if row is None:
                raise KeyError(issue_id)
            issue = json.loads(row[0])
            stamp = jira_timestamp(at)
            issue["fields"].update(fields_patch or {})
            issue["fields"]["updated"] = stamp
            new_id: int | None = None
            if history is not None:
                top = conn.execute(
                    "SELECT COALESCE(MAX(history_id), 0) FROM jira_histories"
                ).fetchone()
                new_id = int(top[0]) + 1
                entry = {"id": str(new_id), "author": history.get("author"), "created": stamp}
                entry.update({k: v for k, v in history.items() if k not in {"id", "created"}})
                conn.execute(
                    "INSERT INTO jira_histories(history_id, issue_id, created, payload)"
                    " VALUES (?, ?, ?, ?)",
                    (new_id, issue_id, utc_sort_key(stamp), dumps(entry)),
                )
            conn.execute(
                "UPDATE jira_issues SET updated = ?, payload = ? WHERE id = ?",
                (utc_sort_key(stamp), dumps(issue), issue_id),
            )
            return new_id

    def delete_jira_issue(self, issue_id: int) -> None:
        """Delete an issue and its history: deleted issues simply vanish from search, as in Jira."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM jira_issues WHERE id = ?", (issue_id,))
            conn.execute("DELETE FROM jira_histories WHERE issue_id = ?", (issue_id,))

    def move_jira_issue(self, issue_id: int, new_key: str, at: datetime | None = None) -> None:
        """Move an issue to another project: key and project change, the id stays."""
        project, _, number = new_key.rpartition("-")
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT payload FROM jira_issues WHERE id = ?", (issue_id,)
            ).fetchone()
            if row is None:
                raise KeyError(issue_id)
            issue = json.loads(row[0])
            issue["key"] = new_key
            issue["self"] = f"{JIRA_PLACEHOLDER_SITE}/rest/api/3/issue/{issue_id}"
            proj_row = conn.execute(
                "SELECT payload FROM jira_projects WHERE key = ?", (project,)
            ).fetchone()
            if proj_row is not None:
                issue["fields"]["project"] = json.loads(proj_row[0])
            else:
                issue["fields"]["project"] = {"key": project, "name": project}
            if at is not None:
                issue["fields"]["updated"] = jira_timestamp(at)
            conn.execute(
                "UPDATE jira_issues SET key = ?, project = ?, key_num = ?, updated = ?, payload = ?"
                " WHERE id = ?",
                (
                    new_key,
                    project,
                    int(number),
                    utc_sort_key(issue["fields"]["updated"]),
                    dumps(issue),
                    issue_id,
                ),
            )

    # ------------------------------------------------------------------ GitHub: writes
    def put_github_repo(self, full_name: str, repo_id: int) -> None:
        """Register a repository; anything else answers 404 like GitHub does for a wrong name."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO github_repos(full_name, id) VALUES (?, ?)",
                (full_name, repo_id),
            )

    def put_github_issue(self, repo: str, issue: dict[str, Any]) -> None:
        """Upsert one issue in the issues-endpoint shape (a PR carries a ``pull_request`` key)."""
        self.put_many_github_issues(repo, [issue])

    def put_many_github_issues(self, repo: str, issues: Iterable[dict[str, Any]]) -> int:
        """Bulk form of :meth:`put_github_issue`."""
        return self._write_many(
            "INSERT OR REPLACE INTO github_issues"
            "(repo, number, id, state, is_pr, created, updated, payload)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    repo,
                    int(i["number"]),
                    int(i["id"]),
                    i["state"],
                    int(i.get("pull_request") is not None),
                    utc_sort_key(i["created_at"]),
                    utc_sort_key(i["updated_at"]),
                    dumps(i),
                )
                for i in issues
            ),
        )

    def put_many_github_pulls(self, repo: str, pulls: Iterable[dict[str, Any]]) -> int:
        """PR detail objects (their own ``id``, plus additions/deletions/commits counts)."""
        return self._write_many(
            "INSERT OR REPLACE INTO github_pulls(repo, number, id, payload) VALUES (?, ?, ?, ?)",
            ((repo, int(p["number"]), int(p["id"]), dumps(p)) for p in pulls),
        )

    def put_many_github_events(self, repo: str, rows: Iterable[tuple[int, dict[str, Any]]]) -> int:
        """Issue events as (issue number, event); served oldest first by /events."""
        return self._write_many(
            "INSERT OR REPLACE INTO github_events(id, repo, number, created, payload)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                (int(e["id"]), repo, int(n), utc_sort_key(e["created_at"]), dumps(e))
                for n, e in rows
            ),
        )

    def put_many_github_timeline(
        self, repo: str, rows: Iterable[tuple[int, dict[str, Any]]]
    ) -> int:
        """Timeline-only items (cross-referenced, commented); the rest is derived from events."""
        return self._write_many(
            "INSERT INTO github_timeline(repo, number, created, payload) VALUES (?, ?, ?, ?)",
            ((repo, int(n), utc_sort_key(item["created_at"]), dumps(item)) for n, item in rows),
        )

    def put_many_github_reviews(self, repo: str, rows: Iterable[tuple[int, dict[str, Any]]]) -> int:
        """PR reviews as (PR number, review), served in id (chronological) order."""
        return self._write_many(
            "INSERT OR REPLACE INTO github_reviews(id, repo, number, payload) VALUES (?, ?, ?, ?)",
            ((int(r["id"]), repo, int(n), dumps(r)) for n, r in rows),
        )

    def put_many_github_commits(self, repo: str, rows: Iterable[tuple[int, dict[str, Any]]]) -> int:
        """PR commits as (PR number, commit), kept in insertion order like the real endpoint."""
        return self._write_many(
            "INSERT INTO github_commits(repo, number, sha, payload) VALUES (?, ?, ?, ?)",
            ((repo, int(n), c["sha"], dumps(c)) for n, c in rows),
        )

    def put_many_github_milestones(self, repo: str, milestones: Iterable[dict[str, Any]]) -> int:
        """Milestones with their state and due date indexed for the state filter and sort."""
        return self._write_many(
            "INSERT OR REPLACE INTO github_milestones(repo, number, state, due_on, payload)"
            " VALUES (?, ?, ?, ?, ?)",
            ((repo, int(m["number"]), m["state"], m.get("due_on"), dumps(m)) for m in milestones),
        )

    def put_many_github_labels(self, repo: str, labels: Iterable[dict[str, Any]]) -> int:
        """Repository labels."""
        return self._write_many(
            "INSERT OR REPLACE INTO github_labels(repo, name, payload) VALUES (?, ?, ?)",
            ((repo, lbl["name"], dumps(lbl)) for lbl in labels),
        )

    def put_many_github_sub_issues(self, repo: str, rows: Iterable[tuple[int, int]]) -> int:
        """Sub-issue links as (parent number, child number); children are served live."""
        return self._write_many(
            "INSERT OR REPLACE INTO github_sub_issues(repo, parent_number, child_number)"
            " VALUES (?, ?, ?)",
            ((repo, int(p), int(c)) for p, c in rows),
        )

    def touch_github_issue(
        self,
        repo: str,
        number: int,
        patch: dict[str, Any] | None,
        events: Sequence[dict[str, Any]] | None,
        at: datetime,
    ) -> None:
        """Simulate an edit between syncs: patch the payload, add events, bump ``updated_at``."""
        stamp = github_timestamp(at)
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT payload FROM github_issues WHERE repo = ? AND number = ?", (repo, number)
            ).fetchone()
            if row is None:
                raise KeyError((repo, number))
            issue = json.loads(row[0])
            issue.update(patch or {})
            issue["updated_at"] = stamp
            conn.execute(
                "UPDATE github_issues SET state = ?, updated = ?, payload = ?"
                " WHERE repo = ? AND number = ?",
                (issue["state"], utc_sort_key(stamp), dumps(issue), repo, number),
            )
            top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM github_events").fetchone()
            next_id = int(top[0]) + 1
            for event in events or ():
                full = {"id": next_id, "created_at": stamp, **event}
                next_id = max(next_id, int(full["id"])) + 1
                conn.execute(
                    "INSERT OR REPLACE INTO github_events(id, repo, number, created, payload)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (int(full["id"]), repo, number, utc_sort_key(full["created_at"]), dumps(full)),
                )

    def delete_github_issue(self, repo: str, number: int) -> None:
        """Remove an issue (deleted or transferred away): it vanishes without an event."""
        with self.transaction() as conn:
            for table in ("github_issues", "github_pulls", "github_events", "github_timeline"):
                conn.execute(
                    " ".join(["DELETE FROM", table, "WHERE repo = ? AND number = ?"]),
                    (repo, number),
                )

    # ------------------------------------------------------------------ GitHub: reads
    def github_repo_id(self, full_name: str) -> int | None:
        """The numeric repository id, or None for an unknown repository."""
        row = self._one("SELECT id FROM github_repos WHERE full_name = ?", (full_name,))
        return int(row[0]) if row else None

    def list_github_issues(
        self,
        repo: str,
        state: str,
        since: str | None,
        sort: str,
        descending: bool,
        offset: int,
        limit: int,
    ) -> tuple[list[str], int]:
        """One page of the issues listing plus the total match count (for the ``last`` link)."""
        where = ["repo = ?"]
        params: list[Any] = [repo]
        if state in {"open", "closed"}:
            where.append("state = ?")
            params.append(state)
        if since is not None:
            where.append("updated >= ?")
            params.append(since)
        column = "updated" if sort == "updated" else "created"
        direction = "DESC" if descending else "ASC"
        where_sql = " AND ".join(where)
        total_row = self._one(
            " ".join(["SELECT COUNT(*) FROM github_issues WHERE", where_sql]), params
        )
        sql = " ".join(
            [
                "SELECT payload FROM github_issues WHERE",
                where_sql,
                f"ORDER BY {column} {direction}, number {direction}",
                "LIMIT ? OFFSET ?",
            ]
        )
        rows = self._all(sql, [*params, limit, offset])
        return [r[0] for r in rows], int(total_row[0]) if total_row else 0

    def get_github_issue(self, repo: str, number: int) -> str | None:
        """Issue payload as JSON text."""
        row = self._one(
            "SELECT payload FROM github_issues WHERE repo = ? AND number = ?", (repo, number)
        )
        return row[0] if row else None

    def get_github_pull(self, repo: str, number: int) -> str | None:
        """PR detail payload as JSON text."""
        row = self._one(
            "SELECT payload FROM github_pulls WHERE repo = ? AND number = ?", (repo, number)
        )
        return row[0] if row else None

    def github_events(self, repo: str, number: int) -> list[str]:
        """All events of one issue, oldest first."""
        return [
            r[0]
            for r in self._all(
                "SELECT payload FROM github_events WHERE repo = ? AND number = ?"
                " ORDER BY created, id",
                (repo, number),
            )
        ]

    def github_timeline_extras(self, repo: str, number: int) -> list[str]:
        """Timeline-only items of one issue, oldest first."""
        return [
            r[0]
            for r in self._all(
                "SELECT payload FROM github_timeline WHERE repo = ? AND number = ?"
                " ORDER BY created, seq",
                (repo, number),
            )
        ]

    def github_reviews(self, repo: str, number: int) -> list[str]:
        """Reviews of one PR in chronological order."""
        return [
            r[0]
            for r in self._all(
                "SELECT payload FROM github_reviews WHERE repo = ? AND number = ? ORDER BY id",
                (repo, number),
            )
        ]

    def github_commits(self, repo: str, number: int, limit: int = -1) -> list[str]:
        """Commits of one PR in push order (the server applies GitHub's 250 cap)."""
        return [
            r[0]
            for r in self._all(
                "SELECT payload FROM github_commits WHERE repo = ? AND number = ?"
                " ORDER BY seq LIMIT ?",
                (repo, number, limit),
            )
        ]

    def github_milestones(self, repo: str, state: str) -> list[str]:
        """Milestones filtered by state, by due date ascending (GitHub's default sort)."""
        where = "repo = ?" if state == "all" else "repo = ? AND state = ?"
        params: tuple[Any, ...] = (repo,) if state == "all" else (repo, state)
        sql = " ".join(
            ["SELECT payload FROM github_milestones WHERE", where, "ORDER BY due_on, number"]
        )
        return [r[0] for r in self._all(sql, params)]

    def github_labels(self, repo: str) -> list[str]:
        """Repository labels by name."""
        return [
            r[0]
            for r in self._all(
                "SELECT payload FROM github_labels WHERE repo = ? ORDER BY name", (repo,)
            )
        ]

    def github_sub_issues(self, repo: str, parent_number: int) -> list[str]:
        """Current payloads of a parent's sub-issues, in the order they were attached."""
        return [
            r[0]
            for r in self._all(
                "SELECT i.payload FROM github_sub_issues s JOIN github_issues i"
                " ON i.repo = s.repo AND i.number = s.child_number"
                " WHERE s.repo = ? AND s.parent_number = ? ORDER BY s.rowid",
                (repo, parent_number),
            )
        ]

    def content_digest(self) -> str:
        """SHA-256 over every row of every table in a fixed order.

        Lets tests and benchmarks prove two generator runs produced identical bytes without
        holding both datasets in memory.
        """
        digest = hashlib.sha256()
        with self._lock:
            names = [
                r[0]
                for r in self._conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                )
                if not r[0].startswith("sqlite_")
            ]
            for name in names:
                digest.update(name.encode())
                cursor = self._conn.execute(" ".join(["SELECT * FROM", name, "ORDER BY rowid"]))
                for row in cursor:
                    digest.update(repr(row).encode("utf-8"))
        return digest.hexdigest()

    def table_counts(self) -> dict[str, int]:
        """Row counts per table: cheap sanity checks for tests and benchmarks."""
        names = [r[0] for r in self._all("SELECT name FROM sqlite_master WHERE type = 'table'")]
        counts: dict[str, int] = {}
        for name in names:
            if name.startswith("sqlite_"):
                continue
            row = self._one(" ".join(["SELECT COUNT(*) FROM", name]))
            counts[name] = int(row[0]) if row else 0
        return counts
