"""Every mart suite passes on clean rows and fails on the dirty rows built for it.

Tables are seeded straight into a real DuckDB warehouse in the contract's columns, then the
suite runs through real great-expectations (seed -> check -> assert).
"""

from __future__ import annotations

import pytest

from pipelines.lib.quality import validate_table
from pipelines.lib.suites.marts import MART_SUITES
from pipelines.lib.suites.table_checks import flow_counts_reconcile
from tests.quality.conftest import AS_OF
from tests.quality.marts_fixtures import CLEAN, DIRTY


def seed(conn, table: str) -> None:
    conn.execute(f"create or replace table {table} as {CLEAN[table]}")


def validate(conn, table: str):
    return validate_table(
        conn, MART_SUITES[table.split(".")[1]], as_of=AS_OF, future_skew_hours=24, max_rows=1000
    )


def test_every_mart_suite_has_clean_and_dirty_fixtures():
    assert {f"marts.{name}" for name in MART_SUITES} == set(CLEAN)
    assert {table for table, *_ in DIRTY} == set(CLEAN)


@pytest.mark.parametrize("table", sorted(CLEAN))
def test_mart_suite_passes_on_clean_rows(warehouse, table):
    seed(warehouse, table)

    outcome = validate(warehouse, table)

    assert outcome.failed == ()
    assert len(outcome.records) >= 3


@pytest.mark.parametrize(("table", "problem", "dirt", "rule"), DIRTY, ids=[d[1] for d in DIRTY])
def test_mart_suite_fails_on_dirty_rows(warehouse, table, problem, dirt, rule):
    seed(warehouse, table)
    warehouse.execute(dirt)

    outcome = validate(warehouse, table)

    failed = [r for r in outcome.failed if rule in r.check_name]
    assert failed, f"{problem}: expected a failure naming {rule!r}, got {outcome.failed}"
    assert all(r.severity == "ERROR" for r in failed)
    assert outcome.errors


def test_a_missing_contract_column_fails_the_suite_instead_of_crashing(warehouse):
    seed(warehouse, "marts.fct_pull_requests")
    warehouse.execute("alter table marts.fct_pull_requests drop column pickup_hours")

    outcome = validate(warehouse, "marts.fct_pull_requests")

    assert [r.check_name for r in outcome.failed] == ["column_exists(column='pickup_hours')"]


def test_a_missing_table_fails_the_suite(warehouse):
    outcome = validate(warehouse, "marts.fct_flow_daily")

    assert [(r.check_name, r.observed) for r in outcome.failed] == [
        ("table_exists", "table not found")
    ]


def test_a_table_larger_than_the_gx_limit_is_validated_on_a_window_with_keys_in_sql(warehouse):
    warehouse.execute(
        "create table marts.fct_pull_requests as select 'github:' || (i % 900) as item_id, "
        "'acme/api' as repo, i as number, timestamptz '2026-01-01 00:00:00+00' + to_hours(i) "
        "as created_at, null::timestamptz as merged_at, 1.0 as coding_hours, 1.0 as pickup_hours, "
        "1.0 as review_hours, 1.0 as cycle_time_hours, 10 as size_lines, 1 as changed_files, "
        "0 as review_rounds, 1 as commits, []::varchar[] as linked_keys from range(1000) t(i)"
    )

    outcome = validate_table(
        warehouse,
        MART_SUITES["fct_pull_requests"],
        as_of=AS_OF,
        future_skew_hours=24,
        max_rows=200,
    )

    assert (outcome.rows, outcome.validated_rows) == (1000, 200)
    by_name = {r.check_name: r for r in outcome.records}
    # the newest 200 rows hold no duplicates; the whole table does, and SQL finds them
    assert by_name["expect_column_values_to_be_unique(column='item_id')"].success
    assert not by_name["primary_key_unique"].success
    assert by_name["primary_key_unique"].unexpected_count == 100


def test_flow_counts_reconcile_on_a_consistent_cumulative_flow(warehouse):
    seed(warehouse, "marts.fct_flow_daily")

    record = flow_counts_reconcile(warehouse)

    assert record.success, record
    assert record.observed == "0 of 3 team-days inconsistent"


@pytest.mark.parametrize(
    ("dirt", "rule"),
    [
        ("update marts.fct_flow_daily set wip = 2 where day = '2026-03-03'", "wip <> in_progress"),
        (
            "update marts.fct_flow_daily set completions = 2 where day = '2026-03-04'",
            "completions so far > done items",
        ),
        (
            "update marts.fct_flow_daily set arrivals = 1 where day = '2026-03-02'",
            "items in the cumulative flow <> arrivals so far",
        ),
        (
            "update marts.fct_flow_daily set starts = 0 where day = '2026-03-03'",
            "wip > starts so far",
        ),
    ],
)
def test_flow_counts_that_do_not_reconcile_day_over_day_fail(warehouse, dirt, rule):
    seed(warehouse, "marts.fct_flow_daily")
    warehouse.execute(dirt)

    record = flow_counts_reconcile(warehouse)

    assert not record.success
    assert record.severity == "ERROR"
    assert rule in record.details
