"""The GitHub sync against the fake GitHub server: complete, incremental and polite.

Each test runs the real connector over loopback HTTP into a real DuckDB file and asserts on the
fake's request log, so "fetched only what changed" is measured, not assumed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.fakes.github import FakeGitHub
from connectors.fakes.store import TrackerStore
from connectors.github.client import API_VERSION, GitHubClient
from connectors.http import RetryPolicy
from pipelines.lib.sql_models import build_model, discover_models
from pipelines.lib.sync_github import sync_github
from pipelines.lib.sync_report import SyncReport
from pipelines.lib.warehouse import open_warehouse
from pipelines.settings import GitHubSource
from tests.builders import GitHubBuilder
from tests.conftest import GITHUB_TOKEN

FAST = RetryPolicy(
    max_attempts=4,
    backoff_base_seconds=0.01,
    backoff_cap_seconds=0.02,
    max_wait_seconds=5,
    secondary_limit_wait_seconds=0.01,
)
LISTINGS = ("/issues", "/milestones", "/labels")


class Sleeps(list):
    """Records every wait the client asks for; `real=True` also spends it."""

    def __init__(self, *, real: bool = False) -> None:
        super().__init__()
        self.real = real

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        if self.real:
            time.sleep(seconds)


Sync = Callable[..., SyncReport]


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "metrics.duckdb"


@pytest.fixture
def sync(warehouse: Path) -> Sync:
    """Run one sync of `repos` against `server` into the test's warehouse, as a run would."""

    def run(
        server: FakeGitHub,
        repos: tuple[str, ...] = ("acme/api",),
        *,
        per_page: int = 100,
        sleeps: Sleeps | None = None,
        token: str = GITHUB_TOKEN,
        run_id: str = "run",
    ) -> SyncReport:
        source = GitHubSource(
            name="github-main", base_url=server.base_url, token_env="UNUSED", repos=repos
        )
        client = GitHubClient.connect(
            server.base_url,
            token,
            policy=FAST,
            per_page=per_page,
            sleep=Sleeps() if sleeps is None else sleeps,
        )
        try:
            with open_warehouse(warehouse) as conn:
                return sync_github(conn, source, client, run_id, commit_every_pages=2)
        finally:
            client.http.close()

    return run


def sql(warehouse: Path, text: str) -> list[tuple[Any, ...]]:
    with open_warehouse(warehouse) as conn:
        return conn.execute(text).fetchall()


def build_github_staging(warehouse: Path) -> None:
    with open_warehouse(warehouse) as conn:
        for spec in discover_models():
            if spec.layer == "staging" and spec.name.startswith("stg_github__"):
                build_model(conn, spec)


def paths(server: FakeGitHub) -> list[str]:
    return [r.path for r in server.request_log]


def per_item_paths(server: FakeGitHub) -> set[str]:
    return {p for p in paths(server) if not p.endswith(LISTINGS)}


def issue_history(store: TrackerStore, repo: str = "acme/api", count: int = 0) -> GitHubBuilder:
    github = GitHubBuilder(store, repo=repo)
    for i in range(count):
        github.issue(f"2026-03-{1 + i // 24:02d} {i % 24:02d}:00")
    return github


def touch(store: TrackerStore, number: int, when: str, event: str = "labeled") -> None:
    store.touch_github_issue(
        "acme/api",
        number,
        {"title": f"edited at {when}"},
        [{"event": event, "label": {"name": "wip"}}],
        datetime.fromisoformat(when).replace(tzinfo=UTC),
    )


@pytest.fixture
def small_repo(store: TrackerStore) -> GitHubBuilder:
    """Two issues and a PR with a review and a commit, a milestone and two labels."""
    github = issue_history(store, count=2)
    github.pull(
        "2026-03-05 09:00",
        merged="2026-03-06 09:00",
        reviews=[("2026-03-05 12:00", "APPROVED", "reviewer")],
        commits=["2026-03-05 08:00"],
    )
    store.put_many_github_milestones(
        "acme/api",
        [
            {
                "id": 9001,
                "number": 1,
                "title": "Q2",
                "state": "closed",
                "due_on": "2026-06-30T07:00:00Z",
                "updated_at": "2026-03-01T00:00:00Z",
            }
        ],
    )
    store.put_many_github_labels(
        "acme/api", [{"id": 1, "name": "bug"}, {"id": 2, "name": "wip", "color": "00ff00"}]
    )
    return github


