"""Real recorded GitHub payloads, served by the fake GitHub and synced by the real connector.

Hand-built histories only test what their author thought of. The payloads under
tests/fixtures/github (provenance in each folder's PROVENANCE.md) were recorded from
api.github.com by PyGithub and Apache DevLake: every issue event type GitHub documents, a real
issue timeline with a cross-reference, sub-issues, a four-page listing, and plain issues whose
`pull_request` object has null URLs. They go into a TrackerStore, the fake serves them with its
own pages and ETags, and the sync must land every one in raw and staging.
"""

from __future__ import annotations

import ast
import csv
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from connectors.fakes.store import TrackerStore
from connectors.github.client import GitHubClient, is_pull_request
from connectors.http import RetryPolicy
from pipelines.lib.sql_models import build_model, discover_models
from pipelines.lib.sync_github import sync_github
from pipelines.lib.warehouse import open_warehouse
from pipelines.settings import GitHubSource
from tests.conftest import GITHUB_TOKEN

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"
PYGITHUB = "PyGithub/PyGithub"
ANTS = "panjf2000/ants"
OPENFRAMEWORKS = "openframeworks/openFrameworks"
REPOS = (PYGITHUB, ANTS, OPENFRAMEWORKS)
PER_PAGE = 25  # the openFrameworks recording is four pages of 25


@dataclass(frozen=True)
class Exchange:
    """One recorded HTTP exchange of a PyGithub replay file."""

    method: str
    path: str
    status: int
    headers: dict[str, str]
    body: Any


def replay(name: str) -> list[Exchange]:
    """Parse PyGithub's 11-line records (protocol, method, host, port, path, request headers,
    request body, status, response headers, response body, blank)."""
    lines = (FIXTURES / "pygithub" / name).read_text(encoding="utf-8").split("\n")
    exchanges = []
    for start in range(0, len(lines) - 10, 11):
        record = lines[start : start + 11]
        exchanges.append(
            Exchange(
                method=record[1],
                path=record[4],
                status=int(record[7]),
                headers=dict(ast.literal_eval(record[8])),
                body=json.loads(record[9]),
            )
        )
    return exchanges


def devlake(name: str) -> list[dict[str, Any]]:
    with (FIXTURES / "devlake" / name).open(encoding="utf-8", newline="") as handle:
        return [json.loads(row["data"]) for row in csv.DictReader(handle)]


def devlake_inputs(name: str) -> list[tuple[int, dict[str, Any]]]:
    with (FIXTURES / "devlake" / name).open(encoding="utf-8", newline="") as handle:
        return [
            (int(json.loads(row["input"])["Number"]), json.loads(row["data"]))
            for row in csv.DictReader(handle)
        ]


def issue_shape_of(pull: dict[str, Any]) -> dict[str, Any]:
    """The issues-listing entry of a PR, derived from its recorded detail (the listing entry of
    this PR was not recorded). Only the fields the listing shares with the detail are used."""
    keys = ("title", "state", "created_at", "updated_at", "closed_at", "user", "labels", "body")
    return {
        **{k: pull.get(k) for k in keys},
        "id": pull["id"],
        "number": pull["number"],
        "milestone": pull.get("milestone"),
        "pull_request": {
            "url": pull["url"],
            "html_url": pull["html_url"],
            "merged_at": pull.get("merged_at"),
        },
    }


def pull_shape_of(issue: dict[str, Any]) -> dict[str, Any]:
    """Minimal PR detail for a PR whose detail was not recorded (its events were)."""
    keys = ("title", "state", "created_at", "updated_at", "closed_at", "user", "number")
    return {
        **{k: issue.get(k) for k in keys},
        "id": issue["id"],
        "merged_at": issue["pull_request"].get("merged_at"),
    }


@dataclass
class Loaded:
    """What was put in the store, so tests derive their expectations from the fixtures."""

    issues: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    sub_issues: list[tuple[int, int]] = field(default_factory=list)
    pull_31: dict[str, Any] = field(default_factory=dict)
    commits_31: list[dict[str, Any]] = field(default_factory=list)
    ants_reviews: list[dict[str, Any]] = field(default_factory=list)


