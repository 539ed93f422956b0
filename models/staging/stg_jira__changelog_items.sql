-- One row per field change in a Jira changelog history (every field, not only status).
-- `field_key` normalises the many names one concept has had: fieldId when present, else the
-- lower-cased field name; parent moves (Parent, Parent Link, Epic Link,
-- IssueParentAssociation) all become 'parent'.
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
        item ->> '$.toString' as to_string,
        -- timestamps
        changed_at
    from items
)

select * from final