# ---------------------------------------------------------------------- completeness
def test_a_full_sync_is_complete_across_many_pages(store, fake_github, sync, warehouse):
    issue_history(store, count=120)

    report = sync(fake_github, per_page=25)

    listing = [r for r in fake_github.request_log if r.path == "/repos/acme/api/issues"]
    assert len(listing) == 5  # 120 items / 25 per page, followed through the Link header
    assert report.succeeded
    assert sql(warehouse, "select count(distinct native_id) from raw.github__issues") == [(120,)]
    # every issue's events and timeline, nothing more: one page each
    assert len([p for p in paths(fake_github) if p.endswith("/events")]) == 120
    assert len([p for p in paths(fake_github) if p.endswith("/timeline")]) == 120
    cursor = sql(
        warehouse,
        "select cursor_value from meta.sync_cursors where scope = 'acme/api' "
        "and endpoint = 'issues'",
    )
    assert cursor == [("2026-03-05T23:00:00.000000Z",)]


def test_every_request_pins_the_api_version(small_repo, fake_github, sync):
    sync(fake_github)

    assert set(fake_github.api_versions) == {API_VERSION}


def test_raw_rows_keep_repo_native_id_version_fetch_time_and_run(
    small_repo, fake_github, sync, warehouse
):
    sync(fake_github, run_id="run-42")

    rows = sql(
        warehouse,
        "select scope, native_id, version, _run_id, _extracted_at is not null "
        "from raw.github__issues order by native_id",
    )
    assert rows[0][:2] == ("acme/api", "500001")
    assert rows[0][2] == "2026-03-01T00:00:00Z"  # the tracker's updated_at
    assert {r[3] for r in rows} == {"run-42"}
    assert all(r[4] for r in rows)


# ---------------------------------------------------------------------- incremental
def test_an_incremental_sync_fetches_children_of_exactly_the_changed_items(
    store, small_repo, fake_github, sync, warehouse
):
    assert sync(fake_github).succeeded
    touch(store, 2, "2026-04-02T10:00:00")  # an issue
    touch(store, 3, "2026-04-02T11:00:00", event="review_requested")  # the PR
    fake_github.clear_log()

    report = sync(fake_github)

    assert report.succeeded
    assert per_item_paths(fake_github) == {
        "/repos/acme/api/issues/2/events",
        "/repos/acme/api/issues/2/timeline",
        "/repos/acme/api/issues/3/events",
        "/repos/acme/api/pulls/3",
        "/repos/acme/api/pulls/3/reviews",
        "/repos/acme/api/pulls/3/commits",
    }
    assert report.rows_inserted["github__issues"] == 2
    assert report.rows_inserted["github__issue_events"] == 2
    build_github_staging(warehouse)
    titles = sql(warehouse, "select number, title from staging.stg_github__issues order by number")
    assert titles[1] == (2, "edited at 2026-04-02T10:00:00")
    events = sql(
        warehouse,
        "select event from staging.stg_github__issue_events where item_id like '%:500002'",
    )
    assert events == [("labeled",)]


def test_a_run_with_nothing_changed_costs_at_most_one_request_per_listing(
    small_repo, fake_github, sync
):
    assert sync(fake_github).succeeded
    fake_github.clear_log()

    first = sync(fake_github)  # the cursor's overlap URL is new: one 200, items already stored
    first_log = fake_github.request_log
    fake_github.clear_log()
    second = sync(fake_github)  # the same URLs again: every listing answers 304

    for log in (first_log, fake_github.request_log):
        assert sorted(r.path.rsplit("/", 1)[1] for r in log) == ["issues", "labels", "milestones"]
    assert [r.status for r in fake_github.request_log] == [304, 304, 304]
    assert second.as_metadata()["not_modified"] == 3
    assert second.as_metadata()["requests"] == 3
    assert first.total_inserted == 0
    assert second.total_inserted == 0


