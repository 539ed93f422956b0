-- One row per (team, UTC day) over the forecast's history window, zeros included: items of kind
-- issue whose current category is done, counted on the day of their completed_at (metrics.md
-- "Throughput"). The window is the `$days` whole days before the run's as-of day.
with work_items as (
    select * from marts.fct_work_items
),

run_context as (
    select * from meta.cfg_run
),

days as (
    select unnest(generate_series(
        timezone('UTC', as_of)::date - to_days($days::integer),
        timezone('UTC', as_of)::date - interval 1 day,
        interval 1 day
    ))::date as day
    from run_context
),

teams as (
    select distinct team from work_items
),

completions as (
    select team, timezone('UTC', completed_at)::date as day, count(*) as items
    from work_items
    where kind = 'issue' and category = 'done'
    group by all
),

final as (
    select
        teams.team,
        days.day,
        coalesce(completions.items, 0) as items
    from teams
    cross join days
    left join completions on completions.team = teams.team and completions.day = days.day
)

select * from final
order by team, day
