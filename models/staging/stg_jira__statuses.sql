-- One row per Jira status definition (from /status), per source: the category comes from here,
-- never from the copy embedded in an issue payload.
with raw_statuses as (
    select * from raw.jira__statuses
),

latest as (
    select *
    from raw_statuses
    qualify row_number() over (
        partition by source, native_id order by _extracted_at desc
    ) = 1
),

final as (
    select
        source,
        native_id as status_id,
        payload ->> '$.name' as status_name,
        payload ->> '$.statusCategory.key' as category_key
    from latest
)

select * from final
