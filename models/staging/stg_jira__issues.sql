-- One row per Jira issue, its latest version: identity, type, hierarchy and current state.
with raw_issues as (
    select * from raw.jira__issues
),

latest as (
    select *
    from raw_issues
    qualify row_number() over (
        partition by source, native_id
        order by (payload ->> '$.fields.updated')::timestamptz desc, _extracted_at desc
    ) = 1
),

final as (
    select
        -- ids
        source || ':' || native_id as item_id,
        source,
        native_id as issue_id,
        payload ->> '$.key' as key,
        payload ->> '$.fields.project.key' as project_key,
        case
            when (payload ->> '$.fields.parent.id') is not null
                then source || ':' || (payload ->> '$.fields.parent.id')
        end as parent_item_id,
        -- attributes
        payload ->> '$.fields.issuetype.name' as issue_type,
        (payload ->> '$.fields.issuetype.hierarchyLevel')::integer as hierarchy_level,
        coalesce((payload ->> '$.fields.issuetype.subtask')::boolean, false) as is_subtask,
        payload ->> '$.fields.summary' as title,
        payload ->> '$.fields.status.id' as status_id,
        payload ->> '$.fields.status.name' as status_name,
        payload ->> '$.fields.resolution.name' as resolution,
        -- timestamps
        (payload ->> '$.fields.created')::timestamptz as created_at,
        (payload ->> '$.fields.updated')::timestamptz as updated_at,
        (payload ->> '$.fields.resolutiondate')::timestamptz as resolved_at,
        (payload ->> '$.fields.duedate')::date as due_date
    from latest
)

select * from final
