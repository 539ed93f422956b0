"""The raw and staging suites on seeded tables: clean passes, each kind of dirt fails."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pipelines.lib.quality import key_checks_sql, validate_table
from pipelines.lib.suites.raw import raw_window
from pipelines.lib.suites.staging import STAGING_SUITES
from tests.quality.conftest import AS_OF

WALL_CLOCK = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def add_raw(conn, table, native_id, version, payload, parent_id=None, run_id="run-1"):
    conn.execute(
        f"insert into raw.{table} values ('jira-cloud', 'PAY', ?, ?, ?, ?, ?, ?)",
        [native_id, parent_id, version, json.dumps(payload), WALL_CLOCK, run_id],
    )


def validate_raw(conn, table, run_id="run-1"):
    window = raw_window(table)
    outcome = validate_table(
        conn,
        window.suite,
        as_of=WALL_CLOCK,
        future_skew_hours=24,
        max_rows=1000,
        relation=window.relation,
        params={"source": "jira-cloud", "run_id": run_id},
    )
    return outcome, key_checks_sql(conn, window.whole_table)


def jira_issue(updated: str) -> dict:
    return {"id": "1", "key": "PAY-1", "fields": {"updated": updated}}


def test_raw_suite_passes_on_the_rows_a_run_loaded(warehouse):
    add_raw(warehouse, "jira__issues", "1", "v1", jira_issue("2026-03-05T09:00:00.000+0000"))
    add_raw(
        warehouse, "jira__changelogs", "11", "", {"created": "2026-03-05T09:00:00.000+0000"}, "1"
    )

    for table in ("jira__issues", "jira__changelogs"):
        outcome, keys = validate_raw(warehouse, table)
        assert outcome.failed == (), table
        assert all(r.success for r in keys)
        assert outcome.validated_rows == 1


def test_raw_suite_validates_only_this_runs_rows(warehouse):
    add_raw(warehouse, "jira__issues", "1", "v1", jira_issue("2099-01-01T00:00:00.000+0000"))

    outcome, _ = validate_raw(warehouse, "jira__issues", run_id="run-2")

    assert outcome.validated_rows == 0
    assert outcome.failed == ()


def test_a_tracker_timestamp_in_the_future_fails_the_raw_suite(warehouse):
    add_raw(warehouse, "jira__issues", "1", "v1", jira_issue("2026-12-31T09:00:00.000+0000"))

    outcome, _ = validate_raw(warehouse, "jira__issues")

    assert [r.check_name for r in outcome.errors] == [
        "expect_column_values_to_be_between(column='tracker_time_hours_after_as_of', "
        "max_value=24.0)"
    ]


def test_an_unparseable_tracker_timestamp_fails_the_raw_suite(warehouse):
    add_raw(warehouse, "jira__issues", "1", "v1", jira_issue("yesterday"))

    outcome, _ = validate_raw(warehouse, "jira__issues")

    assert "expect_column_values_to_not_be_null(column='tracker_time')" in [
        r.check_name for r in outcome.errors
    ]


def test_an_orphan_changelog_history_fails_the_raw_suite(warehouse):
    add_raw(warehouse, "jira__changelogs", "11", "", {"created": "2026-03-05T09:00:00.000+0000"})

    outcome, _ = validate_raw(warehouse, "jira__changelogs")

    assert "expect_column_values_to_not_be_null(column='parent_id')" in [
        r.check_name for r in outcome.errors
    ]


def test_a_duplicated_raw_version_fails_the_key_check_on_the_whole_table(warehouse):
    payload = jira_issue("2026-03-05T09:00:00.000+0000")
    add_raw(warehouse, "jira__issues", "1", "v1", payload, run_id="run-0")
    add_raw(warehouse, "jira__issues", "1", "v1", payload, run_id="run-1")

    _, keys = validate_raw(warehouse, "jira__issues")

    unique = next(r for r in keys if r.check_name == "primary_key_unique")
    assert (unique.success, unique.unexpected_count) == (False, 1)


STAGING_CLEAN = {
    "staging.stg_jira__issues": """
        select 'jira:1' as item_id, timestamptz '2026-03-02 09:00:00+00' as created_at,
               timestamptz '2026-03-05 09:00:00+00' as updated_at,
               timestamptz '2026-03-05 09:00:00+00' as resolved_at
    """,
    "staging.stg_jira__statuses": """
        select * from (values ('jira', '1', 'new'), ('jira', '3', 'indeterminate'),
                              ('jira', '10004', 'done')) as t(source, status_id, category_key)
    """,
    "staging.stg_github__issues": """
        select 'github:1' as item_id, 'closed' as state,
               timestamptz '2026-03-02 09:00:00+00' as created_at,
               timestamptz '2026-03-04 09:00:00+00' as updated_at,
               timestamptz '2026-03-04 09:00:00+00' as closed_at
    """,
}


def validate_staging(conn, table):
    return validate_table(
        conn, STAGING_SUITES[table.split(".")[1]], as_of=AS_OF, future_skew_hours=24, max_rows=1000
    )


@pytest.mark.parametrize("table", sorted(STAGING_CLEAN))
def test_staging_suite_passes_on_clean_rows(warehouse, table):
    warehouse.execute(f"create table {table} as {STAGING_CLEAN[table]}")

    assert validate_staging(warehouse, table).failed == ()


@pytest.mark.parametrize(
    ("table", "dirt", "rule", "severity"),
    [
        (
            "staging.stg_jira__statuses",
            "update staging.stg_jira__statuses set category_key = 'review' where status_id = '3'",
            "column='category_key'",
            "ERROR",
        ),
        (
            "staging.stg_github__issues",
            "insert into staging.stg_github__issues select * from staging.stg_github__issues",
            "expect_column_values_to_be_unique(column='item_id')",
            "ERROR",
        ),
        (
            "staging.stg_jira__issues",
            "update staging.stg_jira__issues "
            "set resolved_at = timestamptz '2026-01-01 00:00:00+00'",
            "column_A='resolved_at', column_B='created_at'",
            "WARN",
        ),
        (
            "staging.stg_github__issues",
            "update staging.stg_github__issues "
            "set updated_at = timestamptz '2026-09-01 00:00:00+00'",
            "column='updated_hours_after_as_of'",
            "WARN",
        ),
    ],
    ids=["unknown category", "duplicate key", "resolved before created", "future timestamp"],
)
def test_staging_suite_fails_on_dirty_rows(warehouse, table, dirt, rule, severity):
    warehouse.execute(f"create table {table} as {STAGING_CLEAN[table]}")
    warehouse.execute(dirt)

    failed = [r for r in validate_staging(warehouse, table).failed if rule in r.check_name]

    assert [r.severity for r in failed] == [severity]
