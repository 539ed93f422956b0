"""Data-quality checks on the marts. ERROR failures are blocking: publish does not run.

The foundation validates the heart of the contract, `marts.fct_work_items`; later suites
(raw, staging, every mart) register here the same way.
"""

import dagster as dg

from pipelines.defs.resources import WarehouseResource
from pipelines.lib.quality import record_checks, run_suite

FCT_WORK_ITEMS = dg.AssetKey(["marts", "fct_work_items"])


def fct_work_items_expectations() -> list:
    import great_expectations as gx

    e = gx.expectations
    return [
        e.ExpectColumnValuesToNotBeNull(column="item_id"),
        e.ExpectColumnValuesToBeUnique(column="item_id"),
        e.ExpectColumnValuesToNotBeNull(column="created_at"),
        e.ExpectColumnValuesToBeInSet(
            column="category", value_set=["todo", "in_progress", "done", "cancelled"]
        ),
        e.ExpectColumnValuesToBeBetween(column="lead_time_hours", min_value=0),
        e.ExpectColumnValuesToBeBetween(column="cycle_time_hours", min_value=0),
        # created after the run's as-of time (beyond a day of clock skew) means bad clocks or data
        e.ExpectColumnValuesToBeBetween(column="created_hours_after_as_of", max_value=24),
    ]


@dg.asset_check(asset=FCT_WORK_ITEMS, name="gx_suite", blocking=True)
def fct_work_items_gx_suite(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    """Keys unique and present, categories known, durations non-negative.

    Blocking: a failure here means nothing is published this run.
    """
    with warehouse.connection() as conn:
        frame = conn.execute(
            "select item_id, created_at, category, lead_time_hours, cycle_time_hours, "
            "date_diff('second', run.as_of, created_at) / 3600.0 as created_hours_after_as_of "
            "from marts.fct_work_items cross join meta.cfg_run as run"
        ).df()
        outcome = run_suite(frame, "marts.fct_work_items", fct_work_items_expectations())
        record_checks(conn, context.run.run_id, outcome.records)
    failed = outcome.failed
    return dg.AssetCheckResult(
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR,
        description="all expectations met"
        if not failed
        else f"{len(failed)} expectation(s) failed",
        metadata={
            "rows": len(frame),
            "expectations": len(outcome.records),
            "failed": [f"{r.check_name}: {r.unexpected_count} unexpected" for r in failed],
        },
    )


def build_quality_checks() -> list[dg.AssetChecksDefinition]:
    return [fct_work_items_gx_suite]
