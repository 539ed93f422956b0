-- One row per field change in a Jira changelog history (every field, not only status).
-- `field_key` normalises the many names one field has had: fieldId when present, else the
-- lower-cased field name; parent moves (Parent, Parent Link, Epic Link,
-- IssueParentAssociation) all become 'parent'. `concept` goes one step further and names what
-- analysts ask about (status, assignee, story_points, sprint, parent, due_date, start_date,
-- target_start, target_end, resolution), using the site's custom field ids by schema type, with
-- typed values: story points only appear in toString, sprint ids are comma-separated.
with raw_histories as (
    select * from raw.jira__changelogs
),

raw_fields as (
    select * from raw.jira__fields
),

histories as (
    select *
    from raw_histories
    qualify row_number() over (
        partition by source, native_id order by _extracted_at
    ) = 1
),

latest_fields as (
    select *
    from raw_fields
    qualify row_number() over (
        partition by source, native_id order by _extracted_at desc
    ) = 1
),

field_concepts as (
    select
        source,
        lower(native_id) as field_id,
        case payload ->> '$.schema.custom'
            when 'com.pyxis.greenhopper.jira:jsw-story-points' then 'story_points'
            when 'com.pyxis.greenhopper.jira:gh-epic-link' then 'parent'
            when 'com.atlassian.jpo:jpo-custom-field-parent' then 'parent'
            when 'com.pyxis.greenhopper.jira:gh-sprint' then 'sprint'
            when 'com.atlassian.jpo:jpo-custom-field-baseline-start' then 'target_start'
            when 'com.atlassian.jpo:jpo-custom-field-baseline-end' then 'target_end'
        end as concept
    from latest_fields
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

named as (
    select
        items.*,
        item ->> '$.field' as field,
        item ->> '$.fieldId' as field_id,
        case
            when lower(item ->> '$.field') in ('parent', 'parent link', 'epic link', 'issueparentassociation')
                then 'parent'
            else lower(coalesce(item ->> '$.fieldId', item ->> '$.field'))
        end as field_key,
        item ->> '$.from' as from_value,
        item ->> '$.fromString' as from_string,
        item ->> '$.to' as to_value,
        item ->> '$.toString' as to_string
    from items
),

with_concept as (
    select
        named.*,
        coalesce(
            field_concepts.concept,
            case
                when named.field_key in ('status', 'assignee', 'parent', 'resolution', 'sprint')
                    then named.field_key
                when named.field_key = 'duedate' or lower(named.field) = 'due date' then 'due_date'
                when lower(named.field) in ('story points', 'story point estimate')
                    then 'story_points'
                when lower(named.field) = 'target start' then 'target_start'
                when lower(named.field) = 'target end' then 'target_end'
                when lower(named.field) = 'start date' then 'start_date'
            end,
            named.field_key
        ) as concept
    from named
    left join field_concepts
        on field_concepts.source = named.source
        and field_concepts.field_id = lower(named.field_id)
),

final as (
    select
        -- ids
        source || ':' || issue_id as item_id,
        source,
        issue_id,
        history_id,
        -- attributes
        field,
        field_id,
        field_key,
        concept,
        from_value,
        from_string,
        to_value,
        to_string,
        case when concept = 'story_points' then try_cast(from_string as double) end
            as from_story_points,
        case when concept = 'story_points' then try_cast(to_string as double) end
            as to_story_points,
        case when concept = 'sprint' then
            list_filter(list_transform(string_split(coalesce(from_value, ''), ','), s -> trim(s)), s -> s <> '')
        end as from_sprint_ids,
        case when concept = 'sprint' then
            list_filter(list_transform(string_split(coalesce(to_value, ''), ','), s -> trim(s)), s -> s <> '')
        end as to_sprint_ids,
        case when concept in ('due_date', 'start_date', 'target_start', 'target_end')
            then try_cast(left(coalesce(from_value, from_string), 10) as date)
        end as from_date,
        case when concept in ('due_date', 'start_date', 'target_start', 'target_end')
            then try_cast(left(coalesce(to_value, to_string), 10) as date)
        end as to_date,
        -- timestamps
        changed_at
    from with_concept
)

select * from final
