"""The Jira connector and its incremental sync against the fake Jira over loopback.

These call `sync_jira` on a real DuckDB warehouse (no Dagster) so each behaviour is cheap to
state: paging, complete changelogs, time-zone-safe cursors, rate limits and fatal errors.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.fakes.jira import FakeJira
from connectors.fakes.store import TrackerStore
from connectors.http import RetryPolicy
from connectors.jira.client import JiraClient
from pipelines.lib.sync_jira import JiraSyncReport, sync_jira
from pipelines.lib.warehouse import open_warehouse
from pipelines.settings import JiraSource, load_settings
from tests.builders import JiraBuilder
from tests.conftest import JIRA_EMAIL, JIRA_TOKEN

POLICY = RetryPolicy(
    max_attempts=4, backoff_base_seconds=0.01, backoff_cap_seconds=0.05, max_wait_seconds=5
)


def source_for(server: FakeJira, **overrides) -> JiraSource:
    values = {
        "name": "jira-test",
        "base_url": server.base_url,
        "flavor": server.flavor,
        "token_env": "UNUSED",
        "email_env": "UNUSED",
        "projects": ("PAY",),
        "jql": None,
    }
    return JiraSource(**{**values, **overrides})


def run_sync(server: FakeJira, warehouse: Path, token: str = JIRA_TOKEN, **overrides):
    source = source_for(server, **overrides)
    client = JiraClient.connect(
        server.base_url, flavor=server.flavor, token=token, email=JIRA_EMAIL, policy=POLICY
    )
    try:
        with open_warehouse(warehouse) as conn:
            return sync_jira(conn, source, client, "run-test", commit_every_pages=2)
    finally:
        client.http.close()


def scalar(warehouse: Path, sql: str, params: list | None = None):
    with open_warehouse(warehouse) as conn:
        return conn.execute(sql, params or []).fetchone()[0]


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "wh.duckdb"


def many_issues(store: TrackerStore, count: int) -> list[dict]:
    jira = JiraBuilder(store)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        jira.issue(
            (start + timedelta(minutes=7 * n)).strftime("%Y-%m-%d %H:%M"),
            [((start + timedelta(minutes=7 * n + 3)).strftime("%Y-%m-%d %H:%M"), "In Progress")],
        )
        for n in range(count)
    ]


def test_paging_is_complete_and_the_removed_search_endpoint_is_never_called(
    store, fake_jira, warehouse
):
    many_issues(store, 250)

    report = run_sync(fake_jira, warehouse)

    assert report.succeeded, report.failures
    assert report.pages == 3
    assert report.items_seen == 250
    assert scalar(warehouse, "select count(distinct native_id) from raw.jira__issues") == 250
    assert scalar(warehouse, "select count(*) from raw.jira__changelogs") == 250
    paths = [r.path for r in fake_jira.request_log]
    assert paths.count("/rest/api/3/search/jql") == 3
    assert "/rest/api/3/search" not in paths
    assert "/rest/api/2/search" not in paths


def test_an_issue_with_250_histories_keeps_all_250_through_one_bulk_changelog_fetch(
    store, fake_jira, warehouse
):
    jira = JiraBuilder(store)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    statuses = ["In Progress", "In Review"]
    moves = [
        ((start + timedelta(hours=n + 1)).strftime("%Y-%m-%d %H:%M"), statuses[n % 2])
        for n in range(250)
    ]
    busy = jira.issue("2026-01-01 00:00", moves)
    jira.issue("2026-01-02 00:00", [("2026-01-02 01:00", "In Progress")])

    report = run_sync(fake_jira, warehouse)

    assert report.succeeded, report.failures
    assert report.changelog_followups == 1
    bulk = [r for r in fake_jira.request_log if r.path == "/rest/api/3/changelog/bulkfetch"]
    assert len(bulk) == 1
    assert report.changelog_requests == 1
    stored = scalar(
        warehouse,
        "select count(distinct native_id) from raw.jira__changelogs where parent_id = ?",
        [busy["id"]],
    )
    assert stored == 250
    assert report.as_metadata()["changelog_followups"] == 1


def test_changelog_follow_ups_fall_back_to_the_per_issue_endpoint_without_bulkfetch(
    store, fake_jira, warehouse
):
    jira = JiraBuilder(store)
    moves = [(f"2026-01-01 {h:02d}:00", ["In Progress", "In Review"][h % 2]) for h in range(1, 24)]
    busy = jira.issue("2026-01-01 00:00", moves)
    fake_jira.inject(r"^/rest/api/3/changelog/bulkfetch$", 404, times=10)

    report = run_sync(fake_jira, warehouse)

    assert report.succeeded, report.failures
    per_issue = [r for r in fake_jira.request_log if r.path.endswith(f"/{busy['id']}/changelog")]
    assert len(per_issue) == 1
    assert scalar(warehouse, "select count(*) from raw.jira__changelogs") == 23


@pytest.fixture(params=["America/Los_Angeles", "Asia/Kolkata"])
def zoned_jira(request, store: TrackerStore) -> Iterator[FakeJira]:
    server = FakeJira(
        store,
        flavor="cloud",
        email=JIRA_EMAIL,
        token=JIRA_TOKEN,
        timezone=request.param,
        rate_limit=1_000_000,
    )
    with server.start():
        yield server


def test_updates_either_side_of_the_cursor_are_picked_up_in_the_profile_time_zone(
    store, zoned_jira, warehouse
):
    jira = JiraBuilder(store)
    # three hours before the cursor: outside the window, unless the literal is read in the
    # wrong zone (a UTC literal read in Asia/Kolkata reaches back five and a half hours)
    old = jira.issue("2026-03-02 07:00", [("2026-03-02 08:07", "In Progress")])
    newest = jira.issue("2026-03-02 09:00", [("2026-03-02 11:07:42", "In Progress")])
    assert run_sync(zoned_jira, warehouse).succeeded
    cursor = datetime(2026, 3, 2, 11, 7, 42, tzinfo=UTC)
    # changes that land after the first sync read: one stamped just before the cursor (a slow
    # writer), one just after it; neither may be lost, and `old` must not be re-read
    late = jira.issue("2026-03-02 08:00", [("2026-03-02 10:59:00", "In Progress")])
    store.touch_jira_issue(int(newest["id"]), None, None, cursor + timedelta(seconds=1))
    zoned_jira.clear_log()

    report = run_sync(zoned_jira, warehouse)

    assert report.succeeded, report.failures
    seen = {
        row[0]
        for row in _query(
            warehouse, "select native_id from raw.jira__issues where _run_id = 'run-test'"
        )
    }
    assert {late["id"], newest["id"]} <= seen
    jql = next(r for r in zoned_jira.request_log if r.path == "/rest/api/3/search/jql")
    assert jql.method == "POST"
    assert report.items_seen == 2  # `late` and the touched `newest`; `old` is out of the window
    assert old["id"] in seen  # it was stored by the first run
    assert report.cursors_after["projects:PAY"] == "2026-03-02T11:07:43.000000Z"


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with open_warehouse(warehouse) as conn:
        return conn.execute(sql).fetchall()


def test_a_429_with_retry_after_is_waited_out_and_reported(store, fake_jira, warehouse):
    many_issues(store, 3)
    fake_jira.inject(r"^/rest/api/3/search/jql$", 429, headers={"Retry-After": "1"})

    began = time.monotonic()
    report = run_sync(fake_jira, warehouse)

    assert report.succeeded, report.failures
    assert time.monotonic() - began >= 1.0
    metadata = report.as_metadata()
    assert metadata["rate_limit_waits"] == 1
    assert metadata["waited_seconds"] >= 1.0
    assert [r.status for r in fake_jira.request_log if r.path.endswith("/search/jql")] == [429, 200]


def test_a_503_with_retry_after_is_retried(store, fake_jira, warehouse):
    many_issues(store, 2)
    fake_jira.inject(r"^/rest/api/3/status$", 503, headers={"Retry-After": "0.2"})

    report = run_sync(fake_jira, warehouse)

    assert report.succeeded, report.failures
    assert report.http.retries == 1


def test_a_429_with_only_beta_rate_limit_headers_is_retried(store, fake_jira, warehouse):
    """Cloud still sends its quota headers Beta-prefixed; with no Retry-After the client backs off.

    The fake adds the plain X-RateLimit-* forms itself; they are blanked here so only the
    Beta- forms Jira Cloud sent in March 2026 remain.
    """
    many_issues(store, 2)
    fake_jira.inject(
        r"^/rest/api/3/myself$",
        429,
        headers={
            "X-RateLimit-Remaining": "",
            "X-RateLimit-Reset": "",
            "Beta-RateLimit": '"jira-burst-based";r=0;t=1',
            "X-Beta-RateLimit-Reset": datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ"),
        },
    )

    report = run_sync(fake_jira, warehouse)

    assert report.succeeded, report.failures
    assert report.http.retries == 1
    assert report.http.statuses[429] == 1


@pytest.mark.parametrize(
    ("status", "expected"),
    [(401, "401 Unauthorized"), (403, "403 Forbidden"), (404, "404 Not Found")],
)
def test_auth_and_permission_errors_fail_the_source_without_retrying_or_leaking_the_token(
    store, fake_jira, warehouse, status, expected
):
    many_issues(store, 2)
    fake_jira.inject(r"^/rest/api/3/myself$", status)

    report: JiraSyncReport = run_sync(fake_jira, warehouse)

    assert not report.succeeded
    assert expected in report.failures[0]
    assert "GET /rest/api/3/myself" in report.failures[0]
    assert JIRA_TOKEN not in report.failures[0]
    assert JIRA_EMAIL not in report.failures[0]
    assert len(fake_jira.request_log) == 1  # fatal: never retried
    assert scalar(warehouse, "select count(*) from meta.sync_cursors") == 0


def test_a_wrong_token_is_a_clear_401_that_names_no_credential(store, fake_jira, warehouse):
    many_issues(store, 1)

    report = run_sync(fake_jira, warehouse, token="not-the-token")

    assert not report.succeeded
    assert "401 Unauthorized" in report.failures[0]
    assert "not-the-token" not in report.failures[0]


def test_each_run_reports_requests_pages_follow_ups_waits_and_items(store, fake_jira, warehouse):
    many_issues(store, 5)

    metadata = run_sync(fake_jira, warehouse).as_metadata()

    # myself, status, statuscategory, field, one search page
    assert metadata["requests"] == 5
    assert metadata["pages"] == 1
    assert metadata["items_seen"] == 5
    assert metadata["changelog_followups"] == 0
    assert metadata["rate_limit_waits"] == 0
    assert metadata["rows_inserted_by_table"]["jira__issues"] == 5


def test_status_categories_are_fetched_beside_the_statuses(store, fake_jira, warehouse):
    many_issues(store, 1)

    run_sync(fake_jira, warehouse)

    assert scalar(warehouse, "select count(*) from raw.jira__statuscategories") == 4
    paths = [r.path for r in fake_jira.request_log]
    assert "/rest/api/3/statuscategory" in paths
    assert "/rest/api/3/status" in paths


def run_sync_at(server: FakeJira, warehouse: Path, now: datetime, **overrides) -> JiraSyncReport:
    source = source_for(server, **overrides)
    client = JiraClient.connect(
        server.base_url, flavor=server.flavor, token=JIRA_TOKEN, email=JIRA_EMAIL, policy=POLICY
    )
    try:
        with open_warehouse(warehouse) as conn:
            return sync_jira(conn, source, client, "run-test", now=now)
    finally:
        client.http.close()


def test_reconciliation_runs_only_when_due_and_the_first_full_sync_counts_as_one(
    store, fake_jira, warehouse
):
    issues = many_issues(store, 3)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    first = run_sync_at(fake_jira, warehouse, start, reconcile_every_days=7)
    store.delete_jira_issue(int(issues[0]["id"]))

    early = run_sync_at(fake_jira, warehouse, start + timedelta(days=6), reconcile_every_days=7)
    due = run_sync_at(fake_jira, warehouse, start + timedelta(days=7), reconcile_every_days=7)

    assert not first.reconciled
    assert not early.reconciled
    assert due.reconciled
    assert due.reconcile_listed == 2
    assert due.flagged_deleted == 1
    assert due.as_metadata()["flagged_deleted"] == 1
    flagged = scalar(warehouse, "select native_id from raw.jira__reconciliations")
    assert flagged == issues[0]["id"]


def test_reconcile_every_days_is_validated_with_the_key_named(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "warehouse: {path: w.duckdb, publish_path: p.duckdb}\n"
        "sources:\n"
        "  - {name: j, kind: jira, flavor: datacenter, base_url: 'https://jira.example',\n"
        "     token_env: T, projects: [PAY], reconcile_every_days: -1}\n",
        encoding="utf-8",
    )

    with pytest.raises(ValueError, match="reconcile_every_days"):
        load_settings(path)
