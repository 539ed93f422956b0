-- One row per Jira issue still in scope, its latest version: identity, type, hierarchy, current
-- state and the custom fields found by schema type (story points, Epic Link, Parent Link,
-- sprints, start and target dates). Issues reconciliation found deleted or moved away are left
-- out (they are listed in stg_jira__reconciliations), unless a newer version arrived since.
with raw_issues as (
    select * from raw.jira__issues
),

raw_fields as (
    select * from raw.jira__fields
),

raw_verdicts as (
    select * from raw.jira__reconciliations
),

latest as (
    select *
    from raw_issues
    qualify row_number() over (
        partition by source, native_id
        order by (payload ->> '$.fields.updated')::timestamptz desc, _extracted_at desc
    ) = 1
),

latest_fields as (
    select *
    from raw_fields
    qualify row_number() over (
        partition by source, native_id order by _extracted_at desc
    ) = 1
),

-- Custom field ids differ per site: one role per field, by schema type first, name second.
field_roles as (
    select
        source,
        native_id as field_id,
        case
            when (payload ->> '$.schema.custom') = 'com.pyxis.greenhopper.jira:jsw-story-points'
                or lower(payload ->> '$.name') in ('story points', 'story point estimate')
                then 'story_points'
            when (payload ->> '$.schema.custom') = 'com.pyxis.greenhopper.jira:gh-epic-link'
                or lower(payload ->> '$.name') = 'epic link'
                then 'epic_link'
            when (payload ->> '$.schema.custom') = 'com.pyxis.greenhopper.jira:gh-sprint'
                or lower(payload ->> '$.name') = 'sprint'
                then 'sprint'
            when (payload ->> '$.schema.custom') = 'com.atlassian.jpo:jpo-custom-field-parent'
                or lower(payload ->> '$.name') = 'parent link'
                then 'parent_link'
            when (payload ->> '$.schema.custom') = 'com.atlassian.jpo:jpo-custom-field-baseline-start'
                or lower(payload ->> '$.name') = 'target start'
                then 'target_start'
            when (payload ->> '$.schema.custom') = 'com.atlassian.jpo:jpo-custom-field-baseline-end'
                or lower(payload ->> '$.name') = 'target end'
                then 'target_end'
            when lower(payload ->> '$.name') = 'start date'
                then 'start_date'
        end as role
    from latest_fields
    where coalesce((payload ->> '$.custom')::boolean, false)
),

-- Set-based lookup: every issue against its site's role fields, then one pivot.
role_values as (
    select
        latest.source,
        latest.native_id,
        field_roles.role,
        json_extract(latest.payload, '$.fields.' || field_roles.field_id) as value
    from latest
    inner join field_roles on field_roles.source = latest.source
    where field_roles.role is not null
),

custom_values as (
    select
        source,
        native_id,
        max(try_cast(value ->> '$' as double)) filter (where role = 'story_points') as story_points,
        max(value ->> '$') filter (
            where role = 'epic_link' and json_type(value) = 'VARCHAR'
        ) as epic_link_key,
        max(value ->> '$.data.id') filter (where role = 'parent_link') as parent_link_id,
        max(coalesce(
            value ->> '$.data.key', case when json_type(value) = 'VARCHAR' then value ->> '$' end
        )) filter (where role = 'parent_link') as parent_link_key,
        -- Cloud: sprint objects with ids; Data Center: "...Sprint@1a2b[id=5,...]" strings
        flatten(list(
            list_filter(
                list_transform(
                    from_json(value, '["json"]'),
                    s -> coalesce(s ->> '$.id', regexp_extract(s ->> '$', 'id=(\d+)', 1))
                ),
                s -> s is not null and s <> ''
            )
        ) filter (where role = 'sprint' and json_type(value) = 'ARRAY')) as sprint_ids,
        max(try_cast(value ->> '$' as date)) filter (where role = 'start_date') as start_date,
        max(try_cast(value ->> '$' as date)) filter (where role = 'target_start') as target_start,
        max(try_cast(value ->> '$' as date)) filter (where role = 'target_end') as target_end
    from role_values
    where value is not null and json_type(value) <> 'NULL'
    group by source, native_id
),

