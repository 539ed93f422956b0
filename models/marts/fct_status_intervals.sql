-- One row per stay of a work item in a status: (item_id, entered_at, ordinal). The current stay
-- has a null exited_at and its hours run to the run's as-of time. Time-in-status, waiting and
-- the cumulative flow diagram are all sums over this table.
with intervals as (
    select * from intermediate.int_status_intervals__bounded
),

final as (
    select
        -- ids
        item_id,
        ordinal,
        -- attributes
        status,
        category,
        is_wait,
        is_mapped,
        is_current,
        -- timestamps
        entered_at,
        exited_at,
        -- measures
        hours
    from intervals
)

select * from final
