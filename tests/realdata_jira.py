"""Real recorded Jira data, loaded into a :class:`TrackerStore` so the fake Jira serves it.

Why: hand-built histories only test what their author thought of. These are real responses
recorded from real Jira sites (see the PROVENANCE.md next to each file under
``tests/fixtures/jira/``), so loading them through the fake server and the real connector proves
the whole path copes with real payloads: Chinese status names, ``+0800`` offsets, a 2021 workflow
migration, reopened work, statuses no longer listed by ``/status``.

API (every loader returns a :class:`RealJiraSummary`)::

    from tests.realdata_jira import load_devlake_jira, load_actionableagile

    summary = load_devlake_jira(store)        # 33 issues: EE (30) and K5 (3), 53 statuses
    summary = load_actionableagile(store)     # 25 issues: UT, statuses as described below
    settings = make_settings(jira=fake_jira, projects=summary.projects)

    expected = expected_status_changes(devlake_issues())   # from the raw JSON, no SQL

Serving rules: issues are stored without their changelog (the fake re-embeds it, newest first
and truncated to ``embedded_changelog_limit``, so issues with more histories than that exercise
the connector's changelog follow-ups); every recorded history is stored as the issue's full
changelog; projects come from the issues' own ``fields.project`` objects.

Statuses: DevLake recorded ``/rest/api/2/status`` (53 definitions) and it is served as is.
ActionableAgile recorded no ``/status`` response, so by default only the statuses that appear as
some issue's *current* status (with the category Jira embedded in the issue) are registered;
"Backlog" and "Analysis Active" then exist only in changelogs: real-world statuses the tracker
no longer lists, which the pipeline must report as unmapped until config maps them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from connectors.fakes.store import TrackerStore

FIXTURES = Path(__file__).parent / "fixtures" / "jira"
DEVLAKE_DIR = FIXTURES / "devlake-jira" / "raw_tables"
ACTIONABLEAGILE_FILE = FIXTURES / "actionableagile-jira-to-analytics" / "jira-issues-request.json"


@dataclass(frozen=True)
class RealJiraSummary:
    """What a loader put into the store (counts are what the fake will serve)."""

    projects: tuple[str, ...]
    issues: int
    histories: int
    statuses: int
    fields: int
    issue_keys: tuple[str, ...]


@dataclass(frozen=True)
class ExpectedStatusChange:
    """One status item of a changelog, as read straight from the raw JSON."""

    issue_id: str
    key: str
    history_id: str
    changed_at: datetime
    from_status_id: str | None
    from_status: str | None
    to_status_id: str | None
    to_status: str | None


def _csv_payloads(path: Path) -> list[dict[str, Any]]:
    """The ``data`` column of a DevLake ``_raw_*`` CSV: one API object per row, as recorded."""
    csv.field_size_limit(1 << 30)
    # one recorded file starts with a blank line before its header
    text = path.read_text(encoding="utf-8").lstrip("\r\n")
    return [json.loads(row["data"]) for row in csv.DictReader(io.StringIO(text, newline=""))]


@cache
def _devlake_issues_cached() -> tuple[str, ...]:
    return tuple(json.dumps(i) for i in _csv_payloads(DEVLAKE_DIR / "_raw_jira_api_issues.csv"))


def devlake_issues() -> list[dict[str, Any]]:
    """DevLake's 33 recorded issues (with their full embedded changelogs), fresh copies."""
    return [json.loads(text) for text in _devlake_issues_cached()]


def devlake_statuses() -> list[dict[str, Any]]:
    """DevLake's recorded ``/rest/api/2/status`` objects (53)."""
    return _csv_payloads(DEVLAKE_DIR / "_raw_jira_api_status.csv")


def devlake_fields() -> list[dict[str, Any]]:
    """DevLake's recorded ``/rest/api/2/field`` objects (2, from another DevLake test site)."""
    return _csv_payloads(DEVLAKE_DIR / "_raw_jira_api_issue_fields.csv")


def actionableagile_issues() -> list[dict[str, Any]]:
    """ActionableAgile's 25 recorded issues from one ``/rest/api/2/search`` response."""
    document = json.loads(ACTIONABLEAGILE_FILE.read_text(encoding="utf-8"))
    return list(document["issues"])


def current_statuses(issues: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The status objects embedded as issues' current status, one per id."""
    by_id: dict[str, dict[str, Any]] = {}
    for issue in issues:
        status = issue["fields"].get("status")
        if status and "id" in status:
            by_id.setdefault(str(status["id"]), status)
    return [by_id[k] for k in sorted(by_id)]


def load_issues(
    store: TrackerStore,
    issues: list[dict[str, Any]],
    statuses: list[dict[str, Any]],
    fields: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> RealJiraSummary:
    """Put issues (changelogs split out as full histories), their projects, statuses, fields."""
    projects = {i["fields"]["project"]["key"]: i["fields"]["project"] for i in issues}
    store.put_many_jira_projects(projects.values())
    store.put_many_jira_statuses(statuses)
    store.put_many_jira_fields(fields)
    store.put_many_jira_issues(issues)
    histories = [
        (int(issue["id"]), history)
        for issue in issues
        for history in (issue.get("changelog") or {}).get("histories") or []
    ]
    store.put_many_jira_histories(histories)
    return RealJiraSummary(
        projects=tuple(sorted(projects)),
        issues=len(issues),
        histories=len(histories),
        statuses=len(statuses),
        fields=len(fields),
        issue_keys=tuple(i["key"] for i in issues),
    )


def load_devlake_jira(store: TrackerStore) -> RealJiraSummary:
    """DevLake's Jira e2e data (merico.atlassian.net, projects EE and K5) into ``store``."""
    return load_issues(store, devlake_issues(), devlake_statuses(), devlake_fields())


def load_actionableagile(
    store: TrackerStore, *, statuses: list[dict[str, Any]] | None = None
) -> RealJiraSummary:
    """ActionableAgile's recorded search (project UT) into ``store``.

    ``statuses`` defaults to the issues' current statuses (see the module docstring); pass a
    list to serve other definitions.
    """
    issues = actionableagile_issues()
    return load_issues(store, issues, current_statuses(issues) if statuses is None else statuses)


def _utc(text: str) -> datetime:
    """Jira's ``2020-06-12T08:13:13.360+0800`` as an aware UTC datetime (independent parser)."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)


def expected_status_changes(issues: Iterable[dict[str, Any]]) -> list[ExpectedStatusChange]:
    """Every status item in the issues' embedded changelogs, oldest first per issue.

    Derived from the raw JSON only, so tests can compare staging against it without trusting
    any of the project's SQL. Order: issue key, change time, then numeric history id.
    """
    rows: list[ExpectedStatusChange] = []
    for issue in issues:
        for history in (issue.get("changelog") or {}).get("histories") or []:
            for item in history.get("items") or []:
                if str(item.get("fieldId") or item.get("field") or "").lower() != "status":
                    continue
                rows.append(
                    ExpectedStatusChange(
                        issue_id=str(issue["id"]),
                        key=str(issue["key"]),
                        history_id=str(history["id"]),
                        changed_at=_utc(history["created"]),
                        from_status_id=item.get("from"),
                        from_status=item.get("fromString"),
                        to_status_id=item.get("to"),
                        to_status=item.get("toString"),
                    )
                )
    rows.sort(key=lambda r: (r.key, r.changed_at, int(r.history_id)))
    return rows