def test_milestones_and_labels_are_refreshed_only_when_their_etag_changes(
    store, small_repo, fake_github, sync, warehouse
):
    sync(fake_github)
    store.put_many_github_labels("acme/api", [{"id": 3, "name": "initiative:payments"}])
    fake_github.clear_log()

    report = sync(fake_github)

    statuses = {r.path.rsplit("/", 1)[1]: r.status for r in fake_github.request_log}
    assert statuses["labels"] == 200
    assert statuses["milestones"] == 304
    assert {t: n for t, n in report.rows_inserted.items() if n} == {"github__labels": 1}
    build_github_staging(warehouse)
    names = sql(warehouse, "select name from staging.stg_github__labels order by name")
    assert names == [("bug",), ("initiative:payments",), ("wip",)]
    due = sql(warehouse, "select state, due_date from staging.stg_github__milestones")
    assert due == [("closed", datetime(2026, 6, 30).date())]


def test_cursors_are_kept_per_repo_and_endpoint(small_repo, fake_github, sync, warehouse):
    sync(fake_github)

    rows = sql(warehouse, "select scope, endpoint from meta.sync_cursors order by all")

    assert rows == [("acme/api", "issues"), ("acme/api", "labels"), ("acme/api", "milestones")]


# ---------------------------------------------------------------------- rate limits
def test_primary_rate_limit_exhaustion_waits_until_the_reset_header(store, sync, warehouse):
    issue_history(store, count=3)
    sleeps = Sleeps(real=True)
    with FakeGitHub(store, token=GITHUB_TOKEN, rate_limit=4, reset_after_seconds=1) as server:
        started = time.monotonic()
        report = sync(server, sleeps=sleeps)
        elapsed = time.monotonic() - started
        statuses = [r.status for r in server.request_log]

    assert report.succeeded
    assert report.http.rate_limit_waits >= 1
    # each wait is what x-ratelimit-reset said: the 1 s window, rounded up to whole epoch
    # seconds as GitHub sends it, plus the client's 0.5 s margin; never the 5 s wait budget
    assert sleeps
    assert all(0.5 <= s <= 2.5 for s in sleeps), sleeps
    assert elapsed >= 0.5
    assert 403 not in statuses  # it stopped at remaining=0 instead of hammering into a 403
    assert sql(warehouse, "select count(*) from raw.github__issues") == [(3,)]


def test_a_403_with_remaining_zero_also_waits_until_reset(small_repo, fake_github, sync):
    reset = str(int(time.time()) + 3)
    fake_github.inject(
        r"/issues$",
        403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
        body={"message": "API rate limit exceeded for user ID 1."},
    )
    sleeps = Sleeps()

    report = sync(fake_github, sleeps=sleeps)

    assert report.succeeded
    assert len(sleeps) == 1
    assert 1.5 <= sleeps[0] <= 3.5
    assert report.http.rate_limit_waits == 1


def test_secondary_rate_limit_honours_retry_after(small_repo, fake_github, sync):
    fake_github.inject(r"/issues/1/events$", 403, headers={"retry-after": "2"})
    sleeps = Sleeps()

    report = sync(fake_github, sleeps=sleeps)

    assert report.succeeded
    assert sleeps == [2.0]
    assert report.http.rate_limit_waits == 1


def test_secondary_rate_limit_without_retry_after_backs_off(small_repo, fake_github, sync):
    fake_github.inject(r"/issues/1/timeline$", 403, times=2)  # body names the secondary limit
    sleeps = Sleeps()

    report = sync(fake_github, sleeps=sleeps)

    assert report.succeeded
    assert sleeps == [0.01, 0.02]


# ---------------------------------------------------------------------- failures
def test_a_missing_repo_fails_clearly_while_the_other_repos_load(
    small_repo, fake_github, sync, warehouse
):
    report = sync(fake_github, repos=("acme/missing", "acme/api"))

    assert len(report.failures) == 1
    assert report.failures[0].startswith("acme/missing: GET /repos/acme/missing/issues: 404")
    assert "token can see it" in report.failures[0]
    assert GITHUB_TOKEN not in report.failures[0]
    assert sql(warehouse, "select count(*) from raw.github__issues") == [(3,)]


