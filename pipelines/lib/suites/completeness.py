"""Completeness: proof that nothing a tracker sent was silently dropped on the way in.

Three questions, each answered set-based in SQL over the raw layer and the sync bookkeeping:
- Is every Jira changelog complete? Stored histories per issue equal the `changelog.total`
  its latest payload reported (search embeds a truncated changelog; the sync must fetch the
  rest, and this proves it did).
- Did the listing return what the tracker said it had, and is all of it stored? Where the
  tracker reports a count (Jira Data Center's search `total`) the listing must reach it;
  everywhere, every (item, version) the listing returned must be in raw.
- Did each incremental listing start where the previous one stopped? A cursor that is ahead
  of both the previous run's committed cursor and the newest update actually stored means a
  window of updates nobody fetched.

Syncs feed this through `ListingTally` (one hook per listing; see sync_github / sync_jira).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from pipelines.lib.quality import CheckRecord
from pipelines.lib.suites.spec import ERROR

ISSUE_TABLES = {"github": "github__issues", "jira": "jira__issues"}


@dataclass
class ListingTally:
    """What one incremental listing returned: written per page (bounded memory), set-based.

    `start` clears the previous listing of the same (source, scope); `saw` appends a page's
    (native id, version) pairs; `finish` records the listing as complete. A listing that
    failed half-way is never finished, so it is never compared (sync_succeeded reports it).
    """

    conn: duckdb.DuckDBPyConnection
    run_id: str
    source: str
    scope: str
    endpoint: str
    cursor_before: str | None
    reported_total: int | None = None
    _seen: set[str] = field(default_factory=set)
    _listed: int = 0

    @classmethod
    def start(
        cls,
        conn: duckdb.DuckDBPyConnection,
        run_id: str,
        source: str,
        scope: str,
        endpoint: str,
        cursor_before: str | None,
        reported_total: int | None = None,
    ) -> ListingTally:
        conn.execute(
            "delete from meta.sync_listed_items where source = ? and scope = ?", [source, scope]
        )
        return cls(conn, run_id, source, scope, endpoint, cursor_before, reported_total)

    def saw(self, items: Iterable[tuple[str, str]]) -> None:
        pairs = [(str(native_id), str(version)) for native_id, version in items]
        if not pairs:
            return
        self._seen.update(native_id for native_id, _ in pairs)
        self._listed = len(self._seen)
        page = pa.table(
            {
                "run_id": [self.run_id] * len(pairs),
                "source": [self.source] * len(pairs),
                "scope": [self.scope] * len(pairs),
                "native_id": [p[0] for p in pairs],
                "version": [p[1] for p in pairs],
            }
        )
        view = f"listed_page_{id(self)}"  # unique: syncs may share a connection across threads
        self.conn.register(view, page)
        try:
            self.conn.execute(f"insert into meta.sync_listed_items select * from {view}")  # noqa: S608
        finally:
            self.conn.unregister(view)

    def finish(self) -> None:
        self.conn.execute(
            "insert into meta.sync_listings values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.run_id,
                self.source,
                self.scope,
                self.endpoint,
                self.cursor_before,
                self.reported_total,
                self._listed,
                datetime.now(UTC),
            ],
        )


def jira_reported_total(client: Any, jql: str) -> int | None:
    """Jira Data Center's own count for a search (`total`); Cloud's search reports none.

    One extra, cheap request (one id, no changelog) made *before* the listing: the set of
    issues updated since the cursor only grows while the listing runs, so a listing that
    returns fewer distinct issues than this skipped some (offset paging over a changing set).
    """
    if getattr(client, "flavor", None) != "datacenter":
        return None
    body = client.http.post_json(
        f"{client.api}/search", {"jql": jql, "fields": ["id"], "maxResults": 1, "startAt": 0}
    )
    total = body.get("total") if isinstance(body, dict) else None
    return int(total) if isinstance(total, int) else None


CHANGELOG_SQL = """
with latest as (
    select
        native_id,
        payload ->> '$.key' as issue_key,
        try_cast(payload -> '$.changelog' ->> '$.total' as bigint) as reported
    from raw.jira__issues
    where source = $source
    qualify row_number() over (
        partition by native_id order by _extracted_at desc, version desc
    ) = 1
),

