-- One row per work item (Jira issue, GitHub issue or pull request) with its flow times.
-- Definitions are metrics.md's "Per-item times"; durations are hours, as of the run.
with items as (
    select * from intermediate.int_work_items__unioned
),

changes as (
    select * from intermediate.int_status_changes__categorized
),

run_context as (
    select * from meta.cfg_run
),

ordered as (
    select
        item_id,
        status,
        category,
        entered_at,
        ordinal,
        lag(category) over (partition by item_id order by entered_at, ordinal) as previous_category
    from changes
),

current_status as (
    select
        item_id,
        status,
        category
    from ordered
    qualify row_number() over (partition by item_id order by entered_at desc, ordinal desc) = 1
),

category_rank as (
    select * from (values ('todo', 0), ('in_progress', 1), ('done', 2), ('cancelled', 2)) as t(category, rank)
),

per_item as (
    select
        ordered.item_id,
        min(ordered.entered_at) filter (where ordered.category = 'in_progress') as started_at,
        max(ordered.entered_at) filter (
            where ordered.category = 'done' and ordered.previous_category is distinct from 'done'
        ) as last_done_entry,
        max(ordered.entered_at) filter (
            where ordered.category = 'cancelled' and ordered.previous_category is distinct from 'cancelled'
        ) as last_cancel_entry,
        count(*) filter (
            where ordered.previous_category in ('done', 'cancelled')
            and ordered.category in ('todo', 'in_progress')
        ) as reopen_count,
        count(*) filter (where ordered.ordinal > 0) as status_changes,
        count(*) filter (where to_rank.rank < from_rank.rank) as backward_moves
    from ordered
    left join category_rank as to_rank on to_rank.category = ordered.category
    left join category_rank as from_rank on from_rank.category = ordered.previous_category
    group by ordered.item_id
),

final as (
    select
        -- ids
        items.item_id,
        items.source,
        items.key,
        items.kind,
        items.team,
        items.title,
        -- current state
        current_status.status,
        current_status.category,
        -- timestamps
        items.created_at,
        per_item.started_at,
        case when current_status.category = 'done' then per_item.last_done_entry end as completed_at,
        case when current_status.category = 'cancelled' then per_item.last_cancel_entry end
            as cancelled_at,
        -- measures
        case when current_status.category = 'done'
            then date_diff('millisecond', items.created_at, per_item.last_done_entry) / 3600000.0
        end as lead_time_hours,
        case when current_status.category = 'done'
            then date_diff('millisecond', per_item.started_at, per_item.last_done_entry) / 3600000.0
        end as cycle_time_hours,
        per_item.reopen_count,
        per_item.status_changes,
        per_item.backward_moves,
        items.parent_item_id,
        case when current_status.category in ('todo', 'in_progress')
            then date_diff('millisecond', items.created_at, run_context.as_of) / 3600000.0
        end as age_hours,
        case when current_status.category in ('todo', 'in_progress')
            then date_diff('millisecond', per_item.started_at, run_context.as_of) / 3600000.0
        end as wip_age_hours
    from items
    inner join current_status on current_status.item_id = items.item_id
    inner join per_item on per_item.item_id = items.item_id
    cross join run_context
)

select * from final
