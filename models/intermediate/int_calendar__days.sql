-- One row per UTC day from the earliest item creation (or status change) to the run's as-of
-- day: whether it is a working day (configured ISO weekdays, minus configured holidays) and how
-- many working days precede it. Business-day durations then need only two equality joins:
-- working_days_before(end) - working_days_before(start), plus the fractions of the end days.
with items as (
    select * from intermediate.int_work_items__unioned
),

changes as (
    select * from intermediate.int_status_changes__categorized
),

working_days as (
    select * from meta.cfg_working_days
),

holidays as (
    select * from meta.cfg_holidays
),

run_context as (
    select * from meta.cfg_run
),

bounds as (
    select
        least(
            (select min(timezone('UTC', created_at))::date from items),
            (select min(timezone('UTC', entered_at))::date from changes)
        ) as first_day,
        greatest(
            (select timezone('UTC', as_of)::date from run_context),
            (select max(timezone('UTC', entered_at))::date from changes),
            (select max(timezone('UTC', created_at))::date from items)
        ) as last_day
),

days as (
    select cast(generate_series as date) as day
    from bounds,
        generate_series(bounds.first_day::timestamp, bounds.last_day::timestamp, interval 1 day)
    where bounds.first_day is not null
),

classified as (
    select
        days.day,
        isodow(days.day) as isodow,
        isodow(days.day) in (select isodow from working_days)
        and days.day not in (select day from holidays) as is_working_day
    from days
),

final as (
    select
        day,
        isodow,
        is_working_day,
        coalesce(
            sum(case when is_working_day then 1 else 0 end) over (
                order by day rows between unbounded preceding and 1 preceding
            ),
            0
        ) as working_days_before
    from classified
)

select * from final
