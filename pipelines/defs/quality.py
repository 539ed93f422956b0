"""Data-quality asset checks on the staging and mart tables, and their wiring.

Per table: `gx_suite` (its great-expectations suite), `row_count_not_dropped` and any SQL
checks the table has (`flow_counts_reconcile`); one op per mart, one for all of staging.
All are blocking: an ERROR failure skips everything downstream in the same run, publish
included, so the previously published warehouse stays. WARN failures are reported (Dagster
shows a warning) and block nothing.
Suites are registered only for models that exist in models/, so tables can land one by one.
Every result is written to `dq.check_results`, and the analysts' page is refreshed.
"""

from collections.abc import Callable, Iterator

import dagster as dg
import duckdb

from pipelines.defs.quality_raw import build_raw_checks
from pipelines.defs.quality_results import check_result, page_path, run_as_of, suite_summary
from pipelines.defs.resources import WarehouseResource
from pipelines.lib.quality import CheckRecord, record_checks, validate_table
from pipelines.lib.sql_models import discover_models
from pipelines.lib.suites.marts import MART_SUITES
from pipelines.lib.suites.page import write_quality_page
from pipelines.lib.suites.spec import TableSuite
from pipelines.lib.suites.staging import STAGING_SUITES
from pipelines.lib.suites.table_checks import flow_counts_reconcile, row_count_guard
from pipelines.settings import Settings

SqlCheck = Callable[[duckdb.DuckDBPyConnection], CheckRecord]
# Extra set-based checks per table, beyond its GX suite and row-count guard.
SQL_CHECKS: dict[str, dict[str, SqlCheck]] = {
    "marts.fct_flow_daily": {"flow_counts_reconcile": flow_counts_reconcile},
}


def table_results(
    conn: duckdb.DuckDBPyConnection, suite: TableSuite, settings: Settings, run_id: str
) -> tuple[list[CheckRecord], dict[str, list[CheckRecord]]]:
    """Run one table's suite, row-count guard and SQL checks: rows to write, results by check."""
    quality = settings.quality
    outcome = validate_table(
        conn,
        suite,
        as_of=run_as_of(conn),
        future_skew_hours=quality.future_skew_hours,
        max_rows=quality.gx_max_rows,
    )
    rules = list(outcome.records)
    window = (
        ""
        if outcome.validated_rows >= outcome.rows
        else f" (newest {outcome.validated_rows} of {outcome.rows} rows; keys in SQL)"
    )
    summary = suite_summary(suite.table, rules, f"{outcome.validated_rows} rows{window}")
    count = row_count_guard(
        conn, asset=suite.table, table=suite.table, run_id=run_id, quality=quality
    )
    sql = {name: [check(conn)] for name, check in SQL_CHECKS.get(suite.table, {}).items()}
    by_check = {"gx_suite": rules, "row_count_not_dropped": [count], **sql}
    rows = [*rules, summary, count, *(r for records in sql.values() for r in records)]
    return rows, by_check


def build_tables_check(
    name: str, suites: list[TableSuite], settings: Settings
) -> dg.AssetChecksDefinition:
    """One Dagster op checking several tables (one op per table costs a step each)."""
    specs = [
        dg.AssetCheckSpec(check, asset=dg.AssetKey([suite.schema, suite.name]), blocking=True)
        for suite in suites
        for check in ("gx_suite", "row_count_not_dropped", *SQL_CHECKS.get(suite.table, {}))
    ]

    @dg.multi_asset_check(name=name, specs=specs, pool="duckdb")
    def _checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        run_id = context.run.run_id
        results: list[tuple[TableSuite, dict[str, list[CheckRecord]]]] = []
        with warehouse.connection() as conn:
            for suite in suites:
                rows, by_check = table_results(conn, suite, settings, run_id)
                record_checks(conn, run_id, rows)
                results.append((suite, by_check))
            write_quality_page(conn, page_path(settings))
        for suite, by_check in results:
            key = dg.AssetKey([suite.schema, suite.name])
            for check, records in by_check.items():
                yield check_result(check, records, key)

    return _checks


def registered_suites() -> list[TableSuite]:
    """Suites whose model exists in models/ (others land later, with their model)."""
    built = {f"{spec.layer}.{spec.name}" for spec in discover_models()}
    suites = [*STAGING_SUITES.values(), *MART_SUITES.values()]
    return [suite for suite in suites if suite.table in built]


def build_model_checks(settings: Settings) -> list[dg.AssetChecksDefinition]:
    """Staging: one op for the layer (it only reads raw, so nothing waits on a cycle).
    Marts: one op per table, because intermediate models read marts (initiatives read
    fct_work_items), and a layer-wide op would have to wait for its own downstream."""
    suites = registered_suites()
    staging = [s for s in suites if s.schema == "staging"]
    checks = [build_tables_check("staging__quality", staging, settings)] if staging else []
    checks += [
        build_tables_check(f"{s.schema}__{s.name}__quality", [s], settings)
        for s in suites
        if s.schema != "staging"
    ]
    return checks


def build_quality_checks(settings: Settings) -> list[dg.AssetChecksDefinition]:
    """Every data-quality check: per raw source, then per staging and mart table."""
    return [*build_raw_checks(settings), *build_model_checks(settings)]
