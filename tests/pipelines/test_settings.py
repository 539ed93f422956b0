"""Configuration loads into typed settings; mistakes fail at load, naming the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipelines.settings import ConfigError, GitHubSource, JiraSource, load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]

MINIMAL = {
    "warehouse": {"path": "w/metrics.duckdb", "publish_path": "w/published/metrics.duckdb"},
    "sources": [
        {"name": "gh", "kind": "github", "token_env": "GH_TOKEN", "repos": ["acme/web"]},
        {
            "name": "jira",
            "kind": "jira",
            "base_url": "https://acme.atlassian.net",
            "email_env": "JIRA_EMAIL",
            "token_env": "JIRA_TOKEN",
            "projects": ["PAY"],
        },
    ],
}


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "metrics.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def with_changes(**changes: object) -> dict:
    document = yaml.safe_load(yaml.safe_dump(MINIMAL))
    document.update(changes)
    return document


def test_the_demo_config_loads_with_typed_sources():
    settings = load_settings(REPO_ROOT / "config" / "metrics.yaml")

    assert [type(s) for s in settings.sources] == [GitHubSource, JiraSource]
    assert settings.schedule.cron == "0 2 * * *"
    assert settings.source("jira-cloud").projects == ("PAY", "WEB", "OPS")


def test_defaults_follow_the_contract(tmp_path):
    settings = load_settings(write(tmp_path, MINIMAL))

    assert settings.sources[0].base_url == "https://api.github.com"
    assert "Won't Do" in settings.workflow.not_delivered_resolutions
    assert settings.workflow.in_progress_labels == ("in progress", "in-progress", "doing", "wip")
    assert settings.calendar.working_days == ("Mon", "Tue", "Wed", "Thu", "Fri")
    assert settings.initiatives.jira_issue_types == ("Epic", "Initiative")


def test_metrics_config_environment_variable_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("METRICS_CONFIG", str(write(tmp_path, MINIMAL)))

    assert load_settings().config_path == tmp_path / "metrics.yaml"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (with_changes(warehous={"path": "x"}), "'warehous' is not a known key"),
        (
            with_changes(workflow={"status_categories": {"QA": "testing"}}),
            "'workflow.status_categories.QA' must be one of",
        ),
        (
            with_changes(calendar={"holidays": ["2026-13-01"]}),
            "'calendar.holidays[0]' must be a YYYY-MM-DD date",
        ),
        (
            with_changes(calendar={"working_days": ["Monday"]}),
            "'calendar.working_days[0]' must be one of",
        ),
        (
            with_changes(schedule={"cron": "0 2 * * *", "timezone": "Mars/Olympus"}),
            "'schedule.timezone' is not a known time zone",
        ),
        (
            with_changes(costs={"default_cost_per_day": -5}),
            "'costs.default_cost_per_day' must be >= 0",
        ),
        ({"sources": MINIMAL["sources"]}, "'warehouse' is required"),
    ],
)
def test_bad_values_fail_at_load_naming_the_key_and_file(tmp_path, document, message):
    path = write(tmp_path, document)

    with pytest.raises(ConfigError) as error:
        load_settings(path)

    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_unknown_source_key_is_named_with_its_position(tmp_path):
    document = with_changes()
    document["sources"][0]["token"] = "oops-a-secret-in-the-file"

    with pytest.raises(ConfigError, match=r"'sources\[0\]\.token' is not a known key"):
        load_settings(write(tmp_path, document))


def test_jira_cloud_needs_an_email_variable(tmp_path):
    document = with_changes()
    del document["sources"][1]["email_env"]

    with pytest.raises(ConfigError, match=r"'sources\[1\]\.email_env' is required for Jira Cloud"):
        load_settings(write(tmp_path, document))


def test_a_team_cannot_claim_a_repo_no_source_lists(tmp_path):
    document = with_changes(teams={"web": {"github_repos": ["acme/nope"]}})

    with pytest.raises(ConfigError, match=r"'teams\.web\.github_repos' names 'acme/nope'"):
        load_settings(write(tmp_path, document))


def test_invalid_yaml_is_reported_with_its_line(tmp_path):
    path = tmp_path / "metrics.yaml"
    path.write_text("warehouse:\n  path: [unclosed\n", encoding="utf-8")

    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_settings(path)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the configuration file"):
        load_settings(tmp_path / "absent.yaml")
