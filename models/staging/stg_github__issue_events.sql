-- One row per GitHub issue or pull request event (assigned, labeled, closed, reopened, merged...).
with raw_events as (
    select * from raw.github__issue_events
),

events as (
    select *
    from raw_events
    qualify row_number() over (
        partition by source, native_id order by _extracted_at
    ) = 1
),

final as (
    select
        -- ids
        source || ':' || parent_id as item_id,
        source,
        native_id as event_id,
        scope as repo,
        -- attributes
        payload ->> '$.event' as event,
        payload ->> '$.label.name' as label_name,
        payload ->> '$.milestone.title' as milestone_title,
        payload ->> '$.state_reason' as state_reason,
        payload ->> '$.commit_id' as commit_id,
        -- timestamps
        (payload ->> '$.created_at')::timestamptz as created_at
    from events
)

select * from final
