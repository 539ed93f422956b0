"""Cycle-time distribution and throughput per ISO week and month (metrics.md "Flow").

Expected percentiles come from Python's statistics.quantiles (method 'inclusive', the same
linear interpolation as DuckDB's quantile_cont), computed independently of the SQL.
"""

from __future__ import annotations

import statistics
from datetime import date, timedelta

import pytest

from tests.builders import JiraBuilder, ts

# cycle times in hours of seven stories completed in the week of Monday 9 March 2026
CYCLE_HOURS = [1.5, 2.25, 7.0, 10.0, 30.75, 49.0, 60.5]


def expected_percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50_hours": cuts[49], "p85_hours": cuts[84], "p95_hours": cuts[94]}


def test_percentiles_mean_and_throughput_on_a_known_list(
    store, fake_jira, make_settings, published
):
    jira = JiraBuilder(store)
    start = ts("2026-03-09 01:00")
    for n, hours in enumerate(CYCLE_HOURS, start=1):
        done = start + timedelta(hours=hours)
        jira.issue(
            "2026-03-09 00:00",
            [(start.isoformat(), "In Progress"), (done.isoformat(), "Done")],
            resolution="Done",
            key=f"PAY-{n}",
        )
    # done without ever starting: throughput, but no cycle time
    jira.issue("2026-03-09 00:00", [("2026-03-10 00:00", "Done")], resolution="Done", key="PAY-20")
    # cancelled the same week: neither
    jira.issue(
        "2026-03-09 00:00",
        [("2026-03-09 02:00", "In Progress"), ("2026-03-10 00:00", "Done")],
        resolution="Won't Do",
        key="PAY-21",
    )

    run = published(make_settings(jira=fake_jira))
    rows = run.rows(
        "select * from marts.fct_cycle_time_summary where kind_scope = 'issue' "
        "order by period_type, period_start"
    )
    weeks = [r for r in rows if r["period_type"] == "week"]
    months = [r for r in rows if r["period_type"] == "month"]

    expected = expected_percentiles(CYCLE_HOURS)
    for row in (weeks[0], months[0]):
        assert row["items"] == 7
        assert row["throughput"] == 8
        for name, value in expected.items():
            assert row[name] == pytest.approx(value, rel=1e-12), name
        assert row["mean_hours"] == pytest.approx(statistics.fmean(CYCLE_HOURS), rel=1e-12)
    assert weeks[0]["period_start"] == date(2026, 3, 9)
    assert months[0]["period_start"] == date(2026, 3, 1)
    # every later period up to the run is present, with nothing completed
    assert weeks[1]["period_start"] == date(2026, 3, 16)
    assert (weeks[1]["throughput"], weeks[1]["items"], weeks[1]["p50_hours"]) == (0, 0, None)
    assert weeks[-1]["period_start"] == date(2026, 6, 1)
    assert [m["period_start"] for m in months] == [
        date(2026, 3, 1),
        date(2026, 4, 1),
        date(2026, 5, 1),
        date(2026, 6, 1),
    ]


def test_a_completion_late_sunday_in_new_york_counts_in_the_next_utc_week(
    store, fake_jira, make_settings, published
):
    JiraBuilder(store).issue(
        "2026-03-12 09:00",
        [("2026-03-13 09:00", "In Progress"), ("2026-03-15 21:00-05:00", "Done")],
        resolution="Done",
        key="PAY-1",
    )

    rows = published(make_settings(jira=fake_jira)).rows(
        "select period_start from marts.fct_cycle_time_summary "
        "where kind_scope = 'all' and period_type = 'week' and throughput > 0"
    )

    # Sunday 15 March 21:00 in New York is Monday 16 March 02:00 UTC
    assert rows == [{"period_start": date(2026, 3, 16)}]
