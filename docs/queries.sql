-- The questions analysts ask first, answered from the published warehouse.
--
-- Open the published file read-only and paste any query:
--     duckdb -readonly warehouse/published/metrics.duckdb
-- Every query reads only the contract tables of docs/metrics.md (columns in
-- docs/data-dictionary.md) and takes "now" from meta.cfg_run.as_of, the run's as-of time, so
-- it returns the same answer as the nightly report. Durations in the marts are hours; these
-- queries show days. Each query runs in the test suite (tests/analysts/test_queries.py).
-- Dashboards default to kind_scope / kind 'issue': Jira stories, tasks and bugs, GitHub issues.


-- name: cycle_time_trend_per_team
-- question: Is cycle time getting better or worse, per team, month by month?
with summary as (
    select * from marts.fct_cycle_time_summary
),

run as (
    select as_of from meta.cfg_run
),

final as (
    select
        team,
        period_start::date as month,
        items as completed_with_cycle_time,
        round(p50_hours / 24, 1) as p50_days,
        round(p85_hours / 24, 1) as p85_days,
        round(p85_hours / 24, 1)
            - round(lag(p85_hours) over (partition by team order by period_start) / 24, 1)
            as p85_change_days
    from summary
    where period_type = 'month'
        and kind_scope = 'issue'
        and period_start >= (select date_trunc('month', as_of) - interval 6 month from run)
)

select * from final
order by team, month;


-- name: throughput_per_week
-- question: How many issues does each team finish per week, lately?
with summary as (
    select * from marts.fct_cycle_time_summary
),

run as (
    select as_of from meta.cfg_run
)

select
    team,
    period_start::date as week_starting,
    throughput as issues_completed
from summary
where period_type = 'week'
    and kind_scope = 'issue'
    and period_start >= (select as_of - interval 12 week from run)
order by team, week_starting;


-- name: aging_work_in_progress
-- question: What is aging? Open issues older than their team's recent p85 cycle time.
with items as (
    select * from marts.fct_work_items
),

intervals as (
    select * from marts.fct_status_intervals
),

run as (
    select as_of from meta.cfg_run
),

recent_p85 as (
    select
        team,
        quantile_cont(cycle_time_hours, 0.85) as p85_hours
    from items
    where kind = 'issue'
        and category = 'done'
        and completed_at > (select as_of - interval 12 week from run)
    group by team
),

current_status as (
    select
        item_id,
        hours as hours_in_status
    from intervals
    where exited_at is null
),

final as (
    select
        items.team,
        items.key,
        items.title,
        items.status,
        round(items.wip_age_hours / 24, 1) as days_in_progress,
        round(current_status.hours_in_status / 24, 1) as days_in_current_status,
        round(recent_p85.p85_hours / 24, 1) as team_p85_days
    from items
    left join recent_p85 on recent_p85.team = items.team
    left join current_status on current_status.item_id = items.item_id
    where items.kind = 'issue'
        and items.category = 'in_progress'
        and items.wip_age_hours > coalesce(recent_p85.p85_hours, 0)
)

select * from final
order by days_in_progress desc
limit 50;


-- name: wip_trend_per_team
-- question: Is work in progress piling up? Daily WIP per team over the last 8 weeks.
with flow as (
    select * from marts.fct_flow_daily
),

run as (
    select as_of from meta.cfg_run
)

select
    team,
    day,
    wip,
    starts,
    completions
from flow
where kind_scope = 'issue'
    and day > (select as_of - interval 8 week from run)
order by team, day;


-- name: slipped_initiatives
-- question: Which initiatives slipped, and by how much?
with delivery as (
    select * from marts.fct_initiative_delivery
)

select
    key,
    title,
    team,
    promised_date,
    completed_at::date as completed_on,
    slip_days,
    promised_items,
    delivered_items,
    added_items,
    round(delivery_ratio * 100) as delivered_pct
from delivery
where slip_days > 0
    or on_time = false
order by slip_days desc nulls last, key;


-- name: open_initiative_forecasts
-- question: Which open initiatives will probably miss their promised date?
with delivery as (
    select * from marts.fct_initiative_delivery
)

select
    key,
    title,
    team,
    promised_date,
    forecast_p50_date,
    forecast_p85_date,
    round(p_on_time * 100) as chance_on_time_pct
from delivery
where completed_at is null
    and forecast_p50_date is not null
order by p_on_time nulls last, promised_date;


-- name: promised_versus_delivered_roi
-- question: Did initiatives deliver the return they promised? And how many were ever measured?
with delivery as (
    select * from marts.fct_initiative_delivery
),

coverage as (
    select
        count(*) filter (where value_measured) as measured,
        count(*) as completed
    from delivery
    where completed_at is not null
)

select
    delivery.key,
    delivery.title,
    delivery.team,
    delivery.expected_value,
    delivery.estimated_cost,
    round(delivery.promised_roi * 100) as promised_roi_pct,
    delivery.realized_value,
    round(delivery.actual_cost) as actual_cost,
    round(delivery.delivered_roi * 100) as delivered_roi_pct,
    delivery.value_measured,
    coverage.measured || ' of ' || coverage.completed as measurement_coverage
from delivery
cross join coverage
where delivery.promised_roi is not null
    or delivery.delivered_roi is not null
order by delivery.value_measured desc, delivery.delivered_roi - delivery.promised_roi;


-- name: rising_complexity
-- question: Where is complexity rising, and how fast?
with trends as (
    select * from marts.fct_complexity_trends
)

select
    scope_type,
    scope_id,
    indicator,
    window_start,
    window_end,
    n_periods,
    round(slope_per_month, 3) as slope_per_month,
    round(relative_slope * 100, 1) as pct_of_median_per_month,
    round(p_value, 4) as p_value
from trends
where direction = 'rising'
order by relative_slope desc nulls last;


-- name: pull_request_review_times
-- question: Where do pull requests wait: before the first review, or in review? (last 12 weeks)
with pulls as (
    select * from marts.fct_pull_requests
),

run as (
    select as_of from meta.cfg_run
)

select
    repo,
    count(*) as merged,
    round(median(pickup_hours), 1) as median_pickup_hours,
    round(median(review_hours), 1) as median_review_hours,
    round(median(size_lines)) as median_size_lines
from pulls
where merged_at > (select as_of - interval 12 week from run)
group by repo
order by repo;


-- name: failed_checks_last_night
-- question: Which data checks failed in the last run?
with checks as (
    select * from dq.check_results
),

last_run as (
    select run_id from checks
    order by checked_at desc
    limit 1
)

select
    checked_at,
    asset,
    check_name,
    severity,
    observed,
    unexpected_count,
    details
from checks
where run_id = (select run_id from last_run)
    and not success
order by severity, asset, check_name;
