-- One row per Jira field definition per source: custom field ids differ per site.
with raw_fields as (
    select * from raw.jira__fields
),

latest as (
    select *
    from raw_fields
    qualify row_number() over (
        partition by source, native_id order by _extracted_at desc
    ) = 1
),

final as (
    select
        source,
        native_id as field_id,
        payload ->> '$.name' as field_name,
        coalesce((payload ->> '$.custom')::boolean, false) as is_custom,
        payload ->> '$.schema.custom' as custom_type,
        payload ->> '$.schema.type' as value_type
    from latest
)

select * from final
