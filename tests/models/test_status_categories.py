"""Status categories (metrics.md "Status categories"): cancellations, same-category moves,
unmapped statuses, Jira resolutions over time and the GitHub issue rules."""

from __future__ import annotations

import dagster as dg

from pipelines.run import run_nightly
from tests.builders import GitHubBuilder, JiraBuilder, jira_time, ts
from tests.conftest import AS_OF
from tests.models.conftest import Published


def test_jira_done_with_wont_do_is_cancelled_with_no_lead_time(
    store, fake_jira, make_settings, published
):
    JiraBuilder(store).issue(
        "2026-03-02 09:00",
        [("2026-03-03 09:00", "In Progress"), ("2026-03-04 09:00", "Done")],
        resolution="Won't Do",
        key="PAY-1",
    )

    item = published(make_settings(jira=fake_jira)).item("PAY-1")

    assert (item["status"], item["category"]) == ("Done", "cancelled")
    assert item["cancelled_at"].isoformat() == "2026-03-04T09:00:00+00:00"
    assert item["completed_at"] is None
    assert (item["lead_time_hours"], item["cycle_time_hours"]) == (None, None)


def test_github_issue_closed_as_not_planned_is_cancelled(
    store, fake_github, make_settings, published
):
    github = GitHubBuilder(store)
    github.issue(
        "2026-04-01 09:00",
        [("2026-04-03 09:00", "closed", {"state_reason": "not_planned"})],
        state_reason="not_planned",
    )
    github.issue(
        "2026-04-01 09:00",
        [("2026-04-03 09:00", "closed", {"state_reason": "completed"})],
        state_reason="completed",
    )

    run = published(make_settings(github=fake_github))
    dropped, delivered = run.item("acme/api#1"), run.item("acme/api#2")

    assert (dropped["status"], dropped["category"]) == ("closed", "cancelled")
    assert dropped["cancelled_at"].isoformat() == "2026-04-03T09:00:00+00:00"
    assert dropped["lead_time_hours"] is None
    assert (delivered["category"], delivered["lead_time_hours"]) == ("done", 48.0)


def test_pull_request_closed_unmerged_is_cancelled(store, fake_github, make_settings, published):
    GitHubBuilder(store).pull("2026-04-01 10:00", [("2026-04-02 16:00", "closed", {})])

    item = published(make_settings(github=fake_github)).item("acme/api#1")

    assert (item["status"], item["category"]) == ("closed", "cancelled")
    assert item["started_at"].isoformat() == "2026-04-01T10:00:00+00:00"
    assert item["cancelled_at"].isoformat() == "2026-04-02T16:00:00+00:00"
    assert (item["completed_at"], item["cycle_time_hours"]) == (None, None)
    assert item["status_changes"] == 1


def test_merged_pull_request_closed_event_is_not_a_second_transition(
    store, fake_github, make_settings, published
):
    GitHubBuilder(store).pull("2026-04-01 10:00", merged="2026-04-02 16:00")

    run = published(make_settings(github=fake_github))

    assert [(s, c) for s, c, _, _ in run.intervals("acme/api#1")] == [
        ("open", "in_progress"),
        ("merged", "done"),
    ]
    assert run.item("acme/api#1")["status_changes"] == 1


def test_same_category_move_closed_to_done_neither_restarts_nor_ends_anything(
    store, fake_jira, make_settings, published
):
    JiraBuilder(store).issue(
        "2026-03-02 09:00",
        [
            ("2026-03-03 09:00", "In Progress"),
            ("2026-03-03 15:00", "In Review"),  # in_progress -> in_progress: not a restart
            ("2026-03-04 09:00", "Closed"),
            ("2026-03-20 09:00", "Done"),  # workflow migration, weeks later: done -> done
        ],
        resolution="Done",
        key="PAY-1",
    )

    item = published(make_settings(jira=fake_jira)).item("PAY-1")

    assert item["started_at"].isoformat() == "2026-03-03T09:00:00+00:00"
    assert item["completed_at"].isoformat() == "2026-03-04T09:00:00+00:00"
    assert (item["lead_time_hours"], item["cycle_time_hours"]) == (48.0, 24.0)
    assert item["status_changes"] == 4
    assert (item["reopen_count"], item["backward_moves"]) == (0, 0)


def test_unmapped_status_is_treated_as_todo_and_reported_by_name_and_count(
    store, fake_jira, make_settings
):
    # "Resolved" is not listed by /status and the config does not map it
    JiraBuilder(store).issue(
        "2026-03-02 09:00",
        [("2026-03-03 09:00", "In Progress"), ("2026-03-04 09:00", "Resolved")],
        key="PAY-1",
    )
    settings = make_settings(jira=fake_jira)
    instance = dg.DagsterInstance.ephemeral()

    outcome = run_nightly(settings, instance=instance, as_of=AS_OF)

    assert outcome.success, outcome
    event = instance.get_latest_materialization_event(
        dg.AssetKey(["intermediate", "int_status_changes__categorized"])
    )
    metadata = event.asset_materialization.metadata
    assert metadata["unmapped_statuses"].value == {"Resolved": 1}
    run = Published(settings, outcome)
    assert run.item("PAY-1")["category"] == "todo"
    assert run.rows(
        "select status, category, is_mapped from marts.fct_status_intervals where is_current"
    ) == [{"status": "Resolved", "category": "todo", "is_mapped": False}]


