-- One row per status item in a Jira changelog history: the complete status history of an issue.
-- Built on stg_jira__changelog_items, which unnests every history once for all fields.
with changelog_items as (
    select * from staging.stg_jira__changelog_items
),

final as (
    select
        -- ids
        item_id,
        source,
        issue_id,
        history_id,
        -- attributes
        from_value as from_status_id,
        from_string as from_status,
        to_value as to_status_id,
        to_string as to_status,
        -- timestamps
        changed_at
    from changelog_items
    where field_key = 'status'
    -- the same transition delivered twice (a replayed or re-imported history) counts once
    qualify row_number() over (
        partition by source, issue_id, changed_at, from_value, to_value
        order by history_id
    ) = 1
)

select * from final
