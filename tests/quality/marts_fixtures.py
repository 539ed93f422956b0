"""Clean rows for every mart suite, in the contract's columns, and the dirt each suite must catch.

Each clean table is one SELECT over VALUES; each dirty variant is one UPDATE or INSERT that
breaks exactly one rule, so a failing test names the rule it broke.
"""

from __future__ import annotations

CLEAN: dict[str, str] = {
    "marts.fct_work_items": """
        select * from (values
            ('jira:1', 'jira', 'PAY-1', 'issue', 'payments', 'a', 'Done', 'done',
             timestamptz '2026-03-02 09:00:00+00', timestamptz '2026-03-03 09:00:00+00',
             timestamptz '2026-03-05 09:00:00+00', null::timestamptz,
             72.0, 48.0, 40.0, 8.0, 0.83, 2.0, 0, 2, 0, 3.0, null, null, null::double,
             null::double),
            ('jira:2', 'jira', 'PAY-2', 'issue', 'payments', 'b', 'In Progress', 'in_progress',
             timestamptz '2026-05-02 09:00:00+00', timestamptz '2026-05-03 09:00:00+00',
             null, null, null, null, null, null, null, null, 0, 1, 0, null, null, null,
             720.0, 696.0),
            ('github:3', 'github', 'acme/api#3', 'pull_request', 'web', 'c', 'closed',
             'cancelled', timestamptz '2026-05-02 09:00:00+00',
             timestamptz '2026-05-02 09:00:00+00',
             null, timestamptz '2026-05-04 09:00:00+00', null, null, null, null, null, null, 0, 1,
             0, null, null, null, null, null)
        ) as t(item_id, source, key, kind, team, title, status, category, created_at,
               started_at, completed_at, cancelled_at, lead_time_hours, cycle_time_hours,
               active_hours, wait_hours, flow_efficiency, cycle_time_business_days,
               reopen_count, status_changes, backward_moves, story_points, parent_item_id,
               initiative_item_id, age_hours, wip_age_hours)
    """,
    "marts.fct_status_intervals": """
        select * from (values
            ('jira:1', 0, 'To Do', 'todo', false, timestamptz '2026-03-02 09:00:00+00',
             timestamptz '2026-03-03 09:00:00+00', 24.0),
            ('jira:1', 1, 'In Progress', 'in_progress', false,
             timestamptz '2026-03-03 09:00:00+00', null, 100.0)
        ) as t(item_id, ordinal, status, category, is_wait, entered_at, exited_at, hours)
    """,
    "marts.fct_flow_daily": """
        select * from (values
            ('payments', 'issue', date '2026-03-02', 0, 2, 0, 0, 0, 2, 0, 0, 0),
            ('payments', 'issue', date '2026-03-03', 1, 0, 1, 0, 0, 1, 1, 0, 0),
            ('payments', 'issue', date '2026-03-04', 0, 0, 0, 1, 1, 0, 0, 1, 1)
        ) as t(team, kind_scope, day, wip, arrivals, starts, completions, cancellations,
               todo_count, in_progress_count, done_count, cancelled_count)
    """,
    "marts.fct_cycle_time_summary": """
        select * from (values
            ('payments', 'issue', 'week', date '2026-03-02', 4, 10.0, 20.0, 30.0, 15.0, 5),
            ('payments', 'all', 'month', date '2026-03-01', 1, 10.0, 10.0, 10.0, 10.0, 1)
        ) as t(team, kind_scope, period_type, period_start, items, p50_hours, p85_hours,
               p95_hours, mean_hours, throughput)
    """,
    "marts.fct_pull_requests": """
        select * from (values
            ('github:1', 'acme/api', 1, timestamptz '2026-04-01 10:00:00+00',
             timestamptz '2026-04-02 16:00:00+00', 3.0, 1.0, 20.0, 30.0, 120, 4, 1, 3, ['PAY-1'])
        ) as t(item_id, repo, number, created_at, merged_at, coding_hours, pickup_hours,
               review_hours, cycle_time_hours, size_lines, changed_files, review_rounds,
               commits, linked_keys)
    """,
    "marts.fct_initiative_delivery": """
        select * from (values
            ('jira:10', 'PAY-10', 'Checkout', 'payments', timestamptz '2026-02-01 00:00:00+00',
             4, 10.0, date '2026-04-01', 'changelog', 3, 8.0, 1, 0,
             timestamptz '2026-04-03 00:00:00+00', 2, false, 0.75, 1000.0, 400.0, 900.0, 500.0,
             1.5, 0.8, true, null::date, null::date, null::double, 300)
        ) as t(initiative_item_id, key, title, team, committed_at, promised_items,
               promised_points, promised_date, promise_source, delivered_items,
               delivered_points, added_items, removed_items, completed_at, slip_days, on_time,
               delivery_ratio, expected_value, estimated_cost, realized_value, actual_cost,
               promised_roi, delivered_roi, value_measured, forecast_p50_date,
               forecast_p85_date, p_on_time, size_lines)
    """,
    "marts.fct_complexity_trends": """
        select * from (values
            ('team', 'payments', 'cycle_time_p50', date '2026-01-01', date '2026-06-01', 6,
             1.5, 0.1, 0.03, 'rising')
        ) as t(scope_type, scope_id, indicator, window_start, window_end, n_periods,
               slope_per_month, relative_slope, p_value, direction)
    """,
    "marts.dim_sources": """
        select * from (values ('jira', 'jira', 'https://acme.atlassian.net'))
            as t(source, kind, base_url)
    """,
    "marts.dim_teams": """
        select * from (values ('payments', 'jira', 'PAY')) as t(team, source, project_or_repo)
    """,
}

