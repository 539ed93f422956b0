-- One row per Jira issue that reconciliation ever flagged (grain: source, issue_id): its latest
-- verdict. `deleted` = Jira answers 404; `moved_out` = it now lives in a project outside the
-- source's scope; `present` = it was flagged before and is listed again. Issues whose latest
-- verdict is deleted or moved_out are left out of stg_jira__issues (never kept as ghosts).
with raw_verdicts as (
    select * from raw.jira__reconciliations
),

latest as (
    select *
    from raw_verdicts
    qualify row_number() over (partition by source, native_id order by version desc) = 1
),

final as (
    select
        -- ids
        source || ':' || native_id as item_id,
        source,
        native_id as issue_id,
        payload ->> '$.last_key' as last_key,
        -- attributes
        payload ->> '$.status' as status,
        (payload ->> '$.status') in ('deleted', 'moved_out') as is_removed,
        payload ->> '$.key' as current_key,
        payload ->> '$.project' as current_project_key,
        -- timestamps
        version::timestamptz as checked_at
    from latest
)

select * from final
