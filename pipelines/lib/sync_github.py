"""Incremental GitHub sync: the issues feed drives everything else, and validators make
unchanged lists free.

Per repo, the issues listing (state=all, sorted by update ascending, `since` the cursor minus an
overlap) names what changed. An item whose (id, updated_at) is already in `raw.github__issues`
was committed with all its children, so only items with a new version get their events,
timeline (issues), PR detail, reviews and commits (PRs) and sub-issues (parents) fetched.

Every list and object is requested with `If-None-Match` when its URL was fetched before. The
validators (ETag plus the page's `next` link) live in `raw.github__etags` and are committed in
the same transaction as the data they validate, so a 304 always means "what the warehouse holds
is current". With nothing changed a repo costs one request per listing (issues, milestones,
labels), all 304s, which GitHub does not count against the primary rate limit.

Cursors, one per (source, repo, endpoint): `issues` (newest `updated_at` committed),
`milestones` (newest milestone `updated_at`) and `labels` (the label list's ETag). Every
`commit_every_pages` listing pages the batch commits with the issues cursor, so a crash costs at
most that many pages of refetching. A failing repo is recorded and the other repos still load.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb

from connectors.errors import ConnectorError, NotFoundError
from connectors.github.client import GitHubClient, ListPage, Validator, is_pull_request
from pipelines.lib.suites.completeness import ListingTally
from pipelines.lib.sync_report import SyncReport
from pipelines.lib.timestamps import format_utc, parse_timestamp
from pipelines.lib.warehouse import RawBatch, RawRecord, get_cursor, raw_batches
from pipelines.settings import GitHubSource

__all__ = ["is_pull_request", "sync_github"]

log = logging.getLogger(__name__)
ISSUES_ENDPOINT = "issues"
MILESTONES_ENDPOINT = "milestones"
LABELS_ENDPOINT = "labels"
ETAGS_TABLE = "github__etags"

LOAD_VALIDATORS = """
select native_id, payload ->> '$.etag', payload ->> '$.next_url'
from raw.github__etags
where source = ? and scope = ?
qualify row_number() over (partition by native_id order by _extracted_at desc) = 1
"""

STORED_VERSIONS = """
select native_id, version
from raw.github__issues
where source = ? and scope = ? and native_id in (select unnest(?::varchar[]))
"""


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
        repo_sync = RepoSync(conn, source, client, run_id, repo, report, commit_every_pages)
        try:
            repo_sync.run()
        except ConnectorError as exc:
            log.error("%s: %s failed: %s", source.name, repo, exc)
            report.failures.append(f"{repo}: {exc}")
    return report


def timeline_native_id(issue_id: str, item: dict[str, Any]) -> str:
    """Timeline items that are events or comments carry an id; the rest get a stable one.

    `cross-referenced` and `committed` items have no id, so they are keyed by what they point
    at (the referencing issue, the commit sha) within the issue they belong to.
    """
    if item.get("id") is not None:
        return str(item["id"])
    event = item.get("event") or "item"
    if event == "committed" and item.get("sha"):
        return f"{issue_id}:committed:{item['sha']}"
    if event == "cross-referenced":
        referencing = (item.get("source") or {}).get("issue") or {}
        anchor = referencing.get("id") or referencing.get("url") or ""
        return f"{issue_id}:cross-referenced:{anchor}:{item.get('created_at') or ''}"
    digest = hashlib.md5(  # noqa: S324 - a content key, not security
        json.dumps(item, sort_keys=True).encode("utf-8")
    ).hexdigest()
    return f"{issue_id}:{event}:{digest}"


@dataclass
class RepoSync:
    """One repo's sync within one run: validators in, raw rows and cursors out."""

    conn: duckdb.DuckDBPyConnection
    source: GitHubSource
    client: GitHubClient
    run_id: str
    repo: str
    report: SyncReport
    commit_every_pages: int
    validators: dict[str, Validator] = field(default_factory=dict)
    sub_issues_supported: bool = True
    _fresh_validators: dict[str, RawRecord] = field(default_factory=dict)
    _versions_this_run: set[tuple[str, str]] = field(default_factory=set)
    listing: ListingTally | None = None  # what the issues listing returned, for dq checks

    def run(self) -> None:
        self.validators = self._load_validators()
        cursor = get_cursor(self.conn, self.source.name, self.repo, ISSUES_ENDPOINT)
        self.report.cursors_before[self.repo] = cursor
        self.report.cursors_after[self.repo] = cursor
        since = (
            None
            if cursor is None
            else parse_timestamp(cursor) - timedelta(minutes=self.source.overlap_minutes)
        )
        self.listing = ListingTally.start(
            self.conn, self.run_id, self.source.name, self.repo, ISSUES_ENDPOINT, cursor
        )
        with raw_batches(self.conn, self.source.name, self.run_id) as batch:
            self._sync_issues(batch, since, cursor)
            self._sync_milestones(batch)
            self._sync_labels(batch)
            self._commit(batch)
        self.listing.finish()  # only once everything listed is committed

    # ------------------------------------------------------------------ listings
    def _sync_issues(self, batch: RawBatch, since: datetime | None, cursor: str | None) -> None:
        pages_in_batch = 0
        newest: datetime | None = None
        for page in self.client.pages(self.client.issues_url(self.repo, since), self.validators):
            self.report.pages += 1
            if page.items is not None:
                self.report.items_seen += len(page.items)
                if self.listing is not None:
                    self.listing.saw((str(i["id"]), str(i["updated_at"])) for i in page.items)
                self._add_issue_page(batch, page.items)
                self._remember(page)
                stamps = [parse_timestamp(i["updated_at"]) for i in page.items]
                newest = max([*stamps, *([newest] if newest else [])], default=None)
                if newest is not None:
                    batch.advance(self.repo, ISSUES_ENDPOINT, format_utc(newest))
            pages_in_batch += 1
            if pages_in_batch >= self.commit_every_pages:
                self._commit(batch)
                self.report.cursors_after[self.repo] = format_utc(newest) if newest else cursor
                pages_in_batch = 0
        if newest is not None:
            self.report.cursors_after[self.repo] = format_utc(newest)

    def _sync_milestones(self, batch: RawBatch) -> None:
        """Milestones change rarely: state=all (the default hides closed ones), with an ETag."""
        newest: str | None = None
        for page in self._pages(self.client.milestones_url(self.repo)):
            items = page.items or []
            batch.add(
                "github__milestones",
                (RawRecord(self.repo, str(m["id"]), None, m.get("updated_at"), m) for m in items),
            )
            stamps = [str(m["updated_at"]) for m in items if m.get("updated_at")]
            newest = max([*stamps, *([newest] if newest else [])], default=None)
        if newest is not None:
            batch.advance(self.repo, MILESTONES_ENDPOINT, format_utc(parse_timestamp(newest)))

    def _sync_labels(self, batch: RawBatch) -> None:
        etag: str | None = None
        for page in self._pages(self.client.labels_url(self.repo)):
            items = page.items or []
            batch.add(
                "github__labels",
                (
                    RawRecord(self.repo, str(lb.get("id") or lb["name"]), None, None, lb)
                    for lb in items
                ),
            )
            if page.items is not None:
                etag = etag or page.etag
        if etag:
            batch.advance(self.repo, LABELS_ENDPOINT, etag)

    # ------------------------------------------------------------------ per item
    def _add_issue_page(self, batch: RawBatch, page: list[dict[str, Any]]) -> None:
        batch.add(
            "github__issues",
            (RawRecord(self.repo, str(i["id"]), None, i["updated_at"], i) for i in page),
        )
        for issue in self._changed(page):
            self._add_children(batch, issue)

    def _changed(self, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Items whose version is new: neither committed before nor seen earlier in this run."""
        ids = [str(i["id"]) for i in page]
        stored = {
            (str(native_id), str(version))
            for native_id, version in self.conn.execute(
                STORED_VERSIONS, [self.source.name, self.repo, ids]
            ).fetchall()
        }
        changed = []
        for issue in page:
            key = (str(issue["id"]), str(issue["updated_at"]))
            if key not in stored and key not in self._versions_this_run:
                changed.append(issue)
            self._versions_this_run.add(key)
        return changed

    def _add_children(self, batch: RawBatch, issue: dict[str, Any]) -> None:
        repo, client = self.repo, self.client
        issue_id, number = str(issue["id"]), int(issue["number"])
        self._add_list(
            batch,
            "github__issue_events",
            client.events_url(repo, number),
            lambda e: RawRecord(repo, str(e["id"]), issue_id, "", e),
        )
        if is_pull_request(issue):
            self._add_pull(batch, issue_id, number)
        else:
            # The events API lacks cross-references (the linked-PR start signal): timeline.
            self._add_list(
                batch,
                "github__timeline",
                client.timeline_url(repo, number),
                lambda t: RawRecord(
                    repo, timeline_native_id(issue_id, t), issue_id, t.get("updated_at") or "", t
                ),
            )
        summary = issue.get("sub_issues_summary")
        if self.sub_issues_supported and isinstance(summary, dict) and summary.get("total"):
            self._add_sub_issues(batch, issue_id, number)

    def _add_pull(self, batch: RawBatch, issue_id: str, number: int) -> None:
        repo, client = self.repo, self.client
        pull = client.resource(client.pull_url(repo, number), self.validators)
        if pull.body is not None:
            batch.add(
                "github__pulls",
                [RawRecord(repo, issue_id, None, pull.body.get("updated_at"), pull.body)],
            )
            self._remember_url(pull.url, pull.etag, None)
        self._add_list(
            batch,
            "github__reviews",
            client.reviews_url(repo, number),
            lambda r: RawRecord(repo, str(r["id"]), issue_id, None, r),
        )
        self._add_list(
            batch,
            "github__commits",
            client.commits_url(repo, number),
            lambda c: RawRecord(repo, str(c["sha"]), issue_id, "", c),
        )

    def _add_sub_issues(self, batch: RawBatch, issue_id: str, number: int) -> None:
        """Older GHES releases answer 404: note it once, skip sub-issues for this repo."""
        try:
            self._add_list(
                batch,
                "github__sub_issues",
                self.client.sub_issues_url(self.repo, number),
                lambda c: RawRecord(self.repo, str(c["id"]), issue_id, self.run_id, c),
            )
        except NotFoundError:
            self.sub_issues_supported = False
            log.warning(
                "%s: %s has no sub-issues endpoint (older GitHub Enterprise Server?); "
                "parent links come from parent_issue_url only",
                self.source.name,
                self.repo,
            )

    # ------------------------------------------------------------------ plumbing
    def _add_list(
        self,
        batch: RawBatch,
        table: str,
        url: str,
        to_record: Callable[[dict[str, Any]], RawRecord],
    ) -> None:
        for page in self._pages(url):
            batch.add(table, (to_record(item) for item in page.items or []))

    def _pages(self, url: str) -> Iterable[ListPage]:
        for page in self.client.pages(url, self.validators):
            self.report.pages += 1
            if page.items is not None:
                self._remember(page)
            yield page

    def _remember(self, page: ListPage) -> None:
        self._remember_url(page.url, page.etag, page.next_url)

    def _remember_url(self, url: str, etag: str | None, next_url: str | None) -> None:
        if not etag:
            return
        self._fresh_validators[url] = RawRecord(
            self.repo,
            url,
            None,
            self.run_id,
            {"url": url, "etag": etag, "next_url": next_url},
        )

    def _commit(self, batch: RawBatch) -> None:
        """Validators go in the same transaction as the data they describe."""
        batch.add(ETAGS_TABLE, self._fresh_validators.values())
        inserted = batch.commit()
        for record in self._fresh_validators.values():
            payload = record.payload
            self.validators[payload["url"]] = Validator(payload["etag"], payload["next_url"])
        self._fresh_validators.clear()
        inserted.pop(ETAGS_TABLE, None)  # bookkeeping, not tracker rows
        self.report.add_inserted(inserted)

    def _load_validators(self) -> dict[str, Validator]:
        rows = self.conn.execute(LOAD_VALIDATORS, [self.source.name, self.repo]).fetchall()
        return {str(url): Validator(str(etag), nxt) for url, etag, nxt in rows if etag}
