"""Incremental Jira sync (Cloud and Data Center).

Status definitions, fields and the API user's profile are refreshed every run: categories come
from `/status`, custom field ids differ per site, and the profile's time zone is the one JQL
date literals are read in. Issues are searched `updated >= cursor - overlap` in that zone,
oldest update first; any issue whose embedded changelog is shorter than `changelog.total` gets
its full history fetched before the page commits, so staging never sees a truncated history.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import duckdb

from connectors.errors import ConnectorError
from connectors.jira.client import JiraClient
from pipelines.lib.sync_report import SyncReport
from pipelines.lib.timestamps import format_utc, jql_since, parse_timestamp
from pipelines.lib.warehouse import RawBatch, RawRecord, get_cursor, raw_batches
from pipelines.settings import JiraSource

log = logging.getLogger(__name__)
ISSUES_ENDPOINT = "issues"
SYSTEM_FIELDS = (
    "summary",
    "status",
    "issuetype",
    "project",
    "created",
    "updated",
    "resolution",
    "resolutiondate",
    "parent",
    "labels",
    "duedate",
    "priority",
    "issuelinks",
    "comment",
)
CUSTOM_FIELD_TYPES = (
    "com.pyxis.greenhopper.jira:jsw-story-points",
    "com.pyxis.greenhopper.jira:gh-epic-link",
    "com.pyxis.greenhopper.jira:gh-sprint",
    "com.atlassian.jpo:jpo-custom-field-parent",
)
CUSTOM_FIELD_NAMES = (
    "story points",
    "story point estimate",
    "target start",
    "target end",
    "epic link",
)


def search_scope(source: JiraSource) -> str:
    return "projects:" + ",".join(source.projects) if source.projects else "jql"


def build_jql(source: JiraSource, since: str | None) -> str:
    scope = f"project in ({', '.join(source.projects)})" if source.projects else f"({source.jql})"
    updated = f' AND updated >= "{since}"' if since else ""
    return f"{scope}{updated} ORDER BY updated ASC, id ASC"


def custom_field_ids(fields: list[dict[str, Any]]) -> list[str]:
    """The site's ids for story points, epic link, sprint and target dates."""
    wanted: list[str] = []
    for f in fields:
        schema = f.get("schema") or {}
        name = str(f.get("name", "")).lower()
        if schema.get("custom") in CUSTOM_FIELD_TYPES or (
            f.get("custom") and name in CUSTOM_FIELD_NAMES
        ):
            wanted.append(str(f["id"]))
    return sorted(set(wanted))


def sync_jira(
    conn: duckdb.DuckDBPyConnection,
    source: JiraSource,
    client: JiraClient,
    run_id: str,
    *,
    commit_every_pages: int = 10,
) -> SyncReport:
    report = SyncReport(source=source.name, http=client.http.stats)
    scope = search_scope(source)
    try:
        with raw_batches(conn, source.name, run_id) as batch:
            timezone, fields = _sync_definitions(batch, client)
            report.add_inserted(batch.commit())
            _sync_issues(
                batch, conn, source, client, report, scope, timezone, fields, commit_every_pages
            )
    except ConnectorError as exc:
        log.error("%s: sync failed: %s", source.name, exc)
        report.failures.append(f"{scope}: {exc}")
    return report


def _sync_definitions(batch: RawBatch, client: JiraClient) -> tuple[str, list[str]]:
    myself = client.myself()
    user_id = str(myself.get("accountId") or myself.get("key") or myself.get("name") or "me")
    batch.add("jira__myself", [RawRecord("", user_id, None, None, myself)])
    batch.add(
        "jira__statuses", (RawRecord("", str(s["id"]), None, None, s) for s in client.statuses())
    )
    fields = client.fields()
    batch.add("jira__fields", (RawRecord("", str(f["id"]), None, None, f) for f in fields))
    return str(myself.get("timeZone") or "UTC"), custom_field_ids(fields)


def _sync_issues(
    batch: RawBatch,
    conn: duckdb.DuckDBPyConnection,
    source: JiraSource,
    client: JiraClient,
    report: SyncReport,
    scope: str,
    timezone: str,
    custom_fields: list[str],
    commit_every_pages: int,
) -> None:
    cursor = get_cursor(conn, source.name, scope, ISSUES_ENDPOINT)
    report.cursors_before[scope] = cursor
    report.cursors_after[scope] = cursor
    since = (
        None
        if cursor is None
        else jql_since(parse_timestamp(cursor), timedelta(minutes=source.overlap_minutes), timezone)
    )
    jql = build_jql(source, since)
    newest = None
    pages_in_batch = 0
    for page in client.search_pages(jql, [*SYSTEM_FIELDS, *custom_fields]):
        report.pages += 1
        report.items_seen += len(page)
        for issue in page:
            _add_issue(batch, client, issue, report)
            updated = parse_timestamp(issue["fields"]["updated"])
            newest = updated if newest is None or updated > newest else newest
        if newest is not None:
            batch.advance(scope, ISSUES_ENDPOINT, format_utc(newest))
        pages_in_batch += 1
        if pages_in_batch >= commit_every_pages:
            report.add_inserted(batch.commit())
            report.cursors_after[scope] = format_utc(newest) if newest else cursor
            pages_in_batch = 0
    report.add_inserted(batch.commit())
    if newest is not None:
        report.cursors_after[scope] = format_utc(newest)


def _add_issue(
    batch: RawBatch, client: JiraClient, issue: dict[str, Any], report: SyncReport
) -> None:
    issue_id = str(issue["id"])
    fields = issue.get("fields") or {}
    project = str((fields.get("project") or {}).get("key", ""))
    batch.add("jira__issues", [RawRecord(project, issue_id, None, fields.get("updated"), issue)])
    changelog = issue.get("changelog") or {}
    histories = list(changelog.get("histories") or [])
    total = changelog.get("total")
    if isinstance(total, int) and total > len(histories):
        histories = client.full_changelog(issue_id)
        report.changelog_followups += 1
    batch.add(
        "jira__changelogs", (RawRecord(project, str(h["id"]), issue_id, "", h) for h in histories)
    )