stored as (
    select parent_id as native_id, count(distinct native_id) as histories
    from raw.jira__changelogs
    where source = $source
    group by parent_id
),

compared as (
    select latest.issue_key, latest.reported, coalesce(stored.histories, 0) as histories
    from latest
    left join stored on stored.native_id = latest.native_id
    where latest.reported is not null
)

select
    count(*) as issues,
    count(*) filter (where histories < reported) as truncated,
    coalesce(sum(reported - histories) filter (where histories < reported), 0) as missing,
    coalesce(sum(histories), 0) as stored,
    list(issue_key || ' ' || histories || '/' || reported order by issue_key)
        filter (where histories < reported)[1:5] as sample
from compared
"""


def changelog_complete(conn: duckdb.DuckDBPyConnection, asset: str, source: str) -> CheckRecord:
    row = conn.execute(CHANGELOG_SQL, {"source": source}).fetchone()
    issues, truncated, missing, stored, sample = row if row else (0, 0, 0, 0, [])
    return CheckRecord(
        asset,
        "changelog_complete",
        ERROR,
        int(truncated) == 0,
        f"{int(issues) - int(truncated)} of {issues} issues complete; {stored} histories stored, "
        f"{missing} missing",
        int(truncated),
        f"truncated (stored/total): {sample}" if truncated else "",
    )


LISTINGS_SQL = """
select scope, reported_total, items_listed
from meta.sync_listings
where run_id = ? and source = ?
order by scope
"""

UNSTORED_SQL = """
select count(*), list(listed.native_id order by listed.native_id)[1:5]
from meta.sync_listed_items as listed
where listed.run_id = $run_id
  and listed.source = $source
  and not exists (
      select 1 from raw.{table} as stored
      where stored.source = listed.source
        and stored.native_id = listed.native_id
        and stored.version = listed.version
  )
"""


def listing_complete(
    conn: duckdb.DuckDBPyConnection, asset: str, source: str, tracker: str, run_id: str
) -> CheckRecord:
    listings = conn.execute(LISTINGS_SQL, [run_id, source]).fetchall()
    if not listings:
        return CheckRecord(
            asset,
            "listing_complete",
            ERROR,
            True,
            "no listing completed this run (see sync_succeeded)",
        )
    short = [
        f"{scope}: listed {listed} of {total} reported"
        for scope, total, listed in listings
        if total is not None and listed < total
    ]
    shortfall = sum(
        int(total) - int(listed)
        for _, total, listed in listings
        if total is not None and listed < total
    )
    row = conn.execute(
        UNSTORED_SQL.replace("{table}", ISSUE_TABLES[tracker]),
        {"run_id": run_id, "source": source},
    ).fetchone()
    unstored, sample = (int(row[0]), row[1]) if row else (0, [])
    # the per-item list has served its purpose; keep only the per-listing summary
    conn.execute(
        "delete from meta.sync_listed_items where run_id = ? and source = ?", [run_id, source]
    )
    listed_total = sum(int(listed) for _, _, listed in listings)
    reported = [int(total) for _, total, _ in listings if total is not None]
    observed = f"{listed_total} items listed"
    if reported:
        observed += f", {sum(reported)} reported by the tracker"
    observed += f", {listed_total - unstored if unstored <= listed_total else 0} stored"
    problems = [*short]
    if unstored:
        problems.append(f"{unstored} listed item versions not in raw, e.g. {sample}")
    return CheckRecord(
        asset,
        "listing_complete",
        ERROR,
        not problems,
        observed,
        shortfall + unstored,
        "; ".join(problems),
    )


CURSOR_SQL = """
with listings as (
    select scope, endpoint, cursor_before
    from meta.sync_listings
    where run_id = $run_id and source = $source
),

previous as (
    select scope, endpoint, cursor_value
    from meta.sync_cursor_history
    where source = $source and run_id <> $run_id
    qualify row_number() over (partition by scope, endpoint order by recorded_at desc) = 1
),

stored as (
    select scope, max(try_cast(version as timestamptz)) as newest
    from raw.{table}
    where source = $source and _run_id <> $run_id
    group by scope
),

