"""How long great-expectations takes on a large mart, and what SQL does instead.

Builds a synthetic `marts.fct_work_items` of N rows (default 1,000,000) in an in-memory DuckDB,
then times: (1) the full GX suite on the whole table (pandas frame), (2) the same suite on the
default window (`quality.gx_max_rows` newest rows) plus the set-based SQL key checks, which is
what the pipeline does above that size. Run: `.venv/bin/python benchmarks/quality_gx_suite.py`.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

import duckdb

from pipelines.lib.quality import _gx_context, key_checks_sql, validate_table
from pipelines.lib.suites.marts import MART_SUITES
from pipelines.settings import QualitySettings

SYNTHETIC = """
create table marts.fct_work_items as
select
    'jira:' || i as item_id, 'jira' as source, 'PAY-' || i as key,
    case when i % 10 = 0 then 'epic' else 'issue' end as kind,
    'team_' || (i % 7) as team, 'item ' || i as title, 'Done' as status,
    case when i % 5 = 0 then 'in_progress' else 'done' end as category,
    timestamptz '2024-01-01 00:00:00+00' + to_seconds(i * 60) as created_at,
    timestamptz '2024-01-02 00:00:00+00' + to_seconds(i * 60) as started_at,
    case when i % 5 <> 0 then timestamptz '2024-01-04 00:00:00+00' + to_seconds(i * 60) end
        as completed_at,
    null::timestamptz as cancelled_at,
    case when i % 5 <> 0 then 72.0 end as lead_time_hours,
    case when i % 5 <> 0 then 48.0 end as cycle_time_hours,
    30.0 as active_hours, 18.0 as wait_hours, 0.625 as flow_efficiency,
    2.0 as cycle_time_business_days, 0 as reopen_count, 3 as status_changes,
    0 as backward_moves, 3.0 as story_points, null::varchar as parent_item_id,
    null::varchar as initiative_item_id,
    case when i % 5 = 0 then 100.0 end as age_hours,
    case when i % 5 = 0 then 80.0 end as wip_age_hours
from range($rows) as t(i)
"""


def timed(label: str, action) -> float:
    started = time.perf_counter()
    outcome = action()
    seconds = time.perf_counter() - started
    print(f"{label:<58} {seconds:8.2f} s   {outcome}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    conn = duckdb.connect()
    conn.execute("set timezone = 'UTC'")
    conn.execute("create schema marts")
    conn.execute(SYNTHETIC, {"rows": args.rows})
    suite = MART_SUITES["fct_work_items"]
    as_of = datetime(2026, 6, 1, tzinfo=UTC)
    window = QualitySettings().gx_max_rows
    expectations = len(suite.all_expectations(24))
    print(f"fct_work_items: {args.rows:,} rows, {expectations} expectations")
    timed("import great-expectations + ephemeral context", lambda: bool(_gx_context()))

    def run(max_rows: int) -> str:
        outcome = validate_table(conn, suite, as_of=as_of, future_skew_hours=24, max_rows=max_rows)
        return f"{outcome.validated_rows:,} rows, {len(outcome.failed)} failed"

    timed("GX suite, whole table (first run builds the suite)", lambda: run(args.rows))
    timed("GX suite, whole table (suite cached)", lambda: run(args.rows))
    timed(f"GX suite on the newest {window:,} rows + SQL keys", lambda: run(window))
    timed("SQL key checks alone, whole table", lambda: len(key_checks_sql(conn, suite)))


if __name__ == "__main__":
    main()
