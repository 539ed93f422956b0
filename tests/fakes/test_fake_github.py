"""FakeGitHub over real HTTP: paging, filters, ETags, rate limits, faults, GHES mode."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from connectors.fakes.github import FakeGitHub
from connectors.fakes.sample_org import OrgSummary, SampleOrg
from connectors.fakes.store import TrackerStore

TOKEN = "ghp_test_token_123"


@pytest.fixture(scope="module")
def populated() -> Iterator[tuple[TrackerStore, OrgSummary]]:
    store = TrackerStore()
    summary = SampleOrg(seed=7, items=3000).populate(store)
    yield store, summary
    store.close()


@pytest.fixture
def store(populated: tuple[TrackerStore, OrgSummary]) -> TrackerStore:
    return populated[0]


@pytest.fixture
def summary(populated: tuple[TrackerStore, OrgSummary]) -> OrgSummary:
    return populated[1]


@pytest.fixture
def github(store: TrackerStore) -> Iterator[FakeGitHub]:
    with FakeGitHub(store, token=TOKEN) as server:
        yield server


@pytest.fixture
def http() -> Iterator[requests.Session]:
    session = requests.Session()
    session.headers.update(
        {"Authorization": f"Bearer {TOKEN}", "Accept": "application/vnd.github+json"}
    )
    yield session
    session.close()


def _collect(http: requests.Session, url: str, params: dict[str, str]) -> tuple[list[dict], int]:
    """Follow rel=next links to the end; returns items and the number of pages."""
    items: list[dict] = []
    pages = 0
    next_url: str | None = url
    next_params: dict[str, str] | None = params
    while next_url:
        response = http.get(next_url, params=next_params, timeout=10)
        assert response.status_code == 200
        items.extend(response.json())
        pages += 1
        next_url = response.links.get("next", {}).get("url")
        next_params = None
    return items, pages


def test_issue_paging_follows_link_header_to_completion(github, http, summary):
    url = f"{github.base_url}/repos/acme/api/issues"
    first = http.get(url, params={"state": "all", "per_page": "50"}, timeout=10)
    assert {"next", "last"} <= set(first.links)
    items, pages = _collect(http, url, {"state": "all", "per_page": "50"})
    assert len(items) == summary.github_items_by_repo["acme/api"]
    assert len({i["number"] for i in items}) == len(items)
    assert pages == -(-len(items) // 50)
    created = [i["created_at"] for i in items]
    assert created == sorted(created, reverse=True)  # default sort=created, direction=desc
    assert any(i.get("pull_request") for i in items)
    assert all(i["url"].startswith(github.base_url) for i in items)


def test_single_page_has_no_link_header(github, http):
    response = http.get(f"{github.base_url}/repos/acme/api/labels", timeout=10)
    assert response.status_code == 200
    assert "Link" not in response.headers
    assert "in progress" in {label["name"] for label in response.json()}


def test_default_state_is_open_and_hides_closed(github, http):
    url = f"{github.base_url}/repos/acme/web/issues"
    open_items, _ = _collect(http, url, {"per_page": "100"})
    all_items, _ = _collect(http, url, {"state": "all", "per_page": "100"})
    assert open_items
    assert {i["state"] for i in open_items} == {"open"}
    assert len(all_items) > len(open_items)


def test_since_filters_on_updated_at(github, http):
    url = f"{github.base_url}/repos/acme/api/issues"
    all_items, _ = _collect(http, url, {"state": "all", "per_page": "100"})
    stamps = sorted(i["updated_at"] for i in all_items)
    since = stamps[len(stamps) // 2]
    recent, _ = _collect(
        http,
        url,
        {"state": "all", "since": since, "sort": "updated", "direction": "asc", "per_page": "100"},
    )
    assert len(recent) == sum(1 for s in stamps if s >= since)
    assert [i["updated_at"] for i in recent] == sorted(i["updated_at"] for i in recent)


def test_etag_gives_304_without_spending_rate_limit(github, http):
    url = f"{github.base_url}/repos/acme/api/milestones"
    first = http.get(url, params={"state": "all"}, timeout=10)
    etag = first.headers["ETag"]
    remaining = int(first.headers["x-ratelimit-remaining"])
    second = http.get(url, params={"state": "all"}, headers={"If-None-Match": etag}, timeout=10)
    assert second.status_code == 304
    assert second.content == b""
    assert int(second.headers["x-ratelimit-remaining"]) == remaining
    milestones = first.json()
    assert {m["state"] for m in milestones} == {"open", "closed"}
    default = http.get(url, timeout=10).json()
    assert {m["state"] for m in default} == {"open"}


def test_rate_limit_exhaustion_then_recovery(store, http):
    with FakeGitHub(store, token=TOKEN, rate_limit=3, reset_after_seconds=1.0) as server:
        url = f"{server.base_url}/repos/acme/api/issues/1"
        for expected_remaining in (2, 1, 0):
            response = http.get(url, timeout=10)
            assert response.status_code == 200
            assert int(response.headers["x-ratelimit-remaining"]) == expected_remaining
        blocked = http.get(url, timeout=10)
        assert blocked.status_code == 403
        assert blocked.json()["message"].startswith("API rate limit exceeded")
        assert blocked.headers["x-ratelimit-remaining"] == "0"
        assert blocked.headers["x-ratelimit-resource"] == "core"
        reset = int(blocked.headers["x-ratelimit-reset"])
        assert reset >= int(time.time())
        rate = http.get(f"{server.base_url}/rate_limit", timeout=10)
        assert rate.status_code == 200
        assert rate.json()["resources"]["core"]["remaining"] == 0
        time.sleep(max(0.0, reset - time.time()) + 0.1)
        recovered = http.get(url, timeout=10)
        assert recovered.status_code == 200
        assert int(recovered.headers["x-ratelimit-remaining"]) == 2


def test_injected_secondary_limit_with_retry_after(github, http):
    github.inject(
        r"/repos/acme/api/issues$",
        429,
        headers={"retry-after": "1"},
        body={"message": "You have exceeded a secondary rate limit. Please wait."},
    )
    url = f"{github.base_url}/repos/acme/api/issues"
    limited = http.get(url, timeout=10)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "1"
    assert "secondary rate limit" in limited.json()["message"]
    assert http.get(url, timeout=10).status_code == 200
    assert [entry.status for entry in github.request_log[-2:]] == [429, 200]
    assert github.request_log[-2].injected


def test_auth_failures_and_token_scheme(github):
    url = f"{github.base_url}/repos/acme/api/issues"
    missing = requests.get(url, timeout=10)
    assert missing.status_code == 401
    assert missing.json()["message"] == "Requires authentication"
    wrong = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert wrong.status_code == 401
    assert wrong.json()["message"] == "Bad credentials"
    legacy = requests.get(url, headers={"Authorization": f"token {TOKEN}"}, timeout=10)
    assert legacy.status_code == 200
    schemes = [entry.auth_scheme for entry in github.request_log]
    assert schemes == [None, "Bearer", "token"]
    assert TOKEN not in repr(github.request_log)


def test_unknown_repo_is_404(github, http):
    response = http.get(f"{github.base_url}/repos/acme/nope/issues", timeout=10)
    assert response.status_code == 404
    assert response.json() == {
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest",
        "status": "404",
    }


def test_pull_detail_reviews_and_commit_cap(github, http, store):
    url = f"{github.base_url}/repos/acme/api/issues"
    items, _ = _collect(http, url, {"state": "all", "per_page": "100"})
    pulls = [i for i in items if i.get("pull_request")]
    biggest = None
    for issue in pulls:
        detail = http.get(f"{github.base_url}/repos/acme/api/pulls/{issue['number']}", timeout=10)
        pull = detail.json()
        assert pull["id"] != issue["id"]
        assert pull["number"] == issue["number"]
        if biggest is None or pull["commits"] > biggest["commits"]:
            biggest = pull
    assert biggest is not None
    assert biggest["commits"] > 250
    commits, pages = _collect(
        http,
        f"{github.base_url}/repos/acme/api/pulls/{biggest['number']}/commits",
        {"per_page": "100"},
    )
    assert len(commits) == 250
    assert pages == 3
    reviews = http.get(
        f"{github.base_url}/repos/acme/api/pulls/{pulls[0]['number']}/reviews", timeout=10
    )
    assert reviews.status_code == 200


def test_timeline_merges_events_commits_reviews_and_cross_references(github, http, store):
    row = store._one(  # test-only peek to find an issue that was cross-referenced
        "SELECT number FROM github_timeline WHERE repo = 'acme/web' LIMIT 1"
    )
    assert row is not None
    timeline, _ = _collect(
        http, f"{github.base_url}/repos/acme/web/issues/{row[0]}/timeline", {"per_page": "100"}
    )
    kinds = {item["event"] for item in timeline}
    assert "cross-referenced" in kinds
    source = next(i for i in timeline if i["event"] == "cross-referenced")["source"]
    assert source["issue"]["pull_request"]["url"].startswith(github.base_url)

    items, _ = _collect(
        http, f"{github.base_url}/repos/acme/web/issues", {"state": "closed", "per_page": "100"}
    )
    merged = next(i for i in items if i.get("pull_request") and i["pull_request"]["merged_at"])
    pr_timeline, _ = _collect(
        http, f"{github.base_url}/repos/acme/web/issues/{merged['number']}/timeline", {}
    )
    pr_kinds = {item["event"] for item in pr_timeline}
    assert {"committed", "merged", "closed"} <= pr_kinds


def test_enterprise_prefix_and_missing_sub_issues(store, http):
    with FakeGitHub(store, token=TOKEN, api_prefix="/api/v3", sub_issues=False) as ghes:
        assert ghes.base_url.endswith("/api/v3")
        ok = http.get(f"{ghes.base_url}/repos/acme/api/issues", timeout=10)
        assert ok.status_code == 200
        assert ok.headers["X-GitHub-Enterprise-Version"]
        assert all("sub_issues_summary" not in i for i in ok.json())
        assert http.get(f"{ghes.root_url}/repos/acme/api/issues", timeout=10).status_code == 404
        parent = store._one("SELECT parent_number FROM github_sub_issues LIMIT 1")
        assert parent is not None
        sub = http.get(f"{ghes.base_url}/repos/acme/api/issues/{parent[0]}/sub_issues", timeout=10)
        assert sub.status_code == 404


def test_sub_issues_list_children_with_parent_url(github, http, store):
    repo, parent = store._one("SELECT repo, parent_number FROM github_sub_issues LIMIT 1")
    response = http.get(f"{github.base_url}/repos/{repo}/issues/{parent}/sub_issues", timeout=10)
    children = response.json()
    assert children
    assert all(c["parent_issue_url"].endswith(f"/repos/{repo}/issues/{parent}") for c in children)
    parent_issue = http.get(f"{github.base_url}/repos/{repo}/issues/{parent}", timeout=10).json()
    assert parent_issue["sub_issues_summary"]["total"] == len(children)


def test_dropped_connection_surfaces_as_client_error(github, http):
    github.inject(r"/labels$", 200, drop_connection=True)
    with pytest.raises(requests.exceptions.RequestException):
        http.get(f"{github.base_url}/repos/acme/web/labels", timeout=10)
    assert http.get(f"{github.base_url}/repos/acme/web/labels", timeout=10).status_code == 200


def test_injected_delay_slows_the_real_response(github, http):
    github.inject(r"/labels$", None, delay_seconds=0.3)
    started = time.perf_counter()
    response = http.get(f"{github.base_url}/repos/acme/api/labels", timeout=10)
    assert response.status_code == 200
    assert response.json()
    assert time.perf_counter() - started >= 0.3


def test_touch_is_seen_by_since(http):
    store = TrackerStore()
    SampleOrg(seed=3, items=200).populate(store)
    number = int(store._one("SELECT MIN(number) FROM github_issues WHERE repo = 'acme/web'")[0])
    with FakeGitHub(store, token=TOKEN) as server:
        moment = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
        store.touch_github_issue(
            "acme/web",
            number,
            {"title": "renamed"},
            [{"event": "renamed", "rename": {"from": "old", "to": "renamed"}}],
            moment,
        )
        response = http.get(
            f"{server.base_url}/repos/acme/web/issues",
            params={"state": "all", "since": "2026-11-02T00:00:00Z"},
            timeout=10,
        )
        assert [i["number"] for i in response.json()] == [number]
        assert response.json()[0]["updated_at"] == "2026-11-02T12:00:00Z"
        events = http.get(
            f"{server.base_url}/repos/acme/web/issues/{number}/events", timeout=10
        ).json()
        assert events[-1]["event"] == "renamed"
    store.close()
