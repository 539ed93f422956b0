"""One failing tracker does not stop the others' fresh data from being published, and it shows."""

from __future__ import annotations

from tests.builders import GitHubBuilder, JiraBuilder


def test_a_missing_repo_fails_its_source_check_while_other_repos_load(
    store, fake_github, make_settings, run_pipeline, query
):
    GitHubBuilder(store, repo="acme/api").issue("2026-03-02 09:00")
    settings = make_settings(github=fake_github, repos=("acme/missing", "acme/api"))

    outcome = run_pipeline(settings)

    assert outcome.failed_checks == ["raw/github_main:sync_succeeded"]
    assert query(settings.warehouse.publish_path, "select key from marts.fct_work_items") == [
        ("acme/api#1",)
    ]
    errors = query(settings.warehouse.path, "select status, error from meta.load_log")
    assert errors[0][0] == "failed"
    assert "acme/missing" in errors[0][1]
    assert "404" in errors[0][1]


def test_a_tracker_down_all_night_does_not_block_the_other_tracker(
    store, fake_github, fake_jira, make_settings, run_pipeline, query
):
    JiraBuilder(store).issue("2026-03-02 09:00", key="PAY-1")
    GitHubBuilder(store).issue("2026-03-02 09:00")
    settings = make_settings(github=fake_github, jira=fake_jira)
    fake_jira.inject(r".*", 503, times=1000)

    outcome = run_pipeline(settings)

    assert outcome.failed_checks == ["raw/jira_cloud:sync_succeeded"]
    assert query(settings.warehouse.publish_path, "select source from marts.fct_work_items") == [
        ("github-main",)
    ]
    results = query(
        settings.warehouse.publish_path,
        "select asset, success from dq.check_results "
        "where check_name = 'sync_succeeded' order by asset",
    )
    assert results == [("raw/github_main", True), ("raw/jira_cloud", False)]


def test_a_missing_credential_variable_fails_that_source_naming_the_variable(
    store, fake_github, fake_jira, make_settings, run_pipeline, query, monkeypatch
):
    GitHubBuilder(store).issue("2026-03-02 09:00")
    JiraBuilder(store).issue("2026-03-02 09:00")
    settings = make_settings(github=fake_github, jira=fake_jira)
    monkeypatch.delenv("TEST_JIRA_TOKEN")

    outcome = run_pipeline(settings)

    assert outcome.failed_checks == ["raw/jira_cloud:sync_succeeded"]
    error = query(
        settings.warehouse.path, "select error from meta.load_log where source = 'jira-cloud'"
    )[0][0]
    assert "TEST_JIRA_TOKEN is not set" in error
