"""Incremental GitHub sync: the issues feed drives everything else.

Per repo, the issues listing (state=all, sorted by update ascending, `since` the cursor minus an
overlap) names what changed; events, PR detail, reviews and commits are fetched only for those
items. Every `commit_every_pages` pages the batch commits together with a cursor equal to the
newest update it holds, so a crash costs at most that many pages of refetching. A failing repo
is recorded and the other repos still load.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import duckdb

from connectors.errors import ConnectorError
from connectors.github.client import GitHubClient
from pipelines.lib.sync_report import SyncReport
from pipelines.lib.timestamps import format_utc, parse_timestamp
from pipelines.lib.warehouse import RawBatch, RawRecord, get_cursor, raw_batches
from pipelines.settings import GitHubSource

log = logging.getLogger(__name__)
ISSUES_ENDPOINT = "issues"


def is_pull_request(issue: dict[str, Any]) -> bool:
    """PRs appear in the issues feed with a `pull_request` object whose URLs are set."""
    marker = issue.get("pull_request")
    return isinstance(marker, dict) and bool(marker.get("url") or marker.get("html_url"))


def sync_github(
    conn: duckdb.DuckDBPyConnection,
    source: GitHubSource,
    client: GitHubClient,
    run_id: str,
    *,
    commit_every_pages: int = 10,
) -> SyncReport:
    report = SyncReport(source=source.name, http=client.http.stats)
    for repo in source.repos:
        try:
            _sync_repo(conn, source, client, run_id, repo, report, commit_every_pages)
        except ConnectorError as exc:
            log.error("%s: %s failed: %s", source.name, repo, exc)
            report.failures.append(f"{repo}: {exc}")
    return report


def _sync_repo(
    conn: duckdb.DuckDBPyConnection,
    source: GitHubSource,
    client: GitHubClient,
    run_id: str,
    repo: str,
    report: SyncReport,
    commit_every_pages: int,
) -> None:
    cursor = get_cursor(conn, source.name, repo, ISSUES_ENDPOINT)
    report.cursors_before[repo] = cursor
    report.cursors_after[repo] = cursor
    since = (
        None
        if cursor is None
        else parse_timestamp(cursor) - timedelta(minutes=source.overlap_minutes)
    )
    with raw_batches(conn, source.name, run_id) as batch:
        pages_in_batch = 0
        newest = None
        for page in client.issue_pages(repo, since):
            report.pages += 1
            report.items_seen += len(page)
            _add_issue_page(batch, client, repo, page)
            for issue in page:
                updated = parse_timestamp(issue["updated_at"])
                newest = updated if newest is None or updated > newest else newest
            if newest is not None:
                batch.advance(repo, ISSUES_ENDPOINT, format_utc(newest))
            pages_in_batch += 1
            if pages_in_batch >= commit_every_pages:
                report.add_inserted(batch.commit())
                report.cursors_after[repo] = format_utc(newest) if newest else cursor
                pages_in_batch = 0
        batch.add(
            "github__milestones",
            (
                RawRecord(repo, str(m["id"]), None, m.get("updated_at"), m)
                for m in client.milestones(repo)
            ),
        )
        report.add_inserted(batch.commit())
        if newest is not None:
            report.cursors_after[repo] = format_utc(newest)


def _add_issue_page(
    batch: RawBatch, client: GitHubClient, repo: str, page: list[dict[str, Any]]
) -> None:
    batch.add(
        "github__issues", (RawRecord(repo, str(i["id"]), None, i["updated_at"], i) for i in page)
    )
    for issue in page:
        issue_id = str(issue["id"])
        number = int(issue["number"])
        batch.add(
            "github__issue_events",
            (
                RawRecord(repo, str(e["id"]), issue_id, "", e)
                for e in client.issue_events(repo, number)
            ),
        )
        if not is_pull_request(issue):
            continue
        pull = client.pull(repo, number)
        batch.add("github__pulls", [RawRecord(repo, issue_id, None, pull.get("updated_at"), pull)])
        batch.add(
            "github__reviews",
            (
                RawRecord(repo, str(r["id"]), issue_id, None, r)
                for r in client.pull_reviews(repo, number)
            ),
        )
        batch.add(
            "github__commits",
            (
                RawRecord(repo, str(c["sha"]), issue_id, "", c)
                for c in client.pull_commits(repo, number)
            ),
        )
