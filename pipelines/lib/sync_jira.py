"""Incremental Jira sync (Cloud and Data Center), with complete changelogs and reconciliation.

Status definitions (and their categories), fields and the API user's profile are refreshed
every run: categories come from `/status` + `/statuscategory`, custom field ids differ per site,
and the profile's time zone is the one JQL date literals are read in. Issues are searched
`updated >= cursor - overlap` in that zone, oldest update first (id breaks ties, so paging is
stable); every issue on a page whose embedded changelog is shorter than `changelog.total` gets
its full history fetched (one bulk request per page on Cloud) before the page commits, so staging
never sees a truncated history.

Deleted issues simply vanish from search, so an incremental sync can never notice them. Every
`reconcile_every_days` an id-only search per project lists what Jira still has; ids the warehouse
holds that are no longer listed are looked up one by one and flagged `deleted` (404) or
`moved_out` (now in another project) in `raw.jira__reconciliations`, and staging drops them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from connectors.errors import ConnectorError
from connectors.jira.client import JiraClient
from pipelines.lib.suites.completeness import ListingTally, jira_reported_total
from pipelines.lib.sync_report import SyncReport
from pipelines.lib.timestamps import format_utc, jql_since, parse_timestamp
from pipelines.lib.warehouse import RawBatch, RawRecord, get_cursor, raw_batches
from pipelines.settings import JiraSource

log = logging.getLogger(__name__)
ISSUES_ENDPOINT = "issues"
RECONCILE_ENDPOINT = "reconcile"
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
    "assignee",
)
# Custom fields are found by their schema type (stable across sites), names only as a fallback.
CUSTOM_FIELD_TYPES = (
    "com.pyxis.greenhopper.jira:jsw-story-points",
    "com.pyxis.greenhopper.jira:gh-epic-link",
    "com.pyxis.greenhopper.jira:gh-sprint",
    "com.atlassian.jpo:jpo-custom-field-parent",
    "com.atlassian.jpo:jpo-custom-field-baseline-start",
    "com.atlassian.jpo:jpo-custom-field-baseline-end",
)
CUSTOM_FIELD_NAMES = (
    "story points",
    "story point estimate",
    "start date",
    "target start",
    "target end",
    "epic link",
    "parent link",
    "sprint",
)


@dataclass
class JiraSyncReport(SyncReport):
    """SyncReport plus what only Jira does: changelog follow-up requests and reconciliation."""

    changelog_requests: int = 0
    reconciled: bool = False
    reconcile_listed: int = 0
    flagged_deleted: int = 0
    flagged_moved_out: int = 0
    found_again: int = 0

    def as_metadata(self) -> dict[str, Any]:
        return {
            **super().as_metadata(),
            "changelog_requests": self.changelog_requests,
            "reconciled": self.reconciled,
            "reconcile_listed": self.reconcile_listed,
            "flagged_deleted": self.flagged_deleted,
            "flagged_moved_out": self.flagged_moved_out,
            "found_again": self.found_again,
        }


def search_scope(source: JiraSource) -> str:
    return "projects:" + ",".join(source.projects) if source.projects else "jql"


def build_jql(source: JiraSource, since: str | None) -> str:
    scope = f"project in ({', '.join(source.projects)})" if source.projects else f"({source.jql})"
    updated = f' AND updated >= "{since}"' if since else ""
    return f"{scope}{updated} ORDER BY updated ASC, id ASC"


def custom_field_ids(fields: list[dict[str, Any]]) -> list[str]:
    """The site's ids for story points, epic link, sprint, parent link, start and target dates."""
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
    now: datetime | None = None,
) -> JiraSyncReport:
    report = JiraSyncReport(source=source.name, http=client.http.stats)
    scope = search_scope(source)
    started = now or datetime.now(UTC)
    try:
        with raw_batches(conn, source.name, run_id) as batch:
            timezone, fields = _sync_definitions(batch, client)
            report.add_inserted(batch.commit())
            first_sync = get_cursor(conn, source.name, scope, ISSUES_ENDPOINT) is None
            _sync_issues(
                batch, conn, source, client, report, scope, timezone, fields, commit_every_pages
            )
            if first_sync:
                # a full sync just listed everything: the next reconciliation is due from now
                batch.advance(scope, RECONCILE_ENDPOINT, format_utc(started))
                report.add_inserted(batch.commit())
            elif _reconcile_due(conn, source, scope, started):
                _reconcile(batch, conn, source, client, report, scope, started)
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
    batch.add(
        "jira__statuscategories",
        (RawRecord("", str(c["id"]), None, None, c) for c in client.status_categories()),
    )
    fields = client.fields()
    batch.add("jira__fields", (RawRecord("", str(f["id"]), None, None, f) for f in fields))
    return str(myself.get("timeZone") or "UTC"), custom_field_ids(fields)


