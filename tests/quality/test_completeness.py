"""Completeness, continuity, freshness and row-count checks on seeded warehouse tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from pipelines.lib.suites.completeness import (
    ListingTally,
    changelog_complete,
    cursor_continuous,
    listing_complete,
    source_fresh,
)
from pipelines.lib.suites.table_checks import row_count_guard

ASSET = "raw/jira_cloud"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def seed_raw(conn, table: str, rows: list[tuple[str, str | None, str, dict]], run_id="run-1"):
    """rows: (native_id, parent_id, version, payload) for source jira-cloud."""
    for native_id, parent_id, version, payload in rows:
        conn.execute(
            f"insert into raw.{table} values ('jira-cloud', 'PAY', ?, ?, ?, ?, ?, ?)",
            [native_id, parent_id, version, json.dumps(payload), NOW, run_id],
        )


def issue(native_id: str, total: int, updated: str = "2026-03-05T09:00:00.000+0000") -> tuple:
    payload = {
        "id": native_id,
        "key": f"PAY-{native_id}",
        "fields": {"updated": updated},
        "changelog": {"total": total, "histories": []},
    }
    return (native_id, None, updated, payload)


def histories(issue_id: str, count: int) -> list[tuple]:
    return [(f"{issue_id}0{i}", issue_id, "", {"id": f"{issue_id}0{i}"}) for i in range(count)]


def test_changelog_complete_when_every_history_the_payload_counted_is_stored(warehouse):
    seed_raw(warehouse, "jira__issues", [issue("1", 3), issue("2", 0)])
    seed_raw(warehouse, "jira__changelogs", histories("1", 3))

    record = changelog_complete(warehouse, ASSET, "jira-cloud")

    assert record.success, record
    assert record.observed == "2 of 2 issues complete; 3 histories stored, 0 missing"


def test_a_truncated_changelog_fails_naming_the_issue(warehouse):
    seed_raw(warehouse, "jira__issues", [issue("1", 25), issue("2", 2)])
    seed_raw(warehouse, "jira__changelogs", histories("1", 20) + histories("2", 2))

    record = changelog_complete(warehouse, ASSET, "jira-cloud")

    assert not record.success
    assert (record.severity, record.unexpected_count) == ("ERROR", 1)
    assert "5 missing" in record.observed
    assert "PAY-1 20/25" in record.details


def test_changelog_is_judged_on_the_latest_version_of_each_issue(warehouse):
    seed_raw(warehouse, "jira__issues", [issue("1", 2, "2026-03-01T00:00:00.000+0000")])
    seed_raw(warehouse, "jira__changelogs", histories("1", 2))
    later = NOW + timedelta(hours=1)
    warehouse.execute(
        "insert into raw.jira__issues values ('jira-cloud', 'PAY', '1', null, ?, ?, ?, 'run-2')",
        ["2026-03-09T00:00:00.000+0000", json.dumps(issue("1", 3)[3]), later],
    )

    record = changelog_complete(warehouse, ASSET, "jira-cloud")

    assert not record.success  # the newest payload counts 3 histories; 2 are stored


def listing(conn, run_id="run-1", total=None, cursor=None, scope="projects:PAY"):
    return ListingTally.start(conn, run_id, "jira-cloud", scope, "issues", cursor, total)


def test_listing_complete_when_every_listed_version_is_stored_and_the_total_is_reached(warehouse):
    seed_raw(warehouse, "jira__issues", [issue("1", 0), issue("2", 0)])
    tally = listing(warehouse, total=2)
    tally.saw([("1", "2026-03-05T09:00:00.000+0000"), ("2", "2026-03-05T09:00:00.000+0000")])
    tally.finish()

    record = listing_complete(warehouse, ASSET, "jira-cloud", "jira", "run-1")

    assert record.success, record
    assert record.observed == "2 items listed, 2 reported by the tracker, 2 stored"


def test_a_listing_short_of_the_trackers_reported_total_fails(warehouse):
    seed_raw(warehouse, "jira__issues", [issue("1", 0)])
    tally = listing(warehouse, total=3)
    tally.saw([("1", "2026-03-05T09:00:00.000+0000")])
    tally.finish()

    record = listing_complete(warehouse, ASSET, "jira-cloud", "jira", "run-1")

    assert not record.success
    assert record.unexpected_count == 2
    assert "listed 1 of 3 reported" in record.details


def test_a_listed_item_that_never_reached_raw_fails(warehouse):
    seed_raw(warehouse, "jira__issues", [issue("1", 0)])
    tally = listing(warehouse)
    tally.saw([("1", "2026-03-05T09:00:00.000+0000"), ("7", "2026-03-06T09:00:00.000+0000")])
    tally.finish()

    record = listing_complete(warehouse, ASSET, "jira-cloud", "jira", "run-1")

    assert not record.success
    assert record.unexpected_count == 1
    assert "['7']" in record.details


def test_an_unfinished_listing_is_not_judged(warehouse):
    tally = listing(warehouse)
    tally.saw([("9", "2026-03-05T09:00:00.000+0000")])  # the sync failed before finishing

    record = listing_complete(warehouse, ASSET, "jira-cloud", "jira", "run-1")

    assert record.success
    assert "no listing completed" in record.observed


def commit_cursor(conn, value: str, run_id: str) -> None:
    conn.execute(
        "insert or replace into meta.sync_cursors values "
        "('jira-cloud', 'projects:PAY', 'issues', ?, ?, ?)",
        [value, run_id, NOW],
    )


def test_a_listing_that_starts_from_the_previous_runs_cursor_is_continuous(warehouse):
    seed_raw(warehouse, "jira__issues", [issue("1", 0)])
    commit_cursor(warehouse, "2026-03-05T09:00:00.000000Z", "run-1")
    listing(warehouse, run_id="run-1").finish()
    assert cursor_continuous(warehouse, ASSET, "jira-cloud", "jira", "run-1").success

    listing(warehouse, run_id="run-2", cursor="2026-03-05T09:00:00.000000Z").finish()
    record = cursor_continuous(warehouse, ASSET, "jira-cloud", "jira", "run-2")

    assert record.success, record
    history = warehouse.execute("select run_id from meta.sync_cursor_history").fetchall()
    assert history == [("run-1",)]


def test_a_cursor_ahead_of_the_previous_run_and_of_the_stored_data_is_a_gap(warehouse):
    seed_raw(warehouse, "jira__issues", [issue("1", 0)])
    commit_cursor(warehouse, "2026-03-05T09:00:00.000000Z", "run-1")
    listing(warehouse, run_id="run-1").finish()
    cursor_continuous(warehouse, ASSET, "jira-cloud", "jira", "run-1")
    # someone (or a bug) moved the cursor a month ahead between the runs
    commit_cursor(warehouse, "2026-04-05T09:00:00.000000Z", "manual")

    listing(warehouse, run_id="run-2", cursor="2026-04-05T09:00:00.000000Z").finish()
    record = cursor_continuous(warehouse, ASSET, "jira-cloud", "jira", "run-2")

    assert not record.success
    assert (record.severity, record.unexpected_count) == ("ERROR", 1)
    assert "2026-04-05" in record.details


def test_a_cursor_left_by_a_run_whose_checks_never_ran_is_justified_by_its_stored_data(warehouse):
    seed_raw(warehouse, "jira__issues", [issue("1", 0)])
    commit_cursor(warehouse, "2026-03-01T09:00:00.000000Z", "run-1")
    listing(warehouse, run_id="run-1").finish()
    cursor_continuous(warehouse, ASSET, "jira-cloud", "jira", "run-1")
    # run-2 committed issue 1 (updated 03-05) and its cursor, then crashed before its checks

    listing(warehouse, run_id="run-3", cursor="2026-03-05T09:00:00.000000Z").finish()

    assert cursor_continuous(warehouse, ASSET, "jira-cloud", "jira", "run-3").success


def log_sync(conn, status: str, hours_ago: float) -> None:
    at = NOW - timedelta(hours=hours_ago)
    conn.execute(
        "insert into meta.load_log values ('r', 'jira-cloud', ?, ?, ?, 1, 0, null)",
        [at, at, status],
    )


@pytest.mark.parametrize(
    ("hours_ago", "success", "severity"),
    [(2, True, "ERROR"), (40, False, "WARN"), (100, False, "ERROR")],
    ids=["fresh", "stale-warns", "stale-errors"],
)
def test_a_source_goes_stale_first_with_a_warning_then_an_error(
    warehouse, hours_ago, success, severity
):
    log_sync(warehouse, "succeeded", hours_ago)
    log_sync(warehouse, "failed", 1)  # last night failed: only success counts as fresh

    record = source_fresh(
        warehouse, ASSET, "jira-cloud", warn_after_hours=36, error_after_hours=72, now=NOW
    )

    assert (record.success, record.severity) == (success, severity)
    assert f"{hours_ago:.1f} h ago" in record.observed


def test_a_source_that_never_synced_is_stale_from_its_first_attempt(warehouse):
    log_sync(warehouse, "failed", 80)
    log_sync(warehouse, "failed", 1)

    record = source_fresh(
        warehouse, ASSET, "jira-cloud", warn_after_hours=36, error_after_hours=72, now=NOW
    )

    assert not record.success
    assert record.severity == "ERROR"
    assert "never synced" in record.observed


def count_rows(conn, quality, run_id: str):
    return row_count_guard(conn, asset="marts.t", table="marts.t", run_id=run_id, quality=quality)


@pytest.mark.parametrize(
    ("kept", "success", "severity"),
    [(1000, True, "ERROR"), (900, True, "ERROR"), (700, False, "WARN"), (300, False, "ERROR")],
    ids=["same", "small-drop", "drop-warns", "drop-errors"],
)
def test_a_sudden_drop_in_row_count_warns_then_errors(warehouse, quality, kept, success, severity):
    warehouse.execute("create table marts.t as select range as id from range(1000)")
    assert count_rows(warehouse, quality, "run-1").success
    warehouse.execute(f"delete from marts.t where id >= {kept}")

    record = count_rows(warehouse, quality, "run-2")

    assert (record.success, record.severity) == (success, severity)
    assert record.observed.startswith(f"{kept} rows, previously 1000")


def test_small_tables_are_not_guarded_against_drops(warehouse, quality):
    warehouse.execute("create table marts.t as select range as id from range(10)")
    count_rows(warehouse, quality, "run-1")
    warehouse.execute("delete from marts.t where id > 0")

    assert count_rows(warehouse, quality, "run-2").success
