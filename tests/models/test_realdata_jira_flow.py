"""Flow times on real recorded Jira data (Apache DevLake's e2e fixtures, merico.atlassian.net),
served by the fake Jira to the real connector. Expected values come straight from the raw
JSON (resolutiondate, created, the changelog), never from the project's SQL.

The site no longer lists its old "Resolved" status in /status, so, as metrics.md requires, the
config maps it (to done). Jira stamps `resolutiondate` a few milliseconds before the changelog
history that records the transition (25-65 ms in this data), so times are compared to the
second.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from connectors.fakes.jira import FakeJira
from connectors.fakes.store import TrackerStore
from pipelines.run import run_nightly
from pipelines.settings import load_settings
from tests.conftest import AS_OF, FAST_RETRIES, JIRA_EMAIL, JIRA_TOKEN
from tests.models.conftest import Published
from tests.realdata_jira import devlake_issues, load_devlake_jira

WONT_DO = "Won't Do"
STAMPING_DELAY = timedelta(seconds=1)


def utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)


def resolved(resolution: str | None) -> list[dict]:
    return [
        i
        for i in devlake_issues()
        if (i["fields"].get("resolution") or {}).get("name") == resolution
        and i["fields"].get("resolutiondate")
    ]


def migrated_keys() -> dict[str, datetime]:
    """Issues whose workflow migration moved them Closed -> 已完成 (done -> done), and when."""
    moves: dict[str, datetime] = {}
    for issue in devlake_issues():
        for history in issue.get("changelog", {}).get("histories", []):
            for item in history["items"]:
                if item.get("field") == "status" and (
                    item.get("fromString"),
                    item.get("toString"),
                ) == ("Closed", "已完成"):
                    moves[issue["key"]] = utc(history["created"])
    return moves


@pytest.fixture(scope="module")
def devlake_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """One nightly run over the DevLake data, shared by this module's read-only tests."""
    tmp_path = tmp_path_factory.mktemp("devlake")
    with pytest.MonkeyPatch.context() as env, TrackerStore() as store:
        env.setenv("TEST_JIRA_EMAIL", JIRA_EMAIL)
        env.setenv("TEST_JIRA_TOKEN", JIRA_TOKEN)
        summary = load_devlake_jira(store)
        fake_jira = FakeJira(
            store, flavor="cloud", email=JIRA_EMAIL, token=JIRA_TOKEN, rate_limit=1_000_000
        )
        with fake_jira.start():
            config = {
                "warehouse": {
                    "path": str(tmp_path / "metrics.duckdb"),
                    "publish_path": str(tmp_path / "published" / "metrics.duckdb"),
                },
                "sources": [
                    {
                        "name": "jira-cloud",
                        "kind": "jira",
                        "flavor": "cloud",
                        "base_url": fake_jira.base_url,
                        "email_env": "TEST_JIRA_EMAIL",
                        "token_env": "TEST_JIRA_TOKEN",
                        "projects": list(summary.projects),
                    }
                ],
                "workflow": {"status_categories": {"Resolved": "done"}},
                "ingest": FAST_RETRIES,
            }
            path = tmp_path / "metrics.yaml"
            path.write_text(yaml.safe_dump(config), encoding="utf-8")
            settings = load_settings(path)
            outcome = run_nightly(settings, as_of=AS_OF)
            assert outcome.success, outcome
            yield Published(settings, outcome)


def test_delivered_issues_lead_time_is_resolution_date_minus_creation(devlake_run):
    delivered = resolved("完成")
    assert len(delivered) >= 20

    for issue in delivered:
        item = devlake_run.item(issue["key"])
        created, resolved_at = (
            utc(issue["fields"]["created"]),
            utc(issue["fields"]["resolutiondate"]),
        )
        assert item["category"] == "done", issue["key"]
        assert abs(item["completed_at"] - resolved_at) < STAMPING_DELAY, issue["key"]
        assert item["lead_time_hours"] == pytest.approx(
            (resolved_at - created).total_seconds() / 3600,
            abs=STAMPING_DELAY.total_seconds() / 3600,
        ), issue["key"]


def test_wont_do_issues_are_cancelled_with_no_lead_time(devlake_run):
    dropped = resolved(WONT_DO)
    assert len(dropped) == 5

    for issue in dropped:
        item = devlake_run.item(issue["key"])
        assert item["category"] == "cancelled", issue["key"]
        resolved_at = utc(issue["fields"]["resolutiondate"])
        assert abs(item["cancelled_at"] - resolved_at) < STAMPING_DELAY, issue["key"]
        assert (item["completed_at"], item["lead_time_hours"]) == (None, None), issue["key"]


def test_the_workflow_migration_done_to_done_move_does_not_change_completed_at(devlake_run):
    moves = migrated_keys()
    assert len(moves) >= 25

    for key, moved_at in moves.items():
        item = devlake_run.item(key)
        stays = devlake_run.intervals(key)
        assert stays[-1][0] == "已完成", key  # the move is in the history
        ended = item["completed_at"] or item["cancelled_at"]
        assert ended is not None, key
        assert ended < moved_at, key
        assert ended.year == 2020, key
