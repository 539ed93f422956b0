"""Per-item times (metrics.md "Per-item times"), each rule on a hand-computed history."""

from __future__ import annotations

import pytest

from tests.builders import JiraBuilder


def test_reopen_after_done_counts_the_last_completion_and_one_reopen(
    store, fake_jira, make_settings, published
):
    JiraBuilder(store).issue(
        "2026-03-02 09:00",
        [
            ("2026-03-03 09:00", "In Progress"),
            ("2026-03-04 09:00", "Done"),
            ("2026-03-05 09:00", "In Progress"),  # reopened a day later
            ("2026-03-06 09:00", "Done"),
        ],
        resolution="Done",
        key="PAY-1",
    )

    item = published(make_settings(jira=fake_jira)).item("PAY-1")

    assert item["category"] == "done"
    assert item["started_at"].isoformat() == "2026-03-03T09:00:00+00:00"
    assert item["completed_at"].isoformat() == "2026-03-06T09:00:00+00:00"
    assert item["lead_time_hours"] == 96.0
    assert item["cycle_time_hours"] == 72.0
    assert item["reopen_count"] == 1
    assert item["backward_moves"] == 1  # done -> in_progress
    assert item["status_changes"] == 4
    # 24 h + 24 h in progress; the day spent in Done before the reopen counts as neither
    assert (item["active_hours"], item["wait_hours"], item["flow_efficiency"]) == (48.0, 0.0, 1.0)
    assert item["age_hours"] is None
    assert item["wip_age_hours"] is None


def test_done_without_ever_starting_has_lead_time_but_no_cycle_time(
    store, fake_jira, make_settings, published
):
    JiraBuilder(store).issue(
        "2026-03-02 09:00", [("2026-03-04 09:00", "Done")], resolution="Done", key="PAY-1"
    )

    item = published(make_settings(jira=fake_jira)).item("PAY-1")

    assert (item["category"], item["started_at"]) == ("done", None)
    assert item["completed_at"].isoformat() == "2026-03-04T09:00:00+00:00"
    assert item["lead_time_hours"] == 48.0
    assert item["cycle_time_hours"] is None
    assert item["cycle_time_business_days"] is None
    assert (item["active_hours"], item["wait_hours"], item["flow_efficiency"]) == (None, None, None)


def test_backward_moves_count_only_drops_in_category_rank(
    store, fake_jira, make_settings, published
):
    JiraBuilder(store).issue(
        "2026-03-02 09:00",
        [
            ("2026-03-02 10:00", "In Progress"),
            ("2026-03-02 11:00", "In Review"),
            ("2026-03-02 12:00", "In Progress"),  # same category: a change, not a backward move
            ("2026-03-02 13:00", "To Do"),  # backward
            ("2026-03-02 14:00", "In Progress"),
            ("2026-03-02 15:00", "Done"),
        ],
        resolution="Done",
        key="PAY-1",
    )

    item = published(make_settings(jira=fake_jira)).item("PAY-1")

    assert item["status_changes"] == 6
    assert item["backward_moves"] == 1
    assert item["reopen_count"] == 0
    assert item["started_at"].isoformat() == "2026-03-02T10:00:00+00:00"
    assert item["cycle_time_hours"] == 5.0


def test_wait_time_counts_blocked_and_back_in_todo_after_starting(
    store, fake_jira, make_settings, published
):
    JiraBuilder(store).issue(
        "2026-03-02 09:00",  # the hour in To Do before starting is not wait time
        [
            ("2026-03-02 10:00", "In Progress"),  # 4 h active
            ("2026-03-02 14:00", "Blocked"),  # 6 h wait (default pattern 'block')
            ("2026-03-02 20:00", "In Progress"),  # 6 h active
            ("2026-03-03 02:00", "To Do"),  # 6 h wait: back in todo after starting
            ("2026-03-03 08:00", "In Progress"),  # 4 h active
            ("2026-03-03 12:00", "Done"),
        ],
        resolution="Done",
        key="PAY-1",
    )

    run = published(make_settings(jira=fake_jira))
    item = run.item("PAY-1")

    assert item["cycle_time_hours"] == 26.0
    assert item["active_hours"] == 14.0
    assert item["wait_hours"] == 12.0
    assert item["flow_efficiency"] == pytest.approx(14 / 26)
    assert [(s, w) for s, _, w, _ in run.intervals("PAY-1")] == [
        ("To Do", False),
        ("In Progress", False),
        ("Blocked", True),
        ("In Progress", False),
        ("To Do", False),
        ("In Progress", False),
        ("Done", False),
    ]


