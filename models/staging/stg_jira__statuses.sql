-- One row per Jira status definition (from /status), per source: the category comes from here,
-- never from the copy embedded in an issue payload, and is resolved by id against
-- /statuscategory (a status's embedded category object can be stale after a site renames one).
with raw_statuses as (
    select * from raw.jira__statuses
),

raw_categories as (
    select * from raw.jira__statuscategories
),

latest as (
    select *
    from raw_statuses
    qualify row_number() over (
        partition by source, native_id order by _extracted_at desc
    ) = 1
),

categories as (
    select *
    from raw_categories
    qualify row_number() over (
        partition by source, native_id order by _extracted_at desc
    ) = 1
),

final as (
    select
        latest.source,
        latest.native_id as status_id,
        latest.payload ->> '$.name' as status_name,
        coalesce(
            categories.payload ->> '$.key', latest.payload ->> '$.statusCategory.key'
        ) as category_key,
        latest.payload ->> '$.statusCategory.id' as category_id,
        coalesce(
            categories.payload ->> '$.name', latest.payload ->> '$.statusCategory.name'
        ) as category_name
    from latest
    left join categories
        on categories.source = latest.source
        and categories.native_id = (latest.payload ->> '$.statusCategory.id')
)

select * from final
