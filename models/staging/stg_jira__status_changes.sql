-- One row per status item in a Jira changelog history: the complete status history of an issue.
with raw_histories as (
    select * from raw.jira__changelogs
),

histories as (
    select *
    from raw_histories
    qualify row_number() over (
        partition by source, native_id order by _extracted_at
    ) = 1
),

items as (
    select
        source,
        parent_id as issue_id,
        native_id as history_id,
        (payload ->> '$.created')::timestamptz as changed_at,
        unnest(from_json(payload -> '$.items', '["json"]')) as item
    from histories
),

final as (
    select
        -- ids
        source || ':' || issue_id as item_id,
        source,
        issue_id,
        history_id,
        -- attributes
        item ->> '$.from' as from_status_id,
        item ->> '$.fromString' as from_status,
        item ->> '$.to' as to_status_id,
        item ->> '$.toString' as to_status,
        -- timestamps
        changed_at
    from items
    where lower(coalesce(item ->> '$.fieldId', item ->> '$.field')) = 'status'
    -- the same transition delivered twice (a replayed or re-imported history) counts once
    qualify row_number() over (
        partition by source, issue_id, changed_at, from_status_id, to_status_id
        order by history_id
    ) = 1
)

select * from final