stored_anywhere as (
    select max(newest) as newest from stored
),

judged as (
    select
        listings.scope,
        try_cast(listings.cursor_before as timestamptz) as started_from,
        try_cast(previous.cursor_value as timestamptz) as previous_cursor,
        coalesce(stored.newest, stored_anywhere.newest) as newest_stored
    from listings
    left join previous
        on previous.scope = listings.scope and previous.endpoint = listings.endpoint
    left join stored on stored.scope = listings.scope
    cross join stored_anywhere
)

select
    count(*) as listings,
    count(*) filter (
        where started_from > coalesce(greatest(previous_cursor, newest_stored), '-infinity')
    ) as gaps,
    list(
        scope || ' started from ' || started_from::varchar || ', previous cursor '
        || coalesce(previous_cursor::varchar, 'none') || ', newest stored '
        || coalesce(newest_stored::varchar, 'none')
    ) filter (
        where started_from > coalesce(greatest(previous_cursor, newest_stored), '-infinity')
    )[1:5] as sample
from judged
"""

SNAPSHOT_CURSORS_SQL = """
insert into meta.sync_cursor_history
select source, scope, endpoint, cursor_value, run_id, committed_at, $now
from meta.sync_cursors as current
where source = $source
  and not exists (
      select 1 from meta.sync_cursor_history as seen
      where seen.source = current.source and seen.scope = current.scope
        and seen.endpoint = current.endpoint and seen.cursor_value = current.cursor_value
        and seen.run_id = current.run_id
  )
"""


def cursor_continuous(
    conn: duckdb.DuckDBPyConnection, asset: str, source: str, tracker: str, run_id: str
) -> CheckRecord:
    """No listing may start after what the previous run committed and raw actually holds.

    A listing starting from a cursor *earlier* than that only refetches (harmless); one
    starting *later* skipped a window. Justified: the previous run's cursor from the history,
    or, when the history missed a run that crashed after committing, the newest stored update.
    The cursors this run left are then added to `meta.sync_cursor_history`.
    """
    row = conn.execute(
        CURSOR_SQL.replace("{table}", ISSUE_TABLES[tracker]), {"run_id": run_id, "source": source}
    ).fetchone()
    listings, gaps, sample = (int(row[0]), int(row[1]), row[2]) if row else (0, 0, [])
    conn.execute(SNAPSHOT_CURSORS_SQL, {"source": source, "now": datetime.now(UTC)})
    return CheckRecord(
        asset,
        "cursor_continuous",
        ERROR,
        gaps == 0,
        f"{listings - gaps} of {listings} listings continue from the previous cursor",
        gaps,
        f"gaps: {sample}" if gaps else "",
    )


FRESHNESS_SQL = """
select
    max(finished_at) filter (where status = 'succeeded') as last_success,
    min(started_at) as first_attempt
from meta.load_log
where source = ?
"""


def source_fresh(
    conn: duckdb.DuckDBPyConnection,
    asset: str,
    source: str,
    *,
    warn_after_hours: float,
    error_after_hours: float,
    now: datetime,
) -> CheckRecord:
    """Hours since the source last synced successfully (or was first tried, if never)."""
    row = conn.execute(FRESHNESS_SQL, [source]).fetchone()
    last_success, first_attempt = row if row else (None, None)
    since = last_success or first_attempt
    if since is None:
        return CheckRecord(asset, "source_fresh", ERROR, True, "never synced yet")
    age = (now - since).total_seconds() / 3600.0
    what = "last successful sync" if last_success else "never synced; first attempt"
    observed = f"{what} {age:.1f} h ago ({since:%Y-%m-%d %H:%M} UTC)"
    limits = f"warn after {warn_after_hours:g} h, error after {error_after_hours:g} h"
    if age > error_after_hours:
        return CheckRecord(asset, "source_fresh", ERROR, False, observed, 1, limits)
    if age > warn_after_hours:
        return CheckRecord(asset, "source_fresh", "WARN", False, observed, 1, limits)
    return CheckRecord(asset, "source_fresh", ERROR, True, observed, 0, limits)
