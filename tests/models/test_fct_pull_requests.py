"""Pull-request measures (metrics.md "Pull requests"), each on a hand-computed history."""

from __future__ import annotations

import itertools
import json

from tests.builders import GitHubBuilder, JiraBuilder, jira_time, ts


def test_pickup_starts_when_a_draft_becomes_ready_for_review(
    store, fake_github, make_settings, published
):
    github = GitHubBuilder(store)
    github.pull(
        "2026-04-01 10:00",
        [("2026-04-01 15:00", "ready_for_review", {})],
        draft=True,
        reviews=[("2026-04-01 17:00", "APPROVED", "reviewer")],
        commits=["2026-03-31 10:00", "2026-04-01 09:00"],
        merged="2026-04-02 10:00",
        additions=120,
        deletions=30,
    )
    github.pull("2026-04-01 10:00", draft=True)  # still a draft: never ready

    rows = published(make_settings(github=fake_github)).rows(
        "select * from marts.fct_pull_requests order by number"
    )
    ready, draft = rows

    assert ready["ready_at"].isoformat() == "2026-04-01T15:00:00+00:00"
    assert ready["coding_hours"] == 24.0  # first commit -> opened
    assert ready["pickup_hours"] == 2.0  # ready 15:00 -> first review 17:00, not from 10:00
    assert ready["review_hours"] == 17.0  # first review -> merged
    assert ready["cycle_time_hours"] == 24.0
    assert (ready["size_lines"], ready["changed_files"], ready["commits"]) == (150, 1, 2)
    assert (draft["ready_at"], draft["pickup_hours"], draft["merged_at"]) == (None, None, None)


def test_a_pull_request_opened_ready_is_ready_when_opened(
    store, fake_github, make_settings, published
):
    GitHubBuilder(store).pull(
        "2026-04-01 10:00", reviews=[("2026-04-01 13:30", "COMMENTED", "reviewer")]
    )

    (row,) = published(make_settings(github=fake_github)).rows(
        "select ready_at, pickup_hours, review_hours from marts.fct_pull_requests"
    )

    assert row["ready_at"].isoformat() == "2026-04-01T10:00:00+00:00"
    assert (row["pickup_hours"], row["review_hours"]) == (3.5, None)


def test_reviews_by_the_author_are_ignored(store, fake_github, make_settings, published):
    GitHubBuilder(store).pull(
        "2026-04-01 10:00",
        author="alice",
        reviews=[
            ("2026-04-01 11:00", "COMMENTED", "alice"),  # the author answering: not a review
            ("2026-04-01 13:00", "CHANGES_REQUESTED", "bob"),
            ("2026-04-01 15:00", "COMMENTED", "alice"),
            ("2026-04-01 16:00", "CHANGES_REQUESTED", "bob"),
            ("2026-04-01 18:00", "APPROVED", "carol"),
        ],
        merged="2026-04-02 10:00",
    )

    (row,) = published(make_settings(github=fake_github)).rows(
        "select * from marts.fct_pull_requests"
    )

    assert row["first_review_at"].isoformat() == "2026-04-01T13:00:00+00:00"
    assert row["pickup_hours"] == 3.0
    assert row["review_hours"] == 21.0
    assert (row["reviews"], row["review_rounds"]) == (3, 2)
    assert row["coding_hours"] is None  # no commit data


def test_linked_keys_are_configured_projects_keys_found_case_sensitively(
    store, fake_github, fake_jira, make_settings, published
):
    jira = JiraBuilder(store, project="PAY")
    moved = jira.issue("2026-03-02 09:00", key="PAY-12")
    web = JiraBuilder(store, project="WEB", _ids=itertools.count(30001))
    web.issue("2026-03-02 09:00", key="WEB-3")
    # PAY-12 moved to WEB and became WEB-7: Jira records the old key in the changelog
    store.move_jira_issue(int(moved["id"]), "WEB-7", at=ts("2026-03-10 09:00"))
    store.put_jira_history(
        int(moved["id"]),
        {
            "id": "99101",
            "author": {"accountId": "557058:abc", "displayName": "A Person"},
            "created": jira_time(ts("2026-03-10 09:00")),
            "items": [
                {
                    "field": "Key",
                    "fieldtype": "jira",
                    "fromString": "PAY-12",
                    "toString": "WEB-7",
                    "from": None,
                    "to": None,
                }
            ],
        },
    )
    github = GitHubBuilder(store)
    github.pull(
        "2026-04-01 10:00",
        title="PAY-12: fix the refund rounding",
        head_ref="feature/WEB-3-refunds",
    )
    # body: lower-case and unknown-project keys do not count; XPAY-12 is not PAY-12
    pull = json.loads(store.get_github_pull("acme/api", 1))
    pull["body"] = "Follows pay-9 and XPAY-12, see OPS-4 and WEB-3.\nCloses PAY-40"
    store.put_many_github_pulls("acme/api", [pull])
    github.pull("2026-04-01 10:00", title="no key here", head_ref="chore/deps")

    run = published(make_settings(github=fake_github, jira=fake_jira, projects=("PAY", "WEB")))
    rows = run.rows(
        "select number, linked_keys, linked_item_ids from marts.fct_pull_requests order by number"
    )

    assert rows[0]["linked_keys"] == ["PAY-12", "PAY-40", "WEB-3"]
    web3 = run.item("WEB-3")["item_id"]
    assert run.item("WEB-7")["item_id"] == f"jira-cloud:{moved['id']}"
    # the old key resolves to the moved issue; PAY-40 names no issue we hold
    assert rows[0]["linked_item_ids"] == sorted([f"jira-cloud:{moved['id']}", web3])
    assert (rows[1]["linked_keys"], rows[1]["linked_item_ids"]) == ([], [])
