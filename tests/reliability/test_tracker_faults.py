"""Tracker faults: throttling, server errors, broken connections, slow answers, garbage bodies,
expired page tokens, items that change between two pages, a tracker down all night.

Every case syncs the whole sample organisation into a fresh warehouse while the fault is
injected, and ends with a warehouse identical to an uninterrupted run's: same raw rows by
(source, native_id, version) and payload, no duplicates, same marts, same cursors.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.fakes.sample_org import SampleOrg
from connectors.fakes.store import TrackerStore
from tests.reliability.conftest import Org, serve_org
from tests.reliability.harness import (
    LEDGER,
    ORG_ITEMS,
    assert_recovered,
    capture,
    org_settings,
    run,
)


@dataclass(frozen=True)
class TransientFault:
    """Faults the HTTP layer must absorb within the same run."""

    name: str
    inject: Callable[[Org], None]
    ingest: dict[str, Any] = field(default_factory=dict)


def _rate_limit_bursts(org: Org) -> None:
    org.jira.inject(r"/search/jql$", 429, times=3, headers={"Retry-After": "0"})
    org.github.inject(r"/repos/acme/api/issues$", 429, times=2)  # no headers: plain backoff
    org.github.inject(
        r"/issues/\d+/events$",
        403,
        times=3,
        headers={"Retry-After": "0"},
        body={"message": "You have exceeded a secondary rate limit."},
    )
    org.github.inject(
        r"/pulls/\d+$",
        403,
        times=2,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()))},
        body={"message": "API rate limit exceeded."},
    )


def _server_errors(org: Org) -> None:
    org.github.inject(r"/pulls/\d+/reviews$", 500, times=3)
    org.github.inject(r"/repos/acme/web/issues$", 502, times=3)
    org.jira.inject(r"/field$", 503, times=3)
    org.jira.inject(r"/search/jql$", 502, times=2)


def _dropped_connections(org: Org) -> None:
    org.github.inject(r"/repos/acme/api/issues$", 200, times=2, drop_connection=True)
    org.github.inject(r"/pulls/\d+/commits$", 200, times=3, drop_connection=True)
    org.jira.inject(r"/search/jql$", 200, times=2, drop_connection=True)


def _slow_answers(org: Org) -> None:
    org.github.inject(r"/issues/\d+/events$", None, times=2, delay_seconds=1.5)
    org.jira.inject(r"/myself$", None, times=1, delay_seconds=1.5)
    org.jira.inject(r"/search/jql$", None, times=1, delay_seconds=1.5)


TRANSIENT = [
    TransientFault("429 and 403 rate-limit bursts", _rate_limit_bursts),
    TransientFault("500/502/503 bursts", _server_errors),
    TransientFault("connections dropped mid-body", _dropped_connections),
    TransientFault("read timeouts", _slow_answers, {"timeout_seconds": 0.4}),
]


@pytest.mark.parametrize("fault", TRANSIENT, ids=[f.name for f in TRANSIENT])
def test_transient_tracker_faults_are_absorbed_within_the_run(served: Org, tmp_path, fault):
    LEDGER.fault(fault.name)
    fault.inject(served)
    settings = org_settings(tmp_path, served.github, served.jira, ingest=fault.ingest)

    outcome = run(settings)

    assert outcome.success, outcome
    injected = [r for s in (served.github, served.jira) for r in s.request_log if r.injected]
    assert injected, "the fault was never hit"
    assert_recovered(served.reference, settings)


def test_a_malformed_json_body_fails_that_source_and_the_next_night_recovers(
    served: Org, tmp_path, query
):
    LEDGER.fault("malformed JSON (200 with a non-JSON body)")
    served.jira.inject(r"/search/jql$", 200, body="<html><body>proxy error</body></html>")
    served.github.inject(r"/repos/acme/web/issues$", 200, body='{"truncated": ')
    settings = org_settings(tmp_path, served.github, served.jira)

    outcome = run(settings)

    assert sorted(outcome.failed_checks) == [
        "raw/github_main:sync_succeeded",
        "raw/jira_cloud:sync_succeeded",
    ]
    errors = dict(query(settings.warehouse.path, "select source, error from meta.load_log"))
    assert "POST /rest/api/3/search/jql returned a body that is not JSON" in errors["jira-cloud"]
    assert "GET /repos/acme/web/issues returned a body that is not JSON" in errors["github-main"]
    # the healthy repo was still loaded and published
    assert (
        query(
            settings.warehouse.publish_path,
            "select count(*) from marts.fct_work_items where key like 'acme/api#%'",
        )[0][0]
        > 0
    )

    assert run(settings).success
    assert_recovered(served.reference, settings)


def test_a_tracker_down_all_night_leaves_the_rest_published_and_recovers_next_night(
    served: Org, tmp_path, query
):
    LEDGER.fault("tracker down for the whole run (every request 503)")
    served.jira.inject(r".*", 503, times=100_000)
    settings = org_settings(tmp_path, served.github, served.jira)

    outcome = run(settings)

    assert outcome.failed_checks == ["raw/jira_cloud:sync_succeeded"]
    assert "failed after 4 attempts: HTTP 503" in outcome.causes[outcome.failed_checks[0]]
    published = query(
        settings.warehouse.publish_path, "select distinct source from marts.fct_work_items"
    )
    assert published == [("github-main",)]
    served.jira.clear_faults()

    assert run(settings).success
    assert_recovered(served.reference, settings)


def test_an_expired_page_token_restarts_the_search_and_loses_nothing(served: Org, tmp_path):
    LEDGER.fault("Jira nextPageToken expired between two pages")
    served.jira.after_search_page[1] = served.jira.expire_page_tokens
    settings = org_settings(tmp_path, served.github, served.jira)

    outcome = run(settings)

    assert outcome.success, outcome
    statuses = [r.status for r in served.jira.request_log if r.path.endswith("/search/jql")]
    assert 400 in statuses  # the token really was rejected once
    assert_recovered(served.reference, settings)


def _issue_order(store: TrackerStore) -> list[tuple[int, str]]:
    """Jira's search order for the org's projects: updated, then id."""
    with store.transaction() as conn:
        return [
            (int(i), str(k))
            for i, k in conn.execute("select id, key from jira_issues order by updated, id")
        ]


KEYS_SQL = "select key from marts.fct_work_items where source = 'jira-cloud'"


def test_issues_moved_or_deleted_between_two_pages_are_neither_lost_nor_duplicated(
    tmp_path_factory, reliability_env, query
):
    LEDGER.fault("Jira issue moved to another project / deleted between two search pages")
    store = TrackerStore()
    SampleOrg(seed=7, items=ORG_ITEMS).populate(store)
    github, jira = serve_org(store)
    try:
        order = _issue_order(store)
        moved_id, moved_key = order[0]  # served on page 1, then moved to WEB
        deleted_id, _ = order[-1]  # would be served on page 2, deleted before
        moved_at = datetime(2026, 11, 1, 12, tzinfo=UTC)

        def change_tracker() -> None:
            store.move_jira_issue(moved_id, "WEB-9001", at=moved_at)
            store.delete_jira_issue(deleted_id)

        jira.after_search_page[1] = change_tracker
        settings = org_settings(tmp_path_factory.mktemp("faulted"), None, jira)
        assert run(settings).success
        assert jira.after_search_page == {}  # the change happened mid-search

        reference_settings = org_settings(tmp_path_factory.mktemp("reference"), None, jira)
        assert run(reference_settings).success
        reference = capture(reference_settings)
        # The old version of the moved issue stays in raw (raw keeps every version seen).
        comparison = assert_recovered(
            reference,
            settings,
            allowed_extra=[
                k
                for k in capture(settings).raw_rows
                if k[0] == "jira__issues" and k[2] == str(moved_id)
            ],
        )
        assert comparison.identical
        keys = {k for (k,) in query(settings.warehouse.publish_path, KEYS_SQL)}
        assert "WEB-9001" in keys
        assert moved_key not in keys
    finally:
        github.stop()
        jira.stop()
        store.close()