current_keys as (
    select source, native_id, payload ->> '$.key' as key
    from latest
),

verdicts as (
    select
        source,
        native_id,
        payload ->> '$.status' as status,
        _extracted_at as checked_at
    from raw_verdicts
    qualify row_number() over (partition by source, native_id order by version desc) = 1
),

issues as (
    select
        latest.*,
        custom_values.story_points,
        custom_values.epic_link_key,
        custom_values.parent_link_key,
        custom_values.sprint_ids,
        custom_values.start_date,
        custom_values.target_start,
        custom_values.target_end,
        coalesce(
            latest.payload ->> '$.fields.parent.id',
            epic_keys.native_id,
            latest.payload ->> '$.fields.epic.id',
            custom_values.parent_link_id,
            parent_link_keys.native_id
        ) as parent_native_id,
        coalesce(
            latest.payload ->> '$.fields.parent.key',
            custom_values.epic_link_key,
            latest.payload ->> '$.fields.epic.key',
            custom_values.parent_link_key
        ) as parent_key
    from latest
    left join custom_values
        on custom_values.source = latest.source and custom_values.native_id = latest.native_id
    left join current_keys as epic_keys
        on epic_keys.source = latest.source and epic_keys.key = custom_values.epic_link_key
    left join current_keys as parent_link_keys
        on parent_link_keys.source = latest.source
        and parent_link_keys.key = custom_values.parent_link_key
    where not exists (
        select 1
        from verdicts
        where verdicts.source = latest.source
            and verdicts.native_id = latest.native_id
            and verdicts.status in ('deleted', 'moved_out')
            and verdicts.checked_at >= latest._extracted_at
    )
),

-- Data Center issue types carry no hierarchyLevel: an epic is level 1, and an issue that an
-- epic points at through Parent Link sits above it (an initiative level); the rest are 0.
parents_of_epics as (
    select distinct source, parent_native_id
    from issues
    where lower(payload ->> '$.fields.issuetype.name') = 'epic' and parent_native_id is not null
),

final as (
    select
        -- ids
        issues.source || ':' || issues.native_id as item_id,
        issues.source,
        issues.native_id as issue_id,
        issues.payload ->> '$.key' as key,
        issues.payload ->> '$.fields.project.key' as project_key,
        case
            when issues.parent_native_id is not null
                then issues.source || ':' || issues.parent_native_id
        end as parent_item_id,
        issues.parent_key,
        issues.epic_link_key,
        issues.parent_link_key,
        -- attributes
        issues.payload ->> '$.fields.issuetype.name' as issue_type,
        coalesce(
            (issues.payload ->> '$.fields.issuetype.hierarchyLevel')::integer,
            case
                when coalesce((issues.payload ->> '$.fields.issuetype.subtask')::boolean, false)
                    then -1
                when lower(issues.payload ->> '$.fields.issuetype.name') = 'epic' then 1
                when parents_of_epics.parent_native_id is not null then 2
                else 0
            end
        ) as hierarchy_level,
        coalesce((issues.payload ->> '$.fields.issuetype.subtask')::boolean, false) as is_subtask,
        issues.payload ->> '$.fields.summary' as title,
        issues.payload ->> '$.fields.status.id' as status_id,
        issues.payload ->> '$.fields.status.name' as status_name,
        issues.payload ->> '$.fields.resolution.name' as resolution,
        issues.payload ->> '$.fields.assignee.displayName' as assignee,
        issues.story_points,
        coalesce(issues.sprint_ids, []::varchar[]) as sprint_ids,
        -- timestamps
        (issues.payload ->> '$.fields.created')::timestamptz as created_at,
        (issues.payload ->> '$.fields.updated')::timestamptz as updated_at,
        (issues.payload ->> '$.fields.resolutiondate')::timestamptz as resolved_at,
        (issues.payload ->> '$.fields.duedate')::date as due_date,
        issues.start_date,
        issues.target_start,
        issues.target_end
    from issues
    left join parents_of_epics
        on parents_of_epics.source = issues.source
        and parents_of_epics.parent_native_id = issues.native_id
)

select * from final
