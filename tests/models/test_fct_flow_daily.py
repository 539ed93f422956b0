"""Daily flow (metrics.md "Flow"): WIP, arrivals, starts, completions, cancellations and the
per-category counts of a cumulative flow diagram, on a hand-computed history."""

from __future__ import annotations

from datetime import date

from tests.builders import GitHubBuilder, JiraBuilder


def test_daily_flow_counts_wip_events_and_categories_at_the_end_of_each_utc_day(
    store, fake_jira, fake_github, make_settings, published
):
    jira = JiraBuilder(store)
    jira.issue(  # A: starts Tue, done Thu
        "2026-03-02 09:00",
        [("2026-03-03 09:00", "In Progress"), ("2026-03-05 09:00", "Done")],
        resolution="Done",
        key="PAY-1",
    )
    jira.issue(  # B: starts Tue and is still in progress
        "2026-03-03 10:00", [("2026-03-03 12:00", "In Progress")], key="PAY-2"
    )
    jira.issue(  # C: dropped on Wed
        "2026-03-04 08:00", [("2026-03-04 18:00", "Done")], resolution="Won't Do", key="PAY-3"
    )
    jira.issue(  # D: in progress for one hour on Wed, back in To Do before the day ends
        "2026-03-04 08:00",
        [("2026-03-04 10:00", "In Progress"), ("2026-03-04 11:00", "To Do")],
        key="PAY-4",
    )
    # a pull request of the same team, counted in its own kind_scope and in 'all'
    GitHubBuilder(store).pull("2026-03-03 08:00", merged="2026-03-04 08:00")
    settings = make_settings(
        jira=fake_jira,
        github=fake_github,
        teams={"payments": {"jira_projects": ["PAY"], "github_repos": ["acme/api"]}},
    )

    run = published(settings)
    columns = (
        "day, wip, arrivals, starts, completions, cancellations, "
        "todo_count, in_progress_count, done_count, cancelled_count"
    )
    issues = [
        tuple(r.values())
        for r in run.rows(
            f"select {columns} from marts.fct_flow_daily "
            "where team = 'payments' and kind_scope = 'issue' order by day"
        )
    ]

    # day, wip, arrivals, starts, completions, cancellations, todo, in_progress, done, cancelled
    assert issues[:5] == [
        (date(2026, 3, 2), 0, 1, 0, 0, 0, 1, 0, 0, 0),
        (date(2026, 3, 3), 2, 1, 2, 0, 0, 0, 2, 0, 0),
        (date(2026, 3, 4), 2, 2, 1, 0, 1, 1, 2, 0, 1),
        (date(2026, 3, 5), 1, 0, 0, 1, 0, 1, 1, 1, 1),
        (date(2026, 3, 6), 1, 0, 0, 0, 0, 1, 1, 1, 1),
    ]
    # one row per day up to the day before as_of (2026-06-01T00:00Z): 2 March .. 31 May
    assert len(issues) == 91
    assert issues[-1][0] == date(2026, 5, 31)
    everything = run.rows(
        "select day, wip, arrivals, completions, done_count from marts.fct_flow_daily "
        "where team = 'payments' and kind_scope = 'all' and day between '2026-03-03' "
        "and '2026-03-04' order by day"
    )
    assert [tuple(r.values()) for r in everything] == [
        (date(2026, 3, 3), 3, 2, 0, 0),  # A, B and the PR in progress
        (date(2026, 3, 4), 2, 2, 1, 1),  # the PR merged
    ]
    scopes = run.rows("select distinct kind_scope from marts.fct_flow_daily")
    assert {r["kind_scope"] for r in scopes} == {"issue", "pull_request", "all"}
