"""SampleOrg: determinism, the fixed org layout, and that every promised scenario is present."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from connectors.fakes.sample_org import (
    DEFAULT_END,
    FIELD_EPIC_LINK,
    FIELD_STORY_POINTS,
    OrgSummary,
    SampleOrg,
)
from connectors.fakes.store import TrackerStore, parse_timestamp


@pytest.fixture(scope="module")
def org() -> Iterator[tuple[TrackerStore, OrgSummary]]:
    store = TrackerStore()
    summary = SampleOrg(seed=7, items=3000).populate(store)
    yield store, summary
    store.close()


def _rows(store: TrackerStore, sql: str) -> list[tuple]:
    return store._all(sql)  # test-only read access to the backing tables


def _jira_issues(store: TrackerStore) -> list[dict]:
    return [json.loads(r[0]) for r in _rows(store, "SELECT payload FROM jira_issues ORDER BY id")]


def _histories(store: TrackerStore) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = {}
    rows = _rows(store, "SELECT issue_id, payload FROM jira_histories ORDER BY history_id")
    for issue_id, payload in rows:
        grouped.setdefault(issue_id, []).append(json.loads(payload))
    return grouped


def test_same_seed_same_bytes_and_different_seed_differs(tmp_path):
    digests = []
    for seed, name in ((5, "a"), (5, "b"), (6, "c")):
        store = TrackerStore(tmp_path / f"{name}.sqlite")
        SampleOrg(seed=seed, items=600).populate(store)
        digests.append(store.content_digest())
        store.close()
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_layout_and_counts(org):
    store, summary = org
    assert summary.end == DEFAULT_END
    assert set(summary.jira_issues_by_project) == {"PAY", "WEB", "OPS"}
    assert set(summary.github_items_by_repo) == {"acme/api", "acme/web"}
    jira_items = summary.jira_issues
    github_items = summary.github_issues + summary.github_prs
    assert jira_items + github_items == 3000
    assert 0.6 < jira_items / 3000 < 0.8
    counts = store.table_counts()
    assert counts["jira_issues"] == summary.jira_issues
    assert counts["jira_histories"] == summary.jira_histories
    assert counts["github_events"] == summary.github_events
    assert counts["github_pulls"] == summary.github_prs


def test_every_scenario_is_represented(org):
    _store, summary = org
    s = summary.scenarios
    minimums = {
        "jira.initiative": 3,
        "jira.epic": 10,
        "jira.subtask": 20,
        "jira.review_loop": 20,
        "jira.blocked": 20,
        "jira.reopened": 20,
        "jira.cancelled_wont_do": 10,
        "jira.cancelled_duplicate": 10,
        "jira.done_unstarted": 10,
        "jira.open_todo": 20,
        "jira.open_in_progress": 20,
        "jira.reassigned": 10,
        "jira.legacy_resolved": 10,
        "jira.closed_to_done": 10,
        "jira.epic_link_legacy": 10,
        "jira.added_to_epic_after_start.parent": 10,
        "jira.added_to_epic_after_start.epic_link": 1,
        "jira.removed_from_epic": 1,
        "jira.duedate_moved": 3,
        "jira.story_points_changed": 20,
        "jira.over_100_histories": 3,
        "gh.pr_merged": 50,
        "gh.pr_closed_unmerged": 5,
        "gh.pr_open": 5,
        "gh.draft_then_ready": 10,
        "gh.convert_to_draft": 1,
        "gh.self_review": 3,
        "gh.changes_requested": 10,
        "gh.jira_key_in_title": 20,
        "gh.jira_key_in_branch": 20,
        "gh.sub_issue_parent": 5,
        "gh.closed_not_planned": 5,
        "gh.closed_duplicate": 3,
        "gh.reopened": 3,
        "gh.milestoned": 10,
        "gh.demilestoned": 1,
        "gh.cross_referenced": 10,
        "gh.pr_commits_over_250": 1,
        "gh.label_in_progress": 10,
    }
    missing = {k: (s.get(k, 0), v) for k, v in minimums.items() if s.get(k, 0) < v}
    assert not missing


def test_jira_workflow_shapes(org):
    store, summary = org
    listed = {json.loads(p)["id"] for p in store.jira_statuses()}
    histories = _histories(store)
    status_items = [
        item
        for hs in histories.values()
        for h in hs
        for item in h["items"]
        if item["field"] == "status"
    ]
    item_keys = {"field", "fieldtype", "fieldId", "from", "fromString", "to", "toString"}
    assert all(set(item) == item_keys for item in status_items)
    assert any(item["to"] == "5" and item["toString"] == "Resolved" for item in status_items)
    assert "5" not in listed
    assert any(
        item["fromString"] == "Closed" and item["toString"] == "Done" for item in status_items
    )
    points = [
        item
        for hs in histories.values()
        for h in hs
        for item in h["items"]
        if item["fieldId"] == FIELD_STORY_POINTS
    ]
    assert points
    assert all(i["from"] is None and i["to"] is None and i["toString"] for i in points)
    lengths = sorted(len(hs) for hs in histories.values())
    assert lengths[-1] == 250
    assert sum(1 for n in lengths if 150 <= n <= 250) >= 3
    for hs in histories.values():
        for h in hs:
            parse_timestamp(h["created"])  # valid Jira format, any offset
            assert parse_timestamp(h["created"]) < summary.end


def test_jira_issue_fields_are_consistent_with_changelog(org):
    store, _summary = org
    histories = _histories(store)
    issues = _jira_issues(store)
    by_key = {i["key"]: i for i in issues}
    for issue in issues:
        fields = issue["fields"]
        hs = histories.get(int(issue["id"]), [])
        updated = parse_timestamp(fields["updated"])
        assert all(parse_timestamp(h["created"]) <= updated for h in hs)
        status_moves = [i for h in hs for i in h["items"] if i["field"] == "status"]
        if status_moves:
            assert status_moves[-1]["to"] == fields["status"]["id"]
        done = fields["status"]["statusCategory"]["key"] == "done"
        assert (fields["resolutiondate"] is not None) == (fields["resolution"] is not None)
        if fields["resolution"] is not None:
            assert done
        parent = fields.get("parent")
        if parent is not None:
            assert parent["key"] in by_key
    legacy = [i for i in issues if i["fields"].get(FIELD_EPIC_LINK)]
    assert legacy
    assert all("parent" not in i["fields"] for i in legacy)
    cancelled = [i for i in issues if (i["fields"]["resolution"] or {}).get("name") == "Won't Do"]
    assert cancelled


def test_children_added_after_epic_started(org):
    store, _summary = org
    histories = _histories(store)
    issues = {int(i["id"]): i for i in _jira_issues(store)}
    epic_started: dict[str, datetime] = {}
    for issue_id, hs in histories.items():
        if issues[issue_id]["fields"]["issuetype"]["name"] != "Epic":
            continue
        for h in hs:
            if any(i["field"] == "status" and i["toString"] == "In Progress" for i in h["items"]):
                epic_started[issues[issue_id]["key"]] = parse_timestamp(h["created"])
                break
    late = 0
    for hs in histories.values():
        for h in hs:
            for item in h["items"]:
                if item["field"] in {"Parent", "Epic Link"} and item["toString"] in epic_started:
                    assert parse_timestamp(h["created"]) > epic_started[item["toString"]]
                    late += 1
    assert late >= 10


def test_github_shapes(org):
    store, _summary = org
    jira_keys = {r[0] for r in _rows(store, "SELECT key FROM jira_issues")}
    issues = [json.loads(r[0]) for r in _rows(store, "SELECT payload FROM github_issues")]
    pulls = {
        (r[0], r[1]): json.loads(r[2])
        for r in _rows(store, "SELECT repo, number, payload FROM github_pulls")
    }
    prs = [i for i in issues if i.get("pull_request") is not None]
    assert prs
    assert len(prs) == len(pulls)
    for pr in prs:
        repo = pr["repository_url"].rsplit("/repos/", 1)[1]
        detail = pulls[(repo, pr["number"])]
        assert detail["id"] != pr["id"]
        assert detail["merged"] == (detail["merged_at"] is not None)
        assert pr["pull_request"]["merged_at"] == detail["merged_at"]

    def names_jira_key(pull: dict) -> bool:
        branch = re.match(r"feature/([A-Z]+-\d+)-", pull["head"]["ref"])
        return pull["title"].split(" ")[0] in jira_keys or (
            branch is not None and branch.group(1) in jira_keys
        )

    named = [p for p in pulls.values() if names_jira_key(p)]
    assert len(named) >= 50
    assert any(p["head"]["ref"].startswith("feature/") for p in pulls.values())
    assert {i.get("state_reason") for i in issues if i["state"] == "closed"} >= {
        "completed",
        "not_planned",
        "duplicate",
    }
    children = [i for i in issues if i.get("parent_issue_url")]
    assert children
    events = {json.loads(r[0])["event"] for r in _rows(store, "SELECT payload FROM github_events")}
    assert {
        "assigned",
        "unassigned",
        "labeled",
        "unlabeled",
        "milestoned",
        "demilestoned",
        "closed",
        "reopened",
        "merged",
        "ready_for_review",
        "convert_to_draft",
    } <= events


def test_reviews_and_commits_relative_to_pr(org):
    store, _summary = org
    authors = {
        (r[0], r[1]): (json.loads(r[2])["user"]["login"], json.loads(r[2])["created_at"])
        for r in _rows(store, "SELECT repo, number, payload FROM github_pulls")
    }
    self_reviews = 0
    for repo, number, payload in _rows(store, "SELECT repo, number, payload FROM github_reviews"):
        review = json.loads(payload)
        assert review["state"] in {"APPROVED", "CHANGES_REQUESTED", "COMMENTED"}
        self_reviews += review["user"]["login"] == authors[(repo, number)][0]
    assert self_reviews >= 1
    before = 0
    for repo, number, payload in _rows(store, "SELECT repo, number, payload FROM github_commits"):
        commit_date = json.loads(payload)["commit"]["author"]["date"]
        before += commit_date < authors[(repo, number)][1]
    assert before > 100
    milestones = [json.loads(r[0]) for r in _rows(store, "SELECT payload FROM github_milestones")]
    assert {m["state"] for m in milestones} == {"open", "closed"}
    assert all(m["due_on"].endswith("Z") for m in milestones)


def test_no_wall_clock_dependency():
    summary = SampleOrg(seed=1, items=50, end=datetime(2024, 1, 1, tzinfo=UTC), months=3).populate(
        TrackerStore()
    )
    assert summary.end == datetime(2024, 1, 1, tzinfo=UTC)
    assert summary.start.year == 2023