def test_configured_wait_statuses_replace_the_default_name_patterns(
    store, fake_jira, make_settings, published
):
    JiraBuilder(store).issue(
        "2026-03-02 09:00",
        [
            ("2026-03-02 10:00", "In Progress"),  # 2 h active
            ("2026-03-02 12:00", "Blocked"),  # 3 h: active now, the list does not name it
            ("2026-03-02 15:00", "In Review"),  # 5 h wait: listed
            ("2026-03-02 20:00", "Done"),
        ],
        resolution="Done",
        key="PAY-1",
    )
    settings = make_settings(jira=fake_jira, workflow={"wait_statuses": ["in review"]})

    item = published(settings).item("PAY-1")

    assert (item["active_hours"], item["wait_hours"]) == (5.0, 5.0)
    assert item["flow_efficiency"] == 0.5


@pytest.mark.parametrize(
    ("holidays", "expected_days"),
    [
        # Fri 12:00-24:00 = 0.5; Sat and Sun excluded; Mon 1.0; Tue 00:00-06:00 = 0.25
        ([], 1.75),
        # the same, with Monday a holiday
        (["2026-03-09"], 0.75),
    ],
)
def test_business_days_exclude_weekends_and_holidays(
    store, fake_jira, make_settings, published, holidays, expected_days
):
    JiraBuilder(store).issue(
        "2026-03-05 09:00",
        [("2026-03-06 12:00", "In Progress"), ("2026-03-10 06:00", "Done")],
        resolution="Done",
        key="PAY-1",
    )
    settings = make_settings(jira=fake_jira, calendar={"holidays": holidays})

    item = published(settings).item("PAY-1")

    assert item["cycle_time_hours"] == 90.0
    assert item["cycle_time_business_days"] == expected_days


def test_business_days_follow_the_configured_working_days(
    store, fake_jira, make_settings, published
):
    # a Sunday-to-Thursday week: Fri 6 and Sat 7 March are the weekend
    JiraBuilder(store).issue(
        "2026-03-05 09:00",
        [("2026-03-05 18:00", "In Progress"), ("2026-03-08 12:00", "Done")],
        resolution="Done",
        key="PAY-1",
    )
    settings = make_settings(
        jira=fake_jira, calendar={"working_days": ["Sun", "Mon", "Tue", "Wed", "Thu"]}
    )

    item = published(settings).item("PAY-1")

    # Thu 18:00-24:00 = 0.25, Fri and Sat excluded, Sun 00:00-12:00 = 0.5
    assert item["cycle_time_business_days"] == 0.75


def test_offsets_other_than_utc_are_read_as_instants_and_days_are_utc_days(
    store, fake_jira, make_settings, published
):
    JiraBuilder(store).issue(
        "2026-03-02 21:00-05:00",  # 2026-03-03 02:00 UTC: Monday evening in New York
        [
            ("2026-03-02 22:30-05:00", "In Progress"),  # 03:30 UTC
            ("2026-03-03 20:00+09:00", "Done"),  # 11:00 UTC, Tuesday evening in Tokyo
        ],
        resolution="Done",
        key="PAY-1",
    )

    run = published(make_settings(jira=fake_jira))
    item = run.item("PAY-1")

    assert item["created_at"].isoformat() == "2026-03-03T02:00:00+00:00"
    assert item["started_at"].isoformat() == "2026-03-03T03:30:00+00:00"
    assert item["completed_at"].isoformat() == "2026-03-03T11:00:00+00:00"
    assert (item["lead_time_hours"], item["cycle_time_hours"]) == (9.0, 7.5)
    assert item["cycle_time_business_days"] == 7.5 / 24  # all on Tuesday 3 March (UTC)
    days = run.rows(
        "select day::varchar as day, arrivals, starts, completions from marts.fct_flow_daily "
        "where kind_scope = 'issue' and day <= '2026-03-04' order by day"
    )
    assert days == [
        {"day": "2026-03-03", "arrivals": 1, "starts": 1, "completions": 1},
        {"day": "2026-03-04", "arrivals": 0, "starts": 0, "completions": 0},
    ]


def test_open_items_carry_their_age_and_wip_age_as_of_the_run(
    store, fake_jira, make_settings, published
):
    jira = JiraBuilder(store)
    jira.issue("2026-05-30 00:00", key="PAY-1")
    jira.issue("2026-05-29 00:00", [("2026-05-31 12:00", "In Progress")], key="PAY-2")

    run = published(make_settings(jira=fake_jira), as_of="2026-06-01T00:00:00+00:00")
    waiting, started = run.item("PAY-1"), run.item("PAY-2")

    assert (waiting["age_hours"], waiting["wip_age_hours"]) == (48.0, None)
    assert (started["age_hours"], started["wip_age_hours"]) == (72.0, 12.0)
    current = run.rows(
        "select s.status, s.exited_at, s.hours from marts.fct_status_intervals as s "
        "join marts.fct_work_items using (item_id) where key = 'PAY-2' and s.is_current"
    )
    assert current == [{"status": "In Progress", "exited_at": None, "hours": 12.0}]