def _sync_issues(
    batch: RawBatch,
    conn: duckdb.DuckDBPyConnection,
    source: JiraSource,
    client: JiraClient,
    report: JiraSyncReport,
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
    # what the listing returned (and DC says it holds), for the dq completeness checks
    total = jira_reported_total(client, jql)
    listing = ListingTally.start(
        conn, batch.run_id, source.name, scope, ISSUES_ENDPOINT, cursor, total
    )
    newest = None
    pages_in_batch = 0
    for page in client.search_pages(jql, [*SYSTEM_FIELDS, *custom_fields]):
        report.pages += 1
        report.items_seen += len(page)
        listing.saw((str(i["id"]), str(i["fields"]["updated"])) for i in page)
        _add_page(batch, client, page, report)
        for issue in page:
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
    listing.finish()
    if newest is not None:
        report.cursors_after[scope] = format_utc(newest)


def _add_page(
    batch: RawBatch, client: JiraClient, page: list[dict[str, Any]], report: JiraSyncReport
) -> None:
    """Spool a page of issues and their complete changelogs (follow-ups fetched in one go)."""
    truncated = [
        str(issue["id"])
        for issue in page
        if isinstance((issue.get("changelog") or {}).get("total"), int)
        and issue["changelog"]["total"] > len(issue["changelog"].get("histories") or [])
    ]
    complete: dict[str, list[dict[str, Any]]] = {}
    if truncated:
        before = client.http.stats.requests
        complete = client.changelogs(truncated)
        report.changelog_followups += len(truncated)
        report.changelog_requests += client.http.stats.requests - before
    for issue in page:
        issue_id = str(issue["id"])
        fields = issue.get("fields") or {}
        project = str((fields.get("project") or {}).get("key", ""))
        batch.add(
            "jira__issues", [RawRecord(project, issue_id, None, fields.get("updated"), issue)]
        )
        histories = complete.get(issue_id)
        if histories is None:
            histories = list((issue.get("changelog") or {}).get("histories") or [])
        batch.add(
            "jira__changelogs",
            (RawRecord(project, str(h["id"]), issue_id, "", h) for h in histories),
        )


# ---------------------------------------------------------------------- reconciliation
def _reconcile_due(
    conn: duckdb.DuckDBPyConnection, source: JiraSource, scope: str, now: datetime
) -> bool:
    last = get_cursor(conn, source.name, scope, RECONCILE_ENDPOINT)
    if last is None:
        return True
    return now - parse_timestamp(last) >= timedelta(days=source.reconcile_every_days)


def _listing_scopes(source: JiraSource) -> list[tuple[str, str]]:
    """(scope, JQL) pairs: one id-only listing per project, or the source's own JQL."""
    if source.projects:
        return [(p, f"project = {p} ORDER BY id ASC") for p in source.projects]
    return [("jql", f"({source.jql}) ORDER BY id ASC")]


_MISSING_SQL = """
with latest as (
    select native_id, payload ->> '$.key' as issue_key, scope
    from raw.jira__issues
    where source = $source
    qualify row_number() over (
        partition by native_id
        order by (payload ->> '$.fields.updated')::timestamptz desc, _extracted_at desc
    ) = 1
),
verdicts as (
    select native_id, payload ->> '$.status' as status
    from raw.jira__reconciliations
    where source = $source
    qualify row_number() over (partition by native_id order by version desc) = 1
)
select latest.native_id, latest.issue_key, latest.scope
from latest
left join verdicts on verdicts.native_id = latest.native_id
where ($all_scopes or latest.scope in (select unnest($scopes::varchar[])))
    and latest.native_id not in (select unnest($listed::varchar[]))
    and coalesce(verdicts.status, 'present') = 'present'
order by latest.native_id
"""

_FOUND_AGAIN_SQL = """
select native_id, payload ->> '$.last_key' as issue_key
from raw.jira__reconciliations
where source = $source
qualify row_number() over (partition by native_id order by version desc) = 1
    and (payload ->> '$.status') <> 'present'
    and native_id in (select unnest($listed::varchar[]))
"""


def _reconcile(
    batch: RawBatch,
    conn: duckdb.DuckDBPyConnection,
    source: JiraSource,
    client: JiraClient,
    report: JiraSyncReport,
    scope: str,
    now: datetime,
) -> None:
    """Flag issues Jira no longer lists in scope; un-flag those that came back."""
    listed: list[str] = []
    for _listing, jql in _listing_scopes(source):
        for page in client.id_pages(jql):
            listed.extend(str(issue["id"]) for issue in page)
    report.reconcile_listed = len(listed)
    params = {
        "source": source.name,
        "listed": listed,
        "scopes": list(source.projects),
        "all_scopes": not source.projects,
    }
    missing = conn.execute(_MISSING_SQL, params).fetchall()
    found_again = conn.execute(
        _FOUND_AGAIN_SQL, {k: params[k] for k in ("source", "listed")}
    ).fetchall()
    checked_at = format_utc(now)
    verdicts: list[RawRecord] = []
    for issue_id, last_key, last_scope in missing:
        where = client.issue_location(issue_id)
        if where is not None and where["project"] in source.projects:
            continue  # still in scope (listing raced an edit): nothing to flag
        status = "deleted" if where is None else "moved_out"
        payload = {
            "issue_id": issue_id,
            "status": status,
            "last_key": last_key,
            "key": None if where is None else where["key"],
            "project": None if where is None else where["project"],
            "checked_at": checked_at,
        }
        verdicts.append(RawRecord(last_scope, issue_id, None, checked_at, payload))
        if status == "deleted":
            report.flagged_deleted += 1
        else:
            report.flagged_moved_out += 1
    for issue_id, last_key in found_again:
        payload = {"issue_id": issue_id, "status": "present", "last_key": last_key}
        verdicts.append(RawRecord(scope, issue_id, None, checked_at, payload | {"key": last_key}))
        report.found_again += 1
    batch.add("jira__reconciliations", verdicts)
    batch.advance(scope, RECONCILE_ENDPOINT, checked_at)
    report.add_inserted(batch.commit())
    report.reconciled = True
    log.info(
        "%s: reconciled %d listed issues: %d deleted, %d moved out, %d found again",
        source.name,
        len(listed),
        report.flagged_deleted,
        report.flagged_moved_out,
        report.found_again,
    )
