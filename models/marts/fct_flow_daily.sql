-- One row per (team, kind_scope, UTC day), from the scope's first item to the run's day:
-- WIP and the count of items in each category at the end of the day (a cumulative flow
-- diagram), and that day's arrivals, starts, completions and cancellations. kind_scope is the
-- item kind (issue, subtask, epic, initiative, pull_request) or 'all'. The last day is the day
-- of the run, counted up to the as-of time. Completions and cancellations are counted at the
-- item's completed_at / cancelled_at, like throughput; the category counts follow the status
-- history, so an item done and later reopened left the done column when it was reopened.
with items as (
    select * from marts.fct_work_items
),

intervals as (
    select * from intermediate.int_status_intervals__bounded
),

calendar as (
    select * from intermediate.int_calendar__days
),

run_context as (
    select * from meta.cfg_run
),

scoped_items as (
    select item_id, team, kind as kind_scope, created_at, started_at, completed_at, cancelled_at
    from items
    union all
    select item_id, team, 'all' as kind_scope, created_at, started_at, completed_at, cancelled_at
    from items
),

last_day as (
    select timezone('UTC', as_of - interval 1 microsecond)::date as day from run_context
),

scopes as (
    select
        team,
        kind_scope,
        min(timezone('UTC', created_at)::date) as first_day
    from scoped_items
    group by team, kind_scope
),

spine as (
    select
        scopes.team,
        scopes.kind_scope,
        calendar.day
    from scopes
    inner join calendar on calendar.day >= scopes.first_day
    where calendar.day <= (select day from last_day)
),

-- A stay covers the end of every UTC day from the day it began to the day before it ended:
-- +1 on its first day, -1 on the day it ended.
category_deltas as (
    select
        scoped_items.team,
        scoped_items.kind_scope,
        intervals.category,
        timezone('UTC', intervals.entered_at)::date as day,
        1 as delta
    from intervals
    inner join scoped_items on scoped_items.item_id = intervals.item_id
    union all
    select
        scoped_items.team,
        scoped_items.kind_scope,
        intervals.category,
        timezone('UTC', intervals.exited_at)::date as day,
        -1 as delta
    from intervals
    inner join scoped_items on scoped_items.item_id = intervals.item_id
    where intervals.exited_at is not null
),

daily_deltas as (
    select
        team,
        kind_scope,
        day,
        sum(delta) filter (where category = 'todo') as todo_delta,
        sum(delta) filter (where category = 'in_progress') as in_progress_delta,
        sum(delta) filter (where category = 'done') as done_delta,
        sum(delta) filter (where category = 'cancelled') as cancelled_delta
    from category_deltas
    group by team, kind_scope, day
),

events as (
    select team, kind_scope, timezone('UTC', created_at)::date as day, 'arrival' as event
    from scoped_items
    union all
    select team, kind_scope, timezone('UTC', started_at)::date, 'start'
    from scoped_items where started_at is not null
    union all
    select team, kind_scope, timezone('UTC', completed_at)::date, 'completion'
    from scoped_items where completed_at is not null
    union all
    select team, kind_scope, timezone('UTC', cancelled_at)::date, 'cancellation'
    from scoped_items where cancelled_at is not null
),

daily_events as (
    select
        team,
        kind_scope,
        day,
        count(*) filter (where event = 'arrival') as arrivals,
        count(*) filter (where event = 'start') as starts,
        count(*) filter (where event = 'completion') as completions,
        count(*) filter (where event = 'cancellation') as cancellations
    from events
    group by team, kind_scope, day
),

cumulative as (
    select
        spine.team,
        spine.kind_scope,
        spine.day,
        sum(coalesce(daily_deltas.todo_delta, 0)) over running as todo_count,
        sum(coalesce(daily_deltas.in_progress_delta, 0)) over running as in_progress_count,
        sum(coalesce(daily_deltas.done_delta, 0)) over running as done_count,
        sum(coalesce(daily_deltas.cancelled_delta, 0)) over running as cancelled_count
    from spine
    left join daily_deltas
        on daily_deltas.team = spine.team
        and daily_deltas.kind_scope = spine.kind_scope
        and daily_deltas.day = spine.day
    window running as (
        partition by spine.team, spine.kind_scope
        order by spine.day
        rows between unbounded preceding and current row
    )
),

final as (
    select
        -- ids
        cumulative.team,
        cumulative.kind_scope,
        cumulative.day,
        -- measures
        cumulative.in_progress_count::integer as wip,
        coalesce(daily_events.arrivals, 0)::integer as arrivals,
        coalesce(daily_events.starts, 0)::integer as starts,
        coalesce(daily_events.completions, 0)::integer as completions,
        coalesce(daily_events.cancellations, 0)::integer as cancellations,
        cumulative.todo_count::integer as todo_count,
        cumulative.in_progress_count::integer as in_progress_count,
        cumulative.done_count::integer as done_count,
        cumulative.cancelled_count::integer as cancelled_count
    from cumulative
    left join daily_events
        on daily_events.team = cumulative.team
        and daily_events.kind_scope = cumulative.kind_scope
        and daily_events.day = cumulative.day
)

select * from final