def test_a_forbidden_endpoint_is_fatal_for_its_repo_naming_the_endpoint(
    store, small_repo, fake_github, sync, warehouse
):
    GitHubBuilder(store, repo="acme/web").issue("2026-03-02 09:00")
    fake_github.inject(
        r"^/repos/acme/web/issues$",
        403,
        headers={"x-ratelimit-remaining": "4999"},
        body={"message": "Resource not accessible by personal access token"},
    )

    report = sync(fake_github, repos=("acme/web", "acme/api"))

    assert len(report.failures) == 1
    failure = report.failures[0]
    assert failure.startswith("acme/web: GET /repos/acme/web/issues: 403 Forbidden")
    assert "the credentials lack permission" in failure
    assert failure.endswith(": Resource not accessible by personal access token")
    assert GITHUB_TOKEN not in failure
    assert sql(warehouse, "select distinct scope from raw.github__issues") == [("acme/api",)]


def test_a_bad_token_fails_every_repo_without_echoing_it(small_repo, fake_github, sync):
    report = sync(fake_github, repos=("acme/api",), token="ghp_wrong_0123")

    assert len(report.failures) == 1
    assert "401" in report.failures[0]
    assert "ghp_wrong_0123" not in report.failures[0]


# ---------------------------------------------------------------------- sub-issues
@pytest.fixture
def parent_with_children(store: TrackerStore) -> GitHubBuilder:
    github = issue_history(store, count=4)
    for number in (1, 3):
        store.touch_github_issue(
            "acme/api",
            number,
            {"sub_issues_summary": {"total": 1, "completed": 0, "percent_completed": 0}},
            [],
            datetime(2026, 3, 10, number, tzinfo=UTC),
        )
    store.put_many_github_sub_issues("acme/api", [(1, 2), (3, 4)])
    return github


def test_sub_issues_are_fetched_for_parents_and_staged_as_links(
    parent_with_children, fake_github, sync, warehouse
):
    sync(fake_github)

    assert {p for p in paths(fake_github) if p.endswith("/sub_issues")} == {
        "/repos/acme/api/issues/1/sub_issues",
        "/repos/acme/api/issues/3/sub_issues",
    }
    build_github_staging(warehouse)
    links = sql(
        warehouse,
        "select parent_number, child_number, origin from staging.stg_github__sub_issue_links "
        "order by all",
    )
    assert links == [(1, 2, "sub_issues"), (3, 4, "sub_issues")]


def test_a_server_without_sub_issues_degrades_gracefully(parent_with_children, store, sync):
    with FakeGitHub(store, token=GITHUB_TOKEN, rate_limit=None, sub_issues=False) as server:
        report = sync(server)
        sub_issue_calls = [p for p in paths(server) if p.endswith("/sub_issues")]

    assert report.succeeded
    assert sub_issue_calls == []  # the payloads carry no sub_issues_summary to follow


def test_a_404_from_the_sub_issues_endpoint_is_tried_once_and_the_sync_succeeds(
    parent_with_children, fake_github, sync, warehouse
):
    fake_github.inject(r"/sub_issues$", 404, times=5)

    report = sync(fake_github)

    assert report.succeeded
    assert [p for p in paths(fake_github) if p.endswith("/sub_issues")] == [
        "/repos/acme/api/issues/1/sub_issues"
    ]
    assert sql(warehouse, "select count(*) from raw.github__issues") == [(4,)]


def test_a_cross_reference_from_the_timeline_lands_in_the_issue_events(
    store, fake_github, sync, warehouse
):
    github = issue_history(store, count=1)
    pull = github.pull("2026-03-03 09:00")
    store.put_many_github_timeline(
        "acme/api",
        [
            (
                1,
                {
                    "event": "cross-referenced",
                    "created_at": "2026-03-03T09:00:00Z",
                    "updated_at": "2026-03-03T09:00:00Z",
                    "source": {
                        "type": "issue",
                        "issue": {
                            **pull,
                            "repository_url": ("https://api.github.com/repos/acme/api"),
                        },
                    },
                },
            )
        ],
    )

    sync(fake_github)
    build_github_staging(warehouse)

    rows = sql(
        warehouse,
        "select feed, event, source_issue_number, source_issue_repo, source_is_pull_request "
        "from staging.stg_github__issue_events where event = 'cross-referenced'",
    )
    assert rows == [("timeline", "cross-referenced", 2, "acme/api", True)]
