-- One row per GitHub issue or pull request event (assigned, labeled, closed, reopened, merged,
-- cross-referenced...). The events API is the base; timeline items add what it lacks
-- (cross-referenced, commented, committed, reviewed). An item both feeds return (same id and
-- event) appears once, from the events API.
with raw_events as (
    select * from raw.github__issue_events
),

raw_timeline as (
    select * from raw.github__timeline
),

events as (
    select
        *,
        'events' as feed
    from raw_events
    qualify row_number() over (
        partition by source, native_id order by _extracted_at
    ) = 1
),

timeline_only as (
    select
        *,
        'timeline' as feed
    from raw_timeline
    where not exists (
        select 1
        from raw_events
        where raw_events.source = raw_timeline.source
            and raw_events.native_id = raw_timeline.native_id
            and (raw_events.payload ->> '$.event') = (raw_timeline.payload ->> '$.event')
    )
    qualify row_number() over (
        partition by source, parent_id, native_id order by _extracted_at desc
    ) = 1
),

unioned as (
    select * from events
    union all by name
    select * from timeline_only
),

final as (
    select
        -- ids
        source || ':' || parent_id as item_id,
        source,
        native_id as event_id,
        scope as repo,
        feed,
        -- attributes
        payload ->> '$.event' as event,
        coalesce(payload ->> '$.actor.login', payload ->> '$.user.login') as actor_login,
        payload ->> '$.assignee.login' as assignee_login,
        payload ->> '$.label.name' as label_name,
        payload ->> '$.milestone.title' as milestone_title,
        payload ->> '$.state_reason' as state_reason,
        coalesce(payload ->> '$.commit_id', payload ->> '$.sha') as commit_id,
        payload ->> '$.rename.from' as renamed_from,
        payload ->> '$.rename.to' as renamed_to,
        payload ->> '$.state' as review_state,
        (payload ->> '$.source.issue.number')::integer as source_issue_number,
        regexp_extract(
            payload ->> '$.source.issue.repository_url', '/repos/([^/]+/[^/]+)$', 1
        ) as source_issue_repo,
        coalesce(
            (payload ->> '$.source.issue.pull_request.url') is not null
            or (payload ->> '$.source.issue.pull_request.html_url') is not null,
            false
        ) as source_is_pull_request,
        -- timestamps: reviews carry submitted_at and commits their git dates instead
        coalesce(
            (payload ->> '$.created_at')::timestamptz,
            (payload ->> '$.submitted_at')::timestamptz,
            (payload ->> '$.committer.date')::timestamptz,
            (payload ->> '$.author.date')::timestamptz
        ) as created_at,
        -- lineage
        _extracted_at as fetched_at,
        _run_id as run_id
    from unioned
)

select * from final
