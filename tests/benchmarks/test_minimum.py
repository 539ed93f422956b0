"""The API minimum the benchmark judges request counts by (benchmarks/minimum.py)."""

from __future__ import annotations

from benchmarks.minimum import compute_minimum
from benchmarks.trackers import ChangeSet
from connectors.fakes.store import TrackerStore
from tests.builders import GitHubBuilder, JiraBuilder


def _org(path):
    store = TrackerStore(path)
    gh = GitHubBuilder(store, repo="acme/api")
    quiet = gh.issue("2026-01-05T10:00:00Z")
    busy = gh.issue(
        "2026-01-05T10:00:00Z",
        [(f"2026-01-06T{h % 24:02d}:{h % 60:02d}:00Z", "labeled", {}) for h in range(150)],
    )
    pull = gh.pull(
        "2026-01-07T10:00:00Z",
        merged="2026-01-09T10:00:00Z",
        reviews=[
            ("2026-01-08T10:00:00Z", "CHANGES_REQUESTED", "ana"),
            ("2026-01-08T12:00:00Z", "APPROVED", "ana"),
        ],
        commits=["2026-01-07T09:00:00Z", "2026-01-07T09:30:00Z", "2026-01-08T11:00:00Z"],
    )
    jira = JiraBuilder(store, project="PAY")
    long_history = jira.issue(
        "2026-01-05T10:00:00Z",
        [
            (f"2026-01-{6 + i // 12:02d}T{i % 12 + 8:02d}:00:00Z", s)
            for i, s in enumerate(["In Progress", "In Review"] * 12 + ["Done"])
        ],
    )
    short_history = jira.issue(
        "2026-01-05T10:00:00Z",
        [("2026-01-06T10:00:00Z", "In Progress"), ("2026-01-07T10:00:00Z", "Done")],
    )
    store.close()
    return quiet, busy, pull, long_history, short_history


def test_full_sync_minimum_is_pages_plus_the_calls_each_item_forces(tmp_path):
    path = tmp_path / "store.sqlite"
    _org(path)

    minimum = compute_minimum(path, None)

    assert minimum.github_listing == 1  # 3 items fit one page of 100
    assert minimum.github_history == 1 + 2 + 1  # quiet issue, 150 events (2 pages), the PR
    assert minimum.github_pr_detail == 1
    assert minimum.github_run_lists == 2  # milestones and labels, one page each
    assert minimum.jira_definitions == 3
    assert minimum.jira_search == 1
    assert minimum.jira_changelog == 1  # one issue has more than the 20 embedded histories
    assert minimum.github == 1 + 4 + 1 + 2
    assert minimum.jira == 3 + 1 + 1
    assert minimum.total == 13


def test_incremental_minimum_counts_only_the_changed_items(tmp_path):
    path = tmp_path / "store.sqlite"
    _quiet, _busy, pull, long_history, _short = _org(path)
    changes = ChangeSet(
        jira_issue_ids=(int(long_history["id"]),), github_items=(("acme/api", pull["number"]),)
    )

    minimum = compute_minimum(path, changes)

    assert (minimum.github_listing, minimum.github_history, minimum.github_pr_detail) == (1, 1, 1)
    assert minimum.jira_search == 1
    # the new history is among the 20 embedded newest; the older ones are already stored
    assert minimum.jira_changelog == 0
    assert minimum.total == 5 + 4
