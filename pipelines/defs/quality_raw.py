"""Data-quality checks on each raw source: completeness, continuity, freshness, counts.

One multi-check per source, run right after its raw asset:
- `gx_suite` (blocking): the raw envelope of the rows this run loaded (a window: raw is
  append-only and large) is sane; tracker update times are not in the future (a future
  `updated` would drag the cursor ahead and skip real updates); keys are proven in SQL on the
  whole table.
- `changelog_complete` (Jira, blocking), `listing_complete` and `cursor_continuous`
  (blocking): nothing was silently dropped (pipelines/lib/suites/completeness.py).
- `row_count_not_dropped` (blocking): raw is append-only, so any drop is data loss.
- `source_fresh` (non-blocking): the last successful sync is within the configured window.
  Not blocking, so one stale tracker never holds back the others' fresh data; its ERROR
  still fails the run (make run exits non-zero) and shows in dq.check_results.
"""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import dagster as dg
import duckdb

from pipelines.defs.ingest import source_asset_key
from pipelines.defs.quality_results import check_result, page_path, suite_summary
from pipelines.defs.resources import WarehouseResource
from pipelines.lib.quality import CheckRecord, key_checks_sql, record_checks, validate_table
from pipelines.lib.raw_tables import RAW_TABLES
from pipelines.lib.suites.completeness import (
    changelog_complete,
    cursor_continuous,
    listing_complete,
    source_fresh,
)
from pipelines.lib.suites.page import write_quality_page
from pipelines.lib.suites.raw import raw_window
from pipelines.lib.suites.table_checks import row_count_guard
from pipelines.settings import Settings, Source


def raw_label(table: str, source: str) -> str:
    """`raw.jira__issues[jira-cloud]`: raw tables hold every source of their tracker."""
    return f"raw.{table}[{source}]"


def raw_gx_records(
    conn: duckdb.DuckDBPyConnection,
    source: Source,
    run_id: str,
    settings: Settings,
    now: datetime,
) -> list[CheckRecord]:
    """The raw suite on this run's rows of each of the tracker's tables, keys on all rows."""
    records: list[CheckRecord] = []
    for table in (t for t in RAW_TABLES if t.tracker == source.kind):
        window = raw_window(table.name)
        outcome = validate_table(
            conn,
            window.suite,
            as_of=now,
            future_skew_hours=settings.quality.future_skew_hours,
            max_rows=settings.quality.gx_max_rows,
            relation=window.relation,
            params={"source": source.name, "run_id": run_id},
        )
        label = raw_label(table.name, source.name)
        records += [replace(r, asset=label) for r in outcome.records]
        records += key_checks_sql(conn, window.whole_table)
    return records


def build_source_checks(source: Source, settings: Settings) -> dg.AssetChecksDefinition:
    key = source_asset_key(source)
    asset = key.to_user_string()
    blocking = ["gx_suite", "listing_complete", "cursor_continuous", "row_count_not_dropped"]
    if source.kind == "jira":
        blocking.insert(1, "changelog_complete")
    specs = [dg.AssetCheckSpec(name, asset=key, blocking=True) for name in blocking]
    specs.append(dg.AssetCheckSpec("source_fresh", asset=key, blocking=False))

    @dg.multi_asset_check(name=f"{'__'.join(key.path)}__quality", specs=specs, pool="duckdb")
    def _checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        run_id = context.run.run_id
        now = datetime.now(UTC)
        window = settings.quality.freshness_for(source.name)
        with warehouse.connection() as conn:
            results: dict[str, list[CheckRecord]] = {
                "gx_suite": raw_gx_records(conn, source, run_id, settings, now),
                "listing_complete": [
                    listing_complete(conn, asset, source.name, source.kind, run_id)
                ],
                "cursor_continuous": [
                    cursor_continuous(conn, asset, source.name, source.kind, run_id)
                ],
                "row_count_not_dropped": [
                    row_count_guard(
                        conn,
                        asset=raw_label(table.name, source.name),
                        table=f"raw.{table.name}",
                        run_id=run_id,
                        quality=settings.quality,
                        scope=source.name,
                        source=source.name,
                    )
                    for table in RAW_TABLES
                    if table.tracker == source.kind
                ],
                "source_fresh": [
                    source_fresh(
                        conn,
                        asset,
                        source.name,
                        warn_after_hours=window.warn_after_hours,
                        error_after_hours=window.error_after_hours,
                        now=now,
                    )
                ],
            }
            if source.kind == "jira":
                results["changelog_complete"] = [changelog_complete(conn, asset, source.name)]
            summary = suite_summary(asset, results["gx_suite"], "this run's rows")
            record_checks(
                conn, run_id, [*(r for group in results.values() for r in group), summary]
            )
            write_quality_page(conn, page_path(settings))
        for spec in specs:
            yield check_result(spec.name, results[spec.name])

    return _checks


def build_raw_checks(settings: Settings) -> list[dg.AssetChecksDefinition]:
    return [build_source_checks(source, settings) for source in settings.sources]