def load_pygithub(store: TrackerStore, loaded: Loaded) -> None:
    store.put_github_repo(PYGITHUB, 3544490)
    issues: dict[int, dict[str, Any]] = {
        i["number"]: i for i in replay("Repository.testGetIssues.txt")[0].body
    }
    issues[28] = replay("Issue.setUp.txt")[1].body
    events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for exchange in replay("IssueEvent.setUp.txt")[1:]:
        event = exchange.body
        issues.setdefault(event["issue"]["number"], event["issue"])
        events[event["issue"]["number"]].append(event)
    events[28].extend(replay("Issue.testGetEvents.txt")[0].body)
    timeline = replay("Issue.testGetTimeline.txt")[0].body
    event_ids = {e["id"] for e in events[28]}
    extras = [item for item in timeline if item.get("id") not in event_ids]
    children = replay("SubIssue.testListSubIssues.txt")[0].body
    for child in children:
        issues.setdefault(child["number"], child)
    # The recording holds only /issues/5/sub_issues; its parent's listing entry is synthetic.
    issues.setdefault(
        5,
        {
            **children[0],
            "id": 1,
            "number": 5,
            "title": "parent (synthetic: only its sub_issues listing was recorded)",
            "sub_issues_summary": {"total": len(children), "completed": 0},
        },
    )
    pull_31 = replay("PullRequest.setUp.pulls-31.txt")[0].body
    issues[31] = issue_shape_of(pull_31)
    commits_31 = replay("PullRequest.testGetCommits.txt")[0].body
    pulls = [pull_31] + [
        pull_shape_of(i) for n, i in issues.items() if n != 31 and is_pull_request(i)
    ]
    store.put_many_github_issues(PYGITHUB, issues.values())
    store.put_many_github_pulls(PYGITHUB, pulls)
    store.put_many_github_events(PYGITHUB, [(n, e) for n, evs in events.items() for e in evs])
    store.put_many_github_timeline(PYGITHUB, [(28, item) for item in extras])
    store.put_many_github_sub_issues(PYGITHUB, [(5, c["number"]) for c in children])
    store.put_many_github_commits(PYGITHUB, [(31, c) for c in commits_31])
    milestones = {
        i["milestone"]["id"]: i["milestone"]
        for i in issues.values()
        if (i.get("milestone") or {}).get("id")
    }
    store.put_many_github_milestones(PYGITHUB, milestones.values())
    labels = json.loads(
        (FIXTURES / "reference" / "rest_labels_list.openapi-example.json").read_text()
    )
    store.put_many_github_labels(PYGITHUB, labels)
    loaded.issues[PYGITHUB] = issues
    loaded.events = [e for evs in events.values() for e in evs]
    loaded.timeline = timeline
    loaded.sub_issues = [(5, c["number"]) for c in children]
    loaded.pull_31 = pull_31
    loaded.commits_31 = commits_31


def load_ants(store: TrackerStore, loaded: Loaded) -> None:
    store.put_github_repo(ANTS, 132011429)
    issues = {i["number"]: i for i in devlake("_raw_github_api_issues.csv")}
    store.put_many_github_issues(ANTS, issues.values())
    store.put_many_github_pulls(ANTS, devlake("_raw_github_api_pull_requests.csv"))
    reviews = devlake_inputs("_raw_github_api_pull_request_reviews.csv")
    store.put_many_github_reviews(ANTS, reviews)
    store.put_many_github_commits(ANTS, devlake_inputs("_raw_github_api_pull_request_commits.csv"))
    store.put_many_github_milestones(ANTS, devlake("_raw_github_api_milestones.csv"))
    loaded.issues[ANTS] = issues
    loaded.ants_reviews = [r for _, r in reviews]


def load_openframeworks(store: TrackerStore, loaded: Loaded) -> None:
    store.put_github_repo(OPENFRAMEWORKS, 345337)
    pages = replay("PaginatedList.testSliceIndexingUntilFourthPage.txt")
    issues = {i["number"]: i for page in pages for i in page.body}
    store.put_many_github_issues(OPENFRAMEWORKS, issues.values())
    store.put_many_github_pulls(
        OPENFRAMEWORKS, [pull_shape_of(i) for i in issues.values() if is_pull_request(i)]
    )
    loaded.issues[OPENFRAMEWORKS] = issues


@pytest.fixture
def synced(store: TrackerStore, fake_github, tmp_path: Path) -> tuple[Loaded, Path, Any]:
    loaded = Loaded()
    load_pygithub(store, loaded)
    load_ants(store, loaded)
    load_openframeworks(store, loaded)
    warehouse = tmp_path / "metrics.duckdb"
    source = GitHubSource(
        name="github-main", base_url=fake_github.base_url, token_env="UNUSED", repos=REPOS
    )
    client = GitHubClient.connect(
        fake_github.base_url, GITHUB_TOKEN, policy=RetryPolicy(max_attempts=2), per_page=PER_PAGE
    )
    with open_warehouse(warehouse) as conn:
        report = sync_github(conn, source, client, "realdata-run")
        for spec in discover_models():
            if spec.layer == "staging" and spec.name.startswith("stg_github__"):
                build_model(conn, spec)
    client.http.close()
    return loaded, warehouse, report


