"""Data quality end to end: fake trackers over HTTP -> nightly job -> checks -> publish or not."""

from __future__ import annotations

import duckdb
import pytest

from connectors.fakes.jira import FakeJira
from pipelines.defs.quality import build_quality_checks
from pipelines.defs.quality_results import page_path
from pipelines.lib.quality import data_quality_summary
from tests.builders import GitHubBuilder, JiraBuilder
from tests.conftest import JIRA_TOKEN

COUNT = "select count(*) from marts.fct_work_items"


def test_an_error_keeps_the_published_warehouse_and_the_next_clean_run_replaces_it(
    store, fake_jira, make_settings, run_pipeline, query
):
    jira = JiraBuilder(store)
    jira.issue("2026-03-02 09:00", [("2026-03-03 09:00", "In Progress")])
    settings = make_settings(jira=fake_jira)
    first = run_pipeline(settings, as_of="2026-06-01T00:00:00+00:00")
    assert first.success, first
    jira.issue("2026-07-10 09:00", [("2026-07-11 09:00", "Done")])  # after the run's as-of

    failed = run_pipeline(settings, as_of="2026-06-01T00:00:00+00:00")

    assert "marts/fct_work_items:gx_suite" in failed.failed_checks
    assert all(check.endswith(":gx_suite") for check in failed.failed_checks)
    assert query(settings.warehouse.publish_path, COUNT) == [(1,)]
    page = page_path(settings).read_text(encoding="utf-8")
    assert "FAILED" in page
    assert "created_hours_after_as_of" in page

    clean = run_pipeline(settings, as_of="2026-08-01T00:00:00+00:00")

    assert clean.success, clean
    assert query(settings.warehouse.publish_path, COUNT) == [(2,)]
    by_run = query(
        settings.warehouse.path,
        "select run_id, count(*) filter (where not success and severity = 'ERROR') "
        "from dq.check_results where asset = 'marts.fct_work_items' group by run_id",
    )
    assert dict(by_run)[failed.run_id] >= 1
    assert dict(by_run)[clean.run_id] == 0
    assert_every_check_recorded(settings, [first.run_id, clean.run_id], query)


def assert_every_check_recorded(settings, run_ids, query) -> None:
    """dq.check_results has a row for every registered check of every (complete) run."""
    rows = query(
        settings.warehouse.path, "select distinct run_id, asset, check_name from dq.check_results"
    )
    expected = [
        (key.asset_key.to_user_string(), key.name)
        for checks in build_quality_checks(settings)
        for key in checks.check_keys
    ]
    assert len(expected) > 20
    for run_id in run_ids:
        for asset, name in expected:
            assert any(
                recorded_run == run_id and check == name and matches(asset, recorded_asset)
                for recorded_run, recorded_asset, check in rows
            ), (run_id, asset, name)


def test_a_truncated_changelog_from_the_tracker_is_never_published(
    store, fake_jira, make_settings, run_pipeline, query
):
    moves = [
        (f"2026-03-{day:02d} 09:00", "In Progress" if day % 2 else "In Review")
        for day in range(3, 28)
    ]
    JiraBuilder(store).issue("2026-03-02 09:00", moves, key="PAY-1")  # 25 histories
    # the follow-up that completes truncated changelogs comes back empty
    fake_jira.inject(r"/changelog/bulkfetch", 200, body={"issueChangeLogs": []})
    settings = make_settings(jira=fake_jira)

    outcome = run_pipeline(settings)

    assert "raw/jira_cloud:changelog_complete" in outcome.failed_checks
    assert not settings.warehouse.publish_path.exists()
    rows = query(
        settings.warehouse.path,
        "select success, unexpected_count, details from dq.check_results "
        "where check_name = 'changelog_complete'",
    )
    assert rows == [(False, 1, "truncated (stored/total): ['PAY-1 0/25']")]


@pytest.mark.slow
def test_a_data_center_listing_short_of_its_reported_total_is_caught(
    store, make_settings, run_pipeline, query
):
    JiraBuilder(store).issue("2026-03-02 09:00", [("2026-03-03 09:00", "In Progress")])
    with FakeJira(store, flavor="datacenter", token=JIRA_TOKEN).start() as dc:
        settings = make_settings(jira=dc)
        # the tracker claims 7 matching issues; the listing then returns the one it has
        dc.inject(r"/rest/api/2/search$", 200, body={"startAt": 0, "total": 7, "issues": []})

        short = run_pipeline(settings)
        dc.clear_faults()
        complete = run_pipeline(settings)

    assert "raw/jira_cloud:listing_complete" in short.failed_checks
    assert complete.success, complete
    listings = query(
        settings.warehouse.path,
        "select run_id, reported_total, items_listed from meta.sync_listings order by recorded_at",
    )
    assert listings == [(short.run_id, 7, 1), (complete.run_id, 1, 1)]


@pytest.mark.slow
def test_a_stale_source_fails_its_freshness_check_without_blocking_the_others(
    store, fake_github, fake_jira, make_settings, run_pipeline, query
):
    JiraBuilder(store).issue("2026-03-02 09:00", key="PAY-1")
    GitHubBuilder(store).issue("2026-03-02 09:00")
    settings = make_settings(
        github=fake_github,
        jira=fake_jira,
        quality={"freshness": {"sources": {"jira-cloud": {"warn_after_hours": 12}}}},
    )
    assert run_pipeline(settings).success
    conn = duckdb.connect(str(settings.warehouse.path))
    conn.execute(
        "update meta.load_log set started_at = started_at - interval 100 hour, "
        "finished_at = finished_at - interval 100 hour where source = 'jira-cloud'"
    )
    conn.close()
    fake_jira.inject(r".*", 503, times=1000)  # down all night: its last success stays old

    outcome = run_pipeline(settings)

    assert sorted(outcome.failed_checks) == [
        "raw/jira_cloud:source_fresh",
        "raw/jira_cloud:sync_succeeded",
    ]
    assert query(settings.warehouse.publish_path, COUNT) == [(2,)]  # published all the same
    fresh = {
        row["asset"]: row
        for row in data_quality_summary(duckdb.connect(str(settings.warehouse.publish_path)))
        if row["check_name"] == "source_fresh"
    }
    assert fresh["raw/jira_cloud"]["status"] == "failed"
    assert "100.0 h ago" in fresh["raw/jira_cloud"]["observed"]
    assert fresh["raw/github_main"]["status"] == "passed"


def matches(dagster_asset: str, recorded: str) -> bool:
    """marts/fct_work_items is recorded as marts.fct_work_items; raw tables per source."""
    if recorded in (dagster_asset, dagster_asset.replace("/", ".")):
        return True
    return dagster_asset.startswith("raw/") and recorded.startswith("raw.")
