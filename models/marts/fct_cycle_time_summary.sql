-- One row per (team, kind_scope, period_type, period_start): throughput and the cycle-time
-- distribution of the items completed in that UTC ISO week (Monday) or UTC month. Every period
-- from the scope's first completion to the run's period has a row, so weeks with nothing done
-- show throughput 0. Throughput counts items done now, in the period of completed_at, including
-- items that never started; the distribution (items, p50/p85/p95 by linear interpolation as
-- quantile_cont, mean) covers those with a cycle time. Cancelled items are in neither.
with items as (
    select * from marts.fct_work_items
),

calendar as (
    select * from intermediate.int_calendar__days
),

period_types as (
    select * from (values ('week'), ('month')) as t(period_type)
),

completed as (
    select
        items.team,
        items.kind as kind_scope,
        items.completed_at,
        date_diff('millisecond', items.started_at, items.completed_at) as cycle_time_ms
    from items
    where items.category = 'done' and items.completed_at is not null
),

scoped as (
    select * from completed
    union all
    select team, 'all' as kind_scope, completed_at, cycle_time_ms from completed
),

in_periods as (
    select
        scoped.team,
        scoped.kind_scope,
        period_types.period_type,
        date_trunc(period_types.period_type, timezone('UTC', scoped.completed_at))::date
            as period_start,
        scoped.cycle_time_ms
    from scoped
    cross join period_types
),

measured as (
    select
        team,
        kind_scope,
        period_type,
        period_start,
        count(cycle_time_ms) as items,
        quantile_cont(cycle_time_ms, 0.50) / 3600000.0 as p50_hours,
        quantile_cont(cycle_time_ms, 0.85) / 3600000.0 as p85_hours,
        quantile_cont(cycle_time_ms, 0.95) / 3600000.0 as p95_hours,
        sum(cycle_time_ms) / count(cycle_time_ms) / 3600000.0 as mean_hours,
        count(*) as throughput
    from in_periods
    group by team, kind_scope, period_type, period_start
),

all_periods as (
    select distinct
        period_types.period_type,
        date_trunc(period_types.period_type, calendar.day)::date as period_start
    from calendar
    cross join period_types
),

spine as (
    select
        firsts.team,
        firsts.kind_scope,
        firsts.period_type,
        all_periods.period_start
    from (
        select team, kind_scope, period_type, min(period_start) as first_period
        from measured
        group by team, kind_scope, period_type
    ) as firsts
    inner join all_periods
        on all_periods.period_type = firsts.period_type
        and all_periods.period_start >= firsts.first_period
),

final as (
    select
        -- ids
        spine.team,
        spine.kind_scope,
        spine.period_type,
        spine.period_start,
        -- measures
        coalesce(measured.items, 0)::integer as items,
        measured.p50_hours,
        measured.p85_hours,
        measured.p95_hours,
        measured.mean_hours,
        coalesce(measured.throughput, 0)::integer as throughput
    from spine
    left join measured
        on measured.team = spine.team
        and measured.kind_scope = spine.kind_scope
        and measured.period_type = spine.period_type
        and measured.period_start = spine.period_start
)

select * from final