def sql(warehouse: Path, text: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with open_warehouse(warehouse) as conn:
        return conn.execute(text, params or []).fetchall()


def test_every_recorded_repo_syncs_without_a_failure(synced):
    loaded, warehouse, report = synced

    assert report.failures == []
    counts = dict(
        sql(warehouse, "select repo, count(*) from staging.stg_github__issues group by repo")
    )
    assert counts == {repo: len(items) for repo, items in loaded.issues.items()}


def test_every_recorded_event_type_lands_in_the_staged_issue_events(synced):
    loaded, warehouse, _ = synced

    staged = sql(
        warehouse,
        "select event_id, event, created_at is not null from staging.stg_github__issue_events "
        "where feed = 'events'",
    )

    assert {str(e["id"]) for e in loaded.events} == {row[0] for row in staged}
    assert {e["event"] for e in loaded.events} == {row[1] for row in staged}
    assert len({e["event"] for e in loaded.events}) >= 25
    assert all(row[2] for row in staged)


def test_the_recorded_timeline_adds_what_the_events_api_lacks(synced):
    loaded, warehouse, _ = synced

    staged = sql(
        warehouse,
        "select event, source_issue_number, source_is_pull_request, created_at "
        "from staging.stg_github__issue_events where repo = ? and item_id like ? "
        "and feed = 'timeline'",
        [PYGITHUB, "%:" + str(loaded.issues[PYGITHUB][28]["id"])],
    )

    recorded = loaded.timeline
    event_ids = {e["id"] for e in loaded.events}
    timeline_only = [t for t in recorded if t.get("id") not in event_ids]
    assert sorted(r[0] for r in staged) == sorted(t["event"] for t in timeline_only)
    cross = [t for t in recorded if t["event"] == "cross-referenced"]
    assert cross
    staged_cross = [r for r in staged if r[0] == "cross-referenced"]
    assert [r[1] for r in staged_cross] == [t["source"]["issue"]["number"] for t in cross]
    assert [r[2] for r in staged_cross] == [is_pull_request(t["source"]["issue"]) for t in cross]


def test_null_url_pull_request_objects_are_plain_issues(synced):
    _, warehouse, _ = synced

    staged = dict(
        sql(
            warehouse,
            "select number, is_pull_request from staging.stg_github__issues where repo = ?",
            [PYGITHUB],
        )
    )

    listed = replay("Repository.testGetIssues.txt")[0].body
    assert all("pull_request" in i for i in listed)  # the trap: the key is there, the URLs null
    assert {i["number"]: staged[i["number"]] for i in listed} == {
        i["number"]: False for i in listed
    }
    assert staged[31] is True


def test_sub_issues_recorded_for_a_parent_become_links(synced):
    loaded, warehouse, _ = synced

    links = sql(
        warehouse,
        "select parent_number, child_number from staging.stg_github__sub_issue_links "
        "where repo = ? order by all",
        [PYGITHUB],
    )

    assert links == sorted(loaded.sub_issues)


def test_a_recorded_four_page_listing_is_followed_to_the_end(synced, fake_github):
    loaded, warehouse, _ = synced

    listing = [r for r in fake_github.request_log if r.path == f"/repos/{OPENFRAMEWORKS}/issues"]

    assert len(listing) == 4
    assert sql(
        warehouse, "select count(*) from raw.github__issues where scope = ?", [OPENFRAMEWORKS]
    ) == [(len(loaded.issues[OPENFRAMEWORKS]),)]


def test_recorded_pull_request_sizes_reviews_and_commits_are_staged(synced):
    loaded, warehouse, _ = synced

    pull = sql(
        warehouse,
        "select additions, deletions, changed_files, commits, merged_at is not null "
        "from staging.stg_github__pull_requests where repo = ? and number = 31",
        [PYGITHUB],
    )
    commits = sql(
        warehouse,
        "select sha, authored_at from staging.stg_github__commits where repo = ? order by sha",
        [PYGITHUB],
    )
    reviews = sql(
        warehouse,
        "select count(*), count(submitted_at) from staging.stg_github__reviews where repo = ?",
        [ANTS],
    )

    p = loaded.pull_31
    assert pull == [(p["additions"], p["deletions"], p["changed_files"], p["commits"], True)]
    assert [c[0] for c in commits] == sorted(c["sha"] for c in loaded.commits_31)
    distinct_reviews = {r["id"] for r in loaded.ants_reviews}
    assert reviews == [(len(distinct_reviews), len(distinct_reviews))]