# (table, what is wrong, SQL that makes it wrong, a fragment of the rule that must fail)
DIRTY: list[tuple[str, str, str, str]] = [
    (
        "marts.fct_work_items",
        "duplicate keys",
        "insert into marts.fct_work_items "
        "select * from marts.fct_work_items where item_id = 'jira:1'",
        "expect_column_values_to_be_unique(column='item_id')",
    ),
    (
        "marts.fct_work_items",
        "null keys",
        "update marts.fct_work_items set item_id = null where item_id = 'jira:2'",
        "expect_column_values_to_not_be_null(column='item_id')",
    ),
    (
        "marts.fct_work_items",
        "negative durations",
        "update marts.fct_work_items set active_hours = -1 where item_id = 'jira:1'",
        "column='active_hours', min_value=0",
    ),
    (
        "marts.fct_work_items",
        "completed before created",
        "update marts.fct_work_items set completed_at = timestamptz '2026-03-01 00:00:00+00' "
        "where item_id = 'jira:1'",
        "column_A='completed_at', column_B='created_at'",
    ),
    (
        "marts.fct_work_items",
        "future timestamps",
        "update marts.fct_work_items set created_at = timestamptz '2026-07-10 09:00:00+00' "
        "where item_id = 'jira:2'",
        "column='created_hours_after_as_of'",
    ),
    (
        "marts.fct_work_items",
        "unknown categories",
        "update marts.fct_work_items set category = 'blocked' where item_id = 'jira:2'",
        "column='category'",
    ),
    (
        "marts.fct_work_items",
        "lead time shorter than cycle time",
        "update marts.fct_work_items set lead_time_hours = 10 where item_id = 'jira:1'",
        "column_A='lead_time_hours', column_B='cycle_time_hours'",
    ),
    (
        "marts.fct_work_items",
        "flow efficiency above one",
        "update marts.fct_work_items set flow_efficiency = 1.2 where item_id = 'jira:1'",
        "column='flow_efficiency'",
    ),
    (
        "marts.fct_status_intervals",
        "exited before entered",
        "update marts.fct_status_intervals set exited_at = timestamptz '2026-03-01 00:00:00+00' "
        "where ordinal = 0",
        "column_A='exited_at', column_B='entered_at'",
    ),
    (
        "marts.fct_status_intervals",
        "negative hours",
        "update marts.fct_status_intervals set hours = -5 where ordinal = 1",
        "column='hours', min_value=0",
    ),
    (
        "marts.fct_flow_daily",
        "unknown kind_scope",
        "update marts.fct_flow_daily set kind_scope = 'story'",
        "column='kind_scope'",
    ),
    (
        "marts.fct_flow_daily",
        "duplicate team-days",
        "insert into marts.fct_flow_daily select * from marts.fct_flow_daily "
        "where day = date '2026-03-03'",
        "expect_compound_columns_to_be_unique",
    ),
    (
        "marts.fct_cycle_time_summary",
        "p85 below p50",
        "update marts.fct_cycle_time_summary set p85_hours = 5 where period_type = 'week'",
        "column_A='p85_hours', column_B='p50_hours'",
    ),
    (
        "marts.fct_cycle_time_summary",
        "unknown period type",
        "update marts.fct_cycle_time_summary set period_type = 'quarter'",
        "column='period_type'",
    ),
    (
        "marts.fct_pull_requests",
        "merged before created",
        "update marts.fct_pull_requests set merged_at = timestamptz '2026-03-01 00:00:00+00'",
        "column_A='merged_at', column_B='created_at'",
    ),
    (
        "marts.fct_initiative_delivery",
        "delivery ratio out of range",
        "update marts.fct_initiative_delivery set delivery_ratio = 1.5",
        "column='delivery_ratio'",
    ),
    (
        "marts.fct_initiative_delivery",
        "more delivered than promised",
        "update marts.fct_initiative_delivery set delivered_items = 9",
        "column_A='promised_items', column_B='delivered_items'",
    ),
    (
        "marts.fct_complexity_trends",
        "p-value out of range",
        "update marts.fct_complexity_trends set p_value = 1.7",
        "column='p_value'",
    ),
    (
        "marts.fct_complexity_trends",
        "unknown direction",
        "update marts.fct_complexity_trends set direction = 'up'",
        "column='direction'",
    ),
    (
        "marts.dim_sources",
        "unknown tracker kind",
        "update marts.dim_sources set kind = 'gitlab'",
        "column='kind'",
    ),
    (
        "marts.dim_teams",
        "duplicate team mapping",
        "insert into marts.dim_teams select * from marts.dim_teams",
        "expect_compound_columns_to_be_unique",
    ),
]
