-- One row per stay of an item in a status: (item_id, ordinal). A stay ends when the next one
-- begins; the current stay has a null exited_at and its duration runs to the run's as-of time.
-- is_wait marks in_progress statuses configured as waiting (config list, else the default name
-- patterns). Durations are kept in whole milliseconds too, so sums are exact and rebuilds are
-- bit-for-bit identical.
with changes as (
    select * from intermediate.int_status_changes__categorized
),

wait_statuses as (
    select * from meta.cfg_wait_statuses
),

wait_patterns as (
    select * from meta.cfg_wait_patterns
),

run_context as (
    select * from meta.cfg_run
),

bounded as (
    select
        item_id,
        ordinal,
        status,
        category,
        is_mapped,
        lag(category) over (partition by item_id order by ordinal) as previous_category,
        entered_at,
        lead(entered_at) over (partition by item_id order by ordinal) as exited_at
    from changes
),

final as (
    select
        bounded.item_id,
        bounded.ordinal,
        bounded.status,
        bounded.category,
        bounded.previous_category,
        bounded.is_mapped,
        bounded.category = 'in_progress'
        and (
            lower(bounded.status) in (select lower(status_name) from wait_statuses)
            or exists (
                select 1 from wait_patterns
                where contains(lower(bounded.status), lower(wait_patterns.pattern))
            )
        ) as is_wait,
        bounded.entered_at,
        bounded.exited_at,
        bounded.exited_at is null as is_current,
        date_diff(
            'millisecond', bounded.entered_at, coalesce(bounded.exited_at, run_context.as_of)
        ) as duration_ms,
        date_diff(
            'millisecond', bounded.entered_at, coalesce(bounded.exited_at, run_context.as_of)
        ) / 3600000.0 as hours
    from bounded
    cross join run_context
)

select * from final
