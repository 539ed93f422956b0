"""The nightly job end to end: fake trackers over HTTP -> raw -> staging -> marts -> publish."""

from __future__ import annotations

from tests.builders import GitHubBuilder, JiraBuilder


def test_jira_story_flows_into_fct_work_items_with_lead_and_cycle_time(
    store, fake_jira, make_settings, run_pipeline, query
):
    jira = JiraBuilder(store)
    jira.issue(
        "2026-03-02 09:00",
        [("2026-03-03 09:00", "In Progress"), ("2026-03-05 09:00", "Done")],
        key="PAY-1",
    )
    settings = make_settings(jira=fake_jira)

    outcome = run_pipeline(settings)

    assert outcome.success, outcome
    rows = query(
        settings.warehouse.publish_path,
        "select key, category, started_at, completed_at, lead_time_hours, cycle_time_hours "
        "from marts.fct_work_items",
    )
    assert len(rows) == 1
    key, category, started, completed, lead, cycle = rows[0]
    assert (key, category) == ("PAY-1", "done")
    assert started.isoformat() == "2026-03-03T09:00:00+00:00"
    assert completed.isoformat() == "2026-03-05T09:00:00+00:00"
    assert lead == 72.0
    assert cycle == 48.0


def test_github_pull_request_is_in_progress_from_creation_and_done_at_merge(
    store, fake_github, make_settings, run_pipeline, query
):
    github = GitHubBuilder(store)
    github.pull("2026-04-01 10:00", merged="2026-04-02 16:00")
    settings = make_settings(github=fake_github)

    outcome = run_pipeline(settings)

    assert outcome.success, outcome
    rows = query(
        settings.warehouse.publish_path,
        "select kind, status, category, status_changes, cycle_time_hours from marts.fct_work_items",
    )
    assert rows == [("pull_request", "merged", "done", 1, 30.0)]


def test_connectors_really_go_over_http_with_auth(
    store, fake_github, fake_jira, make_settings, run_pipeline
):
    JiraBuilder(store).issue("2026-03-02 09:00")
    GitHubBuilder(store).issue("2026-03-02 09:00")
    settings = make_settings(github=fake_github, jira=fake_jira)

    assert run_pipeline(settings).success

    jira_paths = [r.path for r in fake_jira.request_log]
    assert "/rest/api/3/search/jql" in jira_paths
    assert "/rest/api/3/search" not in jira_paths
    assert {r.auth_scheme for r in fake_jira.request_log} == {"Basic"}
    github_paths = [r.path for r in fake_github.request_log]
    assert "/repos/acme/api/issues" in github_paths
    assert {r.auth_scheme for r in fake_github.request_log} == {"Bearer"}
