"""Set-based SQL checks on built tables: row-count history and flow reconciliation.

These run in DuckDB at any table size (no frame is pulled into Python), and each returns
CheckRecords for `dq.check_results` like the GX suites do.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from pipelines.lib.quality import CheckRecord, table_columns
from pipelines.lib.suites.spec import ERROR, WARN
from pipelines.settings import QualitySettings

PREVIOUS_COUNT = """
select row_count
from dq.row_counts
where table_name = ? and scope = ? and run_id <> ?
order by counted_at desc
limit 1
"""


def row_count_guard(
    conn: duckdb.DuckDBPyConnection,
    *,
    asset: str,
    table: str,
    run_id: str,
    quality: QualitySettings,
    scope: str = "",
    source: str | None = None,
) -> CheckRecord:
    """Compare the table's rows with the previous run's and record today's count.

    A sudden drop means a partial load or a broken model. The guard only applies once the
    table had `min_rows` rows (tiny tables swing legitimately). The count is recorded even
    when the guard fails, so a drop that is real becomes the baseline of the next run.
    """
    where = "where source = ?" if source is not None else ""
    row = conn.execute(
        f"select count(*) from {table} {where}",  # noqa: S608 - table names from our suites
        [source] if source is not None else [],
    ).fetchone()
    current = int(row[0]) if row else 0
    previous_row = conn.execute(PREVIOUS_COUNT, [table, scope, run_id]).fetchone()
    conn.execute(
        "insert into dq.row_counts values (?, ?, ?, ?, ?)",
        [run_id, datetime.now(UTC), table, scope, current],
    )
    label = f"{table}[{scope}]" if scope else table
    if previous_row is None:
        return CheckRecord(
            asset, "row_count_not_dropped", ERROR, True, f"{current} rows (first count)"
        )
    previous = int(previous_row[0])
    drop = (previous - current) / previous if previous else 0.0
    observed = f"{current} rows, previously {previous} ({-drop:+.1%})"
    severity = ERROR
    success = True
    if previous >= quality.row_count_min_rows and drop > quality.row_count_warn_drop:
        success = False
        severity = ERROR if drop > quality.row_count_error_drop else WARN
    return CheckRecord(
        asset,
        "row_count_not_dropped",
        severity,
        success,
        observed,
        max(previous - current, 0) if not success else 0,
        f"{label}: allowed drop {quality.row_count_warn_drop:.0%} (warn), "
        f"{quality.row_count_error_drop:.0%} (error), from {quality.row_count_min_rows} rows",
    )


FLOW_RECONCILIATION = """
with flow as (
    select
        team,
        kind_scope,
        day,
        wip,
        in_progress_count,
        todo_count + in_progress_count + done_count + cancelled_count as items_present,
        done_count,
        cancelled_count,
        sum(arrivals) over running as arrived,
        sum(starts) over running as started,
        sum(completions) over running as completed,
        sum(cancellations) over running as cancelled,
        day = max(day) over (partition by team, kind_scope) as is_last_day
    from marts.fct_flow_daily
    window running as (
        partition by team, kind_scope order by day
        rows between unbounded preceding and current row
    )
),

violations as (
    select
        team,
        kind_scope,
        day,
        case
            when wip <> in_progress_count then 'wip <> in_progress_count'
            when items_present <> arrived then 'items in the cumulative flow <> arrivals so far'
            when wip > started then 'wip > starts so far'
            when completed > done_count then 'completions so far > done items'
            when cancelled > cancelled_count then 'cancellations so far > cancelled items'
            when is_last_day and completed <> done_count then 'completions <> done items today'
            when is_last_day and cancelled <> cancelled_count
                then 'cancellations <> cancelled items today'
        end as rule
    from flow
)

select
    count(*) filter (where rule is not null) as bad_days,
    count(*) as days,
    list(team || '/' || kind_scope || ' ' || day::varchar || ': ' || rule order by day)
        filter (where rule is not null)[1:5] as sample
from violations
"""

FLOW_COLUMNS = frozenset(
    {
        "wip",
        "arrivals",
        "starts",
        "completions",
        "cancellations",
        "todo_count",
        "in_progress_count",
        "done_count",
        "cancelled_count",
    }
)


def flow_counts_reconcile(conn: duckdb.DuckDBPyConnection) -> CheckRecord:
    """Day over day, per team and kind_scope, the flow counts must tell one story.

    WIP is the in-progress column of the cumulative flow; every item that has arrived is in
    exactly one category; no more items are in progress than have started; and completions
    and cancellations so far never exceed (and, on the run's day, equal) the done and
    cancelled columns, since both count items by their current category.
    """
    asset = "marts.fct_flow_daily"
    missing = FLOW_COLUMNS - table_columns(conn, asset)
    if missing:
        return CheckRecord(
            asset, "flow_counts_reconcile", ERROR, False, f"columns missing: {sorted(missing)}"
        )
    row = conn.execute(FLOW_RECONCILIATION).fetchone()
    bad, days, sample = (int(row[0]), int(row[1]), row[2]) if row else (0, 0, [])
    return CheckRecord(
        asset,
        "flow_counts_reconcile",
        ERROR,
        bad == 0,
        f"{bad} of {days} team-days inconsistent",
        bad,
        f"sample: {sample}" if bad else "",
    )