def test_config_maps_a_status_the_tracker_no_longer_lists(
    store, fake_jira, make_settings, published
):
    JiraBuilder(store).issue(
        "2026-03-02 09:00",
        [("2026-03-03 09:00", "In Progress"), ("2026-03-04 09:00", "Resolved")],
        key="PAY-1",
    )
    settings = make_settings(jira=fake_jira, workflow={"status_categories": {"Resolved": "done"}})

    run = published(settings)

    item = run.item("PAY-1")
    assert (item["category"], item["cycle_time_hours"]) == ("done", 24.0)
    assert run.rows("select count(*) as n from marts.fct_status_intervals where not is_mapped") == [
        {"n": 0}
    ]


def _resolution_history(history_id: str, when: str, before: str | None, after: str | None):
    return {
        "id": history_id,
        "author": {"accountId": "557058:abc", "displayName": "A Person"},
        "created": jira_time(ts(when)),
        "items": [
            {
                "field": "resolution",
                "fieldtype": "jira",
                "fieldId": "resolution",
                "from": None,
                "fromString": before,
                "to": None,
                "toString": after,
            }
        ],
    }


def test_a_past_wont_do_stay_is_cancelled_even_when_the_issue_is_now_done(
    store, fake_jira, make_settings, published
):
    issue = JiraBuilder(store).issue(
        "2026-03-02 09:00",
        [
            ("2026-03-03 09:00", "Done"),  # closed as Won't Do
            ("2026-03-05 09:00", "In Progress"),  # reopened: resolution cleared
            ("2026-03-06 09:00", "Done"),  # delivered
        ],
        resolution="Done",
        key="PAY-1",
    )
    store.put_many_jira_histories(
        (int(issue["id"]), h)
        for h in [
            _resolution_history("99001", "2026-03-03 09:00", None, "Won't Do"),
            _resolution_history("99002", "2026-03-05 09:00", "Won't Do", None),
            _resolution_history("99003", "2026-03-06 09:00", None, "Done"),
        ]
    )

    run = published(make_settings(jira=fake_jira))
    item = run.item("PAY-1")

    assert [(s, c) for s, c, _, _ in run.intervals("PAY-1")] == [
        ("To Do", "todo"),
        ("Done", "cancelled"),
        ("In Progress", "in_progress"),
        ("Done", "done"),
    ]
    assert item["category"] == "done"
    assert item["completed_at"].isoformat() == "2026-03-06T09:00:00+00:00"
    assert item["reopen_count"] == 1
    assert item["cycle_time_hours"] == 24.0


def test_github_issue_starts_at_the_first_in_progress_label_and_unlabelling_does_not_undo_it(
    store, fake_github, make_settings, published
):
    GitHubBuilder(store).issue(
        "2026-04-01 09:00",
        [
            ("2026-04-02 09:00", "labeled", {"label": {"name": "WIP"}}),
            ("2026-04-02 12:00", "unlabeled", {"label": {"name": "WIP"}}),
            ("2026-04-03 09:00", "closed", {"state_reason": "completed"}),
            ("2026-04-04 09:00", "reopened", {}),  # had started: back to in_progress
            ("2026-04-05 09:00", "closed", {"state_reason": "completed"}),
        ],
        state_reason="completed",
    )

    run = published(make_settings(github=fake_github))
    item = run.item("acme/api#1")

    assert [(s, c) for s, c, _, _ in run.intervals("acme/api#1")] == [
        ("open", "todo"),
        ("in_progress", "in_progress"),
        ("closed", "done"),
        ("in_progress", "in_progress"),
        ("closed", "done"),
    ]
    assert item["started_at"].isoformat() == "2026-04-02T09:00:00+00:00"
    assert item["completed_at"].isoformat() == "2026-04-05T09:00:00+00:00"
    assert (item["reopen_count"], item["status_changes"]) == (1, 4)


def test_github_issue_starts_at_first_assignment_and_a_reopen_before_it_goes_back_to_todo(
    store, fake_github, make_settings, published
):
    github = GitHubBuilder(store)
    github.issue(
        "2026-04-01 09:00",
        [
            ("2026-04-01 11:00", "assigned", {"assignee": {"login": "someone"}}),
            ("2026-04-01 12:00", "unassigned", {"assignee": {"login": "someone"}}),
        ],
    )
    github.issue(
        "2026-04-01 09:00",
        [
            ("2026-04-02 09:00", "closed", {"state_reason": "completed"}),
            ("2026-04-03 09:00", "reopened", {}),  # never started: back to todo
        ],
    )

    run = published(make_settings(github=fake_github))
    assigned, never_started = run.item("acme/api#1"), run.item("acme/api#2")

    assert (assigned["status"], assigned["category"]) == ("in_progress", "in_progress")
    assert assigned["wip_age_hours"] == (ts(AS_OF) - ts("2026-04-01 11:00")).total_seconds() / 3600
    assert (never_started["status"], never_started["category"]) == ("open", "todo")
    assert never_started["started_at"] is None
    assert (never_started["reopen_count"], never_started["backward_moves"]) == (1, 1)
