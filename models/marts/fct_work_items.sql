-- One row per work item (Jira issue, GitHub issue or pull request) with its flow times.
-- Definitions are metrics.md's "Per-item times"; durations are hours, as of the run.
-- Sums of durations are taken in whole milliseconds and divided once, so two rebuilds give
-- identical doubles.
with items as (
    select * from intermediate.int_work_items__unioned
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

category_rank as (
    select *
    from (values ('todo', 0), ('in_progress', 1), ('done', 2), ('cancelled', 2)) as t(category, rank)
),

current_status as (
    select
        item_id,
        status,
        category
    from intervals
    where is_current
),

per_item as (
    select
        intervals.item_id,
        min(intervals.entered_at) filter (where intervals.category = 'in_progress') as started_at,
        -- same-category moves (Closed -> Done) are not entries: previous_category must differ
        max(intervals.entered_at) filter (
            where intervals.category = 'done'
            and intervals.previous_category is distinct from 'done'
        ) as last_done_entry,
        max(intervals.entered_at) filter (
            where intervals.category = 'cancelled'
            and intervals.previous_category is distinct from 'cancelled'
        ) as last_cancel_entry,
        count(*) filter (
            where intervals.previous_category in ('done', 'cancelled')
            and intervals.category in ('todo', 'in_progress')
        ) as reopen_count,
        count(*) filter (where intervals.ordinal > 0) as status_changes,
        count(*) filter (where to_rank.rank < from_rank.rank) as backward_moves
    from intervals
    left join category_rank as to_rank on to_rank.category = intervals.category
    left join category_rank as from_rank on from_rank.category = intervals.previous_category
    group by intervals.item_id
),

flow_times as (
    select
        per_item.item_id,
        per_item.started_at,
        per_item.reopen_count,
        per_item.status_changes,
        per_item.backward_moves,
        case when current_status.category = 'done' then per_item.last_done_entry end
            as completed_at,
        case when current_status.category = 'cancelled' then per_item.last_cancel_entry end
            as cancelled_at
    from per_item
    inner join current_status on current_status.item_id = per_item.item_id
),

-- Between start and completion: active = in_progress and not waiting; wait = waiting statuses
-- or back in todo; stays in done or cancelled before a reopen count as neither.
active_and_wait as (
    select
        intervals.item_id,
        sum(intervals.duration_ms) filter (
            where intervals.category = 'in_progress' and not intervals.is_wait
        ) as active_ms,
        sum(intervals.duration_ms) filter (
            where intervals.is_wait or intervals.category = 'todo'
        ) as wait_ms
    from intervals
    inner join flow_times
        on flow_times.item_id = intervals.item_id
        and intervals.entered_at >= flow_times.started_at
        and intervals.entered_at < flow_times.completed_at
    group by intervals.item_id
),

-- Working time (in ms) from the calendar's start to a moment: whole working days before its
-- UTC day, plus the elapsed part of its day if that day is a working day.
business_time as (
    select
        flow_times.item_id,
        start_day.working_days_before::bigint * 86400000
        + case
            when start_day.is_working_day
                then date_diff(
                    'millisecond', start_day.day::timestamp, timezone('UTC', flow_times.started_at)
                )
            else 0
        end as start_ms,
        end_day.working_days_before::bigint * 86400000
        + case
            when end_day.is_working_day
                then date_diff(
                    'millisecond', end_day.day::timestamp, timezone('UTC', flow_times.completed_at)
                )
            else 0
        end as end_ms
    from flow_times
    inner join calendar as start_day
        on start_day.day = timezone('UTC', flow_times.started_at)::date
    inner join calendar as end_day
        on end_day.day = timezone('UTC', flow_times.completed_at)::date
),

final as (
    select
        -- ids
        items.item_id,
        items.source,
        items.key,
        items.kind,
        items.team,
        items.project_or_repo,
        items.issue_type,
        items.title,
        items.parent_item_id,
        cast(null as varchar) as initiative_item_id,  -- filled by the initiatives models
        -- current state
        current_status.status,
        current_status.category,
        -- timestamps
        items.created_at,
        flow_times.started_at,
        flow_times.completed_at,
        flow_times.cancelled_at,
        -- measures
        date_diff('millisecond', items.created_at, flow_times.completed_at) / 3600000.0
            as lead_time_hours,
        date_diff('millisecond', flow_times.started_at, flow_times.completed_at) / 3600000.0
            as cycle_time_hours,
        case when flow_times.completed_at is not null and flow_times.started_at is not null
            then coalesce(active_and_wait.active_ms, 0) / 3600000.0
        end as active_hours,
        case when flow_times.completed_at is not null and flow_times.started_at is not null
            then coalesce(active_and_wait.wait_ms, 0) / 3600000.0
        end as wait_hours,
        case when coalesce(active_and_wait.active_ms, 0) + coalesce(active_and_wait.wait_ms, 0) > 0
            then coalesce(active_and_wait.active_ms, 0)
            / (coalesce(active_and_wait.active_ms, 0) + coalesce(active_and_wait.wait_ms, 0))
        end as flow_efficiency,
        (business_time.end_ms - business_time.start_ms) / 86400000.0 as cycle_time_business_days,
        flow_times.reopen_count,
        flow_times.status_changes,
        flow_times.backward_moves,
        -- TODO(staging): story points once stg_jira__issues carries them
        cast(null as double) as story_points,
        case when current_status.category in ('todo', 'in_progress')
            then date_diff('millisecond', items.created_at, run_context.as_of) / 3600000.0
        end as age_hours,
        case when current_status.category in ('todo', 'in_progress')
            then date_diff('millisecond', flow_times.started_at, run_context.as_of) / 3600000.0
        end as wip_age_hours
    from items
    inner join current_status on current_status.item_id = items.item_id
    inner join flow_times on flow_times.item_id = items.item_id
    left join active_and_wait on active_and_wait.item_id = items.item_id
    left join business_time on business_time.item_id = items.item_id
    cross join run_context
)

select * from final
