"""Incremental runs: fetch only what changed, never duplicate, never outrun committed data."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.fakes.github import FakeGitHub
from tests.builders import GitHubBuilder, JiraBuilder, jira_time


def raw_counts(query, settings) -> dict[str, int]:
    tables = ["github__issues", "github__issue_events", "jira__issues", "jira__changelogs"]
    return {
        t: query(settings.warehouse.path, f"select count(*) from raw.{t}")[0][0] for t in tables
    }


def test_a_second_run_with_nothing_changed_adds_no_rows_and_few_requests(
    store, fake_github, fake_jira, make_settings, run_pipeline, query
):
    JiraBuilder(store).issue("2026-03-02 09:00", [("2026-03-03 09:00", "In Progress")])
    GitHubBuilder(store).issue("2026-03-02 09:00", [("2026-03-04 09:00", "assigned", {})])
    settings = make_settings(github=fake_github, jira=fake_jira)
    assert run_pipeline(settings).success
    before = raw_counts(query, settings)
    fake_github.clear_log()
    fake_jira.clear_log()

    assert run_pipeline(settings).success

    assert raw_counts(query, settings) == before
    # the overlap window re-reads the last item; per repo: one listing page plus its children
    github_listings = [r for r in fake_github.request_log if r.path == "/repos/acme/api/issues"]
    assert len(github_listings) == 1
    searches = [r for r in fake_jira.request_log if r.path == "/rest/api/3/search/jql"]
    assert len(searches) == 1


def test_an_item_changed_on_the_tracker_is_picked_up_on_the_next_run(
    store, fake_jira, make_settings, run_pipeline, query
):
    jira = JiraBuilder(store)
    story = jira.issue("2026-03-02 09:00", [("2026-03-03 09:00", "In Progress")], key="PAY-1")
    settings = make_settings(jira=fake_jira)
    assert run_pipeline(settings).success

    store.touch_jira_issue(
        int(story["id"]),
        history={
            "id": "99999",
            "created": jira_time(datetime(2026, 3, 6, 9, tzinfo=UTC)),
            "items": [
                {
                    "field": "status",
                    "fieldtype": "jira",
                    "fieldId": "status",
                    "from": "10001",
                    "fromString": "In Progress",
                    "to": "10004",
                    "toString": "Done",
                }
            ],
        },
        fields_patch={"status": {"id": "10004", "name": "Done", "statusCategory": {"key": "done"}}},
        at=datetime(2026, 3, 6, 9, tzinfo=UTC),
    )
    assert run_pipeline(settings).success

    rows = query(
        settings.warehouse.publish_path,
        "select category, cycle_time_hours from marts.fct_work_items where key = 'PAY-1'",
    )
    assert rows == [("done", 72.0)]
    versions = query(settings.warehouse.path, "select count(*) from raw.jira__issues")[0][0]
    assert versions == 2


def test_the_cursor_stays_put_when_a_page_cannot_be_loaded(
    store, fake_github, make_settings, run_pipeline, query
):
    github = GitHubBuilder(store)
    for day in range(1, 26):
        github.issue(f"2026-03-{day:02d} 09:00")
    settings = make_settings(github=fake_github)
    fake_github.inject(
        r"/issues/25/events$", 500, times=10
    )  # the last item's children keep failing

    outcome = run_pipeline(settings)

    assert not outcome.success
    assert "raw/github_main:sync_succeeded" in outcome.failed_checks
    cursor = query(settings.warehouse.path, "select cursor_value from meta.sync_cursors")
    loaded = query(settings.warehouse.path, "select count(*) from raw.github__issues")[0][0]
    # pages of up to 100 commit together with their cursor: nothing was committed past the failure
    assert cursor == []
    assert loaded == 0

    fake_github.clear_faults()
    assert run_pipeline(settings).success
    assert query(settings.warehouse.path, "select count(*) from raw.github__issues")[0][0] == 25


def test_github_primary_rate_limit_is_waited_out_until_reset(
    store, make_settings, run_pipeline, query
):
    github = GitHubBuilder(store)
    for day in range(1, 4):
        github.issue(f"2026-03-{day:02d} 09:00")
    with FakeGitHub(
        store, token="test-github-token-4f1c", rate_limit=4, reset_after_seconds=1
    ).start() as server:
        settings = make_settings(github=server)

        outcome = run_pipeline(settings)

        statuses = [r.status for r in server.request_log]
    assert outcome.success
    assert 403 not in statuses or statuses.count(403) <= 1
    assert query(settings.warehouse.path, "select count(*) from raw.github__issues")[0][0] == 3
